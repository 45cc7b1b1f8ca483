/* {{title}}: {{rule}} */
static void {{fn}}(const float *x, float *y)
{
    {{enum}}
{{sources}}}
