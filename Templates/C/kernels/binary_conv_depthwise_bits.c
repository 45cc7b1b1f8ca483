/* {{title}}.
 * Depthwise on a 32-bit core, bit-sliced across channels: each output reads one input channel,
 * so the DAB scale s and the weight scale leave the window sum, y = s * a * (2 * agree - valid)
 * (then BN), with `agree` the taps whose sign equals the weight's and `valid` the taps inside
 * the input. The signs are packed along channels, 32 to a word per pixel, in a plane whose
 * border holds 0; per output pixel and tap, (x ^ ~w) & inside gives the agreements of 32
 * channels at once, and carry-save adders count them into 6 bit-planes (bit c of plane k is
 * bit k of channel c's count, at most {{taps}}). A table spreads 4 channels' bits into 4 bytes. */
{{dabFunction}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    uint32_t *plane = (uint32_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    const uint32_t *spread = {{spread}};
    {{fn}}_dab(x, plane, scale);
    {{for $u in words}}
        /* Negated weight signs of the word's 32 channels, per tap: x ^ nw is 1 where they agree. */
        const uint32_t *nw = {{weights}}{{+ $u}};
        {{if partialWord}}
        const int count = {{$u}} < {{words - 1}} ? 32 : {{lastWordChannels}};
        {{end}}
        {{for $oy in outHeight}}
            {{for $ox in outWidth}}
                const uint32_t *p = plane{{+ ($oy * strideH * planeWidth + $ox * strideW) * words + $u}};
                /* Taps left or right of the input add nothing: their agreement word is masked. */
                uint32_t m[{{kernelW}}];
                int columns = 0;
                {{for $j in kernelW}}
                    const int ix = {{$ox * strideW + $j * dilationW - padW}};
                    const int inside = ix >= 0 && ix < {{inWidth}};
                    m[{{$j}}] = inside ? ~(uint32_t)0 : 0;
                    columns += inside;
                {{end}}
                int rows = 0;
                uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
                {{if kernelH > 1}}
                for (int i = 0; i < {{kernelH}}; ++i) {
                    const int iy = {{$oy * strideH + $i * dilationH - padH}};
                    if (iy < 0 || iy >= {{inHeight}}) continue; /* a row above or below adds nothing */
                    ++rows;
                    {{rowAdd}}
                }
                {{else}}
                {{for $i in kernelH}}
                    const int iy = {{$oy * strideH - padH}};
                    if (iy >= 0 && iy < {{inHeight}}) { /* a row above or below adds nothing */
                        ++rows;
                        {{rowAdd}}
                    }
                {{end}}
                {{end}}
                const int valid = rows * columns;
                /* Per 4 channels, their counts as 4 bytes; then per channel the store. */
                {{if bypass}}
                const float *xs = x{{+ $u * 32 * inPixels + $oy * inWidth + $ox}};
                {{end}}
                float *ys = y{{+ $u * 32 * outPixels + $oy * outWidth + $ox}};
                {{if partialWord}}
                for (int g = 0; g < count; g += 4) {
                    {{quadStores}}
                }
                {{else}}
                {{for $g in wordChannels step 4}}
                    {{quadStores}}
                {{end}}
                {{end}}
            {{end}}
        {{end}}
    {{end}}
    {{if producesSums}}
    /* Each channel's compensated sum, after the tensor, for the DAB of the next layer. */
    {{for $o in outChannels}}
        y[{{outCount + $o}}] = {{prefix}}_compensated_sum(y{{+ $o * outPixels}}, {{outPixels}}, 0.0f, 0);
    {{end}}
    {{end}}
}
