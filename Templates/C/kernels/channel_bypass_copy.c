    /* Output channels {{first}} to {{last}}: a copy of the input. */
    {{for $c in channels}}
        {{for $p in pixels}}
            float v = x[{{$c * inPixels + $p}}];
{{epilogue}}            y[{{(first + $c) * pixels + $p}}] = v;
        {{end}}
    {{end}}
