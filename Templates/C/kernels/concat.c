/* {{title}} */
static void {{fn}}({{parameters}})
{
    {{enum}}
{{parts}}}
