/* cmd_scenario.c — f3sim run | check | show | sweep | keys: YAML scenarios. */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cmd_scenario.h"
#include "scenario_cmd.h"

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
#include "cmd_formulas.h"
#include "cli_util.h"
#include "csv_text.h"
#include "explore.h"
#include "f3/status.h"
#include "overflow_warn.h"
#include "results.h"
#include "scenario.h"
#include "seeds.h"
#include "train_run.h"


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
scenario *sc_load(const char *cmd, const sc_args *a)
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

void sc_to_options(const scenario *sc, const char *alg, train_options *o)
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

void sc_base_dir(const scenario *sc, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", scenario_str(sc, "outputs.folder"), sc->name);
}

static void point_dir(const scenario *sc, size_t i, char *buf, size_t len)
{
    char base[1200];
    sc_base_dir(sc, base, sizeof base);
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
    int rc = scenario_get(p, "training.seeds")->n ? scenario_run_seeded(p, i, label, dir, ctx, sc->n_sweep ? "point" : "scenario")
                                                  : scenario_run_point(p, i, label, dir, ctx, sc->n_sweep ? "point" : "scenario");
    scenario_free(p);
    return rc;
}

/* sweep.csv: every point's compare.csv, one header. */
static int collect(const scenario *sc, int quiet)
{
    char base[1200];
    sc_base_dir(sc, base, sizeof base);
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
    if (sc_clear_point(base)) return -1;
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
    scenario *sc = sc_load("run", a);
    if (!sc) return EXIT_USAGE;
    cli_signals_install();
    size_t n = scenario_sweep_points(sc);
    int rc = 0;
    char base[1200];
    sc_base_dir(sc, base, sizeof base);
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
    char made[4096]; /* the outermost folder of base that this run creates, or "" */
    first_missing_dir(base, made, sizeof made);
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
    if (rc == EXIT_USAGE && made[0] && !remove_run_folder(base)) /* exit 2: nothing written, no folder left */
        remove_empty_dirs(base, made);
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
        if (a.emit[0]) return scenario_emit(&a);
        if (a.collect) {
            scenario *sc = sc_load("sweep", &a);
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
    scenario *sc = sc_load(cmd, &a);
    if (!sc) return 2;
    /* the explore section, checked as f3sim explore checks it (nothing run) */
    if ((rc = explore_section_check(sc, cmd))) {
        scenario_free(sc);
        return rc;
    }
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
    sc_to_options(sc, alg, o);
}
