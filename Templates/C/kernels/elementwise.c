/* {{title}} */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        for (int p = 0; p < {{pixels}}; ++p) {
            const size_t i = (size_t)o * {{pixels}} + p;
            float v = x[i];
{{epilogue}}            y[i] = v;
        }
    }
}
