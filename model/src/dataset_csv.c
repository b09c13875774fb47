/* dataset_csv.c — generic numeric CSV.
 *
 * ',' separated; the first non-blank line is a header (and skipped) when
 * none of its fields is a number (f3_ds_is_header), so that a data row whose
 * first field is malformed is an error, never dropped silently; a UTF-8
 * byte order mark before it is ignored.  The first data row fixes the
 * column count;
 * every later row must match it.  One column (label_column, negative counts
 * from the end) is the target, the others are the features in file order.
 * Blank lines are skipped.
 */
#include "f3/dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

f3_status f3_dataset_load_csv(const char *path, int label_column, f3_task task,
                              size_t n_classes, f3_dataset **out)
{
    f3_status st = F3_OK;
    f3_ds_lines r = {0};
    f3_ds_vec xs = {0}, ys = {0};
    f3_dataset *ds = NULL;
    char **fields = NULL;
    float *row = NULL;
    size_t m = 0;  /* columns per row, fixed by the first data row */
    size_t lc = 0; /* resolved label column */
    int got = 0, first = 1;

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_csv: out is NULL");
    *out = NULL;
    if (!path)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_csv: path is NULL");
    if (task != F3_TASK_CLASSIFICATION && task != F3_TASK_REGRESSION)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_csv: unknown task %d", (int)task);
    if (task == F3_TASK_CLASSIFICATION && (n_classes == 0 || n_classes > INT32_MAX))
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_csv: n_classes %zu not in [1, %d]",
                       n_classes, (int)INT32_MAX);
    if ((st = f3_ds_lines_open(&r, path, NULL)))
        goto fail;

    while (!(st = f3_ds_lines_next(&r, &got)) && got) {
        if (f3_ds_is_blank(r.buf))
            continue;
        if (m == 0) {
            /* first data row (or header): count the columns and size the
             * row buffers */
            m = 1;
            for (const char *p = r.buf; *p; p++)
                m += *p == ',';
            free(fields);
            free(row);
            fields = malloc(m * sizeof *fields);
            row = malloc(m * sizeof *row);
            if (!fields || !row) {
                st = F3_FAIL(F3_ENOMEM, "%s:%zu: out of memory", path, r.lineno);
                goto fail;
            }
        }
        size_t nf = f3_ds_split(r.buf, ',', fields, m);
        const int first_line = first;
        if (first) {
            first = 0;
            if (f3_ds_is_header(fields, nf < m ? nf : m)) {
                m = 0; /* header: the next row fixes the column count */
                continue;
            }
        }
        if (ys.n == 0) {
            /* the first data row: check the shape against the arguments */
            if (m < 2) {
                st = F3_FAIL(F3_EFORMAT, "%s:%zu: 1 column: need a target and at least one "
                             "feature", path, r.lineno);
                goto fail;
            }
            long lcl = label_column < 0 ? (long)m + label_column : label_column;
            if (lcl < 0 || lcl >= (long)m) {
                st = F3_FAIL(F3_EINVAL, "%s: label_column %d out of range for %zu columns "
                             "(valid: %ld..%zu)", path, label_column, m, -(long)m, m - 1);
                goto fail;
            }
            lc = (size_t)lcl;
        }
        if (nf != m) {
            st = F3_FAIL(F3_EFORMAT, "%s:%zu: %zu columns, expected %zu", path, r.lineno, nf, m);
            goto fail;
        }
        size_t j = 0;
        float y = 0.0f;
        for (size_t c = 0; c < m; c++) {
            float v;
            if (f3_ds_parse_float(fields[c], &v)) {
                st = F3_FAIL(F3_EFORMAT, "%s:%zu: column %zu: \"%s\" is not a number%s", path,
                             r.lineno, c + 1, fields[c], first_line ? F3_DS_HEADER_HINT : "");
                goto fail;
            }
            if (c == lc)
                y = v;
            else
                row[j++] = v;
        }
        if (task == F3_TASK_CLASSIFICATION &&
            (y != floorf(y) || y < 0.0f || (double)y >= (double)n_classes)) {
            st = F3_FAIL(F3_EFORMAT, "%s:%zu: column %zu: label %s is not a class in [0, %zu)",
                         path, r.lineno, lc + 1, fields[lc], n_classes);
            goto fail;
        }
        if (f3_ds_vec_push(&xs, row, m - 1) || f3_ds_vec_push(&ys, &y, 1)) {
            st = F3_FAIL(F3_ENOMEM, "%s:%zu: out of memory", path, r.lineno);
            goto fail;
        }
    }
    if (st)
        goto fail;
    if (ys.n == 0) {
        st = F3_FAIL(F3_EFORMAT, "%s: no data rows", path);
        goto fail;
    }

    const size_t C = task == F3_TASK_CLASSIFICATION ? n_classes : 1;
    if ((st = f3_dataset_alloc(task, ys.n, m - 1, C, 0, &ds))) {
        st = f3_ds_fail_prefix(st, "%s: %zu rows", path, ys.n);
        goto fail;
    }
    memcpy(ds->x_f32, xs.v, xs.n * sizeof *xs.v);
    for (size_t i = 0; i < ys.n; i++) {
        if (task == F3_TASK_CLASSIFICATION)
            ds->labels[i] = (int32_t)ys.v[i];
        else
            ds->targets[i] = ys.v[i];
    }
    const char *base = strrchr(path, '/');
    f3_ds_set_name(ds, "%s", base ? base + 1 : path);

    free(fields);
    free(row);
    f3_ds_lines_close(&r);
    f3_ds_vec_free(&xs);
    f3_ds_vec_free(&ys);
    *out = ds;
    return F3_OK;

fail:
    free(fields);
    free(row);
    f3_ds_lines_close(&r);
    f3_ds_vec_free(&xs);
    f3_ds_vec_free(&ys);
    f3_dataset_free(ds);
    return st;
}
