/* Stores n outputs of channel o from output pixel p0 on: the folded BatchNorm (acc * m + a),
 * the bypass, the epilogue, and, for the next DAB, the channel's running sums. One pass per
 * step, each a plain loop over the pixels, so the compiler vectorises them. */
static void {{fn}}_store(const float *x, const float *acc, int o, int p0, int n, float *out{{lanesParameter}})
{
    const float m = {{multiplier}}[o], a = {{offset}}[o];
{{#directBypass}}
    /* Bypass: output channel o is the mean of `count` input channels from `first`, `step`
     * apart ({{copies}} copies, then the merged means), at the same pixel. */
    float bypass[{{storeBlock}}];
    int first = 0, step = 1, count = 1;
    {{sourceChannels}}
    for (int k = 0; k < n; ++k) bypass[k] = 0.0f;
    for (int j = 0; j < count; ++j) {
        const float *src = x + (size_t)(first + j * step) * {{inPixels}} + p0;
        for (int k = 0; k < n; ++k) bypass[k] += src[k];
    }
    if (count > 1) { /* a copy needs no division */
        for (int k = 0; k < n; ++k) bypass[k] = bypass[k] / (float)count;
    }
{{/directBypass}}
    for (int k = 0; k < n; ++k) {
        float v = acc[k] * m + a;
{{#directBypass}}
        v += bypass[k];
{{/directBypass}}
{{#pixelBypass}}
        const int oy = (p0 + k) / {{outWidth}}, ox = (p0 + k) % {{outWidth}};
{{bypass}}{{/pixelBypass}}
{{epilogue}}        out[k] = v;
    }
{{#producesSums}}
    {{prefix}}_kahan_add(lanes, lanes + {{lanes}}, out, n, 0.0f, 0);
{{/producesSums}}
    (void)x;
    (void)p0;
}
