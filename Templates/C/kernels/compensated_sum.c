/* Compensated (Kahan) sums in {{lanes}} independent lanes: the DAB statistics and the channel sums
 * that producers hand to the next DAB. One chain would serialise every add; independent lanes
 * let the compiler vectorise, and the compensation keeps each lane within an ulp or two. */
static void {{prefix}}_kahan_add(float *sum, float *carry, const float *v, int n, float shift, int absolute)
{
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
}

/* The lanes added up, compensated again. */
static float {{prefix}}_kahan_total(const float *sum, const float *carry)
{
    float total = 0.0f, c = 0.0f;
    for (int k = 0; k < 2 * {{lanes}}; ++k) {
        const float term = (k < {{lanes}} ? sum[k] : -carry[k - {{lanes}}]) - c;
        const float next = total + term;
        c = (next - total) - term;
        total = next;
    }
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
