/* fuzz_dataset_check.h — what every data set a loader returns must satisfy;
 * a violation aborts, so the fuzzer reports a silent wrong result as it
 * reports a crash. */
#ifndef F3_FUZZ_DATASET_CHECK_H
#define F3_FUZZ_DATASET_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "f3/dataset.h"
#include "f3/status.h"

#define FUZZ_REQUIRE(cond)                                                               \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: data set invariant broken: %s\n", __FILE__, __LINE__, \
                    #cond);                                                              \
            abort();                                                                     \
        }                                                                                \
    } while (0)

/* A failed load leaves *out NULL and records a message. */
static inline void fuzz_check_failure(f3_status st, const f3_dataset *ds)
{
    FUZZ_REQUIRE(st != F3_OK);
    FUZZ_REQUIRE(ds == NULL);
    FUZZ_REQUIRE(f3_last_error()[0] != '\0');
}

/* A loaded data set: consistent sizes, labels in range, finite values, and
 * every sample gathers to finite standardised features and targets. */
static inline void fuzz_check_dataset(const f3_dataset *ds, int may_be_empty)
{
    FUZZ_REQUIRE(ds != NULL);
    FUZZ_REQUIRE(may_be_empty || ds->n > 0);
    FUZZ_REQUIRE(ds->d > 0 && ds->n_outputs > 0);
    FUZZ_REQUIRE((ds->x_u8 != NULL) != (ds->x_f32 != NULL));
    FUZZ_REQUIRE(ds->offset && ds->scale);
    FUZZ_REQUIRE(ds->task == F3_TASK_CLASSIFICATION ? ds->labels && !ds->targets
                                                    : ds->targets && !ds->labels);
    for (size_t j = 0; j < ds->d; j++)
        FUZZ_REQUIRE(isfinite(ds->offset[j]) && isfinite(ds->scale[j]) && ds->scale[j] != 0.0f);
    float *x = malloc(ds->d * sizeof *x), *t = malloc(ds->n_outputs * sizeof *t);
    FUZZ_REQUIRE(x && t);
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->task == F3_TASK_CLASSIFICATION)
            FUZZ_REQUIRE(ds->labels[i] >= 0 && (size_t)ds->labels[i] < ds->n_outputs);
        int32_t lab = 0;
        f3_dataset_gather(ds, &i, 1, x, t, &lab);
        for (size_t j = 0; j < ds->d; j++)
            FUZZ_REQUIRE(isfinite(x[j]));
        for (size_t c = 0; c < ds->n_outputs; c++)
            FUZZ_REQUIRE(isfinite(t[c]));
    }
    free(x);
    free(t);
}

#endif
