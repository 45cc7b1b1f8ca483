/* Bare-metal verification harness for {{prefix}} (Cortex-M, semihosting): reads input.f32,
 * runs the model once untraced, measuring its stack (painted beforehand) and the SysTick ticks
 * it takes, then, when compiled with {{PREFIX}}_TRACE, once more writing trace.bin (per fused
 * node: int32 index, int32 count, count float32); writes output.f32 and prints one line:
 * "bidensec-harness: stack S ticks T". Files live in the emulator's working folder. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "{{prefix}}.h"

#define STACK_PAINT 0xC5A3965Au

/* The workspace is 8-byte aligned here: the header must not ask for more. */
typedef char workspace_alignment_check[{{PREFIX}}_WORKSPACE_ALIGN <= 8 ? 1 : -1];

extern uint32_t __stack_limit[], __stack_top[];

static float input[{{PREFIX}}_INPUT_SIZE];
static float output[{{PREFIX}}_OUTPUT_SIZE];
static uint64_t workspace[({{PREFIX}}_WORKSPACE_BYTES + 7) / 8];
{{systick}}
/* Fills the free stack below this function's frame with a pattern. */
static __attribute__((noinline)) void paint_stack(void)
{
    volatile uint32_t here = 0;
    uint32_t *p = __stack_limit;
    uint32_t *stop = (uint32_t *)(uintptr_t)((uintptr_t)&here - 256u);
    while (p < stop) {
        *p++ = STACK_PAINT;
    }
    (void)here;
}

/* Bytes from the top of the stack to the deepest word that lost its paint. */
static size_t stack_used(void)
{
    const uint32_t *p = __stack_limit;
    while (p < __stack_top && *p == STACK_PAINT) {
        ++p;
    }
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

#ifdef {{PREFIX}}_TRACE
static FILE *trace_file;

void {{prefix}}_trace(int node, const char *name, const float *data, size_t count)
{
    int32_t header[2];
    (void)name;
    if (trace_file == NULL) {
        return;
    }
    header[0] = (int32_t)node;
    header[1] = (int32_t)count;
    if (fwrite(header, sizeof header[0], 2, trace_file) != 2 ||
        fwrite(data, sizeof data[0], count, trace_file) != count) {
        fprintf(stderr, "cannot write the trace\n");
        trace_file = NULL;
    }
}
#endif

int main(void)
{
    FILE *f;
    int status;
    uint64_t start, ticks;
    size_t stack;
    f = fopen("input.f32", "rb");
    if (f == NULL || fread(input, sizeof input[0], {{PREFIX}}_INPUT_SIZE, f) != {{PREFIX}}_INPUT_SIZE) {
        fprintf(stderr, "cannot read input.f32\n");
        return 2;
    }
    fclose(f);

    ticks_start();
    paint_stack();
    start = ticks_now();
    status = {{prefix}}_run(input, output, workspace);
    ticks = ticks_now() - start;
    stack = stack_used();
    if (status != 0) {
        fprintf(stderr, "{{prefix}}_run returned %d\n", status);
        return 1;
    }

#ifdef {{PREFIX}}_TRACE
    trace_file = fopen("trace.bin", "wb");
    if (trace_file == NULL) {
        fprintf(stderr, "cannot write trace.bin\n");
        return 2;
    }
    status = {{prefix}}_run(input, output, workspace);
    if (trace_file == NULL || fclose(trace_file) != 0) {
        fprintf(stderr, "cannot write trace.bin\n");
        return 2;
    }
    trace_file = NULL;
    if (status != 0) {
        fprintf(stderr, "{{prefix}}_run returned %d\n", status);
        return 1;
    }
#endif

    f = fopen("output.f32", "wb");
    if (f == NULL || fwrite(output, sizeof output[0], {{PREFIX}}_OUTPUT_SIZE, f) != {{PREFIX}}_OUTPUT_SIZE ||
        fclose(f) != 0) {
        fprintf(stderr, "cannot write output.f32\n");
        return 2;
    }
    printf("bidensec-harness: stack %lu ticks %lu\n", (unsigned long)stack, (unsigned long)ticks);
    return 0;
}
