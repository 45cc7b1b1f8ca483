/* {{title}} */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{if tokens}}
    {{for $p in pixels}}
        {{for $o in channels}}
            float v = x[{{$p * channels + $o}}];
{{epilogue}}            y[{{$p * channels + $o}}] = v;
        {{end}}
    {{end}}
    {{else}}
    {{for $o in channels}}
        {{for $p in pixels}}
            float v = x[{{$o * pixels + $p}}];
{{epilogue}}            y[{{$o * pixels + $p}}] = v;
        {{end}}
    {{end}}
    {{end}}
}
