
/* The bypass source: {{description}} of the DAB's input, channel c, at output pixel (oy, ox). */
static float {{fn}}_bypass_source(const float *x, int c, int oy, int ox)
{
    {{enum}}
    const float *plane = x + c * {{inPixels}};
    {{if direct}}
    return plane[{{$oy * inWidth + $ox}}];
    {{end}}
    {{if nearest}}
    return plane[{{$oy / scale * inWidth + $ox / scale}}];
    {{end}}
    {{if pool}}
    float sum = 0.0f;
    {{for $i in poolKernelH}}
        {{for $j in poolKernelW}}
            {{if poolPadH > 0 || poolPadW > 0}}
            const int iy = {{$oy * poolStrideH + $i - poolPadH}}, ix = {{$ox * poolStrideW + $j - poolPadW}};
            if (iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}}) sum += plane[iy * {{inWidth}} + ix];
            {{else}}
            sum += plane[{{($oy * poolStrideH + $i) * inWidth + $ox * poolStrideW + $j}}];
            {{end}}
        {{end}}
    {{end}}
    return sum / {{poolAreaFloat}}; /* count_include_pad */
    {{end}}
}
