/* {{title}}
 * Depthwise: each output reads one input channel, so the DAB scale s of that channel and the
 * weight scale leave the window sum: y = s * a * sum_t(+-sign) (then BN), and the window sum
 * counts sign agreements minus disagreements exactly in {{accType}} lanes. */
{{dabFunction}}
{{store}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    {{if producesSums}}
    /* Per output channel, compensated lane sums of the stored values, written after the
     * tensor for the DAB of the next layer. */
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    {{end}}
    {{fn}}_dab(x, signs, scale);
    {{if vector512}}
#if defined({{PREFIX}}_AVX512)
    /* AVX-512: 64 output pixels of a row a register of int8 sums, the row's end masked. A tap
     * with weight -1 adds the complement of its signs (-v - 1), and the count of such taps is
     * added back once. */
    {{for $o in outChannels}}
        const int8_t *plane = signs{{+ $o * planeSize}};
        const uint8_t *w = {{tapBits}}{{+ $o * tapBytes}};
        __m512i flip[{{taps}}];
        int negative = 0;
        for (int t = 0; t < {{taps}}; ++t) {
            const int minus = !(w[t / 8] >> (t % 8) & 1);
            flip[t] = _mm512_set1_epi8((char)-minus);
            negative += minus;
        }
        const __m512i back = _mm512_set1_epi8((char)negative);
        const __m512 s = _mm512_set1_ps(scale[{{$o}}]);
        {{if producesSums}}
        for (int i = 0; i < {{2 * lanes}}; ++i) lanes[i] = 0.0f;
        {{end}}
        {{for $oy in outHeight}}
            float sum[{{outWidthVectors * 64}}];
            for (int ox = 0; ox < {{outWidth}}; ox += 64) {
                const int rest = {{outWidth}} - ox;
                const __mmask64 m = rest >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << rest) - 1);
                __m512i acc = back;
                {{for $i in kernelH}}
                    {{for $j in kernelW}}
                        {
                            const int8_t *src = plane{{+ ($oy * strideH + $i * dilationH) * planeWidth + $j * dilationW}} + ox;
                            const __m512i v = _mm512_maskz_loadu_epi8(m, src);
                            acc = _mm512_add_epi8(acc, _mm512_xor_si512(v, flip[{{$i * kernelW + $j}}]));
                        }
                    {{end}}
                {{end}}
                /* The window sum times the channel's DAB scale; the weight scale is in the store. */
                for (int q = 0; q < 4; ++q) {
                    const __m512i wide = _mm512_cvtepi8_epi32(_mm512_castsi512_si128(acc));
                    _mm512_storeu_ps(sum + ox + 16 * q, _mm512_mul_ps(_mm512_cvtepi32_ps(wide), s));
                    acc = _mm512_alignr_epi32(acc, acc, 4);
                }
            }
            {{fn}}_store({{if bypass}}x, {{end}}sum, {{$o}}, {{if bypass}}{{$oy * outWidth}}, {{end}}{{outWidth}},
                y{{+ $o * outPixels + $oy * outWidth}}{{if producesSums}}, lanes{{end}});
        {{end}}
        {{if producesSums}}
        y[{{outCount + $o}}] = {{prefix}}_kahan_total(lanes, lanes + {{lanes}});
        {{end}}
    {{end}}
#else
    {{end}}
    {{for $o in outChannels}}
        const int8_t *plane = signs{{+ $o * planeSize}};
        const uint8_t *w = {{tapBits}}{{+ $o * tapBytes}};
        {{if producesSums}}
        for (int i = 0; i < {{2 * lanes}}; ++i) lanes[i] = 0.0f;
        {{end}}
        {{for $oy in outHeight}}
            {{accType}} acc[{{outWidth}}];
            float sum[{{outWidth}}];
            {{for $ox in outWidth}}
                acc[{{$ox}}] = 0;
            {{end}}
            {{for $i in kernelH}}
                {{for $j in kernelW}}
                    const int8_t *src = plane{{+ ($oy * strideH + $i * dilationH) * planeWidth + $j * dilationW}};
                    if (w[{{($i * kernelW + $j) / 8}}] >> {{($i * kernelW + $j) % 8}} & 1) {
                        {{for $ox in outWidth}}
                            acc[{{$ox}}] = ({{accType}})(acc[{{$ox}}] + src[{{$ox * strideW}}]);
                        {{end}}
                    } else {
                        {{for $ox in outWidth}}
                            acc[{{$ox}}] = ({{accType}})(acc[{{$ox}}] - src[{{$ox * strideW}}]);
                        {{end}}
                    }
                {{end}}
            {{end}}
            /* The window sum times the channel's DAB scale; the weight scale is in the store. */
            {{for $ox in outWidth}}
                sum[{{$ox}}] = (float)acc[{{$ox}}] * scale[{{$o}}];
            {{end}}
            {{fn}}_store({{if bypass}}x, {{end}}sum, {{$o}}, {{if bypass}}{{$oy * outWidth}}, {{end}}{{outWidth}}, y{{+ $o * outPixels + $oy * outWidth}}{{if producesSums}}, lanes{{end}});
        {{end}}
        {{if producesSums}}
        y[{{outCount + $o}}] = {{prefix}}_kahan_total(lanes, lanes + {{lanes}});
        {{end}}
    {{end}}
    {{if vector512}}
#endif
    {{end}}
}
