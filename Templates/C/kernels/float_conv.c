/* {{title}}
 * An output row at a time: the input values each kernel tap reads for the row are {{if readsRows}}the input
 * rows as they are{{else}}gathered
 * once (zero outside the input){{end}}, then every output channel adds tap after tap over the row, in the
 * order c, i, j, in loops the compiler vectorises; the bias last. */
static void {{fn}}(const float *input, float *output{{if !readsRows}}, unsigned char *scratch{{end}})
{
    {{enum}}
    /* Restrict-qualified here rather than as parameters: the input may lie in the workspace. */
    const float *restrict x = input;
    float *restrict y = output;
    {{if !readsRows}}
    float *restrict gathered = (float *)(void *)scratch; /* [channel][i][j][{{rowStride}}] */
    {{end}}
    {{for $g in groups}}
        {{for $oy in outHeight}}
            {{if !readsRows}}
            {{for $c in inPerGroup}}
                const float *plane = x{{+ ($g * inPerGroup + $c) * inPixels}};
                {{for $i in kernelH}}
                    const int iy = {{$oy * strideH + $i * dilationH - padH}};
                    {{for $j in kernelW}}
                        float *dst = gathered{{+ (($c * kernelH + $i) * kernelW + $j) * rowStride}};
                        for (int ox = 0; ox < {{rowStride}}; ++ox) {
                            const int ix = {{$ox * strideW + $j * dilationW - padW}};
                            const int inside = ox < {{outWidth}} && iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}};
                            dst[ox] = inside ? plane[iy * {{inWidth}} + ix] : 0.0f;
                        }
                    {{end}}
                {{end}}
            {{end}}
            {{end}}
            {{for $oo in outPerGroup}}
                const float *w = {{weights}}{{+ ($g * outPerGroup + $oo) * weightStride}};
                float acc[{{rowStride}}];
                for (int ox = 0; ox < {{rowStride}}; ++ox) acc[ox] = 0.0f;
                for (int k = 0; k < {{weightStride}}; ++k) {
                    const float weight = w[k];
                    {{if readsRows}}
                    const float *src = x{{+ $g * inPerGroup * inPixels + $oy * inWidth}} + k * {{inPixels}};
                    {{else}}
                    const float *src = gathered + k * {{rowStride}};
                    {{end}}
                    for (int ox = 0; ox < {{rowStride}}; ++ox) acc[ox] += weight * src[ox];
                }
                float *out = y{{+ ($g * outPerGroup + $oo) * outPixels + $oy * outWidth}};
                for (int ox = 0; ox < {{outWidth}}; ++ox) {
                    float v = acc[ox] + {{bias}}[{{$g * outPerGroup + $oo}}];
{{epilogue}}                    out[ox] = v;
                }
            {{end}}
        {{end}}
    {{end}}
}
