/* train_options.c — see train_run.h: the options of a training run (their
 * defaults, the setters f3sim train and the scenarios share, the check
 * against the scenario keys' ranges) and loading its data. */
#include "train_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data_hash.h"
#include "io_util.h"


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
int train_split_path(const char *path, char *dir, size_t dlen, const char **base)
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
    if (strlen(path) >= sizeof o->save_init || train_split_path(path, dir, sizeof dir, &base))
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
int train_check_options(const train_options *o)
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
    /* the data set's folder: the one mapping of names to folders (data_hash.c) */
    if (o->data_path[0]) snprintf(dir, sizeof dir, "%s", o->data_path);
    else dataset_folder(ds, o->data_dir, dir, sizeof dir);
    if (!strcmp(ds, "mnist") || !strcmp(ds, "fashion-mnist")) {
        st = f3_dataset_load_mnist(dir, "train", train);
        if (st == F3_OK) st = f3_dataset_load_mnist(dir, "test", test);
    } else if (!strcmp(ds, "census")) {
        join(a, sizeof a, dir, "adult.data");
        join(b, sizeof b, dir, "adult.test");
        st = f3_dataset_load_census(a, train);
        if (st == F3_OK) st = f3_dataset_load_census(b, test);
    } else if (!strcmp(ds, "wine")) {
        join(a, sizeof a, dir, "winequality-red.csv");
        join(b, sizeof b, dir, "winequality-white.csv");
        st = f3_dataset_load_wine(a, b, o->wine_test_fraction, o->cfg.seed, train, test);
    } else if (!strcmp(ds, "cifar10")) {
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
