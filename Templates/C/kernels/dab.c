/* DAB of {{fnComment}}: per input channel c, tau = k*mean(x) + b, the sign of x - tau
 * (sign(0) = +1) and the scale s = exp(alpha*(mean|x - tau| - 1)). {{layout}} */
static void {{fn}}_dab(const float *x, {{outType}} *out, float *scale)
{
{{^floats}}
    for (int i = 0; i < {{outCount}}; ++i) out[i] = 0;
{{/floats}}
    for (int c = 0; c < {{inChannels}}; ++c) {
        const float *plane = x + (size_t)c * {{inPixels}};
{{#readsSums}}
        /* The producer summed each channel as it stored it, right after the tensor. */
        const float mean = x[{{inCount}} + c] / {{inPixelsFloat}};
{{/readsSums}}
{{^readsSums}}
        const float mean = {{prefix}}_compensated_sum(plane, {{inPixels}}, 0.0f, 0) / {{inPixelsFloat}};
{{/readsSums}}
        const float km = {{dab}}[{{inChannels}} + c] * mean; /* apart, so no FMA contracts it */
        const float tau = km + {{dab}}[{{twoInChannels}} + c];
        const float spread = {{prefix}}_compensated_sum(plane, {{inPixels}}, tau, 1) / {{inPixelsFloat}} - 1.0f;
        const float s = expf({{dab}}[c] * spread);
        scale[c] = s;
{{#signs}}
        /* Signs as int8 +1/-1 in a plane with a zero border, so windows need no bounds checks. */
        int8_t *dst = out + (size_t)c * {{planeSize}} + {{padTop}} * {{paddedWidth}} + {{padLeft}};
        for (int iy = 0; iy < {{inHeight}}; ++iy) {
            for (int ix = 0; ix < {{inWidth}}; ++ix) {
                dst[iy * {{paddedWidth}} + ix] = (int8_t)(plane[iy * {{inWidth}} + ix] >= tau ? 1 : -1);
            }
        }
{{/signs}}
{{#floats}}
        float *dst = out + (size_t)c * {{inPixels}};
        for (int p = 0; p < {{inPixels}}; ++p) dst[p] = plane[p] >= tau ? s : -s;
{{/floats}}
{{#bits}}
        {{outType}} *dst = out + (c / {{inPerGroup}}) * {{unitsPerGroup}} + (c % {{inPerGroup}}) / {{unitBits}};
        const {{outType}} bit = ({{outType}})(({{outType}})1 << ((c % {{inPerGroup}}) % {{unitBits}}));
        for (int p = 0; p < {{inPixels}}; ++p) {
            if (plane[p] >= tau) dst[(size_t)p * {{unitsPerPixel}}] |= bit;
        }
{{/bits}}
    }
}
