{
    /* The channel's compensated running sum, for the next layer's DAB. */
    const float term = v - carry[{{$o}}];
    const float next = sums[{{$o}}] + term;
    carry[{{$o}}] = (next - sums[{{$o}}]) - term;
    sums[{{$o}}] = next;
}
