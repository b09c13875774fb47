/* cmd_formulas.c — `f3sim formulas` (closed forms of Appendix A and their
 * generalisation), the options it shares with `f3sim verify` (cmd_verify.c),
 * and the command line's "did you mean" suggestions.  See cmd_formulas.h and docs/validation.md. */
#include "cmd_formulas.h"
#include "net_options.h"

#include "cli_util.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "f3/formulas.h"
#include "f3/status.h"
#include "f3/train.h"
#include "formulas_blocks.h"
#include "json.h"
#include "scenario.h"

#define NET_OPTIONS_HELP                                                                    \
    "network (or SCENARIO.yaml: its network, training and rules; --algorithm and\n"        \
    "--samples still choose, and N defaults to its dataset.train_limit or 10000):\n"       \
    "  --widths LIST         n_0,n_1,…,n_K: input, hidden and output widths, at least\n"    \
    "                        two (100,200,200,200,200,10: the five-layer network of A.3)\n" \
    "  --batch N             batch size b (1)\n"                                            \
    "  --samples N           training samples: one epoch, and F3's error store (10000)\n"  \
    "  --algorithm A         bp | f3 | dfa | drtp | llo | all, or a comma list (all)\n"     \
    "  --bias                layers with biases (default: none, as A.1 assumes)\n"          \
    "  --no-bias             layers without biases (the default)\n"                         \
    "  --activation F        hidden activation: identity | tanh | sigmoid | relu (identity)\n" \
    "  --output-activation F identity | sigmoid | tanh | relu (identity; sigmoid for bce)\n" \
    "  --loss L              mse | bce | softmax_ce (mse)\n"                                \
    "  --error-info E        f3: delayed_error | delayed_loss, each also _one_hot or\n"     \
    "                        _softmax (delayed_error)\n"                                    \
    "  --one-hot             f3: one-hot error information (one column of B_i per sample;\n" \
    "                        off)\n"                                                        \
    "  --optimizer O         sgd | adam (sgd, as A.1 assumes)\n"

const char *const FORMULAS_HELP =
    "usage: f3sim formulas [options] [SCENARIO.yaml]\n"
    "\n"
    "Evaluate the closed forms of the paper's Appendix A (eqs. 14-34) and their exact\n"
    "generalisation (biases, activations, losses, one-hot error information, DFA,\n"
    "DRTP, LLO, Adam, batches) for a network: FMA per algorithm and phase for one\n"
    "epoch of --samples samples (the last batch partial), memory in elements and\n"
    "bytes (float32, 2-bit ternary and seed-regenerated feedback weights), and the\n"
    "gains of F3 over BP (eqs. 22-26, 30-34).  The defaults are the assumptions of\n"
    "A.1: linear layers, no bias, batch 1, SGD.  No data and no training: the\n"
    "forms alone (f3sim verify checks them against the kernels).  docs/validation.md\n"
    "derives every form and lists the errata.  A scenario of network.type vit gives\n"
    "the forms of its blocks (docs/validation.md, \"Appendix A extended to\n"
    "transformer blocks\"): FMA per sample and phase per rule, and the memory kept\n"
    "(block outputs, stash, feedback, error store).\n"
    "\n" NET_OPTIONS_HELP
    "output:\n"
    "  --json                JSON on stdout (default: the table):\n"
    "                        fma.<algorithm>.<phase> (phases forward, feedback,\n"
    "                        gradient, update, loss, total; one epoch),\n"
    "                        memory.<algorithm>.<item>.{elements,bytes}, paper.*, gains.*\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim formulas --widths 100,200,200,200,200,10 --batch 200 --samples 10000\n"
    "example: f3sim formulas scenarios/paper/vit-mnist.yaml --samples 60000\n"
    "\n"
    "exit status: 0 printed; 1 runtime failure; 2 usage or validation error (an\n"
    "unknown option, a bad value, a configuration the trainer does not run)\n";

const char *const VERIFY_HELP =
    "usage: f3sim verify [options] [SCENARIO.yaml]\n"
    "\n"
    "Run the real kernels (the reference trainer, on random data) for a few steps of\n"
    "every selected algorithm, read the ledger, and print formula against counted\n"
    "per layer and phase — FMA, element-wise operations, element reads and writes\n"
    "per memory class — with a verdict, then the memory peaks and, when the layers\n"
    "have no bias, the paper's eqs. (14)-(17).  The table sums reads and writes\n"
    "over the memory classes; the verdict compares every class.  A scenario of\n"
    "network.type vit runs the block trainer and checks every block and phase and\n"
    "the stash's peak.\n"
    "\n" NET_OPTIONS_HELP
    "run:\n"
    "  --steps N             training steps, over epochs of --samples samples (3)\n"
    "  --seed N              seed of the weights, feedback matrices and data (1)\n"
    "output:\n"
    "  --json                JSON on stdout (default: the tables):\n"
    "                        algorithms.<algorithm>.layers[].phases.<phase> and\n"
    "                        algorithms.<algorithm>.all.<phase or total>, each\n"
    "                        {predicted, counted, equal} with counts {fma,\n"
    "                        elementwise_ops, reads.<class>, writes.<class>};\n"
    "                        memory.<check>, appendix_a.<eq>, equal, mismatches\n"
    "  --help                this page\n"
    "environment:\n"
    "  F3SIM_VERIFY_PERTURB=1  add 1 to a counted FMA before comparing (tests the verifier)\n"
    "\n"
    "example: f3sim verify --widths 784,500,10 --batch 50 --optimizer adam --bias\n"
    "example: f3sim verify scenarios/paper/vit-mnist.yaml --steps 2 --samples 300\n"
    "\n"
    "exit status: 0 every counter matches; 1 a counter differs from its closed form\n"
    "(the tables or JSON are still printed), or a runtime failure; 2 usage or\n"
    "validation error (an unknown option, a bad value, a configuration the trainer\n"
    "does not run)\n";

/* ---- "did you mean" ---------------------------------------------------------- */

const char *cli_nearest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 99;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        size_t d = scenario_edit_distance(word, names[i]);
        if (d < best_d) best_d = d, best = names[i];
    }
    return best && best_d <= 1 + strlen(word) / 3 ? best : NULL;
}

static int skipped(const char *name, const char *const *skip)
{
    for (size_t i = 0; skip && skip[i]; i++)
        if (!strcmp(skip[i], name)) return 1;
    return 0;
}

const char *cli_rejected_word(int argc, char **argv, const struct option *opts, int longindex, char *buf,
                              size_t len)
{
    if (longindex >= 0) {
        snprintf(buf, len, "--%s", opts[longindex].name);
    } else if (optopt > 0 && optopt < 256) {
        /* a short option: in the middle of a word "-abc" getopt has not
         * moved past it yet */
        const char *w = optind < argc ? argv[optind] : NULL;
        if (!(w && w[0] == '-' && w[1] && w[1] != '-' && strchr(w + 1, optopt))) w = argv[optind - 1];
        if (w && w[0] == '-' && w[1] != '-' && strchr(w + 1, optopt)) snprintf(buf, len, "%s", w);
        else snprintf(buf, len, "-%c", optopt);
    } else {
        snprintf(buf, len, "%s", optind > 0 && optind <= argc ? argv[optind - 1] : "?");
    }
    return buf;
}

int cli_bad_option(const char *cmd, const char *arg, const struct option *opts, const char *const *skip,
                   const char *note)
{
    const char *p = arg;
    int dashes = 0;
    while (*p == '-' && dashes < 2) p++, dashes++;
    char name[128], msg[1200];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(p, "="), p);
    const int has_value = p[strlen(name)] == '=';
    const char *names[128];
    size_t n = 0, n_prefix = 0;
    const struct option *exact = NULL;
    char prefixed[600] = "";
    for (const struct option *o = opts; o->name && n < 128; o++) {
        if (skipped(o->name, skip)) continue;
        names[n++] = o->name;
        if (!strcmp(o->name, name)) exact = o;
        if (name[0] && !strncmp(o->name, name, strlen(name))) {
            size_t used = strlen(prefixed);
            snprintf(prefixed + used, sizeof prefixed - used, "%s--%s", n_prefix ? ", " : "", o->name);
            n_prefix++;
        }
    }
    const char *near = NULL;
    if (dashes == 2 && exact && has_value && exact->has_arg == no_argument)
        snprintf(msg, sizeof msg, "option '--%s' takes no value (given '%s')", name, arg);
    else if (dashes == 2 && !exact && n_prefix > 1)
        snprintf(msg, sizeof msg, "ambiguous option '%s': did you mean one of %s?", arg, prefixed);
    else if (dashes == 1 && strlen(name) > 1 && (exact || (near = cli_nearest(name, names, n))))
        /* "-lr": a long option written with one dash */
        snprintf(msg, sizeof msg, "unknown option '%s'; did you mean '--%s'?", arg, exact ? exact->name : near);
    else if (!exact && (near = cli_nearest(name, names, n)))
        snprintf(msg, sizeof msg, "unknown option '%s'; did you mean '--%s'?", arg, near);
    else
        snprintf(msg, sizeof msg, "unknown option '%s'", arg);
    if (note) {
        size_t used = strlen(msg);
        snprintf(msg + used, sizeof msg - used, " (%s)", note);
    }
    return usage_error(cmd, msg);
}

/* ---- options ------------------------------------------------------------------ */




static int parse_positive(const char *opt, const char *s, size_t *out)
{
    uint64_t v;
    if (parse_u64(opt, s, &v)) return -1;
    if (v == 0 || v > SIZE_MAX / 16) {
        F3_FAIL(F3_EINVAL, "%s expects a positive integer, got '%s'", opt, s);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

static int parse_widths(const char *s, f3_config *cfg)
{
    char buf[8192];
    size_t n = 0;
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        size_t w;
        if (n > F3_MAX_LAYERS) {
            F3_FAIL(F3_EINVAL, "--widths: at most %d layers", F3_MAX_LAYERS);
            return -1;
        }
        if (parse_positive("--widths", tok, &w)) {
            F3_FAIL(F3_EINVAL, "--widths expects positive widths separated by commas, got '%s'", s);
            return -1;
        }
        cfg->widths[n++] = w;
    }
    if (n < 2) {
        F3_FAIL(F3_EINVAL, "--widths needs at least an input and an output width (n_0,...,n_K), got '%s'", s);
        return -1;
    }
    cfg->n_layers = n - 1;
    return 0;
}

static int parse_algorithms(const char *s, net_options *o)
{
    o->n_algs = 0;
    if (!strcmp(s, "all")) {
        for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) o->algs[o->n_algs++] = (f3_algorithm)a;
        return 0;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        f3_algorithm a;
        if (f3_parse_algorithm(tok, &a) != F3_OK) return -1;
        int dup = 0;
        for (size_t i = 0; i < o->n_algs; i++) dup |= o->algs[i] == a;
        if (!dup) o->algs[o->n_algs++] = a;
    }
    if (o->n_algs == 0) {
        F3_FAIL(F3_EINVAL, "--algorithm expects bp, f3, dfa, drtp, llo or all, got '%s'", s);
        return -1;
    }
    return 0;
}

/* The network, training and rules of a scenario into o (what the options
 * --algorithm, --samples, --steps and --seed gave stays); -1, or the exit
 * status of a usage error. */
static int from_scenario(const char *cmd, const char *path, int alg_given, int samples_given, net_options *o)
{
    scenario *sc = NULL;
    if (scenario_load(path, &sc) != F3_OK) return usage_error(cmd, f3_last_error());
    snprintf(o->scenario, sizeof o->scenario, "%s", path);
    char names[SC_MAX_LIST][32];
    const size_t nn = scenario_algorithms(sc, names, SC_MAX_LIST);
    /* each selected rule's configuration: the scenario's rule of that
     * algorithm (the first, for f3-error beside f3-loss) */
    if (!alg_given) {
        o->n_algs = 0;
        for (size_t i = 0; i < nn; i++) {
            f3_config c;
            f3_task task;
            scenario_f3_config(sc, names[i], &c, &task); /* validated */
            int dup = 0;
            for (size_t j = 0; j < o->n_algs; j++) dup |= o->algs[j] == c.algorithm;
            if (!dup) o->algs[o->n_algs++] = c.algorithm;
        }
    }
    f3_config cfgs[5];
    for (size_t j = 0; j < o->n_algs; j++) {
        size_t pick = 0; /* a rule of the scenario with this algorithm, else its first */
        for (size_t i = 0; i < nn; i++) {
            f3_config c;
            f3_task task;
            scenario_f3_config(sc, names[i], &c, &task);
            if (c.algorithm == o->algs[j]) {
                pick = i;
                break;
            }
        }
        f3_task task;
        scenario_f3_config(sc, names[pick], &cfgs[j], &task);
        cfgs[j].algorithm = o->algs[j];
    }
    o->cfg = cfgs[0];
    for (size_t j = 0; j < o->n_algs; j++)
        if (o->algs[j] == F3_ALG_F3) o->cfg.error_info = cfgs[j].error_info;
    if (!samples_given && scenario_num(sc, "dataset.train_limit") > 0)
        o->samples = (size_t)scenario_num(sc, "dataset.train_limit");
    int rc = -1;
    if (scenario_is_blocks(sc)) {
        if (scenario_blocks(sc, o->blocks, F3_BLOCKNET_MAX_BLOCKS, &o->n_blocks) != F3_OK) {
            rc = usage_error(cmd, f3_last_error());
        } else {
            o->is_blocks = 1;
            const size_t C = f3_block_out_size(&o->blocks[o->n_blocks - 1]);
            for (size_t j = 0; j < o->n_algs; j++)
                o->bcfg[j] = (f3_blocktrain_config){o->algs[j], cfgs[j].error_info, cfgs[j].optimizer, cfgs[j].lr,
                                                    cfgs[j].beta1, cfgs[j].beta2, cfgs[j].eps, C};
        }
    } else if (o->cfg.widths[0] == 0) {
        rc = usage_error(cmd, "network.input is auto with a csv data set: the closed forms need the input width "
                              "(give network.input)");
    }
    scenario_free(sc);
    return rc;
}

/* What parse_options checks once the options are read: the counts of the
 * run fit 64 bits, and every selected algorithm is one the trainer runs.
 * -1 to go on, else the exit status. */
static int check_net_options(const char *cmd, int verify, const net_options *o)
{
    /* the counts of an epoch (formulas) or a run (verify) must fit 64 bits:
     * a generous bound on every counter, in double */
    const f3_config *cf = &o->cfg;
    double prod = 0, hid = 0, samples = (double)o->samples;
    for (size_t i = 1; i <= cf->n_layers; i++) prod += (double)cf->widths[i - 1] * (double)cf->widths[i];
    for (size_t i = 0; i <= cf->n_layers; i++) hid += (double)cf->widths[i];
    if (verify && (double)o->steps * (double)cf->batch_size > samples)
        samples = (double)o->steps * (double)cf->batch_size;
    const double C = (double)cf->widths[cf->n_layers];
    if (samples * (64.0 * prod + 64.0 * C * hid) > 9e18)
        return usage_error(cmd, "this network and number of samples overflow the 64-bit counters");
    /* every selected algorithm's configuration must be one the trainer runs */
    for (size_t i = 0; i < o->n_algs; i++) {
        f3_config cfg = o->cfg;
        cfg.algorithm = o->algs[i];
        if (f3_config_validate(&cfg, F3_TASK_CLASSIFICATION) != F3_OK) return usage_error(cmd, f3_last_error());
    }
    return -1;
}

/* Parse the options of `formulas` (verify = 0) or `verify` (1).  Returns -1
 * when the command should go on, else the exit status. */
int parse_options(const char *cmd, int verify, int argc, char **argv, net_options *o)
{
    enum {
        O_WIDTHS = 256, O_BATCH, O_SAMPLES, O_ALG, O_BIAS, O_NO_BIAS, O_ACT, O_OUT_ACT, O_LOSS,
        O_EI, O_ONE_HOT, O_OPT, O_JSON, O_STEPS, O_SEED, O_HELP
    };
    static const struct option opts[] = {
        {"widths", required_argument, 0, O_WIDTHS},
        {"batch", required_argument, 0, O_BATCH},
        {"samples", required_argument, 0, O_SAMPLES},
        {"algorithm", required_argument, 0, O_ALG},
        {"bias", no_argument, 0, O_BIAS},
        {"no-bias", no_argument, 0, O_NO_BIAS},
        {"activation", required_argument, 0, O_ACT},
        {"output-activation", required_argument, 0, O_OUT_ACT},
        {"loss", required_argument, 0, O_LOSS},
        {"error-info", required_argument, 0, O_EI},
        {"one-hot", no_argument, 0, O_ONE_HOT},
        {"optimizer", required_argument, 0, O_OPT},
        {"json", no_argument, 0, O_JSON},
        {"steps", required_argument, 0, O_STEPS},
        {"seed", required_argument, 0, O_SEED},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    memset(o, 0, sizeof *o);
    o->cfg = f3_config_default();
    o->cfg.hidden_act = o->cfg.output_act = F3_ACT_IDENTITY; /* A.1: linear layers */
    o->cfg.bias = 0;
    o->cfg.loss = F3_LOSS_MSE;
    o->cfg.optimizer = F3_OPT_SGD;
    o->cfg.error_info = (f3_error_info){F3_EI_ERROR, 0, 0};
    o->cfg.batch_size = 1;
    parse_widths("100,200,200,200,200,10", &o->cfg);
    parse_algorithms("all", o);
    o->samples = 10000;
    o->steps = 3;
    int set_out_act = 0, one_hot = 0, c, li = -1, net_given = 0, alg_given = 0, samples_given = 0;
    opterr = 0;
    optind = 1;
    /* leading ':' so that a missing value is reported as ':' */
    while ((li = -1, c = getopt_long(argc, argv, ":h", opts, &li)) != -1) {
        int bad = 0;
        f3_status st = F3_OK;
        uint64_t v = 0;
        net_given |= c == O_WIDTHS || c == O_BATCH || c == O_BIAS || c == O_NO_BIAS || c == O_ACT || c == O_OUT_ACT ||
                     c == O_LOSS || c == O_EI || c == O_ONE_HOT || c == O_OPT;
        alg_given |= c == O_ALG;
        samples_given |= c == O_SAMPLES;
        switch (c) {
        case O_WIDTHS: bad = parse_widths(optarg, &o->cfg); break;
        case O_BATCH: bad = parse_positive("--batch", optarg, &o->cfg.batch_size); break;
        case O_SAMPLES: bad = parse_positive("--samples", optarg, &o->samples); break;
        case O_ALG: bad = parse_algorithms(optarg, o); break;
        case O_BIAS: o->cfg.bias = 1; break;
        case O_NO_BIAS: o->cfg.bias = 0; break;
        case O_ACT: st = f3_parse_activation(optarg, &o->cfg.hidden_act); break;
        case O_OUT_ACT:
            st = f3_parse_activation(optarg, &o->cfg.output_act);
            set_out_act = 1;
            break;
        case O_LOSS: st = f3_parse_loss(optarg, &o->cfg.loss); break;
        case O_EI: st = f3_parse_error_info(optarg, &o->cfg.error_info); break;
        case O_ONE_HOT: one_hot = 1; break;
        case O_OPT: st = f3_parse_optimizer(optarg, &o->cfg.optimizer); break;
        case O_JSON: o->json = 1; break;
        case O_STEPS:
            if (!verify) goto unknown;
            bad = parse_u64("--steps", optarg, &v);
            if (!bad && v == 0) bad = F3_FAIL(F3_EINVAL, "--steps expects a positive integer, got '%s'", optarg) != 0;
            o->steps = v;
            break;
        case O_SEED:
            if (!verify) goto unknown;
            bad = parse_u64("--seed", optarg, &v);
            o->cfg.seed = v;
            break;
        case 'h':
        case O_HELP: fputs(verify ? VERIFY_HELP : FORMULAS_HELP, stdout); return 0;
        case ':': {
            char msg[300];
            snprintf(msg, sizeof msg, "option '%s' is missing its value", argv[optind - 1]);
            return usage_error(cmd, msg);
        }
        default:
        unknown: {
            /* li >= 0: an option of verify given to formulas (it has
             * consumed its value) */
            static const char *const verify_only[] = {"steps", "seed", NULL};
            char word[300];
            cli_rejected_word(argc, argv, opts, li, word, sizeof word);
            return cli_bad_option(cmd, word, opts, verify ? NULL : verify_only,
                                  li >= 0 ? "it is an option of 'f3sim verify'" : NULL);
        }
        }
        if (bad || st != F3_OK) return usage_error(cmd, f3_last_error());
    }
    if (optind + 1 < argc || (optind < argc && net_given)) {
        char msg[1400];
        if (optind + 1 < argc) snprintf(msg, sizeof msg, "unexpected argument '%s'", argv[optind + 1]);
        else
            snprintf(msg, sizeof msg, "%s gives the network and its training: no --widths, --batch, --bias, "
                                      "--activation, --loss, --error-info or --optimizer beside it", argv[optind]);
        return usage_error(cmd, msg);
    }
    if (optind < argc) {
        int r = from_scenario(cmd, argv[optind], alg_given, samples_given, o);
        if (r >= 0 || o->is_blocks) return r; /* a block network's checks are the scenario's */
    }
    if (one_hot) o->cfg.error_info.one_hot = 1, o->cfg.error_info.softmax = 0;
    if (!set_out_act && !o->scenario[0]) o->cfg.output_act = o->cfg.loss == F3_LOSS_BCE ? F3_ACT_SIGMOID : F3_ACT_IDENTITY;
    return check_net_options(cmd, verify, o);
}

/* ---- formatting ------------------------------------------------------------ */

/* 1234567 → "1 234 567" */
const char *grouped(uint64_t v, char *buf, size_t len)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < len; i++) {
        if (i && (n - i) % 3 == 0) buf[o++] = ' ';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

/* bytes with a decimal unit as the paper uses them: "208.00 kB" */
const char *with_unit(double bytes, char *buf, size_t len)
{
    const char *units[] = {"B", "kB", "MB", "GB", "TB"};
    double a = bytes < 0 ? -bytes : bytes;
    int u = 0;
    while (a >= 1000.0 && u < 4) a /= 1000.0, u++;
    if (u == 0) snprintf(buf, len, "%.0f B", bytes);
    else snprintf(buf, len, "%.2f %s", bytes < 0 ? -a : a, units[u]);
    return buf;
}

void widths_string(const f3_config *c, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i <= c->n_layers && off + 1 < len; i++)
        off += (size_t)snprintf(buf + off, len - off, "%s%zu", i ? "-" : "", c->widths[i]);
}

static int equal_hidden_widths(const f3_config *c)
{
    if (c->n_layers < 2) return 0;
    for (size_t i = 2; i < c->n_layers; i++)
        if (c->widths[i] != c->widths[1]) return 0;
    return 1;
}

/* A.1: linear layers, no bias, batch 1, SGD; F³'s e has C entries */
static int paper_assumptions_hold(const f3_config *c)
{
    return c->hidden_act == F3_ACT_IDENTITY && c->output_act == F3_ACT_IDENTITY && !c->bias &&
           c->batch_size == 1 && c->optimizer == F3_OPT_SGD && !c->error_info.one_hot;
}

/* ---- formulas ---------------------------------------------------------------- */


/* FMA and element-wise operations of every phase (and the total) of one
 * algorithm over a run. */
typedef struct {
    uint64_t fma[N_PH], elem[N_PH];
} phase_totals;

static f3_status totals_of(const f3_config *cfg, f3_run_shape run, phase_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t j = 0; j < cfg->n_layers; j++)
        for (int p = 0; p < F3_PH_COUNT; p++) {
            f3_counts c;
            f3_status st = f3_formula_counts(cfg, j, (f3_phase)p, run, &c);
            if (st != F3_OK) return st;
            t->fma[p] += c.fma, t->fma[F3_PH_COUNT] += c.fma;
            t->elem[p] += c.elem, t->elem[F3_PH_COUNT] += c.elem;
        }
    return F3_OK;
}

/* Everything `formulas` reports, computed once for the table and JSON. */
typedef struct {
    const net_options *o;
    size_t K, C;
    f3_run_shape epoch;
    phase_totals tot[5];        /* by algorithm */
    f3_memory mem[5];
    f3_paper_fma pbp, pf3;      /* eqs. (14)–(19), per sample */
    f3_paper_gain gain;         /* eqs. (22)–(24), any widths */
    int equal;                  /* hidden widths equal: eqs. (20)–(24) apply as printed */
    double g23, g24, lim25, lim26;
    int64_t saving22;
    double gen_feedback_gain, gen_total_gain; /* from the generalised counts */
    uint64_t eq30, eq30_printed, eq31, eq34;
    int64_t eq32;
} report;

static f3_status build_report(const net_options *o, report *r)
{
    memset(r, 0, sizeof *r);
    r->o = o;
    const f3_config *c = &o->cfg;
    r->K = c->n_layers;
    r->C = c->widths[r->K];
    r->epoch = f3_run_shape_epochs(o->samples, c->batch_size, (o->samples + c->batch_size - 1) / c->batch_size);
    int valid[5] = {0};
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        f3_config ca = *c;
        ca.algorithm = (f3_algorithm)a;
        /* an algorithm that is not selected may not run with these options
         * (e.g. f3 with softmax error information and softmax_ce) */
        if (f3_config_validate(&ca, F3_TASK_CLASSIFICATION) != F3_OK) continue;
        valid[a] = 1;
        f3_status st = totals_of(&ca, r->epoch, &r->tot[a]);
        if (st == F3_OK) st = f3_formula_memory(&ca, o->samples, &r->mem[a]);
        if (st != F3_OK) return st;
    }
    f3_paper_fma_bp(r->K, c->widths, &r->pbp);
    f3_paper_fma_f3(r->K, c->widths, &r->pf3);
    f3_paper_gain_of(r->K, c->widths, &r->gain);
    r->equal = equal_hidden_widths(c);
    if (r->equal) {
        const size_t w = c->widths[1], n0 = c->widths[0];
        r->saving22 = f3_eq22_saving(r->K, w, r->C);
        r->g23 = f3_eq23_feedback_gain(r->K, w, r->C);
        r->g24 = f3_eq24_total_gain(r->K, n0, w, r->C);
    } else {
        r->saving22 = r->gain.saving;
        r->g23 = r->gain.feedback_gain;
        r->g24 = r->gain.total_gain;
    }
    r->lim25 = f3_eq25_feedback_gain_limit(r->K);
    r->lim26 = f3_eq26_total_gain_limit(r->K);
    const phase_totals *bp = &r->tot[F3_ALG_BP], *f3 = &r->tot[F3_ALG_F3];
    /* NaN (JSON null) when F³ cannot run with these options */
    r->gen_feedback_gain = r->gen_total_gain = NAN;
    if (valid[F3_ALG_F3]) {
        r->gen_feedback_gain = bp->fma[F3_PH_FEEDBACK]
                                   ? 1.0 - (double)f3->fma[F3_PH_FEEDBACK] / (double)bp->fma[F3_PH_FEEDBACK]
                                   : 0.0;
        r->gen_total_gain = 1.0 - (double)f3->fma[F3_PH_COUNT] / (double)bp->fma[F3_PH_COUNT];
    }
    r->eq30 = f3_eq30_f3_overhead_bytes(r->K, c->widths, o->samples);
    r->eq30_printed = f3_eq30_printed_bytes(r->K, c->widths, o->samples);
    r->eq31 = f3_eq31_bp_activation_bytes(r->K, c->widths, c->batch_size);
    r->eq32 = f3_eq32_memory_saving_bytes(r->K, c->widths, c->batch_size, o->samples);
    r->eq34 = f3_feedback_bytes(f3_eq28_feedback_elements(r->K, c->widths), F3_ENC_TERNARY2);
    return F3_OK;
}

static int selected(const net_options *o, int a)
{
    for (size_t i = 0; i < o->n_algs; i++)
        if ((int)o->algs[i] == a) return 1;
    return 0;
}

void json_elements_bytes(json_writer *w, const char *key, uint64_t elements, int feedback)
{
    json_key(w, key);
    json_begin_object(w);
    json_kv_u64(w, "elements", elements);
    json_kv_u64(w, "bytes", 4u * elements);
    if (feedback) {
        json_kv_u64(w, "bytes_ternary_2bit", f3_feedback_bytes(elements, F3_ENC_TERNARY2));
        json_kv_u64(w, "bytes_seed", f3_feedback_bytes(elements, F3_ENC_SEED));
    }
    json_end_object(w);
}

static void formulas_json(const report *r)
{
    const net_options *o = r->o;
    const f3_config *c = &o->cfg;
    char ei[40];
    f3_error_info_name(c->error_info, ei, sizeof ei);
    json_writer w;
    json_init(&w, stdout);
    json_begin_object(&w);
    json_key(&w, "network");
    json_begin_object(&w);
    json_key(&w, "widths");
    json_begin_array(&w);
    for (size_t i = 0; i <= r->K; i++) json_u64(&w, c->widths[i]);
    json_end_array(&w);
    json_kv_u64(&w, "layers", r->K);
    json_kv_u64(&w, "outputs", r->C);
    json_kv_u64(&w, "batch", c->batch_size);
    json_kv_u64(&w, "samples", o->samples);
    json_kv_u64(&w, "steps_per_epoch", r->epoch.steps);
    json_kv_bool(&w, "bias", c->bias);
    json_kv_string(&w, "activation", f3_activation_name(c->hidden_act));
    json_kv_string(&w, "output_activation", f3_activation_name(c->output_act));
    json_kv_string(&w, "loss", f3_loss_name(c->loss));
    json_kv_string(&w, "error_info", ei);
    json_kv_string(&w, "optimizer", f3_optimizer_name(c->optimizer));
    json_kv_bool(&w, "paper_assumptions", paper_assumptions_hold(c));
    json_end_object(&w);
    json_kv_string(&w, "units",
                   "fma, elementwise_ops: operations over one epoch (samples in batches of "
                   "batch, the last one partial); fma_per_sample: fma / samples; memory: "
                   "elements and bytes (float32: 4 B; 1 kB = 1000 B)");
    const char *sections[3] = {"fma", "fma_per_sample", "elementwise_ops"};
    for (int s = 0; s < 3; s++) {
        json_key(&w, sections[s]);
        json_begin_object(&w);
        for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
            if (!selected(o, a)) continue;
            json_key(&w, f3_algorithm_name((f3_algorithm)a));
            json_begin_object(&w);
            for (int p = 0; p < N_PH; p++) {
                if (s == 0) json_kv_u64(&w, phase_key(p), r->tot[a].fma[p]);
                else if (s == 1) json_kv_double(&w, phase_key(p), (double)r->tot[a].fma[p] / (double)o->samples);
                else json_kv_u64(&w, phase_key(p), r->tot[a].elem[p]);
            }
            json_end_object(&w);
        }
        json_end_object(&w);
    }
    json_key(&w, "memory");
    json_begin_object(&w);
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        if (!selected(o, a)) continue;
        const f3_memory *m = &r->mem[a];
        json_key(&w, f3_algorithm_name((f3_algorithm)a));
        json_begin_object(&w);
        json_elements_bytes(&w, "activation_buffer", m->activation_buffer, 0);
        json_elements_bytes(&w, "feedback", m->feedback, 1);
        json_elements_bytes(&w, "error_store", m->error_store, 0);
        json_elements_bytes(&w, "a4_total", m->activation_buffer + m->feedback + m->error_store, 0);
        json_elements_bytes(&w, "parameters", m->parameters, 0);
        json_elements_bytes(&w, "gradients", m->gradients, 0);
        json_elements_bytes(&w, "optimizer_state", m->optimizer_state, 0);
        json_end_object(&w);
    }
    json_end_object(&w);
    json_key(&w, "paper");
    json_begin_object(&w);
    json_kv_string(&w, "units", "FMA per training sample (A.1); memory in elements");
    json_kv_u64(&w, "eq14_forward", r->pbp.forward);
    json_kv_u64(&w, "eq15_bp_feedback", r->pbp.feedback);
    json_kv_u64(&w, "eq15_bp_gradient", r->pbp.gradient);
    json_kv_u64(&w, "eq16_f3_feedback", r->pf3.feedback);
    json_kv_u64(&w, "eq16_f3_gradient", r->pf3.gradient);
    json_kv_u64(&w, "eq17_update", r->pbp.update);
    json_kv_u64(&w, "eq18_bp_total", r->pbp.total);
    json_kv_u64(&w, "eq19_f3_total", r->pf3.total);
    if (r->equal) {
        json_kv_u64(&w, "eq20_bp_equal_width", f3_eq20_bp_equal_width(r->K, c->widths[0], c->widths[1], r->C));
        json_kv_u64(&w, "eq21_f3_equal_width", f3_eq21_f3_equal_width(r->K, c->widths[0], c->widths[1], r->C));
    }
    json_kv_u64(&w, "eq27_bp_activation_elements", f3_eq27_activation_elements(r->K, c->widths, c->batch_size));
    json_kv_u64(&w, "eq28_feedback_elements", f3_eq28_feedback_elements(r->K, c->widths));
    json_kv_u64(&w, "eq29_error_store_elements", f3_eq29_error_store_elements(r->C, o->samples));
    json_end_object(&w);
    json_key(&w, "gains");
    json_begin_object(&w);
    json_kv_bool(&w, "equal_width", r->equal);
    json_key(&w, "eq22_saving_fma_per_sample");
    json_i64(&w, r->saving22);
    json_kv_double(&w, "eq23_feedback_gain", r->g23);
    json_kv_double(&w, "eq24_total_gain", r->g24);
    json_kv_double(&w, "eq25_feedback_gain_limit", r->lim25);
    json_kv_double(&w, "eq26_total_gain_limit", r->lim26);
    json_kv_double(&w, "generalised_feedback_gain", r->gen_feedback_gain);
    json_kv_double(&w, "generalised_total_gain", r->gen_total_gain);
    json_kv_u64(&w, "eq30_f3_overhead_bytes", r->eq30);
    json_kv_u64(&w, "eq30_as_printed_bytes", r->eq30_printed);
    json_kv_u64(&w, "eq31_bp_activation_bytes", r->eq31);
    json_key(&w, "eq32_memory_saving_bytes");
    json_i64(&w, r->eq32);
    json_kv_u64(&w, "eq34_feedback_ternary_bytes", r->eq34);
    json_kv_u64(&w, "feedback_seed_bytes", F3_FEEDBACK_SEED_BYTES);
    json_end_object(&w);
    json_end_object(&w);
}

static void formulas_table(const report *r)
{
    const net_options *o = r->o;
    const f3_config *c = &o->cfg;
    char ws[2048], ei[40], g[6][32], u[3][32];
    widths_string(c, ws, sizeof ws);
    f3_error_info_name(c->error_info, ei, sizeof ei);
    printf("network %s (K = %zu layers, C = %zu outputs), batch %zu, %zu samples = %" PRIu64
           " steps per epoch\n",
           ws, r->K, r->C, c->batch_size, o->samples, r->epoch.steps);
    printf("%s hidden / %s output, %s, loss %s, f3 error information %s, %s\n",
           f3_activation_name(c->hidden_act), f3_activation_name(c->output_act),
           c->bias ? "biases" : "no bias", f3_loss_name(c->loss), ei, f3_optimizer_name(c->optimizer));
    printf("%s\n\n", paper_assumptions_hold(c) ? "These are the assumptions of A.1 (linear, no bias, batch 1, SGD)."
                                               : "Not the assumptions of A.1: the generalised forms apply.");

    printf("FMA per epoch (exact; docs/validation.md)\n");
    printf("  %-5s %17s %17s %17s %17s %17s %14s\n", "", "forward", "feedback", "gradient", "update", "total",
           "per sample");
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        if (!selected(o, a)) continue;
        const phase_totals *t = &r->tot[a];
        printf("  %-5s %17s %17s %17s %17s %17s %14.1f\n", f3_algorithm_name((f3_algorithm)a),
               grouped(t->fma[F3_PH_FORWARD], g[0], 32), grouped(t->fma[F3_PH_FEEDBACK], g[1], 32),
               grouped(t->fma[F3_PH_GRADIENT], g[2], 32), grouped(t->fma[F3_PH_UPDATE], g[3], 32),
               grouped(t->fma[F3_PH_COUNT], g[4], 32), (double)t->fma[F3_PH_COUNT] / (double)o->samples);
    }
    printf("  element-wise operations per epoch:");
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++)
        if (selected(o, a)) printf(" %s %s", f3_algorithm_name((f3_algorithm)a), grouped(r->tot[a].elem[F3_PH_COUNT], g[0], 32));
    printf("\n\n");

    printf("Appendix A, per sample (FMA)\n");
    printf("  eq. (14) forward                   %17s\n", grouped(r->pbp.forward, g[0], 32));
    printf("  eq. (15) BP   dh / dW              %17s / %s\n", grouped(r->pbp.feedback, g[0], 32), grouped(r->pbp.gradient, g[1], 32));
    printf("  eq. (16) F3   dh / dW              %17s / %s\n", grouped(r->pf3.feedback, g[0], 32), grouped(r->pf3.gradient, g[1], 32));
    printf("  eq. (17) update                    %17s\n", grouped(r->pbp.update, g[0], 32));
    printf("  eq. (18) BP total                  %17s\n", grouped(r->pbp.total, g[0], 32));
    printf("  eq. (19) F3 total                  %17s\n", grouped(r->pf3.total, g[0], 32));
    if (r->equal) {
        printf("  eq. (20) BP, equal widths w = %-5zu %17s\n", c->widths[1],
               grouped(f3_eq20_bp_equal_width(r->K, c->widths[0], c->widths[1], r->C), g[0], 32));
        printf("  eq. (21) F3, equal widths w = %-5zu %17s\n", c->widths[1],
               grouped(f3_eq21_f3_equal_width(r->K, c->widths[0], c->widths[1], r->C), g[0], 32));
    }
    printf("\nGains of F3 over BP%s\n", r->equal ? " (equal hidden widths: eqs. 22-24 as printed)"
                                                : " (unequal widths: eqs. 22-24 from eqs. 18-19)");
    printf("  eq. (22) FMA saved per sample      %17" PRId64 "\n", r->saving22);
    printf("  eq. (23) for computing the dh      %16.4f %%   limit w -> inf, eq. (25): %.0f %%\n", 100 * r->g23, 100 * r->lim25);
    printf("  eq. (24) whole step                %16.4f %%   limit w -> inf, eq. (26): %.0f %%\n", 100 * r->g24, 100 * r->lim26);
    printf("  with these options (epoch counts)  %16.4f %% for dh, %.4f %% whole step\n\n",
           100 * r->gen_feedback_gain, 100 * r->gen_total_gain);

    printf("Memory (A.4; elements, and bytes as float32 = 4 B; 1 kB = 1000 B)\n");
    printf("  %-5s %23s %35s %10s %10s %23s %11s %12s\n", "", "activation buffer (27)",
           "feedback (28): elements, float32", "2-bit (34)", "seed", "error store (29)", "A.4 total",
           "params+opt");
    for (int a = F3_ALG_BP; a <= F3_ALG_LLO; a++) {
        if (!selected(o, a)) continue;
        const f3_memory *m = &r->mem[a];
        const uint64_t a4 = m->activation_buffer + m->feedback + m->error_store;
        const uint64_t common = m->parameters + m->gradients + m->optimizer_state;
        char v[10][32];
        printf("  %-5s %12s %10s %24s %10s %10s %10s %12s %10s %11s %12s\n", f3_algorithm_name((f3_algorithm)a),
               grouped(m->activation_buffer, v[0], 32), with_unit(4.0 * (double)m->activation_buffer, v[1], 32),
               grouped(m->feedback, v[2], 32), with_unit(4.0 * (double)m->feedback, v[3], 32),
               with_unit((double)f3_feedback_bytes(m->feedback, F3_ENC_TERNARY2), v[4], 32),
               with_unit((double)f3_feedback_bytes(m->feedback, F3_ENC_SEED), v[5], 32),
               grouped(m->error_store, v[6], 32), with_unit(4.0 * (double)m->error_store, v[7], 32),
               with_unit(4.0 * (double)a4, v[8], 32), with_unit(4.0 * (double)common, v[9], 32));
    }
    printf("  eq. (30) F3 overhead (corrected)   %15s (printed form: %s)\n", with_unit((double)r->eq30, u[0], 32),
           with_unit((double)r->eq30_printed, u[1], 32));
    printf("  eq. (31) BP activation buffer      %15s\n", with_unit((double)r->eq31, u[0], 32));
    printf("  eq. (32) saved by F3               %15s (%" PRId64 " B)\n", with_unit((double)r->eq32, u[0], 32), r->eq32);
    printf("  eq. (34) feedback as 2-bit         %15s\n", with_unit((double)r->eq34, u[0], 32));
}

/* o's block network as formulas_blocks.c takes it */
const block_net *block_net_of(const net_options *o, block_net *b)
{
    *b = (block_net){o->scenario, o->blocks, o->n_blocks, {{0}}, o->n_algs, o->cfg.batch_size, o->samples,
                     o->steps, o->cfg.seed, o->json};
    memcpy(b->cfg, o->bcfg, sizeof b->cfg);
    return b;
}

int cmd_formulas(int argc, char **argv)
{
    net_options o;
    int rc = parse_options("formulas", 0, argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.is_blocks) {
        block_net b;
        return formulas_blocks(block_net_of(&o, &b));
    }
    report r;
    if (build_report(&o, &r) != F3_OK) {
        fprintf(stderr, "f3sim formulas: %s\n", f3_last_error());
        return 1;
    }
    if (o.json) formulas_json(&r);
    else formulas_table(&r);
    return 0;
}
