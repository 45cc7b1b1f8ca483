/* {{title}}
 * APPROXIMATE (--dab-scale=layer): the DAB's per-channel scales averaged into one scale for
 * the layer, so the channel sum is a pure xnor-popcount over {{unitBits}}-bit words. Not the
 * model's arithmetic: verify reports how far it lands from the exact per-channel scales. */
{{dabFunction}}
/* agree[o] += the bits where x and the weights of output o agree, for every output. */
static void {{fn}}_agreements({{unit}} x, const {{unit}} *w, {{unit}} *agree)
{
    int o = 0;
{{if wide}}
#if defined({{PREFIX}}_AVX2)
    /* Four words a step; bytes counted by a 16-entry nibble table, summed per word. */
    const __m256i nibbles = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                             0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0f);
    const __m256i inverted = _mm256_set1_epi64x(~(long long)x);
    for (; o + 4 <= {{outChannels}}; o += 4) {
        const __m256i same = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(w + o)), inverted);
        const __m256i counts = _mm256_add_epi8(_mm256_shuffle_epi8(nibbles, _mm256_and_si256(same, low)),
                                               _mm256_shuffle_epi8(nibbles, _mm256_and_si256(_mm256_srli_epi16(same, 4), low)));
        __m256i *sum = (__m256i *)(void *)(agree + o);
        _mm256_storeu_si256(sum, _mm256_add_epi64(_mm256_loadu_si256(sum), _mm256_sad_epu8(counts, _mm256_setzero_si256())));
    }
#elif defined({{PREFIX}}_NEON)
    /* Two words a step: a per-byte count, widened and summed per word. */
    const uint64x2_t inverted = vdupq_n_u64(~x);
    for (; o + 2 <= {{outChannels}}; o += 2) {
        const uint8x16_t same = vreinterpretq_u8_u64(veorq_u64(vld1q_u64(w + o), inverted));
        const uint64x2_t counts = vpaddlq_u32(vpaddlq_u16(vpaddlq_u8(vcntq_u8(same))));
        vst1q_u64(agree + o, vaddq_u64(vld1q_u64(agree + o), counts));
    }
#endif
{{end}}
    for (; o < {{outChannels}}; ++o) agree[o] += {{prefix}}_popcount(({{unit}})~(x ^ w[o]));
}
{{bypassSource}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    {{unit}} *bits = ({{unit}} *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    {{unit}} *agree = ({{unit}} *)(void *)(scratch + {{agreeOffset}});
    {{if producesSums}}
    /* Per output channel, a compensated sum of the stored values, written after the tensor
     * for the DAB of the next layer. */
    float *sums = y + {{outCount}};
    float *carry = (float *)(void *)(scratch + {{carryOffset}});
    {{for $o in outChannels}}
        sums[{{$o}}] = carry[{{$o}}] = 0.0f;
    {{end}}
    {{end}}
    {{fn}}_dab(x, bits, scale);
    float layerScale = 0.0f;
    for (int c = 0; c < {{inChannels}}; ++c) layerScale += scale[c];
    layerScale = layerScale / {{inChannelsFloat}};
    {{for $oy in outHeight}}
        {{for $ox in outWidth}}
            /* Agreements per output channel over the taps inside the input; taps in the zero
             * padding add nothing. Weights are [tap][word][output], so the inner loop runs
             * across output channels. */
            {{for $o in outChannels}}
                agree[{{$o}}] = 0;
            {{end}}
            {{if gathers}}
            int n = 0;
            {{for $i in kernelH}}
                const int iy = {{$oy * strideH + $i * dilationH - padH}};
                if (iy >= 0 && iy < {{inHeight}}) {
                    {{for $j in kernelW}}
                        const int ix = {{$ox * strideW + $j * dilationW - padW}};
                        if (ix >= 0 && ix < {{inWidth}}) {
                            const {{unit}} *xb = bits{{+ ($iy * inWidth + $ix) * units}};
                            {{for $q in units}}
                                {{fn}}_agreements(xb[{{$q}}], {{weightWords}}{{+ (($i * kernelW + $j) * units + $q) * outChannels}}, agree);
                            {{end}}
                            ++n;
                        }
                    {{end}}
                }
            {{end}}
            {{else}}
            {{for $i in kernelH}}
                {{for $j in kernelW}}
                    {{for $q in units}}
                        {{fn}}_agreements(bits[{{(($oy * strideH + $i * dilationH) * inWidth + $ox * strideW + $j * dilationW) * units + $q}}], {{weightWords}}{{+ (($i * kernelW + $j) * units + $q) * outChannels}}, agree);
                    {{end}}
                {{end}}
            {{end}}
            {{end}}
            {{for $o in outChannels}}
                {{if paddingBits > 0}}
                /* Padding bits are 0 in both words, so they always agree: take them out. */
                {{end}}
                {{if gathers}}
                const int sum = 2 * (int)agree[{{$o}}] - {{$n * (2 * paddingBits + inChannels)}};
                {{else}}
                const int sum = 2 * (int)agree[{{$o}}] - {{taps * (2 * paddingBits + inChannels)}};
                {{end}}
                float v = (float)sum * layerScale * {{multiplier}}[{{$o}}] + {{offset}}[{{$o}}];
{{bypassTerm}}{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
                {{if producesSums}}
                {{sumStep}}
                {{end}}
            {{end}}
        {{end}}
    {{end}}
}
