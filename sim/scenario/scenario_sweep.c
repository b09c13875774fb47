/* scenario_sweep.c — sweeps: reading the sweep section, the points and
 * their labels, and validating every point. */
#include "scenario.h"
#include "scenario_internal.h"

#include "f3/blockspec.h"
#include "hardware_check.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

/* A string as YAML text that reads back as the same string: plain when
 * that is safe, else double-quoted.  0 if it does not fit. */
static int yaml_string(const char *s, char *out, size_t len)
{
    int plain = *s && !strchr(" -?", s[0]) && s[strlen(s) - 1] != ' ' && strcmp(s, "~") &&
                strcmp(s, "null") && strcmp(s, "Null") && strcmp(s, "NULL");
    for (const char *c = s; *c && plain; c++)
        if (strchr(":#[]{},&*!|>'\"%@`\\", *c) || (unsigned char)*c < 0x20) plain = 0;
    if (plain) return snprintf(out, len, "%s", s) < (int)len;
    size_t n = 0;
    out[n++] = '"';
    for (const char *c = s; *c; c++) {
        if (n + 5 >= len) return 0;
        if (*c == '"' || *c == '\\') out[n++] = '\\', out[n++] = *c;
        else if (*c == '\n') out[n++] = '\\', out[n++] = 'n';
        else if (*c == '\t') out[n++] = '\\', out[n++] = 't';
        else out[n++] = *c;
    }
    out[n++] = '"';
    out[n] = '\0';
    return 1;
}

#define SC_MAX_POINTS 10000

f3_status sc_read_sweep(scenario *sc, yaml_document_t *doc, const char *src, yaml_node_t *map, int zip)
{
    const char *f = sc->file;
    if (map->type != YAML_MAPPING_NODE)
        return sc_at(F3_EINVAL, f, MARK(map), "sweep%s: expected a mapping of key paths to lists", zip ? ".zip" : "");
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
        if (k->type != YAML_SCALAR_NODE) return sc_at(F3_EINVAL, f, MARK(k), "sweep: keys are key paths");
        const char *key = sc_scalar_of(k);
        if (!zip && !strcmp(key, "zip")) {
            f3_status st = sc_read_sweep(sc, doc, src, v, 1);
            if (st != F3_OK) return st;
            continue;
        }
        int idx = sc_schema_find(key);
        if (idx < 0 || sc_schema()[idx].kind == SK_SECTION) {
            char hint[200];
            sc_suggest_path(key, hint, sizeof hint);
            if (zip && !strcmp(key, "zip")) snprintf(hint, sizeof hint, " (zip groups do not nest)");
            return sc_at(F3_EINVAL, f, MARK(k), "sweep: '%.100s' is not a key path like training.lr%s", key, hint);
        }
        /* every point of a sweep writes into one folder, named by these */
        if (!strcmp(key, "name") || !strcmp(key, "outputs.folder"))
            return sc_at(F3_EINVAL, f, MARK(k),
                      "sweep: %s cannot be swept: every point writes into <outputs.folder>/<name>/point-NNN/ (run the "
                      "scenario once per value with --set %s=...)", key, key);
        if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top == v->data.sequence.items.start)
            return sc_at(F3_EINVAL, f, MARK(v), "sweep: %s: expected a non-empty list of values", key);
        if (sc->n_sweep >= SC_MAX_SWEEP) return sc_at(F3_ERANGE, f, MARK(k), "sweep: at most %d keys", SC_MAX_SWEEP);
        for (size_t i = 0; i < sc->n_sweep; i++)
            if (!strcmp(sc->sweep[i].path, key)) return sc_at(F3_EINVAL, f, MARK(k), "sweep: %s is swept twice", key);
        sc_sweep_axis *ax = &sc->sweep[sc->n_sweep];
        free(ax->values);
        memset(ax, 0, sizeof *ax);
        /* room for the values (at most SC_MAX_LIST: more is an error below) */
        size_t count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (!(ax->values = malloc((count < SC_MAX_LIST ? count : SC_MAX_LIST) * sizeof *ax->values)))
            return F3_FAIL(F3_ENOMEM, "%s: out of memory", f);
        snprintf(ax->path, sizeof ax->path, "%s", key);
        ax->zip = zip;
        ax->line = (int)k->start_mark.line + 1;
        ax->col = (int)k->start_mark.column + 1;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (ax->n >= SC_MAX_SWEEP_VALUES)
                return sc_at(F3_ERANGE, f, MARK(item), "sweep: at most %d values per key", SC_MAX_SWEEP_VALUES);
            scratch_value tmp;
            f3_status st = sc_apply_node(&sc_schema()[idx], &tmp, doc, item, src, f, 0, 0);
            if (st != F3_OK) return st;
            /* the text is applied again at each point: keep strings strings */
            if (sc_schema()[idx].kind == SK_STRING && !yaml_string(tmp.str, ax->values[ax->n], SC_MAX_STR))
                return sc_at(F3_EINVAL, f, MARK(item), "sweep: %s: value too long", key);
            if (sc_schema()[idx].kind != SK_STRING) snprintf(ax->values[ax->n], SC_MAX_STR, "%s", tmp.text);
            ax->n++;
        }
        sc->n_sweep++;
    }
    if (zip) {
        size_t n = 0;
        for (size_t i = 0; i < sc->n_sweep; i++)
            if (sc->sweep[i].zip) {
                if (n && sc->sweep[i].n != n)
                    return sc_at(F3_EINVAL, f, sc->sweep[i].line, sc->sweep[i].col,
                              "sweep.zip: %s has %zu values but the zipped keys before it have %zu; zipped lists must be equally long",
                              sc->sweep[i].path, sc->sweep[i].n, n);
                n = sc->sweep[i].n;
            }
    } else {
        /* the number of points, without overflowing */
        double points = 1.0, zipped = 1.0;
        for (size_t i = 0; i < sc->n_sweep; i++) {
            if (sc->sweep[i].zip) zipped = (double)sc->sweep[i].n;
            else points *= (double)sc->sweep[i].n;
        }
        if (points * zipped > SC_MAX_POINTS)
            return sc_at(F3_ERANGE, f, MARK(map), "sweep: %.0f points (the product of the list lengths); at most %d",
                      points * zipped, SC_MAX_POINTS);
    }
    return F3_OK;
}

/* ---- sweeps ------------------------------------------------------------------ */

size_t scenario_sweep_points(const scenario *sc)
{
    size_t n = 1, zip = 0;
    for (size_t i = 0; i < sc->n_sweep; i++) {
        if (sc->sweep[i].zip) zip = sc->sweep[i].n;
        else n *= sc->sweep[i].n;
    }
    return zip ? n * zip : n;
}

/* value index of axis a at point i (the last non-zipped axis varies fastest,
 * then the zipped group) */
static size_t axis_index(const scenario *sc, size_t a, size_t i)
{
    size_t zip = 0;
    for (size_t j = 0; j < sc->n_sweep; j++)
        if (sc->sweep[j].zip) zip = sc->sweep[j].n;
    size_t rest = i;
    if (zip) {
        if (sc->sweep[a].zip) return rest % zip;
        rest /= zip;
    }
    for (size_t j = sc->n_sweep; j-- > 0;) {
        if (sc->sweep[j].zip) continue;
        size_t k = rest % sc->sweep[j].n;
        if (j == a) return k;
        rest /= sc->sweep[j].n;
    }
    return 0;
}

const char *scenario_sweep_value(const scenario *sc, size_t a, size_t i)
{
    return sc->sweep[a].values[axis_index(sc, a, i)];
}

void scenario_sweep_label(const scenario *sc, size_t i, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t a = 0; a < sc->n_sweep; a++) {
        char part[SC_MAX_STR + 160];
        snprintf(part, sizeof part, "%s%s=%s", a ? " " : "", sc->sweep[a].path, sc->sweep[a].values[axis_index(sc, a, i)]);
        strncat(buf, part, len - strlen(buf) - 1);
    }
}

/* Point i into p, a copy of sc (or of an earlier point of sc): restore the
 * swept keys and their sections, then set every swept key.  A value set
 * here is located at its key in the sweep section. */
static f3_status build_point(const scenario *sc, size_t i, scenario *p)
{
    f3_status st = F3_OK;
    sc_copy_str(p->name, sizeof p->name, sc->name);
    for (size_t a = 0; a < sc->n_sweep; a++) {
        char buf[256];
        sc_copy_str(buf, sizeof buf, sc->sweep[a].path);
        for (char *dot = buf; dot; dot = strrchr(buf, '.')) {
            if (dot != buf) *dot = '\0';
            int k = sc_schema_find(buf);
            if (k >= 0 && (st = sc_put_value(p, (size_t)k, &sc->v[k], sc->v[k].origin)) != F3_OK) return st;
        }
    }
    for (size_t a = 0; a < sc->n_sweep; a++) {
        const sc_sweep_axis *ax = &sc->sweep[a];
        const int k = sc_schema_find(ax->path);
        const int col_off = (int)strlen(ax->path) + 1; /* as in "path=value" */
        if ((st = sc_set_key(p, k, ax->values[axis_index(sc, a, i)], col_off, sc->file, ax->line, ax->col)) != F3_OK)
            return st;
        p->v[k].line = ax->line;
        p->v[k].col = ax->col;
    }
    return F3_OK;
}

/* st with the point named after the message. */
static f3_status point_error(const scenario *sc, size_t i, f3_status st)
{
    char msg[1024], label[600];
    snprintf(msg, sizeof msg, "%s", f3_last_error());
    scenario_sweep_label(sc, i, label, sizeof label);
    return F3_FAIL(st, "%s (sweep point %zu: %s)", msg, i, label);
}

/* Point i of sc into p (see build_point), validated as a whole (a zipped
 * pair may only be valid together). */
static f3_status point_into(const scenario *sc, size_t i, scenario *p)
{
    f3_status st = build_point(sc, i, p);
    if (st == F3_OK) st = scenario_validate(p);
    return st == F3_OK ? F3_OK : point_error(sc, i, st);
}

f3_status scenario_sweep_point(const scenario *sc, size_t i, scenario **out)
{
    *out = NULL;
    if (i >= scenario_sweep_points(sc))
        return F3_FAIL(F3_ERANGE, "%s: sweep point %zu does not exist (the sweep has %zu points, 0 to %zu)", sc->file, i,
                       scenario_sweep_points(sc), scenario_sweep_points(sc) - 1);
    scenario *p;
    f3_status st = scenario_copy(sc, &p);
    if (st != F3_OK) return st;
    /* a scenario whose points all passed since it last changed (a load, a
     * --set) needs its point built, not checked again */
    if ((st = sc->checked ? build_point(sc, i, p) : point_into(sc, i, p)) != F3_OK) {
        scenario_free(p);
        return sc->checked ? point_error(sc, i, st) : st;
    }
    p->n_sweep = 0;
    p->checked = 1;
    *out = p;
    return F3_OK;
}

/* ---- validating every point ------------------------------------------------ */

/* A point's coordinates are digits: one per axis outside the zipped group,
 * and one for the zipped group (its keys move together).  A check part
 * that passed at a point passes at every point that agrees with it on the
 * digits of the swept keys the part read: the part is a function of the
 * values it reads, so it reads the same keys, in the same order, with the
 * same values.  For each part, a set of the digit tuples it passed at,
 * one bitmap per set of digits read (a handful: what a part reads depends
 * a little on the values). */
#define MEMO_READS 4

typedef struct {
    unsigned read[MEMO_READS]; /* digit bits */
    unsigned char *seen[MEMO_READS]; /* bitmap over the mixed-radix index of those digits */
    size_t n;
} part_memo;

typedef struct {
    size_t n_digits, radix[SC_MAX_SWEEP + 1], value[SC_MAX_SWEEP + 1];
    size_t axis_digit[SC_MAX_SWEEP];
    part_memo part[SC_CHECK_PARTS];
} point_memo;

static size_t memo_index(const point_memo *m, unsigned read)
{
    size_t idx = 0;
    for (size_t d = 0; d < m->n_digits; d++)
        if (read >> d & 1u) idx = idx * m->radix[d] + m->value[d];
    return idx;
}

static size_t memo_size(const point_memo *m, unsigned read)
{
    size_t size = 1;
    for (size_t d = 0; d < m->n_digits; d++)
        if (read >> d & 1u) size *= m->radix[d];
    return size;
}

static int memo_passed(const point_memo *m, int part)
{
    const part_memo *pm = &m->part[part];
    for (size_t r = 0; r < pm->n; r++) {
        size_t idx = memo_index(m, pm->read[r]);
        if (pm->seen[r][idx / 8] >> (idx % 8) & 1) return 1;
    }
    return 0;
}

/* Part passed at the current point, having read the digits read.  A part
 * that reads ever more combinations is no longer remembered (it runs). */
static void memo_pass(point_memo *m, int part, unsigned read)
{
    part_memo *pm = &m->part[part];
    size_t r = 0;
    while (r < pm->n && pm->read[r] != read) r++;
    if (r == pm->n) {
        if (pm->n == MEMO_READS || !(pm->seen[r] = calloc(memo_size(m, read) / 8 + 1, 1))) return;
        pm->read[r] = read;
        pm->n++;
    }
    size_t idx = memo_index(m, read);
    pm->seen[r][idx / 8] |= (unsigned char)(1u << (idx % 8));
}

static void memo_free(point_memo *m)
{
    for (int g = 0; g < SC_CHECK_PARTS; g++)
        for (size_t r = 0; r < m->part[g].n; r++) free(m->part[g].seen[r]);
}

/* The digits of sc's sweep, and bits[key] for the swept keys. */
static void memo_digits(const scenario *sc, point_memo *m, unsigned *bits)
{
    size_t zip_digit = SC_MAX_SWEEP + 1;
    for (size_t a = 0; a < sc->n_sweep; a++) {
        size_t d = sc->sweep[a].zip && zip_digit <= SC_MAX_SWEEP ? zip_digit : m->n_digits++;
        if (sc->sweep[a].zip) zip_digit = d;
        m->radix[d] = sc->sweep[a].n;
        m->axis_digit[a] = d;
        bits[sc_schema_find(sc->sweep[a].path)] |= 1u << d;
    }
}

int sc_sweep_memo = 1;
_Thread_local size_t sc_sweep_part_runs;

static f3_status validate_points(scenario *sc)
{
    if (!sc->n_sweep) return scenario_validate(sc);
    point_memo *m = calloc(1, sizeof *m);
    unsigned *bits = calloc(sc_schema_count(), sizeof *bits);
    scenario *p = NULL;
    f3_status st = m && bits ? scenario_copy(sc, &p) : F3_FAIL(F3_ENOMEM, "%s: out of memory", sc->file);
    if (st == F3_OK) memo_digits(sc, m, bits);
    for (size_t i = 0, n = scenario_sweep_points(sc); st == F3_OK && i < n; i++) {
        for (size_t a = 0; a < sc->n_sweep; a++) m->value[m->axis_digit[a]] = axis_index(sc, a, i);
        unsigned run = 0;
        for (int g = 0; g < SC_CHECK_PARTS; g++)
            if (!sc_sweep_memo || !memo_passed(m, g)) run |= 1u << g;
        if (!run) continue;
        st = build_point(sc, i, p);
        for (int g = 0; st == F3_OK && g < SC_CHECK_PARTS; g++) {
            if (!(run >> g & 1u)) continue;
            sc_read_log log = {bits, 0};
            sc_reads = &log;
            st = sc_check_part(p, g);
            sc_reads = NULL;
            sc_sweep_part_runs++;
            if (st == F3_OK) memo_pass(m, g, log.read);
        }
        if (st != F3_OK) st = point_error(sc, i, st);
    }
    scenario_free(p);
    free(bits);
    if (m) memo_free(m);
    free(m);
    return st;
}

/* Validate a scenario, or with a sweep each of its points (checked at load
 * and after --set, so that check, show and run agree).  The values a sweep
 * replaces are never run, so they are not validated on their own.  A point
 * runs only the check parts that have not passed at an equivalent point
 * (point_memo), and is built only if one has to run; the first failure is
 * the one a full check of every point in order would find. */
f3_status sc_validate_points(scenario *sc)
{
    f3_status st = validate_points(sc);
    sc->checked = st == F3_OK;
    return st;
}
