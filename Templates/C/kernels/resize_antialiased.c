/* {{title}}
 * torchvision's resize (bilinear, antialias): per axis a triangle filter stretched by the
 * scale, its weights normalised; each output a sum, in order, of its window of {{tapsAcross}} x
 * {{tapsDown}} inputs. Across first (into scratch), then down. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    float *rows = (float *)(void *)scratch;
    for (int c = 0; c < {{inChannels}}; ++c) {
        for (int r = 0; r < {{inHeight}}; ++r) {
            const float *line = x + (c * {{inHeight}} + r) * {{inWidth}};
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                const float *w = {{weightAcross}} + ox * {{tapsAcross}};
                const float *source = line + {{startAcross}}[ox];
                float sum = 0.0f;
                for (int k = 0; k < {{tapsAcross}}; ++k) sum += w[k] * source[k];
                rows[(c * {{inHeight}} + r) * {{outWidth}} + ox] = sum;
            }
        }
    }
    {{for $o in channels}}
        for (int oy = 0; oy < {{outHeight}}; ++oy) {
            const float *w = {{weightDown}} + oy * {{tapsDown}};
            const float *source = rows + ({{$o * inHeight}} + (int){{startDown}}[oy]) * {{outWidth}};
            for (int ox = 0; ox < {{outWidth}}; ++ox) {
                float v = 0.0f;
                for (int k = 0; k < {{tapsDown}}; ++k) v += w[k] * source[k * {{outWidth}} + ox];
{{epilogue}}                y[{{$o * outPixels}} + oy * {{outWidth}} + ox] = v;
            }
        }
    {{end}}
}
