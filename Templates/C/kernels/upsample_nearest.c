/* {{title}}: out[i] = in[i / {{scale}}]. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        const float *plane = x + (size_t)o * {{inPixels}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float v = plane[(oy / {{scale}}) * {{inWidth}} + ox / {{scale}}];
{{epilogue}}                y[(size_t)o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    }
}
