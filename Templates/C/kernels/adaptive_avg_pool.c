/* {{title}}: bin i spans floor(i*in/out) to ceil((i+1)*in/out). */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        const float *plane = x{{+ $o * inPixels}};
        {{for $oy in outHeight}}
            const int y0 = {{$oy * inHeight / outHeight}};
            const int y1 = {{(($oy + 1) * inHeight + outHeight - 1) / outHeight}};
            {{for $ox in outWidth}}
                const int x0 = {{$ox * inWidth / outWidth}};
                const int x1 = {{(($ox + 1) * inWidth + outWidth - 1) / outWidth}};
                float sum = 0.0f;
                for (int iy = y0; iy < y1; ++iy) {
                    for (int ix = x0; ix < x1; ++ix) sum += plane[{{$iy * inWidth + $ix}}];
                }
                float v = sum / (float)((y1 - y0) * (x1 - x0));
{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
            {{end}}
        {{end}}
    {{end}}
}
