/* The signs of v[0..n) into columns first .. first + n - 1 of a row's two planes (nonzero,
 * then negative, row_words words each after `row`): bits gathered a word at a time in
 * registers, without branches, then merged into the row's words. */
static void {{prefix}}_pack_signs(const float *v, int n, int first, {{unit}} *row, int row_words)
{
    int k = 0;
    while (k < n) {
        const int column = first + k, word = column / {{unitBits}}, bit = column % {{unitBits}};
        const int m = {{unitBits}} - bit < n - k ? {{unitBits}} - bit : n - k;
        {{unit}} nonzeros = 0, negatives = 0;
        for (int b = 0; b < m; ++b) {
            const float x = v[k + b];
            /* Bitwise, not short-circuit: no branch on a random sign. */
            nonzeros |= ({{unit}})((x > 0.0f) | (x < 0.0f)) << (bit + b);
            negatives |= ({{unit}})(x < 0.0f) << (bit + b);
        }
        row[word] |= nonzeros;
        row[row_words + word] |= negatives;
        k += m;
    }
}
