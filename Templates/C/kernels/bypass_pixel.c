{{if copiesOnly}}
v += {{fn}}_bypass_source(x, {{copied}}, {{$oy}}, {{$ox}}); /* bypass: a copied channel */
{{else}}
{
    /* Bypass: output channel o is the mean of `count` source channels from `first`, `step`
     * apart: {{copies}} copies, then the merged means. */
    int first = 0, step = 1, count = 1;
    float sum = 0.0f;
    {{selection}}
    for (int j = 0; j < count; ++j) sum += {{fn}}_bypass_source(x, first + j * step, {{$oy}}, {{$ox}});
    v += sum / (float)count;
}
{{end}}
