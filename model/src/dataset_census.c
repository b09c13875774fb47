/* dataset_census.c — UCI Census Income ("Adult"): adult.data, adult.test.
 *
 * Each record is 15 comma(+space) separated columns; the 14 features are
 * kept in file order, numeric columns as numbers and categorical columns as
 * the index of the value in the adult.names vocabulary ("?" -> -1).  The
 * label is 0 for "<=50K" and 1 for ">50K" (adult.test appends a '.').
 * Blank lines and lines starting with '|' (the UCI header of adult.test)
 * are skipped; CRLF line ends and a UTF-8 byte order mark are accepted.
 */
#include "f3/dataset.h"

#include <stdlib.h>
#include <string.h>

#include "dataset_internal.h"

#define CENSUS_URL "https://archive.ics.uci.edu/dataset/2/adult"
#define CENSUS_COLUMNS 15
#define CENSUS_FEATURES 14

/* Vocabularies in adult.names order; NULL-terminated. */
static const char *const workclass[] = {
    "Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov", "Local-gov", "State-gov",
    "Without-pay", "Never-worked", NULL};
static const char *const education[] = {
    "Bachelors", "Some-college", "11th", "HS-grad", "Prof-school", "Assoc-acdm", "Assoc-voc",
    "9th", "7th-8th", "12th", "Masters", "1st-4th", "10th", "Doctorate", "5th-6th",
    "Preschool", NULL};
static const char *const marital_status[] = {
    "Married-civ-spouse", "Divorced", "Never-married", "Separated", "Widowed",
    "Married-spouse-absent", "Married-AF-spouse", NULL};
static const char *const occupation[] = {
    "Tech-support", "Craft-repair", "Other-service", "Sales", "Exec-managerial",
    "Prof-specialty", "Handlers-cleaners", "Machine-op-inspct", "Adm-clerical",
    "Farming-fishing", "Transport-moving", "Priv-house-serv", "Protective-serv",
    "Armed-Forces", NULL};
static const char *const relationship[] = {
    "Wife", "Own-child", "Husband", "Not-in-family", "Other-relative", "Unmarried", NULL};
static const char *const race[] = {
    "White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black", NULL};
static const char *const sex[] = {"Female", "Male", NULL};
static const char *const native_country[] = {
    "United-States", "Cambodia", "England", "Puerto-Rico", "Canada", "Germany",
    "Outlying-US(Guam-USVI-etc)", "India", "Japan", "Greece", "South", "China", "Cuba", "Iran",
    "Honduras", "Philippines", "Italy", "Poland", "Jamaica", "Vietnam", "Mexico", "Portugal",
    "Ireland", "France", "Dominican-Republic", "Laos", "Ecuador", "Taiwan", "Haiti", "Columbia",
    "Hungary", "Guatemala", "Nicaragua", "Scotland", "Thailand", "Yugoslavia", "El-Salvador",
    "Trinadad&Tobago", "Peru", "Hong", "Holand-Netherlands", NULL};

/* Column names and vocabularies (NULL: numeric column). */
static const struct {
    const char *name;
    const char *const *vocab;
} census_columns[CENSUS_FEATURES] = {
    {"age", NULL},           {"workclass", workclass},
    {"fnlwgt", NULL},        {"education", education},
    {"education-num", NULL}, {"marital-status", marital_status},
    {"occupation", occupation}, {"relationship", relationship},
    {"race", race},          {"sex", sex},
    {"capital-gain", NULL},  {"capital-loss", NULL},
    {"hours-per-week", NULL}, {"native-country", native_country},
};

/* Index of s in vocab, -1 for "?", -2 if unknown. */
static int census_code(const char *const *vocab, const char *s)
{
    if (strcmp(s, "?") == 0)
        return -1;
    for (int k = 0; vocab[k]; k++)
        if (strcmp(vocab[k], s) == 0)
            return k;
    return -2;
}

f3_status f3_dataset_load_census(const char *path, f3_dataset **out)
{
    f3_status st = F3_OK;
    f3_ds_lines r = {0};
    f3_ds_vec xs = {0}, ys = {0};
    f3_dataset *ds = NULL;
    char *fields[CENSUS_COLUMNS];
    float row[CENSUS_FEATURES];
    int got = 0;

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_census: out is NULL");
    *out = NULL;
    if (!path)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_census: path is NULL");
    char hint[512];
    if ((st = f3_ds_lines_open(&r, path,
                               f3_ds_missing_hint(hint, sizeof hint, path,
                                                  "Census Income (the \"Adult\" data set)",
                                                  CENSUS_URL, "adult.data and adult.test",
                                                  "census-income"))))
        goto fail;

    while (!(st = f3_ds_lines_next(&r, &got)) && got) {
        if (f3_ds_is_blank(r.buf) || r.buf[0] == '|')
            continue;
        size_t nf = f3_ds_split(r.buf, ',', fields, CENSUS_COLUMNS);
        if (nf != CENSUS_COLUMNS) {
            st = F3_FAIL(F3_EFORMAT, "%s:%zu: %zu columns, expected %d", path, r.lineno, nf,
                         CENSUS_COLUMNS);
            goto fail;
        }
        for (int c = 0; c < CENSUS_FEATURES; c++) {
            if (!census_columns[c].vocab) {
                if (f3_ds_parse_float(fields[c], &row[c])) {
                    st = F3_FAIL(F3_EFORMAT, "%s:%zu: column %d (%s): \"%s\" is not a number",
                                 path, r.lineno, c + 1, census_columns[c].name, fields[c]);
                    goto fail;
                }
            } else {
                int code = census_code(census_columns[c].vocab, fields[c]);
                if (code < -1) {
                    st = F3_FAIL(F3_EFORMAT, "%s:%zu: column %d (%s): unknown value \"%s\"",
                                 path, r.lineno, c + 1, census_columns[c].name, fields[c]);
                    goto fail;
                }
                row[c] = (float)code;
            }
        }
        const char *lab = fields[CENSUS_FEATURES];
        float y;
        if (strcmp(lab, "<=50K") == 0 || strcmp(lab, "<=50K.") == 0)
            y = 0.0f;
        else if (strcmp(lab, ">50K") == 0 || strcmp(lab, ">50K.") == 0)
            y = 1.0f;
        else {
            st = F3_FAIL(F3_EFORMAT, "%s:%zu: column 15 (income): \"%s\", expected \"<=50K\" "
                         "or \">50K\"", path, r.lineno, lab);
            goto fail;
        }
        if (f3_ds_vec_push(&xs, row, CENSUS_FEATURES) || f3_ds_vec_push(&ys, &y, 1)) {
            st = F3_FAIL(F3_ENOMEM, "%s:%zu: out of memory", path, r.lineno);
            goto fail;
        }
    }
    if (st)
        goto fail;
    if (ys.n == 0) {
        st = F3_FAIL(F3_EFORMAT, "%s: no records", path);
        goto fail;
    }

    if ((st = f3_dataset_alloc(F3_TASK_CLASSIFICATION, ys.n, CENSUS_FEATURES, 2, 0, &ds))) {
        st = f3_ds_fail_prefix(st, "%s: %zu records", path, ys.n);
        goto fail;
    }
    memcpy(ds->x_f32, xs.v, xs.n * sizeof *xs.v);
    for (size_t i = 0; i < ys.n; i++)
        ds->labels[i] = (int32_t)ys.v[i];
    const char *base = strrchr(path, '/');
    f3_ds_set_name(ds, "census-%s", base ? base + 1 : path);

    f3_ds_lines_close(&r);
    f3_ds_vec_free(&xs);
    f3_ds_vec_free(&ys);
    *out = ds;
    return F3_OK;

fail:
    f3_ds_lines_close(&r);
    f3_ds_vec_free(&xs);
    f3_ds_vec_free(&ys);
    f3_dataset_free(ds);
    return st;
}
