/* train_run.c — see train_run.h. */
#include "train_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <openssl/opensslv.h>
#include <zlib.h>

#include "json.h"
#include "results.h"

void train_options_default(train_options *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->dataset, sizeof o->dataset, "mnist");
    const char *env = getenv("F3SIM_DATA_DIR");
    snprintf(o->data_dir, sizeof o->data_dir, "%s", env && *env ? env : "data");
    o->label_column = -1;
    o->wine_test_fraction = 0.2;
    o->hidden[0] = 500;
    o->n_hidden = 1;
    o->cfg = f3_config_default();
    o->epochs = 10;
    o->progress = 1;
    o->write_json = o->write_csv = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void join(char *buf, size_t len, const char *dir, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
}

/* Load the training and test sets named by the options. */
static f3_status load_data(const train_options *o, f3_dataset **train, f3_dataset **test)
{
    char dir[1100], a[1200], b[1200];
    f3_status st;
    const char *ds = o->dataset;
    *train = *test = NULL;
    if (!strcmp(ds, "mnist") || !strcmp(ds, "fashion-mnist")) {
        if (o->data_path[0]) snprintf(dir, sizeof dir, "%s", o->data_path);
        else join(dir, sizeof dir, o->data_dir, ds);
        st = f3_dataset_load_mnist(dir, "train", train);
        if (st == F3_OK) st = f3_dataset_load_mnist(dir, "test", test);
    } else if (!strcmp(ds, "census")) {
        if (o->data_path[0]) snprintf(dir, sizeof dir, "%s", o->data_path);
        else join(dir, sizeof dir, o->data_dir, "census-income");
        join(a, sizeof a, dir, "adult.data");
        join(b, sizeof b, dir, "adult.test");
        st = f3_dataset_load_census(a, train);
        if (st == F3_OK) st = f3_dataset_load_census(b, test);
    } else if (!strcmp(ds, "wine")) {
        if (o->data_path[0]) snprintf(dir, sizeof dir, "%s", o->data_path);
        else join(dir, sizeof dir, o->data_dir, "wine-quality");
        join(a, sizeof a, dir, "winequality-red.csv");
        join(b, sizeof b, dir, "winequality-white.csv");
        st = f3_dataset_load_wine(a, b, o->wine_test_fraction, o->cfg.seed, train, test);
    } else if (!strcmp(ds, "cifar10")) {
        if (o->data_path[0]) snprintf(dir, sizeof dir, "%s", o->data_path);
        else join(dir, sizeof dir, o->data_dir, "cifar-10-batches-bin");
        char paths[5][1200];
        const char *pp[5];
        for (int i = 0; i < 5; i++) {
            snprintf(paths[i], sizeof paths[i], "%s/data_batch_%d.bin", dir, i + 1);
            pp[i] = paths[i];
        }
        join(a, sizeof a, dir, "test_batch.bin");
        const char *tp[1] = {a};
        st = f3_dataset_load_cifar10(pp, 5, train);
        if (st == F3_OK) st = f3_dataset_load_cifar10(tp, 1, test);
    } else if (!strcmp(ds, "csv")) {
        if (!o->data_path[0] || !o->test_path[0])
            return F3_FAIL(F3_EINVAL, "dataset csv needs --data-path TRAIN.csv and --test-path TEST.csv");
        f3_task task = o->classes ? F3_TASK_CLASSIFICATION : F3_TASK_REGRESSION;
        st = f3_dataset_load_csv(o->data_path, o->label_column, task, o->classes, train);
        if (st == F3_OK) st = f3_dataset_load_csv(o->test_path, o->label_column, task, o->classes, test);
    } else {
        return F3_FAIL(F3_EINVAL,
                       "unknown dataset '%s' (expected one of: mnist, fashion-mnist, census, "
                       "wine, cifar10, csv)",
                       ds);
    }
    if (st != F3_OK) {
        f3_dataset_free(*train);
        f3_dataset_free(*test);
        *train = *test = NULL;
        return st;
    }
    if (o->raw) {
        for (f3_dataset *ds = *train;; ds = *test) {
            for (size_t j = 0; j < ds->d; j++) ds->offset[j] = 0.0f, ds->scale[j] = 1.0f;
            if (ds == *test) break;
        }
    }
    if (o->train_limit && o->train_limit < (*train)->n) f3_dataset_truncate(*train, o->train_limit);
    if (o->test_limit && o->test_limit < (*test)->n) f3_dataset_truncate(*test, o->test_limit);
    return F3_OK;
}

typedef struct {
    double train_loss, train_acc, test_loss, test_acc, seconds;
} epoch_row;

static int write_epochs_csv(const char *out, const epoch_row *rows, size_t n, int classify)
{
    atomic_file af;
    if (atomic_open(&af, out, "epochs.csv")) return -1;
    fprintf(af.f, "epoch,train_loss,train_accuracy_percent,test_loss,test_accuracy_percent,seconds\n");
    for (size_t e = 0; e < n; e++) {
        if (classify)
            fprintf(af.f, "%zu,%.6f,%.4f,%.6f,%.4f,%.3f\n", e + 1, rows[e].train_loss,
                    rows[e].train_acc, rows[e].test_loss, rows[e].test_acc, rows[e].seconds);
        else
            fprintf(af.f, "%zu,%.6f,,%.6f,,%.3f\n", e + 1, rows[e].train_loss, rows[e].test_loss,
                    rows[e].seconds);
    }
    return atomic_commit(&af);
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

static void json_ledger(json_writer *w, const f3_trainer *tr)
{
    const f3_ledger *l = tr->ledger;
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
        json_kv_u64(w, "n_in", tr->layers[i].n_in);
        json_kv_u64(w, "n_out", tr->layers[i].n_out);
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

static void progress_line(size_t epoch, size_t epochs, size_t batch, size_t batches,
                          double rate, double eta, double loss)
{
    fprintf(stderr, "\repoch %zu/%zu  batch %zu/%zu  %.0f samples/s  ETA %.0f s  loss %.4f   ",
            epoch, epochs, batch, batches, rate, eta, loss);
    fflush(stderr);
}

int train_run(const train_options *o, const char *command, train_result *res)
{
    return train_run_schedule(o, command, res, NULL);
}

int train_run_schedule(const train_options *o, const char *command, train_result *res,
                       const train_schedule *sched)
{
    double t_start = now_seconds();
    f3_dataset *train = NULL, *test = NULL;
    f3_trainer *tr = NULL;
    epoch_row *rows = NULL;
    float *x = NULL, *t = NULL;
    int32_t *lab = NULL;
    size_t *perm = NULL;
    int rc = 1;

    if (o->threads > 0) f3_blas_set_threads(o->threads);
    if (o->epochs == 0) {
        F3_FAIL(F3_EINVAL, "--epochs must be at least 1");
        return 1;
    }
    if (load_data(o, &train, &test) != F3_OK) return 1;

    if (o->expect_input && o->expect_input != train->d) {
        F3_FAIL(F3_EINVAL, "network.input is %zu but data set %s has %zu features", o->expect_input, o->dataset, train->d);
        goto done;
    }
    if (o->expect_output && o->expect_output != train->n_outputs) {
        F3_FAIL(F3_EINVAL, "network.output is %zu but data set %s has %zu outputs", o->expect_output, o->dataset, train->n_outputs);
        goto done;
    }
    f3_config cfg = o->cfg;
    cfg.n_layers = o->n_hidden + 1;
    cfg.widths[0] = train->d;
    for (size_t i = 0; i < o->n_hidden; i++) cfg.widths[i + 1] = o->hidden[i];
    cfg.widths[cfg.n_layers] = train->n_outputs;
    if (train->task == F3_TASK_REGRESSION) {
        /* the paper's regression defaults: MSE on an identity output, the
         * raw delayed error; what the user chose stays (and is validated) */
        if (!o->set_loss) cfg.loss = F3_LOSS_MSE;
        if (!o->set_output_act) cfg.output_act = F3_ACT_IDENTITY;
        if (!o->set_error_info) cfg.error_info.one_hot = 0;
    }
    if (f3_trainer_alloc(&cfg, train->task, train->n, &tr) != F3_OK) goto done;
    if (f3_error_store_init(tr, train) != F3_OK) goto done;
    if (sched && sched->begin && sched->begin(sched->ctx, tr, train)) goto done;
    if (make_dirs(o->out)) goto done;

    const size_t n = train->n, bs = cfg.batch_size, d = train->d, C = train->n_outputs;
    const int classify = train->task == F3_TASK_CLASSIFICATION;
    x = malloc(bs * d * sizeof *x);
    t = malloc(bs * C * sizeof *t);
    lab = malloc(bs * sizeof *lab);
    perm = malloc(n * sizeof *perm);
    rows = calloc(o->epochs, sizeof *rows);
    if (!x || !t || !lab || !perm || !rows) {
        F3_FAIL(F3_ENOMEM, "out of memory for the batch buffers");
        goto done;
    }
    const int show = o->progress && isatty(STDERR_FILENO);
    const size_t batches = (n + bs - 1) / bs;
    double train_time = 0.0;
    size_t best_epoch = 0;
    for (size_t e = 0; e < o->epochs; e++) {
        double t0 = now_seconds(), last_shown = 0.0;
        f3_stats st = {0};
        f3_epoch_order(cfg.seed, e, perm, n);
        if (sched) {
            /* a timed schedule trains the epoch itself */
            if (sched->epoch(sched->ctx, tr, train, perm, e, &st)) goto done;
        }
        for (size_t s = 0, bi = 0; !sched && s < n; s += bs, bi++) {
            size_t b = n - s < bs ? n - s : bs;
            f3_dataset_gather(train, perm + s, b, x, t, lab);
            if (f3_train_step(tr, x, t, lab, perm + s, b, &st) != F3_OK) goto done;
            if (show) {
                double now = now_seconds();
                if (now - last_shown > 0.2 || bi + 1 == batches) {
                    double el = now - t0, rate = (double)(s + b) / (el > 0 ? el : 1e-9);
                    double remain = (double)(n * (o->epochs - e) - (s + b)) / rate;
                    progress_line(e + 1, o->epochs, bi + 1, batches, rate, remain,
                                  st.loss_sum / (double)st.samples);
                    last_shown = now;
                }
            }
        }
        f3_stats ts;
        if (f3_evaluate(tr, test, &ts) != F3_OK) goto done;
        epoch_row *r = &rows[e];
        r->train_loss = st.loss_sum / (double)st.samples;
        r->train_acc = 100.0 * (double)st.correct / (double)st.samples;
        r->test_loss = ts.loss_sum / (double)ts.samples;
        r->test_acc = 100.0 * (double)ts.correct / (double)ts.samples;
        r->seconds = now_seconds() - t0;
        train_time += r->seconds;
        if (classify ? r->test_acc > rows[best_epoch].test_acc : r->test_loss < rows[best_epoch].test_loss)
            best_epoch = e;
        if (o->write_csv && write_epochs_csv(o->out, rows, e + 1, classify)) goto done;
        if (show) fputc('\n', stderr);
    }

    double best_loss = INFINITY, best_acc = -INFINITY;
    for (size_t e = 0; e < o->epochs; e++) {
        if (rows[e].test_loss < best_loss) best_loss = rows[e].test_loss;
        if (rows[e].test_acc > best_acc) best_acc = rows[e].test_acc;
    }
    char hash[65];
    f3_weights_sha256(tr, hash);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    if (res) {
        f3_counts tot = f3_ledger_sum(tr->ledger, -1, F3_PH_COUNT);
        res->classify = classify;
        res->best_test_accuracy = classify ? best_acc : NAN;
        res->final_test_accuracy = classify ? rows[o->epochs - 1].test_acc : NAN;
        res->best_test_loss = best_loss;
        res->final_test_loss = rows[o->epochs - 1].test_loss;
        res->train_seconds = train_time;
        res->samples_per_second = (double)(n * o->epochs) / train_time;
        res->fma = tot.fma;
        res->elementwise_ops = tot.elem;
        res->peak_act = tr->ledger->peak_act;
        res->peak_err = tr->ledger->peak_err;
        memcpy(res->weights_sha256, hash, sizeof hash);
    }
    if (!o->write_json) {
        rc = 0;
        goto done;
    }
    atomic_file af;
    if (atomic_open(&af, o->out, "run.json")) goto done;
    json_writer w;
    json_init(&w, af.f);
    json_begin_object(&w);
    json_kv_string(&w, "f3sim_version", F3SIM_VERSION);
    json_kv_string(&w, "command", command);
    if (o->scenario_file[0]) {
        json_kv_string(&w, "scenario_file", o->scenario_file);
        json_kv_string(&w, "scenario", o->scenario_name);
        json_kv_string(&w, "sweep_point", o->point_label);
    }
    json_key(&w, "config");
    json_config(&w, o, &cfg);
    json_key(&w, "dataset");
    json_begin_object(&w);
    json_kv_string(&w, "name", o->dataset);
    json_kv_string(&w, "task", classify ? "classification" : "regression");
    json_kv_u64(&w, "train_samples", train->n);
    json_kv_u64(&w, "test_samples", test->n);
    json_kv_u64(&w, "features", d);
    json_kv_u64(&w, "outputs", C);
    json_end_object(&w);
    json_kv_u64(&w, "parameters", f3_parameter_count(&cfg));
    json_key(&w, "epochs");
    json_begin_array(&w);
    for (size_t e = 0; e < o->epochs; e++) {
        json_begin_object(&w);
        json_kv_u64(&w, "epoch", e + 1);
        json_kv_double(&w, "train_loss", rows[e].train_loss);
        json_kv_double(&w, "test_loss", rows[e].test_loss);
        if (classify) {
            json_kv_double(&w, "train_accuracy_percent", rows[e].train_acc);
            json_kv_double(&w, "test_accuracy_percent", rows[e].test_acc);
        }
        json_kv_double(&w, "seconds", rows[e].seconds);
        json_end_object(&w);
    }
    json_end_array(&w);
    json_kv_string(&w, "loss_units", cfg.loss == F3_LOSS_BCE
                                          ? "BCE summed over the outputs, averaged over samples"
                                          : cfg.loss == F3_LOSS_MSE
                                                ? "MSE averaged over outputs and samples"
                                                : "cross-entropy averaged over samples");
    json_key(&w, "best_test_accuracy");
    if (classify) json_double(&w, best_acc);
    else json_null(&w);
    json_key(&w, "final_test_accuracy");
    if (classify) json_double(&w, rows[o->epochs - 1].test_acc);
    else json_null(&w);
    json_kv_string(&w, "accuracy_units", "percent");
    json_kv_double(&w, "best_test_loss", best_loss);
    json_kv_double(&w, "final_test_loss", rows[o->epochs - 1].test_loss);
    json_kv_u64(&w, "best_epoch", best_epoch + 1);
    json_key(&w, "ledger");
    json_ledger(&w, tr);
    /* values that saturated where they were quantised, per tensor class
     * (training only; 0 everywhere in fp32) */
    json_key(&w, "saturations");
    json_begin_object(&w);
    for (int ti = 0; ti < F3_T_COUNT; ti++) json_kv_u64(&w, f3_tensor_names[ti], tr->saturations[ti]);
    json_end_object(&w);
    json_kv_string(&w, "weights_sha256", hash);
    json_kv_u64(&w, "seed", cfg.seed);
    json_kv_double(&w, "train_seconds", train_time);
    json_kv_double(&w, "wall_seconds", now_seconds() - t_start);
    json_kv_double(&w, "samples_per_second", (double)(n * o->epochs) / train_time);
    json_kv_double(&w, "peak_rss_mib", (double)ru.ru_maxrss / 1024.0);
    if (sched && sched->write_json) sched->write_json(sched->ctx, &w);
    json_key(&w, "libraries");
    json_begin_object(&w);
    json_kv_string(&w, "gsl", GSL_VERSION);
    json_kv_string(&w, "blas", f3_blas_config());
    json_kv_string(&w, "zlib", zlibVersion());
    json_kv_string(&w, "openssl", OPENSSL_VERSION_TEXT);
    json_end_object(&w);
    json_end_object(&w);
    if (atomic_commit(&af)) goto done;
    rc = 0;
done:
    free(x);
    free(t);
    free(lab);
    free(perm);
    free(rows);
    if (sched && sched->end) sched->end(sched->ctx);
    f3_trainer_free(tr);
    f3_dataset_free(train);
    f3_dataset_free(test);
    return rc;
}
