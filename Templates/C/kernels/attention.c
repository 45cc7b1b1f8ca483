/* {{title}}
 * Per head, a query row at a time: the integer scores G = q . k against every key (popcounts
 * of the two bit planes), their maximum, then the keys within {{margin}} of it (the softmax's
 * quarter of the maximum: exp(-(max G - G) / sqrt({{headDim}})) >= 1/4) add their values' signs
 * into the counts. Scratch holds the head's key planes, its value signs as int8 and one row of
 * scores: memory linear in the tokens, no [T, T] matrix. */
static void {{fn}}({{parameters}})
{
    {{enum}}
    {{unit}} *key_nonzero = ({{unit}} *)(void *)(scratch{{+ keyOffset}});
    {{unit}} *key_negative = key_nonzero + {{tokens * segmentWords}};
    int8_t *values = (int8_t *)(void *)(scratch{{+ valueOffset}});
    int32_t *scores = (int32_t *)(void *)(scratch{{+ scoreOffset}});
    int32_t *counts = (int32_t *)(void *)(scratch{{+ countOffset}});
    {{if packsInput}}
    {{unit}} *qkv = ({{unit}} *)(void *)(scratch{{+ packedOffset}});
    /* The signs of the input, packed a head to a segment of whole words. */
    for (int k = 0; k < {{tokens * rowStride}}; ++k) qkv[k] = 0;
    for (int t = 0; t < {{tokens}}; ++t) {
        for (int c = 0; c < {{width}}; ++c) {
            const float s = x[t * {{width}} + c];
            const int segment = c / {{headDim}}, column = c % {{headDim}};
            {{unit}} *word = qkv + t * {{rowStride}} + segment * {{segmentWords}} + column / {{wordBits}};
            word[0] |= ({{unit}})((s > 0.0f) | (s < 0.0f)) << column % {{wordBits}};
            word[{{rowWords}}] |= ({{unit}})(s < 0.0f) << column % {{wordBits}};
        }
    }
    {{end}}
    {{if ternaryOut}}
    for (int k = 0; k < {{tokens * outRowStride}}; ++k) y[k] = 0;
    {{end}}
    {{for $h in heads}}
        /* Head {{$h}}: its keys' planes gathered, its values' signs as int8. */
        for (int j = 0; j < {{tokens}}; ++j) {
            const {{unit}} *row = qkv + j * {{rowStride}};
            {{for $w in segmentWords}}
                key_nonzero[{{$j * segmentWords + $w}}] = row[{{(heads + $h) * segmentWords + $w}}];
                key_negative[{{$j * segmentWords + $w}}] = row[{{rowWords + (heads + $h) * segmentWords + $w}}];
            {{end}}
            for (int d = 0; d < {{headDim}}; ++d) {
                const {{unit}} bit = ({{unit}})(({{unit}})1 << d % {{wordBits}});
                const {{unit}} *word = row + {{(2 * heads + $h) * segmentWords}} + d / {{wordBits}};
                values[j * {{headDim}} + d] = (int8_t)((word[0] & bit) ? ((word[{{rowWords}}] & bit) ? -1 : 1) : 0);
            }
        }
        for (int i = 0; i < {{tokens}}; ++i) {
            const {{unit}} *query = qkv + i * {{rowStride}}{{+ $h * segmentWords}};
            int32_t best = {{-headDim - 1}};
{{if wide && segmentWords == 1}}
#if defined({{PREFIX}}_AVX512)
            {
                /* Eight keys a step: popcounts of the two planes, 64-bit lanes narrowed to the
                 * scores. */
                const __m512i q_nonzero = _mm512_set1_epi64((long long)query[0]);
                const __m512i q_negative = _mm512_set1_epi64((long long)query[{{rowWords}}]);
                __m512i top = _mm512_set1_epi64({{-headDim - 1}});
                int j = 0;
                for (; j + 8 <= {{tokens}}; j += 8) {
                    const __m512i both = _mm512_and_si512(q_nonzero, _mm512_loadu_si512((const void *)(key_nonzero + j)));
                    const __m512i differ = _mm512_and_si512(both, _mm512_xor_si512(q_negative, _mm512_loadu_si512((const void *)(key_negative + j))));
                    const __m512i g = _mm512_sub_epi64(_mm512_popcnt_epi64(both), _mm512_slli_epi64(_mm512_popcnt_epi64(differ), 1));
                    top = _mm512_max_epi64(top, g);
                    _mm256_storeu_si256((__m256i *)(void *)(scores + j), _mm512_cvtepi64_epi32(g));
                }
                best = (int32_t)_mm512_reduce_max_epi64(top);
                for (; j < {{tokens}}; ++j) {
                    const {{unit}} both = query[0] & key_nonzero[j];
                    const int32_t g = (int32_t){{prefix}}_popcount(both) - 2 * (int32_t){{prefix}}_popcount(both & (query[{{rowWords}}] ^ key_negative[j]));
                    scores[j] = g;
                    best = g > best ? g : best;
                }
            }
#else
{{end}}
            for (int j = 0; j < {{tokens}}; ++j) {
                int32_t g = 0;
                {{for $w in segmentWords}}
                    {
                        const {{unit}} both = query[{{$w}}] & key_nonzero[{{$j * segmentWords + $w}}];
                        g += (int32_t){{prefix}}_popcount(both) - 2 * (int32_t){{prefix}}_popcount(both & (query[{{rowWords + $w}}] ^ key_negative[{{$j * segmentWords + $w}}]));
                    }
                {{end}}
                scores[j] = g;
            }
            for (int j = 0; j < {{tokens}}; ++j) best = scores[j] > best ? scores[j] : best;
{{if wide && segmentWords == 1}}
#endif
{{end}}
            for (int d = 0; d < {{headDim}}; ++d) counts[d] = 0;
{{if wide}}
#if defined({{PREFIX}}_AVX512)
            {
                /* The kept keys of sixteen scores at a time, by mask. */
                const __m512i lowest = _mm512_set1_epi32(best - {{margin}});
                int j = 0;
                for (; j + 16 <= {{tokens}}; j += 16) {
                    unsigned keep = (unsigned)_mm512_cmpge_epi32_mask(_mm512_loadu_si512((const void *)(scores + j)), lowest);
                    while (keep != 0) {
                        const int8_t *v = values + (j + __builtin_ctz(keep)) * {{headDim}};
                        keep &= keep - 1;
                        for (int d = 0; d < {{headDim}}; ++d) counts[d] += v[d];
                    }
                }
                for (; j < {{tokens}}; ++j) {
                    if (best - scores[j] > {{margin}}) continue;
                    for (int d = 0; d < {{headDim}}; ++d) counts[d] += values[j * {{headDim}} + d];
                }
            }
#else
{{end}}
            for (int j = 0; j < {{tokens}}; ++j) {
                if (best - scores[j] > {{margin}}) continue;
                for (int d = 0; d < {{headDim}}; ++d) counts[d] += values[j * {{headDim}} + d];
            }
{{if wide}}
#endif
{{end}}
            {{if ternaryOut}}
            {
                float signs[{{headDim}}];
                for (int d = 0; d < {{headDim}}; ++d) signs[d] = (float)counts[d];
                {{prefix}}_pack_signs(signs, {{headDim}}, {{$h * headDim}}, y + i * {{outRowStride}}, {{outRowWords}});
            }
            {{else}}
            for (int d = 0; d < {{headDim}}; ++d) y[i * {{dim}} + {{$h * headDim + $d}}] = (float)counts[d];
            {{end}}
        }
    {{end}}
}
