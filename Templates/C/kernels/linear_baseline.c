/* {{title}}
 * Float32 baseline: each row's signs as floats{{if hasMove}} (after the move){{end}}, times the weights as floats
 * (+-scale or 0, stored [input][output]), four rows at a time, then the bias{{if hasEpilogue}} and the epilogue{{end}}. */
static void {{fn}}({{parameters}})
{
    {{enum}}
    float *rows = (float *)(void *)scratch;
    float *acc = rows + {{4 * inFeatures}};
    for (int t0 = 0; t0 < {{tokens}}; t0 += 4) {
        const int n = {{tokens}} - t0 < 4 ? {{tokens}} - t0 : 4;
        for (int b = 0; b < n; ++b) {
            for (int c = 0; c < {{inFeatures}}; ++c) {
                const float s = x[(t0 + b) * {{inFeatures}} + c]{{if hasMove}} + {{move}}[c]{{end}};
                rows[b * {{inFeatures}} + c] = s > 0.0f ? 1.0f : (s < 0.0f ? -1.0f : 0.0f);
            }
        }
        for (int k = 0; k < {{4 * outFeatures}}; ++k) acc[k] = 0.0f;
        for (int c = 0; c < {{inFeatures}}; ++c) {
            const float *w = {{weights}} + c * {{outFeatures}};
            for (int b = 0; b < n; ++b) {
                const float s = rows[b * {{inFeatures}} + c];
                float *a = acc + b * {{outFeatures}};
                for (int o = 0; o < {{outFeatures}}; ++o) a[o] += s * w[o];
            }
        }
        for (int b = 0; b < n; ++b) {
            const int t = t0 + b;
            for (int o = 0; o < {{outFeatures}}; ++o) {
                float v = acc[b * {{outFeatures}} + o] + {{bias}}[o];
{{epilogue}}                y[t * {{outFeatures}} + o] = v;
            }
        }
    }
}
