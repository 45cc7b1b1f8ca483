/* Stores n outputs of channel o from output pixel p0 on: the folded BatchNorm (acc * m + a),
 * {{if bypass}}the bypass, {{end}}the epilogue{{if producesSums}}, and, for the next DAB, the channel's running sums{{end}}.
 * One pass per step, each a plain loop over the pixels, so the compiler vectorises them. */
static void {{fn}}_store({{if bypass}}const float *restrict x, {{end}}const float *restrict acc, int o,
        {{if bypass}}int p0, {{end}}int n, float *restrict out{{if producesSums}}, float *restrict lanes{{end}})
{
    {{enum}}
    const float m = {{multiplier}}[o], a = {{offset}}[o];
    {{if keep}}
    float kept[{{storeBlock}}];
    {{end}}
{{directBypass}}    for (int k = 0; k < n; ++k) {
        float v = acc[k] * m + a;
{{bypassTerm}}{{epilogue}}        {{if !stream}}out[k] = v;{{end}}{{if keep}}{{if !stream}} {{end}}kept[k] = v;{{end}}
    }
    {{if stream}}
    /* A large output: written past the caches where it is aligned (on the AVX-512 path),
     * instead of fetching every line it overwrites. */
    int k = 0;
#if defined({{PREFIX}}_AVX512)
    if ((uintptr_t)out % 64 == 0) {
        for (; k + 16 <= n; k += 16) _mm512_stream_ps(out + k, _mm512_loadu_ps(kept + k));
    }
#endif
    for (; k < n; ++k) out[k] = kept[k];
    {{end}}
    {{if producesSums}}
    /* Summed from a copy on the stack: reading back the output just stored would wait for
     * its cache lines to arrive. */
    {{prefix}}_kahan_add(lanes, lanes + {{lanes}}, kept, n, 0.0f, 0);
    {{end}}
}
