/* {{title}}
 * Ternary signs on both sides (sign(0) = 0), as two bit planes per row: output o's dot product
 * is the count of positions where both signs are nonzero less twice the count where they
 * differ{{if dense}} (no weight sign is 0, so the first count is the row's own){{end}}, over {{rowWords}} {{wordBits}}-bit word(s); then
 * v = scale * dot + bias{{if hasEpilogue}}, the epilogue{{end}}, and the store{{if ternaryOut}} of v's sign, packed{{end}}. */
static void {{fn}}({{parameters}})
{
    {{enum}}
    {{unit}} *negatives = ({{unit}} *)(void *)(scratch{{+ countOffset}});
    {{if !dense}}
    {{unit}} *nonzeros = negatives + {{paddedOut}};
    {{end}}
    {{if packsInput}}
    {{unit}} *row = ({{unit}} *)(void *)scratch;
    {{end}}
    {{if ternaryOut}}
    float *values = (float *)(void *)(scratch{{+ valueOffset}});
    {{end}}
    {{for $t in tokens}}
        {{if packsInput}}
        /* The row's signs{{if hasMove}} after the move{{end}}, packed into the two planes. */
        for (int k = 0; k < {{2 * rowWords}}; ++k) row[k] = 0;
        for (int c = 0; c < {{inFeatures}}; ++c) {
            const float s = x[{{$t * inFeatures + $c}}]{{if hasMove}} + {{move}}[c]{{end}};
            row[c / {{wordBits}}] |= ({{unit}})((s > 0.0f) | (s < 0.0f)) << c % {{wordBits}};
            row[{{rowWords}} + c / {{wordBits}}] |= ({{unit}})(s < 0.0f) << c % {{wordBits}};
        }
        const {{unit}} *xr = row;
        {{else}}
        const {{unit}} *xr = x{{+ $t * rowStride}};
        {{end}}
        {{if dense}}
        {{unit}} count = 0;
        {{for $w in rowWords}}
            count += {{prefix}}_popcount(xr[{{$w}}]);
        {{end}}
        {{end}}
{{if wide}}
#if defined({{PREFIX}}_AVX512)
        /* Eight outputs a step, their counts kept in registers over the row's words. */
        for (int o = 0; o < {{paddedOut}}; o += 8) {
            __m512i negative_count = _mm512_setzero_si512();
            {{if !dense}}
            __m512i nonzero_count = _mm512_setzero_si512();
            {{end}}
            {{for $w in rowWords}}
                {
                    const __m512i nonzero = _mm512_set1_epi64((long long)xr[{{$w}}]);
                    const __m512i negative = _mm512_set1_epi64((long long)xr[{{rowWords + $w}}]);
                    const __m512i wn = _mm512_loadu_si512((const void *)({{weightNegative}}{{+ $w * paddedOut}} + o));
                    {{if dense}}
                    negative_count = _mm512_add_epi64(negative_count, _mm512_popcnt_epi64(_mm512_and_si512(nonzero, _mm512_xor_si512(negative, wn))));
                    {{else}}
                    const __m512i both = _mm512_and_si512(nonzero, _mm512_loadu_si512((const void *)({{weightNonzero}}{{+ $w * paddedOut}} + o)));
                    nonzero_count = _mm512_add_epi64(nonzero_count, _mm512_popcnt_epi64(both));
                    negative_count = _mm512_add_epi64(negative_count, _mm512_popcnt_epi64(_mm512_and_si512(both, _mm512_xor_si512(negative, wn))));
                    {{end}}
                }
            {{end}}
            _mm512_storeu_si512((void *)(negatives + o), negative_count);
            {{if !dense}}
            _mm512_storeu_si512((void *)(nonzeros + o), nonzero_count);
            {{end}}
        }
#else
{{end}}
        for (int o = 0; o < {{outFeatures}}; ++o) negatives[o] = 0;
        {{if !dense}}
        for (int o = 0; o < {{outFeatures}}; ++o) nonzeros[o] = 0;
        {{end}}
        {{for $w in rowWords}}
            {
                const {{unit}} nonzero = xr[{{$w}}], negative = xr[{{rowWords + $w}}];
                const {{unit}} *wn = {{weightNegative}}{{+ $w * paddedOut}};
                {{if dense}}
                for (int o = 0; o < {{outFeatures}}; ++o) {
                    negatives[o] += {{prefix}}_popcount(nonzero & (negative ^ wn[o]));
                }
                {{else}}
                const {{unit}} *wz = {{weightNonzero}}{{+ $w * paddedOut}};
                for (int o = 0; o < {{outFeatures}}; ++o) {
                    const {{unit}} both = nonzero & wz[o];
                    nonzeros[o] += {{prefix}}_popcount(both);
                    negatives[o] += {{prefix}}_popcount(both & (negative ^ wn[o]));
                }
                {{end}}
            }
        {{end}}
{{if wide}}
#endif
{{end}}
        for (int o = 0; o < {{outFeatures}}; ++o) {
            {{if dense}}
            const int dot = (int)count - 2 * (int)negatives[o];
            {{else}}
            const int dot = (int)nonzeros[o] - 2 * (int)negatives[o];
            {{end}}
            float v = (float)dot * {{scale}}[o];
            v = v + {{bias}}[o];
{{epilogue}}            {{if geluSign}}
            /* sign(GELU(v)) from v: GELU is -0 at and below {{threshold}} (erf rounds to -1). */
            const float half = v * 0.5f;
            values[o] = (float)(half > 0.0f) - (float)((half < 0.0f) & (v > {{threshold}}));
            {{else}}
            {{if ternaryOut}}
            values[o] = v;
            {{end}}
            {{end}}
            {{if !ternaryOut}}
            y[{{$t * outFeatures + $o}}] = v;
            {{end}}
        }
        {{if ternaryOut}}
        {{packSigns}}
        {{end}}
    {{end}}
}
