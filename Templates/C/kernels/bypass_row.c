/* The bypass source along output row oy: {{description}} of the DAB's input, channel c, at
 * output pixels (oy, 0) to (oy, {{outWidth - 1}}), into dst. */
static void {{fn}}_bypass_row(const float *x, int c, int oy, float *dst)
{
    {{enum}}
    const float *plane = x{{+ $c * inPixels}};
    {{if nearest}}
    const float *row = plane + {{$oy / scale * inWidth}};
    {{for $ox in outWidth}}
        dst[{{$ox}}] = row[{{$ox / scale}}];
    {{end}}
    {{end}}
    {{if pool && poolPadH == 0 && poolPadW == 0}}
    /* Every window lies inside the input. */
    const float *top = plane + {{$oy * poolStrideH * inWidth}};
    {{for $ox in outWidth}}
        float sum = 0.0f;
        {{for $i in poolKernelH}}
            {{for $j in poolKernelW}}
                sum += top[{{$i * inWidth + $ox * poolStrideW + $j}}];
            {{end}}
        {{end}}
        dst[{{$ox}}] = sum / {{poolAreaFloat}};
    {{end}}
    {{end}}
    {{if clippedPool}}
    /* The window's rows clipped to the input; each column's window clipped where it reaches
     * into the padding (count_include_pad: the divisor stays {{poolArea}}). */
    const int top = {{$oy * poolStrideH - poolPadH}};
    const int i0 = top < 0 ? 0 : top;
    const int i1 = top + {{poolKernelH}} > {{inHeight}} ? {{inHeight}} : top + {{poolKernelH}};
    {{if poolBorder}}
    {{borderColumns}}
    {{end}}
    {{for $k in interiorColumns}}
        float sum = 0.0f;
        for (int iy = i0; iy < i1; ++iy) {
            const float *row = plane + {{$iy * inWidth + ($k + interiorStart) * poolStrideW - poolPadW}};
            {{poolRowSum}}
        }
        dst[{{$k + interiorStart}}] = sum / {{poolAreaFloat}};
    {{end}}
    {{end}}
}
