/* {{title}}: align_corners, so source = out * (in - 1) / (out - 1). */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        const float *plane = x{{+ $o * inPixels}};
        {{for $oy in outHeight}}
            const float sy = {{scaleY}} * (float){{$oy}};
            const int y0 = (int)sy < {{inHeight - 1}} ? (int)sy : {{inHeight - 1}};
            const int y1 = y0 + 1 < {{inHeight}} ? y0 + 1 : {{inHeight - 1}};
            const float fy = sy - (float)y0;
            {{for $ox in outWidth}}
                const float sx = {{scaleX}} * (float){{$ox}};
                const int x0 = (int)sx < {{inWidth - 1}} ? (int)sx : {{inWidth - 1}};
                const int x1 = x0 + 1 < {{inWidth}} ? x0 + 1 : {{inWidth - 1}};
                const float fx = sx - (float)x0;
                const float top = plane[{{$y0 * inWidth + $x0}}] * (1.0f - fx) + plane[{{$y0 * inWidth + $x1}}] * fx;
                const float bottom = plane[{{$y1 * inWidth + $x0}}] * (1.0f - fx) + plane[{{$y1 * inWidth + $x1}}] * fx;
                float v = top * (1.0f - fy) + bottom * fy;
{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
            {{end}}
        {{end}}
    {{end}}
}
