/* {{title}} */
static void {{fn}}(const float *a, const float *b, float *y)
{
    {{enum}}
    {{for $o in channels}}
        {{for $p in pixels}}
            float v = a[{{$o * pixels + $p}}] + b[{{$o * pixels + $p}}];
{{epilogue}}            y[{{$o * pixels + $p}}] = v;
        {{end}}
    {{end}}
}
