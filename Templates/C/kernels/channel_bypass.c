/* {{title}}: output channel o is the mean of src[2] input channels from src[0], src[1] apart. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        const int32_t *src = {{table}} + 3 * o;
        for (int p = 0; p < {{pixels}}; ++p) {
            float sum = 0.0f;
            for (int k = 0; k < src[2]; ++k) sum += x[(size_t)(src[0] + k * src[1]) * {{pixels}} + p];
            float v = sum / (float)src[2];
{{epilogue}}            y[(size_t)o * {{pixels}} + p] = v;
        }
    }
}
