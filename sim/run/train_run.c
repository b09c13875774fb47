/* train_run.c — see train_run.h: a training run in stages (resolve, load,
 * build, prepare the folder, train, write), its progress lines and its
 * epochs.csv.  The options and the data are in train_options.c, run.json's
 * head and the run's scenario in train_record.c. */
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
#include <openssl/opensslv.h>
#include <zlib.h>

#include "checkpoint.h"
#include "data_hash.h"
#include "f3/blocktrain.h"
#include "io_util.h"
#include "signals.h"
#include "json.h"
#include "overflow_warn.h"
#include "results.h"
#include "train_order.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
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
    if (train_split_path(o->save_init, dir, sizeof dir, &base))
        return F3_FAIL(F3_EINVAL, "--save-init %s: the path is too long", o->save_init), -1;
    return params_npz_write(dir, base, tr);
}

/* ---- the run, in stages -----------------------------------------------------------------------
 * resolve (the options before anything is read, then the configuration
 * against the data), load (the data), build (the network, its initial
 * state, the hashes that identify the run), prepare (the results folder:
 * made, locked, resumed or cleared, status.json running), train (the
 * epochs), write (run.json, epochs.csv, status.json done).  Each stage
 * returns 0, an exit status (the reason in f3_last_error()), or
 * RUN_STOPPED; finish_run then marks the folder and frees. */

#define RUN_STOPPED (-1) /* stopped by a signal after a batch: sig and rs.epoch, batch, batches set */

/* What a run holds from stage to stage. */
typedef struct {
    const train_options *o;
    const char *command;
    const train_schedule *sched;
    double t_start;
    f3_dataset *train, *test;
    f3_config cfg;    /* o->cfg with the widths of the data set */
    train_order ord;
    f3_trainer *tr;   /* the MLP trainer (nt.mlp), or NULL for a network of blocks */
    run_net nt;
    int may_resume;
    char init_sha[65], cfg_hash[65], data_sha[65];
    /* the results folder */
    char made[4096];  /* the outermost folder of o->out this run created, or "" */
    dir_lock lock;
    run_status rs;
    int have_status;
    int resuming;
    size_t start_epoch;
    char partial_path[4200];
    /* the epochs */
    epoch_row *rows;
    size_t n, bs, batches, K;
    int classify;
    float *x, *t;
    int32_t *lab;
    size_t *perm;
    progress pg;
    double train_time, test_time, status_written;
    size_t best_epoch, next_save; /* next_save: the first of o->save_steps still to come */
    int sig;
    overflow_watch ow; /* saturation and underflow per epoch, the warnings (overflow_warn.h) */
} run_ctx;

/* resolve, before anything is read: the options; a stop signal that came
 * first. */
static int resolve_options(run_ctx *r)
{
    int rc = train_check_options(r->o);
    if (rc) return rc;
    if ((r->sig = cli_stop_signal())) {
        F3_FAIL(F3_EINVAL, "stopped by %s before the run began", cli_signal_name(r->sig));
        return EXIT_SIGNAL(r->sig);
    }
    return 0;
}

/* resolve, once the data are loaded: the configuration against the data
 * (an invalid one is a usage error, as the same configuration is under
 * f3sim check), the sample order and what to save. */
static int resolve_config(run_ctx *r)
{
    const train_options *o = r->o;
    const f3_dataset *train = r->train;
    if (o->expect_input && o->expect_input != train->d) {
        F3_FAIL(F3_EINVAL, "network.input is %zu but data set %s has %zu features", o->expect_input, o->dataset, train->d);
        return EXIT_USAGE;
    }
    if (o->expect_output && o->expect_output != train->n_outputs) {
        F3_FAIL(F3_EINVAL, "network.output is %zu but data set %s has %zu outputs", o->expect_output, o->dataset, train->n_outputs);
        return EXIT_USAGE;
    }
    f3_config *cfg = &r->cfg;
    *cfg = o->cfg;
    if (!o->is_blocks) { /* a network of blocks: its widths are its blocks' outputs, as the scenario gave them */
        cfg->n_layers = o->n_hidden + 1;
        for (size_t i = 0; i < o->n_hidden; i++) cfg->widths[i + 1] = o->hidden[i];
    }
    cfg->widths[0] = train->d;
    cfg->widths[cfg->n_layers] = train->n_outputs;
    const int saves = o->save_init[0] || o->n_save_steps || o->save_epochs;
    if (o->is_blocks && (o->init_from[0] || o->checkpoint_every || saves)) {
        F3_FAIL(F3_EINVAL, "network.type %s: %s not yet for a network of blocks", o->network_type,
                o->init_from[0] ? "--init-from is" : o->checkpoint_every ? "checkpoints are" : "saving weights is");
        return EXIT_USAGE;
    }
    if (train->task == F3_TASK_REGRESSION) {
        /* the paper's regression defaults: MSE on an identity output, the
         * raw delayed error; what the user chose stays (and is validated) */
        if (!o->set_loss) cfg->loss = F3_LOSS_MSE;
        if (!o->set_output_act) cfg->output_act = F3_ACT_IDENTITY;
        if (!o->set_error_info) cfg->error_info.one_hot = 0;
    }
    if (f3_config_validate(cfg, train->task) != F3_OK) return EXIT_USAGE;
    if (cfg->batch_size > train->n) {
        F3_FAIL(F3_EINVAL,
                "the batch size %zu is larger than the training set of %s (%zu samples%s); use a batch of at most %zu "
                "(--batch-size, training.batch_size)",
                cfg->batch_size, o->dataset, train->n, o->train_limit ? ", after the train limit" : "", train->n);
        return EXIT_USAGE;
    }
    return order_and_saves(o, cfg, train, r->sched, &r->ord);
}

/* build: the trainer, its BLAS threads, its initial state (--init-from,
 * F3's store), the hashes of the configuration and the data, and the
 * schedule's begin. */
static int build_network(run_ctx *r)
{
    const train_options *o = r->o;
    const train_schedule *sched = r->sched;
    const char *command = r->command;
    if (o->is_blocks ? net_new_blocks(&r->nt, o, &r->cfg, r->train)
                     : f3_trainer_alloc(&r->cfg, r->train->task, r->train->n, &r->tr) != F3_OK)
        return EXIT_RUNTIME;
    r->nt.mlp = r->tr;
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
    if (o->init_from[0]) {
        size_t unused = 0;
        int irc = init_from_npz(o->init_from, r->tr, r->init_sha, &unused);
        if (irc) return irc == 2 ? EXIT_USAGE : EXIT_RUNTIME;
        if (o->progress)
            fprintf(stderr, "f3sim %s: %s: starting from %s%s\n", command,
                    o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->init_from,
                    unused ? " (its feedback matrices are not used by this rule)" : "");
    }
    if ((r->tr ? f3_error_store_init(r->tr, r->train) : f3_blocktrainer_store_targets(r->nt.blk, r->train)) != F3_OK)
        return EXIT_RUNTIME;
    /* the chip's timing state (every tile's clock, the DRAM's calendar) is
     * not checkpointed: a chip run cannot write one, and a resumed chip
     * point that did not finish runs again from the start */
    if (sched && o->checkpoint_every) {
        F3_FAIL(F3_EINVAL, "outputs.checkpoint_every: checkpoints are not written on the chip model (a hardware "
                           "section): its timing state is not saved; a chip point that did not finish runs again "
                           "under --resume");
        return EXIT_USAGE;
    }
    r->may_resume = o->resume && !sched && r->tr;
    if (sched && o->resume && o->progress)
        fprintf(stderr, "f3sim %s: %s: the chip model keeps no checkpoint; running from the beginning\n", command,
                o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm));
    if (data_files_sha256(o->dataset, o->data_dir, o->data_path, o->test_path, r->data_sha) ||
        train_config_sha256(o, &r->cfg, r->init_sha, &r->ord, r->data_sha, r->cfg_hash))
        return EXIT_RUNTIME;
    if (sched && sched->begin && sched->begin(sched->ctx, r->tr, r->nt.blk, &r->cfg, r->train)) return EXIT_RUNTIME;
    return 0;
}

/* prepare, resuming: the checkpoint read back into the trainer and the
 * rows (a refused resume is said in the folder's status.json too). */
static int resume_checkpoint(run_ctx *r)
{
    const train_options *o = r->o;
    int crc = checkpoint_read(o->out, r->tr, &r->start_epoch, r->rows, o->epochs,
                              (r->train->n + r->cfg.batch_size - 1) / r->cfg.batch_size, r->cfg_hash, r->data_sha);
    if (crc) {
        /* the folder's status.json (an earlier run's, maybe "running"
         * from a killed process) says the resume was refused, and why */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        if (!run_status_start(&r->rs, o->out, o->sc ? "rule" : "train", o->command_line)) r->have_status = 1;
        F3_FAIL(F3_EINVAL, "%s", msg);
        return crc == 2 ? EXIT_USAGE : EXIT_RUNTIME;
    }
    if (o->progress)
        fprintf(stderr, "f3sim %s: %s: resuming from %s/checkpoint.npz after epoch %zu of %zu\n", r->command,
                o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->out, r->start_epoch, o->epochs);
    return 0;
}

/* prepare: the results folder, created now (a run that fails before
 * leaves none; one that fails here with a usage error has it removed by
 * finish_run), locked, resumed or cleared of an earlier run's files,
 * marked running, with the run's scenario and its initial weights. */
static int prepare_folder(run_ctx *r)
{
    const train_options *o = r->o;
    first_missing_dir(o->out, r->made, sizeof r->made);
    if (make_dirs(o->out)) return EXIT_RUNTIME;
    if (dir_lock_take(&r->lock, o->out, 1)) {
        /* refused: leave nothing behind (only the empty folders it made) */
        remove_empty_dirs(o->out, r->made);
        r->made[0] = '\0';
        return EXIT_RUNTIME;
    }
    r->resuming = r->may_resume && checkpoint_exists(o->out);
    r->rows = calloc(o->epochs, sizeof *r->rows);
    if (!r->rows) {
        F3_FAIL(F3_ENOMEM, "out of memory for the epochs' rows");
        return EXIT_RUNTIME;
    }
    if (r->resuming) {
        int rc = resume_checkpoint(r);
        if (rc) return rc;
    } else if (r->may_resume && o->progress) {
        fprintf(stderr, "f3sim %s: %s: no checkpoint in %s/; starting from the beginning\n", r->command,
                o->rule[0] ? o->rule : f3_algorithm_name(o->cfg.algorithm), o->out);
    }
    if (!r->resuming && clear_outputs(o->out)) return EXIT_RUNTIME;
    if (run_status_start(&r->rs, o->out, o->sc ? "rule" : "train", o->command_line)) return EXIT_RUNTIME;
    r->have_status = 1;
    r->rs.epochs = o->epochs;
    if (write_run_scenario(o, o->out))
        fprintf(stderr, "f3sim %s: warning: %s (the run goes on)\n", r->command, f3_last_error());
    if (o->save_init[0] && save_initial(o, r->tr)) return EXIT_RUNTIME;
    snprintf(r->partial_path, sizeof r->partial_path, "%s/epochs.partial.csv", o->out);
    return 0;
}

/* Where a run stopped by a signal stopped: in epoch e after batch b. */
static int stop_at(run_ctx *r, size_t e, size_t b)
{
    r->rs.epoch = e + 1;
    r->rs.batch = b;
    r->rs.batches = r->batches;
    return RUN_STOPPED;
}

/* train, one epoch on a timed schedule (the SystemC chip trains it). */
static int train_timed_epoch(run_ctx *r, size_t e, f3_stats *st)
{
    const train_schedule *sched = r->sched;
    int erc = sched->epoch(sched->ctx, r->perm, e, st);
    uint64_t dstep = r->tr ? r->tr->diverged_step : 0;
    const size_t dlayer = r->tr ? r->tr->diverged_layer : sched->diverged ? sched->diverged(sched->ctx, &dstep) : 0;
    if (dlayer) {
        uint64_t s = dstep ? dstep - 1 : 0;
        diverged(r->o, (size_t)(s / r->batches) + 1, (size_t)(s % r->batches) + 1, dlayer, WEIGHTS_NOT_FINITE);
        return EXIT_RUNTIME;
    }
    if (erc == TRAIN_EPOCH_STOPPED && (r->sig = cli_stop_signal())) {
        progress_break(&r->pg);
        return stop_at(r, e, st->samples / r->bs);
    }
    if (erc) return EXIT_RUNTIME;
    if (!isfinite(st->loss_sum)) {
        diverged(r->o, e + 1, r->batches, r->K, "the training loss is not finite (in this epoch)");
        return EXIT_RUNTIME;
    }
    progress_batch(&r->pg, e, r->batches - 1, st->loss_sum / (double)st->samples);
    return 0;
}

/* train, one epoch batch by batch (the plain loop), with the weights of
 * --save-steps. */
static int train_batches(run_ctx *r, size_t e, f3_stats *st)
{
    const train_options *o = r->o;
    const size_t n = r->n, bs = r->bs;
    for (size_t s = 0, bi = 0; s < n; s += bs, bi++) {
        size_t b = n - s < bs ? n - s : bs;
        f3_dataset_gather(r->train, r->perm + s, b, r->x, r->t, r->lab);
        /* the next batch's rows come from memory while this one trains */
        if (s + b < n) f3_dataset_prefetch(r->train, r->perm + s + b, n - s - b < bs ? n - s - b : bs);
        const f3_status sst = net_step(&r->nt, r->x, r->t, r->lab, r->perm + s, b, st);
        /* the MLP trainer flags a divergence itself; a block network's weights are scanned once */
        const size_t bad = sst != F3_OK || !r->tr ? net_diverged(&r->nt) : 0;
        if (sst != F3_OK || bad) {
            progress_break(&r->pg);
            if (bad) diverged(o, e + 1, bi + 1, bad, WEIGHTS_NOT_FINITE);
            return EXIT_RUNTIME;
        }
        if (!isfinite(st->loss_sum)) {
            progress_break(&r->pg);
            diverged(o, e + 1, bi + 1, r->K, "the training loss is not finite");
            return EXIT_RUNTIME;
        }
        progress_batch(&r->pg, e, bi, st->loss_sum / (double)st->samples);
        if (r->next_save < o->n_save_steps && o->save_steps[r->next_save] == (uint64_t)e * r->batches + bi + 1) {
            char name[48];
            snprintf(name, sizeof name, "step-%llu.npz", (unsigned long long)o->save_steps[r->next_save++]);
            if (params_npz_write(o->out, name, r->tr)) {
                progress_break(&r->pg);
                return EXIT_RUNTIME;
            }
        }
        /* after an epoch's last batch the epoch is finished (tested,
         * recorded) before the run stops */
        if (bi + 1 < r->batches && (r->sig = cli_stop_signal())) {
            progress_break(&r->pg);
            return stop_at(r, e, bi + 1);
        }
    }
    return 0;
}

/* train, after an epoch's batches: its test, its row, the partial
 * epochs.csv, a checkpoint, the epoch's weights, progress, status.json. */
static int finish_epoch(run_ctx *r, size_t e, const f3_stats *st, double t0)
{
    const train_options *o = r->o;
    const double t1 = now_seconds();
    f3_stats ts;
    if (net_evaluate(&r->nt, r->test, &ts) != F3_OK) return EXIT_RUNTIME;
    epoch_row *row = &r->rows[e];
    row->train_loss = st->loss_sum / (double)st->samples;
    row->train_acc = 100.0 * (double)st->correct / (double)st->samples;
    row->test_loss = ts.loss_sum / (double)ts.samples;
    row->test_acc = 100.0 * (double)ts.correct / (double)ts.samples;
    row->train_seconds = t1 - t0, row->test_seconds = now_seconds() - t1;
    overflow_watch_take(&r->ow, r->tr, e); /* the epoch's saturation and underflow counts, into row->q */
    if (!isfinite(row->test_loss)) {
        progress_break(&r->pg);
        diverged(o, e + 1, r->batches, r->K, "the test loss after the epoch is not finite");
        return EXIT_RUNTIME;
    }
    r->train_time += row->train_seconds, r->test_time += row->test_seconds;
    const epoch_row *best = &r->rows[r->best_epoch];
    if (r->classify ? row->test_acc > best->test_acc : row->test_loss < best->test_loss) r->best_epoch = e;
    if (o->write_csv && write_epochs_csv(o->out, "epochs.partial.csv", r->rows, e + 1, r->classify))
        return EXIT_RUNTIME;
    if (o->checkpoint_every && ((e + 1) % o->checkpoint_every == 0 || e + 1 == o->epochs) &&
        checkpoint_write(o->out, r->tr, e + 1, r->rows, r->cfg_hash, r->data_sha))
        return EXIT_RUNTIME;
    if (o->save_epochs) {
        char name[48];
        snprintf(name, sizeof name, "epoch-%zu.npz", e + 1);
        if (params_npz_write(o->out, name, r->tr)) return EXIT_RUNTIME;
    }
    r->rs.epochs_done = e + 1;
    progress_epoch(&r->pg, e, row, r->classify);
    if (overflow_watch_check(&r->ow, r->tr, e, (overflow_policy)o->on_overflow, r->pg.who,
                             o->write_csv ? r->partial_path : NULL))
        return EXIT_RUNTIME;
    if (e + 1 < o->epochs && now_seconds() - r->status_written > 5.0) {
        run_status_write(&r->rs); /* epochs_done; a failure to write it is not the run's */
        r->status_written = now_seconds();
    }
    if ((r->sig = cli_stop_signal()) && e + 1 < o->epochs) return stop_at(r, e, r->batches);
    return 0;
}

/* train: the batch buffers, what a resumed run did already, then the
 * epochs still to run. */
static int train_epochs(run_ctx *r)
{
    const train_options *o = r->o;
    const size_t n = r->train->n, bs = r->cfg.batch_size, d = r->train->d, C = r->train->n_outputs;
    r->n = n, r->bs = bs, r->K = r->cfg.n_layers;
    r->classify = r->train->task == F3_TASK_CLASSIFICATION;
    r->x = malloc(bs * d * sizeof *r->x);
    r->t = malloc(bs * C * sizeof *r->t);
    r->lab = malloc(bs * sizeof *r->lab);
    r->perm = malloc(n * sizeof *r->perm);
    if (!r->x || !r->t || !r->lab || !r->perm) {
        F3_FAIL(F3_ENOMEM, "out of memory for the batch buffers");
        return EXIT_RUNTIME;
    }
    r->batches = (n + bs - 1) / bs;
    if (overflow_watch_init(&r->ow, r->rows, o->epochs, r->start_epoch, r->tr)) return EXIT_RUNTIME;
    progress_init(&r->pg, o, r->command, n, bs);
    r->train_time = 0.0, r->test_time = 0.0, r->status_written = now_seconds();
    r->best_epoch = 0;
    r->rs.epochs_done = r->start_epoch;
    const epoch_row *rows = r->rows;
    for (size_t e = 0; e < r->start_epoch; e++) {
        r->train_time += rows[e].train_seconds, r->test_time += rows[e].test_seconds;
        if (r->classify ? rows[e].test_acc > rows[r->best_epoch].test_acc
                        : rows[e].test_loss < rows[r->best_epoch].test_loss)
            r->best_epoch = e;
    }
    if (r->resuming && r->start_epoch && o->write_csv &&
        write_epochs_csv(o->out, "epochs.partial.csv", rows, r->start_epoch, r->classify))
        return EXIT_RUNTIME;
    /* a schedule with an epoch function times the training itself (the
     * SystemC chip); one without leaves it to the plain loop */
    const int timed = r->sched && r->sched->epoch;
    r->next_save = 0;
    while (r->next_save < o->n_save_steps && o->save_steps[r->next_save] <= (uint64_t)r->start_epoch * r->batches)
        r->next_save++;
    for (size_t e = r->start_epoch; e < o->epochs; e++) {
        double t0 = now_seconds();
        f3_stats st = {0};
        train_order_epoch(&r->ord, r->cfg.seed, e, r->perm, n);
        int rc = timed ? train_timed_epoch(r, e, &st) : train_batches(r, e, &st);
        if (!rc) rc = finish_epoch(r, e, &st, t0);
        if (rc) return rc;
    }
    return 0;
}

/* write, run.json: its dataset and epochs. */
static void json_data_epochs(json_writer *w, const run_ctx *r)
{
    const train_options *o = r->o;
    json_key(w, "dataset");
    json_begin_object(w);
    json_kv_string(w, "name", o->dataset);
    json_kv_string(w, "task", r->classify ? "classification" : "regression");
    json_kv_u64(w, "train_samples", r->train->n);
    json_kv_u64(w, "test_samples", r->test->n);
    json_kv_u64(w, "features", r->train->d);
    json_kv_u64(w, "outputs", r->train->n_outputs);
    json_kv_string(w, "files_sha256", r->data_sha);
    json_end_object(w);
    json_kv_u64(w, "parameters", r->tr ? f3_parameter_count(&r->cfg) : f3_blocks_params(o->blocks, o->n_blocks));
    json_key(w, "epochs");
    json_begin_array(w);
    for (size_t e = 0; e < o->epochs; e++) {
        const epoch_row *row = &r->rows[e];
        json_begin_object(w);
        json_kv_u64(w, "epoch", e + 1);
        json_kv_double(w, "train_loss", row->train_loss);
        json_kv_double(w, "test_loss", row->test_loss);
        if (r->classify) {
            json_kv_double(w, "train_accuracy_percent", row->train_acc);
            json_kv_double(w, "test_accuracy_percent", row->test_acc);
        }
        json_kv_double(w, "seconds", row->train_seconds + row->test_seconds);
        json_kv_double(w, "train_seconds", row->train_seconds);
        json_kv_double(w, "test_seconds", row->test_seconds);
        overflow_json_epoch(w, &r->ow, e);
        json_end_object(w);
    }
    json_end_array(w);
}

/* write, run.json: the outcome (best and final, the ledger, saturations,
 * the weights' hash, times) and the libraries. */
static void json_outcome(json_writer *w, const run_ctx *r, const char *hash, double best_loss, double best_acc,
                         const struct rusage *ru)
{
    const train_options *o = r->o;
    const f3_config *cfg = &r->cfg;
    const epoch_row *last = &r->rows[o->epochs - 1];
    json_kv_string(w, "loss_units", cfg->loss == F3_LOSS_BCE
                                        ? "BCE summed over the outputs, averaged over samples"
                                        : cfg->loss == F3_LOSS_MSE ? "MSE averaged over outputs and samples"
                                                                   : "cross-entropy averaged over samples");
    json_key(w, "best_test_accuracy");
    if (r->classify) json_double(w, best_acc);
    else json_null(w);
    json_key(w, "final_test_accuracy");
    if (r->classify) json_double(w, last->test_acc);
    else json_null(w);
    json_kv_string(w, "accuracy_units", "percent");
    json_kv_double(w, "best_test_loss", best_loss);
    json_kv_double(w, "final_test_loss", last->test_loss);
    json_kv_u64(w, "best_epoch", r->best_epoch + 1);
    json_key(w, "ledger");
    train_json_ledger(w, net_ledger(&r->nt), cfg);
    if (r->nt.blk) { /* what a block's own backward pass keeps (docs/blocks.md) */
        json_kv_u64(w, "peak_block_stash_elements", f3_blocktrainer_stash_peak(r->nt.blk));
        json_kv_string(w, "ledger_layers", "blocks");
    }
    /* values that saturated where they were quantised, per tensor class
     * (training only; 0 everywhere in fp32) */
    json_key(w, "saturations");
    json_begin_object(w);
    const uint64_t *sat = r->tr ? r->tr->saturations : f3_blocktrainer_saturations(r->nt.blk);
    for (int ti = 0; ti < F3_T_COUNT; ti++) json_kv_u64(w, f3_tensor_names[ti], sat[ti]);
    json_end_object(w);
    overflow_json_run(w, r->tr, cfg);
    json_kv_string(w, "weights_sha256", hash);
    json_kv_u64(w, "seed", cfg->seed);
    json_kv_double(w, "train_seconds", r->train_time);
    json_kv_double(w, "test_seconds", r->test_time);
    json_kv_double(w, "wall_seconds", now_seconds() - r->t_start);
    json_kv_double(w, "samples_per_second", (double)(r->n * o->epochs) / r->train_time);
    json_kv_double(w, "peak_rss_mib", (double)ru->ru_maxrss / 1024.0);
    if (r->sched && r->sched->write_json) r->sched->write_json(r->sched->ctx, w);
    json_key(w, "libraries");
    json_begin_object(w);
    json_kv_string(w, "gsl", GSL_VERSION);
    json_kv_string(w, "blas", f3_blas_config());
    json_kv_string(w, "zlib", zlibVersion());
    json_kv_string(w, "openssl", OPENSSL_VERSION_TEXT);
    json_end_object(w);
}

/* write: <out>/run.json. */
static int write_run_json(const run_ctx *r, const char *hash, double best_loss, double best_acc,
                          const struct rusage *ru)
{
    atomic_file af;
    if (atomic_open(&af, r->o->out, "run.json")) return -1;
    json_writer w;
    json_init(&w, af.f);
    json_begin_object(&w);
    train_json_head(&w, r->o, &r->cfg, r->command, r->init_sha, &r->ord);
    json_data_epochs(&w, r);
    json_outcome(&w, r, hash, best_loss, best_acc, ru);
    json_end_object(&w);
    return atomic_commit(&af);
}

/* write: what the run achieved into *res. */
static void fill_result(const run_ctx *r, train_result *res, const char *hash, double best_loss, double best_acc)
{
    const train_options *o = r->o;
    const f3_ledger *L = net_ledger(&r->nt);
    f3_counts tot = f3_ledger_sum(L, -1, F3_PH_COUNT);
    res->classify = r->classify;
    res->best_test_accuracy = r->classify ? best_acc : NAN;
    res->final_test_accuracy = r->classify ? r->rows[o->epochs - 1].test_acc : NAN;
    res->best_test_loss = best_loss;
    res->final_test_loss = r->rows[o->epochs - 1].test_loss;
    res->train_seconds = r->train_time;
    res->samples_per_second = (double)(r->n * o->epochs) / r->train_time;
    res->fma = tot.fma;
    res->elementwise_ops = tot.elem;
    res->peak_act = L->peak_act;
    res->peak_err = L->peak_err;
    memcpy(res->weights_sha256, hash, 65);
    res->epochs = o->epochs;
    res->best_epoch = r->best_epoch + 1;
    res->n_train = r->n;
    res->cfg = r->cfg;
}

/* write: the result (res may be NULL), the schedule's files, run.json then
 * epochs.csv (an epochs.csv never stands without its run.json), and
 * status.json done. */
static int write_results(run_ctx *r, train_result *res)
{
    const train_options *o = r->o;
    double best_loss = INFINITY, best_acc = -INFINITY;
    for (size_t e = 0; e < o->epochs; e++) {
        if (r->rows[e].test_loss < best_loss) best_loss = r->rows[e].test_loss;
        if (r->rows[e].test_acc > best_acc) best_acc = r->rows[e].test_acc;
    }
    char hash[65];
    if (r->tr) f3_weights_sha256(r->tr, hash);
    else f3_blocktrainer_sha256(r->nt.blk, hash);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (res) fill_result(r, res, hash, best_loss, best_acc);
    if (r->sched && r->sched->write_files && r->sched->write_files(r->sched->ctx, o->out)) return EXIT_RUNTIME;
    if (o->write_json && write_run_json(r, hash, best_loss, best_acc, &ru)) return EXIT_RUNTIME;
    if (o->write_csv && write_epochs_csv(o->out, "epochs.csv", r->rows, o->epochs, r->classify)) return EXIT_RUNTIME;
    if (o->cache_epochs_dir && write_epochs_csv(o->cache_epochs_dir, "epochs.csv", r->rows, o->epochs, r->classify))
        return EXIT_RUNTIME;
    unlink(r->partial_path);
    r->rs.epochs_done = o->epochs;
    if (run_status_done(&r->rs)) return EXIT_RUNTIME;
    return 0;
}

/* Stopped by SIGINT or SIGTERM: the batch is done; the epochs done so far
 * are in epochs.partial.csv.  The exit status. */
static int stopped(run_ctx *r)
{
    const train_options *o = r->o;
    run_status *rs = &r->rs;
    size_t kept = rs->epochs_done;
    run_status_interrupted(rs, r->sig);
    char where[160];
    if (rs->batch < rs->batches)
        snprintf(where, sizeof where, "in epoch %zu after batch %zu of %zu", rs->epoch, rs->batch, rs->batches);
    else
        snprintf(where, sizeof where, "after epoch %zu of %zu", rs->epoch, o->epochs);
    if (o->write_csv && kept)
        F3_FAIL(F3_EINVAL, "stopped by %s %s; the %zu epoch%s done %s in %s (status.json: interrupted)",
                cli_signal_name(r->sig), where, kept, kept == 1 ? "" : "s", kept == 1 ? "is" : "are",
                r->partial_path);
    else
        F3_FAIL(F3_EINVAL, "stopped by %s %s; %s/status.json: interrupted", cli_signal_name(r->sig), where, o->out);
    return EXIT_SIGNAL(r->sig);
}

/* The end of a run that got past loading its data: a failure marked in
 * status.json, the folder removed after a usage error if this run made it,
 * everything freed.  Returns rc. */
static int finish_run(run_ctx *r, int rc)
{
    if (rc && r->have_status && !EXIT_IS_SIGNAL(rc)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        run_status_failed(&r->rs, msg);
        F3_FAIL(F3_EINVAL, "%s", msg); /* the run's error, not the status file's */
    }
    dir_lock_release(&r->lock);
    overflow_watch_free(&r->ow);
    if (rc == EXIT_USAGE && r->made[0]) { /* exit 2: nothing written, no folder left */
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", f3_last_error());
        if (!remove_run_folder(r->o->out)) remove_empty_dirs(r->o->out, r->made);
        F3_FAIL(F3_EINVAL, "%s", msg);
    }
    free(r->x);
    free(r->t);
    free(r->lab);
    free(r->perm);
    train_order_free(&r->ord);
    free(r->rows);
    if (r->sched && r->sched->end) r->sched->end(r->sched->ctx);
    f3_trainer_free(r->tr);
    f3_blocktrainer_free(r->nt.blk);
    f3_dataset_free(r->train);
    f3_dataset_free(r->test);
    return rc;
}

int train_run_schedule(const train_options *o, const char *command, train_result *res,
                       const train_schedule *sched)
{
    run_ctx r;
    memset(&r, 0, sizeof r);
    r.t_start = now_seconds();
    r.o = o, r.command = command, r.sched = sched;
    r.lock.fd = -1;
    cli_signals_install();
    int rc = resolve_options(&r);
    if (rc) return rc;
    if (train_load_data(o, &r.train, &r.test) != F3_OK) return EXIT_RUNTIME;
    rc = resolve_config(&r);
    if (!rc) rc = build_network(&r);
    if (!rc) rc = prepare_folder(&r);
    if (!rc) rc = train_epochs(&r);
    if (!rc) rc = write_results(&r, res);
    if (rc == RUN_STOPPED) rc = stopped(&r);
    return finish_run(&r, rc);
}
