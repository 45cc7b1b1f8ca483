/* {{title}}: pixel (r, c) of plane o holds channel o of token r * {{outWidth}} + c. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        {{for $p in outPixels}}
            float v = x[{{$p * channels + $o}}];
{{epilogue}}            y[{{$o * outPixels + $p}}] = v;
        {{end}}
    {{end}}
}
