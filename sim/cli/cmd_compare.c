/* cmd_compare.c — f3sim compare SCENARIO.yaml --budget KIND=V[,V…] (see
 * COMPARE_HELP and docs/hardware-model.md, "Comparison at an equal
 * budget").
 *
 * For each learning rule of the scenario, a search over mappings ×
 * dataflows × sizes on the analytic evaluator (sim/chip/analytic.h: equal
 * to the SystemC chip in every figure, no training: time, traffic and
 * energy do not depend on the values trained), then per budget the best
 * point of each rule per objective (energy per sample, samples per
 * second), with the mechanisms behind it.  Writes
 * <outputs.folder>/<name>/compare_budget.csv and .json (atomically) and
 * prints the verdict table. */
#define _XOPEN_SOURCE 700
#include "cmd_compare.h"
#include "compare_search.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytic.h"
#include "cli_util.h"
#include "cmd_formulas.h"
#include "cmd_scenario.h"
#include "f3/blocks.h"
#include "f3/dataset.h"
#include "f3/status.h"
#include "hardware_check.h"
#include "scenario.h"
#include "train_run.h"

const char *const COMPARE_HELP =
    "usage: f3sim compare SCENARIO.yaml --budget KIND=V[,V...] [--budget ...] [--macro-kib N]\n"
    "                     [--mappings all|contiguous|split] [--set key.path=value ...] [--quiet]\n"
    "\n"
    "Compare the learning rules of training.compare at an equal silicon budget:\n"
    "each rule gets its own best chip within the budget, searched over every\n"
    "contiguous mapping of the layers onto tiles and split mappings (a hidden layer,\n"
    "or the largest ones, over 2 or 4 tiles by output rows), every dataflow the rule can run,\n"
    "the chip's total MAC lanes (powers of two, shared by the tiles in proportion to\n"
    "their work: the lane cycles of every step, backprop included), each tile's SRAM (its need at the scenario's batch and\n"
    "fractions of it down to 1/16, in whole macros) and registers (1, 4 or 16 rows\n"
    "of W, or one per lane; docs/hardware-model.md, \"Comparison at an equal\n"
    "budget\").  Lanes and SRAM follow the work and need of every rule compared, so\n"
    "every rule is offered the same chips.  Every point is evaluated by the analytic\n"
    "chip evaluator, which equals the SystemC model in every figure; nothing is\n"
    "trained, because time, traffic and energy do not depend on the values (every\n"
    "chip trains the same numbers).  The data set is read only for its number of\n"
    "training samples.  The scenario's own chip is a candidate too.\n"
    "\n"
    "A network of blocks (network.type vit or blocks) is searched the same way over\n"
    "its contiguous mappings (consecutive blocks per tile), each block costed by its\n"
    "op table; split mappings are left out, because a block is not split over\n"
    "tiles (its layer norms and attention heads would be cut), and points a block\n"
    "cannot run (fused on any block but one linear op on one token) are counted as\n"
    "points the chip cannot run.\n"
    "\n"
    "Budgets: area_mm2 (the chip's area, tiles and an on-chip error store),\n"
    "power_mw (the run's energy, leakage and DRAM included, over its time), lanes\n"
    "(MAC lanes summed over the tiles).  Per budget, per rule and per objective\n"
    "(energy per sample, samples per second) it prints and writes the best point:\n"
    "its mapping, per-tile lanes and SRAM, dataflow, energy per sample, samples/s,\n"
    "area, power, and the mechanisms behind it (stall share, stash bytes, backward-\n"
    "link and error-store bytes per sample, passes over W per sample), and the\n"
    "F3/BP ratios.  Files: <outputs.folder>/<name>/compare_budget.csv and .json\n"
    "(each written completely or not at all); f3sim report draws them.\n"
    "\n"
    "options:\n"
    "  --budget KIND=V[,V...]  area_mm2, power_mw or lanes, one verdict per value,\n"
    "                        e.g. area_mm2=20,60,200; repeatable; replaces the\n"
    "                        scenario's comparison.budget (which is used without it)\n"
    "  --macro-kib N         SRAM macro size in KiB: every tile's SRAM is a whole\n"
    "                        number of macros (comparison.macro_kib; 64)\n"
    "  --mappings KIND       all (the default), contiguous (groups of consecutive layers\n"
    "                        per tile) or split (hardware.mapping.split) mappings only;\n"
    "                        the scenario's own chip counts as the kind of its mapping;\n"
    "                        split is refused for a network of blocks\n"
    "  --set key.path=value  override a scenario key\n"
    "  --quiet               no timing line on stderr\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim compare scenarios/default.yaml --budget area_mm2=20,60,200\n"
    "example: f3sim compare scenarios/paper/vit-mnist-budget.yaml\n"
    "\n"
    "exit status: 0 done; 2 invalid scenario or --budget, or a budget within which\n"
    "some rule has no chip (file:line:col when the budget came from the scenario;\n"
    "nothing is written); 1 runtime failure (the data set cannot be read, a file\n"
    "cannot be written)\n";

/* ---- budgets and objectives ------------------------------------------------------------ */

const char *const BK_NAMES[BK_COUNT] = {"area_mm2", "power_mw", "lanes"};
const char *const BK_KEYS[BK_COUNT] = {"comparison.budget.area_mm2", "comparison.budget.power_mw",
                                       "comparison.budget.lanes"};
const char *const BK_UNITS[BK_COUNT] = {"mm²", "mW", "lanes"};
const char *const OB_NAMES[OB_COUNT] = {"energy_per_sample", "samples_per_second"};

/* "area_mm2=20,60,200" appended to b[*n]; 0, or EXIT_USAGE with a message. */
static int parse_budget(const char *arg, budget *b, size_t *n)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return fprintf(stderr, "f3sim compare: --budget '%s': expected KIND=VALUE[,VALUE...] with KIND area_mm2, power_mw "
                               "or lanes (e.g. --budget area_mm2=20,60,200)\n",
                       arg),
               EXIT_USAGE;
    int kind = -1;
    for (int k = 0; k < BK_COUNT; k++)
        if ((size_t)(eq - arg) == strlen(BK_NAMES[k]) && !strncmp(arg, BK_NAMES[k], (size_t)(eq - arg))) kind = k;
    if (kind < 0) {
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)(eq - arg < 63 ? eq - arg : 63), arg);
        const char *near = cli_nearest(word, BK_NAMES, BK_COUNT);
        for (int k = 0; k < BK_COUNT && !near && word[0]; k++)
            if (!strncmp(BK_NAMES[k], word, strlen(word))) near = BK_NAMES[k]; /* area, power */
        fprintf(stderr, "f3sim compare: --budget '%s': unknown budget '%s'", arg, word);
        if (near) fprintf(stderr, "; did you mean '%s'?", near);
        fputs(" (area_mm2, power_mw or lanes)\n", stderr);
        return EXIT_USAGE;
    }
    const char *p = eq + 1;
    for (;;) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno || !isfinite(v) || (*end && *end != ','))
            return fprintf(stderr, "f3sim compare: --budget '%s': expected a number at '%s'\n", arg, p), EXIT_USAGE;
        if (!(v > 0))
            return fprintf(stderr, "f3sim compare: --budget '%s': a budget must be positive, got %.15g\n", arg, v),
                   EXIT_USAGE;
        if (kind == BK_LANES && v != floor(v))
            return fprintf(stderr, "f3sim compare: --budget '%s': lanes are a whole number, got %.15g\n", arg, v),
                   EXIT_USAGE;
        if (*n >= MAX_BUDGETS) return fprintf(stderr, "f3sim compare: at most %d budgets\n", MAX_BUDGETS), EXIT_USAGE;
        b[*n].kind = kind;
        b[*n].value = v;
        b[*n].key = NULL;
        (*n)++;
        if (!*end) break;
        p = end + 1;
    }
    return 0;
}

static double budget_figure(const point *p, int kind)
{
    return kind == BK_AREA ? p->area : kind == BK_POWER ? p->power_mw : p->lanes;
}

/* a beats b for objective ob (ties: the other objective, then area; else the first found) */
static int better(const point *a, const point *b, int ob)
{
    const double a1 = ob == OB_ENERGY ? a->energy_nj : -a->sps, b1 = ob == OB_ENERGY ? b->energy_nj : -b->sps;
    if (a1 != b1) return a1 < b1;
    const double a2 = ob == OB_ENERGY ? -a->sps : a->energy_nj, b2 = ob == OB_ENERGY ? -b->sps : b->energy_nj;
    if (a2 != b2) return a2 < b2;
    return a->area < b->area;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the command ------------------------------------------------------------------------ */

/* The options of f3sim compare beyond the budgets. */
typedef struct {
    const char *sets[64];
    size_t n_sets;
    double macro_kib;
    int kinds;
} compare_opts;

/* The options into co, the budgets into c (and the scenario file): -1 to
 * go on, else the exit status (0 after --help). */
static int compare_options(int argc, char **argv, compare_opts *co, compare_run *c)
{
    static const struct option opts[] = {{"budget", required_argument, 0, 'b'},
                                         {"macro-kib", required_argument, 0, 'm'},
                                         {"set", required_argument, 0, 's'},
                                         {"mappings", required_argument, 0, 'k'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (ch) {
        case 'b': {
            int rc = parse_budget(optarg, c->budgets, &c->nb);
            if (rc) return rc;
            break;
        }
        case 'm': {
            size_t v;
            if (parse_size("--macro-kib", optarg, &v) || v < 1 ||
                check_key_bound("--macro-kib", "comparison.macro_kib", (double)v)) {
                fprintf(stderr, "f3sim compare: --macro-kib expects a whole number of KiB, at least 1, got '%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            co->macro_kib = (double)v;
            break;
        }
        case 's':
            if (co->n_sets >= 64) return fprintf(stderr, "f3sim compare: at most 64 --set options\n"), EXIT_USAGE;
            co->sets[co->n_sets++] = optarg;
            break;
        case 'k': {
            static const char *const words[MK_COUNT + 1] = {"contiguous", "split", "all"};
            co->kinds = 0;
            for (int k = 0; k <= MK_COUNT; k++)
                if (!strcmp(optarg, words[k])) co->kinds = k < MK_COUNT ? 1 << k : (1 << MK_COUNT) - 1;
            if (!co->kinds) {
                const char *near = cli_nearest(optarg, words, MK_COUNT + 1);
                fprintf(stderr, "f3sim compare: --mappings '%s': expected all, contiguous or split", optarg);
                if (near) fprintf(stderr, "; did you mean '%s'?", near);
                fputc('\n', stderr);
                return EXIT_USAGE;
            }
            break;
        }
        case 'q': c->quiet = 1; break;
        case 'h': fputs(COMPARE_HELP, stdout); return 0;
        case ':': {
            char msg[300];
            snprintf(msg, sizeof msg, "option '%s' is missing its value", argv[optind - 1]);
            return usage_error("compare", msg);
        }
        default: {
            char w[256];
            return cli_bad_option("compare", cli_rejected_word(argc, argv, opts, -1, w, sizeof w), opts, NULL, NULL);
        }
        }
    }
    if (optind >= argc) return usage_error("compare", "which scenario? usage: f3sim compare SCENARIO.yaml --budget area_mm2=60");
    if (optind + 1 < argc) {
        char msg[600];
        snprintf(msg, sizeof msg, "unexpected argument '%.500s'", argv[optind + 1]);
        return usage_error("compare", msg);
    }
    c->file = argv[optind];
    return -1;
}

/* The scenario (with --set), the search's settings and the budgets
 * (--budget, else the scenario's): 0 or the exit status. */
static int compare_scenario(compare_run *c, const compare_opts *co)
{
    if (scenario_load(c->file, &c->sc) != F3_OK ||
        (co->n_sets && scenario_set_all(c->sc, co->sets, co->n_sets) != F3_OK)) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        return EXIT_USAGE;
    }
    const scenario *sc = c->sc;
    search_setup(sc, co->macro_kib, &c->S);
    c->S.kinds = co->kinds;
    /* a chip built from macros is searched in whole macros of its own */
    const sc_value *hm = scenario_get(sc, "hardware.tile.sram.macro_kib");
    if (!hm->is_auto && fmod(c->S.macro_bytes, hm->num * 1024.0) != 0) {
        fprintf(stderr,
                "f3sim compare: %s:%d:%d: the search's %g KiB macro (--macro-kib or comparison.macro_kib) is not a "
                "whole number of the chip's %g KiB macros (hardware.tile.sram.macro_kib)\n",
                hm->origin, hm->line, hm->col, c->S.macro_bytes / 1024.0, hm->num);
        return EXIT_USAGE;
    }
    if (!c->nb) {
        for (int k = 0; k < BK_COUNT; k++) {
            const sc_value *v = scenario_get(sc, BK_KEYS[k]);
            if (v->set && v->num > 0) {
                c->budgets[c->nb].kind = k;
                c->budgets[c->nb].value = v->num;
                c->budgets[c->nb].key = BK_KEYS[k];
                c->nb++;
            }
        }
    }
    if (!c->nb) {
        fprintf(stderr, "f3sim compare: %s:1:1: no budget: give --budget area_mm2=60 (or power_mw=, lanes=), or "
                        "comparison.budget in the scenario\n",
                c->file);
        return EXIT_USAGE;
    }
    return 0;
}

/* The training set (its size is all the evaluator needs of it), the
 * scenario's chip (with its blocks), every rule's context and the
 * mappings searched: 0 or the exit status. */
static int compare_rules(compare_run *c)
{
    const scenario *sc = c->sc;
    search *S = &c->S;
    char algs[SC_MAX_LIST][32];
    c->nr = scenario_algorithms(sc, algs, SC_MAX_LIST);
    train_options o;
    scenario_train_options(sc, algs[0], &o);
    if (train_load_data(&o, &c->train, &c->test) != F3_OK) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    chip_config scen_hw;
    chip_config_from_scenario(sc, &scen_hw);
    /* a network of blocks: every chip searched costs its blocks (block_cost.h) */
    static f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    if (scen_hw.n_blocks) {
        size_t n = 0;
        if (scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &n) != F3_OK) {
            fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
            return EXIT_USAGE;
        }
        scen_hw.blocks = blocks;
        S->n_blocks = n;
    }
    if (S->n_blocks && S->kinds == 1 << MK_SPLIT) {
        fprintf(stderr, "f3sim compare: --mappings split: %s has a network of %zu blocks (network.type %s), and %s\n",
                c->file, S->n_blocks, scenario_str(sc, "network.type"), BLOCKS_NOT_SPLIT);
        return EXIT_USAGE;
    }
    for (size_t a = 0; a < c->nr; a++) {
        if (rule_setup(sc, algs[a], c->train, &scen_hw, &c->rules[a]) != F3_OK) {
            fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
            return EXIT_USAGE;
        }
        c->K = c->rules[a].cfg.n_layers;
    }
    /* every rule is searched over the chips that the work and needs of all of them size */
    S->rules = c->rules;
    S->n_rules = c->nr;
    /* the rules train the same network: one set of mappings */
    if (search_mappings(S, &c->rules[0].cfg) != F3_OK) {
        fprintf(stderr, "f3sim compare: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    if (S->kinds == 1 << MK_SPLIT && !S->n_kind[MK_SPLIT] && !scen_hw.n_split) {
        fprintf(stderr,
                "f3sim compare: --mappings split: no layer of %s can be split (a hidden layer with at least %zu rows, "
                "at most %d tiles in all), and the scenario's chip splits none\n",
                c->file, SPLIT_WAYS[0], CHIP_MAX_TILES);
        return EXIT_USAGE;
    }
    return 0;
}

/* The search, rule by rule: 0 or the exit status. */
static int compare_search(compare_run *c)
{
    const double t0 = now_s();
    for (size_t a = 0; a < c->nr; a++) {
        rule_ctx *r = &c->rules[a];
        if (search_rule(&c->S, r)) {
            fprintf(stderr, "f3sim compare: out of memory\n");
            return EXIT_RUNTIME;
        }
        c->evaluated += r->tried;
        if (!r->n) {
            fprintf(stderr, "f3sim compare: %s cannot run on any chip searched (%zu points): %s\n", r->name, r->tried,
                    r->cannot_why);
            return EXIT_USAGE;
        }
    }
    c->t_search = now_s() - t0;
    return 0;
}

/* The best point per budget, rule and objective, and the points within
 * each budget: 0 or the exit status (a rule with no chip within a budget). */
static int compare_best(compare_run *c)
{
    const size_t nb = c->nb, nr = c->nr;
    c->best = malloc(nb * nr * OB_COUNT * sizeof *c->best);
    c->within = calloc(nb * nr, sizeof *c->within);
    if (!c->best || !c->within) return EXIT_RUNTIME;
    int rc = 0;
    for (size_t b = 0; b < nb && !rc; b++) {
        const budget *bud = &c->budgets[b];
        for (size_t a = 0; a < nr && !rc; a++) {
            const rule_ctx *r = &c->rules[a];
            size_t *bi = &c->best[(b * nr + a) * OB_COUNT];
            for (int ob = 0; ob < OB_COUNT; ob++) bi[ob] = SIZE_MAX;
            double smallest = INFINITY;
            for (size_t i = 0; i < r->n; i++) {
                const point *p = &r->pts[i];
                const double fig = budget_figure(p, bud->kind);
                if (fig < smallest) smallest = fig;
                if (fig > bud->value) continue;
                c->within[b * nr + a]++;
                for (int ob = 0; ob < OB_COUNT; ob++)
                    if (bi[ob] == SIZE_MAX || better(p, &r->pts[bi[ob]], ob)) bi[ob] = i;
            }
            if (bi[0] == SIZE_MAX) {
                char where[1400] = "";
                if (bud->key) {
                    const sc_value *v = scenario_get(c->sc, bud->key);
                    snprintf(where, sizeof where, "%s:%d:%d: %s ", v->origin[0] ? v->origin : c->file, v->line, v->col,
                             bud->key);
                } else {
                    snprintf(where, sizeof where, "--budget %s=", BK_NAMES[bud->kind]);
                }
                fprintf(stderr,
                        "f3sim compare: %s%.15g: no chip searched for %s is within this budget (the smallest of its "
                        "%zu points needs %.6g %s): raise the budget; nothing written\n",
                        where, bud->value, r->name, r->n, smallest, BK_UNITS[bud->kind]);
                rc = EXIT_USAGE;
            }
        }
    }
    return rc;
}

/* The winners described, and F3's figures over BP's: 0 or the exit status. */
static int compare_describe(compare_run *c)
{
    const size_t nb = c->nb, nr = c->nr;
    int rc = 0;
    c->dets = calloc(nb * nr * OB_COUNT, sizeof *c->dets);
    if (!c->dets) return EXIT_RUNTIME;
    for (size_t i = 0; i < nb * nr * OB_COUNT && !rc; i++) {
        const size_t a = (i / OB_COUNT) % nr;
        if (describe(&c->S, &c->rules[a], &c->rules[a].pts[c->best[i]], &c->dets[i])) {
            fprintf(stderr, "f3sim compare: %s: %s\n", c->rules[a].name, f3_last_error());
            rc = EXIT_RUNTIME;
        }
        c->dets[i].within = c->within[i / OB_COUNT];
    }
    c->i_f3 = c->i_bp = -1;
    for (size_t a = 0; a < nr; a++) {
        if (!strcmp(c->rules[a].name, "f3")) c->i_f3 = (long)a;
        if (!strcmp(c->rules[a].name, "bp")) c->i_bp = (long)a;
    }
    c->ratio = malloc(nb * OB_COUNT * sizeof *c->ratio);
    if (!c->ratio) rc = EXIT_RUNTIME;
    for (size_t b = 0; b < nb && c->ratio; b++)
        for (int ob = 0; ob < OB_COUNT; ob++) {
            c->ratio[b * OB_COUNT + ob] = NAN;
            if (c->i_f3 < 0 || c->i_bp < 0) continue;
            const detail *f = &c->dets[(b * nr + (size_t)c->i_f3) * OB_COUNT + ob];
            const detail *p = &c->dets[(b * nr + (size_t)c->i_bp) * OB_COUNT + ob];
            c->ratio[b * OB_COUNT + ob] = ob == OB_ENERGY ? f->energy_nj / p->energy_nj : f->sps / p->sps;
        }
    return rc;
}

int cmd_compare(int argc, char **argv)
{
    static budget budgets[MAX_BUDGETS];
    static rule_ctx rules[SC_MAX_LIST];
    compare_run c;
    memset(&c, 0, sizeof c);
    c.budgets = budgets;
    c.rules = rules;
    compare_opts co;
    memset(&co, 0, sizeof co);
    co.kinds = (1 << MK_COUNT) - 1;
    int rc = compare_options(argc, argv, &co, &c);
    if (rc >= 0) return rc;
    rc = compare_scenario(&c, &co);
    if (!rc) rc = compare_rules(&c);
    if (!rc) rc = compare_search(&c);
    if (!rc) rc = compare_best(&c);
    if (!rc) rc = compare_describe(&c);
    if (!rc) rc = compare_write_files(&c);
    if (!rc) {
        compare_print(&c);
        if (!c.quiet)
            fprintf(stderr, "f3sim compare: %zu points in %.2f s (%.0f points/s)\n", c.evaluated, c.t_search,
                    c.t_search > 0 ? (double)c.evaluated / c.t_search : 0.0);
    }
    free(c.best);
    free(c.within);
    free(c.dets);
    free(c.ratio);
    for (size_t a = 0; a < c.nr; a++) free(rules[a].pts);
    free(c.S.maps);
    f3_dataset_free(c.train);
    f3_dataset_free(c.test);
    scenario_free(c.sc);
    return rc;
}


/* ---- hardware.mapping.auto --------------------------------------------------------------- */

int compare_auto_chip(const scenario *sc, const char *rule, chip_config *hw, char *desc, size_t len)
{
    const char *objective = scenario_str(sc, "hardware.mapping.auto");
    const int ob = !strcmp(objective, "energy") ? OB_ENERGY : OB_SPS;
    budget bud = {0, 0, NULL};
    for (int k = 0; k < BK_COUNT; k++) {
        const sc_value *v = scenario_get(sc, BK_KEYS[k]);
        if (v->set && v->num > 0) bud.kind = k, bud.value = v->num, bud.key = BK_KEYS[k];
    }
    if (!bud.key) /* scenario_check_mapping refuses this; say so if it gets here */
        return F3_FAIL(F3_EINVAL, "hardware.mapping.auto needs one comparison.budget"), EXIT_USAGE;
    search S;
    search_setup(sc, 0, &S);
    f3_dataset *train = NULL, *test = NULL;
    train_options o;
    scenario_train_options(sc, rule, &o);
    if (train_load_data(&o, &train, &test) != F3_OK) return EXIT_RUNTIME;
    chip_config scen_hw;
    chip_config_from_scenario(sc, &scen_hw);
    /* a network of blocks: the caller's (hw's), which the chip chosen keeps */
    scen_hw.blocks = hw->blocks;
    S.n_blocks = scen_hw.n_blocks;
    /* the rules compare compares (training.compare; this one too): their
     * work and needs size the chips searched, so that this rule is offered
     * the chips compare offers it, and gets the chip compare chooses */
    static char algs[SC_MAX_LIST + 1][32];
    size_t nr = scenario_algorithms(sc, algs, SC_MAX_LIST), ri = nr;
    for (size_t a = nr; a-- > 0;)
        if (!strcmp(algs[a], rule)) ri = a;
    if (ri == nr) snprintf(algs[nr++], sizeof algs[0], "%.31s", rule);
    int rc = 0;
    rule_ctx *rules = calloc(nr, sizeof *rules), *r = rules ? &rules[ri] : NULL;
    if (!rules) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t a = 0; a < nr; a++)
        if (rule_setup(sc, algs[a], train, &scen_hw, &rules[a]) != F3_OK) {
            rc = EXIT_USAGE;
            goto out;
        }
    S.rules = rules;
    S.n_rules = nr;
    if (search_mappings(&S, &r->cfg) != F3_OK) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (search_rule(&S, r)) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    size_t best = SIZE_MAX;
    double smallest = INFINITY;
    for (size_t i = 0; i < r->n; i++) {
        const double fig = budget_figure(&r->pts[i], bud.kind);
        if (fig < smallest) smallest = fig;
        if (fig <= bud.value && (best == SIZE_MAX || better(&r->pts[i], &r->pts[best], ob))) best = i;
    }
    if (best == SIZE_MAX) {
        const sc_value *v = scenario_get(sc, bud.key);
        F3_FAIL(F3_EINVAL,
                "%s:%d:%d: %s %.15g: no chip searched for %s is within this budget (the smallest of its %zu points "
                "needs %.6g %s): raise the budget",
                v->origin, v->line, v->col, bud.key, bud.value, rule, r->n, smallest, BK_UNITS[bud.kind]);
        rc = EXIT_USAGE;
        goto out;
    }
    static detail d;
    if (describe(&S, r, &r->pts[best], &d)) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    const point *p = &r->pts[best];
    if (p->own) {
        *hw = r->base;
    } else {
        grid g;
        if (grid_alloc(&S, &g) != F3_OK) {
            rc = EXIT_RUNTIME;
            goto out;
        }
        grid_build(&S, &S.maps[p->map], p->df, &g);
        point_config(&S, r, &S.maps[p->map], p->df, p->es_alt, &g, p->k, hw);
        grid_free(&g);
    }
    hw->trace = scen_hw.trace;
    hw->trace_samples = scen_hw.trace_samples;
    snprintf(hw->auto_choice, sizeof hw->auto_choice, "%s under %s=%.15g %s, best of %zu chips searched", OB_NAMES[ob],
             BK_NAMES[bud.kind], bud.value, BK_UNITS[bud.kind], r->n);
    snprintf(desc, len,
             "hardware.mapping.auto %s within %s=%.15g %s: %s %s, %s%s, MAC lanes %s, SRAM %s KiB, "
             "registers %s KiB%s (%.6g nJ/sample, %.6g samples/s, %.4g mm², %.4g mW; best of %zu chips searched)",
             objective, BK_NAMES[bud.kind], bud.value, BK_UNITS[bud.kind],
             d.split[0] ? "layers split over tiles" : S.n_blocks ? "blocks per tile" : "layers per tile",
             d.split[0] ? d.split : d.mapping, d.dataflow,
             d.micro_batch ? " in micro-batches" : "", d.lanes, d.sram_kib, d.regs_kib,
             !strcmp(d.es_placement, "dram") ? ", error store in DRAM" : "", d.energy_nj, d.sps, d.area, d.power_mw,
             r->n);
out:
    free(S.maps);
    for (size_t a = 0; rules && a < nr; a++) free(rules[a].pts);
    free(rules);
    f3_dataset_free(train);
    f3_dataset_free(test);
    return rc;
}

