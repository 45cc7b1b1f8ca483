/* DAB of {{fnComment}}: per input channel c, tau = k*mean(x) + b, the sign of x - tau
 * (sign(0) = +1) and the scale s = exp(alpha*(mean|x - tau| - 1)). {{layout}} */
static void {{fn}}_dab(const float *x, {{outType}} *out, float *scale{{if mergesBypass}}, float *merged{{end}})
{
    {{enum}}
    {{if !floats && !signs}}
    {{if outCount == 1}}
    out[0] = 0;
    {{else}}
    for (int i = 0; i < {{outCount}}; ++i) out[i] = 0;
    {{end}}
    {{end}}
    {{for $c in inChannels}}
        const float *plane = x{{+ $c * inPixels}};
        {{if readsSums}}
        /* The producer summed each channel as it stored it, right after the tensor. */
        const float mean = x[{{inCount + $c}}] / {{inPixelsFloat}};
        {{else}}
        const float mean = {{prefix}}_compensated_sum(plane, {{inPixels}}, 0.0f, 0) / {{inPixelsFloat}};
        {{end}}
        const float km = {{dab}}[{{inChannels + $c}}] * mean; /* apart, so no FMA contracts it */
        const float tau = km + {{dab}}[{{2 * inChannels + $c}}];
        {{if signs}}
        /* Signs as int8 +1/-1 in a plane with a zero border, so windows need no bounds checks:
         * the border, and any rows below the input, zeroed first. */
        int8_t *whole = out{{+ $c * planeSize}};
        {{if padTop > 0}}
        for (int i = 0; i < {{padTop * planeWidth}}; ++i) whole[i] = 0;
        {{end}}
        {{if padLeft > 0 || planeWidth > padLeft + signWidth}}
        {{for $iy in signHeight}}
            {{for $ix in padLeft}}
                whole[{{(padTop + $iy) * planeWidth + $ix}}] = 0;
            {{end}}
            {{for $ix in planeWidth - padLeft - signWidth}}
                whole[{{(padTop + $iy) * planeWidth + padLeft + signWidth + $ix}}] = 0;
            {{end}}
        {{end}}
        {{end}}
        {{if planeHeight > padTop + signHeight}}
        for (int i = {{(padTop + signHeight) * planeWidth}}; i < {{planeSize}}; ++i) whole[i] = 0;
        {{end}}
        int8_t *dst = whole{{+ padTop * planeWidth + padLeft}};
        {{if wide}}
#if defined({{PREFIX}}_AVX512)
        /* The spread and the signs in one read, row by row. */
        float sum[{{lanes}}], carry[{{lanes}}];
        for (int k = 0; k < {{lanes}}; ++k) sum[k] = carry[k] = 0.0f;
        {{for $iy in signHeight}}
            {{prefix}}_kahan_wide(sum, carry, plane{{+ $iy * signWidth}}, {{signWidth}}, tau, 1,
                dst{{+ $iy * planeWidth}});
        {{end}}
        const float spread = {{prefix}}_kahan_total(sum, carry) / {{inPixelsFloat}} - 1.0f;
        scale[{{$c}}] = expf({{dab}}[{{$c}}] * spread);
#else
        {{end}}
        const float spread = {{prefix}}_compensated_sum(plane, {{inPixels}}, tau, 1) / {{inPixelsFloat}} - 1.0f;
        scale[{{$c}}] = expf({{dab}}[{{$c}}] * spread);
        {{for $iy in signHeight}}
            {{for $ix in signWidth}}
                dst[{{$iy * planeWidth + $ix}}] = (int8_t)(plane[{{$iy * signWidth + $ix}}] >= tau ? 1 : -1);
            {{end}}
        {{end}}
        {{if wide}}
#endif
        {{end}}
        {{if mergesBypass}}
        {
            /* The bypass while the channel is at hand: output channel j is the mean of its input
             * channels, added in channel order from 0 and divided after the last. */
            const int j = {{$c}} < {{mergeRegular}} ? {{$c}} % {{mergeStrided}} : {{mergeStrided}};
            float *mean = merged{{+ $j * inPixels}};
            if ({{$c}} == (j < {{mergeStrided}} ? j : {{mergeRegular}})) {
                {{for $p in inPixels}}
                    mean[{{$p}}] = 0.0f + plane[{{$p}}];
                {{end}}
            } else {
                {{for $p in inPixels}}
                    mean[{{$p}}] += plane[{{$p}}];
                {{end}}
            }
            if ({{$c}} == (j < {{mergeStrided}} ? j + {{mergeRegular - mergeStrided}} : {{inChannels - 1}})) {
                const float count = j < {{mergeStrided}} ? {{mergeCountFloat}} : {{lastCountFloat}};
                {{for $p in inPixels}}
                    mean[{{$p}}] = mean[{{$p}}] / count;
                {{end}}
            }
        }
        {{end}}
        {{else}}
        const float spread = {{prefix}}_compensated_sum(plane, {{inPixels}}, tau, 1) / {{inPixelsFloat}} - 1.0f;
        const float s = expf({{dab}}[{{$c}}] * spread);
        scale[{{$c}}] = s;
        {{end}}
        {{if floats}}
        float *dst = out{{+ $c * inPixels}};
        {{for $p in inPixels}}
            dst[{{$p}}] = plane[{{$p}}] >= tau ? s : -s;
        {{end}}
        {{end}}
        {{if bits}}
        {{if groups == 1 && inChannels <= unitBits}}
        {{outType}} *dst = out;
        const {{outType}} bit = ({{outType}})(({{outType}})1 << {{$c}});
        {{else}}
        {{if groups == 1}}
        {{outType}} *dst = out{{+ $c / unitBits}};
        const {{outType}} bit = ({{outType}})(({{outType}})1 << {{$c % unitBits}});
        {{else}}
        {{outType}} *dst = out{{+ $c / inPerGroup * unitsPerGroup + $c % inPerGroup / unitBits}};
        const {{outType}} bit = ({{outType}})(({{outType}})1 << {{$c % inPerGroup % unitBits}});
        {{end}}
        {{end}}
        {{for $p in inPixels}}
            if (plane[{{$p}}] >= tau) dst[{{$p * unitsPerPixel}}] |= bit;
        {{end}}
        {{end}}
        {{if planes}}
        {{outType}} *dst = {{planeDestination}};
        const {{outType}} bit = ({{outType}})(({{outType}})1 << {{planeBit}});
        {{for $iy in signHeight}}
            {{for $ix in signWidth}}
                if (plane[{{$iy * inWidth + $ix}}] >= tau) dst[{{($iy * planeWidth + $ix) * unitsPerPixel}}] |= bit;
            {{end}}
        {{end}}
        {{end}}
    {{end}}
}
