{{if gaps}}
/* Store the positions that are pixels: row by row, up to the output width. */
for (int p = xs; p < xs + width;) {
    const int oy = p / {{planeWidth}}, ox = p % {{planeWidth}};
    const int end = (oy + 1) * {{planeWidth}}, next = end < xs + width ? end : xs + width;
    if (ox < {{outWidth}}) {
        const int n = (next - p < {{outWidth}} - ox ? next - p : {{outWidth}} - ox);
        const int p0 = oy * {{outWidth}} + ox;
        for (int o = 0; o < {{outChannels}}; ++o) {
            {{fn}}_store({{if bypass}}{{bypassInput}}, {{end}}acc{{+ $o * strip}} + (p - xs), o,
                {{if bypass}}p0, {{end}}n, y{{+ $o * outPixels}} + p0{{if producesSums}},
                lanes + o * {{2 * lanes}}{{end}});
        }
    }
    p = next;
}
{{else}}
const int p0 = {{if rows > 1}}{{$by * positions}} + {{end}}xs;
for (int o = 0; o < {{outChannels}}; ++o) {
    {{fn}}_store({{if bypass}}{{bypassInput}}, {{end}}acc{{+ $o * strip}}, o,
        {{if bypass}}p0, {{end}}width, y{{+ $o * outPixels}} + p0{{if producesSums}},
        lanes + o * {{2 * lanes}}{{end}});
}
{{end}}
