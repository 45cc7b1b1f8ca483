/* {{title}}: bin i spans floor(i*in/out) to ceil((i+1)*in/out). */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    (void)scratch;
    for (int o = 0; o < {{channels}}; ++o) {
        const float *plane = x + (size_t)o * {{inPixels}};
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            const int y0 = (oy * {{inHeight}}) / {{outHeight}};
            const int y1 = ((oy + 1) * {{inHeight}} + {{outHeight}} - 1) / {{outHeight}};
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                const int x0 = (ox * {{inWidth}}) / {{outWidth}};
                const int x1 = ((ox + 1) * {{inWidth}} + {{outWidth}} - 1) / {{outWidth}};
                float sum = 0.0f;
                for (int iy = y0; iy < y1; ++iy) {
                    for (int ix = x0; ix < x1; ++ix) sum += plane[iy * {{inWidth}} + ix];
                }
                float v = sum / (float)((y1 - y0) * (x1 - x0));
{{epilogue}}                y[(size_t)o * {{outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    }
}
