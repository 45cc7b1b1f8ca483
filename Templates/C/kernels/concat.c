/* {{title}} */
static void {{fn}}({{parameters}})
{
    (void)scratch;
{{parts}}}
