for (int l = 0; l < 4 && {{$g + $l}} < {{channelsInWord}}; ++l) {
    const int o = {{$u * 32 + $g + $l}};
    /* The window sum times the channel's DAB scale; the weight scale is in the multiplier. */
    const float sum = (float)(2 * (int)(q >> 8 * l & 255u) - valid) * scale[o];
    float v = sum * {{multiplier}}[o] + {{offset}}[o];
    {{if bypass}}
    v += xs[{{($g + $l) * inPixels}}];
    {{end}}
{{laneEpilogue}}    ys[{{($g + $l) * outPixels}}] = v;
}
