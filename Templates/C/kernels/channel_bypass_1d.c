/* {{title}}: channel_adaptive_bypass_1d, {{rule}}; each mean a sum in order, then one division. */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
    {{for $t in pixels}}
        const float *row = x{{+ $t * inChannels}};
        float *out = y{{+ $t * channels}};
{{runs}}    {{end}}
}
