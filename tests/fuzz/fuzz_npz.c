/* fuzz_npz.c — libFuzzer harness of npz_open (sim/io/npz.c), the reader
 * behind --init-from and checkpoint resume.  Input: the .npz file.  On
 * success every array's data lies inside the file or its inflated entry,
 * and converting it to floats touches only its own bytes. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "npz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, data, size);
    npz_file z;
    if (npz_open(path, &z)) return 0;
    for (size_t k = 0; k < z.n; k++) {
        const npz_array *a = &z.a[k];
        size_t count = 1;
        for (int d = 0; d < a->ndim; d++) count *= a->shape[d];
        if (count != a->count || (a->itemsize != 4 && a->itemsize != 8) || npz_find(&z, a->name) != a) abort();
        float *out = malloc(a->count ? a->count * sizeof *out : 1);
        if (!out) abort();
        npz_to_float(a, out);
        free(out);
    }
    npz_close(&z);
    return 0;
}
