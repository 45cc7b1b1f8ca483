/* {{title}}
 * {{if transposed}}Transposed{{else}}Grouped{{end}}: per group, the bits of the DAB signs packed along channels; the
 * scale is per input channel, so each byte of agreement bits looks up the signed sum of the
 * scales it covers. */
{{dabFunction}}
/* Per byte of input channels, the {{entries}} signed sums of their scales: entry p holds
 * sum_i (bit i of p ? +s_i : -s_i). The scale is per input channel, so it cannot leave the
 * channel sum; one lookup by agreement byte adds up to 8 exact products. */
static void {{fn}}_tables(const float *scale, float *table)
{
    {{enum}}
    {{for $g in groups}}
        {{for $q in unitsPerGroup}}
            float *t = table{{+ ($g * unitsPerGroup + $q) * entries}};
            float s[{{tableBits}}];
            float total = 0.0f;
            {{for $i in tableBits}}
                {{if partialUnits}}
                s[{{$i}}] = {{$q * 8 + $i}} < {{inPerGroup}} ? scale[{{$g * inPerGroup + $q * 8 + $i}}] : 0.0f;
                {{else}}
                s[{{$i}}] = scale[{{$g * inPerGroup + $q * 8 + $i}}];
                {{end}}
                total += s[{{$i}}];
            {{end}}
            t[0] = -total;
            {{if tableBits == 1}}
            t[1] = t[0] + 2.0f * s[0];
            {{else}}
            for (int i = 0; i < {{tableBits}}; ++i) {
                for (int p = 0; p < 1 << i; ++p) t[p | 1 << i] = t[p] + 2.0f * s[i];
            }
            {{end}}
        {{end}}
    {{end}}
}
{{bypassSource}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    uint8_t *bits = (uint8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    float *table = (float *)(void *)(scratch + {{tableOffset}});
    {{if producesSums}}
    /* Per output channel, a compensated sum of the stored values, written after the tensor
     * for the DAB of the next layer. */
    float *sums = y + {{outCount}};
    float *carry = (float *)(void *)(scratch + {{carryOffset}});
    {{for $o in outChannels}}
        sums[{{$o}}] = carry[{{$o}}] = 0.0f;
    {{end}}
    {{end}}
    {{fn}}_dab(x, bits, scale);
    {{if transposed}}
    /* Transposed, the weight scale is per input channel: it joins the DAB scale. */
    for (int c = 0; c < {{inChannels}}; ++c) scale[c] = scale[c] * {{weightScale}}[c];
    {{end}}
    {{fn}}_tables(scale, table);
    {{for $oy in outHeight}}
        {{for $ox in outWidth}}
            {{if gathers}}
            /* The input pixels under the window; taps in the zero padding add nothing. */
            const uint8_t *window[{{taps}}];
            int tap[{{taps}}];
            int n = 0;
            {{for $i in kernelH}}
                {{if transposed}}
                const int ty = {{$oy + padH - $i * dilationH}};
                if (ty >= 0 && {{if strideH > 1}}ty % {{strideH}} == 0 && {{end}}{{$ty / strideH}} < {{inHeight}}) {
                    {{for $j in kernelW}}
                        const int tx = {{$ox + padW - $j * dilationW}};
                        if (tx >= 0 && {{if strideW > 1}}tx % {{strideW}} == 0 && {{end}}{{$tx / strideW}} < {{inWidth}}) {
                            window[n] = bits{{+ ($ty / strideH * inWidth + $tx / strideW) * unitsPerPixel}};
                            tap[n++] = {{($i * kernelW + $j) * unitsPerGroup}};
                        }
                    {{end}}
                }
                {{else}}
                const int iy = {{$oy * strideH + $i * dilationH - padH}};
                if (iy >= 0 && iy < {{inHeight}}) {
                    {{for $j in kernelW}}
                        const int ix = {{$ox * strideW + $j * dilationW - padW}};
                        if (ix >= 0 && ix < {{inWidth}}) {
                            window[n] = bits{{+ ($iy * inWidth + $ix) * unitsPerPixel}};
                            tap[n++] = {{($i * kernelW + $j) * unitsPerGroup}};
                        }
                    {{end}}
                }
                {{end}}
            {{end}}
            {{else}}
            /* Every tap of the window lies inside the input. */
            const uint8_t *window[{{taps}}];
            {{for $i in kernelH}}
                {{for $j in kernelW}}
                    window[{{$i * kernelW + $j}}] = bits{{+ (($oy * strideH + $i * dilationH) * inWidth + $ox * strideW + $j * dilationW) * unitsPerPixel}};
                {{end}}
            {{end}}
            {{end}}
            {{for $o in outChannels}}
                const uint8_t *w = {{weightBits}}{{+ $o * weightStride}};
                {{if groups > 1}}
                const float *t = table{{+ $o / outPerGroup * groupTableStride}};
                {{else}}
                const float *t = table;
                {{end}}
                float acc = 0.0f;
                {{if gathers}}
                for (int k = 0; k < n; ++k) {
                    {{if groups > 1}}
                    const uint8_t *xb = window[k]{{+ $o / outPerGroup * unitsPerGroup}};
                    {{else}}
                    const uint8_t *xb = window[k];
                    {{end}}
                    const uint8_t *wb = w + tap[k];
                    {{for $q in unitsPerGroup}}
                        acc += t[{{if unitsPerGroup > 1}}{{$q * entries}} + {{end}}{{agreement}}];
                    {{end}}
                }
                {{else}}
                {{for $k in taps}}
                    {{if groups > 1}}
                    const uint8_t *xb = window[{{$k}}]{{+ $o / outPerGroup * unitsPerGroup}};
                    {{else}}
                    const uint8_t *xb = window[{{$k}}];
                    {{end}}
                    {{for $q in unitsPerGroup}}
                        acc += t[{{if unitsPerGroup > 1}}{{$q * entries}} + {{end}}{{agreementAtTap}}];
                    {{end}}
                {{end}}
                {{end}}
                float v = acc * {{multiplier}}[{{$o}}] + {{offset}}[{{$o}}];
{{bypassTerm}}{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
                {{if producesSums}}
                {{sumStep}}
                {{end}}
            {{end}}
        {{end}}
    {{end}}
}
