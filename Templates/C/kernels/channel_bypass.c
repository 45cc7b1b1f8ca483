/* {{title}}: output channel o is the mean of `count` input channels from `first`, `step` apart. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        int first = 0, step = 1, count = 1;
        {{sourceChannels}}
        for (int p = 0; p < {{pixels}}; ++p) {
            float sum = 0.0f;
            for (int k = 0; k < count; ++k) sum += x[(size_t)(first + k * step) * {{pixels}} + p];
            float v = sum / (float)count;
{{epilogue}}            y[(size_t)o * {{pixels}} + p] = v;
        }
    }
}
