/* {{title}} */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{outChannels}}; ++o) {
        const int g = o / {{outPerGroup}};
        const float *w = {{weights}} + (size_t)o * {{weightStride}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float acc = 0.0f;
                for (int c = 0; c < {{inPerGroup}}; ++c) {
                    const float *plane = x + (size_t)(g * {{inPerGroup}} + c) * {{inPixels}};
                    for (int i = 0; i < {{kernelH}}; ++i) {
                        const int iy = oy * {{strideH}} - {{padH}} + i * {{dilationH}};
                        if (iy < 0 || iy >= {{inHeight}}) continue;
                        for (int j = 0; j < {{kernelW}}; ++j) {
                            const int ix = ox * {{strideW}} - {{padW}} + j * {{dilationW}};
                            if (ix < 0 || ix >= {{inWidth}}) continue;
                            acc += w[(c * {{kernelH}} + i) * {{kernelW}} + j] * plane[iy * {{inWidth}} + ix];
                        }
                    }
                }
                float v = acc + {{bias}}[o];
{{epilogue}}                y[(size_t)o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    }
}
