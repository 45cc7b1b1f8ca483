    for (int o = {{first}}; o < {{end}}; ++o) { /* channels of {{source}} */
        const float *src = {{input}} + (size_t)(o - {{first}}) * {{pixels}};
        for (int p = 0; p < {{pixels}}; ++p) {
            float v = src[p];
{{epilogue}}            y[(size_t)o * {{pixels}} + p] = v;
        }
    }
