/* {{title}}: count_include_pad, so every window divides by {{area}}. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        const float *plane = x + (size_t)o * {{inPixels}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float sum = 0.0f;
                for (int i = 0; i < {{kernelH}}; ++i) {
                    const int iy = oy * {{strideH}} - {{padH}} + i;
                    if (iy < 0 || iy >= {{inHeight}}) continue;
                    for (int j = 0; j < {{kernelW}}; ++j) {
                        const int ix = ox * {{strideW}} - {{padW}} + j;
                        if (ix < 0 || ix >= {{inWidth}}) continue;
                        sum += plane[iy * {{inWidth}} + ix];
                    }
                }
                float v = sum / {{areaFloat}};
{{epilogue}}                y[(size_t)o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    }
}
