{{if copiesOnly}}
/* Bypass: output channel o copies input channel {{copied}}, read as a row. */
{{if identityBypass}}
const float *bypass = x{{+ $o * inPixels + $p0}};
{{else}}
const float *bypass = x{{+ $o % inChannels * inPixels + $p0}};
{{end}}
{{else}}
/* Bypass: output channel o is the mean of `count` input channels from `first`, `step`
 * apart ({{copies}} copies, then the merged means), read as rows. */
float bypass[{{storeBlock}}];
int first = 0, step = 1, count = 1;
{{selection}}
for (int k = 0; k < n; ++k) bypass[k] = 0.0f;
for (int j = 0; j < count; ++j) {
    const float *src = x{{+ ($first + $j * $step) * inPixels + $p0}};
    for (int k = 0; k < n; ++k) bypass[k] += src[k];
}
{{if copies > 0}}
if (count > 1) { /* a copied channel needs no division */
    for (int k = 0; k < n; ++k) bypass[k] = bypass[k] / (float)count;
}
{{else}}
for (int k = 0; k < n; ++k) bypass[k] = bypass[k] / (float)count;
{{end}}
{{end}}
