/* The compensated sum of (x - mean)^2 over one token's channels, in {{lanes}} independent lanes
 * (one chain would serialise every add), then the lanes added up. */
static float {{fn}}_squares(const float *row, float mean)
{
    float sum[{{lanes}}], carry[{{lanes}}];
    for (int k = 0; k < {{lanes}}; ++k) sum[k] = carry[k] = 0.0f;
    {{if channels >= lanes}}
    for (int c = 0; c < {{channels - channels % lanes}}; c += {{lanes}}) {
        for (int k = 0; k < {{lanes}}; ++k) {
            const float d = row[c + k] - mean;
            const float term = d * d - carry[k];
            const float next = sum[k] + term;
            carry[k] = (next - sum[k]) - term;
            sum[k] = next;
        }
    }
    {{end}}
    {{if channels % lanes > 0}}
    for (int c = {{channels - channels % lanes}}; c < {{channels}}; ++c) {
        const float d = row[c] - mean;
        const float term = d * d - carry[0];
        const float next = sum[0] + term;
        carry[0] = (next - sum[0]) - term;
        sum[0] = next;
    }
    {{end}}
    return {{prefix}}_kahan_total(sum, carry);
}
