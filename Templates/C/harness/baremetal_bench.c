/* Bare-metal benchmark harness for {{prefix}} (Cortex-M, semihosting): runs the model
 * {{runs}} times on a fixed pseudo-random input and prints, per run, the SysTick ticks of every
 * fused node (between consecutive trace calls) and of the whole call, as lines
 * "run R node I TICKS" and "run R total TICKS". Under QEMU -icount these count instructions. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "{{prefix}}.h"

#define NODES {{nodes}}

static float input[{{PREFIX}}_INPUT_SIZE];
static float output[{{PREFIX}}_OUTPUT_SIZE];
static uint64_t workspace[({{PREFIX}}_WORKSPACE_BYTES + 7) / 8];
static uint64_t node_ticks[NODES];
static uint64_t last;
{{systick}}
void {{prefix}}_trace(int node, const char *name, const float *data, size_t count)
{
    const uint64_t now = ticks_now();
    (void)name;
    (void)data;
    (void)count;
    if (node >= 0 && node < NODES) node_ticks[node] = now - last;
    last = now;
}

int main(void)
{
    uint32_t state = 12345u;
    for (size_t i = 0; i < {{PREFIX}}_INPUT_SIZE; ++i) {
        state = state * 1664525u + 1013904223u;
        input[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
    }
    ticks_start();
    for (int r = 0; r < {{runs}}; ++r) {
        const uint64_t start = ticks_now();
        last = start;
        if ({{prefix}}_run(input, output, workspace) != 0) {
            fprintf(stderr, "{{prefix}}_run failed\n");
            return 1;
        }
        const uint64_t total = ticks_now() - start;
        for (int n = 0; n < NODES; ++n) printf("run %d node %d %lu\n", r, n, (unsigned long)node_ticks[n]);
        printf("run %d total %lu\n", r, (unsigned long)total);
    }
    return 0;
}
