/* Benchmark harness for {{prefix}}: runs the model on a fixed pseudo-random input and prints,
 * per run, the wall time of every fused node (the time between consecutive trace calls) and
 * of the whole call, as lines "run R node I NS" and "run R total NS". */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "{{prefix}}.h"

#define NODES {{nodes}}

static long long node_ns[NODES];
static struct timespec last;

static long long elapsed_ns(const struct timespec *from, const struct timespec *to)
{
    return (long long)(to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

void {{prefix}}_trace(int node, const char *name, const float *data, size_t count)
{
    struct timespec now;
    (void)name;
    (void)data;
    (void)count;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (node >= 0 && node < NODES) node_ns[node] = elapsed_ns(&last, &now);
    last = now;
}

int main(int argc, char **argv)
{
    static float input[{{PREFIX}}_INPUT_SIZE];
    static float output[{{PREFIX}}_OUTPUT_SIZE];
    uint32_t state = 12345u;
    unsigned char *raw;
    void *workspace;
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    for (size_t i = 0; i < {{PREFIX}}_INPUT_SIZE; ++i) {
        state = state * 1664525u + 1013904223u;
        input[i] = (float)(state >> 8) / 8388608.0f - 1.0f;
    }
    raw = (unsigned char *)malloc({{PREFIX}}_WORKSPACE_BYTES + {{PREFIX}}_WORKSPACE_ALIGN);
    if (raw == NULL) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    workspace = raw + ({{PREFIX}}_WORKSPACE_ALIGN - (uintptr_t)raw % {{PREFIX}}_WORKSPACE_ALIGN) % {{PREFIX}}_WORKSPACE_ALIGN;
    for (int r = 0; r < runs; ++r) {
        struct timespec start, end;
        clock_gettime(CLOCK_MONOTONIC, &start);
        last = start;
        if ({{prefix}}_run(input, output, workspace) != 0) {
            fprintf(stderr, "{{prefix}}_run failed\n");
            return 1;
        }
        clock_gettime(CLOCK_MONOTONIC, &end);
        for (int n = 0; n < NODES; ++n) printf("run %d node %d %lld\n", r, n, node_ns[n]);
        printf("run %d total %lld\n", r, elapsed_ns(&start, &end));
        printf("run %d checksum %.9g\n", r, (double)output[0] + (double)output[{{PREFIX}}_OUTPUT_SIZE - 1]);
    }
    free(raw);
    return 0;
}
