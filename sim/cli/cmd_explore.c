/* cmd_explore.c — f3sim explore SCENARIO.yaml (see EXPLORE_HELP and
 * docs/scenarios.md, "Exploring hardware").
 *
 * The scenario's numerics points (its sweep points × its learning rules)
 * are trained once each (numerics_cache.h: a rerun trains nothing); the
 * hardware points of its explore section are evaluated on the analytic
 * chip evaluator (sim/chip/analytic.h, equal to the SystemC model) against
 * each numerics point, on --threads threads.  Writes <outputs.folder>/<name>/
 * explore.csv (every point; outputs.explore_table full) and pareto.csv (the
 * non-dominated feasible points per rule), a summary on stdout, progress
 * with an ETA on stderr.
 *
 * The threads evaluate contiguous chunks of the points and write their rows
 * into buffers of their own (numfmt.h: the bytes printf would write); the
 * main thread appends the chunks to explore.csv and folds them into the
 * fronts in the points' order, so every file is the same for any number of
 * threads. */
#include "cmd_explore.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "analytic.h"
#include "cli_util.h"
#include "cmd_formulas.h"
#include "cmd_scenario.h"
#include "f3/blocks.h"
#include "f3/status.h"
#include "hardware_check.h"
#include "numerics_cache.h"
#include "numfmt.h"
#include "results.h"
#include "scenario.h"
#include "train_run.h"

const char *const EXPLORE_HELP =
    "usage: f3sim explore SCENARIO.yaml [--set key.path=value ...] [--threads N] [--force] [--quiet]\n"
    "\n"
    "Explore a hardware design space: the scenario's explore section names\n"
    "hardware keys with lists or ranges of values ({from: 4, to: 256, scale: log2},\n"
    "{from: 8, to: 64, step: 8}), zipped keys, a grid or random or Latin-hypercube\n"
    "samples of N points (seeded), constraints and objectives\n"
    "(docs/scenarios.md, \"Exploring hardware\").  Each numerics point (the\n"
    "scenario's sweep points × its learning rules) is trained once and cached in\n"
    "<outputs.folder>/.numerics-cache (a rerun trains nothing); every hardware\n"
    "point is evaluated by the analytic chip evaluator, which equals the SystemC\n"
    "model.  Writes <outputs.folder>/<name>/explore.csv (every point: the swept\n"
    "keys, accuracy, energy per sample by item, throughput, area by item; only\n"
    "with outputs.explore_table full, the default) and pareto.csv (per rule, the\n"
    "feasible points no other feasible point beats in every objective), prints\n"
    "the best point per objective and the fronts' sizes, and shows progress with\n"
    "an ETA on stderr.  The points are evaluated on --threads threads; the files\n"
    "are the same, byte for byte, for any number of threads.  A network of\n"
    "blocks (network.type vit or blocks) is trained by the block trainer and\n"
    "costed block by block (the op table); a point its blocks cannot run\n"
    "(dataflow fused, registers smaller than an attention head) is a row with\n"
    "status \"cannot run: ...\".\n"
    "\n"
    "options:\n"
    "  --set key.path=value  override a scenario key\n"
    "  --threads N           threads evaluating the hardware points (default 0: one\n"
    "                        per core this process may use); training uses\n"
    "                        training.threads\n"
    "  --force               retrain numerics points that are in the cache\n"
    "  --quiet               no progress\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim explore scenarios/explore/design-space.yaml\n"
    "\n"
    "exit status: 0 done; 2 invalid scenario or explore section (file:line:col:\n"
    "message); 1 a run failed\n";

#define MAX_AXES 32
#define MAX_VALUES 1024
#define MAX_POINTS 5000000.0 /* hardware points x numerics points (memory for the fronts) */
#define MAX_THREADS 256
#define CHUNK_MAX 4096        /* evaluations per thread and round */

enum { OBJ_ACC = 0, OBJ_ENERGY, OBJ_SPS, OBJ_AREA, OBJ_COUNT };
static const char *const OBJ_NAMES[OBJ_COUNT] = {"test_accuracy_pct", "energy_per_sample_nJ", "samples_per_second",
                                                  "area_mm2"};
static const char *const OBJ_UNITS[OBJ_COUNT] = {"%", "nJ", "samples/s", "mm²"};
static const int OBJ_MAX[OBJ_COUNT] = {1, 0, 1, 0}; /* maximised? */

typedef struct {
    char path[128];
    int idx;             /* in the schema */
    int sect[SC_MAX_DEPTH]; /* the sections holding it (schema indices), made present when it is set */
    size_t n_sect;
    const sc_entry *e;
    int is_range, log2, zip;
    double from, to, step; /* range; step 0: continuous (random) or powers/unit steps (grid) */
    size_t n;              /* list values (a grid of a range: its values) */
    double *num;           /* (n) numbers */
    char (*text)[64];      /* (n) the values as text */
} axis;

typedef struct {
    const char *file;
    axis ax[MAX_AXES];
    size_t n_ax;
    int method; /* 0 grid, 1 random, 2 lhs */
    size_t samples;
    uint64_t seed;
    double area_max, energy_max, sps_min, dram_max; /* NAN: none */
    int fits_sram;
    int obj[OBJ_COUNT];
    size_t n_obj;
} spec;

static int spec_err(const char *file, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int spec_err(const char *file, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "f3sim explore: %s:%d:%d: %s\n", file, n ? (int)n->start_mark.line + 1 : 1,
            n ? (int)n->start_mark.column + 1 : 1, msg);
    return EXIT_USAGE;
}

static const char *scal(const yaml_node_t *n) { return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : ""; }

static int num_of(const char *file, const yaml_node_t *n, const char *what, double *out)
{
    char *end;
    if (n->type != YAML_SCALAR_NODE) return spec_err(file, n, "%s: expected a number", what);
    errno = 0;
    *out = strtod(scal(n), &end);
    if (errno || end == scal(n) || *end || !isfinite(*out))
        return spec_err(file, n, "%s: expected a number, got '%s'", what, scal(n));
    return 0;
}

static int choice_ok(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *c = choices; c && *c;) {
        const char *bar = strchr(c, '|');
        size_t k = bar ? (size_t)(bar - c) : strlen(c);
        if (k == n && !strncmp(c, s, n)) return 1;
        c = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* A value of axis a's key, checked against the schema; appended. */
static int add_value(const char *file, const yaml_node_t *n, axis *a, const char *text, double v)
{
    const sc_entry *e = a->e;
    if (a->n >= MAX_VALUES) return spec_err(file, n, "explore: %s: at most %d values", a->path, MAX_VALUES);
    char t[64];
    if (e->kind == SK_ENUM || e->kind == SK_STRING) {
        if (e->kind == SK_ENUM && !choice_ok(e->choices, text))
            return spec_err(file, n, "explore: %s: '%s' is not one of %s", a->path, text, e->choices);
        snprintf(t, sizeof t, "%s", text);
        v = 0;
    } else if (e->kind == SK_BOOL) {
        if (strcmp(text, "true") && strcmp(text, "false"))
            return spec_err(file, n, "explore: %s: expected true or false, got '%s'", a->path, text);
        v = !strcmp(text, "true");
        snprintf(t, sizeof t, "%s", text);
    } else {
        if (e->kind == SK_INT || e->kind == SK_AUTO_INT) v = nearbyint(v);
        if (v < e->min || v > e->max)
            return spec_err(file, n, "explore: %s: %.17g is outside [%.15g, %.15g]%s%s", a->path, v, e->min, e->max,
                            e->unit[0] ? " " : "", e->unit);
        snprintf(t, sizeof t, "%.15g", v);
    }
    double *nn = realloc(a->num, (a->n + 1) * sizeof *nn);
    char(*tt)[64] = realloc(a->text, (a->n + 1) * sizeof *tt);
    if (nn) a->num = nn;
    if (tt) a->text = tt;
    if (!nn || !tt) return spec_err(file, n, "out of memory");
    a->num[a->n] = v;
    snprintf(a->text[a->n], 64, "%s", t);
    a->n++;
    return 0;
}

static int read_axis(const char *file, yaml_document_t *doc, yaml_node_t *k, yaml_node_t *v, spec *sp, int zip)
{
    const char *key = scal(k);
    int idx = sc_schema_find(key);
    if (idx < 0 || sc_schema()[idx].kind == SK_SECTION)
        return spec_err(file, k, "explore: '%s' is not a key path like hardware.tile.mac_lanes (f3sim keys lists them)",
                        key);
    const sc_entry *e = &sc_schema()[idx];
    if (e->role != SR_HARDWARE)
        return spec_err(file, k,
                        "explore: %s is a %s key; explore varies hardware keys only (sweep numerics keys in the "
                        "sweep section: each is trained once)",
                        key, sc_role_names[e->role]);
    if (!strcmp(key, "hardware.mapping.auto") || !strncmp(key, "comparison.", 11))
        return spec_err(file, k,
                        "explore: %s is about choosing a chip within a budget (f3sim compare, hardware.mapping.auto); "
                        "explore varies the chip's own keys",
                        key);
    if (e->kind == SK_INT_LIST || e->kind == SK_ENUM_LIST)
        return spec_err(file, k, "explore: %s is a list key and cannot be explored", key);
    if (sp->n_ax >= MAX_AXES) return spec_err(file, k, "explore: at most %d keys", MAX_AXES);
    for (size_t i = 0; i < sp->n_ax; i++)
        if (!strcmp(sp->ax[i].path, key)) return spec_err(file, k, "explore: %s is given twice", key);
    axis *a = &sp->ax[sp->n_ax];
    memset(a, 0, sizeof *a);
    snprintf(a->path, sizeof a->path, "%s", key);
    a->idx = idx;
    a->e = e;
    a->zip = zip;
    char sect[128];
    snprintf(sect, sizeof sect, "%s", key);
    for (char *dot = strrchr(sect, '.'); dot && a->n_sect < SC_MAX_DEPTH; dot = strrchr(sect, '.')) {
        *dot = '\0';
        int si = sc_schema_find(sect);
        if (si >= 0) a->sect[a->n_sect++] = si;
    }
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (item->type != YAML_SCALAR_NODE) return spec_err(file, item, "explore: %s: expected a value", key);
            double x = 0;
            if (e->kind != SK_ENUM && e->kind != SK_STRING && e->kind != SK_BOOL &&
                num_of(file, item, key, &x))
                return EXIT_USAGE;
            if (add_value(file, item, a, scal(item), x)) return EXIT_USAGE;
        }
        if (!a->n) return spec_err(file, v, "explore: %s: expected a non-empty list", key);
    } else if (v->type == YAML_MAPPING_NODE) {
        if (zip) return spec_err(file, v, "explore.zip: %s: zipped keys take lists of values", key);
        if (e->kind != SK_INT && e->kind != SK_FLOAT && e->kind != SK_AUTO_INT && e->kind != SK_AUTO_FLOAT)
            return spec_err(file, v, "explore: %s: a range needs a numeric key; give a list of values", key);
        a->is_range = 1;
        int have_from = 0, have_to = 0;
        for (yaml_node_pair_t *pr = v->data.mapping.pairs.start; pr < v->data.mapping.pairs.top; pr++) {
            yaml_node_t *rk = yaml_document_get_node(doc, pr->key), *rv = yaml_document_get_node(doc, pr->value);
            const char *name = scal(rk);
            if (!strcmp(name, "from")) {
                if (num_of(file, rv, "from", &a->from)) return EXIT_USAGE;
                have_from = 1;
            } else if (!strcmp(name, "to")) {
                if (num_of(file, rv, "to", &a->to)) return EXIT_USAGE;
                have_to = 1;
            } else if (!strcmp(name, "step")) {
                if (num_of(file, rv, "step", &a->step)) return EXIT_USAGE;
                if (!(a->step > 0)) return spec_err(file, rv, "explore: %s: step must be positive", key);
            } else if (!strcmp(name, "scale")) {
                if (strcmp(scal(rv), "log2") && strcmp(scal(rv), "linear"))
                    return spec_err(file, rv, "explore: %s: scale is linear or log2, got '%s'", key, scal(rv));
                a->log2 = !strcmp(scal(rv), "log2");
            } else {
                return spec_err(file, rk, "explore: %s: unknown range key '%s' (from, to, step, scale)", key, name);
            }
        }
        if (!have_from || !have_to) return spec_err(file, v, "explore: %s: a range needs from and to", key);
        if (a->from > a->to) return spec_err(file, v, "explore: %s: from %.15g is above to %.15g", key, a->from, a->to);
        if (a->log2 && a->from <= 0) return spec_err(file, v, "explore: %s: a log2 range needs from > 0", key);
        if (a->log2 && a->step) return spec_err(file, v, "explore: %s: a log2 range has no step", key);
        if (a->from < e->min || a->to > e->max)
            return spec_err(file, v, "explore: %s: [%.15g, %.15g] leaves the key's range [%.15g, %.15g]", key, a->from,
                            a->to, e->min, e->max);
        /* its grid: powers of two from `from` (log2), or from, from + step, … (step 1 if none) */
        if (a->log2) {
            for (double x = a->from; x <= a->to * (1 + 1e-12); x *= 2)
                if (add_value(file, v, a, "", x)) return EXIT_USAGE;
        } else {
            double st = a->step ? a->step : 1.0;
            double cnt = floor((a->to - a->from) / st + 1e-9) + 1;
            if (cnt > MAX_VALUES)
                return spec_err(file, v, "explore: %s: the grid has %.0f values (at most %d); give a step", key, cnt,
                                MAX_VALUES);
            for (double i = 0; i < cnt; i++)
                if (add_value(file, v, a, "", a->from + i * st)) return EXIT_USAGE;
        }
    } else {
        double x = 0;
        if (e->kind != SK_ENUM && e->kind != SK_STRING && e->kind != SK_BOOL && num_of(file, v, key, &x))
            return EXIT_USAGE;
        if (add_value(file, v, a, scal(v), x)) return EXIT_USAGE;
    }
    sp->n_ax++;
    return 0;
}

static int read_spec(const scenario *sc, spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->file = sc->file;
    sp->seed = 1;
    sp->area_max = sp->energy_max = sp->sps_min = sp->dram_max = NAN;
    const char *file = sc->file;
    FILE *f = fopen(file, "rb");
    if (!f) return fprintf(stderr, "f3sim explore: %s: %s\n", file, strerror(errno)), EXIT_USAGE;
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int ok = yaml_parser_load(&p, &doc);
    fclose(f);
    yaml_parser_delete(&p);
    if (!ok) return fprintf(stderr, "f3sim explore: %s: cannot read it again\n", file), EXIT_USAGE;
    int rc = 0;
    yaml_node_t *root = yaml_document_get_root_node(&doc), *ex = NULL, *exk = NULL;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
        if (!strcmp(scal(k), "explore")) ex = yaml_document_get_node(&doc, pr->value), exk = k;
    }
    int have_space = 0, have_samples = 0, method_given = 0;
    if (!ex || ex->type != YAML_MAPPING_NODE) {
        rc = spec_err(file, exk, "explore: expected a mapping (space, method, samples, seed, zip, constraints, objectives)");
        goto out;
    }
    for (yaml_node_pair_t *pr = ex->data.mapping.pairs.start; pr < ex->data.mapping.pairs.top && !rc; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key), *v = yaml_document_get_node(&doc, pr->value);
        const char *name = scal(k);
        if (!strcmp(name, "space") || !strcmp(name, "zip")) {
            int zip = !strcmp(name, "zip");
            if (v->type != YAML_MAPPING_NODE) {
                rc = spec_err(file, v, "explore.%s: expected a mapping of hardware key paths to values", name);
                break;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !rc; q++)
                rc = read_axis(file, &doc, yaml_document_get_node(&doc, q->key), yaml_document_get_node(&doc, q->value),
                               sp, zip);
            have_space = 1;
        } else if (!strcmp(name, "method")) {
            const char *m = scal(v);
            method_given = 1;
            if (!strcmp(m, "grid")) sp->method = 0;
            else if (!strcmp(m, "random")) sp->method = 1;
            else if (!strcmp(m, "lhs") || !strcmp(m, "latin_hypercube")) sp->method = 2;
            else rc = spec_err(file, v, "explore.method: expected grid, random or lhs, got '%s'", m);
        } else if (!strcmp(name, "samples") || !strcmp(name, "seed")) {
            double x;
            if ((rc = num_of(file, v, name, &x))) break;
            if (x != floor(x) || x < (name[1] == 'a' ? 1 : 0) || x > 1e9)
                rc = spec_err(file, v, "explore.%s: expected a%s integer up to 10^9, got '%s'", name,
                              name[1] == 'a' ? " positive" : " non-negative", scal(v));
            else if (name[1] == 'a') sp->samples = (size_t)x, have_samples = 1;
            else sp->seed = (uint64_t)x;
        } else if (!strcmp(name, "constraints")) {
            if (v->type != YAML_MAPPING_NODE) {
                rc = spec_err(file, v, "explore.constraints: expected a mapping");
                break;
            }
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !rc; q++) {
                yaml_node_t *ck = yaml_document_get_node(&doc, q->key), *cv = yaml_document_get_node(&doc, q->value);
                const char *c = scal(ck);
                double *dst = !strcmp(c, "area_mm2_max")                ? &sp->area_max
                              : !strcmp(c, "energy_per_sample_nJ_max")   ? &sp->energy_max
                              : !strcmp(c, "samples_per_second_min")     ? &sp->sps_min
                              : !strcmp(c, "dram_bytes_per_sample_max")  ? &sp->dram_max
                                                                         : NULL;
                if (dst) {
                    rc = num_of(file, cv, c, dst);
                    if (!rc && *dst < 0) rc = spec_err(file, cv, "explore.constraints.%s: must not be negative", c);
                } else if (!strcmp(c, "fits_sram")) {
                    if (strcmp(scal(cv), "true") && strcmp(scal(cv), "false"))
                        rc = spec_err(file, cv, "explore.constraints.fits_sram: expected true or false");
                    sp->fits_sram = !strcmp(scal(cv), "true");
                } else {
                    rc = spec_err(file, ck,
                                  "explore.constraints: unknown constraint '%s' (area_mm2_max, energy_per_sample_nJ_max, "
                                  "samples_per_second_min, fits_sram, dram_bytes_per_sample_max)",
                                  c);
                }
            }
        } else if (!strcmp(name, "objectives")) {
            if (v->type != YAML_SEQUENCE_NODE) {
                rc = spec_err(file, v, "explore.objectives: expected a list");
                break;
            }
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !rc; it++) {
                yaml_node_t *o = yaml_document_get_node(&doc, *it);
                int found = -1;
                for (int j = 0; j < OBJ_COUNT; j++)
                    if (!strcmp(scal(o), OBJ_NAMES[j])) found = j;
                if (found < 0)
                    rc = spec_err(file, o,
                                  "explore.objectives: unknown objective '%s' (test_accuracy_pct, energy_per_sample_nJ, "
                                  "samples_per_second, area_mm2)",
                                  scal(o));
                else sp->obj[sp->n_obj++] = found;
            }
            if (!rc && !sp->n_obj) rc = spec_err(file, v, "explore.objectives: expected at least one");
        } else {
            rc = spec_err(file, k,
                          "explore: unknown key '%s' (space, zip, method, samples, seed, constraints, objectives)", name);
        }
    }
    if (rc) goto out;
    if (!have_space || !sp->n_ax) {
        rc = spec_err(file, ex, "explore: no space (a mapping of hardware keys to lists or ranges)");
        goto out;
    }
    if (!method_given) sp->method = have_samples ? 1 : 0;
    if (sp->method && !have_samples) {
        rc = spec_err(file, ex, "explore: method %s needs samples (how many points)", sp->method == 1 ? "random" : "lhs");
        goto out;
    }
    if (!sp->method && have_samples) {
        rc = spec_err(file, ex, "explore: samples is for method random or lhs; a grid takes every combination");
        goto out;
    }
    size_t zn = 0;
    for (size_t i = 0; i < sp->n_ax; i++)
        if (sp->ax[i].zip) {
            if (zn && sp->ax[i].n != zn) {
                rc = spec_err(file, ex, "explore.zip: %s has %zu values but the zipped keys before it have %zu", sp->ax[i].path,
                              sp->ax[i].n, zn);
                goto out;
            }
            zn = sp->ax[i].n;
        }
    if (!sp->n_obj)
        for (int j = 0; j < OBJ_COUNT; j++) sp->obj[sp->n_obj++] = j;
out:
    yaml_document_delete(&doc);
    return rc;
}

/* ---- the points ---------------------------------------------------------------------- */

static uint64_t sm64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double u01(uint64_t *s) { return (double)(sm64(s) >> 11) * 0x1p-53; }

/* Dimensions: every axis not zipped, then the zipped group (one). */
typedef struct {
    size_t n_dim, dim_axis[MAX_AXES]; /* the axis of a dimension (the zip group: its first axis) */
    size_t n_points;
    double *u;                        /* (points, dims): grid: the index; random/lhs: in [0, 1) */
} design;

static int make_design(const spec *sp, design *d)
{
    memset(d, 0, sizeof *d);
    int zip_seen = 0;
    for (size_t i = 0; i < sp->n_ax; i++) {
        if (sp->ax[i].zip) {
            if (zip_seen) continue;
            zip_seen = 1;
        }
        d->dim_axis[d->n_dim++] = i;
    }
    double n = 1;
    if (sp->method == 0)
        for (size_t k = 0; k < d->n_dim; k++) n *= (double)sp->ax[d->dim_axis[k]].n;
    else n = (double)sp->samples;
    if (n > MAX_POINTS)
        return fprintf(stderr, "f3sim explore: %s: the design has %.0f points; at most %.0f\n", sp->file, n, MAX_POINTS),
               EXIT_USAGE;
    d->n_points = (size_t)n;
    d->u = malloc(d->n_points * d->n_dim * sizeof *d->u);
    if (!d->u) return fprintf(stderr, "f3sim explore: out of memory\n"), EXIT_RUNTIME;
    uint64_t s = sp->seed * 0x2545f4914f6cdd1dull + 12345;
    if (sp->method == 0) {
        for (size_t p = 0; p < d->n_points; p++) {
            size_t r = p;
            for (size_t k = d->n_dim; k-- > 0;) { /* the last key varies fastest */
                size_t m = sp->ax[d->dim_axis[k]].n;
                d->u[p * d->n_dim + k] = (double)(r % m);
                r /= m;
            }
        }
    } else if (sp->method == 1) {
        for (size_t p = 0; p < d->n_points; p++)
            for (size_t k = 0; k < d->n_dim; k++) d->u[p * d->n_dim + k] = u01(&s);
    } else {
        size_t *perm = malloc(d->n_points * sizeof *perm);
        if (!perm) return fprintf(stderr, "f3sim explore: out of memory\n"), EXIT_RUNTIME;
        for (size_t k = 0; k < d->n_dim; k++) {
            for (size_t i = 0; i < d->n_points; i++) perm[i] = i;
            for (size_t i = d->n_points; i > 1; i--) { /* Fisher–Yates */
                size_t j = (size_t)(sm64(&s) % i), t = perm[i - 1];
                perm[i - 1] = perm[j];
                perm[j] = t;
            }
            for (size_t p = 0; p < d->n_points; p++)
                d->u[p * d->n_dim + k] = ((double)perm[p] + u01(&s)) / (double)d->n_points;
        }
        free(perm);
    }
    return 0;
}

/* The value of axis a at a point whose coordinate along a's dimension is u:
 * a list index (grid), or a draw in [0, 1) (random, lhs). */
static void value_at(const spec *sp, const axis *a, double u, double *num, const char **text, char *buf, size_t room)
{
    if (sp->method == 0 || !a->is_range) {
        size_t i = sp->method == 0 ? (size_t)u : (size_t)(u * (double)a->n);
        if (i >= a->n) i = a->n - 1;
        *num = a->num[i];
        *text = a->text[i];
        return;
    }
    double x = a->log2 ? exp2(log2(a->from) + u * (log2(a->to) - log2(a->from))) : a->from + u * (a->to - a->from);
    if (a->step) x = a->from + nearbyint((x - a->from) / a->step) * a->step;
    if (a->e->kind == SK_INT || a->e->kind == SK_AUTO_INT) x = nearbyint(x);
    if (x < a->from) x = a->from;
    if (x > a->to) x = a->to;
    *num = x;
    numfmt_g(buf, room, x, 15); /* printf's "%.15g" */
    *text = buf;
}

/* Set key idx of q (no validation: the spec checked the value). */
static void poke(scenario *q, const axis *a, double num, const char *text)
{
    sc_value *v = &q->v[a->idx];
    v->set = 1;
    switch (a->e->kind) {
    case SK_ENUM:
    case SK_STRING: { /* copied, not through printf (an axis value's text is under 64 bytes) */
        const size_t len = strnlen(text, SC_MAX_STR - 1);
        memcpy(v->str, text, len);
        memcpy(v->text, text, len);
        v->str[len] = v->text[len] = '\0';
        break;
    }
    case SK_AUTO_INT:
    case SK_AUTO_FLOAT: v->is_auto = 0; /* fall through */
    default: v->num = num; break;
    }
    /* an optional section (a link kind) exists once a key of it is given */
    for (size_t k = 0; k < a->n_sect; k++) q->v[a->sect[k]].set = 1;
}

/* ---- evaluation ------------------------------------------------------------------------ */

typedef struct {
    const char *rule;
    size_t sweep_point;       /* numerics: the scenario's sweep point */
    train_result res;
    chip_workload w;          /* its ledger's closed forms, made once */
    scenario *q;              /* the point's scenario, hardware keys poked in */
    f3_block *blocks;         /* a network of blocks: its blocks, attached to every chip (NULL: an MLP) */
} numerics_point;

typedef struct {
    int ran, feasible, fits;
    double obj[OBJ_COUNT];
    double dram_per_sample, peak_sram, resident;
    char status[160];
    chip_result r;
} outcome;

/* Hardware point hp against numerics point np: its axes' values poked into
 * q (np's scenario, or a thread's copy of it: every axis is set at every
 * point, so q's state is the point's whatever q evaluated before), their
 * texts into vals, the chip evaluated into o. */
static void evaluate(const spec *sp, const design *d, size_t hp, const numerics_point *np, scenario *q, outcome *o,
                     char vals[][64])
{
    for (size_t i = 0; i < sp->n_ax; i++) {
        const axis *a = &sp->ax[i];
        size_t dim = 0;
        for (size_t k = 0; k < d->n_dim; k++)
            if (d->dim_axis[k] == i || (a->zip && sp->ax[d->dim_axis[k]].zip)) dim = k;
        double num;
        const char *text;
        char buf[NUMFMT_ROOM];
        value_at(sp, a, d->u[hp * d->n_dim + dim], &num, &text, buf, sizeof buf);
        poke(q, a, num, text);
        size_t len = strlen(text);
        if (len > 63) len = 63;
        memcpy(vals[i], text, len);
        vals[i][len] = '\0';
    }
    chip_config hw;
    chip_config_from_scenario(q, &hw);
    hw.blocks = np->blocks;
    memset(o, 0, offsetof(outcome, r));
    /* what f3sim check and a run refuse, this rule cannot run here: a ROM
     * that cannot hold its B_i, a tile that does not fit a strict chip, a
     * cost table the hardware cannot follow (the evaluator: links, dataflow;
     * a block fused cannot run, registers too small for its attention) */
    const char *key = NULL;
    if (scenario_check_rom(q, &hw, &np->res.cfg, np->rule) != F3_OK ||
        chip_check_layers(&hw, &np->res.cfg, np->rule, &key) != F3_OK ||
        numerics_evaluate_workload(&hw, &np->w, &o->r)) {
        snprintf(o->status, sizeof o->status, "cannot run: %.140s", f3_last_error());
        for (char *c = o->status; *c; c++)
            if (*c == ',' || *c == '"' || *c == '\n') *c = ';';
        return;
    }
    const chip_result *r = &o->r;
    o->ran = 1;
    double e = 0;
    for (int k = 0; k < CHIP_E_COUNT; k++) e += r->energy_pj[k];
    const double n = r->samples ? (double)r->samples : 1.0;
    o->obj[OBJ_ACC] = np->res.final_test_accuracy;
    o->obj[OBJ_ENERGY] = e / n / 1e3;
    o->obj[OBJ_SPS] = r->samples_per_second;
    o->obj[OBJ_AREA] = r->area_mm2;
    o->dram_per_sample = (double)(r->dram_read + r->dram_written) / n;
    for (size_t i = 0; i < r->n_tiles; i++) {
        if (r->tile[i].sram_needed > o->peak_sram) o->peak_sram = r->tile[i].sram_needed;
        o->resident += r->tile[i].dram_resident;
    }
    o->fits = o->resident == 0;
    const char *why = NULL;
    if (!isnan(sp->area_max) && o->obj[OBJ_AREA] > sp->area_max) why = "area above area_mm2_max";
    else if (!isnan(sp->energy_max) && o->obj[OBJ_ENERGY] > sp->energy_max) why = "energy above energy_per_sample_nJ_max";
    else if (!isnan(sp->sps_min) && o->obj[OBJ_SPS] < sp->sps_min) why = "throughput below samples_per_second_min";
    else if (sp->fits_sram && !o->fits) why = "does not fit in SRAM";
    else if (!isnan(sp->dram_max) && o->dram_per_sample > sp->dram_max) why = "DRAM bytes above dram_bytes_per_sample_max";
    o->feasible = !why;
    memcpy(o->status, why ? why : "ok", strlen(why ? why : "ok") + 1); /* (short texts: not through printf) */
}

static void header(FILE *f, const scenario *sc, const spec *sp)
{
    fputs("point,numerics_point,rule", f);
    for (size_t a = 0; a < sc->n_sweep; a++) fprintf(f, ",%s", sc->sweep[a].path);
    for (size_t i = 0; i < sp->n_ax; i++) fprintf(f, ",%s", sp->ax[i].path);
    fputs(",status,feasible,test_accuracy_pct,best_test_accuracy_pct,energy_per_sample_nJ", f);
    for (int k = 0; k < CHIP_E_COUNT; k++) fprintf(f, ",energy_%s_per_sample_nJ", chip_energy_item_names[k]);
    fputs(",samples_per_second,cycles_per_sample,area_mm2,area_tiles_mm2,area_error_store_mm2,"
          "sram_needed_max_bytes,dram_resident_bytes,dram_bytes_per_sample,fits_sram,weights_sha256\n",
          f);
}

/* ---- rows, written without printf ------------------------------------------------------ */

/* A growing text; oom is set (and nothing more written) when it cannot grow. */
typedef struct {
    char *p;
    size_t n, cap;
    int oom;
} text_buf;

/* room for more bytes at the end, or NULL */
static char *tb_room(text_buf *b, size_t more)
{
    if (b->oom) return NULL;
    if (b->n + more > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->n + more) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->n;
}

static void tb_put(text_buf *b, const char *s, size_t n)
{
    char *o = tb_room(b, n);
    if (!o) return;
    memcpy(o, s, n);
    b->n += n;
}
static void tb_str(text_buf *b, const char *s) { tb_put(b, s, strlen(s)); }
static void tb_char(text_buf *b, char c) { tb_put(b, &c, 1); }

/* ",x" with x as printf's "%.<prec>f" */
static void tb_fixed(text_buf *b, double x, int prec)
{
    char *o = tb_room(b, NUMFMT_ROOM + 1);
    if (!o) return;
    o[0] = ',';
    b->n += 1 + numfmt_fixed(o + 1, NUMFMT_ROOM, x, prec);
}

static void tb_u64(text_buf *b, uint64_t n)
{
    char *o = tb_room(b, 24);
    if (o) b->n += numfmt_u64(o, n);
}

/* ,"text" with the quotes inside doubled (RFC 4180) */
static void tb_quoted(text_buf *b, const char *t)
{
    tb_put(b, ",\"", 2);
    for (; *t; t++) {
        if (*t == '"') tb_char(b, '"');
        tb_char(b, *t);
    }
    tb_char(b, '"');
}

/* One row of explore.csv (and pareto.csv): the same bytes as
 *   "%zu,%zu,%s" point, numerics point, rule; ,"%s" each sweep value;
 *   ",%s" each axis value; ",%s,%d,%.4f,%.4f" status, feasible, accuracies;
 *   ",%.6f" energy and each energy item; ",%.3f,%.3f" throughput, cycles;
 *   ",%.6f,%.6f,%.6f" areas; ",%.0f,%.0f,%.1f,%d" SRAM, DRAM resident, DRAM
 *   per sample, fits; ",%s\n" the weights' hash
 * (a point the chip cannot run: empty chip columns). */
static void row_text(text_buf *b, const scenario *sc, const spec *sp, size_t hp, const numerics_point *np,
                     const outcome *o, char vals[][64])
{
    tb_u64(b, hp);
    tb_char(b, ',');
    tb_u64(b, np->sweep_point);
    tb_char(b, ',');
    tb_str(b, np->rule);
    for (size_t a = 0; a < sc->n_sweep; a++) tb_quoted(b, scenario_sweep_value(sc, a, np->sweep_point));
    for (size_t i = 0; i < sp->n_ax; i++) {
        tb_char(b, ',');
        tb_str(b, vals[i]);
    }
    tb_char(b, ',');
    tb_str(b, o->status);
    tb_put(b, o->feasible ? ",1" : ",0", 2);
    tb_fixed(b, np->res.final_test_accuracy, 4);
    tb_fixed(b, np->res.best_test_accuracy, 4);
    if (!o->ran) {
        tb_str(b, ",,,,,,,,,,,,,,,,,,");
        tb_str(b, np->res.weights_sha256);
        tb_char(b, '\n');
        return;
    }
    const double n = o->r.samples ? (double)o->r.samples : 1.0;
    tb_fixed(b, o->obj[OBJ_ENERGY], 6);
    for (int k = 0; k < CHIP_E_COUNT; k++) tb_fixed(b, o->r.energy_pj[k] / n / 1e3, 6);
    tb_fixed(b, o->obj[OBJ_SPS], 3);
    tb_fixed(b, o->r.cycles_per_sample, 3);
    tb_fixed(b, o->obj[OBJ_AREA], 6);
    tb_fixed(b, o->r.area_mm2 - o->r.es_area_mm2, 6);
    tb_fixed(b, o->r.es_area_mm2, 6);
    tb_fixed(b, o->peak_sram, 0);
    tb_fixed(b, o->resident, 0);
    tb_fixed(b, o->dram_per_sample, 1);
    tb_put(b, o->fits ? ",1," : ",0,", 3);
    tb_str(b, np->res.weights_sha256);
    tb_char(b, '\n');
}

/* ---- the Pareto front -------------------------------------------------------------------- */

typedef struct {
    double v[OBJ_COUNT]; /* oriented: smaller is better */
    size_t hp, np;
} cand;

static const spec *g_sp;
static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    for (size_t k = 0; k < g_sp->n_obj; k++) {
        int j = g_sp->obj[k];
        if (x->v[j] < y->v[j]) return -1;
        if (x->v[j] > y->v[j]) return 1;
    }
    return x->hp < y->hp ? -1 : x->hp > y->hp;
}

static int dominates(const spec *sp, const cand *a, const cand *b)
{
    int better = 0;
    for (size_t k = 0; k < sp->n_obj; k++) {
        int j = sp->obj[k];
        if (a->v[j] > b->v[j]) return 0;
        if (a->v[j] < b->v[j]) better = 1;
    }
    return better;
}

/* The non-dominated candidates (c sorted lexicographically: whatever
 * dominates a point comes before it); returns their count, moved to the
 * front of c in sorted order.  The front point that dominated the last
 * candidate is tried first: neighbours in the sorted order are mostly
 * dominated by the same point (which point is tried first changes nothing
 * but the time). */
static size_t front(const spec *sp, cand *c, size_t n)
{
    g_sp = sp;
    qsort(c, n, sizeof *c, cmp_cand);
    size_t m = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(i & 0xffff) && cli_stop_signal()) break; /* SIGINT, SIGTERM: the caller stops */
        int dom = m && dominates(sp, &c[last], &c[i]);
        for (size_t j = 0; j < m && !dom; j++)
            if ((dom = dominates(sp, &c[j], &c[i]))) last = j;
        if (!dom) c[m++] = c[i];
    }
    return m;
}

/* ---- evaluating in parallel ---------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


/* What the fronts and the summary keep of a point. */
typedef struct {
    int ran, feasible;
    double obj[OBJ_COUNT];
} point_sum;

/* One thread's share of a round: the evaluations [from, to) (evaluation g
 * is hardware point g mod n_points against numerics point g / n_points),
 * their rows (rows set) and summaries.  Its scenario is a copy of the
 * numerics point's, made when the chunk reaches a new numerics point. */
typedef struct {
    const scenario *sc;
    const spec *sp;
    const design *d;
    const numerics_point *nps;
    int rows;
    size_t from, to;
    scenario *q;          /* a copy of nps[q_np].q (NULL: none yet) */
    size_t q_np;
    outcome o;
    char (*vals)[64];     /* (n_ax) */
    text_buf text;        /* the chunk's rows */
    point_sum *sum;       /* (to - from) */
    int failed;           /* out of memory */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (size_t g = w->from; g < w->to && !w->failed; g++) {
        const size_t j = g / w->d->n_points, hp = g % w->d->n_points;
        if (!w->q || w->q_np != j) {
            scenario_free(w->q);
            w->q = NULL;
            if (scenario_copy(w->nps[j].q, &w->q) != F3_OK) {
                w->failed = 1;
                break;
            }
            w->q_np = j;
        }
        evaluate(w->sp, w->d, hp, &w->nps[j], w->q, &w->o, w->vals);
        point_sum *ps = &w->sum[g - w->from];
        ps->ran = w->o.ran;
        ps->feasible = w->o.feasible;
        memcpy(ps->obj, w->o.obj, sizeof ps->obj);
        if (w->rows) row_text(&w->text, w->sc, w->sp, hp, &w->nps[j], &w->o, w->vals);
        if (w->text.oom) w->failed = 1;
    }
    return NULL;
}

/* Evaluate every point (evaluation g: hardware point g mod n_points against
 * numerics point g / n_points) on the threads, round by round: each thread
 * takes a contiguous chunk of a round, and the main thread appends the
 * chunks' rows to explore.csv (with a full table) and folds their
 * summaries into the fronts and the best points, in the points' order.
 * Then pareto.csv and the summary.  0, or an exit status. */
static int explore_points(const scenario *sc, const spec *sp, const design *d, numerics_point *nps, size_t n_np,
                          char (*algs)[32], size_t na, const char *base, double t_train, int threads, int quiet)
{
    const size_t total = d->n_points * n_np;
    const int table = !strcmp(scenario_str(sc, "outputs.explore_table"), "full");
    size_t T = threads > 0 ? (size_t)threads : (size_t)f3_usable_cores();
    size_t chunk = total / (T * 16); /* about 16 rounds: progress, and little idle time at the end */
    if (chunk < 256) chunk = 256;
    if (chunk > CHUNK_MAX) chunk = CHUNK_MAX;
    if (T > (total + chunk - 1) / chunk) T = (total + chunk - 1) / chunk;
    if (T < 1) T = 1;
    int rc = 0;
    cand *cands = malloc((total ? total : 1) * sizeof *cands);
    point_sum *best = calloc(n_np * OBJ_COUNT, sizeof *best);
    size_t *best_hp = calloc(n_np * OBJ_COUNT, sizeof *best_hp);
    char(*vals)[64] = calloc(sp->n_ax, 64);
    worker *wk = calloc(T, sizeof *wk);
    pthread_t *tid = calloc(T, sizeof *tid);
    int *started = calloc(T, sizeof *started);
    static outcome o;
    atomic_file af = {0};
    text_buf pb = {0};
    if (!cands || !best || !best_hp || !vals || !wk || !tid || !started) {
        fprintf(stderr, "f3sim explore: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t t = 0; t < T; t++) {
        wk[t] = (worker){.sc = sc, .sp = sp, .d = d, .nps = nps, .rows = table};
        wk[t].vals = calloc(sp->n_ax ? sp->n_ax : 1, 64);
        wk[t].sum = malloc(chunk * sizeof *wk[t].sum);
        if (!wk[t].vals || !wk[t].sum) {
            fprintf(stderr, "f3sim explore: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    if (table) {
        if (atomic_open(&af, base, "explore.csv")) {
            fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
            rc = EXIT_RUNTIME;
            goto out;
        }
        header(af.f, sc, sp);
    }
    const int tty = isatty(2);
    const double t0 = now_s();
    double last_show = t0;
    int next_pct = 10;
    size_t n_cand = 0, n_feasible = 0, n_ran = 0;
    for (size_t start = 0; start < total && !rc; start += T * chunk) {
        for (size_t t = 0; t < T; t++) {
            wk[t].from = start + t * chunk < total ? start + t * chunk : total;
            wk[t].to = wk[t].from + chunk < total ? wk[t].from + chunk : total;
            wk[t].text.n = 0;
        }
        /* thread 0 is this one; a thread that cannot start runs here too */
        for (size_t t = 1; t < T; t++)
            started[t] = wk[t].from < wk[t].to && pthread_create(&tid[t], NULL, work, &wk[t]) == 0;
        work(&wk[0]);
        for (size_t t = 1; t < T; t++) {
            if (started[t]) pthread_join(tid[t], NULL);
            else work(&wk[t]);
        }
        for (size_t t = 0; t < T && !rc; t++) {
            const worker *w = &wk[t];
            if (w->failed) {
                fprintf(stderr, "f3sim explore: out of memory\n");
                rc = EXIT_RUNTIME;
                break;
            }
            if (table && w->text.n && fwrite(w->text.p, 1, w->text.n, af.f) != w->text.n) {
                fprintf(stderr, "f3sim explore: %s: cannot write: %s\n", af.path, strerror(errno));
                rc = EXIT_RUNTIME;
                break;
            }
            for (size_t g = w->from; g < w->to; g++) {
                const point_sum *ps = &w->sum[g - w->from];
                const size_t j = g / d->n_points, hp = g % d->n_points;
                n_ran += (size_t)ps->ran;
                if (!ps->feasible) continue;
                n_feasible++;
                cand *cd = &cands[n_cand++];
                for (int k = 0; k < OBJ_COUNT; k++) cd->v[k] = OBJ_MAX[k] ? -ps->obj[k] : ps->obj[k];
                cd->hp = hp;
                cd->np = j;
                for (int k = 0; k < OBJ_COUNT; k++) {
                    point_sum *b = &best[j * OBJ_COUNT + k];
                    if (!b->feasible || cd->v[k] < (OBJ_MAX[k] ? -b->obj[k] : b->obj[k])) {
                        *b = *ps;
                        best_hp[j * OBJ_COUNT + k] = hp;
                    }
                }
            }
        }
        const size_t done = start + T * chunk < total ? start + T * chunk : total;
        /* SIGINT or SIGTERM: stop after this round; explore.csv is not
         * committed (cmd_explore marks the folder interrupted) */
        int sig = cli_stop_signal();
        if (sig && !rc) {
            if (!quiet && tty) fprintf(stderr, "\n");
            fprintf(stderr, "f3sim explore: stopped by %s after %zu of %zu points; no explore.csv or pareto.csv "
                            "written (%s/status.json: interrupted)\n", cli_signal_name(sig), done, total, base);
            rc = EXIT_SIGNAL(sig);
            break;
        }
        if (!quiet && done < total) {
            double t = now_s(), el = t - t0, pct = 100.0 * (double)done / (double)total;
            double eta = el / (double)done * (double)(total - done);
            if (tty && t - last_show > 0.2) {
                fprintf(stderr, "\rf3sim explore: %5.1f %% (%zu of %zu points), %.1f s, ETA %.1f s   ", pct, done, total,
                        el, eta);
                last_show = t;
            } else if (!tty && pct >= next_pct) {
                while (pct >= next_pct + 10) next_pct += 10;
                fprintf(stderr, "f3sim explore: %d %% (%zu of %zu points), %.1f s, ETA %.1f s\n", next_pct, done, total,
                        el, eta);
                next_pct += 10;
            }
        }
    }
    if (!quiet && tty) fprintf(stderr, "\r%78s\r", "");
    const double t_eval = now_s() - t0;
    if (rc) goto out;
    int sig = cli_stop_signal();
    if (table && atomic_commit(&af)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    /* Pareto fronts per rule, written with explore.csv's columns */
    if (atomic_open(&af, base, "pareto.csv")) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    header(af.f, sc, sp);
    size_t front_size[SC_MAX_LIST] = {0};
    for (size_t k = 0; k < na && !rc; k++) {
        /* this rule's candidates, moved together */
        size_t m = 0;
        cand *rc_c = malloc((n_cand ? n_cand : 1) * sizeof *rc_c);
        if (!rc_c) {
            fprintf(stderr, "f3sim explore: out of memory\n");
            rc = EXIT_RUNTIME;
            break;
        }
        for (size_t i = 0; i < n_cand; i++)
            if (!strcmp(nps[cands[i].np].rule, algs[k])) rc_c[m++] = cands[i];
        size_t f = front(sp, rc_c, m);
        front_size[k] = f;
        if (!sig && (sig = cli_stop_signal())) {
            free(rc_c);
            break;
        }
        for (size_t i = 0; i < f; i++) {
            numerics_point *np = &nps[rc_c[i].np];
            evaluate(sp, d, rc_c[i].hp, np, np->q, &o, vals);
            row_text(&pb, sc, sp, rc_c[i].hp, np, &o, vals);
        }
        free(rc_c);
    }
    if (!rc && sig) {
        fprintf(stderr, "f3sim explore: stopped by %s while finding the Pareto fronts; no explore.csv or pareto.csv "
                        "written (%s/status.json: interrupted)\n", cli_signal_name(sig), base);
        rc = EXIT_SIGNAL(sig);
    }
    if (!rc && pb.oom) {
        fprintf(stderr, "f3sim explore: out of memory\n");
        rc = EXIT_RUNTIME;
    }
    if (!rc && pb.n && fwrite(pb.p, 1, pb.n, af.f) != pb.n) {
        fprintf(stderr, "f3sim explore: %s: cannot write: %s\n", af.path, strerror(errno));
        rc = EXIT_RUNTIME;
    }
    if (rc) goto out;
    if (atomic_commit(&af)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    /* front only: an explore.csv of an earlier run would not be this one's */
    char stale[1300];
    snprintf(stale, sizeof stale, "%s/explore.csv", base);
    if (!table && remove(stale) && errno != ENOENT) {
        fprintf(stderr, "f3sim explore: %s: cannot remove an earlier run's table: %s\n", stale, strerror(errno));
        rc = EXIT_RUNTIME;
        goto out;
    }
    /* the summary */
    printf("%s: %zu points (%zu hardware × %zu numerics), %zu the chip can run, %zu feasible; training %.1f s, "
           "evaluation %.2f s on %zu thread%s (%.0f points/s)\n",
           sc->name, total, d->n_points, n_np, n_ran, n_feasible, t_train, t_eval, T, T == 1 ? "" : "s",
           t_eval > 0 ? (double)total / t_eval : 0.0);
    for (size_t k = 0; k < na; k++) {
        printf("%s: Pareto front of %zu points (%s/pareto.csv)\n", algs[k], front_size[k], base);
        for (size_t q = 0; q < sp->n_obj; q++) {
            int ob = sp->obj[q];
            const point_sum *b = NULL;
            size_t bj = 0, bh = 0;
            for (size_t j = 0; j < n_np; j++) {
                if (strcmp(nps[j].rule, algs[k])) continue;
                const point_sum *c2 = &best[j * OBJ_COUNT + ob];
                if (!c2->feasible) continue;
                if (!b || (OBJ_MAX[ob] ? c2->obj[ob] > b->obj[ob] : c2->obj[ob] < b->obj[ob]))
                    b = c2, bj = j, bh = best_hp[j * OBJ_COUNT + ob];
            }
            if (!b) {
                printf("  best %s: no feasible point\n", OBJ_NAMES[ob]);
                continue;
            }
            evaluate(sp, d, bh, &nps[bj], nps[bj].q, &o, vals);
            printf("  best %s: %.6g %s at point %zu:", OBJ_NAMES[ob], b->obj[ob], OBJ_UNITS[ob], bh);
            for (size_t a = 0; a < sc->n_sweep; a++)
                printf(" %s=%s", sc->sweep[a].path, scenario_sweep_value(sc, a, nps[bj].sweep_point));
            for (size_t i = 0; i < sp->n_ax; i++) printf(" %s=%s", sp->ax[i].path, vals[i]);
            printf("\n");
        }
    }
    if (table) printf("explore.csv: %s/explore.csv\n", base);
    else printf("explore.csv: not written (outputs.explore_table: front)\n");
out:
    if (af.f) atomic_abort(&af);
    for (size_t t = 0; wk && t < T; t++) {
        scenario_free(wk[t].q);
        free(wk[t].vals);
        free(wk[t].sum);
        free(wk[t].text.p);
    }
    free(wk);
    free(tid);
    free(started);
    free(pb.p);
    free(cands);
    free(best);
    free(best_hp);
    free(vals);
    return rc;
}

/* ---- the command ------------------------------------------------------------------------ */

int cmd_explore(int argc, char **argv)
{
    static const struct option opts[] = {{"set", required_argument, 0, 's'},
                                         {"threads", required_argument, 0, 'T'},
                                         {"force", no_argument, 0, 'F'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *sets[64];
    size_t n_sets = 0;
    int force = 0, quiet = 0, c;
    long threads = 0;
    char cmdline[4096], line[4000];
    command_line_text(line, sizeof line, argc, argv); /* before getopt reorders argv */
    snprintf(cmdline, sizeof cmdline, "f3sim %s", line);
    run_status rs;
    int have_status = 0;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (n_sets >= 64) return fprintf(stderr, "f3sim explore: at most 64 --set options\n"), EXIT_USAGE;
            sets[n_sets++] = optarg;
            break;
        case 'T': {
            char *end;
            errno = 0;
            threads = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || threads < 0 || threads > MAX_THREADS)
                return fprintf(stderr, "f3sim explore: --threads expects a whole number from 0 to %d, got '%s'\n",
                               MAX_THREADS, optarg),
                       EXIT_USAGE;
            break;
        }
        case 'F': force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(EXPLORE_HELP, stdout); return 0;
        case ':': fprintf(stderr, "f3sim explore: option '%s' is missing its value\n", argv[optind - 1]); return EXIT_USAGE;
        default: {
            char w[256];
            return cli_bad_option("explore", cli_rejected_word(argc, argv, opts, -1, w, sizeof w), opts, NULL, NULL);
        }
        }
    }
    if (optind >= argc)
        return fprintf(stderr, "f3sim explore: which scenario? usage: f3sim explore SCENARIO.yaml\n"), EXIT_USAGE;
    if (optind + 1 < argc) return fprintf(stderr, "f3sim explore: unexpected argument '%s'\n", argv[optind + 1]), EXIT_USAGE;
    const char *file = argv[optind];
    scenario *sc = NULL;
    if (scenario_load(file, &sc) != F3_OK || (n_sets && scenario_set_all(sc, sets, n_sets) != F3_OK)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        scenario_free(sc);
        return EXIT_USAGE;
    }
    int rc = 0;
    static spec sp;
    design d = {0};
    numerics_point *nps = NULL;
    size_t n_np = 0;
    if (!sc->explore_line) {
        fprintf(stderr, "f3sim explore: %s:1:1: no explore section (what to explore: see f3sim help explore)\n", file);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!scenario_present(sc, "hardware")) {
        fprintf(stderr, "f3sim explore: %s:%d:%d: explore needs a hardware section (the chip whose keys it varies)\n",
                file, sc->explore_line, sc->explore_col);
        rc = EXIT_USAGE;
        goto out;
    }
    if (strcmp(scenario_str(sc, "hardware.mapping.auto"), "none")) {
        scenario_at_key(sc, "hardware.mapping.auto", F3_EINVAL,
                        "hardware.mapping.auto chooses one chip per run, but explore evaluates the chips of its own "
                        "axes: set it none here (f3sim compare searches mappings and sizes within a budget)");
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_USAGE;
        goto out;
    }
    if ((rc = read_spec(sc, &sp)) || (rc = make_design(&sp, &d))) goto out;

    /* numerics points: sweep points × rules, each trained once (cached) */
    char algs[SC_MAX_LIST][32];
    const size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST), nsw = scenario_sweep_points(sc);
    if ((double)d.n_points * (double)(na * nsw) > MAX_POINTS) {
        fprintf(stderr, "f3sim explore: %s:%d:%d: %zu hardware points × %zu numerics points; at most %.0f evaluations\n",
                file, sc->explore_line, sc->explore_col, d.n_points, na * nsw, MAX_POINTS);
        rc = EXIT_USAGE;
        goto out;
    }
    char base[1200];
    snprintf(base, sizeof base, "%s/%s", scenario_str(sc, "outputs.folder"), sc->name);
    if (make_dirs(base)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    /* the folder's status.json: running, then done, failed or interrupted */
    cli_signals_install();
    if (run_status_start(&rs, base, "explore", cmdline)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
        goto out;
    }
    have_status = 1;
    nps = calloc(na * nsw, sizeof *nps);
    if (!nps) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    double t_train = now_s();
    for (size_t i = 0; i < nsw && !rc; i++) {
        for (size_t k = 0; k < na && !rc; k++) {
            numerics_point *np = &nps[n_np];
            if (scenario_sweep_point(sc, i, &np->q) != F3_OK) {
                fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
                rc = EXIT_USAGE;
                break;
            }
            n_np++;
            np->rule = algs[k];
            np->sweep_point = i;
            train_options o;
            scenario_train_options(np->q, algs[k], &o);
            o.progress = !quiet;
            if (nsw > 1) snprintf(o.out, sizeof o.out, "%.1000s/numerics-%03zu/%.31s", base, i, algs[k]);
            else snprintf(o.out, sizeof o.out, "%.1000s/numerics/%.31s", base, algs[k]);
            snprintf(o.rule, sizeof o.rule, "%.31s", algs[k]);
            scenario_sweep_label(sc, i, o.point_label, sizeof o.point_label);
            snprintf(o.command_line, sizeof o.command_line, "f3sim explore %s", file);
            o.sc = np->q;
            o.sets = sets;
            o.n_sets = n_sets;
            int reused = 0;
            rc = numerics_train_cached(np->q, algs[k], &o, force, &reused, &np->res);
            /* a network of blocks: its blocks, for the workload and every chip */
            chip_config hw0;
            chip_config_from_scenario(np->q, &hw0);
            if (!rc && hw0.n_blocks) {
                size_t nb = 0;
                if (!(np->blocks = malloc(F3_BLOCKNET_MAX_BLOCKS * sizeof *np->blocks))) {
                    F3_FAIL(F3_ENOMEM, "out of memory");
                    rc = EXIT_RUNTIME;
                } else if (scenario_blocks(np->q, np->blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) {
                    rc = EXIT_USAGE;
                }
                hw0.blocks = np->blocks;
            }
            if (!rc && chip_workload_for(&np->w, &hw0, &np->res.cfg, np->res.n_train, np->res.epochs) != F3_OK)
                rc = EXIT_USAGE;
            if (rc) fprintf(stderr, "f3sim explore: %s: %s\n", algs[k], f3_last_error());
            else if (!quiet)
                fprintf(stderr, "f3sim explore: %s%s%s: %s (final test accuracy %.2f %%)\n", algs[k],
                        o.point_label[0] ? " at " : "", o.point_label,
                        reused ? "training reused from the numerics cache" : "trained", np->res.final_test_accuracy);
        }
    }
    if (rc) goto out;
    t_train = now_s() - t_train;

    /* every hardware point against every numerics point, on the threads */
    rc = explore_points(sc, &sp, &d, nps, n_np, algs, na, base, t_train, (int)threads, quiet);
out:
    if (have_status) {
        if (!rc) run_status_done(&rs);
        else if (EXIT_IS_SIGNAL(rc)) {
            /* an earlier run's tables would look like this one's */
            char stale[1300];
            snprintf(stale, sizeof stale, "%s/explore.csv", base), remove(stale);
            snprintf(stale, sizeof stale, "%s/pareto.csv", base), remove(stale);
            run_status_interrupted(&rs, rc - 128);
        } else run_status_failed(&rs, f3_last_error());
    }
    for (size_t i = 0; i < n_np; i++) scenario_free(nps[i].q), free(nps[i].blocks);
    free(nps);
    free(d.u);
    for (size_t i = 0; i < sp.n_ax; i++) free(sp.ax[i].num), free(sp.ax[i].text);
    scenario_free(sc);
    return rc;
}
