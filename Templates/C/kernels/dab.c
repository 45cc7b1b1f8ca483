/* DAB of {{fnComment}}: per input channel c, tau = k*mean(x) + b, the sign of x - tau
 * (sign(0) = +1) and the scale s = exp(alpha*(mean|x - tau| - 1)). {{layout}} */
static void {{fn}}_dab(const float *x, {{outType}} *out, float *scale)
{
    {{enum}}
    {{if !floats}}
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
        const float spread = {{prefix}}_compensated_sum(plane, {{inPixels}}, tau, 1) / {{inPixelsFloat}} - 1.0f;
        const float s = expf({{dab}}[{{$c}}] * spread);
        scale[{{$c}}] = s;
        {{if signs}}
        /* Signs as int8 +1/-1 in a plane with a zero border, so windows need no bounds checks. */
        int8_t *dst = out{{+ $c * planeSize + padTop * planeWidth + padLeft}};
        {{for $iy in signHeight}}
            {{for $ix in signWidth}}
                dst[{{$iy * planeWidth + $ix}}] = (int8_t)(plane[{{$iy * signWidth + $ix}}] >= tau ? 1 : -1);
            {{end}}
        {{end}}
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
