/* {{title}}
 * Float32 baseline, as PyTorch computes it: q, k, v signs as floats; per head and query the
 * scores q . k * {{scaleText}}, a softmax (expf), the mask of probabilities at least a quarter of
 * the largest, and the masked weights times v over every key. */
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    float *signs = (float *)(void *)scratch;
    float *row = signs + {{count}};
    float *keys = row + {{tokens}};
    for (int k = 0; k < {{count}}; ++k) signs[k] = x[k] > 0.0f ? 1.0f : (x[k] < 0.0f ? -1.0f : 0.0f);
    for (int h = 0; h < {{heads}}; ++h) {
        /* The head's keys transposed, [d][j], so the scores run across keys. */
        for (int j = 0; j < {{tokens}}; ++j) {
            for (int d = 0; d < {{headDim}}; ++d) keys[d * {{tokens}} + j] = signs[j * {{width}} + {{dim}} + h * {{headDim}} + d];
        }
        for (int i = 0; i < {{tokens}}; ++i) {
            const float *q = signs + i * {{width}} + h * {{headDim}};
            float top = -INFINITY;
            for (int j = 0; j < {{tokens}}; ++j) row[j] = 0.0f;
            for (int d = 0; d < {{headDim}}; ++d) {
                const float *k = keys + d * {{tokens}};
                for (int j = 0; j < {{tokens}}; ++j) row[j] += q[d] * k[j];
            }
            for (int j = 0; j < {{tokens}}; ++j) {
                row[j] = row[j] * {{scaleText}};
                top = row[j] > top ? row[j] : top;
            }
            float total = 0.0f;
            for (int j = 0; j < {{tokens}}; ++j) {
                row[j] = expf(row[j] - top);
                total += row[j];
            }
            float most = 0.0f;
            for (int j = 0; j < {{tokens}}; ++j) {
                row[j] = row[j] / total;
                most = row[j] > most ? row[j] : most;
            }
            for (int j = 0; j < {{tokens}}; ++j) row[j] = row[j] < 0.25f * most ? 0.0f : 1.0f;
            float *out = y + i * {{dim}} + h * {{headDim}};
            for (int d = 0; d < {{headDim}}; ++d) out[d] = 0.0f;
            for (int j = 0; j < {{tokens}}; ++j) {
                const float *v = signs + j * {{width}} + {{2 * dim}} + h * {{headDim}};
                for (int d = 0; d < {{headDim}}; ++d) out[d] += row[j] * v[d];
            }
        }
    }
}
