/* Verification harness for {{prefix}}: runs the model on input.f32, writes output.f32 and
 * trace.bin (per fused node: int32 index, int32 count, count float32), all little-endian. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "{{prefix}}.h"

static FILE *trace_file;

void {{prefix}}_trace(int node, const char *name, const float *data, size_t count)
{
    int32_t header[2];
    (void)name;
    header[0] = (int32_t)node;
    header[1] = (int32_t)count;
    if (fwrite(header, sizeof header[0], 2, trace_file) != 2 ||
        fwrite(data, sizeof data[0], count, trace_file) != count) {
        fprintf(stderr, "cannot write the trace\n");
        exit(3);
    }
}

int main(int argc, char **argv)
{
    static float input[{{PREFIX}}_INPUT_SIZE];
    static float output[{{PREFIX}}_OUTPUT_SIZE];
    FILE *f;
    unsigned char *raw;
    void *workspace;
    int status;
    if (argc != 4) {
        fprintf(stderr, "usage: %s input.f32 output.f32 trace.bin\n", argv[0]);
        return 2;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL || fread(input, sizeof input[0], {{PREFIX}}_INPUT_SIZE, f) != {{PREFIX}}_INPUT_SIZE) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    trace_file = fopen(argv[3], "wb");
    if (trace_file == NULL) {
        fprintf(stderr, "cannot write %s\n", argv[3]);
        return 2;
    }
    raw = (unsigned char *)malloc({{PREFIX}}_WORKSPACE_BYTES + {{PREFIX}}_WORKSPACE_ALIGN);
    if (raw == NULL) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    workspace = raw + ({{PREFIX}}_WORKSPACE_ALIGN - (uintptr_t)raw % {{PREFIX}}_WORKSPACE_ALIGN) % {{PREFIX}}_WORKSPACE_ALIGN;
    status = {{prefix}}_run(input, output, workspace);
    fclose(trace_file);
    free(raw);
    if (status != 0) {
        fprintf(stderr, "{{prefix}}_run returned %d\n", status);
        return 1;
    }
    f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(output, sizeof output[0], {{PREFIX}}_OUTPUT_SIZE, f) != {{PREFIX}}_OUTPUT_SIZE) {
        fprintf(stderr, "cannot write %s\n", argv[2]);
        return 2;
    }
    fclose(f);
    return 0;
}
