/* dataset_wine.c — UCI Wine Quality as a regression task.
 *
 * Each CSV row holds 11 physico-chemical features and the quality (0-10).
 * The UCI originals are ';' separated with a quoted header line; the copies
 * in shared/data are ',' separated without one: both are accepted (the
 * separator is taken per file from its first non-blank line, which is
 * skipped as a header when none of its fields is a number; a UTF-8 byte
 * order mark before it is ignored).
 *
 * Rows: red then white, colour appended as a 12th feature (0 red, 1 white).
 * The row order is shuffled with a seeded mt19937; the last
 * round(test_fraction * n) rows of that order form the test split.
 * Features and target are standardised with the training split's mean and
 * population standard deviation (scale 1 for a constant column).
 */
#include "f3/dataset.h"

#include <float.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

#define WINE_URL "https://archive.ics.uci.edu/dataset/186/wine+quality"
#define WINE_COLUMNS 12   /* per CSV row: 11 features + quality */
#define WINE_FEATURES 12  /* per sample: 11 features + colour */

/* Append the rows of one file to rows (WINE_FEATURES + 1 floats each:
 * features, colour, quality). */
static f3_status wine_read(const char *path, float colour, f3_ds_vec *rows)
{
    f3_status st = F3_OK;
    f3_ds_lines r = {0};
    char *fields[WINE_COLUMNS];
    float row[WINE_FEATURES + 1];
    char sep = 0;
    int got = 0;
    const size_t n0 = rows->n;

    char hint[512];
    if ((st = f3_ds_lines_open(&r, path,
                               f3_ds_missing_hint(hint, sizeof hint, path, "Wine Quality",
                                                  WINE_URL,
                                                  "winequality-red.csv and winequality-white.csv",
                                                  "wine-quality"))))
        return st;
    while (!(st = f3_ds_lines_next(&r, &got)) && got) {
        if (f3_ds_is_blank(r.buf))
            continue;
        int first = sep == 0;
        if (first)
            sep = strchr(r.buf, ';') ? ';' : ',';
        size_t nf = f3_ds_split(r.buf, sep, fields, WINE_COLUMNS);
        if (first && f3_ds_is_header(fields, nf < WINE_COLUMNS ? nf : WINE_COLUMNS))
            continue; /* header line */
        if (nf != WINE_COLUMNS) {
            st = F3_FAIL(F3_EFORMAT, "%s:%zu: %zu columns, expected %d", path, r.lineno, nf,
                         WINE_COLUMNS);
            goto done;
        }
        for (int c = 0; c < WINE_COLUMNS; c++) {
            /* features 0..10 go to row[0..10], quality to row[12] */
            float *dst = c < WINE_COLUMNS - 1 ? &row[c] : &row[WINE_FEATURES];
            if (f3_ds_parse_float(fields[c], dst)) {
                st = F3_FAIL(F3_EFORMAT, "%s:%zu: column %d: \"%s\" is not a number%s", path,
                             r.lineno, c + 1, fields[c], first ? F3_DS_HEADER_HINT : "");
                goto done;
            }
        }
        row[WINE_FEATURES - 1] = colour;
        if (f3_ds_vec_push(rows, row, WINE_FEATURES + 1)) {
            st = F3_FAIL(F3_ENOMEM, "%s:%zu: out of memory", path, r.lineno);
            goto done;
        }
    }
    if (!st && rows->n == n0)
        st = F3_FAIL(F3_EFORMAT, "%s: no data rows", path);
done:
    f3_ds_lines_close(&r);
    return st;
}

/* A split of m rows, perm[0..m) indexing into rows; features raw, targets
 * standardised with (ty_mean, ty_scale); offset/scale copied in. */
static f3_status wine_split(const f3_ds_vec *rows, const size_t *perm, size_t m,
                            const float *offset, const float *scale, float ty_mean,
                            float ty_scale, const char *name, f3_dataset **out)
{
    const size_t w = WINE_FEATURES + 1;
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_alloc(F3_TASK_REGRESSION, m, WINE_FEATURES, 1, 0, &ds);
    if (st)
        return f3_ds_fail_prefix(st, "%s: %zu rows", name, m);
    for (size_t k = 0; k < m; k++) {
        const float *src = rows->v + perm[k] * w;
        memcpy(ds->x_f32 + k * WINE_FEATURES, src, WINE_FEATURES * sizeof(float));
        ds->targets[k] = (src[WINE_FEATURES] - ty_mean) * ty_scale;
    }
    memcpy(ds->offset, offset, WINE_FEATURES * sizeof(float));
    memcpy(ds->scale, scale, WINE_FEATURES * sizeof(float));
    f3_ds_set_name(ds, "%s", name);
    *out = ds;
    return F3_OK;
}

f3_status f3_dataset_load_wine(const char *red_csv, const char *white_csv,
                               double test_fraction, uint64_t seed,
                               f3_dataset **train, f3_dataset **test)
{
    const size_t w = WINE_FEATURES + 1;
    f3_status st = F3_OK;
    f3_ds_vec rows = {0};
    size_t *perm = NULL;
    gsl_rng *rng = NULL;
    f3_dataset *tr = NULL, *te = NULL;

    if (train)
        *train = NULL;
    if (test)
        *test = NULL;
    if (!train && !test)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_wine: both outputs are NULL");
    if (!red_csv || !white_csv)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_wine: path is NULL");
    if (!(test_fraction >= 0.0 && test_fraction < 1.0))
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_wine: test_fraction %g not in [0, 1)",
                       test_fraction);

    if ((st = wine_read(red_csv, 0.0f, &rows)) || (st = wine_read(white_csv, 1.0f, &rows)))
        goto fail;
    const size_t n = rows.n / w;
    const size_t n_test = (size_t)floor(test_fraction * (double)n + 0.5);
    const size_t n_train = n - n_test;
    if (n_train == 0) {
        st = F3_FAIL(F3_EFORMAT, "%s, %s: %zu rows leave no training rows at test fraction %g",
                     red_csv, white_csv, n, test_fraction);
        goto fail;
    }

    perm = malloc(n * sizeof *perm);
    rng = gsl_rng_alloc(gsl_rng_mt19937);
    if (!perm || !rng) {
        st = F3_FAIL(F3_ENOMEM, "f3_dataset_load_wine: out of memory for %zu rows", n);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    gsl_rng_set(rng, (unsigned long)seed);
    gsl_ran_shuffle(rng, perm, n, sizeof *perm);

    /* training-split mean and population std of every column (features and
     * quality), accumulated in double; a column whose training values are
     * all equal gets scale 1 (tested exactly: rounding in the mean would
     * otherwise leave a tiny std and a huge scale) */
    double mean[WINE_FEATURES + 1] = {0}, var[WINE_FEATURES + 1] = {0};
    int constant[WINE_FEATURES + 1];
    for (size_t j = 0; j < w; j++)
        constant[j] = 1;
    for (size_t k = 0; k < n_train; k++)
        for (size_t j = 0; j < w; j++) {
            mean[j] += rows.v[perm[k] * w + j];
            constant[j] &= rows.v[perm[k] * w + j] == rows.v[perm[0] * w + j];
        }
    for (size_t j = 0; j < w; j++)
        mean[j] /= (double)n_train;
    for (size_t k = 0; k < n_train; k++)
        for (size_t j = 0; j < w; j++) {
            double e = rows.v[perm[k] * w + j] - mean[j];
            var[j] += e * e;
        }
    float offset[WINE_FEATURES + 1], scale[WINE_FEATURES + 1];
    for (size_t j = 0; j < w; j++) {
        double sd = sqrt(var[j] / (double)n_train);
        offset[j] = constant[j] ? rows.v[perm[0] * w + j] : (float)mean[j];
        scale[j] = constant[j] || !(sd > 0.0) ? 1.0f
                   : 1.0 / sd > FLT_MAX       ? INFINITY
                                              : (float)(1.0 / sd);
    }
    /* every standardised value (computed in float, as f3_dataset_gather
     * does) must be finite: the extremes of each column decide */
    for (size_t j = 0; j < w; j++) {
        float lo = rows.v[j], hi = rows.v[j];
        for (size_t i = 1; i < n; i++) {
            lo = fminf(lo, rows.v[i * w + j]);
            hi = fmaxf(hi, rows.v[i * w + j]);
        }
        if (!isfinite((lo - offset[j]) * scale[j]) || !isfinite((hi - offset[j]) * scale[j])) {
            const int col = j < WINE_COLUMNS - 1 ? (int)j + 1 : WINE_COLUMNS;
            st = F3_FAIL(F3_EFORMAT, "%s, %s: column %d%s: values from %g to %g (training "
                         "mean %g, std %g) cannot be standardised in single precision",
                         red_csv, white_csv, col, col == WINE_COLUMNS ? " (quality)" : "",
                         (double)lo, (double)hi, mean[j], sqrt(var[j] / (double)n_train));
            goto fail;
        }
    }

    if (train && (st = wine_split(&rows, perm, n_train, offset, scale,
                                  offset[WINE_FEATURES], scale[WINE_FEATURES],
                                  "wine-train", &tr)))
        goto fail;
    if (test && (st = wine_split(&rows, perm + n_train, n_test, offset, scale,
                                 offset[WINE_FEATURES], scale[WINE_FEATURES],
                                 "wine-test", &te)))
        goto fail;

    gsl_rng_free(rng);
    free(perm);
    f3_ds_vec_free(&rows);
    if (train)
        *train = tr;
    if (test)
        *test = te;
    return F3_OK;

fail:
    f3_dataset_free(tr);
    f3_dataset_free(te);
    if (rng)
        gsl_rng_free(rng);
    free(perm);
    f3_ds_vec_free(&rows);
    return st;
}
