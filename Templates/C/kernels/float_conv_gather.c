/* {{title}}
 * The windows are disjoint (kernel = stride, no padding): per window, its {{depth}} inputs
 * gathered contiguous, then each input times its weights added to every output (weights stored
 * [input, tap][output]), so the inner loop runs across outputs and vectorises. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    float *patch = (float *)(void *)scratch;
    float *acc = (float *)(void *)(scratch{{+ accumulatorOffset}});
    for (int oy = 0; oy < {{outHeight}}; ++oy) {
        for (int ox = 0; ox < {{outWidth}}; ++ox) {
            for (int c = 0; c < {{inChannels}}; ++c) {
                for (int i = 0; i < {{kernelH}}; ++i) {
                    const float *row = x + (c * {{inHeight}} + oy * {{kernelH}} + i) * {{inWidth}} + ox * {{kernelW}};
                    for (int j = 0; j < {{kernelW}}; ++j) patch[(c * {{kernelH}} + i) * {{kernelW}} + j] = row[j];
                }
            }
            for (int o = 0; o < {{outChannels}}; ++o) acc[o] = 0.0f;
            for (int k = 0; k < {{depth}}; ++k) {
                const float value = patch[k];
                const float *w = {{weights}} + k * {{outChannels}};
                for (int o = 0; o < {{outChannels}}; ++o) acc[o] += value * w[o];
            }
            for (int o = 0; o < {{outChannels}}; ++o) {
                float v = acc[o] + {{bias}}[o];
{{epilogue}}                y[o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    }
}
