/* {{title}}.
 * Exact, for a 32-bit core: the DAB scale is per input channel, so it stays inside the channel
 * sum. The signs are packed along channels, {{unitsText}} per pixel{{if groups > 1}} and group{{end}}, in {{if groups > 1}}a plane per group{{else}}a plane{{end}} of {{planeHeight}}x{{planeWidth}}{{if padded}} whose border (the zero padding) holds 0 bits{{end}}. Per byte of channels, a table of the 256 signed sums of their scales: entry d holds sum_i (bit i of d ? -s_i : +s_i), so for one output, tap and byte, table[x ^ w] adds 8 exact products (a set bit of x ^ w is a disagreement). {{if transposed}}The kernel is the stride, so each output reads one tap of one input pixel.{{else}}The taps are unrolled with literal offsets and the sum stays in a register{{if padded}}; a tap in the padding added table[w], which the border rows and columns take back out{{end}}.{{end}} */
{{dabFunction}}
{{if sourceRows}}{{bypassRowFunction}}
{{end}}{{if padded}}{{store}}
{{end}}/* The tables {{if groups > 1}}of each group{{else}}of the input channels{{end}}, a byte of channels at a time: {{tableText}}. */
static void {{fn}}_tables(const float *scale, float *table)
{
    {{enum}}
    {{for $g in groups}}
        const float *s = scale{{+ $g * inPerGroup}};
        float *t = table{{+ $g * groupTableFloats}};
        {{tableCalls}}
    {{end}}
}

static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    {{unit}} *plane = ({{unit}} *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    float *table = (float *)(void *)(scratch + {{tableOffset}});
    {{if sumRow}}
    float *sum = (float *)(void *)(scratch + {{sumOffset}});
    {{end}}
    {{if bypassBuffer}}
    float *bypass = (float *)(void *)(scratch + {{bypassOffset}});
    {{end}}
    {{if padded}}
    /* Per output channel, what a tap in the padding added: by tap{{if borderRows}}, by kernel row{{end}}{{if borderColumns}}, by kernel column{{end}}{{if borderRows && borderColumns}}, and the columns left once a border row's kernel rows are out{{end}}. */
    float *pad = (float *)(void *)(scratch + {{padOffset}});
    {{if borderRows}}
    float *padRow = pad + {{taps}};
    {{end}}
    {{if borderColumns}}
    float *padColumn = pad + {{taps + kernelH}};
    {{end}}
    {{if borderRows && borderColumns}}
    float *adjust = padColumn + {{kernelW}};
    {{end}}
    {{end}}
    {{fn}}_dab(x, plane, scale);
    {{if transposed}}
    /* Transposed, the weight scale is per input channel: it joins the DAB scale. */
    for (int c = 0; c < {{inChannels}}; ++c) scale[c] = scale[c] * {{weightScale}}[c];
    {{end}}
    {{fn}}_tables(scale, table);
    {{for $o in outChannels}}
        const {{unit}} *w = {{weights}}{{+ $o * weightStride}};
        {{if groups > 1}}
        const {{unit}} *group = plane{{+ $o / outPerGroup * groupUnits}};
        const float *tg = table{{+ $o / outPerGroup * groupTableFloats}};
        {{else}}
        const {{unit}} *group = plane;
        const float *tg = table;
        {{end}}
        {{if hasTablePointers}}
        /* A pointer per unit{{if threeByteUnits}} (or byte){{end}}, so that the offsets of the lookups fit their loads. */
        {{tablePointers}}
        {{end}}
        {{if padded}}
        /* What each tap adds where it lies in the padding: its 0 bits look up table[w]. */
        {{for $t in taps}}
            const {{unit}} *wt = w{{+ $t * unitsPerPixel}};
            {{padTap}}
            pad[{{$t}}] = added;
        {{end}}
        {{if borderRows}}
        {{for $i in kernelH}}
            padRow[{{$i}}] = 0.0f;
            {{for $j in kernelW}}
                padRow[{{$i}}] += pad[{{$i * kernelW + $j}}];
            {{end}}
        {{end}}
        {{end}}
        {{if borderColumns}}
        {{for $j in kernelW}}
            padColumn[{{$j}}] = 0.0f;
            {{for $i in kernelH}}
                padColumn[{{$j}}] += pad[{{$i * kernelW + $j}}];
            {{end}}
        {{end}}
        {{end}}
        {{else}}
        /* No padding to take out: each sum goes straight to its store, in registers. */
        const float m = {{multiplier}}[{{$o}}], a = {{offset}}[{{$o}}];
        {{if bypass && !copiesOnly}}
        /* Bypass: output channel o is the mean of `count` source channels from `first`, `step`
         * apart ({{if copies > 0}}{{copies}} copies, then {{end}}the merged means). */
        int first = 0, step = 1, count = 1;
        {{selection}}
        {{end}}
        {{end}}
        {{for $oy in outHeight}}
            float *out = y{{+ $o * outPixels + $oy * outWidth}};
            {{if fusedStore && (inputRows || tapPixel)}}
            {{if copiesOnly}}
            /* The bypass: {{if tapPixel}}nearest upsampling by the stride, so each output reads the input pixel its tap comes from{{else}}the input at the same pixels{{end}}. */
            {{if identityBypass}}
            const float *brow = x{{+ $o * inPixels + $oy / bypassRowScale * inWidth}};
            {{else}}
            const float *brow = x{{+ $o % inChannels * inPixels + $oy / bypassRowScale * inWidth}};
            {{end}}
            {{else}}
            /* The bypass row: {{if tapPixel}}nearest upsampling by the stride, so each output reads the input pixel its tap comes from: {{end}}the input row itself, or the mean of several channels'. */
            const float *brow = x{{+ $first * inPixels + $oy / bypassRowScale * inWidth}};
            if (count > 1) {
                {{for $k in inWidth}}
                    bypass[{{$k}}] = brow[{{$k}}];
                {{end}}
                for (int j = 1; j < count; ++j) {
                    const float *src = brow{{+ $j * $step * inPixels}};
                    {{for $k in inWidth}}
                        bypass[{{$k}}] += src[{{$k}}];
                    {{end}}
                }
                {{for $k in inWidth}}
                    bypass[{{$k}}] = bypass[{{$k}}] / (float)count;
                {{end}}
                brow = bypass;
            }
            {{end}}
            {{end}}
            {{if sourceRows && fusedStore}}
            /* The bypass row: {{if copiesOnly}}the source's row of channel {{copied}}{{else}}the source's row of each channel, added up, then the mean{{end}}. */
            {{if copiesOnly}}
            {{fn}}_bypass_row(x, {{copied}}, {{$oy}}, bypass);
            {{else}}
            {{fn}}_bypass_row(x, first, {{$oy}}, bypass);
            for (int j = 1; j < count; ++j) {
                {{fn}}_bypass_row(x, first + j * step, {{$oy}}, sum);
                {{for $k in outWidth}}
                    bypass[{{$k}}] += sum[{{$k}}];
                {{end}}
            }
            if (count > 1) {
                {{for $k in outWidth}}
                    bypass[{{$k}}] = bypass[{{$k}}] / (float)count;
                {{end}}
            }
            {{end}}
            const float *brow = bypass;
            {{end}}
            {{if transposed}}
            /* Input row {{$oy / strideH}}, kernel row {{$oy % strideH}}: each input pixel gives {{kernelW}} outputs, a tap each. */
            const {{unit}} *row = group{{+ $oy / strideH * planeWidth * unitsPerPixel}};
            const {{unit}} *wr = w{{+ $oy % strideH * kernelW * unitsPerPixel}};
            {{for $ix in inWidth}}
                const {{unit}} *p = row{{+ $ix * unitsPerPixel}};
                {{transposedPixel}}
            {{end}}
            {{else}}
            const {{unit}} *row = group{{+ $oy * strideH * planeWidth * unitsPerPixel}};
            {{for $ox in outWidth}}
                const {{unit}} *p = row{{+ $ox * strideW * unitsPerPixel}};
                {{pixel}}
                {{if fusedStore}}
                float v = acc * m + a;
                {{if bypass}}
                v += brow[{{$ox}}];
                {{end}}
{{epilogue}}                out[{{$ox}}] = v;
                {{else}}
                sum[{{$ox}}] = acc;
                {{end}}
            {{end}}
            {{end}}
            {{if padded}}
            /* Take out what the taps in the padding added: {{if borderRows}}whole kernel rows above or below the input{{end}}{{if borderRows && borderColumns}}, then, in the other rows, {{end}}{{if borderColumns}}the kernel columns left or right of it{{end}}. */
            {{if borderRows && borderColumns}}
            const float *columns = padColumn;
            {{end}}
            {{if borderRows}}
            {{borderRowTest}}
                float rowPad = 0.0f;
                {{if borderColumns}}
                {{for $j in kernelW}}
                    adjust[{{$j}}] = padColumn[{{$j}}];
                {{end}}
                {{end}}
                {{for $i in kernelH}}
                    const int iy = {{$oy * strideH + $i * dilationH - padH}};
                    if (iy < 0 || iy >= {{inHeight}}) {
                        rowPad += padRow[{{$i}}];
                        {{if borderColumns}}
                        {{for $j in kernelW}}
                            adjust[{{$j}}] -= pad[{{$i * kernelW + $j}}];
                        {{end}}
                        {{end}}
                    }
                {{end}}
                {{for $ox in outWidth}}
                    sum[{{$ox}}] -= rowPad;
                {{end}}
                {{if borderColumns}}
                columns = adjust;
                {{end}}
            }
            {{end}}
            {{if borderColumns}}
            {{columnCorrections}}
            {{end}}
            {{fn}}_store({{if bypass}}x, {{end}}sum, {{$o}}, {{if bypass}}{{$oy}}, {{end}}out);
            {{end}}
        {{end}}
        {{if producesSums}}
        /* The channel's compensated sum, after the tensor, for the DAB of the next layer. */
        y[{{outCount + $o}}] = {{prefix}}_compensated_sum(y{{+ $o * outPixels}}, {{outPixels}}, 0.0f, 0);
        {{end}}
    {{end}}
}
