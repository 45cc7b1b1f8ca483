/* {{title}}
 * Dense, exact: the DAB scale is per input channel, so it stays inside the channel sum. For a
 * block of {{block}} output pixels, each quad of input channels gets a table of its 16 signed
 * sums +-v0 +-v1 +-v2 +-v3 (v = s * sign, per pixel); an output channel then adds, per quad
 * and tap, the table row its 4 weight bits index: one vector add for 4 channels x {{block}}
 * pixels. Tables cover {{chunkQuads}} quads at a time so they stay in the L1 cache. */
{{dabFunction}}{{store}}
/* The tables of quads q0 .. q0+nq-1 over the {{tableWidth}} pixels from row (plane offset),
 * {{sourceStep}} apart: table[quad][entry][pixel], entry bit k set where channel k is +. */
static void {{fn}}_tables(const int8_t *signs, const float *scale, int row, int q0, int nq, float *table)
{
    for (int qq = 0; qq < nq; ++qq) {
        const int8_t *src[4];
        float s[4];
        for (int k = 0; k < 4; ++k) {
            const int c = 4 * (q0 + qq) + k;
            /* Channels past the end are 0: their scale is 0. */
            src[k] = signs + (size_t)(c < {{inChannels}} ? c : 0) * {{planeSize}} + row;
            s[k] = c < {{inChannels}} ? scale[c] : 0.0f;
        }
        float *t = table + (size_t)qq * 16 * {{tableWidth}};
        for (int l = 0; l < {{tableWidth}}; ++l) {
            const float v0 = s[0] * (float)src[0][l * {{sourceStep}}], v1 = s[1] * (float)src[1][l * {{sourceStep}}];
            const float v2 = s[2] * (float)src[2][l * {{sourceStep}}], v3 = s[3] * (float)src[3][l * {{sourceStep}}];
            const float low[4] = {-v0 - v1, v0 - v1, v1 - v0, v0 + v1};
            const float high[4] = {-v2 - v3, v2 - v3, v3 - v2, v2 + v3};
            for (int e = 0; e < 16; ++e) t[e * {{tableWidth}} + l] = low[e & 3] + high[e >> 2];
        }
    }
}

/* The table row output o picks for quad qq of the chunk at kernel tap (i, j). */
static const float *{{fn}}_entry(const float *table, int i, int j, int q0, int qq, int o)
{
    const int index = (i * {{kernelW}} + j) * {{quads}} + q0 + qq;
    const int nibble = {{weightNibbles}}[(size_t)o * {{nibbleBytes}} + index / 2] >> (4 * (index & 1)) & 15;
    return table + ((size_t)qq * 16 + (size_t)nibble) * {{tableWidth}} + {{tapShift}};
}

/* Adds to outputs o .. o+{{outputBlockLast}} the rows their weights pick, over the chunk's nq quads
 * and the taps of kernel row i that the tables cover (tap column tj when each has its own). */
static void {{fn}}_accumulate(const float *table, int i, int tj, int q0, int nq, int o, float *acc)
{
#if defined({{PREFIX}}_AVX2)
    /* Two outputs at a time: {{avxVectors}} eight-float registers each, kept across the chunk. */
    for (int r = 0; r < {{outputBlock}}; r += 2) {
        float *a0 = acc + (size_t)(o + r) * {{block}}, *a1 = a0 + {{block}};
        __m256 s0[{{avxVectors}}], s1[{{avxVectors}}];
        for (int v = 0; v < {{avxVectors}}; ++v) {
            s0[v] = _mm256_loadu_ps(a0 + 8 * v);
            s1[v] = _mm256_loadu_ps(a1 + 8 * v);
        }
        for (int qq = 0; qq < nq; ++qq) {
            for (int j = {{firstTap}}; j < {{endTap}}; ++j) {
                const float *e0 = {{fn}}_entry(table, i, j, q0, qq, o + r);
                const float *e1 = {{fn}}_entry(table, i, j, q0, qq, o + r + 1);
                for (int v = 0; v < {{avxVectors}}; ++v) {
                    s0[v] = _mm256_add_ps(s0[v], _mm256_loadu_ps(e0 + 8 * v));
                    s1[v] = _mm256_add_ps(s1[v], _mm256_loadu_ps(e1 + 8 * v));
                }
            }
        }
        for (int v = 0; v < {{avxVectors}}; ++v) {
            _mm256_storeu_ps(a0 + 8 * v, s0[v]);
            _mm256_storeu_ps(a1 + 8 * v, s1[v]);
        }
    }
#elif defined({{PREFIX}}_NEON)
    /* Two outputs at a time: {{neonVectors}} four-float registers each, kept across the chunk. */
    for (int r = 0; r < {{outputBlock}}; r += 2) {
        float *a0 = acc + (size_t)(o + r) * {{block}}, *a1 = a0 + {{block}};
        float32x4_t s0[{{neonVectors}}], s1[{{neonVectors}}];
        for (int v = 0; v < {{neonVectors}}; ++v) {
            s0[v] = vld1q_f32(a0 + 4 * v);
            s1[v] = vld1q_f32(a1 + 4 * v);
        }
        for (int qq = 0; qq < nq; ++qq) {
            for (int j = {{firstTap}}; j < {{endTap}}; ++j) {
                const float *e0 = {{fn}}_entry(table, i, j, q0, qq, o + r);
                const float *e1 = {{fn}}_entry(table, i, j, q0, qq, o + r + 1);
                for (int v = 0; v < {{neonVectors}}; ++v) {
                    s0[v] = vaddq_f32(s0[v], vld1q_f32(e0 + 4 * v));
                    s1[v] = vaddq_f32(s1[v], vld1q_f32(e1 + 4 * v));
                }
            }
        }
        for (int v = 0; v < {{neonVectors}}; ++v) {
            vst1q_f32(a0 + 4 * v, s0[v]);
            vst1q_f32(a1 + 4 * v, s1[v]);
        }
    }
#else
    /* Portable C the compiler vectorises: the block's sums stay in a local array. */
    float a[{{outputBlock}}][{{block}}];
    for (int r = 0; r < {{outputBlock}}; ++r) {
        for (int k = 0; k < {{block}}; ++k) a[r][k] = acc[(size_t)(o + r) * {{block}} + k];
    }
    for (int qq = 0; qq < nq; ++qq) {
        for (int j = {{firstTap}}; j < {{endTap}}; ++j) {
            for (int r = 0; r < {{outputBlock}}; ++r) {
                const float *entry = {{fn}}_entry(table, i, j, q0, qq, o + r);
                for (int k = 0; k < {{block}}; ++k) a[r][k] += entry[k];
            }
        }
    }
    for (int r = 0; r < {{outputBlock}}; ++r) {
        for (int k = 0; k < {{block}}; ++k) acc[(size_t)(o + r) * {{block}} + k] = a[r][k];
    }
#endif
    (void)tj;
}

static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    float *table = (float *)(void *)(scratch + {{tableOffset}});
    float *acc = (float *)(void *)(scratch + {{accOffset}});
{{#producesSums}}
    /* Per output channel, compensated lane sums of the stored values, written after the
     * tensor for the DAB of the next layer. */
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    for (int i = 0; i < {{outChannels}} * 2 * {{lanes}}; ++i) lanes[i] = 0.0f;
{{/producesSums}}
    {{fn}}_dab(x, signs, scale);
    for (int by = 0; by < {{blockRows}}; ++by) {
        for (int x0 = 0; x0 < {{blockWidth}}; x0 += {{block}}) {
            for (int i = 0; i < {{paddedOutChannels}} * {{block}}; ++i) acc[i] = 0.0f;
            for (int i = 0; i < {{kernelH}}; ++i) {
                const int row = (by * {{strideH}} + i * {{dilationH}}) * {{paddedWidth}} + x0 * {{strideW}};
                for (int tj = 0; tj < {{tableTaps}}; ++tj) {
                    for (int q0 = 0; q0 < {{quads}}; q0 += {{chunkQuads}}) {
                        const int nq = {{quads}} - q0 < {{chunkQuads}} ? {{quads}} - q0 : {{chunkQuads}};
                        {{fn}}_tables(signs, scale, row + tj * {{dilationW}}, q0, nq, table);
                        for (int o = 0; o < {{paddedOutChannels}}; o += {{outputBlock}}) {
                            {{fn}}_accumulate(table, i, tj, q0, nq, o, acc);
                        }
                    }
                }
            }
            const int count = {{blockWidth}} - x0 < {{block}} ? {{blockWidth}} - x0 : {{block}};
            const int p0 = by * {{blockWidth}} + x0;
            for (int o = 0; o < {{outChannels}}; ++o) {
                {{fn}}_store(x, acc + (size_t)o * {{block}}, o, p0, count, y + (size_t)o * {{outPixels}} + p0{{lanesArgument}});
            }
        }
    }
{{#producesSums}}
    for (int o = 0; o < {{outChannels}}; ++o) {
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes + o * 2 * {{lanes}}, lanes + o * 2 * {{lanes}} + {{lanes}});
    }
{{/producesSums}}
}
