/* The 256 signed sums of the scales s[0..count) of one byte of channels, entry d at
 * t[{{if stride > 1}}{{stride}} * {{end}}d] holding sum_i (bit i of d ? -s_i : +s_i); missing channels count 0. Each
 * entry is the sum of one of 16 low-half sums and one of 16 high-half sums, kept in registers. */
static void {{prefix}}_byte_table{{stride}}(const float *scale, int count, float *t)
{
    float s[8];
    for (int i = 0; i < 8; ++i) s[i] = i < count ? scale[i] : 0.0f;
    const float a0 = s[0] + s[1], a1 = s[1] - s[0], b0 = s[2] + s[3], b1 = s[3] - s[2];
    const float c0 = s[4] + s[5], c1 = s[5] - s[4], e0 = s[6] + s[7], e1 = s[7] - s[6];
    /* The low half, bits 0 to 3 of d: a set bit subtracts its scale. */
    const float l0 = a0 + b0, l1 = a1 + b0, l2 = b0 - a1, l3 = b0 - a0;
    const float l4 = a0 + b1, l5 = a1 + b1, l6 = b1 - a1, l7 = b1 - a0;
    const float l8 = a0 - b1, l9 = a1 - b1, l10 = -a1 - b1, l11 = -a0 - b1;
    const float l12 = a0 - b0, l13 = a1 - b0, l14 = -a1 - b0, l15 = -a0 - b0;
    for (int h = 0; h < 16; ++h) {
        const float p = (h & 3) == 0 ? c0 : (h & 3) == 1 ? c1 : (h & 3) == 2 ? -c1 : -c0;
        const float q = (h >> 2) == 0 ? e0 : (h >> 2) == 1 ? e1 : (h >> 2) == 2 ? -e1 : -e0;
        const float hv = p + q;
        float *row = t + h * {{16 * stride}};
        row[0] = l0 + hv;
        row[{{stride}}] = l1 + hv;
        row[{{2 * stride}}] = l2 + hv;
        row[{{3 * stride}}] = l3 + hv;
        row[{{4 * stride}}] = l4 + hv;
        row[{{5 * stride}}] = l5 + hv;
        row[{{6 * stride}}] = l6 + hv;
        row[{{7 * stride}}] = l7 + hv;
        row[{{8 * stride}}] = l8 + hv;
        row[{{9 * stride}}] = l9 + hv;
        row[{{10 * stride}}] = l10 + hv;
        row[{{11 * stride}}] = l11 + hv;
        row[{{12 * stride}}] = l12 + hv;
        row[{{13 * stride}}] = l13 + hv;
        row[{{14 * stride}}] = l14 + hv;
        row[{{15 * stride}}] = l15 + hv;
    }
}
