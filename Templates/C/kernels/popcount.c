/* Set bits of a word by halves, nibbles, then shifted adds: portable C99, which compilers turn
 * into a popcount instruction where there is one and vectorise across outputs. */
static {{unit}} {{prefix}}_popcount({{unit}} w)
{
    w = w - ((w >> 1) & {{ones55}});
    w = (w & {{ones33}}) + ((w >> 2) & {{ones33}});
    w = (w + (w >> 4)) & {{ones0f}};
    w = w + (w >> 8);
    w = w + (w >> 16);
{{if wide}}
    w = w + (w >> 32);
{{end}}
    return w & 0x7f;
}
