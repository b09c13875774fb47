/* f3sim.c — the command line: f3sim <command> [options]. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f3/kernels.h"
#include "f3/status.h"
#include "f3/train.h"
#include "cli_util.h"
#include "cmd_compare.h"
#include "cmd_explore.h"
#include "cmd_report.h"
#include "cmd_formulas.h"
#include "cmd_scenario.h"
#include "overflow_warn.h"
#include "train_run.h"


/* The exit status every command shares. */
#define EXIT_CODES                                                                              \
    "exit status: 0 ok; 1 runtime failure (a data file missing or malformed, a\n"               \
    "result file not written, the training diverged, the results folder is in use\n"        \
    "by another run; the message names the file); 2 usage or validation error (an\n"        \
    "unknown command or option, a bad value, an invalid configuration; nothing is\n"        \
    "written); 130 or 143 stopped by SIGINT or SIGTERM after the current batch\n"           \
    "(status.json says interrupted)\n"

static const char *const TRAIN_HELP =
    "usage: f3sim train [options]\n"
    "\n"
    "Train a fully connected network on a data set with one learning rule, without\n"
    "a scenario, and write <out>/epochs.csv (per epoch: loss, accuracy in percent,\n"
    "seconds) and <out>/run.json (configuration, ledger of FMAs and memory traffic,\n"
    "best and final test accuracy in percent, weight hash, wall time in seconds).\n"
    "To compare rules, sweep or model the chip, write a scenario (f3sim help run).\n"
    "\n"
    "data:\n"
    "  --dataset NAME        mnist | fashion-mnist | census | wine | cifar10 | csv (mnist)\n"
    "  --data-dir DIR        folder holding the data sets (data, or $F3SIM_DATA_DIR)\n"
    "  --data-path PATH      the data set's own folder (csv: the training file)\n"
    "  --test-path PATH      csv: the test file (none; needed for csv)\n"
    "  --label-column N      csv: column of the target (negative: from the end; -1)\n"
    "  --classes N           csv: number of classes (0: regression; 0)\n"
    "  --train-limit N       use the first N training samples (0: all)\n"
    "  --test-limit N        use the first N test samples (0: all)\n"
    "  --no-standardize      raw feature values (default: the data set's standard\n"
    "                        preprocessing, e.g. MNIST x/255, mean 0.1307, std 0.3081)\n"
    "network:\n"
    "  --hidden LIST         hidden widths, comma separated, e.g. 500 or 1024,1024 (500);\n"
    "                        'none' for no hidden layer\n"
    "  --activation F        hidden activation: tanh | sigmoid | relu | identity (tanh)\n"
    "  --output-activation F sigmoid | identity | tanh | relu (sigmoid; identity for\n"
    "                        regression)\n"
    "  --no-bias             layers without biases (default: with biases)\n"
    "  --loss L              bce | mse | softmax_ce (bce; mse for regression)\n"
    "learning rule:\n"
    "  --algorithm A         bp | f3 | dfa | drtp | llo (f3)\n"
    "  --error-info E        f3: delayed_error | delayed_loss, each also _one_hot or\n"
    "                        _softmax (delayed_error_one_hot; delayed_error for\n"
    "                        regression)\n"
    "  --e0 MODE             f3: targets | inference (targets)\n"
    "  --feedback-init I     kaiming_uniform | trinomial | binomial | pm_identity\n"
    "                        (trinomial: as good as Kaiming or better, §4.5)\n"
    "training:\n"
    "  --optimizer O         adam | sgd (adam)\n"
    "  --lr X                learning rate (1e-3)\n"
    "  --epochs N            passes over the training set (10)\n"
    "  --batch-size N        samples per step (50)\n"
    "  --seed N              one seed, one result, bit for bit (1)\n"
    "  --order FILE          the sample order instead of the seed's: training-set\n"
    "                        indices (0-based), one permutation used every epoch\n"
    "                        or one per epoch, as text (numbers separated by\n"
    "                        spaces, commas or lines; '#' comments) or a NumPy\n"
    "                        .npy integer array (n,) or (epochs, n)\n"
    "                        (docs/scenarios.md, \"Stepping through a run\"; none)\n"
    "  --no-shuffle          samples 0, 1, …, n−1 in every epoch (off)\n"
    "  --threads N           BLAS threads (0: the BLAS default, one per core); results\n"
    "                        are bit-identical for one seed and one thread count\n"
    "number formats (docs/numerics.md):\n"
    "  --format T=F[:R]      tensor class T (weights | activations | error |\n"
    "                        error_store | gradients | optimizer | feedback) in\n"
    "                        format F (fp32 | bf16 | fp16 | q<int>.<frac>, e.g.\n"
    "                        q4.12) with rounding R (nearest_even | stochastic);\n"
    "                        repeatable, e.g. --format weights=q4.12:stochastic\n"
    "                        --format error_store=q1.7 (every class fp32,\n"
    "                        nearest_even)\n"
    "  --on-overflow P       warn | stop: a class with more than 1 % of an epoch's\n"
    "                        values saturated or underflowed (rounded to zero) is\n"
    "                        named on stderr; stop also fails the run (exit status\n"
    "                        1) after that epoch (warn)\n";

/* The rest of train's page: C11 guarantees string literals of 4095
 * characters only (-Woverlength-strings), so the page comes in two. */
static const char *const TRAIN_HELP_OUTPUT =
    "output:\n"
    "  --out DIR             results folder (results/<dataset>-<algorithm>)\n"
    "  --checkpoint-every N  checkpoint.npz/.json after every N-th epoch (0)\n"
    "  --resume DIR          go on from DIR's checkpoint (same options)\n"
    "  --init-from FILE.npz  start from FILE's W1…, b1…, B1… (numpy.savez; W_i is\n"
    "                        (n_i, n_{i-1}), B_i (C, n_i); docs/scenarios.md)\n"
    "  --save-init FILE.npz  write the initial W1…, b1…, B1… to FILE, as --init-from\n"
    "                        reads them (none)\n"
    "  --save-steps LIST     write <out>/step-N.npz (W, b, B) after each step N of\n"
    "                        LIST, counted over the run from 1 (a step is one\n"
    "                        batch), e.g. 1,10,100 (none)\n"
    "  --save-epochs         write <out>/epoch-E.npz (W, b, B) after every epoch (off)\n"
    "  --quiet               no progress line\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim train --dataset mnist --algorithm f3 --hidden 500 --epochs 10 \\\n"
    "                     --batch-size 50 --lr 1e-3 --seed 1 --out results/mnist-f3\n"
    "example: f3sim train --dataset mnist --algorithm dfa --epochs 2 --no-shuffle \\\n"
    "                     --save-init init.npz --save-steps 1,10,100 --save-epochs \\\n"
    "                     --out results/mnist-dfa-steps\n"
    "\n" EXIT_CODES;

#define SET_HELP                                                                          \
    "  --set key.path=value  override a scenario key, the value in YAML (1e-4,\n"          \
    "                        [100, 100], bp); repeatable, at most 64 (none)\n"

static const char *const RUN_HELP =
    "usage: f3sim run SCENARIO.yaml [--set key.path=value ...] [--seeds LIST] [--jobs N] [--point I] [--quiet]\n"
    "                 [--resume] [--engine analytic|systemc] [--force] [--init-from FILE.npz]\n"
    "\n"
    "Run a YAML scenario (docs/scenarios.md): every learning rule of\n"
    "training.compare (or training.algorithm) on the same data from the same\n"
    "initial weights, at every sweep point, on the modelled chip when the scenario\n"
    "has a hardware section.  The scenario and every sweep point are validated\n"
    "before anything is written.  Results go to <outputs.folder>/<name>/: per rule\n"
    "<rule>/run.json and <rule>/epochs.csv (as outputs.formats chooses) and, on a\n"
    "chip, <rule>/tiles.csv; compare.csv with the rules side by side (with a sweep:\n"
    "point-NNN/ per point, and sweep.csv over all points).  The side-by-side table\n"
    "goes to stdout, progress to stderr.\n"
    "\n"
    "options:\n" SET_HELP
    "  --seeds LIST          run every point once per seed, e.g. 1-10 or 1,3,5-7, into\n"
    "                        seed-N/ folders; compare.csv gives the mean and sample σ\n"
    "                        of every figure over the seeds (as --set\n"
    "                        training.seeds=[...]; none)\n"
    "  --jobs N              run sweep points in N parallel processes (1)\n"
    "  --point I             run only sweep point I (0-based), e.g. one task of a\n"
    "                        cluster job array; no sweep.csv (every point)\n"
    "  --engine analytic|systemc  where a chip's figures come from (analytic for a\n"
    "                        sweep and for a network of blocks, systemc for a\n"
    "                        single run of an MLP): analytic trains\n"
    "                        each numerics point once with the plain trainer, no\n"
    "                        SystemC (the same weights: the chip trains on the\n"
    "                        same kernels; cached in\n"
    "                        <outputs.folder>/.numerics-cache; hardware-only\n"
    "                        points reuse it) and evaluates the chip with the\n"
    "                        analytic evaluator, which equals SystemC in every\n"
    "                        figure (run.json: hardware.engine); with\n"
    "                        outputs.trace: true a point it trains runs on\n"
    "                        SystemC, which alone writes trace.vcd; systemc\n"
    "                        trains every point on the SystemC chip\n"
    "  --force               retrain numerics points that are in the cache\n"
    "  --quiet               no progress lines on stderr (off)\n"
    "  --resume              continue an earlier run of the same scenario: points\n"
    "                        and rules whose status.json is done are kept, a rule\n"
    "                        with a checkpoint (outputs.checkpoint_every) goes on\n"
    "                        from it, the others run again\n"
    "  --init-from FILE.npz  every rule starts from FILE's W1…, b1…, B1… (as\n"
    "                        f3sim help train says) instead of from the seed\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim run scenarios/default.yaml --set training.epochs=3 --set training.compare=[f3,drtp]\n"
    "\n" EXIT_CODES;

static const char *const CHECK_HELP =
    "usage: f3sim check SCENARIO.yaml [--set key.path=value ...]\n"
    "\n"
    "Validate a scenario without running it: the YAML, every key, type, range and\n"
    "name, the contradictions between keys (e.g. a rule the chip cannot run, a tile\n"
    "that does not fit its SRAM with hardware.strict: true) and every sweep point.\n"
    "Data files are not read.  Prints \"FILE: ok — scenario 'NAME', R learning\n"
    "rules, P sweep points, N runs\" on stdout, or the first error on stderr as\n"
    "file:line:column: message (--set[N]:1:column for the N-th --set).\n"
    "\n"
    "options:\n" SET_HELP
    "  --help                this page\n"
    "\n"
    "example: f3sim check scenarios/paper/mnist-table4-5.yaml --set training.lr=1e-4\n"
    "\n"
    "exit status: 0 valid; 2 invalid, unreadable, or a usage error (1 is not used)\n";

static const char *const SHOW_HELP =
    "usage: f3sim show SCENARIO.yaml [--set key.path=value ...]\n"
    "\n"
    "Print the scenario resolved, as YAML on stdout: every key with its value, the\n"
    "given ones and the defaults, the --set overrides applied, units as comments.\n"
    "The scenario is validated first, as check does.\n"
    "\n"
    "options:\n" SET_HELP
    "  --help                this page\n"
    "\n"
    "example: f3sim show scenarios/default.yaml --set training.epochs=3\n"
    "\n"
    "exit status: 0 printed; 2 invalid, unreadable, or a usage error (1 is not used)\n";

static const char *const KEYS_HELP =
    "usage: f3sim keys [--markdown]\n"
    "\n"
    "List every scenario key, one per line, with what it changes (numerics: the\n"
    "numbers trained; hardware: only their cost on the chip; output: neither), its\n"
    "default and unit, from the scenario loader's own schema (the table it\n"
    "validates against).  A sweep trains once per distinct numerics point.\n"
    "\n"
    "options:\n"
    "  --markdown            the full reference instead: type, unit, default,\n"
    "                        meaning and an example per key, as in docs/scenarios.md\n"
    "                        (the plain list)\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim keys | grep '^training\\.'\n"
    "\n"
    "exit status: 0 printed; 2 usage error\n";

static const char *const SWEEP_HELP =
    "usage: f3sim sweep SCENARIO.yaml --emit slurm|parallel [--set key.path=value ...]\n"
    "       f3sim sweep SCENARIO.yaml --collect [--set key.path=value ...]\n"
    "\n"
    "A scenario's sweep section gives lists of values for keys; every combination\n"
    "(or the zipped lists side by side) is a point, run into\n"
    "<outputs.folder>/<name>/point-NNN/.  run runs the points here (--jobs N in\n"
    "parallel); sweep hands them to a cluster or to GNU parallel instead, one\n"
    "`f3sim run SCENARIO --point I --quiet --resume` per point (a job submitted\n"
    "again skips the points that are done), and collects the results.\n"
    "One of --emit or --collect is needed (f3sim run runs the points here).\n"
    "\n"
    "options:\n"
    "  --emit slurm          write <folder>/<name>/sweep.slurm: `bash sweep.slurm`\n"
    "                        submits Slurm job arrays, one task per numerics point\n"
    "                        (it trains once, then evaluates its hardware points),\n"
    "                        chunked under the cluster's MaxArraySize, and a job that\n"
    "                        collects sweep.csv after them; run from the current\n"
    "                        directory with this f3sim binary; the outputs.slurm\n"
    "                        keys give the time, memory, partition, account and a\n"
    "                        setup line; logs in <folder>/<name>/logs/\n"
    "  --emit parallel       write <folder>/<name>/sweep.parallel: one command line per\n"
    "                        task (run: parallel --jobs N < sweep.parallel, then\n"
    "                        --collect)\n"
    "  --collect             gather every point's compare.csv into sweep.csv (with\n"
    "                        points missing: the ones there, the missing named,\n"
    "                        exit 1)\n" SET_HELP
    "                        (the same --set options for --emit and --collect)\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim sweep scenarios/paper/depth-bio.yaml --emit slurm\n"
    "         bash results/depth-bio/sweep.slurm\n"
    "\n" EXIT_CODES;

static const char *const MAIN_HELP =
    "usage: f3sim <command> [options]\n"
    "\n"
    "f3sim trains neural networks with F3 (feed-forward with delayed feedback) and\n"
    "its relatives BP, DFA, DRTP and LLO, and counts what the training costs.\n"
    "\n"
    "commands (f3sim help COMMAND: what it does, every option and its default):\n"
    "  run       run a YAML scenario: train and compare rules, sweep, on a chip\n"
    "  check     validate a scenario without running it\n"
    "  show      print a scenario resolved, every default filled in\n"
    "  keys      list every scenario key with its default\n"
    "  sweep     emit a sweep as Slurm or GNU parallel jobs, or collect its results\n"
    "  explore   a hardware design space on the analytic chip evaluator: Pareto fronts\n"
    "  compare   the learning rules at an equal budget, each on its own best chip\n"
    "  train     train a network on a data set, without a scenario\n"
    "  formulas  closed forms of Appendix A: FMAs, memory, gains\n"
    "  verify    the closed forms against the kernels' counted operations\n"
    "  report    report.md and figures (PNG, SVG) of a results folder\n"
    "  help      show the page of a command\n"
    "\n"
    "options:\n"
    "  --version print the version and the git commit it was built from\n"
    "  --help    this text\n"
    "\n"
    "example: f3sim run scenarios/default.yaml\n"
    "\n" EXIT_CODES;

/* Every command and its page. */
static const struct {
    const char *name;
    const char *const *help;
} COMMANDS[] = {
    {"run", &RUN_HELP},           {"check", &CHECK_HELP},       {"show", &SHOW_HELP},
    {"keys", &KEYS_HELP},         {"sweep", &SWEEP_HELP},       {"train", &TRAIN_HELP},
    {"formulas", &FORMULAS_HELP}, {"verify", &VERIFY_HELP},     {"explore", &EXPLORE_HELP},
    {"compare", &COMPARE_HELP},       {"report", &REPORT_HELP},
    {"help", &MAIN_HELP},
};
#define N_COMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

static const char *help_of(const char *cmd)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(COMMANDS[i].name, cmd)) return *COMMANDS[i].help;
    return NULL;
}

/* A command's page on stdout (train's in its two parts). */
static void put_page(const char *page)
{
    fputs(page, stdout);
    if (page == TRAIN_HELP) fputs(TRAIN_HELP_OUTPUT, stdout);
}

/* "f3sim: unknown command 'trian'; did you mean 'train'?" (what is the
 * caller's word: "command" or "option"); returns 2. */
static int unknown_word(const char *prefix, const char *what, const char *word)
{
    const char *names[N_COMMANDS + 2];
    size_t n = 0;
    const char *w = word;
    if (!strcmp(what, "option")) {
        names[n++] = "version";
        names[n++] = "help";
        while (*w == '-') w++;
    } else {
        for (size_t i = 0; i < N_COMMANDS; i++) names[n++] = COMMANDS[i].name;
    }
    const char *near = cli_nearest(w, names, n);
    fprintf(stderr, "%s: unknown %s '%s'", prefix, what, word);
    if (near) fprintf(stderr, "; did you mean '%s%s'?", strcmp(what, "option") ? "" : "--", near);
    else if (!strcmp(what, "option")) fputs("; options come after the command: f3sim COMMAND --help lists them", stderr);
    fputs("\nTry 'f3sim --help'.\n", stderr);
    return 2;
}

/* A scenario command asked for its page: "--help" or "-h" anywhere among
 * its arguments (but not as the value of --set, --jobs, --point or --emit,
 * and not after "--"). */
static int scenario_help_asked(int argc, char **argv)
{
    static const char *const with_value[] = {"--set", "--jobs", "--point", "--emit", "--seeds"};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) return 0;
        if (strcmp(argv[i], "--help") && strcmp(argv[i], "-h")) continue;
        int is_value = 0;
        for (size_t k = 0; k < sizeof with_value / sizeof with_value[0]; k++)
            is_value |= !strcmp(argv[i - 1], with_value[k]);
        if (!is_value) return 1;
    }
    return 0;
}

static int parse_hidden(const char *s, train_options *o)
{
    o->n_hidden = 0;
    if (!strcmp(s, "none")) return 0;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", s);
    /* strtok would merge ",," and skip a leading or trailing comma: an
     * empty width is an error, not nothing */
    size_t n = strlen(buf);
    for (size_t i = 0; i <= n; i++)
        if ((buf[i] == ',' || buf[i] == '\0') && (i == 0 || buf[i - 1] == ',')) {
            F3_FAIL(F3_EINVAL, "--hidden: an empty width at character %zu of '%s' (widths separated by single commas)",
                    i + 1, s);
            return -1;
        }
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        size_t w;
        if (o->n_hidden + 1 >= F3_MAX_LAYERS) {
            F3_FAIL(F3_EINVAL, "--hidden: at most %d hidden layers", F3_MAX_LAYERS - 1);
            return -1;
        }
        if (parse_size("--hidden", tok, &w) || w == 0) {
            F3_FAIL(F3_EINVAL, "--hidden expects positive widths separated by commas, got '%s'", s);
            return -1;
        }
        o->hidden[o->n_hidden++] = w;
    }
    if (o->n_hidden == 0) {
        F3_FAIL(F3_EINVAL, "--hidden expects positive widths separated by commas, got '%s'", s);
        return -1;
    }
    return 0;
}

/* --format TENSOR=FORMAT[:ROUNDING] into cfg->numerics. */
static int parse_format_option(const char *s, f3_config *cfg)
{
    char buf[128];
    if (strlen(s) >= sizeof buf) {
        F3_FAIL(F3_EINVAL, "--format: '%.40s…' is too long", s);
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", s);
    char *eq = strchr(buf, '=');
    if (!eq || eq == buf || !eq[1]) {
        F3_FAIL(F3_EINVAL, "--format expects TENSOR=FORMAT[:ROUNDING] (e.g. weights=q4.12:stochastic), got '%s'", s);
        return -1;
    }
    *eq = '\0';
    char *fmt = eq + 1, *colon = strchr(fmt, ':');
    if (colon) *colon = '\0';
    int t = 0;
    while (t < F3_T_COUNT && strcmp(f3_tensor_names[t], buf)) t++;
    if (t == F3_T_COUNT) {
        char list[160] = "";
        for (int i = 0; i < F3_T_COUNT; i++) {
            if (i) strcat(list, ", ");
            strcat(list, f3_tensor_names[i]);
        }
        F3_FAIL(F3_EINVAL, "--format %s: unknown tensor class '%s' (expected one of: %s)", s, buf, list);
        return -1;
    }
    f3_format f;
    char msg[600];
    if (f3_parse_format(fmt, &f) != F3_OK) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        F3_FAIL(F3_EINVAL, "--format %s: %s", s, msg);
        return -1;
    }
    if (colon && f3_parse_rounding(colon + 1, &f.rounding) != F3_OK) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        F3_FAIL(F3_EINVAL, "--format %s: %s", s, msg);
        return -1;
    }
    cfg->numerics.fmt[t] = f;
    return 0;
}

/* The options of f3sim train, beyond getopt's own codes. */
enum {
    O_DATASET = 256, O_DATA_DIR, O_DATA_PATH, O_TEST_PATH, O_LABEL_COL, O_CLASSES,
    O_TRAIN_LIMIT, O_TEST_LIMIT, O_HIDDEN, O_ACT, O_OUT_ACT, O_NO_BIAS, O_LOSS, O_ALG,
    O_EI, O_E0, O_FB, O_OPT, O_LR, O_EPOCHS, O_BS, O_SEED, O_THREADS, O_OUT, O_QUIET,
    O_HELP, O_RAW, O_FORMAT, O_CKPT, O_RESUME, O_INIT, O_ORDER, O_NO_SHUFFLE, O_SAVE_INIT, O_SAVE_STEPS,
    O_SAVE_EPOCHS, O_ON_OVERFLOW
};

/* One option of f3sim train (its code c, its value in optarg) into o; 0,
 * -1 with the message in f3_last_error(), or 1: not an option code. */
static int train_option(int c, train_options *o, int *out_set)
{
    int bad = 0;
    f3_status st = F3_OK;
    size_t v;
    double dv;
    switch (c) {
    case O_DATASET: snprintf(o->dataset, sizeof o->dataset, "%s", optarg); break;
    case O_DATA_DIR: snprintf(o->data_dir, sizeof o->data_dir, "%s", optarg); break;
    case O_DATA_PATH: snprintf(o->data_path, sizeof o->data_path, "%s", optarg); break;
    case O_TEST_PATH: snprintf(o->test_path, sizeof o->test_path, "%s", optarg); break;
    case O_LABEL_COL:
        bad = parse_double("--label-column", optarg, &dv);
        if (!bad && dv != (int)dv) bad = F3_FAIL(F3_EINVAL, "--label-column expects an integer") != 0;
        o->label_column = (int)dv;
        break;
    case O_CLASSES: bad = parse_size("--classes", optarg, &o->classes); break;
    case O_TRAIN_LIMIT: bad = parse_size("--train-limit", optarg, &o->train_limit); break;
    case O_TEST_LIMIT: bad = parse_size("--test-limit", optarg, &o->test_limit); break;
    case O_HIDDEN: bad = parse_hidden(optarg, o); break;
    case O_ACT: st = f3_parse_activation(optarg, &o->cfg.hidden_act); break;
    case O_OUT_ACT:
        st = f3_parse_activation(optarg, &o->cfg.output_act);
        o->set_output_act = 1;
        break;
    case O_NO_BIAS: o->cfg.bias = 0; break;
    case O_LOSS:
        st = f3_parse_loss(optarg, &o->cfg.loss);
        o->set_loss = 1;
        break;
    case O_ALG: st = f3_parse_algorithm(optarg, &o->cfg.algorithm); break;
    case O_EI:
        st = f3_parse_error_info(optarg, &o->cfg.error_info);
        o->set_error_info = 1;
        break;
    case O_E0:
        if (!strcmp(optarg, "targets")) o->cfg.e0 = F3_E0_TARGETS;
        else if (!strcmp(optarg, "inference")) o->cfg.e0 = F3_E0_INFERENCE;
        else st = F3_FAIL(F3_EINVAL, "unknown --e0 '%s' (expected targets or inference)", optarg);
        break;
    case O_FB: st = f3_parse_feedback_init(optarg, &o->cfg.feedback_init); break;
    case O_OPT: st = f3_parse_optimizer(optarg, &o->cfg.optimizer); break;
    case O_LR: bad = parse_double("--lr", optarg, &o->cfg.lr); break;
    case O_EPOCHS: bad = parse_size("--epochs", optarg, &o->epochs); break;
    case O_BS: bad = parse_size("--batch-size", optarg, &o->cfg.batch_size); break;
    case O_SEED:
        bad = parse_size("--seed", optarg, &v);
        o->cfg.seed = v;
        break;
    case O_THREADS:
        bad = parse_size("--threads", optarg, &v);
        o->threads = (int)v;
        break;
    case O_OUT:
        if (!optarg[0]) bad = F3_FAIL(F3_EINVAL, "--out needs a folder name, got an empty one") != 0;
        if (o->resume && strcmp(o->out, optarg)) bad = F3_FAIL(F3_EINVAL, "--resume %s and --out %s name different folders", o->out, optarg) != 0;
        snprintf(o->out, sizeof o->out, "%s", optarg);
        *out_set = 1;
        break;
    case O_QUIET: o->progress = 0; break;
    case O_RAW: o->raw = 1; break;
    case O_FORMAT: bad = parse_format_option(optarg, &o->cfg); break;
    case O_CKPT:
        bad = parse_size("--checkpoint-every", optarg, &o->checkpoint_every);
        if (!bad) bad = check_key_bound("--checkpoint-every", "outputs.checkpoint_every", (double)o->checkpoint_every);
        break;
    case O_RESUME:
        if (!optarg[0]) bad = F3_FAIL(F3_EINVAL, "--resume needs a folder name, got an empty one") != 0;
        if (*out_set && strcmp(o->out, optarg)) bad = F3_FAIL(F3_EINVAL, "--resume %s and --out %s name different folders", optarg, o->out) != 0;
        snprintf(o->out, sizeof o->out, "%s", optarg);
        *out_set = 1;
        o->resume = 1;
        break;
    case O_INIT: bad = set_init_from(o, optarg) != 0; break;
    case O_ORDER: bad = set_order_file(o, optarg) != 0; break;
    case O_NO_SHUFFLE: o->no_shuffle = 1; break;
    case O_SAVE_INIT: bad = set_save_init(o, optarg) != 0; break;
    case O_SAVE_STEPS: bad = parse_save_steps(o, optarg) != 0; break;
    case O_SAVE_EPOCHS: o->save_epochs = 1; break;
    case O_ON_OVERFLOW: {
        overflow_policy p = OVERFLOW_WARN;
        bad = overflow_parse_policy(optarg, &p) != 0;
        o->on_overflow = (int)p;
        break;
    }
    default: return 1;
    }
    return bad || st != F3_OK ? -1 : 0;
}

/* `f3sim train` once its options are parsed (argv: the command line, for
 * status.json): runs, prints the error (exit 1 or 2) or a one-line summary
 * on stdout (best and final accuracy or loss, where the results are), and
 * returns the exit status. */
static int train_main(train_options *o, int argc, char **argv)
{
    char line[4000];
    command_line_text(line, sizeof line, argc, argv);
    snprintf(o->command_line, sizeof o->command_line, "f3sim %s", line);
    train_result r;
    memset(&r, 0, sizeof r);
    int rc = train_run(o, "train", &r);
    if (rc == EXIT_USAGE) return usage_error("train", f3_last_error());
    if (rc) {
        fprintf(stderr, "f3sim train: %s\n", f3_last_error());
        return rc;
    }
    char what[128];
    if (r.classify)
        snprintf(what, sizeof what, "best test accuracy %.2f %% (epoch %zu), final %.2f %%", r.best_test_accuracy,
                 r.best_epoch, r.final_test_accuracy);
    else
        snprintf(what, sizeof what, "best test loss %.4f (epoch %zu), final %.4f", r.best_test_loss, r.best_epoch,
                 r.final_test_loss);
    printf("f3sim train: %s on %s, %zu epoch%s in %.1f s: %s; results in %s/\n", f3_algorithm_name(o->cfg.algorithm),
           o->dataset, r.epochs, r.epochs == 1 ? "" : "s", r.train_seconds, what, o->out);
    char path_text[256];
    overflow_datapath_text(&r.cfg, o->is_blocks, path_text, sizeof path_text);
    printf("f3sim train: datapath: %s\n", path_text);
    return 0;
}

static int cmd_train(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dataset", required_argument, 0, O_DATASET},
        {"data-dir", required_argument, 0, O_DATA_DIR},
        {"data-path", required_argument, 0, O_DATA_PATH},
        {"test-path", required_argument, 0, O_TEST_PATH},
        {"label-column", required_argument, 0, O_LABEL_COL},
        {"classes", required_argument, 0, O_CLASSES},
        {"train-limit", required_argument, 0, O_TRAIN_LIMIT},
        {"test-limit", required_argument, 0, O_TEST_LIMIT},
        {"hidden", required_argument, 0, O_HIDDEN},
        {"activation", required_argument, 0, O_ACT},
        {"output-activation", required_argument, 0, O_OUT_ACT},
        {"no-bias", no_argument, 0, O_NO_BIAS},
        {"loss", required_argument, 0, O_LOSS},
        {"algorithm", required_argument, 0, O_ALG},
        {"error-info", required_argument, 0, O_EI},
        {"e0", required_argument, 0, O_E0},
        {"feedback-init", required_argument, 0, O_FB},
        {"optimizer", required_argument, 0, O_OPT},
        {"lr", required_argument, 0, O_LR},
        {"epochs", required_argument, 0, O_EPOCHS},
        {"batch-size", required_argument, 0, O_BS},
        {"seed", required_argument, 0, O_SEED},
        {"threads", required_argument, 0, O_THREADS},
        {"out", required_argument, 0, O_OUT},
        {"quiet", no_argument, 0, O_QUIET},
        {"help", no_argument, 0, O_HELP},
        {"no-standardize", no_argument, 0, O_RAW},
        {"format", required_argument, 0, O_FORMAT},
        {"checkpoint-every", required_argument, 0, O_CKPT},
        {"resume", required_argument, 0, O_RESUME},
        {"init-from", required_argument, 0, O_INIT},
        {"order", required_argument, 0, O_ORDER},
        {"no-shuffle", no_argument, 0, O_NO_SHUFFLE},
        {"save-init", required_argument, 0, O_SAVE_INIT},
        {"save-steps", required_argument, 0, O_SAVE_STEPS},
        {"save-epochs", no_argument, 0, O_SAVE_EPOCHS},
        {"on-overflow", required_argument, 0, O_ON_OVERFLOW},
        {0, 0, 0, 0}};
    train_options o;
    train_options_default(&o);
    int out_set = 0, c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        int r = train_option(c, &o, &out_set);
        if (r < 0) return usage_error("train", f3_last_error());
        if (r == 0) continue;
        switch (c) {
        case 'h':
        case O_HELP: put_page(TRAIN_HELP); return 0;
        case ':': {
            char msg[300];
            snprintf(msg, sizeof msg, "option '%s' is missing its value", argv[optind - 1]);
            return usage_error("train", msg);
        }
        default: {
            char word[300];
            return cli_bad_option("train", cli_rejected_word(argc, argv, opts, -1, word, sizeof word), opts, NULL,
                                  NULL);
        }
        }
    }
    if (optind < argc) {
        char msg[300];
        snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[optind]);
        return usage_error("train", msg);
    }
    if (!out_set)
        snprintf(o.out, sizeof o.out, "results/%s-%s", o.dataset, f3_algorithm_name(o.cfg.algorithm));
    return train_main(&o, argc, argv);
}

int main(int argc, char **argv)
{
    f3_blas_select_core(argv);
    if (argc < 2) {
        fputs(MAIN_HELP, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("f3sim %s (commit %s)\n", F3SIM_VERSION, F3SIM_GIT_COMMIT);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        fputs(MAIN_HELP, stdout);
        return 0;
    }
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            fputs(MAIN_HELP, stdout);
            return 0;
        }
        if (argc > 3) {
            fprintf(stderr, "f3sim help: one command at a time, got '%s' after '%s'\nTry 'f3sim --help'.\n",
                    argv[3], argv[2]);
            return 2;
        }
        const char *page = help_of(argv[2]);
        if (!page && !strcmp(argv[2], "version")) page = MAIN_HELP;
        if (page) {
            put_page(page);
            return 0;
        }
        return unknown_word("f3sim help", "command", argv[2]);
    }
    if (!strcmp(cmd, "train")) return cmd_train(argc - 1, argv + 1);
    if (!strcmp(cmd, "formulas")) return cmd_formulas(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "explore")) return cmd_explore(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    const char *page = help_of(cmd);
    if (page && scenario_help_asked(argc - 1, argv + 1)) { /* run, check, show, keys, sweep */
        put_page(page);
        return 0;
    }
    int rc = scenario_command(cmd, argc - 1, argv + 1);
    if (rc >= 0) return rc;
    return unknown_word("f3sim", cmd[0] == '-' ? "option" : "command", cmd);
}
