/* {{title}}: align_corners, so source = out * (in - 1) / (out - 1).
 * Separable: each input row is interpolated across once into one of two cached rows, and each
 * output row blends the two it lies between; every output is computed as in the direct form,
 * (x[y0][x0] * (1 - fx) + x[y0][x1] * fx) * (1 - fy) + (... y1 ...) * fy. */
static void {{fn}}(const float *input, float *output)
{
    {{enum}}
    /* Restrict-qualified here rather than as parameters: the input may lie in the workspace. */
    const float *restrict x = input;
    float *restrict y = output;
    int left[{{outWidth}}], right[{{outWidth}}];
    float fx[{{outWidth}}], rows[2][{{outWidth}}];
    for (int ox = 0; ox < {{outWidth}}; ++ox) {
        const float sx = {{scaleX}} * (float)ox;
        const int x0 = (int)sx < {{inWidth - 1}} ? (int)sx : {{inWidth - 1}};
        left[ox] = x0;
        right[ox] = x0 + 1 < {{inWidth}} ? x0 + 1 : {{inWidth - 1}};
        fx[ox] = sx - (float)x0;
    }
    {{for $o in channels}}
        const float *plane = x{{+ $o * inPixels}};
        int cached[2] = {-1, -1};
        {{for $oy in outHeight}}
            const float sy = {{scaleY}} * (float){{$oy}};
            const int y0 = (int)sy < {{inHeight - 1}} ? (int)sy : {{inHeight - 1}};
            const int y1 = y0 + 1 < {{inHeight}} ? y0 + 1 : {{inHeight - 1}};
            const float fy = sy - (float)y0;
            const float *across[2];
            for (int k = 0; k < 2; ++k) {
                const int iy = k == 0 ? y0 : y1;
                int slot = cached[0] == iy ? 0 : cached[1] == iy ? 1 : -1;
                if (slot < 0) {
                    /* Not cached: replace the row the other end does not use. */
                    slot = k == 0 ? (cached[0] == y1 ? 1 : 0) : (cached[0] == y0 ? 1 : 0);
                    const float *src = plane{{+ $iy * inWidth}};
                    for (int ox = 0; ox < {{outWidth}}; ++ox) {
                        rows[slot][ox] = src[left[ox]] * (1.0f - fx[ox]) + src[right[ox]] * fx[ox];
                    }
                    cached[slot] = iy;
                }
                across[k] = rows[slot];
            }
            float *out = y{{+ $o * outPixels + $oy * outWidth}};
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float v = across[0][ox] * (1.0f - fy) + across[1][ox] * fy;
{{epilogue}}                out[ox] = v;
            }
        {{end}}
    {{end}}
}
