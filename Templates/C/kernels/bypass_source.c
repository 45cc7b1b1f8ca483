
/* The bypass source: {{description}} of the DAB's input, channel c, at output pixel (oy, ox). */
static float {{fn}}_bypass_source(const float *x, int c, int oy, int ox)
{
    const float *plane = x + (size_t)c * {{inPixels}};
{{#direct}}
    return plane[oy * {{inWidth}} + ox];
{{/direct}}
{{#nearest}}
    return plane[(oy / {{scale}}) * {{inWidth}} + ox / {{scale}}];
{{/nearest}}
{{#pool}}
    float sum = 0.0f;
    for (int i = 0; i < {{poolKernelH}}; ++i) {
        const int iy = oy * {{poolStrideH}} - {{poolPadH}} + i;
        if (iy < 0 || iy >= {{inHeight}}) continue;
        for (int j = 0; j < {{poolKernelW}}; ++j) {
            const int ix = ox * {{poolStrideW}} - {{poolPadW}} + j;
            if (ix < 0 || ix >= {{inWidth}}) continue;
            sum += plane[iy * {{inWidth}} + ix];
        }
    }
    return sum / {{poolAreaFloat}}; /* count_include_pad */
{{/pool}}
}
