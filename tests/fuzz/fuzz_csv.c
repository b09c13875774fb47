/* fuzz_csv.c — libFuzzer harness of f3_dataset_load_csv.
 *
 * Input: 1 byte label column (as int8_t: negative counts from the end),
 * 1 byte task (0: regression, k > 0: classification into k classes), then
 * the CSV file. */
#include <stddef.h>
#include <stdint.h>

#include "f3/dataset.h"
#include "fuzz_common.h"
#include "fuzz_dataset_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    const int label_column = (int)(int8_t)data[0];
    const f3_task task = data[1] ? F3_TASK_CLASSIFICATION : F3_TASK_REGRESSION;
    const size_t n_classes = data[1];
    const char *path = fuzz_file(0, data + 2, size - 2);
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_csv(path, label_column, task, n_classes, &ds);
    if (st == F3_OK) {
        fuzz_check_dataset(ds, 0);
        FUZZ_REQUIRE(ds->task == task && ds->x_f32);
        FUZZ_REQUIRE(ds->n_outputs == (task == F3_TASK_CLASSIFICATION ? n_classes : 1));
        for (size_t k = 0; k < ds->n * ds->d; k++)
            FUZZ_REQUIRE(isfinite(ds->x_f32[k]));
    } else {
        fuzz_check_failure(st, ds);
    }
    f3_dataset_free(ds);
    return 0;
}
