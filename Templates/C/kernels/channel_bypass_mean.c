    /* Output channels {{first}} to {{last}}: each the mean of {{count}} input channels, {{step}} apart. */
    {{for $c in channels}}
        {{for $p in pixels}}
            float sum = 0.0f;
            {{for $k in count}}
            sum += x[{{(start + $c + $k * step) * inPixels + $p}}];
            {{end}}
            float v = sum / {{countFloat}};
{{epilogue}}            y[{{(first + $c) * pixels + $p}}] = v;
        {{end}}
    {{end}}
