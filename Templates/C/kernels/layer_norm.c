/* {{title}}
 * Per token: the mean and the biased variance of its channels (compensated float sums), then
 * v = (x - mean) * rstd * weight + bias with rstd = 1 / sqrt(var + {{epsilonText}}){{if hasEpilogue}}, the epilogue{{end}}{{if ternaryOut}}, and v's
 * sign stored packed: no float tensor of the normed values exists{{end}}. */
static void {{fn}}({{parameters}})
{
    {{enum}}
    {{for $t in tokens}}
        const float *row = x{{+ $t * channels}};
        const float mean = {{prefix}}_compensated_sum(row, {{channels}}, 0.0f, 0) / {{channelsFloat}};
        const float variance = {{fn}}_squares(row, mean) / {{channelsFloat}};
        const float rstd = 1.0f / sqrtf(variance + {{epsilonText}});
        {{if ternaryOut}}
        float values[{{channels}}];
        {{end}}
        for (int o = 0; o < {{channels}}; ++o) {
            const float d = row[o] - mean;
            float v = d * rstd;
            v = v * {{weight}}[o];
            v = v + {{bias}}[o];
{{epilogue}}            {{if ternaryOut}}
            values[o] = v;
            {{else}}
            y[{{$t * channels + $o}}] = v;
            {{end}}
        }
        {{if ternaryOut}}
        {{packSigns}}
        {{end}}
    {{end}}
}
