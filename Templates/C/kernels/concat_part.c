    /* Channels {{first}} to {{last}}: {{source}}. */
    {{for $c in channels}}
        {{for $p in pixels}}
            float v = {{input}}[{{$c * pixels + $p}}];
{{epilogue}}            y[{{(first + $c) * pixels + $p}}] = v;
        {{end}}
    {{end}}
