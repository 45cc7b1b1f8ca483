/* Compensated (Kahan) sums for a 32-bit core without vector units: the DAB statistics and the
 * channel sums that producers hand to the next DAB. {{lanes}} lanes kept in registers (sum and
 * carry), each taking four values per step, added in pairs (the tail two at a time): their
 * roundings stay within an ulp of the mean, and the compensation keeps each lane within an ulp
 * or two of the exact sum. */
#define {{PREFIX}}_KAHAN(s, c, v) \
    do { \
        const float term_ = (v) - (c); \
        const float next_ = (s) + term_; \
        (c) = (next_ - (s)) - term_; \
        (s) = next_; \
    } while (0)

static void {{prefix}}_kahan_add(float *sum, float *carry, const float *v, int n, float shift, int absolute)
{
    float s0 = sum[0], s1 = sum[1], s2 = sum[2], s3 = sum[3];
    float c0 = carry[0], c1 = carry[1], c2 = carry[2], c3 = carry[3];
    const int whole = n - n % 16, pairs = n - n % 2;
    int p = 0;
    if (absolute) {
        for (; p < whole; p += 16) {
            const float *q = v + p;
            const float a0 = fabsf(q[0] - shift) + fabsf(q[1] - shift);
            const float b0 = fabsf(q[2] - shift) + fabsf(q[3] - shift);
            const float a1 = fabsf(q[4] - shift) + fabsf(q[5] - shift);
            const float b1 = fabsf(q[6] - shift) + fabsf(q[7] - shift);
            const float a2 = fabsf(q[8] - shift) + fabsf(q[9] - shift);
            const float b2 = fabsf(q[10] - shift) + fabsf(q[11] - shift);
            const float a3 = fabsf(q[12] - shift) + fabsf(q[13] - shift);
            const float b3 = fabsf(q[14] - shift) + fabsf(q[15] - shift);
            {{PREFIX}}_KAHAN(s0, c0, a0 + b0);
            {{PREFIX}}_KAHAN(s1, c1, a1 + b1);
            {{PREFIX}}_KAHAN(s2, c2, a2 + b2);
            {{PREFIX}}_KAHAN(s3, c3, a3 + b3);
        }
        for (; p < pairs; p += 2) {{PREFIX}}_KAHAN(s0, c0, fabsf(v[p] - shift) + fabsf(v[p + 1] - shift));
        if (p < n) {{PREFIX}}_KAHAN(s0, c0, fabsf(v[p] - shift));
    } else {
        for (; p < whole; p += 16) {
            const float *q = v + p;
            {{PREFIX}}_KAHAN(s0, c0, (q[0] + q[1]) + (q[2] + q[3]));
            {{PREFIX}}_KAHAN(s1, c1, (q[4] + q[5]) + (q[6] + q[7]));
            {{PREFIX}}_KAHAN(s2, c2, (q[8] + q[9]) + (q[10] + q[11]));
            {{PREFIX}}_KAHAN(s3, c3, (q[12] + q[13]) + (q[14] + q[15]));
        }
        for (; p < pairs; p += 2) {{PREFIX}}_KAHAN(s0, c0, v[p] + v[p + 1]);
        if (p < n) {{PREFIX}}_KAHAN(s0, c0, v[p]);
    }
    sum[0] = s0;
    sum[1] = s1;
    sum[2] = s2;
    sum[3] = s3;
    carry[0] = c0;
    carry[1] = c1;
    carry[2] = c2;
    carry[3] = c3;
}

/* The lanes added up, compensated again. */
static float {{prefix}}_kahan_total(const float *sum, const float *carry)
{
    float total = 0.0f, c = 0.0f;
    for (int k = 0; k < {{lanes}}; ++k) {{PREFIX}}_KAHAN(total, c, sum[k]);
    for (int k = 0; k < {{lanes}}; ++k) {{PREFIX}}_KAHAN(total, c, -carry[k]);
    return total;
}

/* The compensated sum of v[0..n), or of |v - shift| when absolute. */
static float {{prefix}}_compensated_sum(const float *v, int n, float shift, int absolute)
{
    float sum[{{lanes}}], carry[{{lanes}}];
    for (int k = 0; k < {{lanes}}; ++k) sum[k] = carry[k] = 0.0f;
    {{prefix}}_kahan_add(sum, carry, v, n, shift, absolute);
    return {{prefix}}_kahan_total(sum, carry);
}
