/* {{title}}
 * Float32 baseline: the same DAB giving floats v = +-s, then the convolution with float
 * weights +-a as im2col over blocks of {{block}} output pixels and a cache-blocked sgemm
 * (depth in chunks of {{depthChunk}}, 4 outputs by 16 pixels in registers). */
{{dabFunction}}{{store}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    float *v = (float *)(void *)scratch;
    float *col = (float *)(void *)(scratch + {{colOffset}});
    float *acc = (float *)(void *)(scratch + {{accOffset}});
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
{{#producesSums}}
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    for (int i = 0; i < {{outChannels}} * 2 * {{lanes}}; ++i) lanes[i] = 0.0f;
{{/producesSums}}
    {{fn}}_dab(x, v, scale);
    for (int g = 0; g < {{groups}}; ++g) {
        for (int p0 = 0; p0 < {{outPixels}}; p0 += {{block}}) {
            const int np = {{outPixels}} - p0 < {{block}} ? {{outPixels}} - p0 : {{block}};
            /* im2col: row k = (channel, tap) of this group, one column per output pixel. */
            for (int c = 0; c < {{inPerGroup}}; ++c) {
                const float *plane = v + (size_t)(g * {{inPerGroup}} + c) * {{inPixels}};
                for (int i = 0; i < {{kernelH}}; ++i) {
                    for (int j = 0; j < {{kernelW}}; ++j) {
                        float *row = col + (size_t)((c * {{kernelH}} + i) * {{kernelW}} + j) * {{block}};
                        for (int q = 0; q < np; ++q) {
                            const int oy = (p0 + q) / {{outWidth}}, ox = (p0 + q) % {{outWidth}};
{{^transposed}}
                            const int iy = oy * {{strideH}} - {{padH}} + i * {{dilationH}};
                            const int ix = ox * {{strideW}} - {{padW}} + j * {{dilationW}};
                            row[q] = iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}} ? plane[iy * {{inWidth}} + ix] : 0.0f;
{{/transposed}}
{{#transposed}}
                            const int ty = oy + {{padH}} - i * {{dilationH}}, tx = ox + {{padW}} - j * {{dilationW}};
                            const int ok = ty >= 0 && tx >= 0 && ty % {{strideH}} == 0 && tx % {{strideW}} == 0 &&
                                ty / {{strideH}} < {{inHeight}} && tx / {{strideW}} < {{inWidth}};
                            row[q] = ok ? plane[(ty / {{strideH}}) * {{inWidth}} + tx / {{strideW}}] : 0.0f;
{{/transposed}}
                        }
                        for (int q = np; q < {{block}}; ++q) row[q] = 0.0f;
                    }
                }
            }
            /* sgemm: acc[o][q] = sum_k w[o][k] * col[k][q]. */
            for (int i = 0; i < {{paddedOutPerGroup}} * {{block}}; ++i) acc[i] = 0.0f;
            for (int k0 = 0; k0 < {{depth}}; k0 += {{depthChunk}}) {
                const int k1 = k0 + {{depthChunk}} < {{depth}} ? k0 + {{depthChunk}} : {{depth}};
                for (int o0 = 0; o0 < {{paddedOutPerGroup}}; o0 += 4) {
                    const float *w = {{weights}} + (size_t)(g * {{paddedOutPerGroup}} + o0) * {{depth}};
                    for (int q0 = 0; q0 < {{block}}; q0 += 16) {
                        float a[4][16];
                        for (int r = 0; r < 4; ++r) {
                            for (int q = 0; q < 16; ++q) a[r][q] = acc[(size_t)(o0 + r) * {{block}} + q0 + q];
                        }
                        for (int k = k0; k < k1; ++k) {
                            const float *src = col + (size_t)k * {{block}} + q0;
                            for (int r = 0; r < 4; ++r) {
                                const float wk = w[(size_t)r * {{depth}} + k];
                                for (int q = 0; q < 16; ++q) a[r][q] += wk * src[q];
                            }
                        }
                        for (int r = 0; r < 4; ++r) {
                            for (int q = 0; q < 16; ++q) acc[(size_t)(o0 + r) * {{block}} + q0 + q] = a[r][q];
                        }
                    }
                }
            }
            for (int ol = 0; ol < {{outPerGroup}}; ++ol) {
                const int o = g * {{outPerGroup}} + ol;
                {{fn}}_store(x, acc + (size_t)ol * {{block}}, o, p0, np, y + (size_t)o * {{outPixels}} + p0{{lanesArgument}});
            }
        }
    }
{{#producesSums}}
    for (int o = 0; o < {{outChannels}}; ++o) {
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes + o * 2 * {{lanes}}, lanes + o * 2 * {{lanes}} + {{lanes}});
    }
{{/producesSums}}
}
