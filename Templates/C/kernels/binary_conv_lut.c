/* {{title}}
 * Dense, exact: the DAB scale is per input channel, so it stays inside the channel sum. For a
 * block of {{block}} output pixels, each quad of input channels gets a table of its 16 signed
 * sums +-v0 +-v1 +-v2 +-v3 (v = s * sign, per pixel); an output channel then adds, per quad
 * and tap, the table row its 4 weight bits index: one vector add for 4 channels x {{block}}
 * pixels. Tables cover {{chunkQuads}} quads at a time so they stay in the L1 cache. */
{{store}}
{{if hasTiles}}
#if defined({{PREFIX}}_AVX512)
{{tiles}}
#else
{{end}}
{{dabFunction}}
/* The tables of quads q0 .. q0+nq-1 over the {{tableWidth}} pixels from `row` (a plane
 * offset){{if sourceStep > 1}}, {{sourceStep}} apart{{end}}: table[quad][entry][pixel], entry bit k set where channel k is +. */
static void {{fn}}_tables(const int8_t *signs, const float *scale, int row, int q0, int nq, float *table)
{
    {{enum}}
    for (int qq = 0; qq < nq; ++qq) {
        const int8_t *src[4];
        float s[4];
        for (int k = 0; k < 4; ++k) {
            const int c = 4 * (q0 + qq) + k;
            {{if inChannels % 4 != 0}}
            /* Channels past the end are 0: their scale is 0. */
            src[k] = signs + (c < {{inChannels}} ? c : 0) * {{planeSize}} + row;
            s[k] = c < {{inChannels}} ? scale[c] : 0.0f;
            {{else}}
            src[k] = signs + c * {{planeSize}} + row;
            s[k] = scale[c];
            {{end}}
        }
        float *t = table + qq * {{16 * tableWidth}};
        for (int l = 0; l < {{tableWidth}}; ++l) {
            const float v0 = s[0] * (float)src[0][{{$l * sourceStep}}], v1 = s[1] * (float)src[1][{{$l * sourceStep}}];
            const float v2 = s[2] * (float)src[2][{{$l * sourceStep}}], v3 = s[3] * (float)src[3][{{$l * sourceStep}}];
            const float low[4] = {-v0 - v1, v0 - v1, v1 - v0, v0 + v1};
            const float high[4] = {-v2 - v3, v2 - v3, v3 - v2, v2 + v3};
            for (int e = 0; e < 16; ++e) t[e * {{tableWidth}} + l] = low[e & 3] + high[e >> 2];
        }
    }
}

/* The table row that output o picks for quad `quad` (row qq of the chunk){{if taps > 1}} at tap `tap`{{end}}. */
static const float *{{fn}}_entry(const float *table, {{if taps > 1}}int tap, {{end}}int quad, int qq, int o)
{
    const int index = {{if taps > 1}}{{$tap * quads}} + {{end}}quad;
    const int nibble = {{weightNibbles}}[o * {{nibbleBytes}} + index / 2] >> 4 * (index & 1) & 15;
    return table + (qq * 16 + nibble) * {{tableWidth}};
}

/* Adds to outputs o .. o+{{outputBlock - 1}} the rows their weights pick, over the chunk's nq quads{{if taps > 1}}
 * and the taps from tap0 that the tables cover{{end}}. */
static void {{fn}}_accumulate(const float *table, {{if taps > 1}}int tap0, {{end}}int q0, int nq, int o, float *acc)
{
#if defined({{PREFIX}}_AVX2)
    /* Two outputs at a time: {{block / 8}} eight-float registers each, kept across the chunk. */
    for (int r = 0; r < {{outputBlock}}; r += 2) {
        float *a0 = acc + (o + r) * {{block}}, *a1 = a0 + {{block}};
        __m256 s0[{{block / 8}}], s1[{{block / 8}}];
        for (int v = 0; v < {{block / 8}}; ++v) {
            s0[v] = _mm256_loadu_ps(a0 + 8 * v);
            s1[v] = _mm256_loadu_ps(a1 + 8 * v);
        }
        for (int qq = 0; qq < nq; ++qq) {
            {{for $j in rowTaps}}
                const float *e0 = {{fn}}_entry(table, {{if taps > 1}}{{$tap0 + $j}}, {{end}}q0 + qq, qq, o + r){{if sharedRows && kernelW > 1}}{{+ $j * dilationW}}{{end}};
                const float *e1 = {{fn}}_entry(table, {{if taps > 1}}{{$tap0 + $j}}, {{end}}q0 + qq, qq, o + r + 1){{if sharedRows && kernelW > 1}}{{+ $j * dilationW}}{{end}};
                for (int v = 0; v < {{block / 8}}; ++v) {
                    s0[v] = _mm256_add_ps(s0[v], _mm256_loadu_ps(e0 + 8 * v));
                    s1[v] = _mm256_add_ps(s1[v], _mm256_loadu_ps(e1 + 8 * v));
                }
            {{end}}
        }
        for (int v = 0; v < {{block / 8}}; ++v) {
            _mm256_storeu_ps(a0 + 8 * v, s0[v]);
            _mm256_storeu_ps(a1 + 8 * v, s1[v]);
        }
    }
#elif defined({{PREFIX}}_NEON)
    /* Two outputs at a time: {{block / 4}} four-float registers each, kept across the chunk. */
    for (int r = 0; r < {{outputBlock}}; r += 2) {
        float *a0 = acc + (o + r) * {{block}}, *a1 = a0 + {{block}};
        float32x4_t s0[{{block / 4}}], s1[{{block / 4}}];
        for (int v = 0; v < {{block / 4}}; ++v) {
            s0[v] = vld1q_f32(a0 + 4 * v);
            s1[v] = vld1q_f32(a1 + 4 * v);
        }
        for (int qq = 0; qq < nq; ++qq) {
            {{for $j in rowTaps}}
                const float *e0 = {{fn}}_entry(table, {{if taps > 1}}{{$tap0 + $j}}, {{end}}q0 + qq, qq, o + r){{if sharedRows && kernelW > 1}}{{+ $j * dilationW}}{{end}};
                const float *e1 = {{fn}}_entry(table, {{if taps > 1}}{{$tap0 + $j}}, {{end}}q0 + qq, qq, o + r + 1){{if sharedRows && kernelW > 1}}{{+ $j * dilationW}}{{end}};
                for (int v = 0; v < {{block / 4}}; ++v) {
                    s0[v] = vaddq_f32(s0[v], vld1q_f32(e0 + 4 * v));
                    s1[v] = vaddq_f32(s1[v], vld1q_f32(e1 + 4 * v));
                }
            {{end}}
        }
        for (int v = 0; v < {{block / 4}}; ++v) {
            vst1q_f32(a0 + 4 * v, s0[v]);
            vst1q_f32(a1 + 4 * v, s1[v]);
        }
    }
#else
    /* Portable C the compiler vectorises: the block's sums stay in a local array. */
    float a[{{outputBlock}}][{{block}}];
    for (int r = 0; r < {{outputBlock}}; ++r) {
        for (int k = 0; k < {{block}}; ++k) a[r][k] = acc[(o + r) * {{block}} + k];
    }
    for (int qq = 0; qq < nq; ++qq) {
        {{for $j in rowTaps}}
            for (int r = 0; r < {{outputBlock}}; ++r) {
                const float *entry = {{fn}}_entry(table, {{if taps > 1}}{{$tap0 + $j}}, {{end}}q0 + qq, qq, o + r){{if sharedRows && kernelW > 1}}{{+ $j * dilationW}}{{end}};
                for (int k = 0; k < {{block}}; ++k) a[r][k] += entry[k];
            }
        {{end}}
    }
    for (int r = 0; r < {{outputBlock}}; ++r) {
        for (int k = 0; k < {{block}}; ++k) acc[(o + r) * {{block}} + k] = a[r][k];
    }
#endif
}

static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    float *table = (float *)(void *)(scratch + {{tableOffset}});
    float *acc = (float *)(void *)(scratch + {{accOffset}});
    {{dabCall}}
    {{for $by in blockRows}}
        {{for $x0 in blockWidth step block}}
            for (int i = 0; i < {{paddedOutChannels * block}}; ++i) acc[i] = 0.0f;
            {{for $i in kernelH}}
                {{for $tj in tableTaps}}
                    {{for $q0 in quads step chunkQuads}}
                        {{fn}}_tables(signs, scale, {{($by * strideH + $i * dilationH) * planeWidth + $x0 * strideW + $tj * dilationW}}, {{$q0}}, {{chunk}}, table);
                        {{for $ob in paddedOutChannels step outputBlock}}
                            {{fn}}_accumulate(table, {{if taps > 1}}{{$i * kernelW + $tj}}, {{end}}{{$q0}}, {{chunk}}, {{$ob}}, acc);
                        {{end}}
                    {{end}}
                {{end}}
            {{end}}
            {{for $o in outChannels}}
                {{fn}}_store({{if bypass}}{{bypassInput}}, {{end}}acc{{+ $o * block}}, {{$o}}, {{if bypass}}{{$by * blockWidth + $x0}}, {{end}}{{count}}, y{{+ $o * outPixels + $by * blockWidth + $x0}}{{if producesSums}}, lanes{{+ $o * 2 * lanes}}{{end}});
            {{end}}
        {{end}}
    {{end}}
    {{if producesSums}}
    {{for $o in outChannels}}
        y[{{outCount + $o}}] = {{prefix}}_kahan_total(lanes{{+ $o * 2 * lanes}}, lanes{{+ $o * 2 * lanes + lanes}});
    {{end}}
    {{end}}
}
{{if hasTiles}}
#endif
{{end}}
