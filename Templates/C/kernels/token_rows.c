/* {{title}} */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{if prepend}}
    {{for $o in channels}}
        float v = {{constant}}[{{$o}}];
{{epilogue}}        y[{{$o}}] = v;
    {{end}}
    {{end}}
    {{for $t in inputRows}}
        {{for $o in channels}}
            float v = x[{{($t + inputOffset) * channels + $o}}];
{{epilogue}}            y[{{($t + outputOffset) * channels + $o}}] = v;
        {{end}}
    {{end}}
}
