/* {{title}}: the constant is folded at generation time. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $t in pixels}}
        {{for $o in channels}}
            float v = x[{{$t * channels + $o}}] + {{constant}}[{{$t * channels + $o}}];
{{epilogue}}            y[{{$t * channels + $o}}] = v;
        {{end}}
    {{end}}
}
