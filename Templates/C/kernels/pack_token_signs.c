{
    /* The signs of the values, packed for their readers{{if outSegments > 1}}, {{outSegment}} at a time{{end}}. */
    {{unit}} *yr = y{{+ $t * outRowStride}};
    for (int k = 0; k < {{outRowStride}}; ++k) yr[k] = 0;
    {{for $s in outSegments}}
        {{prefix}}_pack_signs(values{{+ $s * outSegment}}, {{outSegment}}, 0, yr{{+ $s * outSegmentWords}}, {{outRowWords}});
    {{end}}
}
