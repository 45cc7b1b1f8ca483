/* {{title}} */
static void {{fn}}(const float *a, const float *b, float *y)
{
    {{enum}}
    {{if tokens}}
    {{for $p in pixels}}
        {{for $o in channels}}
            float v = a[{{$p * channels + $o}}] + b[{{$p * channels + $o}}];
{{epilogue}}            y[{{$p * channels + $o}}] = v;
        {{end}}
    {{end}}
    {{else}}
    {{for $o in channels}}
        {{for $p in pixels}}
            float v = a[{{$o * pixels + $p}}] + b[{{$o * pixels + $p}}];
{{epilogue}}            y[{{$o * pixels + $p}}] = v;
        {{end}}
    {{end}}
    {{end}}
}
