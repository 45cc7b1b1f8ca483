{{if oneSegment}}
const int shift = {{$column % wordBits}};
{{unit}} *word = yr + {{$column / wordBits}};
{{else}}
const int shift = {{$column % segment % wordBits}};
{{unit}} *word = yr + {{$column / segment * segmentWords + $column % segment / wordBits}};
{{end}}
{{if geluSign}}
/* sign(GELU(v)) from v: GELU is -0 at and below {{threshold}} (erf rounds to -1 there). */
const float half = v * 0.5f;
const int negative = half < 0.0f && v > {{threshold}};
const int nonzero = half > 0.0f || negative;
{{else}}
const int negative = v < 0.0f;
const int nonzero = v > 0.0f || negative;
{{end}}
/* Without branches: the signs are as good as random. */
word[0] |= ({{unit}})nonzero << shift;
word[{{segmentRowWords}}] |= ({{unit}})negative << shift;
