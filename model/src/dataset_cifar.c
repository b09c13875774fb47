/* dataset_cifar.c — CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin).
 *
 * Each record is 1 label byte (0-9) followed by 3072 pixel bytes: the 1024
 * red values, then green, then blue, each 32x32 row-major.  Features keep
 * that channel-major order (d = 3072).  Standardisation per channel on x/255
 * with the usual CIFAR-10 mean and std.
 */
#include "f3/dataset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset_internal.h"

#define CIFAR_PIXELS 3072
#define CIFAR_RECORD (1 + CIFAR_PIXELS)
#define CIFAR_CLASSES 10

static const float cifar_mean[3] = {0.4914f, 0.4822f, 0.4465f};
static const float cifar_std[3] = {0.2470f, 0.2435f, 0.2616f};

static f3_status cifar_open(const char *path, FILE **f, size_t *records)
{
    struct stat sb;
    errno = 0;
    int not_regular;
    *f = f3_fopen_regular(path, &not_regular);
    if (!*f && not_regular) return F3_FAIL(F3_EIO, "%s: not a regular file (a FIFO, a device or a folder); f3sim reads data sets from files", path);
    if (!*f)
        return F3_FAIL(F3_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fileno(*f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int err = errno;
        fclose(*f);
        *f = NULL;
        return F3_FAIL(F3_EIO, "%s: not a regular file%s%s", path, err ? ": " : "",
                       err ? strerror(err) : "");
    }
    const size_t size = (size_t)sb.st_size;
    if (size % CIFAR_RECORD != 0) {
        fclose(*f);
        *f = NULL;
        return F3_FAIL(F3_EFORMAT, "%s: %zu bytes is not a whole number of %d-byte records: "
                       "record %zu is partial (%zu bytes)", path, size, CIFAR_RECORD,
                       size / CIFAR_RECORD, size % CIFAR_RECORD);
    }
    *records = size / CIFAR_RECORD;
    return F3_OK;
}

f3_status f3_dataset_load_cifar10(const char *const *paths, size_t n_paths, f3_dataset **out)
{
    f3_status st = F3_OK;
    f3_dataset *ds = NULL;
    FILE *f = NULL;
    size_t n = 0;

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_cifar10: out is NULL");
    *out = NULL;
    if (!paths || n_paths == 0)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_cifar10: no files given");

    /* size first: every file must hold whole records */
    for (size_t p = 0; p < n_paths; p++) {
        size_t records = 0;
        if ((st = cifar_open(paths[p], &f, &records)))
            goto fail;
        fclose(f);
        f = NULL;
        if (records == 0) {
            st = F3_FAIL(F3_EFORMAT, "%s: empty (no records)", paths[p]);
            goto fail;
        }
        n += records;
    }
    if ((st = f3_dataset_alloc(F3_TASK_CLASSIFICATION, n, CIFAR_PIXELS, CIFAR_CLASSES, 1, &ds))) {
        st = f3_ds_fail_prefix(st, "%s (and %zu more files): %zu records", paths[0], n_paths - 1,
                               n);
        goto fail;
    }

    size_t i = 0; /* sample index over all files */
    for (size_t p = 0; p < n_paths; p++) {
        size_t records = 0;
        if ((st = cifar_open(paths[p], &f, &records)))
            goto fail;
        if (i + records > n) {
            st = F3_FAIL(F3_EIO, "%s: file grew while being read", paths[p]);
            goto fail;
        }
        for (size_t r = 0; r < records; r++, i++) {
            unsigned char lab;
            if (fread(&lab, 1, 1, f) != 1 ||
                fread(ds->x_u8 + i * CIFAR_PIXELS, 1, CIFAR_PIXELS, f) != CIFAR_PIXELS) {
                st = F3_FAIL(ferror(f) ? F3_EIO : F3_EFORMAT, "%s: record %zu: %s", paths[p],
                             r, ferror(f) ? "read error" : "truncated");
                goto fail;
            }
            if (lab >= CIFAR_CLASSES) {
                st = F3_FAIL(F3_EFORMAT, "%s: record %zu: label %u out of range [0, %d)",
                             paths[p], r, (unsigned)lab, CIFAR_CLASSES);
                goto fail;
            }
            ds->labels[i] = lab;
        }
        fclose(f);
        f = NULL;
    }
    if (i != n) {
        st = F3_FAIL(F3_EIO, "%s: file shrank while being read", paths[n_paths - 1]);
        goto fail;
    }

    /* x_std = (x/255 - mean_c) / std_c for channel c = j / 1024 */
    for (size_t j = 0; j < CIFAR_PIXELS; j++) {
        const size_t c = j / (CIFAR_PIXELS / 3);
        ds->offset[j] = cifar_mean[c] * 255.0f;
        ds->scale[j] = 1.0f / (cifar_std[c] * 255.0f);
    }
    f3_ds_set_name(ds, "cifar10");
    *out = ds;
    return F3_OK;

fail:
    if (f)
        fclose(f);
    f3_dataset_free(ds);
    return st;
}
