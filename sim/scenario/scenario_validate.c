/* scenario_validate.c — the checks of a scenario's keys against each other
 * and against the model, and the trainer's configuration it makes. */
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

/* ---- cross-key validation -------------------------------------------------- */

typedef struct {
    const char *name;
    int features, outputs, regression;
    int channels, height, width; /* images; 0 for tables */
} known_dataset;

static const known_dataset KNOWN[] = {
    {"mnist", 784, 10, 0, 1, 28, 28}, {"fashion-mnist", 784, 10, 0, 1, 28, 28}, {"census", 14, 2, 0, 0, 0, 0},
    {"wine", 12, 1, 1, 0, 0, 0},      {"cifar10", 3072, 10, 0, 3, 32, 32},
};

static const known_dataset *known(const scenario *sc)
{
    const char *n = scenario_str(sc, "dataset.name");
    for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (!strcmp(KNOWN[i].name, n)) return &KNOWN[i];
    return NULL;
}

int scenario_is_vit(const scenario *sc) { return !strcmp(scenario_str(sc, "network.type"), "vit"); }
int scenario_is_blocks(const scenario *sc) { return strcmp(scenario_str(sc, "network.type"), "mlp") != 0; }

static int is_regression(const scenario *sc);

f3_status scenario_blocks(const scenario *sc, f3_block *blocks, size_t max, size_t *n)
{
    *n = 0;
    char msg[700];
    if (scenario_is_vit(sc)) {
        f3_vit_config vc;
        if (scenario_vit_config(sc, &vc) != F3_OK) return F3_EINVAL;
        if (f3_vit_blocks(&vc, blocks, max, n) == F3_OK) return F3_OK;
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        return scenario_at_key(sc, "network.vit", F3_EINVAL, "network.%s", msg);
    }
    const known_dataset *k = known(sc);
    const sc_value *in = scenario_get(sc, "network.input");
    const f3_blockspec_input bi = {!in->is_auto ? (size_t)in->num : k ? (size_t)k->features : 0,
                                   k ? (size_t)k->channels : 0, k ? (size_t)k->height : 0, k ? (size_t)k->width : 0};
    if (is_regression(sc))
        return scenario_at_key(sc, "network.type", F3_EINVAL,
                               "network.type blocks: the block trainer trains classifiers (softmax cross-entropy); %s is "
                               "a regression data set",
                               scenario_str(sc, "dataset.name"));
    if (!bi.features)
        return scenario_at_key(sc, "network.input", F3_EINVAL,
                               "network.type blocks with a csv data set needs network.input (the width the first "
                               "block takes)");
    const char *spec = scenario_str(sc, "network.blocks");
    if (!spec[0])
        return scenario_at_key(sc, "network.blocks", F3_EINVAL, "network.type blocks needs network.blocks (the blocks' ops)");
    if (f3_blockspec_parse(spec, &bi, blocks, max, n) != F3_OK) {
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        return scenario_at_key(sc, "network.blocks", F3_EINVAL, "network.blocks: %s", msg);
    }
    const size_t C = k ? (size_t)k->outputs : (size_t)scenario_num(sc, "dataset.classes");
    if (f3_block_out_size(&blocks[*n - 1]) != C)
        return scenario_at_key(sc, "network.blocks", F3_EINVAL,
                               "network.blocks: the last block gives %zu values per sample; the data set has %zu classes "
                               "(end with tokens 1, linear %zu)",
                               f3_block_out_size(&blocks[*n - 1]), C, C);
    return F3_OK;
}

f3_status scenario_vit_config(const scenario *sc, f3_vit_config *out)
{
    const known_dataset *k = known(sc);
    if (!k || !k->channels)
        return scenario_at_key(sc, "network.type", F3_EINVAL,
                               "network.type vit needs a data set of images (mnist, fashion-mnist or cifar10), not %s",
                               scenario_str(sc, "dataset.name"));
    f3_op_act act = F3_OP_TANH;
    const char *a = scenario_str(sc, "network.activation");
    if (!strcmp(a, "sigmoid")) act = F3_OP_SIGMOID;
    else if (!strcmp(a, "relu")) act = F3_OP_RELU;
    else if (strcmp(a, "tanh"))
        return scenario_at_key(sc, "network.activation", F3_EINVAL,
                               "network.activation %s: a vit's MLPs and head take tanh, sigmoid or relu", a);
    *out = (f3_vit_config){(size_t)scenario_num(sc, "network.vit.depth"), (size_t)scenario_num(sc, "network.vit.width"),
                           (size_t)scenario_num(sc, "network.vit.heads"), (size_t)scenario_num(sc, "network.vit.dim_head"),
                           (size_t)scenario_num(sc, "network.vit.mlp_dim"), (size_t)scenario_num(sc, "network.vit.patch"),
                           scenario_num(sc, "network.vit.norm") != 0, act, (size_t)k->channels, (size_t)k->height,
                           (size_t)k->width, (size_t)k->outputs};
    return F3_OK;
}

/* "numerics.<t>.format" (rounding 0) or "numerics.<t>.rounding" (1) for
 * tensor class t, written once per process: the same pointer every time,
 * which the schema's lookup remembers. */
static char numerics_keys[F3_T_COUNT][2][64];
static pthread_once_t numerics_keys_once = PTHREAD_ONCE_INIT;
static void numerics_keys_init(void)
{
    for (int t = 0; t < F3_T_COUNT; t++) {
        snprintf(numerics_keys[t][0], sizeof numerics_keys[t][0], "numerics.%s.format", f3_tensor_names[t]);
        snprintf(numerics_keys[t][1], sizeof numerics_keys[t][1], "numerics.%s.rounding", f3_tensor_names[t]);
    }
}
static const char *numerics_path(int t, int rounding)
{
    pthread_once(&numerics_keys_once, numerics_keys_init);
    return numerics_keys[t][rounding];
}

/* network.type vit or blocks: what the block trainer runs, and nothing it does not */
static f3_status check_blocks(const scenario *sc)
{
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb;
    if (scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) return F3_EINVAL;
    static const struct {
        const char *key, *want, *why;
    } ONLY[] = {
        {"training.loss", "auto|softmax_ce", "a vit is trained on softmax cross-entropy, as the authors' code does"},
        {"network.output_activation", "auto|identity", "a vit's output feeds softmax cross-entropy (identity)"},
        {"training.feedback_init", "trinomial", "a vit's feedback matrices are drawn uniformly from {-1, 0, 1}, as the "
                                                "authors' discrete_uniform connectors"},
        {"training.e0", "targets", "a vit's F3 store starts from the targets (the authors' initialize_error_information)"},
        {"network.bias", "true", "a vit's linear layers have the authors' biases (qkv has none)"},
    };
    for (size_t i = 0; i < sizeof ONLY / sizeof ONLY[0]; i++) {
        const sc_value *v = scenario_get(sc, ONLY[i].key);
        const char *have = v->str[0] ? v->str : v->text;
        char want[64];
        snprintf(want, sizeof want, "|%s|", ONLY[i].want);
        char probe[SC_MAX_STR + 4];
        snprintf(probe, sizeof probe, "|%s|", have);
        if (!strstr(want, probe))
            return scenario_at_key(sc, ONLY[i].key, F3_EINVAL, "%s %s: %s (network.type %s)", ONLY[i].key, have,
                                   ONLY[i].why, scenario_str(sc, "network.type"));
    }
    if (scenario_get(sc, "network.hidden")->set)
        return scenario_at_key(sc, "network.hidden", F3_EINVAL,
                               "network.hidden gives an MLP's widths; a vit's sizes are network.vit's (network.type vit)");
    /* the formats the block trainer runs (fixed-point activations are not,
     * with attention or layer normalisation); Adam's rule is the MLP's,
     * checked below by f3_config_check */
    f3_numerics nm;
    char key[96];
    for (int t = 0; t < F3_T_COUNT; t++) {
        const char *path = numerics_path(t, 0);
        if (f3_parse_format(scenario_str(sc, path), &nm.fmt[t]) != F3_OK)
            return scenario_at_key(sc, path, F3_EINVAL, "%s: %s", path, f3_last_error());
    }
    f3_tensor which = F3_T_ACTIVATIONS;
    if (f3_blocktrain_check_numerics(blocks, nb, F3_OPT_SGD, &nm, &which) != F3_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        snprintf(key, sizeof key, "numerics.%s.format", f3_tensor_names[which]);
        return scenario_at_key(sc, key, F3_EINVAL, "%s %s: %s (network.type vit)", key, scenario_str(sc, key), msg);
    }
    if (scenario_num(sc, "outputs.checkpoint_every") != 0)
        return scenario_at_key(sc, "outputs.checkpoint_every", F3_EINVAL,
                               "outputs.checkpoint_every: a vit's training writes no checkpoints yet (use 0)");
    /* outputs.trace: a point that trains runs on the SystemC chip, whose
     * tiles run blocks too (as for an MLP) */
    return F3_OK;
}

static int is_regression(const scenario *sc)
{
    const known_dataset *k = known(sc);
    if (k) return k->regression;
    return scenario_num(sc, "dataset.classes") == 0;
}

f3_status scenario_f3_config(const scenario *sc, const char *algorithm, f3_config *cfg, f3_task *task)
{
    const int regression = is_regression(sc);
    const known_dataset *k = known(sc);
    f3_config c = f3_config_default();
    f3_status st = F3_OK;
    const sc_value *hid = scenario_get(sc, "network.hidden"), *in = scenario_get(sc, "network.input"),
                   *out = scenario_get(sc, "network.output");
    /* widths: as given, else the data set's; a csv file's features are
     * known only once it is read (0) */
    const int blocks_net = scenario_is_blocks(sc); /* a network of blocks: widths are the blocks' outputs */
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb = 0;
    if (blocks_net && scenario_blocks(sc, blocks, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) nb = 0; /* check_blocks reports it */
    c.n_layers = blocks_net ? (nb ? nb : 1) : hid->n + 1;
    c.widths[0] = !in->is_auto ? (size_t)in->num : k ? (size_t)k->features : 0;
    for (size_t i = 0; i + 1 < c.n_layers; i++)
        c.widths[i + 1] = blocks_net ? f3_block_out_size(&blocks[i]) : (size_t)hid->list[i];
    c.widths[c.n_layers] = !out->is_auto ? (size_t)out->num
                           : k           ? (size_t)k->outputs
                           : regression  ? 1 /* a csv file's one target column */
                                         : (size_t)scenario_num(sc, "dataset.classes");
    st = f3_parse_activation(scenario_str(sc, "network.activation"), &c.hidden_act);
    c.bias = scenario_num(sc, "network.bias") != 0;
    /* auto: bce for classification, mse for regression; the output
     * activation sigmoid for bce, identity for regression and softmax_ce */
    const char *loss = scenario_str(sc, "training.loss"), *oa = scenario_str(sc, "network.output_activation");
    if (!strcmp(loss, "auto")) c.loss = blocks_net ? F3_LOSS_SOFTMAX_CE : regression ? F3_LOSS_MSE : F3_LOSS_BCE;
    else if (st == F3_OK) st = f3_parse_loss(loss, &c.loss);
    if (!strcmp(oa, "auto"))
        c.output_act = regression || c.loss == F3_LOSS_SOFTMAX_CE ? F3_ACT_IDENTITY : F3_ACT_SIGMOID;
    else if (st == F3_OK) st = f3_parse_activation(oa, &c.output_act);
    /* f3-error and f3-loss: f3 with delayed_error(_one_hot), delayed_loss(_one_hot);
     * error_info auto: delayed_error_one_hot, or delayed_error for regression */
    const char *ei = scenario_str(sc, "training.error_info");
    if (!strcmp(algorithm, "f3-error") || !strcmp(algorithm, "f3-loss")) {
        c.algorithm = F3_ALG_F3;
        c.error_info.kind = !strcmp(algorithm, "f3-loss") ? F3_EI_LOSS : F3_EI_ERROR;
        c.error_info.one_hot = !regression;
        c.error_info.softmax = 0;
    } else {
        if (st == F3_OK) st = f3_parse_algorithm(algorithm, &c.algorithm);
        if (!strcmp(ei, "auto") && blocks_net) c.error_info = (f3_error_info){F3_EI_ERROR, 0, 0}; /* t − softmax(y) */
        else if (!strcmp(ei, "auto")) c.error_info.one_hot = !regression;
        else if (st == F3_OK) st = f3_parse_error_info(ei, &c.error_info);
    }
    c.e0 = !strcmp(scenario_str(sc, "training.e0"), "inference") ? F3_E0_INFERENCE : F3_E0_TARGETS;
    if (st == F3_OK) st = f3_parse_feedback_init(scenario_str(sc, "training.feedback_init"), &c.feedback_init);
    if (st == F3_OK) st = f3_parse_optimizer(scenario_str(sc, "training.optimizer"), &c.optimizer);
    c.lr = scenario_num(sc, "training.lr");
    c.beta1 = scenario_num(sc, "training.beta1");
    c.beta2 = scenario_num(sc, "training.beta2");
    c.eps = scenario_num(sc, "training.eps");
    c.batch_size = (size_t)scenario_num(sc, "training.batch_size");
    c.seed = (uint64_t)scenario_num(sc, "training.seed");
    /* numerics.<tensor>: format and rounding (fp32, nearest even by default) */
    for (int t = 0; st == F3_OK && t < F3_T_COUNT; t++) {
        st = f3_parse_format(scenario_str(sc, numerics_path(t, 0)), &c.numerics.fmt[t]);
        if (st == F3_OK) st = f3_parse_rounding(scenario_str(sc, numerics_path(t, 1)), &c.numerics.fmt[t].rounding);
    }
    if (st != F3_OK) return st;
    *cfg = c;
    *task = regression ? F3_TASK_REGRESSION : F3_TASK_CLASSIFICATION;
    return F3_OK;
}

/* The scenario key an f3_config setting comes from. */
static const char *key_of_field(f3_config_field f, const char *alg_key)
{
    switch (f) {
    case F3_CFG_LAYERS:
    case F3_CFG_WIDTHS: return "network.hidden";
    case F3_CFG_BATCH_SIZE: return "training.batch_size";
    case F3_CFG_LR: return "training.lr";
    case F3_CFG_ADAM: return "training.optimizer";
    case F3_CFG_OUTPUT_ACT: return "network.output_activation";
    case F3_CFG_LOSS: return "training.loss";
    case F3_CFG_ERROR_INFO: return "training.error_info";
    case F3_CFG_NUMERICS: return "numerics"; /* numerics_key finds the tensor class */
    case F3_CFG_NONE: break;
    }
    return alg_key;
}

/* Does cfg fail the check otherwise than with msg (or not at all)? */
static int check_differs(const f3_config *cfg, f3_task task, const char *msg)
{
    f3_config_field field = F3_CFG_NONE;
    if (f3_config_check(cfg, task, &field) == F3_OK) return 1;
    return field != F3_CFG_NUMERICS || strcmp(f3_last_error(), msg) != 0;
}

/* The key a numerics failure of cfg (message msg) concerns: the first
 * tensor class whose rounding back at nearest even (numerics.<t>.rounding),
 * or whose format back at fp32 (numerics.<t>.format), changes the check's
 * verdict; "numerics" when none does.  Overwrites f3_last_error(). */
static void numerics_key(const f3_config *cfg, f3_task task, const char *msg, char *key, size_t len)
{
    snprintf(key, len, "numerics");
    for (int t = 0; t < F3_T_COUNT; t++) {
        const f3_format *f = &cfg->numerics.fmt[t];
        f3_config c = *cfg;
        if (f->rounding != F3_ROUND_NEAREST_EVEN) {
            c.numerics.fmt[t].rounding = F3_ROUND_NEAREST_EVEN;
            if (check_differs(&c, task, msg)) {
                snprintf(key, len, "%s", numerics_path(t, 1));
                return;
            }
        }
        if (f->kind != F3_FMT_FP32) {
            c = *cfg;
            memset(&c.numerics.fmt[t], 0, sizeof c.numerics.fmt[t]); /* fp32, nearest even */
            if (check_differs(&c, task, msg)) {
                snprintf(key, len, "%s", numerics_path(t, 0));
                return;
            }
        }
    }
}

/* The schema's names of the model's settings are the model's names (plus
 * the scenario's own: auto, f3-error, f3-loss), so that a scenario accepts
 * exactly what the trainer does.  A mismatch is a bug of this program. */
static f3_status schema_agrees_with_model_once(void)
{
    static const struct {
        const char *path;
        const char *const *names;
        const char *extra; /* the scenario's own choices */
    } KEYS[] = {
        {"network.activation", f3_activation_names, ""},
        {"network.output_activation", f3_activation_names, "auto"},
        {"training.algorithm", f3_algorithm_names, "f3-error|f3-loss"},
        {"training.compare", f3_algorithm_names, "f3-error|f3-loss"},
        {"training.error_info", f3_error_info_names, "auto"},
        {"training.feedback_init", f3_feedback_init_names, ""},
        {"training.loss", f3_loss_names, "auto"},
        {"training.optimizer", f3_optimizer_names, ""},
    };
    /* numerics: a section per tensor class, with the model's roundings */
    for (int t = 0; t < F3_T_COUNT; t++) {
        int si = sc_schema_find(numerics_path(t, 1));
        if (si < 0 || sc_schema_find(numerics_path(t, 0)) < 0 || sc_schema()[si].kind != SK_ENUM)
            return F3_FAIL(F3_EINVAL, "internal: the scenario schema lacks numerics.%s (format and rounding)",
                           f3_tensor_names[t]);
        const char *choices = sc_schema()[si].choices;
        for (const char *p = choices; *p;) {
            size_t len = strcspn(p, "|");
            char name[64];
            f3_rounding r;
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (f3_parse_rounding(name, &r) != F3_OK || strcmp(f3_rounding_name(r), name))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's numerics.%s.rounding offers '%s', which the model does not know",
                               f3_tensor_names[t], name);
            p += len + (p[len] == '|');
        }
        for (int r = 0; r <= F3_ROUND_STOCHASTIC; r++)
            if (!sc_choice_ok(choices, f3_rounding_name((f3_rounding)r)))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's numerics.%s.rounding lacks the model's '%s'",
                               f3_tensor_names[t], f3_rounding_name((f3_rounding)r));
    }
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++) {
        int si = sc_schema_find(KEYS[i].path);
        const char *choices = si >= 0 ? sc_schema()[si].choices : NULL;
        char model[256];
        f3_enum_choices(KEYS[i].names, model, sizeof model);
        if (!choices)
            return F3_FAIL(F3_EINVAL, "internal: the scenario schema has no choices for %s (the model's: %s)",
                           KEYS[i].path, model);
        for (size_t j = 0; KEYS[i].names[j]; j++)
            if (!sc_choice_ok(choices, KEYS[i].names[j]))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's %s (%s) lacks the model's '%s' (%s)",
                               KEYS[i].path, choices, KEYS[i].names[j], model);
        for (const char *p = choices; *p;) {
            size_t len = strcspn(p, "|");
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (!sc_choice_ok(model, name) && !sc_choice_ok(KEYS[i].extra, name))
                return F3_FAIL(F3_EINVAL, "internal: the scenario schema's %s offers '%s', which the model does not know (%s)",
                               KEYS[i].path, name, model);
            p += len + (p[len] == '|');
        }
    }
    return F3_OK;
}

/* The schema and the model are fixed at build time: they are compared once
 * (pthread_once: safe from any thread), and each load gets the verdict. */
static pthread_once_t agrees_once = PTHREAD_ONCE_INIT;
static f3_status agrees_status;
static char agrees_msg[768];

static void agrees_check(void)
{
    agrees_status = schema_agrees_with_model_once();
    if (agrees_status != F3_OK) snprintf(agrees_msg, sizeof agrees_msg, "%s", f3_last_error());
}

static f3_status schema_agrees_with_model(void)
{
    pthread_once(&agrees_once, agrees_check);
    return agrees_status == F3_OK ? F3_OK : F3_FAIL(agrees_status, "%s", agrees_msg);
}

f3_status scenario_at_key(const scenario *sc, const char *path, f3_status st, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (;;) {
        int i = sc_schema_find(buf);
        if (i >= 0 && sc->v[i].line) return sc_at(st, sc->v[i].origin, sc->v[i].line, sc->v[i].col, "%s", msg);
        char *dot = strrchr(buf, '.');
        if (!dot) break;
        *dot = '\0';
    }
    return sc_at(st, sc->file, 1, 1, "%s", msg);
}

/* The cross-key checks come in SC_CHECK_PARTS parts, run in order; the
 * sweep's validation (scenario_sweep.c) re-runs a part at a point only when
 * a key the part read differs from every earlier point where it passed.
 * A part reads the scenario only through scenario_get and its kin. */

/* The results folder and the outputs. */
static f3_status check_outputs(const scenario *sc)
{
    /* the name and the folder make the results path <folder>/<name>/ */
    if (!sc->name[0] || !strcmp(sc->name, ".") || !strcmp(sc->name, ".."))
        return scenario_at_key(sc, "name", F3_EINVAL, "name: '%s' cannot name a results folder", sc->name);
    for (const char *c = sc->name; *c; c++)
        if (*c == '/' || (unsigned char)*c < 0x20)
            return scenario_at_key(sc, "name", F3_EINVAL, "name: '%s' must not contain '/' or control characters (it names a folder)",
                          sc->name);
    if (!scenario_str(sc, "outputs.folder")[0])
        return scenario_at_key(sc, "outputs.folder", F3_EINVAL, "outputs.folder is empty (write . for the working directory)");
    if (scenario_get(sc, "outputs.formats")->n == 0)
        return scenario_at_key(sc, "outputs.formats", F3_EINVAL,
                      "outputs.formats is empty: a run would leave no result of a rule (write [json], [csv] or both)");
    /* outputs.slurm: each value becomes one word of an #SBATCH line */
    static const struct {
        const char *key, *chars, *what;
    } SLURM[] = {{"outputs.slurm.time", "0123456789:-", "a Slurm time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)"},
                 {"outputs.slurm.mem", "0123456789KMGTkmgt", "a memory size like 4G (a number with an optional unit K, M, G or T)"},
                 {"outputs.slurm.partition", NULL, "a partition name (letters, digits, _ . - and commas)"},
                 {"outputs.slurm.account", NULL, "an account name (letters, digits, _ . -)"}};
    for (size_t i = 0; i < sizeof SLURM / sizeof SLURM[0]; i++) {
        const char *v = scenario_str(sc, SLURM[i].key);
        int ok = strlen(v) <= 64;
        for (const char *c = v; *c && ok; c++)
            ok = SLURM[i].chars ? strchr(SLURM[i].chars, *c) != NULL
                                : (isalnum((unsigned char)*c) || strchr("_.-", *c) || (*c == ',' && i == 2));
        if (ok && i == 1 && *v) { /* digits, then at most one unit letter */
            const char *u = v + strspn(v, "0123456789");
            ok = u != v && (!*u || !u[1]);
        }
        if (ok && i == 0 && *v) ok = isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[strlen(v) - 1]);
        if (!ok) return scenario_at_key(sc, SLURM[i].key, F3_EINVAL, "%s: '%s' is not %s", SLURM[i].key, v, SLURM[i].what);
    }
    for (const char *c = scenario_str(sc, "outputs.slurm.setup"); *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t')
            return scenario_at_key(sc, "outputs.slurm.setup", F3_EINVAL,
                                   "outputs.slurm.setup holds a newline or control character: write one line (join "
                                   "commands with && or ;)");
    return F3_OK;
}

/* What runs: the seeds, the learning rules, the data set against the
 * network's ends, the blocks. */
static f3_status check_run(const scenario *sc)
{
    const sc_value *seeds = scenario_get(sc, "training.seeds");
    for (size_t i = 0; i < seeds->n; i++)
        for (size_t j = 0; j < i; j++)
            if (seeds->list[i] == seeds->list[j])
                return scenario_at_key(sc, "training.seeds", F3_EINVAL,
                                       "training.seeds lists seed %.0f twice (each seed is run once)", seeds->list[i]);
    for (size_t a = 0; seeds->n && a < sc->n_sweep; a++)
        if (!strcmp(sc->sweep[a].path, "training.seed"))
            return scenario_at_key(sc, "training.seeds", F3_EINVAL,
                                   "training.seeds runs every point for each seed; a sweep over training.seed (line %d) "
                                   "contradicts it: give one of them", sc->sweep[a].line);
    const sc_value *alg = scenario_get(sc, "training.algorithm"), *cmp = scenario_get(sc, "training.compare");
    if (alg->set && cmp->set && cmp->n)
        return scenario_at_key(sc, "training.compare", F3_EINVAL,
                      "training.compare replaces training.algorithm (given at line %d): give one of them", alg->line);
    int regression = is_regression(sc);
    const char *ds = scenario_str(sc, "dataset.name");
    if (!strcmp(ds, "csv") && (!scenario_str(sc, "dataset.path")[0] || !scenario_str(sc, "dataset.test_path")[0]))
        return scenario_at_key(sc, "dataset.name", F3_EINVAL, "dataset csv needs dataset.path (training file) and dataset.test_path");
    const char *ei = scenario_str(sc, "training.error_info");
    char algs[SC_MAX_LIST][32];
    size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST);
    for (size_t i = 0; i < na; i++) {
        int f3like = !strncmp(algs[i], "f3", 2);
        if (regression && (strstr(ei, "one_hot") || strstr(ei, "softmax")) && f3like)
            return scenario_at_key(sc, "training.error_info", F3_EINVAL,
                          "error_info %s needs a classification data set; %s is a regression data set", ei, ds);
    }
    const char *loss = scenario_str(sc, "training.loss");
    if (regression && (!strcmp(loss, "bce") || !strcmp(loss, "softmax_ce")))
        return scenario_at_key(sc, "training.loss", F3_EINVAL, "loss %s needs a classification data set; %s is a regression data set (use mse)", loss, ds);
    const known_dataset *k = known(sc);
    const sc_value *in = scenario_get(sc, "network.input"), *outv = scenario_get(sc, "network.output");
    if (k && !in->is_auto && (int)in->num != k->features)
        return scenario_at_key(sc, "network.input", F3_EINVAL, "network.input is %d but %s has %d features (or write auto)", (int)in->num, ds, k->features);
    if (k && !outv->is_auto && (int)outv->num != k->outputs)
        return scenario_at_key(sc, "network.output", F3_EINVAL, "network.output is %d but %s has %d outputs (or write auto)", (int)outv->num, ds, k->outputs);
    if (!strcmp(ds, "csv") && !outv->is_auto && scenario_num(sc, "dataset.classes") > 0 &&
        outv->num != scenario_num(sc, "dataset.classes"))
        return scenario_at_key(sc, "network.output", F3_EINVAL, "network.output is %d but dataset.classes is %d", (int)outv->num, (int)scenario_num(sc, "dataset.classes"));
    if (scenario_is_blocks(sc) && check_blocks(sc) != F3_OK) return F3_EINVAL;
    return F3_OK;
}

/* The trainer's own check of the configuration each learning rule runs
 * with, located at the key it concerns. */
static f3_status check_trainer(const scenario *sc)
{
    const char *loss = scenario_str(sc, "training.loss");
    char algs[SC_MAX_LIST][32];
    size_t na = scenario_algorithms(sc, algs, SC_MAX_LIST);
    const char *alg_key = scenario_get(sc, "training.compare")->n ? "training.compare" : "training.algorithm";
    f3_status st = schema_agrees_with_model();
    for (size_t i = 0; st == F3_OK && i < na; i++) {
        f3_config cfg;
        f3_task task;
        f3_config_field field = F3_CFG_NONE;
        if ((st = scenario_f3_config(sc, algs[i], &cfg, &task)) != F3_OK) break;
        if (cfg.widths[0] == 0) cfg.widths[0] = 1; /* csv, input auto: known once the file is read */
        if (f3_config_check(&cfg, task, &field) == F3_OK) continue;
        char msg[600], why[96] = "", key[96];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        snprintf(key, sizeof key, "%s", key_of_field(field, alg_key));
        if (field == F3_CFG_OUTPUT_ACT && !strcmp(loss, "auto"))
            snprintf(why, sizeof why, " (training.loss auto is bce for a classification data set)");
        else if (field == F3_CFG_ERROR_INFO && na > 1)
            snprintf(why, sizeof why, " (learning rule %.31s)", algs[i]);
        else if (field == F3_CFG_NUMERICS)
            numerics_key(&cfg, task, msg, key, sizeof key);
        return scenario_at_key(sc, key, F3_EINVAL, "%s%s", msg, why);
    }
    return st;
}

/* The chip (hardware_check.c). */
static f3_status check_hardware(const scenario *sc)
{
    return scenario_present(sc, "hardware") ? scenario_check_hardware(sc) : F3_OK;
}

f3_status sc_check_part(const scenario *sc, int part)
{
    static f3_status (*const parts[SC_CHECK_PARTS])(const scenario *) = {check_outputs, check_run, check_trainer,
                                                                         check_hardware};
    return parts[part](sc);
}

f3_status scenario_validate(scenario *sc)
{
    f3_status st = F3_OK;
    for (int part = 0; st == F3_OK && part < SC_CHECK_PARTS; part++) st = sc_check_part(sc, part);
    return st;
}
