/* The compensated sum of (x - mean)^2 over one token's channels. */
static float {{fn}}_squares(const float *row, float mean)
{
    float sum = 0.0f, carry = 0.0f;
    for (int c = 0; c < {{channels}}; ++c) {
        const float d = row[c] - mean;
        const float term = d * d - carry;
        const float next = sum + term;
        carry = (next - sum) - term;
        sum = next;
    }
    return sum;
}
