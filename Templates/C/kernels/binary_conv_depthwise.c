/* {{title}}
 * Depthwise: each output reads one input channel, so the DAB scale s of that channel and the
 * weight scale leave the window sum: y = s * a * sum_t(+-sign) (then BN), and the window sum
 * counts sign agreements minus disagreements exactly in {{accType}} lanes. */
{{dabFunction}}{{bypassSource}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
{{#producesSums}}
    /* Per output channel, compensated lane sums of the stored values, written after the
     * tensor for the DAB of the next layer. */
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    for (int i = 0; i < 2 * {{lanes}}; ++i) lanes[i] = 0.0f;
{{/producesSums}}
    {{fn}}_dab(x, signs, scale);
    for (int o = 0; o < {{outChannels}}; ++o) {
        const int g = o / {{outPerGroup}};
        const int8_t *plane = signs + (size_t)g * {{planeSize}};
        const uint8_t *w = {{tapBits}} + (size_t)o * {{tapBytes}};
        const float factor = scale[g] * {{multiplier}}[o];
        float *out = y + (size_t)o * {{outPixels}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            {{accType}} acc[{{outWidth}}];
            for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = 0;
            for (int t = 0; t < {{taps}}; ++t) {
                const int8_t *src = plane + (oy * {{strideH}} + (t / {{kernelW}}) * {{dilationH}}) * {{paddedWidth}} + (t % {{kernelW}}) * {{dilationW}};
                if (w[t / 8] >> (t % 8) & 1) {
                    for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = ({{accType}})(acc[ox] + src[ox * {{strideW}}]);
                } else {
                    for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = ({{accType}})(acc[ox] - src[ox * {{strideW}}]);
                }
            }
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float v = (float)acc[ox] * factor + {{offset}}[o];
{{bypass}}{{epilogue}}                out[oy * {{outWidth}} + ox] = v;
            }
{{#producesSums}}
            {{prefix}}_kahan_add(lanes, lanes + {{lanes}}, out + oy * {{outWidth}}, {{outWidth}}, 0.0f, 0);
{{/producesSums}}
        }
{{#producesSums}}
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes, lanes + {{lanes}});
        for (int i = 0; i < 2 * {{lanes}}; ++i) lanes[i] = 0.0f;
{{/producesSums}}
    }
}
