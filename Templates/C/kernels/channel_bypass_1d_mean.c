{{for $g in groups}}
    {
        float v = 0.0f;
        for (int k = 0; k < {{count}}; ++k) v += row[{{start + $g * count}} + k];
        v = v / {{countFloat}};
{{epilogue}}        out[{{first + $g}}] = v;
    }
{{end}}
