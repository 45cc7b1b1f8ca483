/* {{title}}
 * Depthwise: each output reads one input channel, so the DAB scale s of that channel and the
 * weight scale leave the window sum: y = s * a * sum_t(+-sign) (then BN), and the window sum
 * counts sign agreements minus disagreements exactly in {{accType}} lanes. */
{{dabFunction}}{{store}}
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
        float *out = y + (size_t)o * {{outPixels}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            {{accType}} acc[{{outWidth}}];
            float sum[{{outWidth}}];
            for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = 0;
            for (int t = 0; t < {{taps}}; ++t) {
                const int8_t *src = plane + (oy * {{strideH}} + (t / {{kernelW}}) * {{dilationH}}) * {{paddedWidth}} + (t % {{kernelW}}) * {{dilationW}};
                if (w[t / 8] >> (t % 8) & 1) {
                    for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = ({{accType}})(acc[ox] + src[ox * {{strideW}}]);
                } else {
                    for (int ox = 0; ox < {{outWidth}}; ++ox) acc[ox] = ({{accType}})(acc[ox] - src[ox * {{strideW}}]);
                }
            }
            /* The window sum times the channel's DAB scale; the weight scale is in the store. */
            for (int ox = 0; ox < {{outWidth}}; ++ox) sum[ox] = (float)acc[ox] * scale[g];
            {{fn}}_store(x, sum, o, oy * {{outWidth}}, {{outWidth}}, out + oy * {{outWidth}}{{lanesArgument}});
        }
{{#producesSums}}
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes, lanes + {{lanes}});
        for (int i = 0; i < 2 * {{lanes}}; ++i) lanes[i] = 0.0f;
{{/producesSums}}
    }
}
