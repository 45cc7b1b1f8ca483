/* {{title}} */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $o in channels}}
        {{for $p in pixels}}
            float v = x[{{$o * pixels + $p}}];
{{epilogue}}            y[{{$o * pixels + $p}}] = v;
        {{end}}
    {{end}}
}
