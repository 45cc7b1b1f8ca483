{{dabFunction}}
/* AVX-512: tiles of {{tile}} output pixels, {{outputs}} outputs x {{vectors}} sixteen-float registers
 * accumulated together. The tables of a chunk of {{chunk}} quads ({{tableWidth}} floats a row) stay
 * in the L1 cache; the sums of a strip of {{strip}} positions wait in acc between chunks.
 * Tables for quads q0 .. q0+nq-1 over {{tableWidth}} pixels from `row` (a plane offset){{if strideW > 1}},
 * {{strideW}} apart{{end}}: table[quad][entry][pixel], entry bit k set where channel k is +. */
static void {{fn}}_tables(const int8_t *signs, const float *scale, int row, int q0, int nq,
                          float *table)
{
    const __m512 negative = _mm512_set1_ps(-0.0f);
    for (int qq = 0; qq < nq; ++qq) {
        const int8_t *src[4];
        __m512 s[4];
        for (int k = 0; k < 4; ++k) {
            const int c = 4 * (q0 + qq) + k;
            {{if inChannels % 4 != 0}}
            /* Channels past the end are 0: their scale is 0. */
            src[k] = signs + (size_t)(c < {{inChannels}} ? c : 0) * {{planeSize}} + row;
            s[k] = _mm512_set1_ps(c < {{inChannels}} ? scale[c] : 0.0f);
            {{else}}
            src[k] = signs + (size_t)c * {{planeSize}} + row;
            s[k] = _mm512_set1_ps(scale[c]);
            {{end}}
        }
        float *t = table + (size_t)qq * {{16 * tableWidth}};
        {{for $v in tableWidth / 16}}
            __m512 x[4];
            for (int k = 0; k < 4; ++k) {
                {{if strideW == 1}}
                const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src[k]{{+ $v * 16}}));
                {{end}}
                {{if strideW == 2}}
                /* Every other byte: the low bytes of 16-bit lanes. */
                const __m128i b = _mm256_cvtepi16_epi8(
                    _mm256_loadu_si256((const __m256i *)(const void *)(src[k]{{+ $v * 32}})));
                {{end}}
                {{if strideW > 2}}
                int8_t g[16];
                for (int l = 0; l < 16; ++l) g[l] = src[k][{{$v * 16 * strideW}} + l * {{strideW}}];
                const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)g);
                {{end}}
                x[k] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b)), s[k]);
            }
            /* Entry e = low[e & 3] + high[e >> 2], low = {-a, b, -b, a}, high = {-c, d, -d, c}. */
            const __m512 a = _mm512_add_ps(x[0], x[1]), b = _mm512_sub_ps(x[0], x[1]);
            const __m512 c = _mm512_add_ps(x[2], x[3]), d = _mm512_sub_ps(x[2], x[3]);
            const __m512 apc = _mm512_add_ps(a, c), amc = _mm512_sub_ps(a, c);
            const __m512 bpc = _mm512_add_ps(b, c), bmc = _mm512_sub_ps(b, c);
            const __m512 apd = _mm512_add_ps(a, d), amd = _mm512_sub_ps(a, d);
            const __m512 bpd = _mm512_add_ps(b, d), bmd = _mm512_sub_ps(b, d);
            float *r = t{{+ $v * 16}};
            _mm512_store_ps(r, _mm512_xor_ps(apc, negative));
            _mm512_store_ps(r + {{tableWidth}}, bmc);
            _mm512_store_ps(r + {{2 * tableWidth}}, _mm512_xor_ps(bpc, negative));
            _mm512_store_ps(r + {{3 * tableWidth}}, amc);
            _mm512_store_ps(r + {{4 * tableWidth}}, _mm512_xor_ps(amd, negative));
            _mm512_store_ps(r + {{5 * tableWidth}}, bpd);
            _mm512_store_ps(r + {{6 * tableWidth}}, _mm512_xor_ps(bmd, negative));
            _mm512_store_ps(r + {{7 * tableWidth}}, apd);
            _mm512_store_ps(r + {{8 * tableWidth}}, _mm512_xor_ps(apd, negative));
            _mm512_store_ps(r + {{9 * tableWidth}}, bmd);
            _mm512_store_ps(r + {{10 * tableWidth}}, _mm512_xor_ps(bpd, negative));
            _mm512_store_ps(r + {{11 * tableWidth}}, amd);
            _mm512_store_ps(r + {{12 * tableWidth}}, _mm512_xor_ps(amc, negative));
            _mm512_store_ps(r + {{13 * tableWidth}}, bpc);
            _mm512_store_ps(r + {{14 * tableWidth}}, _mm512_xor_ps(bmc, negative));
            _mm512_store_ps(r + {{15 * tableWidth}}, apc);
        {{end}}
    }
}

/* Adds to outputs o .. o+{{outputs - 1}} over one tile the rows their weights pick, for the chunk's nq
 * quads from q0 and the {{tapsPerTable}} tap(s) from kernel tap `tap` that the tables cover. acc holds
 * the outputs' sums, {{strip}} floats apart; `first` starts them from 0. */
static void {{fn}}_block(const float *table, int o, int tap, int q0, int nq, int first,
                         float *acc)
{
    /* The sums, one named register each (an array of them may stay in memory). */
    __m512 {{names}};
    if (first) {
{{zero}}    } else {
{{load}}    }
    {{if pairs}}
    /* Two quads a byte: the low nibble is quad q, the high one quad q + 1, of the same tap. */
    const uint8_t *w = {{weightNibbles}} + (size_t)o * {{nibbleBytes}} + ({{$tap * quads}} + q0) / 2;
    for (int qq = 0; qq < nq; qq += 2, ++w) {
        const float *t0 = table + (size_t)qq * {{16 * tableWidth}};
        const float *t1 = t0 + {{16 * tableWidth}};
        {{for $j in tapsPerTable}}
            const uint8_t *wj = w{{+ $j * halfQuads}};
            const float *u0 = t0{{+ $j * tapShift}}, *u1 = t1{{+ $j * tapShift}};
{{addPairs}}        {{end}}
    }
    {{else}}
    for (int qq = 0; qq < nq; ++qq) {
        const float *t0 = table + (size_t)qq * {{16 * tableWidth}};
        {{for $j in tapsPerTable}}
            const int index = {{($tap + $j) * quads}} + q0 + qq;
            const uint8_t *wj = {{weightNibbles}} + (size_t)o * {{nibbleBytes}} + index / 2;
            const unsigned shift = 4u * (unsigned)(index & 1);
            const float *u0 = t0{{+ $j * tapShift}};
{{addSingles}}        {{end}}
    }
    {{end}}
{{save}}}

/* Every output, {{outputs}} at a time, over one tile; acc holds their sums, {{strip}} floats apart. */
static void {{fn}}_outputs(const float *table, int tap, int q0, int nq, int first, float *acc)
{
    for (int o = 0; o < {{paddedOutChannels}}; o += {{outputs}}) {
        {{fn}}_block(table, o, tap, q0, nq, first, acc + (size_t)o * {{strip}});
    }
}

static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    /* Tables and sums on whole cache lines, wherever the caller's workspace starts. */
    unsigned char *lines = scratch + (64u - (unsigned)((uintptr_t)scratch % 64u)) % 64u;
    float *table = (float *)(void *)(lines + {{tableOffset}});
    float *acc = (float *)(void *)(lines + {{accOffset}});
    {{dabCall}}
    {{if flat}}
    /* Stride 1: the output is walked as one run of positions p = oy * {{planeWidth}} + ox,
     * each reading the planes at p plus the tap's offset. */
    {{end}}
    {{if reuse}}
    /* A row of the planes is a whole number of tiles, so the table built at plane offset t
     * serves kernel row i at position t - i * {{kernelRowStep}}: one table for all kernel rows. */
    for (int xs = 0; xs < {{positions}}; xs += {{strip}}) {
        const int width = {{positions}} - xs < {{strip}} ? {{positions}} - xs : {{strip}};
        for (int q0 = 0; q0 < {{quads}}; q0 += {{chunk}}) {
            const int nq = {{quads}} - q0 < {{chunk}} ? {{quads}} - q0 : {{chunk}};
            for (int t0 = xs; t0 < xs + width{{+ reach}}; t0 += {{tile}}) {
                {{for $tj in tableTaps}}
                    {{fn}}_tables(signs, scale, t0{{+ $tj * dilationW}}, q0, nq, table);
                    {{for $i in kernelH}}
                        {
                            {{if kernelH > 1}}
                            const int x0 = t0 - xs - {{$i * kernelRowStep}};
                            {{else}}
                            const int x0 = t0 - xs;
                            {{end}}
                            if (x0 >= 0 && x0 < width) {
                                {{fn}}_outputs(table, {{$i * kernelW + $tj}}, q0, nq,
                                    {{if kernelH > 1 || tableTaps > 1}}{{$i + $tj}} == 0 && {{end}}q0 == 0, acc + x0);
                            }
                        }
                    {{end}}
                {{end}}
            }
        }
        {{storeStrip}}
    }
    {{else}}
    {{for $by in rows}}
        for (int xs = 0; xs < {{positions}}; xs += {{strip}}) {
            const int width = {{positions}} - xs < {{strip}} ? {{positions}} - xs : {{strip}};
            {{for $i in kernelH}}
                {{for $tj in tableTaps}}
                    for (int q0 = 0; q0 < {{quads}}; q0 += {{chunk}}) {
                        const int nq = {{quads}} - q0 < {{chunk}} ? {{quads}} - q0 : {{chunk}};
                        for (int x0 = 0; x0 < width; x0 += {{tile}}) {
                            const int row = {{$by * rowStep + $i * kernelRowStep}}
                                + (xs + x0){{if strideW > 1}} * {{strideW}}{{end}}{{+ $tj * dilationW}};
                            {{fn}}_tables(signs, scale, row, q0, nq, table);
                            {{fn}}_outputs(table, {{$i * kernelW + $tj}}, q0, nq,
                                {{if kernelH > 1 || tableTaps > 1}}{{$i + $tj}} == 0 && {{end}}q0 == 0, acc + x0);
                        }
                    }
                {{end}}
            {{end}}
            {{storeStrip}}
        }
    {{end}}
    {{end}}
    {{if producesSums}}
    for (int o = 0; o < {{outChannels}}; ++o) {
        y[{{outCount}} + o] = {{prefix}}_kahan_total(lanes + o * {{2 * lanes}},
                                                     lanes + o * {{2 * lanes}} + {{lanes}});
    }
    {{end}}
}
