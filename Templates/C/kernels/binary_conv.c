/* {{title}}
 * Grouped or transposed: per group, the bits of the DAB signs packed along channels; the
 * scale is per input channel, so each byte of agreement bits looks up the signed sum of the
 * scales it covers. */
{{dabFunction}}
/* Per byte of input channels, the {{entries}} signed sums of their scales: entry p holds
 * sum_i (bit i of p ? +s_i : -s_i). The scale is per input channel, so it cannot leave the
 * channel sum; one lookup by agreement byte adds up to 8 exact products. */
static void {{fn}}_tables(const float *scale, float *table)
{
    for (int g = 0; g < {{groups}}; ++g) {
        for (int q = 0; q < {{unitsPerGroup}}; ++q) {
            float *t = table + (size_t)(g * {{unitsPerGroup}} + q) * {{entries}};
            float s[8];
            float total = 0.0f;
            for (int i = 0; i < {{tableBits}}; ++i) {
                const int c = q * 8 + i;
                s[i] = c < {{inPerGroup}} ? scale[g * {{inPerGroup}} + c] : 0.0f;
                total += s[i];
            }
            t[0] = -total;
            for (int i = 0; i < {{tableBits}}; ++i) {
                for (int p = 0; p < (1 << i); ++p) t[p | (1 << i)] = t[p] + 2.0f * s[i];
            }
        }
    }
}
{{bypassSource}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{unit}} *bits = ({{unit}} *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    float *table = (float *)(void *)(scratch + {{tableOffset}});
{{#producesSums}}
    /* Per output channel, a compensated sum of the stored values, written after the tensor
     * for the DAB of the next layer. */
    float *sums = y + {{outCount}};
    float *carry = (float *)(void *)(scratch + {{carryOffset}});
    for (int o = 0; o < {{outChannels}}; ++o) sums[o] = carry[o] = 0.0f;
{{/producesSums}}
    {{fn}}_dab(x, bits, scale);
{{scaleByWeight}}    {{fn}}_tables(scale, table);
    for (int oy = 0; oy < {{outHeight}}; ++oy) {
        for (int ox = 0; ox < {{outWidth}}; ++ox) {
            /* The input pixels under the window; taps in the zero padding add nothing. */
            const {{unit}} *window[{{taps}}];
            int tap[{{taps}}];
            int n = 0;
            for (int i = 0; i < {{kernelH}}; ++i) {
{{#transposed}}
                const int ty = oy + {{padH}} - i * {{dilationH}};
                if (ty < 0 || ty % {{strideH}} != 0 || ty / {{strideH}} >= {{inHeight}}) continue;
                const int iy = ty / {{strideH}};
{{/transposed}}
{{^transposed}}
                const int iy = oy * {{strideH}} - {{padH}} + i * {{dilationH}};
                if (iy < 0 || iy >= {{inHeight}}) continue;
{{/transposed}}
                for (int j = 0; j < {{kernelW}}; ++j) {
{{#transposed}}
                    const int tx = ox + {{padW}} - j * {{dilationW}};
                    if (tx < 0 || tx % {{strideW}} != 0 || tx / {{strideW}} >= {{inWidth}}) continue;
                    const int ix = tx / {{strideW}};
{{/transposed}}
{{^transposed}}
                    const int ix = ox * {{strideW}} - {{padW}} + j * {{dilationW}};
                    if (ix < 0 || ix >= {{inWidth}}) continue;
{{/transposed}}
                    window[n] = bits + (size_t)(iy * {{inWidth}} + ix) * {{unitsPerPixel}};
                    tap[n] = (i * {{kernelW}} + j) * {{unitsPerGroup}};
                    ++n;
                }
            }
            for (int o = 0; o < {{outChannels}}; ++o) {
                const int g = o / {{outPerGroup}};
                const {{unit}} *w = {{weightBits}} + (size_t)o * {{weightStride}};
                const float *t = table + (size_t)g * {{groupTableStride}};
                float acc = 0.0f;
                for (int k = 0; k < n; ++k) {
                    const {{unit}} *xb = window[k] + g * {{unitsPerGroup}};
                    const {{unit}} *wb = w + tap[k];
                    for (int q = 0; q < {{unitsPerGroup}}; ++q) {
                        acc += t[q * {{entries}} + ((uint8_t)~(xb[q] ^ wb[q]) & {{entryMask}})];
                    }
                }
                float v = acc * {{multiplier}}[o] + {{offset}}[o];
{{bypass}}{{epilogue}}                y[(size_t)o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
{{#producesSums}}
                {
                    const float term = v - carry[o];
                    const float next = sums[o] + term;
                    carry[o] = (next - sums[o]) - term;
                    sums[o] = next;
                }
{{/producesSums}}
            }
        }
    }
}
