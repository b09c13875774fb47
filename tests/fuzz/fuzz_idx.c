/* fuzz_idx.c — libFuzzer harness of f3_dataset_load_idx on raw files.
 *
 * Input: 2 bytes (little-endian) length L of the images file, 1 byte
 * n_classes - 1, then the images file (L bytes, after the 3 header bytes)
 * and the labels file (the rest).  The files are written as given, so they
 * are plain IDX or whatever gzip streams the fuzzer makes of the seeds. */
#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "fuzz_common.h"
#include "fuzz_dataset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const size_t n_classes = (size_t)data[0] + 1;
    const uint8_t *a, *b;
    size_t alen, blen;
    fuzz_split(data + 1, size - 1, &a, &alen, &b, &blen);
    const char *images = fuzz_file(0, a, alen);
    const char *labels = fuzz_file(1, b, blen);
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_idx(images, labels, n_classes, &ds);
    if (st == F3_OK) {
        fuzz_check_dataset(ds, 0);
        FUZZ_REQUIRE(ds->n_outputs == n_classes && ds->x_u8);
    } else {
        fuzz_check_failure(st, ds);
    }
    f3_dataset_free(ds);
    return 0;
}
