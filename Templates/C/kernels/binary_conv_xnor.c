/* {{title}}
 * APPROXIMATE (--dab-scale=layer): the DAB's per-channel scales averaged into one scale for
 * the layer, so the channel sum is a pure xnor-popcount over {{unitBits}}-bit words. Not the
 * model's arithmetic: verify reports how far it lands from the exact per-channel scales. */
{{dabFunction}}
/* Set bits of a word by halves, nibbles, then shifted adds (portable C99, no builtins, and no
 * 64-bit multiply, so the compiler can vectorise it across output channels). */
static {{unit}} {{fn}}_popcount({{unit}} w)
{
    w = w - ((w >> 1) & {{ones55}});
    w = (w & {{ones33}}) + ((w >> 2) & {{ones33}});
    w = (w + (w >> 4)) & {{ones0f}};
    w = w + (w >> 8);
    w = w + (w >> 16);
{{#wide}}
    w = w + (w >> 32);
{{/wide}}
    return w & 0x7f;
}
{{bypassSource}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{unit}} *bits = ({{unit}} *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    {{unit}} *agree = ({{unit}} *)(void *)(scratch + {{agreeOffset}});
{{#producesSums}}
    /* Per output channel, a compensated sum of the stored values, written after the tensor
     * for the DAB of the next layer. */
    float *sums = y + {{outCount}};
    float *carry = (float *)(void *)(scratch + {{carryOffset}});
    for (int o = 0; o < {{outChannels}}; ++o) sums[o] = carry[o] = 0.0f;
{{/producesSums}}
    {{fn}}_dab(x, bits, scale);
    float layerScale = 0.0f;
    for (int c = 0; c < {{inChannels}}; ++c) layerScale += scale[c];
    layerScale = layerScale / {{inChannelsFloat}};
    for (int oy = 0; oy < {{outHeight}}; ++oy) {
        for (int ox = 0; ox < {{outWidth}}; ++ox) {
            /* Agreements per output channel over the taps inside the input; taps in the zero
             * padding add nothing. Weights are [tap][word][output], so the inner loop runs
             * across output channels. */
            int n = 0;
            for (int o = 0; o < {{outChannels}}; ++o) agree[o] = 0;
            for (int i = 0; i < {{kernelH}}; ++i) {
                const int iy = oy * {{strideH}} - {{padH}} + i * {{dilationH}};
                if (iy < 0 || iy >= {{inHeight}}) continue;
                for (int j = 0; j < {{kernelW}}; ++j) {
                    const int ix = ox * {{strideW}} - {{padW}} + j * {{dilationW}};
                    if (ix < 0 || ix >= {{inWidth}}) continue;
                    const {{unit}} *xb = bits + (size_t)(iy * {{inWidth}} + ix) * {{units}};
                    const {{unit}} *w = {{weightWords}} + (size_t)(i * {{kernelW}} + j) * {{units}} * {{outChannels}};
                    for (int q = 0; q < {{units}}; ++q) {
                        const {{unit}} xq = xb[q];
                        const {{unit}} *wq = w + (size_t)q * {{outChannels}};
                        for (int o = 0; o < {{outChannels}}; ++o) agree[o] += {{fn}}_popcount(({{unit}})~(xq ^ wq[o]));
                    }
                    ++n;
                }
            }
            for (int o = 0; o < {{outChannels}}; ++o) {
                /* Padding bits are 0 in both words, so they always agree: take them out. */
                const int sum = 2 * ((int)agree[o] - n * {{paddingBits}}) - n * {{inChannels}};
                float v = (float)sum * layerScale * {{multiplier}}[o] + {{offset}}[o];
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
