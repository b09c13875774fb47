/* cmd_scenario.c — f3sim run | check | show | sweep | keys: YAML scenarios. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cmd_scenario.h"
#include "cmd_compare.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analytic.h"
#include "chip_run.h"
#include "cmd_formulas.h"
#include "cli_util.h"
#include "csv_text.h"
#include "data_hash.h"
#include "f3/status.h"
#include "numerics_cache.h"
#include "overflow_warn.h"
#include "results.h"
#include "scenario.h"
#include "seeds.h"
#include "emit.h"
#include "train_run.h"

#define MAX_SETS 64 /* more fail loudly (exit 2) */

const char *const SCENARIO_HELP =
    "usage: f3sim run SCENARIO.yaml [--set key.path=value ...] [--seeds 1-10] [--jobs N] [--point I] [--quiet]\n"
    "       f3sim check SCENARIO.yaml [--set ...]     validate only\n"
    "       f3sim show SCENARIO.yaml [--set ...]      the resolved scenario as YAML\n"
    "       f3sim sweep SCENARIO.yaml --emit slurm|parallel | --collect\n"
    "       f3sim keys [--markdown]                   every scenario key\n"
    "\n"
    "A scenario names a network, a data set, a training recipe, optionally a\n"
    "chip (hardware:), the learning rules to compare and sweeps over any key\n"
    "(docs/scenarios.md).  Results go to <outputs.folder>/<name>/: one folder per\n"
    "learning rule (per sweep point: point-NNN/<rule>/) with run.json and\n"
    "epochs.csv, compare.csv side by side, and sweep.csv over all points.\n"
    "\n"
    "  --set key.path=value  override a key (value in YAML: 1e-4, [100, 100], bp)\n"
    "  --seeds LIST          run every point once per seed (1-10, 1,3,5): as\n"
    "                        --set training.seeds=[...]; compare.csv gives mean ± σ\n"
    "  --jobs N              run sweep points in N parallel processes (1)\n"
    "  --point I             run only sweep point I (0-based; for cluster jobs)\n"
    "  --emit slurm|parallel sweep: write a Slurm script (bash it to submit the\n"
    "                        arrays and the collect job) or a GNU parallel job list\n"
    "                        to <folder>/<name>/\n"
    "  --collect             sweep: gather the points' compare.csv into sweep.csv\n"
    "  --engine analytic|systemc  chip figures of a sweep's hardware points: analytic\n"
    "                        (the default for sweeps: one training per numerics\n"
    "                        point with the plain trainer, cached in\n"
    "                        <folder>/.numerics-cache, and the analytic evaluator,\n"
    "                        equal to SystemC; SystemC only to write\n"
    "                        outputs.trace) or systemc (the default for a single\n"
    "                        run of an MLP: train every point on the SystemC\n"
    "                        chip; analytic is the default for a network of\n"
    "                        blocks too, which systemc trains on the chip)\n"
    "  --force               retrain numerics points that are in the cache\n"
    "  --quiet               no progress lines\n"
    "\n"
    "Exit status: 0 done; 2 the scenario is invalid (file:line:column: message,\n"
    "nothing written); 1 a run failed (e.g. a data file is missing, the training\n"
    "diverged, another run holds the results folder); 130/143 stopped by\n"
    "SIGINT/SIGTERM (status.json: interrupted).\n";

typedef struct {
    const char *file;
    const char *sets[MAX_SETS];
    size_t n_sets;
    long jobs;
    long point;
    char emit[16];
    int collect, quiet, markdown, resume;
    const char *init_from; /* --init-from FILE.npz, or NULL */
    int engine; /* 0 the default, 1 analytic, 2 systemc */
    int force;
    char command_line[4096]; /* "f3sim run …", for status.json */
    char seeds_set[SC_MAX_STR + 32]; /* --seeds as "training.seeds=[…]" */
} sc_args;

static int parse_args(const char *cmd, int argc, char **argv, sc_args *a)
{
    static const struct option opts[] = {{"set", required_argument, 0, 's'},
                                         {"jobs", required_argument, 0, 'j'},
                                         {"point", required_argument, 0, 'p'},
                                         {"emit", required_argument, 0, 'e'},
                                         {"collect", no_argument, 0, 'c'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"resume", no_argument, 0, 'r'},
                                         {"init-from", required_argument, 0, 'i'},
                                         {"markdown", no_argument, 0, 'm'},
                                         {"engine", required_argument, 0, 'E'},
                                         {"force", no_argument, 0, 'F'},
                                         {"seeds", required_argument, 0, 'S'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    char line[4000];
    command_line_text(line, sizeof line, argc, argv); /* before getopt reorders argv */
    snprintf(a->command_line, sizeof a->command_line, "f3sim %s", line);
    a->jobs = 1;
    a->point = -1;
    opterr = 0;
    optind = 1;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (a->n_sets >= MAX_SETS) {
                fprintf(stderr, "f3sim %s: at most %d --set options\n", cmd, MAX_SETS);
                return 2;
            }
            a->sets[a->n_sets++] = optarg;
            break;
        case 'j':
        case 'p': {
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || v < (c == 'j' ? 1 : 0)) {
                fprintf(stderr, "f3sim %s: --%s expects a %s integer, got '%s'\n", cmd,
                        c == 'j' ? "jobs" : "point", c == 'j' ? "positive" : "non-negative", optarg);
                return 2;
            }
            if (c == 'j') a->jobs = v;
            else a->point = v;
            break;
        }
        case 'e':
            if (strcmp(optarg, "slurm") && strcmp(optarg, "parallel")) {
                fprintf(stderr, "f3sim %s: --emit expects slurm or parallel, got '%s'\n", cmd, optarg);
                return 2;
            }
            snprintf(a->emit, sizeof a->emit, "%s", optarg);
            break;
        case 'S':
            if (a->seeds_set[0]) {
                fprintf(stderr, "f3sim %s: --seeds is given twice\n", cmd);
                return 2;
            }
            if (seeds_option(optarg, a->seeds_set, sizeof a->seeds_set)) {
                fprintf(stderr, "f3sim %s: %s\n", cmd, f3_last_error());
                return 2;
            }
            break;
        case 'c': a->collect = 1; break;
        case 'q': a->quiet = 1; break;
        case 'r': a->resume = 1; break;
        case 'i':
            if (access(optarg, R_OK)) {
                fprintf(stderr, "f3sim %s: --init-from %s: %s\n", cmd, optarg, strerror(errno));
                return 2;
            }
            a->init_from = optarg;
            break;
        case 'E':
            if (strcmp(optarg, "analytic") && strcmp(optarg, "systemc")) {
                fprintf(stderr, "f3sim %s: --engine expects analytic or systemc, got '%s'\n", cmd, optarg);
                return 2;
            }
            a->engine = strcmp(optarg, "analytic") ? 2 : 1;
            break;
        case 'F': a->force = 1; break;
        case 'm': a->markdown = 1; break;
        case 'h': fputs(SCENARIO_HELP, stdout); return 0;
        case ':':
            fprintf(stderr, "f3sim %s: option '%s' is missing its value\nTry 'f3sim help %s'.\n", cmd, argv[optind - 1], cmd);
            return 2;
        default: {
            /* with a "did you mean" (the options of all scenario commands) */
            char w[256];
            return cli_bad_option(cmd, cli_rejected_word(argc, argv, opts, -1, w, sizeof w), opts, NULL, NULL);
        }
        }
    }
    if (a->seeds_set[0]) { /* after the --set options: it overrides training.seeds */
        if (a->n_sets >= MAX_SETS) {
            fprintf(stderr, "f3sim %s: at most %d --set options (with --seeds)\n", cmd, MAX_SETS - 1);
            return 2;
        }
        a->sets[a->n_sets++] = a->seeds_set;
    }
    if (!strcmp(cmd, "keys")) return -1;
    if (optind >= argc) {
        fprintf(stderr, "f3sim %s: which scenario? usage: f3sim %s SCENARIO.yaml\n", cmd, cmd);
        return 2;
    }
    if (optind + 1 < argc) {
        fprintf(stderr, "f3sim %s: unexpected argument '%s'\n", cmd, argv[optind + 1]);
        return 2;
    }
    a->file = argv[optind];
    return -1;
}

/* Load, apply --set, validate; prints the error (exit 2) on failure. */
static scenario *load(const char *cmd, const sc_args *a)
{
    scenario *sc = NULL;
    if (scenario_load(a->file, &sc) != F3_OK) {
        fprintf(stderr, "f3sim %s: %s\n", cmd, f3_last_error());
        return NULL;
    }
    if (a->n_sets && scenario_set_all(sc, a->sets, a->n_sets) != F3_OK) {
        fprintf(stderr, "f3sim %s: %s\n", cmd, f3_last_error());
        scenario_free(sc);
        return NULL;
    }
    /* a name of white space alone would make a folder that looks empty */
    const char *c = sc->name;
    while (*c == ' ' || *c == '\t') c++;
    if (!*c) {
        const sc_value *v = scenario_get(sc, "name");
        if (v->line) fprintf(stderr, "f3sim %s: %s:%d:%d: ", cmd, v->origin, v->line, v->col);
        else fprintf(stderr, "f3sim %s: %s:1:1: ", cmd, sc->file);
        fprintf(stderr, "name: '%s' cannot name a results folder (it is only white space)\n", sc->name);
        scenario_free(sc);
        return NULL;
    }
    return sc;
}

/* ---- scenario → training options ------------------------------------------ */

static void to_options(const scenario *sc, const char *alg, train_options *o)
{
    train_options_default(o);
    snprintf(o->dataset, sizeof o->dataset, "%s", scenario_str(sc, "dataset.name"));
    snprintf(o->data_dir, sizeof o->data_dir, "%s", scenario_str(sc, "dataset.data_dir"));
    snprintf(o->data_path, sizeof o->data_path, "%s", scenario_str(sc, "dataset.path"));
    snprintf(o->test_path, sizeof o->test_path, "%s", scenario_str(sc, "dataset.test_path"));
    o->label_column = (int)scenario_num(sc, "dataset.label_column");
    o->classes = (size_t)scenario_num(sc, "dataset.classes");
    o->train_limit = (size_t)scenario_num(sc, "dataset.train_limit");
    o->test_limit = (size_t)scenario_num(sc, "dataset.test_limit");
    o->wine_test_fraction = scenario_num(sc, "dataset.test_fraction");
    o->raw = scenario_num(sc, "dataset.standardize") == 0;
    const sc_value *hid = scenario_get(sc, "network.hidden"), *in = scenario_get(sc, "network.input"),
                   *out = scenario_get(sc, "network.output");
    o->n_hidden = hid->n;
    for (size_t i = 0; i < hid->n; i++) o->hidden[i] = (size_t)hid->list[i];
    o->expect_input = in->is_auto ? 0 : (size_t)in->num;
    o->expect_output = out->is_auto ? 0 : (size_t)out->num;
    /* the configuration the scenario check validated, every auto resolved
     * (train_run fills in the widths from the data set) */
    f3_task task;
    scenario_f3_config(sc, alg, &o->cfg, &task); /* cannot fail: the scenario is validated */
    o->set_output_act = o->set_loss = o->set_error_info = 1;
    if ((o->is_blocks = scenario_is_blocks(sc))) { /* validated */
        snprintf(o->network_type, sizeof o->network_type, "%s", scenario_str(sc, "network.type"));
        if (scenario_is_vit(sc)) scenario_vit_config(sc, &o->vit_cfg);
        snprintf(o->blocks_spec, sizeof o->blocks_spec, "%s", scenario_str(sc, "network.blocks"));
        scenario_blocks(sc, o->blocks, F3_BLOCKNET_MAX_BLOCKS, &o->n_blocks);
    }
    o->epochs = (size_t)scenario_num(sc, "training.epochs");
    o->threads = (int)scenario_num(sc, "training.threads");
    o->checkpoint_every = (size_t)scenario_num(sc, "outputs.checkpoint_every");
    o->on_overflow = !strcmp(scenario_str(sc, "numerics.on_overflow"), "stop") ? OVERFLOW_STOP : OVERFLOW_WARN;
    const sc_value *fm = scenario_get(sc, "outputs.formats");
    o->write_json = o->write_csv = 0;
    for (size_t i = 0; i < fm->n; i++) {
        if (!strcmp(fm->items[i], "json")) o->write_json = 1;
        if (!strcmp(fm->items[i], "csv")) o->write_csv = 1;
    }
    snprintf(o->scenario_file, sizeof o->scenario_file, "%s", sc->file);
    snprintf(o->scenario_name, sizeof o->scenario_name, "%s", sc->name);
}

static void base_dir(const scenario *sc, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", scenario_str(sc, "outputs.folder"), sc->name);
}

/* ---- running ---------------------------------------------------------------- */

/* compare.csv: per learning rule, training figures, then the chip's
 * per-sample figures (chip_per_sample_*: per training sample), then its run
 * totals (chip_total_*: all epochs) and sizes. */
static const char *const COMPARE_HEADER =
    "point,sweep,algorithm,best_test_accuracy_percent,final_test_accuracy_percent,best_test_loss,"
    "final_test_loss,fma,elementwise_ops,peak_activation_buffer_elements,peak_error_store_elements,"
    "train_seconds,samples_per_second,weights_sha256,chip_dataflow,"
    "chip_per_sample_cycles,chip_samples_per_second,chip_per_sample_energy_nj,"
    "chip_per_sample_energy_compute_nj,chip_per_sample_energy_registers_nj,chip_per_sample_energy_sram_nj,"
    "chip_per_sample_energy_rom_nj,chip_per_sample_energy_dram_nj,chip_per_sample_energy_links_nj,"
    "chip_per_sample_energy_error_store_nj,chip_per_sample_energy_leakage_nj,"
    "chip_per_sample_sram_bytes,chip_per_sample_dram_bytes,chip_per_sample_rom_bytes,chip_per_sample_link_bytes,"
    "chip_per_sample_error_store_bytes,chip_total_cycles,chip_total_energy_pj,chip_stall_fraction,"
    "chip_area_mm2,chip_peak_sram_bytes_per_tile,chip_dram_resident_bytes\n";

/* The chip's figures of one rule: per sample and run totals. */
typedef struct {
    double n, energy, sram, dram, rom, links, es, peak, resident;
} chip_view;

static chip_view chip_view_of(const chip_result *h)
{
    chip_view v = {0};
    v.n = h->samples ? (double)h->samples : 1.0;
    for (int i = 0; i < CHIP_E_COUNT; i++) v.energy += h->energy_pj[i];
    v.sram = (double)(h->sram_read + h->sram_written);
    v.dram = (double)(h->dram_read + h->dram_written);
    v.rom = (double)h->rom_read;
    v.links = (double)(h->link_bytes[0] + h->link_bytes[1] + h->link_bytes[2]);
    v.es = (double)(h->es_read + h->es_written);
    for (size_t i = 0; i < h->n_tiles; i++) {
        if (h->tile[i].sram_needed > v.peak) v.peak = h->tile[i].sram_needed;
        v.resident += h->tile[i].dram_resident;
    }
    return v;
}

static void csv_num(FILE *f, double v, const char *fmt)
{
    if (isfinite(v)) fprintf(f, fmt, v);
}

/* What every point of a run shares. */
typedef struct {
    const sc_args *a;
    int quiet;
    int lock_point; /* take the point folder's lock (it is not the locked base) */
} run_ctx;

/* Remove from dir what an earlier run wrote there: its result files and
 * every rule folder (this run writes the rules it runs again; a rule it
 * does not run must not stand beside them). */
static int clear_point(const char *dir)
{
    if (clear_outputs(dir)) return -1;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (!is_rule_folder(e->d_name) && !is_seed_folder(e->d_name)) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (remove_run_folder(path)) rc = -1;
    }
    closedir(d);
    return rc;
}

/* text without its comment lines (those that begin with '#'), in place */
static void strip_comments(char *text)
{
    char *w = text;
    for (const char *r = text; *r;) {
        const char *nl = strchr(r, '\n');
        size_t n = nl ? (size_t)(nl - r) + 1 : strlen(r);
        if (*r != '#') {
            memmove(w, r, n);
            w += n;
        }
        r += n;
    }
    *w = '\0';
}

/* 1 if dir/scenario.resolved.yaml holds the point p (comments aside). */
static int same_resolved_scenario(const char *dir, const scenario *p)
{
    char path[4200], *now = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/scenario.resolved.yaml", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char *old = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(old, cap = 2 * cap + 8192);
            if (!nb) break;
            old = nb;
        }
        size_t k = fread(old + n, 1, 4096, f);
        n += k;
        if (!k) break;
    }
    fclose(f);
    FILE *m = open_memstream(&now, &len);
    int same = 0;
    if (old && m) {
        old[n] = '\0';
        scenario_show(p, m);
        fclose(m);
        strip_comments(old);
        strip_comments(now);
        same = !strcmp(old, now);
    } else if (m) {
        fclose(m);
    }
    free(old);
    free(now);
    return same;
}

/* With --resume: 0 if dir holds p's finished run (skip it), EXIT_USAGE if
 * it holds another configuration's, -1 if it is to be run. */
static int resume_skip(const scenario *p, const char *dir, const run_ctx *ctx)
{
    if (!ctx->a->resume || !run_status_is_done(dir)) return -1;
    if (!same_resolved_scenario(dir, p)) {
        fprintf(stderr,
                "f3sim run: %s/ is done, but with another configuration (its scenario.resolved.yaml differs); "
                "resume with the same scenario and --set options, or run afresh without --resume\n",
                dir);
        return EXIT_USAGE;
    }
    if (!ctx->quiet) fprintf(stderr, "f3sim run: %s/ is done; skipped (--resume)\n", dir);
    return 0;
}

/* Run every algorithm of one (resolved, sweep-free) scenario point into
 * dir; write dir/compare.csv and print the table.  0 on success, else the
 * exit status (2 the configuration cannot run, 128 + N stopped by signal
 * N, 1 otherwise). */
static int run_point(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                     const char *kind)
{
    char algs[SC_MAX_LIST][32];
    size_t na = scenario_algorithms(p, algs, SC_MAX_LIST);
    const int chip = scenario_present(p, "hardware");
    const int quiet = ctx->quiet;
    chip_config hw;
    if (chip) chip_config_from_scenario(p, &hw);
    const int auto_chip = chip && strcmp(scenario_str(p, "hardware.mapping.auto"), "none");
    dir_lock lock = {-1};
    struct stat dst;
    const int existed = stat(dir, &dst) == 0;
    int skip = resume_skip(p, dir, ctx);
    if (skip >= 0) return skip;
    if (make_dirs(dir)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    if (ctx->lock_point && dir_lock_take(&lock, dir, 1)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    run_status rs;
    int rc = 0;
    if ((!ctx->a->resume && clear_point(dir)) || run_status_start(&rs, dir, kind, ctx->a->command_line) ||
        write_resolved_scenario(dir, p, ctx->a->sets, ctx->a->n_sets, label[0] ? label : NULL)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        dir_lock_release(&lock);
        return EXIT_RUNTIME;
    }
    train_result *res = calloc(na, sizeof *res);
    chip_result *hres = calloc(na, sizeof *hres);
    chip_inference *inf = chip ? calloc(na, sizeof *inf) : NULL;
    if (!res || !hres || (chip && !inf)) {
        F3_FAIL(F3_ENOMEM, "out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (size_t k = 0; k < na; k++) {
        int sig = cli_stop_signal();
        if (sig) {
            F3_FAIL(F3_EINVAL, "stopped by %s before %s", cli_signal_name(sig), algs[k]);
            rc = EXIT_SIGNAL(sig);
            goto out;
        }
        train_options o;
        to_options(p, algs[k], &o);
        o.progress = !quiet;
        o.resume = ctx->a->resume;
        if (ctx->a->init_from && set_init_from(&o, ctx->a->init_from)) {
            rc = EXIT_USAGE;
            goto out;
        }
        snprintf(o.point_label, sizeof o.point_label, "%s", label);
        snprintf(o.out, sizeof o.out, "%s/%s", dir, algs[k]);
        snprintf(o.rule, sizeof o.rule, "%s", algs[k]);
        snprintf(o.command_line, sizeof o.command_line, "%s", ctx->a->command_line);
        o.sc = p;
        o.sets = ctx->a->sets;
        o.n_sets = ctx->a->n_sets;
        if (!quiet) fprintf(stderr, "f3sim run: %s%s%s → %s/\n", algs[k], label[0] ? " at " : "", label, o.out);
        /* a sweep trains once per numerics point (the cache) and evaluates
         * its hardware analytically, unless --engine systemc; so does a
         * network of blocks (SystemC, which trains its blocks with the
         * block trainer's per-block calls, under --engine systemc) */
        const int analytic = ctx->a->engine == 1 || (ctx->a->engine == 0 && (!strcmp(kind, "point") || o.is_blocks));
        int reused = 0;
        /* hardware.mapping.auto: this rule's own chip, chosen within the budget */
        static chip_config hwk;
        if (chip) hwk = hw;
        if (chip && o.is_blocks) { /* its blocks, held by o for the rule's run */
            hwk.blocks = o.blocks;
            hwk.n_blocks = o.n_blocks;
        }
        if (chip && auto_chip) {
            char desc[2048];
            rc = compare_auto_chip(p, algs[k], &hwk, desc, sizeof desc);
            if (rc) {
                char msg[1100];
                snprintf(msg, sizeof msg, "%s: %s", algs[k], f3_last_error());
                F3_FAIL(F3_EINVAL, "%s", msg);
                goto out;
            }
            if (!quiet) fprintf(stderr, "f3sim run: %s: %s\n", algs[k], desc);
        }
        if (chip && analytic)
            rc = numerics_train_or_reuse(p, algs[k], &o, &hwk, ctx->a->force, &reused, &res[k], &hres[k]);
        else
            rc = chip ? chip_train(&o, &hwk, &res[k], &hres[k]) : train_run(&o, "run", &res[k]);
        if (!rc && reused && !quiet)
            fprintf(stderr, "f3sim run: %s: same numerics as a trained point; its training reused, chip figures analytic\n",
                    algs[k]);
        if (rc) {
            char msg[1100];
            snprintf(msg, sizeof msg, "%s: %s", algs[k], f3_last_error());
            F3_FAIL(F3_EINVAL, "%s", msg);
            goto out;
        }
        /* the inference-only baseline on this rule's chip (run.json has it too) */
        if (chip && chip_inference_run(&hwk, &res[k].cfg, &hres[k], &inf[k]) != F3_OK) {
            char msg[1100];
            snprintf(msg, sizeof msg, "%s: inference baseline: %s", algs[k], f3_last_error());
            F3_FAIL(F3_EINVAL, "%s", msg);
            rc = EXIT_RUNTIME;
            goto out;
        }
    }
    /* side by side; the memory a rule keeps for training: bp and dfa the
     * activations of a batch (eq. 27), f3 its error store (eq. 29) */
    printf("\n%s%s%s\n", p->name, label[0] ? ": " : "", label);
    printf("%-9s %10s %10s %10s %10s %9s %12s %12s %12s\n", "algorithm", "best acc", "final acc", "best loss",
           "FMA", "train", "throughput", "act. buffer", "error store");
    printf("%-9s %10s %10s %10s %10s %9s %12s %12s %12s\n", "", "[%]", "[%]", "", "[GFMA]", "[s]", "[samples/s]",
           "[elements]", "[elements]");
    for (size_t k = 0; k < na; k++) {
        const train_result *r = &res[k];
        printf("%-9s %10.2f %10.2f %10.4f %10.2f %9.2f %12.0f %12llu %12llu\n", algs[k], r->best_test_accuracy,
               r->final_test_accuracy, r->best_test_loss, (double)r->fma / 1e9, r->train_seconds,
               r->samples_per_second, (unsigned long long)r->peak_act, (unsigned long long)r->peak_err);
    }
    for (size_t k = 0; k < na; k++) overflow_print_rule_datapath(p, algs[k]); /* run.json: datapath */
    if (chip) {
        if (auto_chip) {
            printf("\non the chip (each rule's own, chosen by hardware.mapping.auto: its run.json's hardware.mapping), "
                   "per training sample:\n");
        } else if (hw.n_tiles) {
            /* a mapping: each tile's layers and lanes (from the first rule's run) */
            char lanes[512] = "", layers[512] = "";
            size_t nl = 0, ny = 0;
            for (size_t t = 0; t < hres[0].n_tiles && nl < sizeof lanes && ny < sizeof layers; t++) {
                const chip_tile_stats *ts = &hres[0].tile[t];
                nl += (size_t)snprintf(lanes + nl, sizeof lanes - nl, "%s%u", t ? ", " : "", ts->mac_lanes);
                ny += (size_t)snprintf(layers + ny, sizeof layers - ny, "%s%zu", t ? ", " : "",
                                       ts->last_layer - ts->first_layer + 1);
            }
            printf("\non the chip (%s, %.0f MHz, %zu tiles: layers per tile [%s], MAC lanes per tile [%s]), per "
                   "training sample:\n",
                   chip_dataflow_name(hw.dataflow), hw.clock_mhz, hres[0].n_tiles, layers, lanes);
        } else {
            printf("\non the chip (%s, %.0f MHz, %u MAC lanes per tile), per training sample:\n",
                   chip_dataflow_name(hw.dataflow), hw.clock_mhz, hw.mac_lanes);
        }
        printf("%-9s %10s %12s %10s %9s %9s %9s %9s %9s %10s %10s\n", "algorithm", "cycles", "throughput", "energy",
               "compute", "SRAM", "DRAM", "leakage", "other", "SRAM", "DRAM");
        printf("%-9s %10s %12s %10s %9s %9s %9s %9s %9s %10s %10s\n", "", "[/sample]", "[samples/s]", "[nJ]", "[nJ]",
               "[nJ]", "[nJ]", "[nJ]", "[nJ]", "[KB]", "[KB]");
        for (size_t k = 0; k < na; k++) {
            const chip_result *h = &hres[k];
            chip_view v = chip_view_of(h);
            const double *e = h->energy_pj;
            double other = v.energy - e[CHIP_E_COMPUTE] - e[CHIP_E_SRAM] - e[CHIP_E_DRAM] - e[CHIP_E_LEAKAGE];
            printf("%-9s %10.0f %12.0f %10.2f %9.2f %9.2f %9.2f %9.2f %9.2f %10.1f %10.1f\n", algs[k],
                   h->cycles_per_sample, h->samples_per_second, v.energy / v.n / 1e3, e[CHIP_E_COMPUTE] / v.n / 1e3,
                   e[CHIP_E_SRAM] / v.n / 1e3, e[CHIP_E_DRAM] / v.n / 1e3, e[CHIP_E_LEAKAGE] / v.n / 1e3,
                   other / v.n / 1e3, v.sram / v.n / 1e3, v.dram / v.n / 1e3);
        }
        printf("run totals and sizes:\n%-9s %14s %12s %8s %10s %12s %12s\n", "algorithm", "cycles", "energy", "stall",
               "area", "peak SRAM", "in DRAM");
        printf("%-9s %14s %12s %8s %10s %12s %12s\n", "", "", "[mJ]", "[%]", "[mm2]", "[KiB/tile]", "[KiB]");
        for (size_t k = 0; k < na; k++) {
            const chip_result *h = &hres[k];
            chip_view v = chip_view_of(h);
            printf("%-9s %14llu %12.3f %8.2f %10.2f %12.1f %12.1f\n", algs[k], (unsigned long long)h->cycles,
                   v.energy / 1e9, 100.0 * h->stall_fraction, h->area_mm2, v.peak / 1024.0, v.resident / 1024.0);
        }
        /* what on-chip-learning chips report: inference alone on the same
         * chip, and what learning adds to it */
        printf("inference on the same chip (forward passes only, without what learning adds; analytic), and what "
               "learning adds:\n%-9s %10s %12s %9s %9s %12s %10s %9s\n",
               "algorithm", "energy", "throughput", "power", "area", "+energy", "+power", "+area");
        printf("%-9s %10s %12s %9s %9s %12s %10s %9s\n", "", "[nJ/sample]", "[samples/s]", "[mW]", "[mm2]",
               "[%/sample]", "[%]", "[%]");
        for (size_t k = 0; k < na; k++) {
            const chip_result *q = &inf[k].res, *h = &hres[k];
            printf("%-9s %10.2f %12.0f %9.2f %9.2f %12.1f %10.1f %9.1f\n", algs[k], q->energy_per_sample_pj / 1e3,
                   q->samples_per_second, inf[k].power_mw, q->area_mm2,
                   100.0 * (h->energy_per_sample_pj / q->energy_per_sample_pj - 1),
                   100.0 * (inf[k].train_power_mw / inf[k].power_mw - 1), 100.0 * (h->area_mm2 / q->area_mm2 - 1));
        }
    }
    fflush(stdout);
    atomic_file af;
    if (atomic_open(&af, dir, "compare.csv")) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    fputs(COMPARE_HEADER, af.f);
    for (size_t k = 0; k < na; k++) {
        const train_result *r = &res[k];
        fprintf(af.f, "%zu,", index);
        csv_write_quoted(af.f, label); /* RFC 4180: a quote inside doubled */
        fprintf(af.f, ",%s,", algs[k]);
        csv_num(af.f, r->best_test_accuracy, "%.4f");
        fputc(',', af.f);
        csv_num(af.f, r->final_test_accuracy, "%.4f");
        fprintf(af.f, ",%.6f,%.6f,%llu,%llu,%llu,%llu,%.3f,%.1f,%s", r->best_test_loss, r->final_test_loss,
                (unsigned long long)r->fma, (unsigned long long)r->elementwise_ops, (unsigned long long)r->peak_act,
                (unsigned long long)r->peak_err, r->train_seconds, r->samples_per_second, r->weights_sha256);
        if (chip) {
            const chip_result *h = &hres[k];
            chip_view v = chip_view_of(h);
            fprintf(af.f, ",%s,%.3f,%.1f,%.4f", chip_dataflow_name(hw.dataflow), h->cycles_per_sample,
                    h->samples_per_second, v.energy / v.n / 1e3);
            for (int i = 0; i < CHIP_E_COUNT; i++) fprintf(af.f, ",%.4f", h->energy_pj[i] / v.n / 1e3);
            fprintf(af.f, ",%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%.0f,%.5f,%.4f,%.0f,%.0f\n", v.sram / v.n, v.dram / v.n,
                    v.rom / v.n, v.links / v.n, v.es / v.n, (unsigned long long)h->cycles, v.energy, h->stall_fraction,
                    h->area_mm2, v.peak, v.resident);
        } else {
            /* the chip's columns, blank: as many as the header names */
            for (const char *c = strstr(COMPARE_HEADER, ",chip_dataflow"); *c; c++)
                if (*c == ',') fputc(',', af.f);
            fputc('\n', af.f);
        }
    }
    if (atomic_commit(&af)) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    if (run_status_done(&rs)) rc = EXIT_RUNTIME;
out:
    if (rc) {
        char msg[1200];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        if (EXIT_IS_SIGNAL(rc)) run_status_interrupted(&rs, rc - 128);
        else run_status_failed(&rs, msg);
        fprintf(stderr, "f3sim run: %s\n", msg);
    }
    free(res);
    free(inf);
    free(hres);
    dir_lock_release(&lock);
    /* a configuration that cannot run (found once the data set was read)
     * writes nothing, as an invalid scenario does */
    if (rc == EXIT_USAGE && !existed) remove_run_folder(dir);
    return rc;
}

/* training.seeds: run the point p once per seed into dir/seed-<s>/ (each
 * a run_point of its own, with training.seed set and training.seeds
 * cleared), then write dir/compare.csv with the mean and σ over the seeds.
 * The exit status, as run_point's. */
static int run_seeded(const scenario *p, size_t index, const char *label, const char *dir, const run_ctx *ctx,
                      const char *kind)
{
    const sc_value *sv = scenario_get(p, "training.seeds");
    struct stat dst;
    const int existed = stat(dir, &dst) == 0;
    int rc = resume_skip(p, dir, ctx);
    if (rc >= 0) return rc;
    rc = 0;
    if (make_dirs(dir)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    dir_lock lock = {-1};
    if (ctx->lock_point && dir_lock_take(&lock, dir, 1)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    run_status rs;
    if ((!ctx->a->resume && clear_point(dir)) || run_status_start(&rs, dir, kind, ctx->a->command_line) ||
        write_resolved_scenario(dir, p, ctx->a->sets, ctx->a->n_sets, label[0] ? label : NULL)) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        dir_lock_release(&lock);
        return EXIT_RUNTIME;
    }
    run_ctx child = *ctx;
    child.lock_point = 1; /* a seed's folder is not the locked base */
    char msg[2048] = "";
    for (size_t s = 0; s < sv->n && !rc; s++) {
        char assign[2][64], sdir[1500], slabel[2200];
        snprintf(assign[0], sizeof assign[0], "training.seed=%.0f", sv->list[s]);
        snprintf(assign[1], sizeof assign[1], "training.seeds=[]");
        snprintf(slabel, sizeof slabel, "%s%straining.seed=%.0f", label, label[0] ? " " : "", sv->list[s]);
        seed_dir(dir, sv->list[s], sdir, sizeof sdir);
        scenario *ps = NULL;
        const char *const as[2] = {assign[0], assign[1]};
        if (scenario_copy(p, &ps) != F3_OK || scenario_set_all(ps, as, 2) != F3_OK) {
            snprintf(msg, sizeof msg, "%s", f3_last_error());
            rc = EXIT_RUNTIME;
        } else {
            rc = run_point(ps, index, slabel, sdir, &child, "seed");
            if (rc) snprintf(msg, sizeof msg, "seed %.0f failed: see %s/status.json", sv->list[s], sdir);
        }
        scenario_free(ps);
    }
    if (!rc && seeds_aggregate(dir, sv->list, sv->n, index, label, p->name, stdout)) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        fprintf(stderr, "f3sim run: %s\n", msg);
        rc = EXIT_RUNTIME;
    }
    fflush(stdout);
    if (!rc) rc = run_status_done(&rs) ? EXIT_RUNTIME : 0;
    else if (EXIT_IS_SIGNAL(rc)) run_status_interrupted(&rs, rc - 128);
    else run_status_failed(&rs, msg);
    dir_lock_release(&lock);
    if (rc == EXIT_USAGE && !existed) remove_run_folder(dir);
    return rc;
}

static void point_dir(const scenario *sc, size_t i, char *buf, size_t len)
{
    char base[1200];
    base_dir(sc, base, sizeof base);
    if (sc->n_sweep) snprintf(buf, len, "%s/point-%03zu", base, i);
    else snprintf(buf, len, "%s", base);
}

static int run_one(const scenario *sc, size_t i, const run_ctx *ctx)
{
    scenario *p = NULL;
    if (scenario_sweep_point(sc, i, &p) != F3_OK) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        return EXIT_USAGE;
    }
    char label[2048], dir[1400];
    scenario_sweep_label(sc, i, label, sizeof label);
    point_dir(sc, i, dir, sizeof dir);
    int rc = scenario_get(p, "training.seeds")->n ? run_seeded(p, i, label, dir, ctx, sc->n_sweep ? "point" : "scenario")
                                                  : run_point(p, i, label, dir, ctx, sc->n_sweep ? "point" : "scenario");
    scenario_free(p);
    return rc;
}

/* sweep.csv: every point's compare.csv, one header. */
static int collect(const scenario *sc, int quiet)
{
    char base[1200];
    base_dir(sc, base, sizeof base);
    atomic_file af;
    if (atomic_open(&af, base, "sweep.csv")) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        return 1;
    }
    /* a column per swept key, then the comparison columns: those of the
     * points' compare.csv (with training.seeds, their means and σ), which
     * every point shares */
    size_t n = scenario_sweep_points(sc), missing = 0;
    static char head[16384], line[16384];
    head[0] = '\0';
    for (size_t i = 0; i < n && !head[0]; i++) {
        char dir[1400], path[1500];
        point_dir(sc, i, dir, sizeof dir);
        snprintf(path, sizeof path, "%s/compare.csv", dir);
        FILE *f = fopen(path, "r");
        if (f && !fgets(head, sizeof head, f)) head[0] = '\0';
        if (f) fclose(f);
    }
    const char *rest_of_head = strchr(head, ',') ? strchr(strchr(head, ',') + 1, ',') : NULL;
    fputs("point", af.f);
    for (size_t a = 0; a < sc->n_sweep; a++) fprintf(af.f, ",%s", sc->sweep[a].path);
    fputs(rest_of_head ? rest_of_head : ",\n", af.f);
    for (size_t i = 0; i < n; i++) {
        char dir[1400], path[1500];
        point_dir(sc, i, dir, sizeof dir);
        snprintf(path, sizeof path, "%s/compare.csv", dir);
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "f3sim sweep: point %zu has no results (%s)\n", i, path);
            missing++;
            continue;
        }
        int first = 1;
        while (fgets(line, sizeof line, f)) {
            if (first) { /* header: the same columns as the first point's */
                first = 0;
                if (strcmp(line, head)) {
                    fprintf(stderr, "f3sim sweep: %s has other columns than the first point's compare.csv\n", path);
                    missing++;
                    break;
                }
                continue;
            }
            /* drop the point and sweep-label columns (RFC 4180 cells: the
             * label may hold commas and quotes), put the swept values instead */
            csv_row row;
            if (csv_split(line, &row) || row.n < 3) {
                csv_row_free(&row);
                fprintf(stderr, "f3sim sweep: %s: a row that is not CSV: %.80s\n", path, line);
                missing++;
                break;
            }
            fprintf(af.f, "%zu", i);
            for (size_t a = 0; a < sc->n_sweep; a++) {
                fputc(',', af.f);
                csv_write_quoted(af.f, scenario_sweep_value(sc, a, i)); /* it may hold commas */
            }
            for (size_t c = 2; c < row.n; c++) {
                fputc(',', af.f);
                csv_write_quoted_if_needed(af.f, row.cell[c]);
            }
            fputc('\n', af.f);
            csv_row_free(&row);
        }
        fclose(f);
    }
    /* a partial sweep is still collected (a failed cluster task must not
     * lose the others' results), and said to be partial: exit 1 */
    if (atomic_commit(&af)) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        return 1;
    }
    if (missing) {
        fprintf(stderr, "f3sim sweep: %zu of %zu points have no (matching) results (named above); %s/sweep.csv "
                        "holds the other %zu: run the missing ones (the Slurm script again, or run --point I) and "
                        "collect again\n", missing, n, base, n - missing);
        return 1;
    }
    if (!quiet) fprintf(stderr, "f3sim: %zu points collected in %s/sweep.csv\n", n, base);
    return 0;
}

/* A full run starts afresh: what an earlier run left in the scenario's
 * folder (its files, rule folders, and every point folder) goes, so that
 * nothing of it stands beside this run's results. */
static int clear_base(const char *base)
{
    if (clear_point(base)) return -1;
    DIR *d = opendir(base);
    if (!d) return 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (point_folder_index(e->d_name) < 0) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", base, e->d_name);
        if (remove_run_folder(path)) rc = -1;
    }
    closedir(d);
    return rc;
}

/* Run the points [0, n) in up to a->jobs processes; the exit status. */
static int run_points(const scenario *sc, size_t n, const run_ctx *ctx)
{
    const sc_args *a = ctx->a;
    int rc = 0;
    if (a->jobs <= 1 || n == 1) {
        for (size_t i = 0; i < n && !rc; i++) rc = run_one(sc, i, ctx);
        return rc;
    }
    run_ctx child = *ctx;
    child.quiet = 1; /* N processes' progress lines would interleave */
    size_t next = 0, running = 0, finished = 0;
    double t0 = (double)time(NULL);
    fflush(NULL);
    while (next < n || running) {
        while (running < (size_t)a->jobs && next < n && !rc && !cli_stop_signal()) {
            pid_t pid = fork();
            if (pid == 0) {
                cli_forked();
                _exit(run_one(sc, next, &child));
            }
            if (pid < 0) {
                fprintf(stderr, "f3sim run: cannot start a process: %s\n", strerror(errno));
                rc = EXIT_RUNTIME;
                break;
            }
            cli_child_started(pid);
            next++;
            running++;
        }
        if (!running) break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        cli_child_ended(pid);
        running--;
        finished++;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_RUNTIME;
        if (code && (!rc || EXIT_IS_SIGNAL(code))) rc = code;
        if (!ctx->quiet && !code) {
            double el = (double)time(NULL) - t0;
            fprintf(stderr, "f3sim run: %zu of %zu points done, ETA %.0f s\n", finished, n,
                    el / (double)finished * (double)(n - finished));
        }
    }
    int sig = cli_stop_signal();
    if (sig && !rc) rc = EXIT_SIGNAL(sig);
    return rc;
}

static int cmd_run(const sc_args *a)
{
    scenario *sc = load("run", a);
    if (!sc) return EXIT_USAGE;
    cli_signals_install();
    size_t n = scenario_sweep_points(sc);
    int rc = 0;
    char base[1200];
    base_dir(sc, base, sizeof base);
    run_ctx ctx = {a, a->quiet, 0};
    dir_lock lock = {-1};
    if (a->point >= 0 && (size_t)a->point >= n) {
        fprintf(stderr, "f3sim run: --point %ld: the sweep has %zu points (0 to %zu)\n", a->point, n, n - 1);
        scenario_free(sc);
        return EXIT_USAGE;
    }
    if (a->point >= 0 && sc->n_sweep) {
        /* one point of a sweep (e.g. a cluster task): its own folder,
         * beside other points' tasks; a whole run of the scenario holds
         * the scenario's folder and excludes it */
        if (make_dirs(base) || dir_lock_take(&lock, base, 0)) {
            fprintf(stderr, "f3sim run: %s\n", f3_last_error());
            scenario_free(sc);
            return EXIT_RUNTIME;
        }
        ctx.lock_point = 1;
        rc = run_one(sc, (size_t)a->point, &ctx);
        dir_lock_release(&lock);
        scenario_free(sc);
        return rc;
    }
    /* validate every point before anything is written */
    for (size_t i = 0; i < n; i++) {
        scenario *p = NULL;
        if (scenario_sweep_point(sc, i, &p) != F3_OK) {
            fprintf(stderr, "f3sim run: %s\n", f3_last_error());
            scenario_free(sc);
            return EXIT_USAGE;
        }
        scenario_free(p);
    }
    /* the scenario's folder: locked for the whole run, cleared of an
     * earlier run's results */
    struct stat bst;
    const int base_existed = stat(base, &bst) == 0;
    if (make_dirs(base) || dir_lock_take(&lock, base, 1) || (!a->resume && clear_base(base))) {
        fprintf(stderr, "f3sim run: %s\n", f3_last_error());
        dir_lock_release(&lock);
        scenario_free(sc);
        return EXIT_RUNTIME;
    }
    run_status rs;
    int have_status = 0;
    if (sc->n_sweep) {
        /* without a sweep, the one point's folder is this one */
        if (run_status_start(&rs, base, "scenario", a->command_line) ||
            write_resolved_scenario(base, sc, a->sets, a->n_sets, NULL)) {
            fprintf(stderr, "f3sim run: %s\n", f3_last_error());
            dir_lock_release(&lock);
            scenario_free(sc);
            return EXIT_RUNTIME;
        }
        have_status = 1;
    }
    ctx.lock_point = sc->n_sweep != 0;
    rc = run_points(sc, n, &ctx);
    if (!rc && sc->n_sweep) rc = collect(sc, a->quiet);
    if (have_status) {
        if (!rc) run_status_done(&rs);
        else if (EXIT_IS_SIGNAL(rc)) run_status_interrupted(&rs, rc - 128);
        else run_status_failed(&rs, "a point failed: see its folder's status.json");
    }
    int sig = cli_stop_signal();
    if (EXIT_IS_SIGNAL(rc) || sig) {
        if (!sig) sig = rc - 128;
        fprintf(stderr, "f3sim run: stopped by %s; %s/ holds the results so far, marked interrupted in status.json\n",
                cli_signal_name(sig), base);
        rc = EXIT_SIGNAL(sig);
    } else if (!rc && !a->quiet) {
        fprintf(stderr, "f3sim run: results in %s/\n", base);
    }
    dir_lock_release(&lock);
    if (rc == EXIT_USAGE && !base_existed) remove_run_folder(base); /* exit 2: nothing written */
    scenario_free(sc);
    return rc;
}

/* qsort orders of cmd_emit: points by their numerics signature (then
 * index), tasks by their first point */
static char (*emit_sig)[65];
static int by_signature(const void *a, const void *b)
{
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = strcmp(emit_sig[i], emit_sig[j]);
    return c ? c : (i > j) - (i < j);
}
static int by_first_point(const void *a, const void *b)
{
    const size_t i = ((const emit_task *)a)->points[0], j = ((const emit_task *)b)->points[0];
    return (i > j) - (i < j);
}

static int cmd_emit(const sc_args *a)
{
    scenario *sc = load("sweep", a);
    if (!sc) return EXIT_USAGE;
    size_t n = scenario_sweep_points(sc), *points = NULL;
    emit_task *tasks = NULL;
    char base[1200], abs[4096], cwd[4096], exe[4096];
    base_dir(sc, base, sizeof base);
    int rc = EXIT_RUNTIME;
    if (!realpath(a->file, abs)) {
        fprintf(stderr, "f3sim sweep: %s: %s\n", a->file, strerror(errno));
        goto out;
    }
    if (!getcwd(cwd, sizeof cwd)) {
        fprintf(stderr, "f3sim sweep: cannot tell the working directory: %s\n", strerror(errno));
        goto out;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) snprintf(exe, sizeof exe, "f3sim");
    else exe[len] = '\0';
    /* a script line holds every word on one line: a newline in a value
     * would start a new command (a GNU parallel job, a line of the shell) */
    const char *what[4] = {"the working directory", "the scenario's path", "the f3sim binary's path",
                           "the results folder"};
    const char *text[4] = {cwd, abs, exe, base};
    for (int i = 0; i < 4; i++)
        if (has_control_char(text[i])) {
            fprintf(stderr, "f3sim sweep: %s holds a newline or control character; a script cannot carry it: %s\n",
                    what[i], text[i]);
            rc = EXIT_USAGE;
            goto out;
        }
    for (size_t i = 0; i < a->n_sets; i++)
        if (has_control_char(a->sets[i])) {
            fprintf(stderr, "f3sim sweep: --set[%zu] holds a newline or control character; a script cannot carry it "
                            "(write the value on one line)\n", i + 1);
            rc = EXIT_USAGE;
            goto out;
        }
    if (make_dirs(base)) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    int slurm = !strcmp(a->emit, "slurm");
    /* the tasks: one per numerics point, running its sweep points one
     * after the other (the first trains, the others reuse the training
     * and evaluate their hardware analytically); in the order of each
     * group's first point */
    points = malloc((n ? n : 1) * sizeof *points);
    tasks = malloc((n ? n : 1) * sizeof *tasks);
    char (*sig)[65] = malloc((n ? n : 1) * sizeof *sig);
    size_t n_tasks = 0;
    if (!points || !tasks || !sig) {
        free(sig);
        fprintf(stderr, "f3sim sweep: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        scenario *p = NULL;
        if (scenario_sweep_point(sc, i, &p) != F3_OK || numerics_signature(p, sig[i])) {
            scenario_free(p);
            free(sig);
            fprintf(stderr, "f3sim sweep: point %zu: %s\n", i, f3_last_error());
            goto out;
        }
        /* a task that cannot find its data fails on the cluster, every one
         * of them: say so here, before anything is submitted */
        if (data_files_present(scenario_str(p, "dataset.name"), scenario_str(p, "dataset.data_dir"),
                               scenario_str(p, "dataset.path"), scenario_str(p, "dataset.test_path"))) {
            fprintf(stderr, "f3sim sweep: point %zu: %s; its task would fail (fetch the data, e.g. scripts/setup.sh, "
                            "or set dataset.data_dir)\n", i, f3_last_error());
            scenario_free(p);
            free(sig);
            rc = EXIT_USAGE;
            goto out;
        }
        if (i == 0 && !a->quiet && !scenario_present(p, "hardware") &&
            scenario_get(p, "outputs.checkpoint_every")->num == 0)
            fprintf(stderr, "f3sim sweep: note: outputs.checkpoint_every is 0: a task killed at its time limit "
                            "starts its point again from epoch 1 (set it to resume from the last checkpoint)\n");
        scenario_free(p);
    }
    /* the points ordered by (signature, index): a group is a run of equal
     * signatures, its first point the lowest index; then the groups in
     * the order of their first points */
    for (size_t i = 0; i < n; i++) points[i] = i;
    emit_sig = sig;
    qsort(points, n, sizeof *points, by_signature);
    for (size_t i = 0; i < n; i++) {
        if (i && !strcmp(sig[points[i]], sig[points[i - 1]])) {
            tasks[n_tasks - 1].n++;
            continue;
        }
        tasks[n_tasks++] = (emit_task){&points[i], 1};
    }
    qsort(tasks, n_tasks, sizeof *tasks, by_first_point);
    free(sig);
    char abs_base[4096], logs[4200];
    if (!realpath(base, abs_base)) {
        fprintf(stderr, "f3sim sweep: %s: %s\n", base, strerror(errno));
        goto out;
    }
    snprintf(logs, sizeof logs, "%s/logs", abs_base);
    if (slurm && make_dirs(logs)) { /* sbatch does not create the folder of a job's log */
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    const double threads = scenario_num(sc, "training.threads");
    emit_job job = {sc->name, exe, abs, cwd, abs_base, a->sets, a->n_sets, tasks, n_tasks,
                    threads > 0 ? (int)threads : 2, scenario_str(sc, "outputs.slurm.time"),
                    scenario_str(sc, "outputs.slurm.mem"), scenario_str(sc, "outputs.slurm.partition"),
                    scenario_str(sc, "outputs.slurm.account"), scenario_str(sc, "outputs.slurm.setup"),
                    (long)scenario_num(sc, "outputs.slurm.max_array_size"), NULL};
    char init_abs[4096];
    if (a->init_from) {
        if (!realpath(a->init_from, init_abs)) {
            fprintf(stderr, "f3sim sweep: --init-from %s: %s\n", a->init_from, strerror(errno));
            goto out;
        }
        job.init_from = init_abs;
    }
    atomic_file af;
    if (atomic_open(&af, base, slurm ? "sweep.slurm" : "sweep.parallel")) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    if (slurm) emit_slurm(&job, af.f);
    else emit_parallel(&job, af.f);
    if (atomic_commit(&af)) {
        fprintf(stderr, "f3sim sweep: %s\n", f3_last_error());
        goto out;
    }
    rc = 0;
    if (!a->quiet)
        fprintf(stderr, "f3sim sweep: %zu points in %zu task%s (one per numerics point) → %s/%s%s\n", n, n_tasks,
                n_tasks == 1 ? "" : "s", base, slurm ? "sweep.slurm" : "sweep.parallel",
                slurm ? "  (submit: bash that file)" : "  (run: parallel --jobs N < that file, then --collect)");
out:
    free(points);
    free(tasks);
    scenario_free(sc);
    return rc;
}

int scenario_command(const char *cmd, int argc, char **argv)
{
    if (strcmp(cmd, "run") && strcmp(cmd, "check") && strcmp(cmd, "show") && strcmp(cmd, "sweep") &&
        strcmp(cmd, "keys"))
        return -1;
    sc_args a;
    int rc = parse_args(cmd, argc, argv, &a);
    if (rc >= 0) return rc;
    if (!strcmp(cmd, "keys")) {
        if (a.markdown) scenario_keys_markdown(stdout);
        else
            for (size_t i = 0; i < sc_schema_count(); i++)
                if (sc_schema()[i].kind != SK_SECTION)
                    printf("%-42s %-8s %s%s%s\n", sc_schema()[i].path, sc_role_names[sc_schema()[i].role],
                           sc_schema()[i].def ? sc_schema()[i].def : "", sc_schema()[i].unit[0] ? "  # " : "",
                           sc_schema()[i].unit);
        return 0;
    }
    if (!strcmp(cmd, "run")) return cmd_run(&a);
    if (!strcmp(cmd, "sweep")) {
        if (a.emit[0]) return cmd_emit(&a);
        if (a.collect) {
            scenario *sc = load("sweep", &a);
            if (!sc) return 2;
            rc = collect(sc, a.quiet);
            scenario_free(sc);
            return rc;
        }
        /* it used to run the points as run does: a typo away from rerunning
         * (and replacing) a whole scenario's results */
        fprintf(stderr, "f3sim sweep: which? --emit slurm|parallel (hand the points to a cluster or GNU parallel) or "
                        "--collect (gather their results); to run the points here: f3sim run %s\nTry 'f3sim help "
                        "sweep'.\n", a.file);
        return EXIT_USAGE;
    }
    scenario *sc = load(cmd, &a);
    if (!sc) return 2;
    if (!strcmp(cmd, "show")) {
        scenario_show(sc, stdout);
    } else {
        char algs[SC_MAX_LIST][32];
        size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST), np = scenario_sweep_points(sc);
        size_t ns = scenario_get(sc, "training.seeds")->n, runs = na * np * (ns ? ns : 1);
        char seeds[48] = "";
        if (ns) snprintf(seeds, sizeof seeds, ", %zu seed%s", ns, ns == 1 ? "" : "s");
        printf("%s: ok — scenario '%s', %zu learning rule%s, %zu sweep point%s%s, %zu run%s%s\n", a.file, sc->name, na,
               na == 1 ? "" : "s", np, np == 1 ? "" : "s", seeds, runs, runs == 1 ? "" : "s",
               scenario_present(sc, "hardware") ? ", on a chip" : "");
    }
    scenario_free(sc);
    return 0;
}

void scenario_train_options(const scenario *sc, const char *alg, train_options *o)
{
    to_options(sc, alg, o);
}
