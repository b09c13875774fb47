/* seeds.c — several seeds per point: --seeds and compare.csv's mean ± σ. */
#include "seeds.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv_text.h"
#include "f3/status.h"
#include "results.h"
#include "scenario.h"

int seeds_option(const char *text, char *buf, size_t len)
{
    size_t n = 0, used = 0;
    used += (size_t)snprintf(buf, len, "training.seeds=[");
    const char *p = text;
    if (!*p) return F3_FAIL(F3_EINVAL, "--seeds: expected seeds like 1-10 or 1,3,5, got ''"), -1;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9') goto bad;
        errno = 0;
        unsigned long long a = strtoull(p, &end, 10), b = a;
        if (errno || a > 4294967295ULL) goto bad;
        p = end;
        if (*p == '-') {
            p++;
            if (*p < '0' || *p > '9') goto bad;
            b = strtoull(p, &end, 10);
            if (errno || b > 4294967295ULL) goto bad;
            p = end;
            if (b < a) {
                F3_FAIL(F3_EINVAL, "--seeds: the range %llu-%llu runs backwards (write %llu-%llu)", a, b, b, a);
                return -1;
            }
        }
        if (*p == ',') {
            p++;
            if (!*p) goto bad;
        } else if (*p) {
            goto bad;
        }
        for (unsigned long long s = a; s <= b; s++) {
            if (n >= SC_MAX_LIST) {
                F3_FAIL(F3_EINVAL, "--seeds: more than %d seeds in '%s'", SC_MAX_LIST, text);
                return -1;
            }
            int k = snprintf(buf + used, used < len ? len - used : 0, "%s%llu", n ? ", " : "", s);
            used += (size_t)k;
            n++;
        }
    }
    if (used + 2 > len) {
        F3_FAIL(F3_EINVAL, "--seeds: '%s' is too long", text);
        return -1;
    }
    strcat(buf, "]");
    return 0;
bad:
    F3_FAIL(F3_EINVAL, "--seeds: expected non-negative integers and ranges like 1-10 or 1,3,5-7, got '%s'", text);
    return -1;
}

void seed_dir(const char *dir, double seed, char *buf, size_t len)
{
    snprintf(buf, len, "%s/seed-%.0f", dir, seed);
}

/* ---- aggregation -------------------------------------------------------------- */

#define MAX_ROWS 16

typedef struct {
    csv_row head;
    csv_row row[MAX_ROWS];
    size_t n_rows;
} compare_file;

static int read_compare(const char *path, compare_file *cf)
{
    memset(cf, 0, sizeof *cf);
    FILE *f = fopen(path, "r");
    if (!f) {
        F3_FAIL(F3_EIO, "%s: cannot read: %s (did that seed's run finish?)", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0, first = 1;
    while (getline(&line, &cap, f) > 0) {
        csv_row *r = first ? &cf->head : &cf->row[cf->n_rows];
        if (!first && cf->n_rows >= MAX_ROWS) {
            F3_FAIL(F3_EINVAL, "%s: more than %d rows", path, MAX_ROWS);
            rc = -1;
            break;
        }
        if (csv_split(line, r)) {
            F3_FAIL(F3_EINVAL, "%s: a malformed line", path);
            rc = -1;
            break;
        }
        if (!first) {
            if (r->n != cf->head.n) {
                F3_FAIL(F3_EINVAL, "%s: a row has %zu columns, the header %zu", path, r->n, cf->head.n);
                rc = -1;
                break;
            }
            cf->n_rows++;
        }
        first = 0;
    }
    free(line);
    fclose(f);
    if (!rc && (cf->head.n < 4 || strcmp(cf->head.cell[2], "algorithm"))) {
        F3_FAIL(F3_EINVAL, "%s: not a compare.csv of f3sim (no algorithm column)", path);
        rc = -1;
    }
    return rc;
}

static int is_text_column(const char *name)
{
    return !strcmp(name, "weights_sha256") || !strcmp(name, "chip_dataflow");
}

/* s is a number (all of it) */
static int number_of(const char *s, double *v)
{
    if (!*s) return 0;
    char *end;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v);
}

int seeds_aggregate(const char *dir, const double *seeds, size_t n, size_t index, const char *label,
                    const char *name, FILE *out)
{
    compare_file *cf = calloc(n, sizeof *cf);
    if (!cf) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        return -1;
    }
    int rc = -1;
    char path[4400];
    for (size_t s = 0; s < n; s++) {
        char sd[4200];
        seed_dir(dir, seeds[s], sd, sizeof sd);
        snprintf(path, sizeof path, "%s/compare.csv", sd);
        if (read_compare(path, &cf[s])) goto out;
        if (s == 0) continue;
        /* the same rules, in the same order, with the same columns */
        int same = cf[s].head.n == cf[0].head.n && cf[s].n_rows == cf[0].n_rows;
        for (size_t j = 0; same && j < cf[0].head.n; j++) same = !strcmp(cf[s].head.cell[j], cf[0].head.cell[j]);
        for (size_t k = 0; same && k < cf[0].n_rows; k++) same = !strcmp(cf[s].row[k].cell[2], cf[0].row[k].cell[2]);
        if (!same) {
            F3_FAIL(F3_EINVAL, "%s: its columns or learning rules differ from those of seed %.0f", path, seeds[0]);
            goto out;
        }
    }
    atomic_file af;
    if (atomic_open(&af, dir, "compare.csv")) goto out;
    const csv_row *h = &cf[0].head;
    fputs("point,sweep,algorithm,seeds", af.f);
    for (size_t j = 3; j < h->n; j++) {
        if (!strcmp(h->cell[j], "weights_sha256")) continue;
        if (is_text_column(h->cell[j])) fprintf(af.f, ",%s", h->cell[j]);
        else fprintf(af.f, ",%s_mean,%s_std", h->cell[j], h->cell[j]);
    }
    fputc('\n', af.f);
    if (out) {
        fprintf(out, "\n%s%s%s: mean ± sample standard deviation over %zu seed%s\n", name, label[0] ? ": " : "", label,
                n, n == 1 ? "" : "s");
        fprintf(out, "%-9s %18s %18s %18s\n", "algorithm", "best acc [%]", "final acc [%]", "best loss");
    }
    for (size_t k = 0; k < cf[0].n_rows; k++) {
        fprintf(af.f, "%zu,", index);
        csv_write_quoted(af.f, label);
        fprintf(af.f, ",%s,%zu", cf[0].row[k].cell[2], n);
        double shown[3][2];
        int n_shown = 0;
        for (size_t j = 3; j < h->n; j++) {
            const char *col = h->cell[j];
            if (!strcmp(col, "weights_sha256")) continue;
            if (is_text_column(col)) {
                fputc(',', af.f);
                csv_write_quoted_if_needed(af.f, cf[0].row[k].cell[j]);
                continue;
            }
            /* mean and sample σ (Welford), blank if any seed has no value */
            double mean = 0, m2 = 0;
            int ok = 1;
            for (size_t s = 0; s < n && ok; s++) {
                double v;
                if (!number_of(cf[s].row[k].cell[j], &v)) {
                    ok = 0;
                    break;
                }
                double d = v - mean;
                mean += d / (double)(s + 1);
                m2 += d * (v - mean);
            }
            if (!ok) {
                fputs(",,", af.f);
                mean = NAN;
            } else if (n > 1) {
                fprintf(af.f, ",%.10g,%.10g", mean, sqrt(m2 / (double)(n - 1)));
            } else {
                fprintf(af.f, ",%.10g,", mean);
            }
            int which = !strcmp(col, "best_test_accuracy_percent") ? 0
                        : !strcmp(col, "final_test_accuracy_percent") ? 1
                        : !strcmp(col, "best_test_loss")              ? 2
                                                                      : -1;
            if (which >= 0) {
                shown[which][0] = mean;
                shown[which][1] = ok && n > 1 ? sqrt(m2 / (double)(n - 1)) : NAN;
                n_shown++;
            }
        }
        fputc('\n', af.f);
        if (out && n_shown == 3) {
            fprintf(out, "%-9s", cf[0].row[k].cell[2]);
            for (int i = 0; i < 3; i++) {
                char cell[64];
                snprintf(cell, sizeof cell, i == 2 ? "%.4f ± %.4f" : "%.2f ± %.2f", shown[i][0], shown[i][1]);
                fprintf(out, " %18s", cell);
            }
            fputc('\n', out);
        }
    }
    if (atomic_commit(&af)) goto out;
    rc = 0;
out:
    for (size_t s = 0; s < n; s++) {
        csv_row_free(&cf[s].head);
        for (size_t k = 0; k < cf[s].n_rows; k++) csv_row_free(&cf[s].row[k]);
    }
    free(cf);
    return rc;
}
