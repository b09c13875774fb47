/* numerics_cache.c — see numerics_cache.h. */
#define _XOPEN_SOURCE 700
#include "numerics_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "analytic.h"
#include "io_util.h"
#include "data_hash.h"
#include "f3/formulas.h"
#include "f3/ledger.h"
#include "f3/status.h"
#include "f3/blockformulas.h"
#include "json.h"
#include "results.h"

#ifndef F3SIM_VERSION
#define F3SIM_VERSION "unknown"
#endif

/* ---- hashing: data_hash.c hashes the data files ------------------------------------ */

static int hash_dataset(EVP_MD_CTX *c, const scenario *p)
{
    return hash_dataset_files(c, scenario_str(p, "dataset.name"), scenario_str(p, "dataset.data_dir"),
                              scenario_str(p, "dataset.path"), scenario_str(p, "dataset.test_path"));
}


int numerics_key(const scenario *p, const char *rule, const char *init_sha256, char hex[65])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(c);
        return F3_FAIL(F3_ENOMEM, "sha256: cannot start"), -1;
    }
    char line[4096], exe[65] = "";
    /* the trainer itself: the binary's own bytes (a rebuilt f3sim, even of
     * a dirty tree, never reuses another build's trainings) */
    if (rule && hash_file("/proc/self/exe", exe)) snprintf(exe, sizeof exe, "%s", F3SIM_GIT_COMMIT);
    snprintf(line, sizeof line, "f3sim %s %s\nrule %s\n", F3SIM_VERSION, exe, rule ? rule : "(all)");
    EVP_DigestUpdate(c, line, strlen(line));
    const sc_entry *s = sc_schema();
    for (size_t i = 0; i < sc_schema_count(); i++) {
        if (s[i].role != SR_NUMERICS || s[i].kind == SK_SECTION) continue;
        /* the rule is hashed by name; the others a scenario compares do not change it */
        if (rule && (!strcmp(s[i].path, "training.compare") || !strcmp(s[i].path, "training.algorithm"))) continue;
        const sc_value *v = scenario_get(p, s[i].path);
        int n = snprintf(line, sizeof line, "%s=", s[i].path);
        switch (s[i].kind) {
        case SK_BOOL:
        case SK_INT:
        case SK_FLOAT: snprintf(line + n, sizeof line - (size_t)n, "%.17g\n", v->num); break;
        case SK_AUTO_INT:
        case SK_AUTO_FLOAT:
            if (v->is_auto) snprintf(line + n, sizeof line - (size_t)n, "auto\n");
            else snprintf(line + n, sizeof line - (size_t)n, "%.17g\n", v->num);
            break;
        case SK_INT_LIST:
            for (size_t k = 0; k < v->n && (size_t)n < sizeof line - 32; k++)
                n += snprintf(line + n, sizeof line - (size_t)n, "%.17g,", v->list[k]);
            snprintf(line + n, sizeof line - (size_t)n, "\n");
            break;
        case SK_ENUM_LIST:
            for (size_t k = 0; k < v->n && (size_t)n < sizeof line - 40; k++)
                n += snprintf(line + n, sizeof line - (size_t)n, "%s,", v->items[k]);
            snprintf(line + n, sizeof line - (size_t)n, "\n");
            break;
        default: snprintf(line + n, sizeof line - (size_t)n, "%s\n", v->str); break;
        }
        EVP_DigestUpdate(c, line, strlen(line));
    }
    int rc = rule ? hash_dataset(c, p) : 0;
    if (!rc && init_sha256 && init_sha256[0]) { /* --init-from: the initial state is numerics too */
        snprintf(line, sizeof line, "init_from %s\n", init_sha256);
        EVP_DigestUpdate(c, line, strlen(line));
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(c, md, &n);
    EVP_MD_CTX_free(c);
    if (rc) return -1;
    to_hex(md, n, hex);
    return 0;
}

int numerics_signature(const scenario *p, char hex[65]) { return numerics_key(p, NULL, NULL, hex); }

void numerics_cache_root(const scenario *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s/.numerics-cache", scenario_str(p, "outputs.folder"));
}

/* ---- entries ------------------------------------------------------------------------ */

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb");
    if (!a) return F3_FAIL(F3_EIO, "%s: %s", from, strerror(errno)), -1;
    FILE *b = fopen(to, "wb");
    if (!b) {
        fclose(a);
        return F3_FAIL(F3_EIO, "%s: %s", to, strerror(errno)), -1;
    }
    char buf[1 << 14];
    size_t k;
    int rc = 0;
    while ((k = fread(buf, 1, sizeof buf, a)) > 0)
        if (fwrite(buf, 1, k, b) != k) rc = -1;
    if (ferror(a)) rc = -1;
    fclose(a);
    if (fclose(b)) rc = -1;
    if (rc) F3_FAIL(F3_EIO, "%s: cannot copy to %s", from, to);
    return rc;
}

/* An entry's files and folder. */
static void remove_entry(const char *dir)
{
    char p[4600];
    snprintf(p, sizeof p, "%s/record.txt", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/epochs.csv", dir);
    unlink(p);
    rmdir(dir);
}

int numerics_cache_store(const char *root, const char *key, const train_result *res, const char *epochs_csv)
{
    char tmp[4400], dir[4400], path[4500];
    snprintf(dir, sizeof dir, "%s/%s", root, key);
    snprintf(tmp, sizeof tmp, "%s/%s.tmp.%ld", root, key, (long)getpid());
    if (make_dirs(tmp)) return -1;
    snprintf(path, sizeof path, "%s/record.txt", tmp);
    FILE *f = fopen(path, "w");
    if (!f) return F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1;
    fprintf(f, "# f3sim numerics cache entry: one rule trained at one numerics point\n");
    fprintf(f, "f3sim_version %s\nkey %s\n", F3SIM_VERSION, key);
    fprintf(f, "classify %d\nbest_test_accuracy_pct %.17g\nfinal_test_accuracy_pct %.17g\n", res->classify,
            res->best_test_accuracy, res->final_test_accuracy);
    fprintf(f, "best_test_loss %.17g\nfinal_test_loss %.17g\ntrain_seconds %.17g\nsamples_per_second %.17g\n",
            res->best_test_loss, res->final_test_loss, res->train_seconds, res->samples_per_second);
    fprintf(f, "fma %llu\nelementwise_ops %llu\npeak_act %llu\npeak_err %llu\n", (unsigned long long)res->fma,
            (unsigned long long)res->elementwise_ops, (unsigned long long)res->peak_act,
            (unsigned long long)res->peak_err);
    fprintf(f, "weights_sha256 %s\nepochs %zu\nbest_epoch %zu\nn_train %zu\n", res->weights_sha256, res->epochs,
            res->best_epoch, res->n_train);
    /* the trainer's configuration, byte for byte (the key names the version) */
    fprintf(f, "config_bytes %zu ", sizeof res->cfg);
    const unsigned char *b = (const unsigned char *)&res->cfg;
    for (size_t i = 0; i < sizeof res->cfg; i++) fprintf(f, "%02x", b[i]);
    fprintf(f, "\n");
    int bad = ferror(f);
    if (fclose(f) || bad) return F3_FAIL(F3_EIO, "%s: cannot write", path), -1;
    if (epochs_csv) {
        snprintf(path, sizeof path, "%s/epochs.csv", tmp);
        if (copy_file(epochs_csv, path)) return -1;
    }
    /* into place; a usable entry already there wins, one that this build
     * cannot read (another build's) is replaced */
    if (rename(tmp, dir)) {
        if (errno != ENOTEMPTY && errno != EEXIST)
            return F3_FAIL(F3_EIO, "%s: cannot rename to %s: %s", tmp, dir, strerror(errno)), -1;
        train_result old;
        const int usable = numerics_cache_load(root, key, &old, NULL, 0) == 1;
        remove_entry(usable ? tmp : dir);
        if (!usable && rename(tmp, dir))
            return F3_FAIL(F3_EIO, "%s: cannot rename to %s: %s", tmp, dir, strerror(errno)), -1;
    }
    return 0;
}

int numerics_cache_load(const char *root, const char *key, train_result *res, char *epochs_csv, size_t len)
{
    char path[4500];
    snprintf(path, sizeof path, "%s/%s/record.txt", root, key);
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : (F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1);
    memset(res, 0, sizeof *res);
    char line[8192];
    int have_cfg = 0, fields = 0;
    while (fgets(line, sizeof line, f)) {
        char name[64];
        int off = 0;
        if (line[0] == '#' || sscanf(line, "%63s %n", name, &off) != 1) continue;
        const char *v = line + off;
        unsigned long long u;
        fields++;
        if (!strcmp(name, "classify")) res->classify = atoi(v);
        else if (!strcmp(name, "best_test_accuracy_pct")) res->best_test_accuracy = strtod(v, NULL);
        else if (!strcmp(name, "final_test_accuracy_pct")) res->final_test_accuracy = strtod(v, NULL);
        else if (!strcmp(name, "best_test_loss")) res->best_test_loss = strtod(v, NULL);
        else if (!strcmp(name, "final_test_loss")) res->final_test_loss = strtod(v, NULL);
        else if (!strcmp(name, "train_seconds")) res->train_seconds = strtod(v, NULL);
        else if (!strcmp(name, "samples_per_second")) res->samples_per_second = strtod(v, NULL);
        else if (!strcmp(name, "fma") && sscanf(v, "%llu", &u) == 1) res->fma = u;
        else if (!strcmp(name, "elementwise_ops") && sscanf(v, "%llu", &u) == 1) res->elementwise_ops = u;
        else if (!strcmp(name, "peak_act") && sscanf(v, "%llu", &u) == 1) res->peak_act = u;
        else if (!strcmp(name, "peak_err") && sscanf(v, "%llu", &u) == 1) res->peak_err = u;
        else if (!strcmp(name, "weights_sha256")) sscanf(v, "%64s", res->weights_sha256);
        else if (!strcmp(name, "epochs")) res->epochs = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(name, "best_epoch")) res->best_epoch = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(name, "n_train")) res->n_train = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(name, "config_bytes")) {
            char *end;
            size_t n = (size_t)strtoull(v, &end, 10);
            while (*end == ' ') end++;
            if (n == sizeof res->cfg && strlen(end) >= 2 * n) {
                unsigned char *b = (unsigned char *)&res->cfg;
                for (size_t i = 0; i < n; i++) {
                    unsigned x;
                    if (sscanf(end + 2 * i, "%2x", &x) != 1) break;
                    b[i] = (unsigned char)x;
                }
                have_cfg = 1;
            }
        }
    }
    fclose(f);
    if (!have_cfg || !res->n_train || !res->epochs || fields < 16) return 0; /* another build's entry: train again */
    /* an entry without its per-epoch table (written by a json-only run
     * before every entry carried one) cannot give a reused run its epochs:
     * a miss, trained again and replaced */
    struct stat st;
    snprintf(path, sizeof path, "%s/%s/epochs.csv", root, key);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
    if (epochs_csv) snprintf(epochs_csv, len, "%s", path);
    return 1;
}

int numerics_cache_lock(const char *root, const char *key, int *fd)
{
    if (make_dirs(root)) return -1;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s.lock", root, key);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (*fd < 0) return F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1;
    while (flock(*fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(*fd);
            *fd = -1;
            return F3_FAIL(F3_EIO, "%s: cannot lock: %s", path, strerror(errno)), -1;
        }
    return 0;
}

void numerics_cache_unlock(int fd)
{
    if (fd >= 0) close(fd);
}

/* ---- train once per numerics point ------------------------------------------------ */

/* --force retrains a numerics point once per process, not at every
 * hardware point: the keys trained here */
static char (*trained_here)[65];
static size_t n_trained_here;

static int forced(int force, const char *key)
{
    if (!force) return 0;
    for (size_t i = 0; i < n_trained_here; i++)
        if (!strcmp(trained_here[i], key)) return 0;
    return 1;
}

static void note_trained(const char *key)
{
    char(*t)[65] = realloc(trained_here, (n_trained_here + 1) * sizeof *t);
    if (!t) return;
    trained_here = t;
    memcpy(trained_here[n_trained_here++], key, 65);
}

int numerics_evaluate(const chip_config *hw, const train_result *res, chip_config *resolved, chip_result *out)
{
    static _Thread_local chip_workload w;
    if (chip_workload_for(&w, hw, &res->cfg, res->n_train, res->epochs) != F3_OK) return EXIT_USAGE;
    *resolved = *hw;
    chip_config_resolve_error_store(resolved, &res->cfg, res->n_train);
    return numerics_evaluate_workload(resolved, &w, out);
}

int numerics_evaluate_workload(const chip_config *hw, const chip_workload *w, chip_result *out)
{
    chip_config h = *hw;
    chip_config_resolve_error_store(&h, &w->cfg, w->n_train);
    if (chip_analytic_run(&h, w, out) != F3_OK) return EXIT_USAGE;
    return 0;
}

/* run.json of a reused training */
/* The cached epochs.csv as run.json's "epochs" array (one object per row,
 * named by the header); nothing when it cannot be read. */
static void json_epochs_from_csv(json_writer *w, const char *path)
{
    FILE *f = path && path[0] ? fopen(path, "r") : NULL;
    char line[4096], names[16][64];
    size_t nn = 0;
    json_key(w, "epochs");
    json_begin_array(w);
    if (f && fgets(line, sizeof line, f)) {
        for (char *t = strtok(line, ",\r\n"); t && nn < 16; t = strtok(NULL, ",\r\n"))
            snprintf(names[nn++], sizeof names[0], "%s", t);
        while (fgets(line, sizeof line, f)) {
            json_begin_object(w);
            size_t k = 0;
            for (char *t = strtok(line, ",\r\n"); t && k < nn; t = strtok(NULL, ",\r\n"), k++) {
                if (!strcmp(names[k], "epoch")) json_kv_u64(w, names[k], strtoull(t, NULL, 10));
                else json_kv_double(w, names[k], strtod(t, NULL));
            }
            json_end_object(w);
        }
    }
    if (f) fclose(f);
    json_end_array(w);
}

static int write_reused_json(const char *dir, const char *key, const char *root, const train_result *r,
                             const chip_config *hw, const chip_result *h, const train_options *o,
                             const char *epochs_csv, const char *init_sha256)
{
    atomic_file af;
    if (atomic_open(&af, dir, "run.json")) return -1;
    json_writer w;
    json_init(&w, af.f);
    json_begin_object(&w);
    train_json_head(&w, o, &r->cfg, "run", init_sha256, NULL); /* a scenario's run: the seed's order */
    json_key(&w, "reused_training");
    json_begin_object(&w);
    json_kv_string(&w, "numerics_key", key);
    json_kv_string(&w, "cache_entry", root);
    json_kv_string(&w, "engine", "analytic");
    json_kv_string(&w, "note", "this point differs from the trained one only in hardware keys: its training (accuracy curve, ledger, weights) is the cached one; its chip figures are the analytic evaluator's");
    json_end_object(&w);
    json_key(&w, "dataset");
    json_begin_object(&w);
    json_kv_string(&w, "name", o->dataset);
    json_kv_string(&w, "task", r->classify ? "classification" : "regression");
    json_kv_u64(&w, "train_samples", r->n_train);
    json_end_object(&w);
    json_kv_u64(&w, "parameters", o->is_blocks ? f3_blocks_params(o->blocks, o->n_blocks) : f3_parameter_count(&r->cfg));
    json_epochs_from_csv(&w, epochs_csv);
    json_kv_u64(&w, "epochs_run", r->epochs);
    json_kv_u64(&w, "train_samples", r->n_train);
    json_kv_u64(&w, "seed", r->cfg.seed);
    json_kv_double(&w, "best_test_accuracy", r->best_test_accuracy);
    json_kv_double(&w, "final_test_accuracy", r->final_test_accuracy);
    json_kv_string(&w, "accuracy_units", "percent");
    json_kv_double(&w, "best_test_loss", r->best_test_loss);
    json_kv_double(&w, "final_test_loss", r->final_test_loss);
    json_kv_u64(&w, "best_epoch", r->best_epoch);
    json_kv_u64(&w, "fma", r->fma);
    json_kv_u64(&w, "elementwise_ops", r->elementwise_ops);
    json_kv_string(&w, "weights_sha256", r->weights_sha256);
    /* the ledger: model/'s closed forms, which equal the trained run's counts
     * (a network of blocks: the blocks' forms, one layer per block) */
    f3_ledger *led = NULL;
    const uint64_t per_epoch = (r->n_train + r->cfg.batch_size - 1) / r->cfg.batch_size;
    const f3_run_shape run = f3_run_shape_epochs(r->n_train, r->cfg.batch_size, per_epoch * r->epochs);
    const f3_config *c = &r->cfg;
    const f3_blocktrain_config bc = {c->algorithm, c->error_info, c->optimizer, c->lr,
                                     c->beta1,     c->beta2,      c->eps,       c->widths[c->n_layers]};
    if (f3_ledger_alloc(c->n_layers, &led) == F3_OK &&
        (o->is_blocks ? f3_blockformula_ledger(o->blocks, o->n_blocks, &bc, r->n_train, run, led)
                : f3_formula_ledger(c, r->n_train, run, led)) == F3_OK) {
        json_key(&w, "ledger");
        train_json_ledger(&w, led, c);
        if (o->is_blocks) json_kv_string(&w, "ledger_layers", "blocks");
    }
    f3_ledger_free(led);
    chip_json_hardware(&w, hw, &r->cfg, h, "analytic");
    json_end_object(&w);
    fputc('\n', af.f);
    return atomic_commit(&af);
}

/* The cache folder and the key of rule at point p (init_sha256: the hash
 * of --init-from's file, "" without), locked in *fd; 0, or -1. */
static int open_entry(const scenario *p, const char *rule, const train_options *o, char *root, size_t root_len,
                      char key[65], char init_sha256[65], int *fd)
{
    numerics_cache_root(p, root, root_len);
    init_sha256[0] = '\0';
    if (o->init_from[0] && hash_file(o->init_from, init_sha256)) return -1;
    if (numerics_key(p, rule, init_sha256, key)) return -1;
    return numerics_cache_lock(root, key, fd);
}

/* The options of a training that fills the cache: o, whose trainer also
 * writes its epochs.csv into <root>/<key>.epochs.<pid>/ (whatever
 * outputs.formats asks of the run itself), so that every entry carries
 * its per-epoch table.  0, or -1 with a message. */
static int caching_options(const train_options *o, const char *root, const char *key, train_options *c,
                           char *dir, size_t len)
{
    snprintf(dir, len, "%s/%s.epochs.%ld", root, key, (long)getpid());
    if (make_dirs(dir)) return -1;
    *c = *o;
    c->cache_epochs_dir = dir;
    return 0;
}

/* A training just run (its epochs.csv in dir) goes into the cache under
 * key; dir is removed; 0, or EXIT_RUNTIME. */
static int store_trained(const char *root, const char *key, const char *dir, const train_result *res)
{
    char path[4500];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        F3_FAIL(F3_EIO, "%s: the training wrote no epochs.csv for the numerics cache", path);
        return EXIT_RUNTIME;
    }
    const int rc = numerics_cache_store(root, key, res, path);
    unlink(path);
    rmdir(dir);
    if (rc) return EXIT_RUNTIME;
    note_trained(key);
    return 0;
}

/* A training that failed: its epochs folder goes. */
static void drop_epochs_dir(const char *dir)
{
    char path[4500];
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    unlink(path);
    rmdir(dir);
}

int numerics_train_or_reuse(const scenario *p, const char *rule, const train_options *o, const chip_config *hw,
                            int force, int *reused, train_result *res, chip_result *hres)
{
    char root[2100], key[65], ish[65];
    int fd = -1;
    *reused = 0;
    if (open_entry(p, rule, o, root, sizeof root, key, ish, &fd)) return EXIT_RUNTIME;
    char epochs_csv[4500];
    int hit = forced(force, key) ? 0 : numerics_cache_load(root, key, res, epochs_csv, sizeof epochs_csv);
    int rc = 0;
    if (hit < 0) {
        rc = EXIT_RUNTIME;
    } else if (!hit) {
        /* the plain trainer and the analytic evaluator; a trace needs the
         * SystemC chip */
        train_options c;
        char dir[4400];
        if (caching_options(o, root, key, &c, dir, sizeof dir)) {
            rc = EXIT_RUNTIME;
        } else {
            rc = hw->trace ? chip_train(&c, hw, res, hres) : chip_train_analytic(&c, hw, res, hres);
            if (!rc) rc = store_trained(root, key, dir, res);
            else drop_epochs_dir(dir);
        }
    } else {
        *reused = 1;
        run_status rs;
        chip_config resolved = *hw;
        char entry[2200];
        snprintf(entry, sizeof entry, "%s/%s", root, key);
        if (make_dirs(o->out) || clear_outputs(o->out) || run_status_start(&rs, o->out, "rule", o->command_line)) {
            rc = EXIT_RUNTIME;
        } else if ((rc = numerics_evaluate(hw, res, &resolved, hres)) != 0) {
            run_status_failed(&rs, f3_last_error());
        } else {
            /* run.json shows the figures the evaluator used: the error
             * store's, which follow its capacity, resolved */
            /* the entry's epochs.csv is there (numerics_cache_load) */
            char to[2200];
            snprintf(to, sizeof to, "%s/epochs.csv", o->out);
            if ((o->write_csv && copy_file(epochs_csv, to)) ||
                (o->write_json && write_reused_json(o->out, key, entry, res, &resolved, hres, o, epochs_csv, ish)) ||
                chip_write_tile_files(o->out, &resolved, &res->cfg, hres) ||
                write_run_scenario(o, o->out) ||
                run_status_done(&rs)) {
                run_status_failed(&rs, f3_last_error());
                rc = EXIT_RUNTIME;
            }
        }
    }
    numerics_cache_unlock(fd);
    return rc;
}

int numerics_train_cached(const scenario *p, const char *rule, const train_options *o, int force, int *reused,
                          train_result *res)
{
    char root[2100], key[65], ish[65];
    int fd = -1;
    *reused = 0;
    if (open_entry(p, rule, o, root, sizeof root, key, ish, &fd)) return EXIT_RUNTIME;
    int hit = forced(force, key) ? 0 : numerics_cache_load(root, key, res, NULL, 0);
    int rc = 0;
    if (hit < 0) rc = EXIT_RUNTIME;
    else if (hit) *reused = 1;
    else {
        train_options c;
        char dir[4400];
        if (caching_options(o, root, key, &c, dir, sizeof dir)) {
            rc = EXIT_RUNTIME;
        } else {
            rc = train_run(&c, "run", res);
            if (!rc) rc = store_trained(root, key, dir, res);
            else drop_epochs_dir(dir);
        }
    }
    numerics_cache_unlock(fd);
    return rc;
}
