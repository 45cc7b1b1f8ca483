/* Stores row oy of output channel o from its sums: the folded BatchNorm (acc * m + a){{if bypass}}, the
 * bypass{{end}} and the epilogue, in one pass over the pixels with the value in a register (a 32-bit
 * core has no vectors to fill). */
static void {{fn}}_store({{if bypass}}const float *x, {{end}}const float *acc, int o, {{if bypass}}int oy, {{end}}float *out)
{
    {{enum}}
    const float m = {{multiplier}}[o], a = {{offset}}[o];
    {{if !bypass}}
    {{for $k in outWidth}}
        float v = acc[{{$k}}] * m + a;
{{epilogue}}        out[{{$k}}] = v;
    {{end}}
    {{end}}
    {{if inputRows && copiesOnly}}
    /* Bypass: output channel o copies input channel {{copied}}, at the same pixels. */
    {{if identityBypass}}
    const float *src = x{{+ $o * inPixels + $oy * inWidth}};
    {{else}}
    const float *src = x{{+ $o % inChannels * inPixels + $oy * inWidth}};
    {{end}}
    {{for $k in outWidth}}
        float v = acc[{{$k}}] * m + a;
        v += src[{{$k}}];
{{epilogue}}        out[{{$k}}] = v;
    {{end}}
    {{end}}
    {{if inputRows && !copiesOnly}}
    /* Bypass: output channel o is the mean of `count` input channels from `first`, `step`
     * apart ({{if copies > 0}}{{copies}} copies, then {{end}}the merged means), at the same pixels. */
    int first = 0, step = 1, count = 1;
    {{selection}}
    const float *src = x{{+ $first * inPixels + $oy * inWidth}};
    {{if copies > 0}}
    if (count == 1) { /* a copy needs no division */
        {{for $k in outWidth}}
            float v = acc[{{$k}}] * m + a;
            v += src[{{$k}}];
{{copyEpilogue}}            out[{{$k}}] = v;
        {{end}}
        return;
    }
    {{end}}
    {{for $k in outWidth}}
        float b = 0.0f;
        for (int j = 0; j < count; ++j) b += src[{{$j * $step * inPixels + $k}}];
        float v = acc[{{$k}}] * m + a;
        v += b / (float)count;
{{epilogue}}        out[{{$k}}] = v;
    {{end}}
    {{end}}
    {{if sourceRows}}
    {{if copiesOnly}}
    /* Bypass: output channel o copies source channel {{copied}}, a row of the source. */
    float bypass[{{outWidth}}];
    {{fn}}_bypass_row(x, {{copied}}, oy, bypass);
    {{else}}
    /* Bypass: output channel o is the mean of `count` source channels from `first`, `step`
     * apart ({{if copies > 0}}{{copies}} copies, then {{end}}the merged means), a row of the source at a time. */
    float bypass[{{outWidth}}], part[{{outWidth}}];
    int first = 0, step = 1, count = 1;
    {{selection}}
    {{fn}}_bypass_row(x, first, oy, bypass);
    for (int j = 1; j < count; ++j) {
        {{fn}}_bypass_row(x, first + j * step, oy, part);
        {{for $k in outWidth}}
            bypass[{{$k}}] += part[{{$k}}];
        {{end}}
    }
    if (count > 1) { /* a copied channel needs no division */
        {{for $k in outWidth}}
            bypass[{{$k}}] = bypass[{{$k}}] / (float)count;
        {{end}}
    }
    {{end}}
    {{for $k in outWidth}}
        float v = acc[{{$k}}] * m + a;
        v += bypass[{{$k}}];
{{epilogue}}        out[{{$k}}] = v;
    {{end}}
    {{end}}
}
