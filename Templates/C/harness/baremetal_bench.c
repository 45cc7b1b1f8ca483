/* Bare-metal benchmark harness for {{prefix}} (Cortex-M, semihosting): runs the model
 * {{runs}} times on a fixed pseudo-random input and prints, per run, the SysTick ticks of every
 * fused node (between consecutive trace calls) and of the whole call, as lines
 * "run R node I TICKS" and "run R total TICKS". Under QEMU -icount these count instructions. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "{{prefix}}.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define NODES {{nodes}}

static float input[{{PREFIX}}_INPUT_SIZE];
static float output[{{PREFIX}}_OUTPUT_SIZE];
static uint64_t workspace[({{PREFIX}}_WORKSPACE_BYTES + 7) / 8];
static volatile uint32_t systick_wraps;
static uint64_t node_ticks[NODES];
static uint64_t last;

void SysTick_Handler(void);
void SysTick_Handler(void)
{
    systick_wraps = systick_wraps + 1u;
}

/* Ticks since SysTick started: wraps of the 24-bit down-counter plus its progress. */
static uint64_t ticks_now(void)
{
    uint32_t wraps, value;
    do {
        wraps = systick_wraps;
        value = SYST_CVR;
    } while (wraps != systick_wraps);
    return (uint64_t)wraps * 0x1000000u + (0xFFFFFFu - value);
}

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
    SYST_RVR = 0xFFFFFFu;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* core clock, interrupt on wrap, enabled */
    while (SYST_CVR == 0u) {
        /* wait for the first reload */
    }
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
