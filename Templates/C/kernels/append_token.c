/* {{title}}: each row's {{inChannels}} channels, then the token's. */
static void {{fn}}(const float *x, const float *token, float *y)
{
    {{enum}}
    {{for $t in pixels}}
        {{for $o in inChannels}}
            float v = x[{{$t * inChannels + $o}}];
{{epilogue}}            y[{{$t * channels + $o}}] = v;
        {{end}}
        {{for $o in inChannels}}
            float v = token[{{$o}}];
{{epilogueToken}}            y[{{$t * channels + inChannels + $o}}] = v;
        {{end}}
    {{end}}
}
