/* fuzz_cifar.c — libFuzzer harness of f3_dataset_load_cifar10.
 *
 * Input: 2 bytes (little-endian) length L of the first batch file, the
 * first file (L bytes), the second file (the rest; when it is empty only
 * the first file is loaded).  A record is 3073 bytes, so the seeds are
 * larger than libFuzzer's default -max_len (scripts/fuzz.sh raises it). */
#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "fuzz_common.h"
#include "fuzz_dataset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *a, *b;
    size_t alen, blen;
    fuzz_split(data, size, &a, &alen, &b, &blen);
    const char *paths[2];
    paths[0] = fuzz_file(0, a, alen);
    paths[1] = fuzz_file(1, b, blen);
    const size_t n_paths = blen ? 2 : 1;
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_cifar10(paths, n_paths, &ds);
    if (st == F3_OK) {
        fuzz_check_dataset(ds, 0);
        FUZZ_REQUIRE(ds->d == 3072 && ds->n_outputs == 10 && ds->x_u8);
        FUZZ_REQUIRE(ds->n * 3073 == alen + (n_paths == 2 ? blen : 0));
    } else {
        fuzz_check_failure(st, ds);
    }
    f3_dataset_free(ds);
    return 0;
}
