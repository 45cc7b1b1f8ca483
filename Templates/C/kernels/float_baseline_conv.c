/* {{title}}
 * Float32 baseline: the same DAB giving floats v = +-s, then the convolution with float
 * weights +-a as im2col over blocks of {{block}} output pixels and a cache-blocked sgemm
 * (depth in chunks of {{depthChunk}}, 4 outputs by 16 pixels in registers). */
{{dabFunction}}
{{store}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    float *v = (float *)(void *)scratch;
    float *col = (float *)(void *)(scratch + {{colOffset}});
    float *acc = (float *)(void *)(scratch + {{accOffset}});
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    {{if producesSums}}
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    for (int i = 0; i < {{outChannels * 2 * lanes}}; ++i) lanes[i] = 0.0f;
    {{end}}
    {{fn}}_dab(x, v, scale);
    {{for $g in groups}}
        for (int p0 = 0; p0 < {{outPixels}}; p0 += {{block}}) {
            const int np = {{outPixels}} - p0 < {{block}} ? {{outPixels}} - p0 : {{block}};
            /* im2col: row k = (channel, tap) of this group, one column per output pixel. */
            for (int c = 0; c < {{inPerGroup}}; ++c) {
                const float *plane = v{{+ ($g * inPerGroup + $c) * inPixels}};
                for (int t = 0; t < {{taps}}; ++t) {
                    const int i = {{$t / kernelW}}, j = {{$t % kernelW}};
                    float *row = col + (c * {{taps}} + t) * {{block}};
                    for (int q = 0; q < np; ++q) {
                        const int oy = (p0 + q) / {{outWidth}}, ox = (p0 + q) % {{outWidth}};
                        {{if transposed}}
                        const int ty = {{$oy + padH - $i * dilationH}}, tx = {{$ox + padW - $j * dilationW}};
                        const int ok = ty >= 0 && tx >= 0 && {{$ty / strideH}} < {{inHeight}} && {{$tx / strideW}} < {{inWidth}}{{if strideH > 1}}
                            && ty % {{strideH}} == 0{{end}}{{if strideW > 1}} && tx % {{strideW}} == 0{{end}};
                        row[q] = ok ? plane[{{$ty / strideH * inWidth + $tx / strideW}}] : 0.0f;
                        {{else}}
                        const int iy = {{$oy * strideH - padH + $i * dilationH}};
                        const int ix = {{$ox * strideW - padW + $j * dilationW}};
                        row[q] = iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}} ? plane[iy * {{inWidth}} + ix] : 0.0f;
                        {{end}}
                    }
                    for (int q = np; q < {{block}}; ++q) row[q] = 0.0f;
                }
            }
            /* sgemm: acc[o][q] = sum_k w[o][k] * col[k][q]. */
            for (int i = 0; i < {{paddedOutPerGroup * block}}; ++i) acc[i] = 0.0f;
            for (int k0 = 0; k0 < {{depth}}; k0 += {{depthChunk}}) {
                const int k1 = k0 + {{depthChunk}} < {{depth}} ? k0 + {{depthChunk}} : {{depth}};
                for (int o0 = 0; o0 < {{paddedOutPerGroup}}; o0 += 4) {
                    const float *w = {{weights}}{{+ ($g * paddedOutPerGroup + $o0) * depth}};
                    for (int q0 = 0; q0 < {{block}}; q0 += 16) {
                        float a[4][16];
                        for (int r = 0; r < 4; ++r) {
                            for (int q = 0; q < 16; ++q) a[r][q] = acc[(o0 + r) * {{block}} + q0 + q];
                        }
                        for (int k = k0; k < k1; ++k) {
                            const float *src = col + k * {{block}} + q0;
                            for (int r = 0; r < 4; ++r) {
                                const float wk = w[r * {{depth}} + k];
                                for (int q = 0; q < 16; ++q) a[r][q] += wk * src[q];
                            }
                        }
                        for (int r = 0; r < 4; ++r) {
                            for (int q = 0; q < 16; ++q) acc[(o0 + r) * {{block}} + q0 + q] = a[r][q];
                        }
                    }
                }
            }
            for (int ol = 0; ol < {{outPerGroup}}; ++ol) {
                const int o = {{$g * outPerGroup + $ol}};
                {{fn}}_store({{if bypass}}x, {{end}}acc + ol * {{block}}, o, {{if bypass}}p0, {{end}}np, y + o * {{outPixels}} + p0{{if producesSums}}, lanes + o * {{2 * lanes}}{{end}});
            }
        }
    {{end}}
    {{if producesSums}}
    for (int o = 0; o < {{outChannels}}; ++o) {
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes + o * {{2 * lanes}}, lanes + o * {{2 * lanes}} + {{lanes}});
    }
    {{end}}
}
