/* explore_eval.c — f3sim explore's evaluation (explore.h): a hardware
 * point against a numerics point on the analytic evaluator, its row
 * written without printf (numfmt.h), the Pareto fronts, and every point
 * evaluated in chunks on the threads, folded in the points' order (so every
 * file is the same for any number of threads). */
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

#include "cli_util.h"
#include "f3/status.h"
#include "numerics_cache.h"
#include "hardware_check.h"
#include "numfmt.h"
#include "results.h"

/* ---- evaluation ------------------------------------------------------------------------ */


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

double explore_now_s(void)
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

/* One explore_points from round to round: the threads and their chunks,
 * explore.csv (a full table), the candidates of the fronts, the best point
 * per numerics point and objective, the counts. */
typedef struct {
    const scenario *sc;
    const spec *sp;
    const design *d;
    numerics_point *nps;
    size_t n_np, total, T, chunk;
    int table, quiet;
    const char *base;
    cand *cands;
    point_sum *best;
    size_t *best_hp;
    char (*vals)[64];
    worker *wk;
    pthread_t *tid;
    int *started;
    atomic_file af;
    text_buf pb;        /* pareto.csv's rows */
    size_t n_cand, n_feasible, n_ran;
    double t_eval;
    size_t front_size[SC_MAX_LIST];
} explore_run;

/* The threads, the chunk size, the buffers, explore.csv opened (a full
 * table): 0 or the exit status. */
static int explore_setup(explore_run *x, int threads)
{
    const size_t total = x->total;
    x->table = !strcmp(scenario_str(x->sc, "outputs.explore_table"), "full");
    size_t T = threads > 0 ? (size_t)threads : (size_t)f3_usable_cores();
    size_t chunk = total / (T * 16); /* about 16 rounds: progress, and little idle time at the end */
    if (chunk < 256) chunk = 256;
    if (chunk > CHUNK_MAX) chunk = CHUNK_MAX;
    if (T > (total + chunk - 1) / chunk) T = (total + chunk - 1) / chunk;
    if (T < 1) T = 1;
    x->T = T, x->chunk = chunk;
    x->cands = malloc((total ? total : 1) * sizeof *x->cands);
    x->best = calloc(x->n_np * OBJ_COUNT, sizeof *x->best);
    x->best_hp = calloc(x->n_np * OBJ_COUNT, sizeof *x->best_hp);
    x->vals = calloc(x->sp->n_ax, 64);
    x->wk = calloc(T, sizeof *x->wk);
    x->tid = calloc(T, sizeof *x->tid);
    x->started = calloc(T, sizeof *x->started);
    if (!x->cands || !x->best || !x->best_hp || !x->vals || !x->wk || !x->tid || !x->started) {
        fprintf(stderr, "f3sim explore: out of memory\n");
        return EXIT_RUNTIME;
    }
    for (size_t t = 0; t < T; t++) {
        x->wk[t] = (worker){.sc = x->sc, .sp = x->sp, .d = x->d, .nps = x->nps, .rows = x->table};
        x->wk[t].vals = calloc(x->sp->n_ax ? x->sp->n_ax : 1, 64);
        x->wk[t].sum = malloc(chunk * sizeof *x->wk[t].sum);
        if (!x->wk[t].vals || !x->wk[t].sum) {
            fprintf(stderr, "f3sim explore: out of memory\n");
            return EXIT_RUNTIME;
        }
    }
    if (x->table) {
        if (atomic_open(&x->af, x->base, "explore.csv")) {
            fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
            return EXIT_RUNTIME;
        }
        header(x->af.f, x->sc, x->sp);
    }
    return 0;
}

/* A thread's chunk folded in: its rows appended to explore.csv, its
 * feasible points made candidates and kept where they are the best. */
static int fold_chunk(explore_run *x, const worker *w)
{
    if (w->failed) {
        fprintf(stderr, "f3sim explore: out of memory\n");
        return EXIT_RUNTIME;
    }
    if (x->table && w->text.n && fwrite(w->text.p, 1, w->text.n, x->af.f) != w->text.n) {
        fprintf(stderr, "f3sim explore: %s: cannot write: %s\n", x->af.path, strerror(errno));
        return EXIT_RUNTIME;
    }
    for (size_t g = w->from; g < w->to; g++) {
        const point_sum *ps = &w->sum[g - w->from];
        const size_t j = g / x->d->n_points, hp = g % x->d->n_points;
        x->n_ran += (size_t)ps->ran;
        if (!ps->feasible) continue;
        x->n_feasible++;
        cand *cd = &x->cands[x->n_cand++];
        for (int k = 0; k < OBJ_COUNT; k++) cd->v[k] = OBJ_MAX[k] ? -ps->obj[k] : ps->obj[k];
        cd->hp = hp;
        cd->np = j;
        for (int k = 0; k < OBJ_COUNT; k++) {
            point_sum *b = &x->best[j * OBJ_COUNT + k];
            if (!b->feasible || cd->v[k] < (OBJ_MAX[k] ? -b->obj[k] : b->obj[k])) {
                *b = *ps;
                x->best_hp[j * OBJ_COUNT + k] = hp;
            }
        }
    }
    return 0;
}

/* Every round: the chunks evaluated on the threads (thread 0 is this one; a
 * thread that cannot start runs here too), folded in, in order; progress
 * with an ETA; a stop signal stops after the round.  0 or the exit status. */
static int explore_rounds(explore_run *x)
{
    const size_t total = x->total, T = x->T, chunk = x->chunk;
    worker *wk = x->wk;
    const int tty = isatty(2);
    const double t0 = explore_now_s();
    double last_show = t0;
    int next_pct = 10, rc = 0;
    for (size_t start = 0; start < total && !rc; start += T * chunk) {
        for (size_t t = 0; t < T; t++) {
            wk[t].from = start + t * chunk < total ? start + t * chunk : total;
            wk[t].to = wk[t].from + chunk < total ? wk[t].from + chunk : total;
            wk[t].text.n = 0;
        }
        for (size_t t = 1; t < T; t++)
            x->started[t] = wk[t].from < wk[t].to && pthread_create(&x->tid[t], NULL, work, &wk[t]) == 0;
        work(&wk[0]);
        for (size_t t = 1; t < T; t++) {
            if (x->started[t]) pthread_join(x->tid[t], NULL);
            else work(&wk[t]);
        }
        for (size_t t = 0; t < T && !rc; t++) rc = fold_chunk(x, &wk[t]);
        const size_t done = start + T * chunk < total ? start + T * chunk : total;
        /* SIGINT or SIGTERM: stop after this round; explore.csv is not
         * committed (cmd_explore marks the folder interrupted) */
        int sig = cli_stop_signal();
        if (sig && !rc) {
            if (!x->quiet && tty) fprintf(stderr, "\n");
            fprintf(stderr, "f3sim explore: stopped by %s after %zu of %zu points; no explore.csv or pareto.csv "
                            "written (%s/status.json: interrupted)\n", cli_signal_name(sig), done, total, x->base);
            rc = EXIT_SIGNAL(sig);
            break;
        }
        if (!x->quiet && done < total) {
            double t = explore_now_s(), el = t - t0, pct = 100.0 * (double)done / (double)total;
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
    if (!x->quiet && tty) fprintf(stderr, "\r%78s\r", "");
    x->t_eval = explore_now_s() - t0;
    return rc;
}

/* pareto.csv: each rule's Pareto front, written with explore.csv's
 * columns (a stop signal while the fronts are found stops it). */
static int write_pareto(explore_run *x, char (*algs)[32], size_t na, int sig)
{
    static outcome o;
    int rc = 0;
    if (atomic_open(&x->af, x->base, "pareto.csv")) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    header(x->af.f, x->sc, x->sp);
    for (size_t k = 0; k < na && !rc; k++) {
        /* this rule's candidates, moved together */
        size_t m = 0;
        cand *rc_c = malloc((x->n_cand ? x->n_cand : 1) * sizeof *rc_c);
        if (!rc_c) {
            fprintf(stderr, "f3sim explore: out of memory\n");
            rc = EXIT_RUNTIME;
            break;
        }
        for (size_t i = 0; i < x->n_cand; i++)
            if (!strcmp(x->nps[x->cands[i].np].rule, algs[k])) rc_c[m++] = x->cands[i];
        size_t f = front(x->sp, rc_c, m);
        x->front_size[k] = f;
        if (!sig && (sig = cli_stop_signal())) {
            free(rc_c);
            break;
        }
        for (size_t i = 0; i < f; i++) {
            numerics_point *np = &x->nps[rc_c[i].np];
            evaluate(x->sp, x->d, rc_c[i].hp, np, np->q, &o, x->vals);
            row_text(&x->pb, x->sc, x->sp, rc_c[i].hp, np, &o, x->vals);
        }
        free(rc_c);
    }
    if (!rc && sig) {
        fprintf(stderr, "f3sim explore: stopped by %s while finding the Pareto fronts; no explore.csv or pareto.csv "
                        "written (%s/status.json: interrupted)\n", cli_signal_name(sig), x->base);
        rc = EXIT_SIGNAL(sig);
    }
    if (!rc && x->pb.oom) {
        fprintf(stderr, "f3sim explore: out of memory\n");
        rc = EXIT_RUNTIME;
    }
    if (!rc && x->pb.n && fwrite(x->pb.p, 1, x->pb.n, x->af.f) != x->pb.n) {
        fprintf(stderr, "f3sim explore: %s: cannot write: %s\n", x->af.path, strerror(errno));
        rc = EXIT_RUNTIME;
    }
    if (rc) return rc;
    if (atomic_commit(&x->af)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    return 0;
}

/* The summary on stdout: the counts, then per rule its front and its best
 * point per objective. */
/* Is the accuracy the same at every feasible point of this rule?  It
 * comes from the training alone, so it is when the rule has one numerics
 * point with feasible hardware (or several that trained alike). */
static int accuracy_constant(const explore_run *x, const char *rule)
{
    int seen = 0;
    double acc = 0;
    for (size_t j = 0; j < x->n_np; j++) {
        if (strcmp(x->nps[j].rule, rule)) continue;
        const point_sum *c = &x->best[j * OBJ_COUNT + OBJ_ACC];
        if (!c->feasible) continue;
        if (seen && c->obj[OBJ_ACC] != acc) return 0;
        seen = 1;
        acc = c->obj[OBJ_ACC];
    }
    return seen;
}

static void print_summary(const explore_run *x, char (*algs)[32], size_t na, double t_train)
{
    static outcome o;
    const scenario *sc = x->sc;
    const spec *sp = x->sp;
    const numerics_point *nps = x->nps;
    printf("%s: %zu points (%zu hardware × %zu numerics), %zu the chip can run, %zu feasible; training %.1f s, "
           "evaluation %.2f s on %zu thread%s (%.0f points/s)\n",
           sc->name, x->total, x->d->n_points, x->n_np, x->n_ran, x->n_feasible, t_train, x->t_eval, x->T,
           x->T == 1 ? "" : "s", x->t_eval > 0 ? (double)x->total / x->t_eval : 0.0);
    for (size_t k = 0; k < na; k++) {
        printf("%s: Pareto front of %zu points (%s/pareto.csv)\n", algs[k], x->front_size[k], x->base);
        for (size_t q = 0; q < sp->n_obj; q++) {
            int ob = sp->obj[q];
            const point_sum *b = NULL;
            size_t bj = 0, bh = 0;
            for (size_t j = 0; j < x->n_np; j++) {
                if (strcmp(nps[j].rule, algs[k])) continue;
                const point_sum *c2 = &x->best[j * OBJ_COUNT + ob];
                if (!c2->feasible) continue;
                if (!b || (OBJ_MAX[ob] ? c2->obj[ob] > b->obj[ob] : c2->obj[ob] < b->obj[ob]))
                    b = c2, bj = j, bh = x->best_hp[j * OBJ_COUNT + ob];
            }
            if (!b) {
                printf("  best %s: no feasible point\n", OBJ_NAMES[ob]);
                continue;
            }
            if (ob == OBJ_ACC && accuracy_constant(x, algs[k])) {
                /* a "best at point 0" would mean nothing: every hardware point has the training's accuracy */
                printf("  %s: %.6g %s at every feasible point (one accuracy per rule: the hardware does not "
                       "change it)\n", OBJ_NAMES[ob], b->obj[ob], OBJ_UNITS[ob]);
                continue;
            }
            evaluate(sp, x->d, bh, &nps[bj], nps[bj].q, &o, x->vals);
            printf("  best %s: %.6g %s at point %zu:", OBJ_NAMES[ob], b->obj[ob], OBJ_UNITS[ob], bh);
            for (size_t a = 0; a < sc->n_sweep; a++)
                printf(" %s=%s", sc->sweep[a].path, scenario_sweep_value(sc, a, nps[bj].sweep_point));
            for (size_t i = 0; i < sp->n_ax; i++) printf(" %s=%s", sp->ax[i].path, x->vals[i]);
            printf("\n");
        }
    }
    if (x->table) printf("explore.csv: %s/explore.csv\n", x->base);
    else printf("explore.csv: not written (outputs.explore_table: front)\n");
}

int explore_points(const scenario *sc, const spec *sp, const design *d, numerics_point *nps, size_t n_np,
                   char (*algs)[32], size_t na, const char *base, double t_train, int threads, int quiet)
{
    static explore_run x;
    memset(&x, 0, sizeof x);
    x.sc = sc, x.sp = sp, x.d = d, x.nps = nps, x.n_np = n_np, x.base = base, x.quiet = quiet;
    x.total = d->n_points * n_np;
    int rc = explore_setup(&x, threads);
    if (!rc) rc = explore_rounds(&x);
    int sig = rc ? 0 : cli_stop_signal();
    if (!rc && x.table && atomic_commit(&x.af)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        rc = EXIT_RUNTIME;
    }
    if (!rc) rc = write_pareto(&x, algs, na, sig);
    /* front only: an explore.csv of an earlier run would not be this one's */
    char stale[1300];
    snprintf(stale, sizeof stale, "%s/explore.csv", base);
    if (!rc && !x.table && remove(stale) && errno != ENOENT) {
        fprintf(stderr, "f3sim explore: %s: cannot remove an earlier run's table: %s\n", stale, strerror(errno));
        rc = EXIT_RUNTIME;
    }
    if (!rc) print_summary(&x, algs, na, t_train);
    if (x.af.f) atomic_abort(&x.af);
    for (size_t t = 0; x.wk && t < x.T; t++) {
        scenario_free(x.wk[t].q);
        free(x.wk[t].vals);
        free(x.wk[t].sum);
        free(x.wk[t].text.p);
    }
    free(x.wk);
    free(x.tid);
    free(x.started);
    free(x.pb.p);
    free(x.cands);
    free(x.best);
    free(x.best_hp);
    free(x.vals);
    return rc;
}
