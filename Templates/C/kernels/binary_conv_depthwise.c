/* {{title}}
 * Depthwise: each output reads one input channel, so the DAB scale s of that channel and the
 * weight scale leave the window sum: y = s * a * sum_t(+-sign) (then BN), and the window sum
 * counts sign agreements minus disagreements exactly in {{accType}} lanes. */
{{dabFunction}}
{{store}}
static void {{fn}}(const float *x, float *y, unsigned char *scratch)
{
    {{enum}}
    int8_t *signs = (int8_t *)(void *)scratch;
    float *scale = (float *)(void *)(scratch + {{scaleOffset}});
    {{if producesSums}}
    /* Per output channel, compensated lane sums of the stored values, written after the
     * tensor for the DAB of the next layer. */
    float *lanes = (float *)(void *)(scratch + {{lanesOffset}});
    {{end}}
    {{fn}}_dab(x, signs, scale);
    {{for $o in outChannels}}
        const int8_t *plane = signs{{+ $o * planeSize}};
        const uint8_t *w = {{tapBits}}{{+ $o * tapBytes}};
        {{if producesSums}}
        for (int i = 0; i < {{2 * lanes}}; ++i) lanes[i] = 0.0f;
        {{end}}
        {{for $oy in outHeight}}
            {{accType}} acc[{{outWidth}}];
            float sum[{{outWidth}}];
            {{for $ox in outWidth}}
                acc[{{$ox}}] = 0;
            {{end}}
            {{for $i in kernelH}}
                {{for $j in kernelW}}
                    const int8_t *src = plane{{+ ($oy * strideH + $i * dilationH) * planeWidth + $j * dilationW}};
                    if (w[{{($i * kernelW + $j) / 8}}] >> {{($i * kernelW + $j) % 8}} & 1) {
                        {{for $ox in outWidth}}
                            acc[{{$ox}}] = ({{accType}})(acc[{{$ox}}] + src[{{$ox * strideW}}]);
                        {{end}}
                    } else {
                        {{for $ox in outWidth}}
                            acc[{{$ox}}] = ({{accType}})(acc[{{$ox}}] - src[{{$ox * strideW}}]);
                        {{end}}
                    }
                {{end}}
            {{end}}
            /* The window sum times the channel's DAB scale; the weight scale is in the store. */
            {{for $ox in outWidth}}
                sum[{{$ox}}] = (float)acc[{{$ox}}] * scale[{{$o}}];
            {{end}}
            {{fn}}_store({{if bypass}}x, {{end}}sum, {{$o}}, {{if bypass}}{{$oy * outWidth}}, {{end}}{{outWidth}}, y{{+ $o * outPixels + $oy * outWidth}}{{if producesSums}}, lanes{{end}});
        {{end}}
        {{if producesSums}}
        y[{{outCount + $o}}] = {{prefix}}_kahan_total(lanes, lanes + {{lanes}});
        {{end}}
    {{end}}
}
