/* fuzz_wine.c — libFuzzer harness of f3_dataset_load_wine.
 *
 * Input: 1 byte test fraction (k/256), 1 byte seed, 2 bytes (little-endian)
 * length L of the red file, the red file (L bytes), the white file (the
 * rest). */
#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "fuzz_common.h"
#include "fuzz_dataset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const double fraction = data[0] / 256.0;
    const uint64_t seed = data[1];
    const uint8_t *a, *b;
    size_t alen, blen;
    fuzz_split(data + 2, size - 2, &a, &alen, &b, &blen);
    const char *red = fuzz_file(0, a, alen);
    const char *white = fuzz_file(1, b, blen);
    f3_dataset *tr = NULL, *te = NULL;
    f3_status st = f3_dataset_load_wine(red, white, fraction, seed, &tr, &te);
    if (st == F3_OK) {
        fuzz_check_dataset(tr, 0);
        fuzz_check_dataset(te, 1);
        FUZZ_REQUIRE(tr->d == 12 && tr->n_outputs == 1 && te->d == 12);
    } else {
        FUZZ_REQUIRE(tr == NULL && te == NULL && f3_last_error()[0] != '\0');
    }
    f3_dataset_free(tr);
    f3_dataset_free(te);
    return 0;
}
