/* {{title}} */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in outChannels}}
        const float *w = {{weights}}{{+ $o * weightStride}};
        {{if groups > 1}}
        const float *group = x{{+ $o / outPerGroup * inPerGroup * inPixels}};
        {{else}}
        const float *group = x;
        {{end}}
        {{for $oy in outHeight}}
            {{for $ox in outWidth}}
                float acc = 0.0f;
                {{for $c in inPerGroup}}
                    const float *plane = group{{+ $c * inPixels}};
                    {{for $i in kernelH}}
                        {{for $j in kernelW}}
                            {{if padH > 0 || padW > 0}}
                            const int iy = {{$oy * strideH + $i * dilationH - padH}}, ix = {{$ox * strideW + $j * dilationW - padW}};
                            if (iy >= 0 && iy < {{inHeight}} && ix >= 0 && ix < {{inWidth}}) acc += w[{{($c * kernelH + $i) * kernelW + $j}}] * plane[iy * {{inWidth}} + ix];
                            {{else}}
                            acc += w[{{($c * kernelH + $i) * kernelW + $j}}] * plane[{{($oy * strideH + $i * dilationH) * inWidth + $ox * strideW + $j * dilationW}}];
                            {{end}}
                        {{end}}
                    {{end}}
                {{end}}
                float v = acc + {{bias}}[{{$o}}];
{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
            {{end}}
        {{end}}
    {{end}}
}
