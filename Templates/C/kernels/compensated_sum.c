/* Compensated (Kahan) sums in {{lanes}} independent lanes: the DAB statistics and the channel sums
 * that producers hand to the next DAB. One chain would serialise every add; independent lanes
 * let the compiler vectorise, and the compensation keeps each lane within an ulp or two. */
{{if wide}}
#if defined({{PREFIX}}_AVX512)
/* The first n of 16 lanes (none for n <= 0, all for n >= 16). */
static __mmask16 {{prefix}}_mask16(int n)
{
    return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1u);
}

/* One Kahan step of sixteen lanes, for the lanes in `m`. */
static void {{prefix}}_kahan_step(__m512 *sum, __m512 *carry, __m512 d, __mmask16 m)
{
    const __m512 term = _mm512_sub_ps(d, *carry);
    const __m512 next = _mm512_add_ps(*sum, term);
    *carry = _mm512_mask_mov_ps(*carry, m, _mm512_sub_ps(_mm512_sub_ps(next, *sum), term));
    *sum = _mm512_mask_mov_ps(*sum, m, next);
}

/* The AVX-512 lanes, sixteen a register; the last partial step masked, its values in the lanes
 * they fall on rather than all in lane 0. With `signs`, the DAB's second pass in the same read:
 * the signs of v - shift as int8 +1/-1 (sign(0) = +1; NaN gives -1, as v >= shift is false). */
static void {{prefix}}_kahan_wide(float *sum, float *carry, const float *v, int n, float shift,
                                  int absolute, int8_t *signs)
{
    const __m512 by = _mm512_set1_ps(shift);
    const __m512 magnitude = _mm512_castsi512_ps(_mm512_set1_epi32(absolute ? 0x7fffffff : -1));
    const __m128i plus = _mm_set1_epi8(1), minus = _mm_set1_epi8(-1);
    __m512 s0 = _mm512_loadu_ps(sum), s1 = _mm512_loadu_ps(sum + 16);
    __m512 c0 = _mm512_loadu_ps(carry), c1 = _mm512_loadu_ps(carry + 16);
    for (int p = 0; p < n; p += 32) {
        /* Plain loads but for the last step: a masked load cannot take its data from a store
         * still in flight, and the values were often stored just before. */
        const int rest = n - p;
        const __mmask16 m0 = {{prefix}}_mask16(rest), m1 = {{prefix}}_mask16(rest - 16);
        const __m512 x0 = rest >= 32 ? _mm512_loadu_ps(v + p) : _mm512_maskz_loadu_ps(m0, v + p);
        const __m512 x1 =
            rest >= 32 ? _mm512_loadu_ps(v + p + 16) : _mm512_maskz_loadu_ps(m1, v + p + 16);
        if (signs) {
            const __mmask16 plus0 = _mm512_cmp_ps_mask(x0, by, _CMP_GE_OQ);
            const __mmask16 plus1 = _mm512_cmp_ps_mask(x1, by, _CMP_GE_OQ);
            _mm_mask_storeu_epi8(signs + p, m0, _mm_mask_blend_epi8(plus0, minus, plus));
            _mm_mask_storeu_epi8(signs + p + 16, m1, _mm_mask_blend_epi8(plus1, minus, plus));
        }
        {{prefix}}_kahan_step(&s0, &c0, _mm512_and_ps(_mm512_sub_ps(x0, by), magnitude), m0);
        {{prefix}}_kahan_step(&s1, &c1, _mm512_and_ps(_mm512_sub_ps(x1, by), magnitude), m1);
    }
    _mm512_storeu_ps(sum, s0);
    _mm512_storeu_ps(sum + 16, s1);
    _mm512_storeu_ps(carry, c0);
    _mm512_storeu_ps(carry + 16, c1);
}
#endif
{{end}}
static void {{prefix}}_kahan_add(float *sum, float *carry, const float *v, int n, float shift, int absolute)
{
    {{if wide}}
#if defined({{PREFIX}}_AVX512)
    {{prefix}}_kahan_wide(sum, carry, v, n, shift, absolute, NULL);
#else
    {{end}}
    const int whole = n - n % {{lanes}};
    int p = 0;
    for (; p < whole; p += {{lanes}}) {
        for (int k = 0; k < {{lanes}}; ++k) {
            const float d = v[p + k] - shift;
            const float term = (absolute ? fabsf(d) : d) - carry[k];
            const float next = sum[k] + term;
            carry[k] = (next - sum[k]) - term;
            sum[k] = next;
        }
    }
    for (; p < n; ++p) {
        const float d = v[p] - shift;
        const float term = (absolute ? fabsf(d) : d) - carry[0];
        const float next = sum[0] + term;
        carry[0] = (next - sum[0]) - term;
        sum[0] = next;
    }
    {{if wide}}
#endif
    {{end}}
}

/* The lanes added up, compensated again. */
static float {{prefix}}_kahan_total(const float *sum, const float *carry)
{
    {{if wide}}
#if defined({{PREFIX}}_AVX512)
    /* In double, eight lanes a register: as accurate, without a chain of 64 dependent steps. */
    __m512d total = _mm512_setzero_pd();
    for (int k = 0; k < {{lanes}}; k += 8) {
        total = _mm512_add_pd(total, _mm512_cvtps_pd(_mm256_loadu_ps(sum + k)));
        total = _mm512_sub_pd(total, _mm512_cvtps_pd(_mm256_loadu_ps(carry + k)));
    }
    return (float)_mm512_reduce_add_pd(total);
#else
    {{end}}
    float total = 0.0f, c = 0.0f;
    for (int k = 0; k < 2 * {{lanes}}; ++k) {
        const float term = (k < {{lanes}} ? sum[k] : -carry[k - {{lanes}}]) - c;
        const float next = total + term;
        c = (next - total) - term;
        total = next;
    }
    return total;
    {{if wide}}
#endif
    {{end}}
}

/* The compensated sum of v[0..n), or of |v - shift| when absolute. */
static float {{prefix}}_compensated_sum(const float *v, int n, float shift, int absolute)
{
    float sum[{{lanes}}], carry[{{lanes}}];
    for (int k = 0; k < {{lanes}}; ++k) sum[k] = carry[k] = 0.0f;
    {{prefix}}_kahan_add(sum, carry, v, n, shift, absolute);
    return {{prefix}}_kahan_total(sum, carry);
}
