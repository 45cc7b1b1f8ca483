const uint32_t *r = p{{+ $i * dilationH * planeWidth * words}};
const uint32_t *wr = nw{{+ $i * kernelW * words}};
{{adders}}
