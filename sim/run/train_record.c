/* train_record.c — see train_run.h: what a training run records beside its
 * numbers: run.json's head (version, command, configuration, ledger), the
 * hash of the configuration a checkpoint is resumed by, and the run's
 * scenario (scenario.resolved.yaml). */
#include "train_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "io_util.h"
#include "json.h"
#include "overflow_warn.h"
#include "results.h"
#include "train_order.h"

/* ---- f3sim train's scenario ------------------------------------------------------- */

/* v as the shortest decimal that reads back as v. */
static void yaml_number(FILE *f, double v)
{
    char buf[40];
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    fputs(buf, f);
}

/* s as a YAML double-quoted string. */
static void yaml_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f) fprintf(f, "\\x%02x", *c);
        else fputc(*c, f);
    }
    fputc('"', f);
}

/* The options of f3sim train as a scenario (what was not given stays auto). */
static void train_scenario_yaml(const train_options *o, FILE *f)
{
    const f3_config *c = &o->cfg;
    char name[2048], folder[2048];
    snprintf(folder, sizeof folder, "%s", o->out);
    char *slash = strrchr(folder, '/');
    while (slash && slash > folder && !slash[1]) *slash = '\0', slash = strrchr(folder, '/'); /* trailing '/' */
    if (slash) {
        snprintf(name, sizeof name, "%s", slash + 1);
        *slash = '\0';
        if (!folder[0]) snprintf(folder, sizeof folder, "/");
    } else {
        snprintf(name, sizeof name, "%s", folder);
        snprintf(folder, sizeof folder, ".");
    }
    fputs("name: ", f);
    yaml_string(f, name);
    fputs("\nnetwork:\n  hidden: [", f);
    for (size_t i = 0; i < o->n_hidden; i++) fprintf(f, "%s%zu", i ? ", " : "", o->hidden[i]);
    fprintf(f, "]\n  activation: %s\n", f3_activation_name(c->hidden_act));
    fprintf(f, "  output_activation: %s\n", o->set_output_act ? f3_activation_name(c->output_act) : "auto");
    fprintf(f, "  bias: %s\n", c->bias ? "true" : "false");
    fprintf(f, "dataset:\n  name: %s\n  data_dir: ", o->dataset);
    yaml_string(f, o->data_dir);
    fputs("\n  path: ", f);
    yaml_string(f, o->data_path);
    fputs("\n  test_path: ", f);
    yaml_string(f, o->test_path);
    fprintf(f, "\n  label_column: %d\n  classes: %zu\n  train_limit: %zu\n  test_limit: %zu\n", o->label_column,
            o->classes, o->train_limit, o->test_limit);
    fputs("  test_fraction: ", f);
    yaml_number(f, o->wine_test_fraction);
    fprintf(f, "\n  standardize: %s\n", o->raw ? "false" : "true");
    char ei[64];
    f3_error_info_name(c->error_info, ei, sizeof ei);
    fprintf(f, "training:\n  algorithm: %s\n  error_info: %s\n", f3_algorithm_name(c->algorithm),
            o->set_error_info ? ei : "auto");
    fprintf(f, "  e0: %s\n  feedback_init: %s\n", c->e0 == F3_E0_INFERENCE ? "inference" : "targets",
            f3_feedback_init_name(c->feedback_init));
    fprintf(f, "  loss: %s\n  optimizer: %s\n", o->set_loss ? f3_loss_name(c->loss) : "auto",
            f3_optimizer_name(c->optimizer));
    const char *names[4] = {"lr", "beta1", "beta2", "eps"};
    const double values[4] = {c->lr, c->beta1, c->beta2, c->eps};
    for (int i = 0; i < 4; i++) {
        fprintf(f, "  %s: ", names[i]);
        yaml_number(f, values[i]);
        fputc('\n', f);
    }
    fprintf(f, "  epochs: %zu\n  batch_size: %zu\n  seed: %llu\n  threads: %d\n", o->epochs, c->batch_size,
            (unsigned long long)c->seed, o->threads);
    fputs("numerics:\n", f);
    for (int t = 0; t < F3_T_COUNT; t++) {
        char fmt[32];
        f3_format_name(&c->numerics.fmt[t], fmt, sizeof fmt);
        fprintf(f, "  %s: {format: %s, rounding: %s}\n", f3_tensor_names[t], fmt,
                f3_rounding_name(c->numerics.fmt[t].rounding));
    }
    fprintf(f, "  on_overflow: %s\n", overflow_policy_name((overflow_policy)o->on_overflow));
    fprintf(f, "outputs:\n  folder: ");
    yaml_string(f, folder);
    fprintf(f, "\n  formats: [%s%s%s]\n", o->write_json ? "json" : "", o->write_json && o->write_csv ? ", " : "",
            o->write_csv ? "csv" : "");
}

/* dir/scenario.resolved.yaml of a run: the scenario's point, or the
 * scenario of f3sim train's options.  A failure here does not fail the run
 * (0 or -1; the message in f3_last_error()). */
int write_run_scenario(const train_options *o, const char *dir)
{
    if (o->sc) return write_resolved_scenario(dir, o->sc, o->sets, o->n_sets, o->point_label);
    atomic_file af;
    if (atomic_open(&af, dir, "scenario.from-options.yaml")) return -1;
    train_scenario_yaml(o, af.f);
    fflush(af.f);
    scenario *sc = NULL;
    f3_status st = scenario_load(af.tmp, &sc);
    char note[4200];
    snprintf(note, sizeof note, "the command: %s", o->command_line);
    if (st == F3_OK) {
        atomic_abort(&af);
        snprintf(sc->file, sizeof sc->file, "f3sim train's options");
        int rc = write_resolved_scenario(dir, sc, NULL, 0, note);
        scenario_free(sc);
        return rc;
    }
    /* not a valid scenario (it should be): keep the options as written */
    char why[1024];
    snprintf(why, sizeof why, "%s", f3_last_error());
    atomic_file out;
    if (atomic_open(&out, dir, "scenario.resolved.yaml")) {
        atomic_abort(&af);
        return -1;
    }
    atomic_abort(&af);
    fprintf(out.f, "# f3sim train's options as a scenario (not resolved: ");
    for (const char *c = why; *c; c++) fputc(*c == '\n' ? ' ' : *c, out.f);
    fprintf(out.f, ")\n# f3sim %s\n", f3sim_version_string());
    train_scenario_yaml(o, out.f);
    return atomic_commit(&out);
}

static void json_counts(json_writer *w, const f3_counts *c)
{
    json_begin_object(w);
    json_kv_u64(w, "fma", c->fma);
    json_kv_u64(w, "elementwise_ops", c->elem);
    json_key(w, "reads_elements");
    json_begin_object(w);
    for (int m = 0; m < F3_MEM_COUNT; m++) json_kv_u64(w, f3_memclass_name((f3_memclass)m), c->reads[m]);
    json_end_object(w);
    json_key(w, "writes_elements");
    json_begin_object(w);
    for (int m = 0; m < F3_MEM_COUNT; m++) json_kv_u64(w, f3_memclass_name((f3_memclass)m), c->writes[m]);
    json_end_object(w);
    json_end_object(w);
}

void train_json_ledger(json_writer *w, const f3_ledger *l, const f3_config *cfg)
{
    json_begin_object(w);
    json_kv_string(w, "units",
                   "fma: fused multiply-adds (Appendix A counting); elementwise_ops: "
                   "operations; reads/writes: elements (x4 bytes as float32)");
    json_kv_u64(w, "samples", l->samples);
    json_kv_u64(w, "batches", l->batches);
    json_kv_u64(w, "peak_activation_buffer_elements", l->peak_act);
    json_kv_u64(w, "peak_error_store_elements", l->peak_err);
    json_key(w, "total");
    f3_counts tot = f3_ledger_sum(l, -1, F3_PH_COUNT);
    json_counts(w, &tot);
    json_key(w, "per_phase");
    json_begin_object(w);
    for (int p = 0; p < F3_PH_COUNT; p++) {
        f3_counts c = f3_ledger_sum(l, -1, (f3_phase)p);
        json_key(w, f3_phase_name((f3_phase)p));
        json_counts(w, &c);
    }
    json_end_object(w);
    json_key(w, "layers");
    json_begin_array(w);
    for (size_t i = 0; i < l->n_layers; i++) {
        json_begin_object(w);
        json_kv_u64(w, "layer", i + 1);
        json_kv_u64(w, "n_in", cfg->widths[i]);
        json_kv_u64(w, "n_out", cfg->widths[i + 1]);
        for (int p = 0; p < F3_PH_COUNT; p++) {
            json_key(w, f3_phase_name((f3_phase)p));
            json_counts(w, f3_ledger_at((f3_ledger *)l, i, (f3_phase)p));
        }
        json_end_object(w);
    }
    json_end_array(w);
    json_end_object(w);
}

static void json_config(json_writer *w, const train_options *o, const f3_config *c)
{
    char ei[64];
    f3_error_info_name(c->error_info, ei, sizeof ei);
    json_begin_object(w);
    json_kv_string(w, "dataset", o->dataset);
    json_kv_string(w, "algorithm", f3_algorithm_name(c->algorithm));
    if (c->algorithm == F3_ALG_F3) {
        json_kv_string(w, "error_info", ei);
        json_kv_string(w, "e0", c->e0 == F3_E0_INFERENCE ? "inference" : "targets");
    }
    json_kv_string(w, "feedback_init", f3_feedback_init_name(c->feedback_init));
    if (o->is_blocks && !strcmp(o->network_type, "blocks")) {
        json_kv_string(w, "network_type", "blocks");
        json_kv_string(w, "blocks", o->blocks_spec);
    } else if (o->is_blocks) {
        const f3_vit_config *v = &o->vit_cfg;
        json_kv_string(w, "network_type", "vit");
        json_key(w, "vit");
        json_begin_object(w);
        json_kv_u64(w, "depth", v->depth);
        json_kv_u64(w, "width", v->width);
        json_kv_u64(w, "heads", v->heads);
        json_kv_u64(w, "dim_head", v->dim_head);
        json_kv_u64(w, "mlp_dim", v->mlp_dim);
        json_kv_u64(w, "patch_pixels", v->patch);
        json_kv_bool(w, "norm", v->norm);
        json_kv_string(w, "activation", f3_op_act_name(v->act));
        json_end_object(w);
    }
    json_key(w, "widths");
    json_begin_array(w);
    for (size_t i = 0; i <= c->n_layers; i++) json_u64(w, c->widths[i]);
    json_end_array(w);
    json_kv_string(w, "hidden_activation", f3_activation_name(c->hidden_act));
    json_kv_string(w, "output_activation", f3_activation_name(c->output_act));
    json_kv_bool(w, "bias", c->bias);
    json_kv_string(w, "loss", f3_loss_name(c->loss));
    json_kv_string(w, "optimizer", f3_optimizer_name(c->optimizer));
    json_kv_double(w, "lr", c->lr);
    if (c->optimizer == F3_OPT_ADAM) {
        json_kv_double(w, "beta1", c->beta1);
        json_kv_double(w, "beta2", c->beta2);
        json_kv_double(w, "eps", c->eps);
    }
    json_kv_u64(w, "epochs", o->epochs);
    json_kv_u64(w, "batch_size", c->batch_size);
    json_kv_u64(w, "seed", c->seed);
    json_kv_u64(w, "train_limit", o->train_limit);
    json_kv_u64(w, "test_limit", o->test_limit);
    json_kv_bool(w, "standardize", !o->raw);
    json_kv_u64(w, "blas_threads", (uint64_t)f3_blas_threads());
    /* the number format of every tensor class (docs/numerics.md) */
    json_key(w, "numerics");
    json_begin_object(w);
    for (int t = 0; t < F3_T_COUNT; t++) {
        char name[32];
        f3_format_name(&c->numerics.fmt[t], name, sizeof name);
        json_key(w, f3_tensor_names[t]);
        json_begin_object(w);
        json_kv_string(w, "format", name);
        json_kv_string(w, "rounding", f3_rounding_name(c->numerics.fmt[t].rounding));
        json_kv_u64(w, "bits", (uint64_t)f3_format_bits(&c->numerics.fmt[t]));
        json_end_object(w);
    }
    json_end_object(w);
    json_end_object(w);
}

/* SHA-256 (hex) of what decides a run's numbers: the configuration as
 * run.json records it and the data it reads; a checkpoint is resumed
 * only by a run with the same hash. */
int train_config_sha256(const train_options *o, const f3_config *cfg, const char *init_sha256,
                         const train_order *ord, const char *data_sha256, char hex[65])
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) return F3_FAIL(F3_ENOMEM, "out of memory"), -1;
    json_writer w;
    json_init(&w, f);
    json_config(&w, o, cfg);
    fprintf(f, "\n%s\n%s\n%s\n%s\n%d %zu %.17g %d %zu %zu\n", o->dataset, o->data_dir, o->data_path, o->test_path,
            o->label_column, o->classes, o->wine_test_fraction, o->raw, o->expect_input, o->expect_output);
    if (init_sha256[0]) fprintf(f, "init_from %s\n", init_sha256); /* (absent: the hash of runs before it) */
    fprintf(f, "data %s\n", data_sha256); /* the data files' contents, not only their names */
    if (ord && ord->kind != TRAIN_ORDER_SEED) /* (absent: the seed's order, as before) */
        fprintf(f, "order %s %s\n", train_order_kind_name(ord->kind), ord->kind == TRAIN_ORDER_FILE ? ord->sha256 : "");
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = EVP_Digest(text, len, md, &n, EVP_sha256(), NULL);
    free(text);
    if (!ok) return F3_FAIL(F3_EINVAL, "SHA-256 failed"), -1;
    for (unsigned int i = 0; i < n && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    hex[64] = '\0';
    return 0;
}

/* run.json's "order" and "saved_weights" (see train_json_head) */
static void json_order_saves(json_writer *w, const train_options *o, const train_order *ord)
{
    json_key(w, "order");
    json_begin_object(w);
    const train_order_kind k = ord ? ord->kind : TRAIN_ORDER_SEED;
    json_kv_string(w, "source", train_order_kind_name(k));
    if (k == TRAIN_ORDER_FILE) {
        json_kv_string(w, "file", o->order_file);
        json_kv_string(w, "sha256", ord->sha256);
        json_kv_u64(w, "permutations", ord->perms);
    }
    json_end_object(w);
    json_key(w, "saved_weights");
    if (!o->save_init[0] && !o->n_save_steps && !o->save_epochs) {
        json_null(w);
        return;
    }
    json_begin_object(w);
    json_key(w, "init");
    if (o->save_init[0]) json_string(w, o->save_init);
    else json_null(w);
    json_key(w, "steps");
    json_begin_array(w);
    for (size_t i = 0; i < o->n_save_steps; i++) json_u64(w, o->save_steps[i]);
    json_end_array(w);
    json_kv_bool(w, "every_epoch", o->save_epochs);
    json_end_object(w);
}

void train_json_head(json_writer *w, const train_options *o, const f3_config *cfg, const char *command,
                     const char *init_sha256, const train_order *ord)
{
    json_kv_string(w, "f3sim_version", F3SIM_VERSION);
    json_kv_string(w, "git_commit", F3SIM_GIT_COMMIT);
    json_kv_string(w, "command", command);
    json_kv_string(w, "command_line", o->command_line);
    if (o->scenario_file[0]) {
        json_kv_string(w, "scenario_file", o->scenario_file);
        json_kv_string(w, "scenario", o->scenario_name);
        json_kv_string(w, "sweep_point", o->point_label);
        json_key(w, "set_overrides");
        json_begin_array(w);
        for (size_t i = 0; i < o->n_sets; i++) json_string(w, o->sets[i]);
        json_end_array(w);
    }
    json_kv_string(w, "resolved_scenario", "scenario.resolved.yaml");
    json_key(w, "init_from");
    if (o->init_from[0]) {
        json_begin_object(w);
        json_kv_string(w, "file", o->init_from);
        json_kv_string(w, "sha256", init_sha256);
        json_end_object(w);
    } else json_null(w);
    json_order_saves(w, o, ord);
    json_key(w, "config");
    json_config(w, o, cfg);
}

