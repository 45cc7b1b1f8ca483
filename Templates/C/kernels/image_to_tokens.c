/* {{title}}: token r * {{inWidth}} + c holds pixel (r, c)'s channels. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $p in inPixels}}
        {{for $o in channels}}
            float v = x[{{$o * inPixels + $p}}];
{{epilogue}}            y[{{$p * channels + $o}}] = v;
        {{end}}
    {{end}}
}
