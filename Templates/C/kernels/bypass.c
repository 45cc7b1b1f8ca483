                {
                    /* Bypass: the mean of src[2] source channels from src[0], src[1] apart. */
                    const int32_t *src = {{table}} + 3 * o;
                    float sum = 0.0f;
                    for (int k = 0; k < src[2]; ++k) sum += {{fn}}_bypass_source(x, src[0] + k * src[1], oy, ox);
                    v += sum / (float)src[2];
                }
