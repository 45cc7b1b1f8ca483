/* {{title}}: out[i] = in[i / {{scale}}]. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        const float *plane = x{{+ $o * inPixels}};
        {{for $oy in outHeight}}
            {{for $ox in outWidth}}
                float v = plane[{{$oy / scale * inWidth + $ox / scale}}];
{{epilogue}}                y[{{$o * outPixels + $oy * outWidth + $ox}}] = v;
            {{end}}
        {{end}}
    {{end}}
}
