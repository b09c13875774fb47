/* fuzz_census.c — libFuzzer harness of f3_dataset_load_census.
 * Input: the adult.data / adult.test file. */
#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "fuzz_common.h"
#include "fuzz_dataset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_file(0, data, size);
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_census(path, &ds);
    if (st == F3_OK) {
        fuzz_check_dataset(ds, 0);
        FUZZ_REQUIRE(ds->d == 14 && ds->n_outputs == 2 && ds->x_f32);
    } else {
        fuzz_check_failure(st, ds);
    }
    f3_dataset_free(ds);
    return 0;
}
