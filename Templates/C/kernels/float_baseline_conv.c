/* {{title}}
 * Float32 baseline: the DAB as floats v = s * sign(x - tau), then the convolution with float
 * weights +-a as im2col over blocks of {{block}} output pixels and a cache-blocked sgemm. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    float *v = (float *)(void *)scratch;
    float *col = (float *)(void *)(scratch + {{colOffset}});
    float *acc = (float *)(void *)(scratch + {{accOffset}});
    for (int c = 0; c < {{inChannels}}; ++c) {
        const float *plane = x + (size_t)c * {{inPixels}};
{{#readsSums}}
        const float mean = x[{{inCount}} + c] / {{inPixelsFloat}};
{{/readsSums}}
{{^readsSums}}
        float sum = 0.0f, carry = 0.0f;
        for (int p = 0; p < {{inPixels}}; ++p) {
            const float term = plane[p] - carry;
            const float next = sum + term;
            carry = (next - sum) - term;
            sum = next;
        }
        const float mean = sum / {{inPixelsFloat}};
{{/readsSums}}
        const float km = {{dab}}[{{inChannels}} + c] * mean;
        const float tau = km + {{dab}}[{{twoInChannels}} + c];
        float deviation = 0.0f, deviationCarry = 0.0f;
        for (int p = 0; p < {{inPixels}}; ++p) {
            const float term = fabsf(plane[p] - tau) - deviationCarry;
            const float next = deviation + term;
            deviationCarry = (next - deviation) - term;
            deviation = next;
        }
        const float s = expf({{dab}}[c] * (deviation / {{inPixelsFloat}} - 1.0f));
        for (int p = 0; p < {{inPixels}}; ++p) v[(size_t)c * {{inPixels}} + p] = plane[p] - tau >= 0.0f ? s : -s;
    }
{{#producesSums}}
    float *sums = y + {{outCount}};
    float *carry = (float *)(void *)(scratch + {{carryOffset}});
    for (int o = 0; o < {{outChannels}}; ++o) sums[o] = carry[o] = 0.0f;
{{/producesSums}}
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
            /* sgemm: acc[o][q] = sum_k w[o][k] * col[k][q], 4 outputs by {{block}} pixels at a time. */
            for (int o0 = 0; o0 < {{outPerGroup}}; o0 += 4) {
                const int no = {{outPerGroup}} - o0 < 4 ? {{outPerGroup}} - o0 : 4;
                float a[4][{{block}}];
                for (int r = 0; r < 4; ++r) for (int q = 0; q < {{block}}; ++q) a[r][q] = 0.0f;
                for (int k = 0; k < {{depth}}; ++k) {
                    const float *src = col + (size_t)k * {{block}};
                    for (int r = 0; r < no; ++r) {
                        const float w = {{weights}}[(size_t)(g * {{outPerGroup}} + o0 + r) * {{depth}} + k];
                        for (int q = 0; q < {{block}}; ++q) a[r][q] += w * src[q];
                    }
                }
                for (int r = 0; r < no; ++r) for (int q = 0; q < {{block}}; ++q) acc[(size_t)(o0 + r) * {{block}} + q] = a[r][q];
            }
            for (int ol = 0; ol < {{outPerGroup}}; ++ol) {
                const int o = g * {{outPerGroup}} + ol;
                for (int q = 0; q < np; ++q) {
                    const int oy = (p0 + q) / {{outWidth}}, ox = (p0 + q) % {{outWidth}};
                    float v = acc[(size_t)ol * {{block}} + q] * {{multiplier}}[o] + {{offset}}[o];
{{bypass}}{{epilogue}}                    y[(size_t)o * {{outPixels}} + p0 + q] = v;
{{#producesSums}}
                    {
                        const float term = v - carry[o];
                        const float next = sums[o] + term;
                        carry[o] = (next - sums[o]) - term;
                        sums[o] = next;
                    }
{{/producesSums}}
                }
            }
        }
    }
}
