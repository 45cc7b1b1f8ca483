                {
                    /* Bypass: output channel o is the mean of `count` source channels from
                     * `first`, `step` apart: {{copies}} copies, then the merged means. */
                    int first = 0, step = 1, count = 1;
                    {{sourceChannels}}
                    float sum = 0.0f;
                    for (int k = 0; k < count; ++k) sum += {{fn}}_bypass_source(x, first + k * step, oy, ox);
                    v += sum / (float)count;
                }
