/* fuzz_idx_gzip.c — libFuzzer harness of f3_dataset_load_idx through gzip.
 *
 * Input as fuzz_idx.c (1 byte n_classes - 1, 2 bytes length of the images
 * part, images, labels), but the harness gzip-compresses each part before
 * the loader reads it: the IDX content the fuzzer mutates reaches the
 * loader through zlib, whose uncompressed size is not known up front (the
 * read-as-you-go path).  Corrupt gzip streams are fuzz_idx's business. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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
    uint8_t *za = NULL, *zb = NULL;
    size_t zalen = 0, zblen = 0;
    if (fuzz_gzip(a, alen, &za, &zalen) || fuzz_gzip(b, blen, &zb, &zblen))
        abort();
    const char *images = fuzz_file(0, za, zalen);
    const char *labels = fuzz_file(1, zb, zblen);
    free(za);
    free(zb);
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_idx(images, labels, n_classes, &ds);
    if (st == F3_OK) {
        fuzz_check_dataset(ds, 0);
        FUZZ_REQUIRE(ds->n_outputs == n_classes && ds->x_u8);
        /* what was loaded is what was compressed: header, then pixels */
        FUZZ_REQUIRE(alen == 16 + ds->n * ds->d && blen == 8 + ds->n);
        FUZZ_REQUIRE(memcmp(ds->x_u8, a + 16, ds->n * ds->d) == 0);
        for (size_t i = 0; i < ds->n; i++)
            FUZZ_REQUIRE(ds->labels[i] == b[8 + i]);
    } else {
        fuzz_check_failure(st, ds);
    }
    f3_dataset_free(ds);
    return 0;
}
