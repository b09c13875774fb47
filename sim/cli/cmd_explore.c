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
#include "explore.h"

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
#include "numerics_cache.h"
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


/* ---- the command ------------------------------------------------------------------------ */

/* The options of f3sim explore. */
typedef struct {
    const char *sets[64];
    size_t n_sets;
    int force, quiet;
    long threads;
    const char *file;
} explore_opts;

/* The options into eo: -1 to go on, else the exit status (0 after --help). */
static int explore_options(int argc, char **argv, explore_opts *eo)
{
    static const struct option opts[] = {{"set", required_argument, 0, 's'},
                                         {"threads", required_argument, 0, 'T'},
                                         {"force", no_argument, 0, 'F'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (eo->n_sets >= 64) return fprintf(stderr, "f3sim explore: at most 64 --set options\n"), EXIT_USAGE;
            eo->sets[eo->n_sets++] = optarg;
            break;
        case 'T': {
            char *end;
            errno = 0;
            eo->threads = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || eo->threads < 0 || eo->threads > MAX_THREADS)
                return fprintf(stderr, "f3sim explore: --threads expects a whole number from 0 to %d, got '%s'\n",
                               MAX_THREADS, optarg),
                       EXIT_USAGE;
            break;
        }
        case 'F': eo->force = 1; break;
        case 'q': eo->quiet = 1; break;
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
    eo->file = argv[optind];
    return -1;
}

/* Numerics point np (sweep point i, rule alg) trained once (cached), its
 * blocks and its workload.  0 or the exit status, said on stderr. */
static int train_numerics_point(const scenario *sc, const explore_opts *eo, const char *base, size_t nsw, size_t i,
                                const char *alg, numerics_point *np)
{
    const int quiet = eo->quiet;
    train_options o;
    scenario_train_options(np->q, alg, &o);
    o.progress = !quiet;
    if (nsw > 1) snprintf(o.out, sizeof o.out, "%.1000s/numerics-%03zu/%.31s", base, i, alg);
    else snprintf(o.out, sizeof o.out, "%.1000s/numerics/%.31s", base, alg);
    snprintf(o.rule, sizeof o.rule, "%.31s", alg);
    scenario_sweep_label(sc, i, o.point_label, sizeof o.point_label);
    snprintf(o.command_line, sizeof o.command_line, "f3sim explore %s", eo->file);
    o.sc = np->q;
    o.sets = eo->sets;
    o.n_sets = eo->n_sets;
    int reused = 0;
    int rc = numerics_train_cached(np->q, alg, &o, eo->force, &reused, &np->res);
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
    if (rc) fprintf(stderr, "f3sim explore: %s: %s\n", alg, f3_last_error());
    else if (!quiet)
        fprintf(stderr, "f3sim explore: %s%s%s: %s (final test accuracy %.2f %%)\n", alg,
                o.point_label[0] ? " at " : "", o.point_label,
                reused ? "training reused from the numerics cache" : "trained", np->res.final_test_accuracy);
    return rc;
}

int cmd_explore(int argc, char **argv)
{
    static explore_opts eo;
    memset(&eo, 0, sizeof eo);
    char cmdline[4096], line[4000];
    command_line_text(line, sizeof line, argc, argv); /* before getopt reorders argv */
    snprintf(cmdline, sizeof cmdline, "f3sim %s", line);
    run_status rs;
    int have_status = 0;
    int rc = explore_options(argc, argv, &eo);
    if (rc >= 0) return rc;
    const char *file = eo.file;
    scenario *sc = NULL;
    if (scenario_load(file, &sc) != F3_OK || (eo.n_sets && scenario_set_all(sc, eo.sets, eo.n_sets) != F3_OK)) {
        fprintf(stderr, "f3sim explore: %s\n", f3_last_error());
        scenario_free(sc);
        return EXIT_USAGE;
    }
    rc = 0;
    static spec sp;
    design d = {0};
    numerics_point *nps = NULL;
    size_t n_np = 0;
    char base[1200] = "";
    if ((rc = explore_validate(sc, "explore", &sp, &d))) goto out;

    /* numerics points: sweep points × rules, each trained once (cached) */
    char algs[SC_MAX_LIST][32];
    const size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST), nsw = scenario_sweep_points(sc);
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
    double t_train = explore_now_s();
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
            rc = train_numerics_point(sc, &eo, base, nsw, i, algs[k], np);
        }
    }
    if (rc) goto out;
    t_train = explore_now_s() - t_train;

    /* every hardware point against every numerics point, on the threads */
    rc = explore_points(sc, &sp, &d, nps, n_np, algs, na, base, t_train, (int)eo.threads, eo.quiet);
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
    /* every axis, the one a failure left half read too (the rest are NULL) */
    for (size_t i = 0; i < MAX_AXES; i++) free(sp.ax[i].num), free(sp.ax[i].text);
    scenario_free(sc);
    return rc;
}
