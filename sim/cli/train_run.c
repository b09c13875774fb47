/* train_run.c — see train_run.h. */
#include "train_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_version.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <zlib.h>

#include "checkpoint.h"
#include "data_hash.h"
#include "f3/blocktrain.h"
#include "f3/vit.h"
#include "cli_util.h"
#include "json.h"
#include "overflow_warn.h"
#include "results.h"
#include "train_order.h"

int set_init_from(train_options *o, const char *path)
{
    if (strlen(path) >= sizeof o->init_from)
        return F3_FAIL(F3_EINVAL, "--init-from: the path is longer than %zu bytes", sizeof o->init_from - 1), -1;
    if (access(path, R_OK))
        return F3_FAIL(F3_EINVAL, "--init-from %s: %s", path, strerror(errno)), -1;
    snprintf(o->init_from, sizeof o->init_from, "%s", path);
    return 0;
}

int set_order_file(train_options *o, const char *path)
{
    if (strlen(path) >= sizeof o->order_file)
        return F3_FAIL(F3_EINVAL, "--order: the path is longer than %zu bytes", sizeof o->order_file - 1), -1;
    if (access(path, R_OK)) return F3_FAIL(F3_EINVAL, "--order %s: %s", path, strerror(errno)), -1;
    snprintf(o->order_file, sizeof o->order_file, "%s", path);
    return 0;
}

/* path's folder ("." for a bare name) and file name */
static int split_path(const char *path, char *dir, size_t dlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    if (!slash) return snprintf(dir, dlen, ".") < 0;
    size_t k = (size_t)(slash - path);
    if (k >= dlen) return -1;
    memcpy(dir, path, k ? k : 1); /* "/x.npz": the root */
    dir[k ? k : 1] = '\0';
    return 0;
}

int set_save_init(train_options *o, const char *path)
{
    char dir[1024];
    const char *base;
    struct stat sb;
    if (strlen(path) >= sizeof o->save_init || split_path(path, dir, sizeof dir, &base))
        return F3_FAIL(F3_EINVAL, "--save-init: the path is longer than %zu bytes", sizeof o->save_init - 1), -1;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return F3_FAIL(F3_EINVAL, "--save-init %s: names a folder; give a file name, e.g. %sinit.npz", path,
                       *base ? "" : path),
               -1;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return F3_FAIL(F3_EINVAL, "--save-init %s: the folder %s does not exist", path, dir), -1;
    snprintf(o->save_init, sizeof o->save_init, "%s", path);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int parse_save_steps(train_options *o, const char *list)
{
    char buf[4096];
    if (strlen(list) >= sizeof buf) return F3_FAIL(F3_EINVAL, "--save-steps: the list is too long"), -1;
    snprintf(buf, sizeof buf, "%s", list);
    size_t n = 0, len = strlen(list);
    if (!len || list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,")) /* strtok_r would skip an empty item */
        return F3_FAIL(F3_EINVAL, "--save-steps expects step numbers from 1 separated by commas (e.g. 1,10,100), "
                                  "got '%s'",
                       list),
               -1;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (n == TRAIN_MAX_SAVE_STEPS)
            return F3_FAIL(F3_EINVAL, "--save-steps: at most %d steps", TRAIN_MAX_SAVE_STEPS), -1;
        if (parse_u64("--save-steps", tok, &v) || v == 0)
            return F3_FAIL(F3_EINVAL, "--save-steps expects step numbers from 1 separated by commas (e.g. 1,10,100), "
                                      "got '%s'",
                           list),
                   -1;
        o->save_steps[n++] = v;
    }
    qsort(o->save_steps, n, sizeof *o->save_steps, cmp_u64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || o->save_steps[i] != o->save_steps[k - 1]) o->save_steps[k++] = o->save_steps[i];
    o->n_save_steps = k;
    return 0;
}

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

static void append(char *buf, size_t len, size_t *n, const char *s, size_t k)
{
    for (size_t i = 0; i < k && *n + 1 < len; i++) buf[(*n)++] = s[i];
    buf[*n] = '\0';
}

void command_line_text(char *buf, size_t len, int argc, char **argv)
{
    size_t n = 0;
    if (!len) return;
    buf[0] = '\0';
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        int plain = *a != '\0';
        for (const char *c = a; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
                  strchr("-_./=,:+@%", *c)))
                plain = 0;
        if (i) append(buf, len, &n, " ", 1);
        if (plain) {
            append(buf, len, &n, a, strlen(a));
            continue;
        }
        append(buf, len, &n, "'", 1);
        for (const char *c = a; *c; c++) append(buf, len, &n, *c == '\'' ? "'\\''" : c, *c == '\'' ? 4 : 1);
        append(buf, len, &n, "'", 1);
    }
    if (n + 1 >= len && len > 8) snprintf(buf + len - 8, 8, " [...]");
}

/* ---- options: the ranges of their scenario keys ------------------------------ */

static const char *const DATASETS[] = {"mnist", "fashion-mnist", "census", "wine", "cifar10", "csv", NULL};

/* 0, or EXIT_USAGE with the message in f3_last_error(). */
static int check_options(const train_options *o)
{
    int known = 0;
    for (int i = 0; DATASETS[i]; i++) known |= !strcmp(o->dataset, DATASETS[i]);
    if (!known) {
        F3_FAIL(F3_EINVAL, "unknown dataset '%s' (expected one of: mnist, fashion-mnist, census, wine, cifar10, csv)",
                o->dataset);
        return EXIT_USAGE;
    }
    if (!strcmp(o->dataset, "csv") && (!o->data_path[0] || !o->test_path[0])) {
        F3_FAIL(F3_EINVAL, "dataset csv needs --data-path TRAIN.csv and --test-path TEST.csv");
        return EXIT_USAGE;
    }
    const f3_config *c = &o->cfg;
    if (check_key_bound("--epochs", "training.epochs", (double)o->epochs) ||
        check_key_bound("--batch-size", "training.batch_size", (double)c->batch_size) ||
        check_key_bound("--lr", "training.lr", c->lr) ||
        check_key_bound("--threads", "training.threads", (double)o->threads) ||
        check_key_bound("--seed", "training.seed", (double)c->seed) ||
        check_key_bound("--train-limit", "dataset.train_limit", (double)o->train_limit) ||
        check_key_bound("--test-limit", "dataset.test_limit", (double)o->test_limit) ||
        check_key_bound("--classes", "dataset.classes", (double)o->classes) ||
        check_key_bound("--label-column", "dataset.label_column", (double)o->label_column))
        return EXIT_USAGE;
    for (size_t i = 0; i < o->n_hidden; i++)
        if (check_key_bound("--hidden", "network.hidden", (double)o->hidden[i])) return EXIT_USAGE;
    if (o->order_file[0] && o->no_shuffle) {
        F3_FAIL(F3_EINVAL, "--order and --no-shuffle both set the sample order; give one");
        return EXIT_USAGE;
    }
    if (o->save_init[0] && o->resume) {
        F3_FAIL(F3_EINVAL, "--save-init with --resume: a resumed run goes on from its checkpoint, not from its "
                           "initial state; save it in the first run");
        return EXIT_USAGE;
    }
    return 0;
}

f3_status train_load_data(const train_options *o, f3_dataset **train, f3_dataset **test)
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

typedef ckpt_row epoch_row;

/* dir/name with one row per epoch done. */
static int write_epochs_csv(const char *dir, const char *name, const epoch_row *rows, size_t n, int classify)
{
    atomic_file af;
    if (atomic_open(&af, dir, name)) return -1;
    fprintf(af.f, "epoch,train_loss,train_accuracy_percent,test_loss,test_accuracy_percent,seconds,train_seconds,"
                  "test_seconds\n");
    for (size_t e = 0; e < n; e++) {
        const double tr_s = rows[e].train_seconds, te_s = rows[e].test_seconds;
        if (classify)
            fprintf(af.f, "%zu,%.6f,%.4f,%.6f,%.4f,%.6f,%.6f,%.6f\n", e + 1, rows[e].train_loss, rows[e].train_acc,
                    rows[e].test_loss, rows[e].test_acc, tr_s + te_s, tr_s, te_s);
        else
            fprintf(af.f, "%zu,%.6f,,%.6f,,%.6f,%.6f,%.6f\n", e + 1, rows[e].train_loss, rows[e].test_loss,
                    tr_s + te_s, tr_s, te_s);
    }
    return atomic_commit(&af);
}

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

/* ---- progress ------------------------------------------------------------------------ */

/* "42 s", "3 min 05 s", "2 h 07 min" */
static void duration_text(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) snprintf(buf, len, "?");
    else if (s < 60) snprintf(buf, len, "%.0f s", s);
    else if (s < 3600) snprintf(buf, len, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    else snprintf(buf, len, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

#define PROGRESS_PERCENT 10 /* a line every 10 % of the run where stderr is not a terminal */

typedef struct {
    int on, tty;
    char who[160];        /* "f3sim run: f3-error" */
    size_t epochs, batches, total; /* batches per epoch, in the run */
    size_t bs, n;         /* batch size, training samples */
    double t0, shown;     /* loop start, last terminal update */
    size_t next_percent;
} progress;

static void progress_init(progress *p, const train_options *o, const char *command, size_t n, size_t bs)
{
    memset(p, 0, sizeof *p);
    p->on = o->progress;
    p->tty = isatty(STDERR_FILENO);
    snprintf(p->who, sizeof p->who, "f3sim %s: %s", command,
             o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm));
    p->epochs = o->epochs;
    p->batches = (n + bs - 1) / bs;
    p->total = p->batches * o->epochs;
    p->bs = bs;
    p->n = n;
    p->t0 = now_seconds();
    p->next_percent = PROGRESS_PERCENT;
}

/* After batch bi (0-based) of epoch e (0-based); loss: the epoch's mean so far. */
static void progress_batch(progress *p, size_t e, size_t bi, double loss)
{
    if (!p->on) return;
    double now = now_seconds(), el = now - p->t0;
    size_t done = e * p->batches + bi + 1;
    size_t in_epoch = (bi + 1) * p->bs < p->n ? (bi + 1) * p->bs : p->n;
    double rate = (double)(e * p->n + in_epoch) / (el > 0 ? el : 1e-9);
    char eta[48];
    duration_text(el / (double)done * (double)(p->total - done), eta, sizeof eta);
    if (p->tty) {
        if (now - p->shown < 0.2 && bi + 1 < p->batches) return;
        p->shown = now;
        fprintf(stderr, "\r%s  epoch %zu/%zu  batch %zu/%zu  %.0f samples/s  loss %.4f  ETA %s   ", p->who, e + 1,
                p->epochs, bi + 1, p->batches, rate, loss, eta);
        fflush(stderr);
        return;
    }
    size_t percent = done * 100 / p->total;
    if (percent < p->next_percent || bi + 1 == p->batches) return; /* an epoch's last batch: its line */
    while (p->next_percent <= percent) p->next_percent += PROGRESS_PERCENT;
    fprintf(stderr, "%s: epoch %zu/%zu, batch %zu/%zu (%zu %% of the run), %.0f samples/s, loss %.4f, ETA %s\n",
            p->who, e + 1, p->epochs, bi + 1, p->batches, percent, rate, loss, eta);
}

/* At the end of epoch e: one line per epoch on a terminal, the last one
 * (100 %) in a log. */
static void progress_epoch(progress *p, size_t e, const epoch_row *r, int classify)
{
    if (!p->on) return;
    double el = now_seconds() - p->t0;
    size_t done = (e + 1) * p->batches;
    char eta[48], test[64];
    duration_text(el / (double)done * (double)(p->total - done), eta, sizeof eta);
    if (classify) snprintf(test, sizeof test, "test accuracy %.2f %%", r->test_acc);
    else snprintf(test, sizeof test, "test loss %.4f", r->test_loss);
    if (p->tty) {
        fprintf(stderr, "\r%s  epoch %zu/%zu  train loss %.4f  %s  %.1f s  ETA %s          \n", p->who, e + 1,
                p->epochs, r->train_loss, test, r->train_seconds + r->test_seconds, eta);
        return;
    }
    size_t percent = done * 100 / p->total;
    if (percent < p->next_percent && e + 1 < p->epochs) return;
    while (p->next_percent <= percent) p->next_percent += PROGRESS_PERCENT;
    fprintf(stderr, "%s: epoch %zu/%zu done (%zu %% of the run), train loss %.4f, %s, ETA %s\n", p->who, e + 1,
            p->epochs, percent, r->train_loss, test, eta);
}

/* A terminal's progress line is left open while an epoch runs. */
static void progress_break(progress *p)
{
    if (p->on && p->tty) fputc('\n', stderr);
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

/* ---- the run ------------------------------------------------------------------------------ */

/* SHA-256 (hex) of what decides a run's numbers: the configuration as
 * run.json records it and the data it reads; a checkpoint is resumed
 * only by a run with the same hash. */
static int config_sha256(const train_options *o, const f3_config *cfg, const char *init_sha256,
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

/* The network a run trains: the MLP trainer, or a block network's
 * (network.type vit) with the batch size it was made for. */
typedef struct {
    f3_trainer *mlp;
    f3_blocktrainer *blk;
    size_t batch;
} run_net;

static f3_status net_step(run_net *nt, const float *x, const float *t, const int32_t *lab, const size_t *idx,
                          size_t b, f3_stats *st)
{
    return nt->mlp ? f3_train_step(nt->mlp, x, t, lab, idx, b, st) : f3_blocktrainer_step(nt->blk, x, t, idx, b, st);
}

/* the 1-based layer (block) whose weights are no longer finite, or 0 */
static size_t net_diverged(run_net *nt)
{
    size_t k = 0;
    if (nt->mlp) return nt->mlp->diverged_layer;
    return f3_blocktrainer_finite(nt->blk, &k) ? 0 : k;
}

static f3_status net_evaluate(run_net *nt, const f3_dataset *test, f3_stats *ts)
{
    return nt->mlp ? f3_evaluate(nt->mlp, test, ts) : f3_blocktrainer_evaluate(nt->blk, test, nt->batch, ts);
}

/* the run's ledger (a block network's: one layer per block) */
static const f3_ledger *net_ledger(const run_net *nt)
{
    return nt->mlp ? nt->mlp->ledger : f3_blocktrainer_ledger(nt->blk);
}

/* the block trainer of o's blocks into nt->blk; 0, or -1 with f3_last_error() */
static int net_new_blocks(run_net *nt, const train_options *o, const f3_config *cfg, const f3_dataset *train)
{
    if (!o->n_blocks || f3_block_in_size(&o->blocks[0]) != train->d) {
        F3_FAIL(F3_EINVAL, "the first block takes %zu values per sample; the data set has %zu features",
                o->n_blocks ? f3_block_in_size(&o->blocks[0]) : 0, train->d);
        return -1;
    }
    const f3_blocktrain_config bc = {cfg->algorithm, cfg->error_info, cfg->optimizer, cfg->lr, cfg->beta1,
                                     cfg->beta2,     cfg->eps,        train->n_outputs};
    if (!(nt->blk = f3_blocktrainer_new(o->blocks, o->n_blocks, &bc, cfg->batch_size, train->n, cfg->seed))) return -1;
    nt->batch = cfg->batch_size;
    /* the number formats, streams from the run's seed as the MLP trainer's */
    if (f3_blocktrainer_set_numerics(nt->blk, &cfg->numerics, cfg->seed) != F3_OK) return -1;
    return 0;
}

int train_run(const train_options *o, const char *command, train_result *res)
{
    return train_run_schedule(o, command, res, NULL);
}

/* "diverged at epoch E, batch B (layer L): …" into f3_last_error(). */
static void diverged(const train_options *o, size_t epoch, size_t batch, size_t layer, const char *what)
{
    F3_FAIL(F3_ERANGE, "diverged at epoch %zu, batch %zu (layer %zu): %s; a smaller learning rate than %g may help",
            epoch, batch, layer, what, o->cfg.lr);
}

static const char WEIGHTS_NOT_FINITE[] = "its weights are no longer finite (NaN or infinity) after the update";

/* The sample order (the seed's, 0 … n−1, or o->order_file's, checked
 * against the training set) into *ord, and the saving options checked
 * against the run: a step beyond its last, steps on a schedule that trains
 * whole epochs.  0; EXIT_USAGE when something does not fit, EXIT_RUNTIME
 * when the order file cannot be read; the reason in f3_last_error(). */
static int order_and_saves(const train_options *o, const f3_config *cfg, const f3_dataset *train,
                           const train_schedule *sched, train_order *ord)
{
    if (o->order_file[0]) {
        int rc = train_order_load(ord, o->order_file, train->n, o->epochs);
        if (rc) return rc == 2 ? EXIT_USAGE : EXIT_RUNTIME;
    } else if (o->no_shuffle) {
        ord->kind = TRAIN_ORDER_NONE;
    }
    const size_t batches = (train->n + cfg->batch_size - 1) / cfg->batch_size;
    if (o->n_save_steps && o->save_steps[o->n_save_steps - 1] > (uint64_t)o->epochs * batches)
        return F3_FAIL(F3_EINVAL,
                       "--save-steps %llu: the run has %llu steps (%zu epoch%s of %zu batches of up to %zu samples)",
                       (unsigned long long)o->save_steps[o->n_save_steps - 1], (unsigned long long)o->epochs * batches,
                       o->epochs, o->epochs == 1 ? "" : "s", batches, cfg->batch_size),
               EXIT_USAGE;
    if (o->n_save_steps && sched && sched->epoch)
        return F3_FAIL(F3_EINVAL, "--save-steps: the chip model trains an epoch at a time; save whole epochs instead"),
               EXIT_USAGE;
    return 0;
}

/* o->save_init: the trainer's initial W, b and B */
static int save_initial(const train_options *o, const f3_trainer *tr)
{
    char dir[1024];
    const char *base;
    if (split_path(o->save_init, dir, sizeof dir, &base))
        return F3_FAIL(F3_EINVAL, "--save-init %s: the path is too long", o->save_init), -1;
    return params_npz_write(dir, base, tr);
}

int train_run_schedule(const train_options *o, const char *command, train_result *res,
                       const train_schedule *sched)
{
    double t_start = now_seconds();
    f3_dataset *train = NULL, *test = NULL;
    f3_trainer *tr = NULL;
    run_net nt = {0};
    epoch_row *rows = NULL;
    float *x = NULL, *t = NULL;
    int32_t *lab = NULL;
    size_t *perm = NULL;
    train_order ord = {0};
    int rc = EXIT_RUNTIME, have_status = 0, sig = 0;
    run_status rs;
    dir_lock lock = {-1};
    char partial_path[4200] = "";
    overflow_watch ow = {0};

    cli_signals_install();
    if ((rc = check_options(o))) return rc;
    rc = EXIT_RUNTIME;
    if ((sig = cli_stop_signal())) {
        F3_FAIL(F3_EINVAL, "stopped by %s before the run began", cli_signal_name(sig));
        return EXIT_SIGNAL(sig);
    }
    if (train_load_data(o, &train, &test) != F3_OK) return EXIT_RUNTIME;

    if (o->expect_input && o->expect_input != train->d) {
        F3_FAIL(F3_EINVAL, "network.input is %zu but data set %s has %zu features", o->expect_input, o->dataset, train->d);
        rc = EXIT_USAGE;
        goto done;
    }
    if (o->expect_output && o->expect_output != train->n_outputs) {
        F3_FAIL(F3_EINVAL, "network.output is %zu but data set %s has %zu outputs", o->expect_output, o->dataset, train->n_outputs);
        rc = EXIT_USAGE;
        goto done;
    }
    f3_config cfg = o->cfg;
    if (!o->is_blocks) { /* a network of blocks: its widths are its blocks' outputs, as the scenario gave them */
        cfg.n_layers = o->n_hidden + 1;
        for (size_t i = 0; i < o->n_hidden; i++) cfg.widths[i + 1] = o->hidden[i];
    }
    cfg.widths[0] = train->d;
    cfg.widths[cfg.n_layers] = train->n_outputs;
    const int saves = o->save_init[0] || o->n_save_steps || o->save_epochs;
    if (o->is_blocks && (o->init_from[0] || o->checkpoint_every || saves)) {
        F3_FAIL(F3_EINVAL, "network.type %s: %s not yet for a network of blocks", o->network_type,
                o->init_from[0] ? "--init-from is" : o->checkpoint_every ? "checkpoints are" : "saving weights is");
        rc = EXIT_USAGE;
        goto done;
    }
    if (train->task == F3_TASK_REGRESSION) {
        /* the paper's regression defaults: MSE on an identity output, the
         * raw delayed error; what the user chose stays (and is validated) */
        if (!o->set_loss) cfg.loss = F3_LOSS_MSE;
        if (!o->set_output_act) cfg.output_act = F3_ACT_IDENTITY;
        if (!o->set_error_info) cfg.error_info.one_hot = 0;
    }
    /* the configuration against the data: an invalid one is a usage error,
     * as the same configuration is under f3sim check */
    if (f3_config_validate(&cfg, train->task) != F3_OK) {
        rc = EXIT_USAGE;
        goto done;
    }
    if (cfg.batch_size > train->n) {
        F3_FAIL(F3_EINVAL,
                "the batch size %zu is larger than the training set of %s (%zu samples%s); use a batch of at most %zu "
                "(--batch-size, training.batch_size)",
                cfg.batch_size, o->dataset, train->n, o->train_limit ? ", after the train limit" : "", train->n);
        rc = EXIT_USAGE;
        goto done;
    }
    int orc = order_and_saves(o, &cfg, train, sched, &ord);
    if (orc) {
        rc = orc;
        goto done;
    }
    if (o->is_blocks ? net_new_blocks(&nt, o, &cfg, train) : f3_trainer_alloc(&cfg, train->task, train->n, &tr) != F3_OK)
        goto done;
    nt.mlp = tr;
    /* the BLAS threads once the big allocations are made: at most the
     * cores, and as many as can start and have room */
    if (o->threads > 0) {
        f3_blas_set_threads(o->threads);
        if (f3_blas_threads() != o->threads && o->progress)
            fprintf(stderr, "f3sim %s: %s %d: using %d BLAS threads (the cores this process may run on, or what "
                            "could start)\n",
                    command, !strcmp(command, "train") ? "--threads" : "training.threads", o->threads,
                    f3_blas_threads());
    }
    /* a given initial state, before e_0 (an inference epoch uses the weights) */
    char init_sha[65] = "";
    if (o->init_from[0]) {
        size_t unused = 0;
        int irc = init_from_npz(o->init_from, tr, init_sha, &unused);
        if (irc) {
            rc = irc == 2 ? EXIT_USAGE : EXIT_RUNTIME;
            goto done;
        }
        if (o->progress)
            fprintf(stderr, "f3sim %s: %s: starting from %s%s\n", command,
                    o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->init_from,
                    unused ? " (its feedback matrices are not used by this rule)" : "");
    }
    if ((tr ? f3_error_store_init(tr, train) : f3_blocktrainer_store_targets(nt.blk, train)) != F3_OK) goto done;
    /* the chip's timing state (every tile's clock, the DRAM's calendar) is
     * not checkpointed: a chip run cannot write one, and a resumed chip
     * point that did not finish runs again from the start */
    if (sched && o->checkpoint_every) {
        F3_FAIL(F3_EINVAL, "outputs.checkpoint_every: checkpoints are not written on the chip model (a hardware "
                           "section): its timing state is not saved; a chip point that did not finish runs again "
                           "under --resume");
        rc = EXIT_USAGE;
        goto done;
    }
    const int may_resume = o->resume && !sched && tr;
    if (sched && o->resume && o->progress)
        fprintf(stderr, "f3sim %s: %s: the chip model keeps no checkpoint; running from the beginning\n", command,
                o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm));
    char cfg_hash[65], data_sha[65];
    if (data_files_sha256(o->dataset, o->data_dir, o->data_path, o->test_path, data_sha) ||
        config_sha256(o, &cfg, init_sha, &ord, data_sha, cfg_hash))
        goto done;
    if (sched && sched->begin && sched->begin(sched->ctx, tr, nt.blk, &cfg, train)) goto done;

    /* the results folder: created now (a run that fails before leaves
     * none), locked, cleared of an earlier run's files, marked running */
    struct stat out_st;
    const int out_existed = stat(o->out, &out_st) == 0;
    if (make_dirs(o->out)) goto done;
    int lk = dir_lock_take(&lock, o->out, 1);
    if (lk) {
        if (!out_existed) rmdir(o->out); /* refused: leave nothing behind (only the empty folder it made) */
        goto done;
    }
    size_t start_epoch = 0;
    int resuming = may_resume && checkpoint_exists(o->out);
    rows = calloc(o->epochs, sizeof *rows);
    if (!rows) {
        F3_FAIL(F3_ENOMEM, "out of memory for the epochs' rows");
        goto done;
    }
    if (resuming) {
        int crc = checkpoint_read(o->out, tr, &start_epoch, rows, o->epochs,
                                  (train->n + cfg.batch_size - 1) / cfg.batch_size, cfg_hash, data_sha);
        if (crc) {
            /* the folder's status.json (an earlier run's, maybe "running"
             * from a killed process) says the resume was refused, and why */
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", f3_last_error());
            if (!run_status_start(&rs, o->out, o->sc ? "rule" : "train", o->command_line)) have_status = 1;
            F3_FAIL(F3_EINVAL, "%s", msg);
            rc = crc == 2 ? EXIT_USAGE : EXIT_RUNTIME;
            goto done;
        }
        if (o->progress)
            fprintf(stderr, "f3sim %s: %s: resuming from %s/checkpoint.npz after epoch %zu of %zu\n", command,
                    o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->out, start_epoch, o->epochs);
    } else if (may_resume && o->progress) {
        fprintf(stderr, "f3sim %s: %s: no checkpoint in %s/; starting from the beginning\n", command,
                o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->out);
    }
    if (!resuming && clear_outputs(o->out)) goto done;
    if (run_status_start(&rs, o->out, o->sc ? "rule" : "train", o->command_line)) goto done;
    have_status = 1;
    rs.epochs = o->epochs;
    if (write_run_scenario(o, o->out))
        fprintf(stderr, "f3sim %s: warning: %s (the run goes on)\n", command, f3_last_error());
    if (o->save_init[0] && save_initial(o, tr)) goto done;
    snprintf(partial_path, sizeof partial_path, "%s/epochs.partial.csv", o->out);

    const size_t n = train->n, bs = cfg.batch_size, d = train->d, C = train->n_outputs;
    const size_t K = cfg.n_layers;
    const int classify = train->task == F3_TASK_CLASSIFICATION;
    x = malloc(bs * d * sizeof *x);
    t = malloc(bs * C * sizeof *t);
    lab = malloc(bs * sizeof *lab);
    perm = malloc(n * sizeof *perm);
    if (!x || !t || !lab || !perm) {
        F3_FAIL(F3_ENOMEM, "out of memory for the batch buffers");
        goto done;
    }
    const size_t batches = (n + bs - 1) / bs;
    if (overflow_watch_init(&ow, rows, o->epochs, start_epoch, tr)) goto done;
    progress pg;
    progress_init(&pg, o, command, n, bs);
    double train_time = 0.0, test_time = 0.0, status_written = now_seconds();
    size_t best_epoch = 0;
    rs.epochs_done = start_epoch;
    for (size_t e = 0; e < start_epoch; e++) {
        train_time += rows[e].train_seconds, test_time += rows[e].test_seconds;
        if (classify ? rows[e].test_acc > rows[best_epoch].test_acc : rows[e].test_loss < rows[best_epoch].test_loss)
            best_epoch = e;
    }
    if (resuming && start_epoch && o->write_csv &&
        write_epochs_csv(o->out, "epochs.partial.csv", rows, start_epoch, classify))
        goto done;
    /* a schedule with an epoch function times the training itself (the
     * SystemC chip); one without leaves it to the plain loop below */
    const int timed = sched && sched->epoch;
    size_t next_save = 0; /* the first of o->save_steps still to come */
    while (next_save < o->n_save_steps && o->save_steps[next_save] <= (uint64_t)start_epoch * batches) next_save++;
    for (size_t e = start_epoch; e < o->epochs; e++) {
        double t0 = now_seconds();
        f3_stats st = {0};
        train_order_epoch(&ord, cfg.seed, e, perm, n);
        if (timed) {
            /* a timed schedule trains the epoch itself */
            int erc = sched->epoch(sched->ctx, perm, e, &st);
            uint64_t dstep = tr ? tr->diverged_step : 0;
            const size_t dlayer = tr ? tr->diverged_layer : sched->diverged ? sched->diverged(sched->ctx, &dstep) : 0;
            if (dlayer) {
                uint64_t s = dstep ? dstep - 1 : 0;
                diverged(o, (size_t)(s / batches) + 1, (size_t)(s % batches) + 1, dlayer, WEIGHTS_NOT_FINITE);
                goto done;
            }
            if (erc == TRAIN_EPOCH_STOPPED && (sig = cli_stop_signal())) {
                progress_break(&pg);
                rs.epoch = e + 1;
                rs.batch = st.samples / bs;
                rs.batches = batches;
                goto stopped;
            }
            if (erc) goto done;
            if (!isfinite(st.loss_sum)) {
                diverged(o, e + 1, batches, K, "the training loss is not finite (in this epoch)");
                goto done;
            }
            progress_batch(&pg, e, batches - 1, st.loss_sum / (double)st.samples);
        }
        for (size_t s = 0, bi = 0; !timed && s < n; s += bs, bi++) {
            size_t b = n - s < bs ? n - s : bs;
            f3_dataset_gather(train, perm + s, b, x, t, lab);
            const f3_status sst = net_step(&nt, x, t, lab, perm + s, b, &st);
            /* the MLP trainer flags a divergence itself; a block network's weights are scanned once */
            const size_t bad = sst != F3_OK || !tr ? net_diverged(&nt) : 0;
            if (sst != F3_OK || bad) {
                progress_break(&pg);
                if (bad) diverged(o, e + 1, bi + 1, bad, WEIGHTS_NOT_FINITE);
                goto done;
            }
            if (!isfinite(st.loss_sum)) {
                progress_break(&pg);
                diverged(o, e + 1, bi + 1, K, "the training loss is not finite");
                goto done;
            }
            progress_batch(&pg, e, bi, st.loss_sum / (double)st.samples);
            if (next_save < o->n_save_steps && o->save_steps[next_save] == (uint64_t)e * batches + bi + 1) {
                char name[48];
                snprintf(name, sizeof name, "step-%llu.npz", (unsigned long long)o->save_steps[next_save++]);
                if (params_npz_write(o->out, name, tr)) {
                    progress_break(&pg);
                    goto done;
                }
            }
            /* after an epoch's last batch the epoch is finished (tested,
             * recorded) before the run stops */
            if (bi + 1 < batches && (sig = cli_stop_signal())) {
                progress_break(&pg);
                rs.epoch = e + 1;
                rs.batch = bi + 1;
                rs.batches = batches;
                goto stopped;
            }
        }
        const double t1 = now_seconds();
        f3_stats ts;
        if (net_evaluate(&nt, test, &ts) != F3_OK) goto done;
        epoch_row *r = &rows[e];
        r->train_loss = st.loss_sum / (double)st.samples;
        r->train_acc = 100.0 * (double)st.correct / (double)st.samples;
        r->test_loss = ts.loss_sum / (double)ts.samples;
        r->test_acc = 100.0 * (double)ts.correct / (double)ts.samples;
        r->train_seconds = t1 - t0, r->test_seconds = now_seconds() - t1;
        overflow_watch_take(&ow, tr, e); /* the epoch's saturation and underflow counts, into r->q */
        if (!isfinite(r->test_loss)) {
            progress_break(&pg);
            diverged(o, e + 1, batches, K, "the test loss after the epoch is not finite");
            goto done;
        }
        train_time += r->train_seconds, test_time += r->test_seconds;
        if (classify ? r->test_acc > rows[best_epoch].test_acc : r->test_loss < rows[best_epoch].test_loss)
            best_epoch = e;
        if (o->write_csv && write_epochs_csv(o->out, "epochs.partial.csv", rows, e + 1, classify)) goto done;
        if (o->checkpoint_every && ((e + 1) % o->checkpoint_every == 0 || e + 1 == o->epochs) &&
            checkpoint_write(o->out, tr, e + 1, rows, cfg_hash, data_sha))
            goto done;
        if (o->save_epochs) {
            char name[48];
            snprintf(name, sizeof name, "epoch-%zu.npz", e + 1);
            if (params_npz_write(o->out, name, tr)) goto done;
        }
        rs.epochs_done = e + 1;
        progress_epoch(&pg, e, r, classify);
        if (overflow_watch_check(&ow, tr, e, (overflow_policy)o->on_overflow, pg.who, o->write_csv ? partial_path : NULL)) goto done;
        if (e + 1 < o->epochs && now_seconds() - status_written > 5.0) {
            run_status_write(&rs); /* epochs_done; a failure to write it is not the run's */
            status_written = now_seconds();
        }
        if ((sig = cli_stop_signal()) && e + 1 < o->epochs) {
            rs.epoch = e + 1;
            rs.batch = batches;
            rs.batches = batches;
            goto stopped;
        }
    }

    double best_loss = INFINITY, best_acc = -INFINITY;
    for (size_t e = 0; e < o->epochs; e++) {
        if (rows[e].test_loss < best_loss) best_loss = rows[e].test_loss;
        if (rows[e].test_acc > best_acc) best_acc = rows[e].test_acc;
    }
    char hash[65];
    if (tr) f3_weights_sha256(tr, hash);
    else f3_blocktrainer_sha256(nt.blk, hash);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    if (res) {
        const f3_ledger *L = net_ledger(&nt);
        f3_counts tot = f3_ledger_sum(L, -1, F3_PH_COUNT);
        res->classify = classify;
        res->best_test_accuracy = classify ? best_acc : NAN;
        res->final_test_accuracy = classify ? rows[o->epochs - 1].test_acc : NAN;
        res->best_test_loss = best_loss;
        res->final_test_loss = rows[o->epochs - 1].test_loss;
        res->train_seconds = train_time;
        res->samples_per_second = (double)(n * o->epochs) / train_time;
        res->fma = tot.fma;
        res->elementwise_ops = tot.elem;
        res->peak_act = L->peak_act;
        res->peak_err = L->peak_err;
        memcpy(res->weights_sha256, hash, sizeof hash);
        res->epochs = o->epochs;
        res->best_epoch = best_epoch + 1;
        res->n_train = n;
        res->cfg = cfg;
    }
    if (sched && sched->write_files && sched->write_files(sched->ctx, o->out)) goto done;
    /* run.json first, then epochs.csv: an epochs.csv never stands without
     * its run.json */
    if (o->write_json) {
        atomic_file af;
        if (atomic_open(&af, o->out, "run.json")) goto done;
        json_writer w;
        json_init(&w, af.f);
        json_begin_object(&w);
        train_json_head(&w, o, &cfg, command, init_sha, &ord);
        json_key(&w, "dataset");
        json_begin_object(&w);
        json_kv_string(&w, "name", o->dataset);
        json_kv_string(&w, "task", classify ? "classification" : "regression");
        json_kv_u64(&w, "train_samples", train->n);
        json_kv_u64(&w, "test_samples", test->n);
        json_kv_u64(&w, "features", d);
        json_kv_u64(&w, "outputs", C);
        json_kv_string(&w, "files_sha256", data_sha);
        json_end_object(&w);
        json_kv_u64(&w, "parameters", tr ? f3_parameter_count(&cfg) : f3_blocks_params(o->blocks, o->n_blocks));
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
            json_kv_double(&w, "seconds", rows[e].train_seconds + rows[e].test_seconds);
            json_kv_double(&w, "train_seconds", rows[e].train_seconds);
            json_kv_double(&w, "test_seconds", rows[e].test_seconds);
            overflow_json_epoch(&w, &ow, e);
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
        train_json_ledger(&w, net_ledger(&nt), &cfg);
        if (nt.blk) { /* what a block's own backward pass keeps (docs/blocks.md) */
            json_kv_u64(&w, "peak_block_stash_elements", f3_blocktrainer_stash_peak(nt.blk));
            json_kv_string(&w, "ledger_layers", "blocks");
        }
        /* values that saturated where they were quantised, per tensor class
         * (training only; 0 everywhere in fp32) */
        json_key(&w, "saturations");
        json_begin_object(&w);
        const uint64_t *sat = tr ? tr->saturations : f3_blocktrainer_saturations(nt.blk);
        for (int ti = 0; ti < F3_T_COUNT; ti++) json_kv_u64(&w, f3_tensor_names[ti], sat[ti]);
        json_end_object(&w);
        overflow_json_run(&w, tr, &cfg);
        json_kv_string(&w, "weights_sha256", hash);
        json_kv_u64(&w, "seed", cfg.seed);
        json_kv_double(&w, "train_seconds", train_time);
        json_kv_double(&w, "test_seconds", test_time);
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
    }
    if (o->write_csv && write_epochs_csv(o->out, "epochs.csv", rows, o->epochs, classify)) goto done;
    unlink(partial_path);
    rs.epochs_done = o->epochs;
    if (run_status_done(&rs)) goto done;
    rc = 0;
    goto done;

stopped:
    /* SIGINT or SIGTERM: the batch is done; the epochs done so far are in
     * epochs.partial.csv */
    {
        size_t kept = rs.epochs_done;
        run_status_interrupted(&rs, sig);
        char where[160];
        if (rs.batch < rs.batches)
            snprintf(where, sizeof where, "in epoch %zu after batch %zu of %zu", rs.epoch, rs.batch, rs.batches);
        else
            snprintf(where, sizeof where, "after epoch %zu of %zu", rs.epoch, o->epochs);
        if (o->write_csv && kept)
            F3_FAIL(F3_EINVAL, "stopped by %s %s; the %zu epoch%s done %s in %s (status.json: interrupted)",
                    cli_signal_name(sig), where, kept, kept == 1 ? "" : "s", kept == 1 ? "is" : "are", partial_path);
        else
            F3_FAIL(F3_EINVAL, "stopped by %s %s; %s/status.json: interrupted", cli_signal_name(sig), where, o->out);
        rc = EXIT_SIGNAL(sig);
    }

done:
    if (rc && have_status && !EXIT_IS_SIGNAL(rc)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        run_status_failed(&rs, msg);
        F3_FAIL(F3_EINVAL, "%s", msg); /* the run's error, not the status file's */
    }
    dir_lock_release(&lock);
    overflow_watch_free(&ow);
    free(x);
    free(t);
    free(lab);
    free(perm);
    train_order_free(&ord);
    free(rows);
    if (sched && sched->end) sched->end(sched->ctx);
    f3_trainer_free(tr);
    f3_blocktrainer_free(nt.blk);
    f3_dataset_free(train);
    f3_dataset_free(test);
    return rc;
}

/* ---- f3sim train ------------------------------------------------------------------------------ */

int train_main(train_options *o, int argc, char **argv)
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
