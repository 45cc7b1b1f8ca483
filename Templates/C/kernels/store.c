/* Stores n outputs of channel o from output pixel p0 on: the folded BatchNorm (acc * m + a),
 * {{if bypass}}the bypass, {{end}}the epilogue{{if producesSums}}, and, for the next DAB, the channel's running sums{{end}}.
 * One pass per step, each a plain loop over the pixels, so the compiler vectorises them. */
static void {{fn}}_store({{if bypass}}const float *x, {{end}}const float *acc, int o, {{if bypass}}int p0, {{end}}int n, float *out{{if producesSums}}, float *lanes{{end}})
{
    {{enum}}
    const float m = {{multiplier}}[o], a = {{offset}}[o];
{{directBypass}}    for (int k = 0; k < n; ++k) {
        float v = acc[k] * m + a;
{{bypassTerm}}{{epilogue}}        out[k] = v;
    }
    {{if producesSums}}
    {{prefix}}_kahan_add(lanes, lanes + {{lanes}}, out, n, 0.0f, 0);
    {{end}}
}
