/* explore_spec.c — f3sim explore's explore section (explore.h): its axes
 * (hardware keys with lists or ranges, zipped or not), constraints and
 * objectives read with file:line:col errors, and the design of its
 * hardware points (grid, random, Latin hypercube). */
#include "explore.h"

#include <errno.h>
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

#include "cli_util.h"
#include "f3/status.h"
#include "numfmt.h"

const char *const OBJ_NAMES[OBJ_COUNT] = {"test_accuracy_pct", "energy_per_sample_nJ", "samples_per_second",
                                                  "area_mm2"};
const char *const OBJ_UNITS[OBJ_COUNT] = {"%", "nJ", "samples/s", "mm²"};
const int OBJ_MAX[OBJ_COUNT] = {1, 0, 1, 0}; /* maximised? */

/* The command its messages name (explore; check or show validating the section). */
static const char *spec_cmd = "explore";

static int spec_err(const char *file, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int spec_err(const char *file, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "f3sim %s: %s:%d:%d: %s\n", spec_cmd, file, n ? (int)n->start_mark.line + 1 : 1,
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

/* x snapped to what can be built (axis a's snap), kept within [from, to]:
 * the nearest power of two in log₂ (SNAP_POW2) or the nearest whole
 * multiple of snap_to; a value past an end goes to the nearest one inside.
 * Returns a value above `to` when none lies inside (read_axis refuses it). */
double snap_value(const axis *a, double x)
{
    if (a->snap == SNAP_POW2) {
        double lo = exp2(ceil(log2(a->from) - 1e-12)), hi = exp2(floor(log2(a->to) + 1e-12));
        if (lo > hi) return INFINITY;
        double y = x > 0 ? exp2(nearbyint(log2(x))) : lo;
        return y < lo ? lo : y > hi ? hi : y;
    }
    if (a->snap == SNAP_MULTIPLE) {
        const double m = a->snap_to;
        double lo = ceil(a->from / m - 1e-12) * m, hi = floor(a->to / m + 1e-12) * m;
        if (lo > hi) return INFINITY;
        double y = nearbyint(x / m) * m;
        return y < lo ? lo : y > hi ? hi : y;
    }
    return x;
}

/* A range's `snap:` — none, pow2, or a positive number (whole multiples of
 * it) — into a; 0, or EXIT_USAGE said at the node. */
static int read_snap(const char *file, const yaml_node_t *rv, const char *key, axis *a)
{
    const char *t = scal(rv);
    if (!strcmp(t, "none")) {
        a->snap = SNAP_NONE;
    } else if (!strcmp(t, "pow2")) {
        a->snap = SNAP_POW2;
    } else {
        char *end = NULL;
        double m = strtod(t, &end);
        if (!*t || *end || !(m > 0) || !isfinite(m))
            return spec_err(file, rv, "explore: %s: snap is none, pow2 or a positive number (snap to whole "
                                      "multiples of it), got '%s'", key, t);
        a->snap = SNAP_MULTIPLE;
        a->snap_to = m;
    }
    return 0;
}

/* Without `snap:`, a range snaps to parts that are built: MAC lanes to
 * powers of two, an SRAM's capacity to whole macros (the scenario's
 * hardware.tile.sram.macro_kib) or, when the macro is auto (the SRAM is one
 * macro of its capacity), to powers of two, other capacities in KiB to
 * whole KiB; other keys as drawn. */
static void default_snap(const spec *sp, const char *key, axis *a)
{
    const char *last = strrchr(key, '.');
    last = last ? last + 1 : key;
    if (!strcmp(last, "mac_lanes")) {
        a->snap = SNAP_POW2;
    } else if (!strcmp(last, "capacity_kib")) {
        a->snap = SNAP_MULTIPLE;
        a->snap_to = 1.0;
        if (strstr(key, ".sram.")) {
            if (sp->macro_kib > 0) a->snap_to = sp->macro_kib;
            else a->snap = SNAP_POW2;
        }
    }
}

static int add_value(const char *file, const yaml_node_t *n, axis *a, const char *text, double v);

/* A value of a range's grid, snapped, unless the grid has it already. */
static int add_grid_value(const char *file, const yaml_node_t *v, axis *a, double x)
{
    if (a->snap) x = snap_value(a, x);
    for (size_t i = 0; i < a->n; i++)
        if (a->num[i] == x) return 0;
    return add_value(file, v, a, "", x);
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
        int have_from = 0, have_to = 0, have_snap = 0;
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
            } else if (!strcmp(name, "snap")) {
                if (read_snap(file, rv, key, a)) return EXIT_USAGE;
                have_snap = 1;
            } else {
                return spec_err(file, rk, "explore: %s: unknown range key '%s' (from, to, step, scale, snap)", key,
                                name);
            }
        }
        if (!have_snap) default_snap(sp, key, a);
        if (!have_from || !have_to) return spec_err(file, v, "explore: %s: a range needs from and to", key);
        if (a->from > a->to) return spec_err(file, v, "explore: %s: from %.15g is above to %.15g", key, a->from, a->to);
        if (a->log2 && a->from <= 0) return spec_err(file, v, "explore: %s: a log2 range needs from > 0", key);
        if (a->log2 && a->step) return spec_err(file, v, "explore: %s: a log2 range has no step", key);
        if (a->from < e->min || a->to > e->max)
            return spec_err(file, v, "explore: %s: [%.15g, %.15g] leaves the key's range [%.15g, %.15g]", key, a->from,
                            a->to, e->min, e->max);
        if (a->snap && snap_value(a, a->from) > a->to)
            return spec_err(file, v, "explore: %s: no %s lies in [%.15g, %.15g]", key,
                            a->snap == SNAP_POW2 ? "power of two" : "whole multiple of the snap", a->from, a->to);
        /* its grid: powers of two from `from` (log2), or from, from + step, … (step 1 if none);
         * snapped, each value once */
        if (a->log2) {
            for (double x = a->from; x <= a->to * (1 + 1e-12); x *= 2)
                if (add_grid_value(file, v, a, x)) return EXIT_USAGE;
        } else {
            double st = a->step ? a->step : 1.0;
            double cnt = floor((a->to - a->from) / st + 1e-9) + 1;
            if (cnt > MAX_VALUES)
                return spec_err(file, v, "explore: %s: the grid has %.0f values (at most %d); give a step", key, cnt,
                                MAX_VALUES);
            for (double i = 0; i < cnt; i++)
                if (add_grid_value(file, v, a, a->from + i * st)) return EXIT_USAGE;
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

/* explore.constraints (a mapping) into sp: 0, or EXIT_USAGE said at the node. */
static int read_constraints(const char *file, yaml_document_t *d, yaml_node_t *v, spec *sp)
{
    int rc = 0;
    if (v->type != YAML_MAPPING_NODE) return spec_err(file, v, "explore.constraints: expected a mapping");
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top && !rc; q++) {
        yaml_node_t *ck = yaml_document_get_node(d, q->key), *cv = yaml_document_get_node(d, q->value);
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
    return rc;
}

/* explore.objectives (a list) into sp: 0, or EXIT_USAGE said at the node. */
static int read_objectives(const char *file, yaml_document_t *d, yaml_node_t *v, spec *sp)
{
    int rc = 0;
    if (v->type != YAML_SEQUENCE_NODE) return spec_err(file, v, "explore.objectives: expected a list");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !rc; it++) {
        yaml_node_t *o = yaml_document_get_node(d, *it);
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
    return rc;
}

int read_spec(const scenario *sc, spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->file = sc->file;
    sp->seed = 1;
    sp->area_max = sp->energy_max = sp->sps_min = sp->dram_max = NAN;
    const sc_value *macro = scenario_get(sc, "hardware.tile.sram.macro_kib");
    sp->macro_kib = macro && macro->set && !macro->is_auto ? macro->num : 0.0;
    const char *file = sc->file;
    FILE *f = fopen(file, "rb");
    if (!f) return fprintf(stderr, "f3sim %s: %s: %s\n", spec_cmd, file, strerror(errno)), EXIT_USAGE;
    yaml_parser_t p;
    yaml_document_t doc;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int ok = yaml_parser_load(&p, &doc);
    fclose(f);
    yaml_parser_delete(&p);
    if (!ok) return fprintf(stderr, "f3sim %s: %s: cannot read it again\n", spec_cmd, file), EXIT_USAGE;
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
            rc = read_constraints(file, &doc, v, sp);
        } else if (!strcmp(name, "objectives")) {
            rc = read_objectives(file, &doc, v, sp);
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


int make_design(const spec *sp, design *d)
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
        return fprintf(stderr, "f3sim %s: %s: the design has %.0f points; at most %.0f\n", spec_cmd, sp->file, n, MAX_POINTS),
               EXIT_USAGE;
    d->n_points = (size_t)n;
    d->u = malloc(d->n_points * d->n_dim * sizeof *d->u);
    if (!d->u) return fprintf(stderr, "f3sim %s: out of memory\n", spec_cmd), EXIT_RUNTIME;
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
        if (!perm) return fprintf(stderr, "f3sim %s: out of memory\n", spec_cmd), EXIT_RUNTIME;
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
void value_at(const spec *sp, const axis *a, double u, double *num, const char **text, char *buf, size_t room)
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
    if (a->snap) x = snap_value(a, x);
    *num = x;
    numfmt_g(buf, room, x, 15); /* printf's "%.15g" */
    *text = buf;
}

/* Set key idx of q (no validation: the spec checked the value; q's points
 * are no longer known to pass the scenario's checks). */
void poke(scenario *q, const axis *a, double num, const char *text)
{
    sc_value *v = &q->v[a->idx];
    q->checked = 0;
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


/* What explore needs of the scenario: an explore section, a hardware
 * section, no hardware.mapping.auto.  0 or EXIT_USAGE. */
static int explore_needs(const scenario *sc)
{
    const char *file = sc->file;
    if (!sc->explore_line) {
        fprintf(stderr, "f3sim %s: %s:1:1: no explore section (what to explore: see f3sim help explore)\n", spec_cmd, file);
        return EXIT_USAGE;
    }
    if (!scenario_present(sc, "hardware")) {
        fprintf(stderr, "f3sim %s: %s:%d:%d: explore needs a hardware section (the chip whose keys it varies)\n",
                spec_cmd, file, sc->explore_line, sc->explore_col);
        return EXIT_USAGE;
    }
    if (strcmp(scenario_str(sc, "hardware.mapping.auto"), "none")) {
        scenario_at_key(sc, "hardware.mapping.auto", F3_EINVAL,
                        "hardware.mapping.auto chooses one chip per run, but explore evaluates the chips of its own "
                        "axes: set it none here (f3sim compare searches mappings and sizes within a budget)");
        fprintf(stderr, "f3sim %s: %s\n", spec_cmd, f3_last_error());
        return EXIT_USAGE;
    }
    return 0;
}

int explore_validate(const scenario *sc, const char *cmd, spec *sp, design *d)
{
    spec_cmd = cmd;
    memset(d, 0, sizeof *d);
    int rc = explore_needs(sc);
    if (!rc) rc = read_spec(sc, sp);
    if (!rc) rc = make_design(sp, d);
    if (!rc) {
        char algs[SC_MAX_LIST][32];
        const size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST), nsw = scenario_sweep_points(sc);
        if ((double)d->n_points * (double)(na * nsw) > MAX_POINTS) {
            fprintf(stderr, "f3sim %s: %s:%d:%d: %zu hardware points × %zu numerics points; at most %.0f evaluations\n",
                    spec_cmd, sc->file, sc->explore_line, sc->explore_col, d->n_points, na * nsw, MAX_POINTS);
            rc = EXIT_USAGE;
        }
    }
    spec_cmd = "explore";
    return rc;
}

int explore_section_check(const scenario *sc, const char *cmd)
{
    if (!sc->explore_line) return 0;
    spec *sp = calloc(1, sizeof *sp);
    if (!sp) return fprintf(stderr, "f3sim %s: out of memory\n", cmd), EXIT_RUNTIME;
    design d;
    int rc = explore_validate(sc, cmd, sp, &d);
    free(d.u);
    /* every axis, the one a failure left half read too (the rest are NULL) */
    for (size_t i = 0; i < MAX_AXES; i++) free(sp->ax[i].num), free(sp->ax[i].text);
    free(sp);
    return rc;
}
