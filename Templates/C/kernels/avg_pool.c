/* {{title}}: count_include_pad, so every window divides by {{area}}. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        const float *plane = x{{+ $o * inPixels}};
        {{for $oy in outHeight}}
            {{for $ox in outWidth}}
                float sum = 0.0f;
                {{for $i in kernelH}}
                    {{for $j in kernelW}}
                        {{if padH > 0 || padW > 0}}
                        const int iy = {{$oy * strideH + $i - padH}}, ix = {{$ox * strideW + $j - padW}};
                        if (iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}}) sum += plane[iy * {{inWidth}} + ix];
                        {{else}}
                        sum += plane[{{($oy * strideH + $i) * inWidth + $ox * strideW + $j}}];
                        {{end}}
                    {{end}}
                {{end}}
                float v = sum / {{areaFloat}};
{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
            {{end}}
        {{end}}
    {{end}}
}
