/* train_run.h — one training run: data, network, epochs, results folder.
 *
 * Used by `f3sim train` and by scenario runs (one per learning rule).  The
 * folder <out> is created once the data are loaded and the network is
 * built (a run that fails before leaves none), locked while the run writes
 * it, cleared of an earlier run's files, and carries status.json (running,
 * done, failed, interrupted) and scenario.resolved.yaml.  During the run
 * <out>/epochs.partial.csv holds the epochs done so far; at the end
 * run.json, then epochs.csv are written (atomically) and the partial file
 * is removed, so epochs.csv never stands without run.json.
 *
 * A non-finite training loss, test loss or weight stops the run
 * ("diverged at epoch E, batch B (layer L)", exit 1); SIGINT or SIGTERM
 * stops it after the current batch (an epoch on the chip) with status
 * interrupted and exit 128 + the signal. */
#ifndef F3SIM_TRAIN_RUN_H
#define F3SIM_TRAIN_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "f3/blocktrain.h"
#include "f3/train.h"
#include "scenario.h"

#define TRAIN_MAX_SAVE_STEPS 256 /* --save-steps: at most this many steps */

typedef struct {
    char dataset[32];        /* mnist, fashion-mnist, census, wine, cifar10, csv */
    char data_dir[1024];     /* folder holding the data sets (default "data") */
    char data_path[1024];    /* overrides the data set's folder or file */
    char test_path[1024];    /* csv: the test file */
    int label_column;        /* csv */
    size_t classes;          /* csv classification: number of classes; 0 = regression */
    size_t train_limit;      /* 0 = all */
    size_t test_limit;       /* 0 = all */
    int raw;                 /* 1: no standardisation (raw feature values) */
    double wine_test_fraction;
    size_t hidden[F3_MAX_LAYERS];
    size_t n_hidden;
    f3_config cfg;           /* widths filled in from the data set */
    int set_loss, set_output_act, set_error_info; /* given explicitly */
    size_t epochs;
    int threads;             /* 0 = the BLAS default; at most the cores */
    char out[2048];
    int progress;            /* 1: progress on stderr: on a terminal one line per epoch, updated
                                as it goes; else a line every 10 % of the run (0: --quiet) */
    size_t expect_input;     /* 0, or the n_0 the data set must have */
    size_t expect_output;    /* 0, or the C the data set must have */
    int write_json, write_csv; /* result files to write (both by default) */
    const char *cache_epochs_dir; /* NULL, or a folder that receives the run's epochs.csv as well,
                                     whatever write_csv says (the numerics cache's copy) */
    char scenario_file[1024]; /* set when run from a scenario */
    char scenario_name[512];
    char point_label[2048];  /* sweep point: "training.lr=0.001 …" */
    /* scenario runs: the point's scenario and the --set overrides, for
     * scenario.resolved.yaml (NULL: f3sim train writes the scenario of its
     * options) */
    const scenario *sc;
    const char *const *sets;
    size_t n_sets;
    char rule[32];           /* the rule's name in messages: "f3-error" (default: the algorithm) */
    char command_line[4096]; /* for status.json */
    size_t checkpoint_every; /* 0, or write <out>/checkpoint.{npz,json} after every N-th epoch (and the last) */
    int resume;              /* 1: continue from <out>'s checkpoint (same configuration) when there is one */
    char init_from[1024];    /* "", or an .npz of initial W, b and B (init_from_npz) */
    /* f3sim train's view into a run (train_order.h, docs/scenarios.md "Stepping
     * through a run"): the sample order, and the weights at given moments */
    char order_file[1024];   /* "", or --order FILE: the sample order of every epoch */
    int no_shuffle;          /* 1: --no-shuffle, samples 0 … n−1 every epoch */
    char save_init[1024];    /* "", or --save-init FILE.npz: the initial W, b, B */
    uint64_t save_steps[TRAIN_MAX_SAVE_STEPS]; /* --save-steps: ascending, distinct, 1-based */
    size_t n_save_steps;
    int save_epochs;         /* 1: --save-epochs, <out>/epoch-E.npz after every epoch */
    int on_overflow;         /* overflow_policy: --on-overflow, numerics.on_overflow (warn) */
    int is_blocks;           /* 1: a network of blocks (network.type vit or blocks) for the block
                                trainer; cfg.widths are then the blocks' outputs */
    char network_type[16];   /* "vit" or "blocks" */
    f3_vit_config vit_cfg;   /* vit */
    char blocks_spec[SC_MAX_STR]; /* blocks: network.blocks */
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t n_blocks;
} train_options;

/* What a run achieved, for comparison tables. */
typedef struct {
    int classify;
    double best_test_accuracy, final_test_accuracy; /* percent; NaN for regression */
    double best_test_loss, final_test_loss;
    double train_seconds, samples_per_second;
    uint64_t fma, elementwise_ops, peak_act, peak_err;
    char weights_sha256[65];
    size_t epochs, best_epoch; /* best_epoch 1-based */
    size_t n_train;            /* training samples (after train_limit) */
    f3_config cfg;             /* the trainer's configuration, widths from the data set */
} train_result;

void train_options_default(train_options *o);

/* Load the training and test sets the options name (the data set's
 * standard preprocessing unless o->raw; train_limit and test_limit
 * applied).  F3_OK, or a status with the message in f3_last_error(); free
 * both with f3_dataset_free. */
f3_status train_load_data(const train_options *o, struct f3_dataset **train, struct f3_dataset **test);

/* o->init_from = path (an error, -1, when it does not fit or the file is
 * not there). */
int set_init_from(train_options *o, const char *path);

/* o->order_file = path (-1, with f3_last_error(), when too long or not
 * readable; the file is read once the training set is known). */
int set_order_file(train_options *o, const char *path);

/* o->save_init = path (-1 when too long, or its folder does not exist). */
int set_save_init(train_options *o, const char *path);

/* --save-steps LIST: positive step numbers separated by commas (1,10,100),
 * sorted and made distinct into o->save_steps; -1 with f3_last_error() for
 * anything else or more than TRAIN_MAX_SAVE_STEPS steps. */
int parse_save_steps(train_options *o, const char *list);

/* A chip beside the training (a run with a hardware section; such a run
 * writes no checkpoints).  begin is called once the trainer exists, before
 * the results folder is made, with the network's configuration cfg
 * (widths from the data set) and its trainer: the MLP trainer tr, or for a
 * network of blocks (o->blocks; cfg's widths are the blocks' outputs) the
 * block trainer blk (its store filled), the other NULL (may be NULL;
 * non-zero fails the run); epoch, when present, is a timed schedule (the
 * SystemC chip) in place of the plain loop: it trains one epoch over the
 * training set in the order perm, adding the loss of the outputs it
 * computed to *st, and returns 0, TRAIN_EPOCH_STOPPED when a stop signal
 * ended the epoch early (after the whole batches that *st counts), or
 * another non-zero value with f3_last_error() on failure; NULL: the plain
 * loop trains (the analytic engine).  diverged, with epoch and a network of
 * blocks (the MLP trainer keeps its own): the 1-based block whose weights
 * were first no longer finite after an update, with its 1-based step over
 * the run in *step, or 0 (may be NULL).  write_files writes the schedule's
 * own files (tiles.csv) into the results folder after the last epoch,
 * before run.json (may be NULL; non-zero fails the run); write_json adds
 * keys to run.json (may be NULL); end frees (may be NULL). */
struct json_writer_s;
#define TRAIN_EPOCH_STOPPED 2
typedef struct {
    int (*begin)(void *ctx, f3_trainer *tr, f3_blocktrainer *blk, const f3_config *cfg, const f3_dataset *train);
    int (*epoch)(void *ctx, const size_t *perm, size_t epoch, f3_stats *st);
    size_t (*diverged)(void *ctx, uint64_t *step);
    int (*write_files)(void *ctx, const char *dir);
    void (*write_json)(void *ctx, struct json_writer_s *w);
    void (*end)(void *ctx);
    void *ctx;
} train_schedule;

/* Run; 0 on success, else the exit status (io_util.h: 1 a runtime failure
 * or divergence, 2 an invalid configuration — an option out of its
 * scenario key's range, a batch larger than the training set, a loss that
 * does not fit the data —, 128 + N stopped by signal N) with the reason in
 * f3_last_error().  A usage error found once the results folder was made
 * removes the folder again when this run made it (and the empty folders
 * above it that it made). */
int train_run_schedule(const train_options *o, const char *command, train_result *res,
                       const train_schedule *sched);
int train_run(const train_options *o, const char *command, train_result *res);

/* run.json's "ledger" object for ledger l of a network cfg. */
struct json_writer_s;
void train_json_ledger(struct json_writer_s *w, const f3_ledger *l, const f3_config *cfg);

/* run.json's opening keys: the f3sim version and commit, the command and
 * its line, the scenario, sweep point and --set overrides (scenario runs),
 * the resolved scenario's file name, init_from (with the file's SHA-256),
 * the sample order ord (NULL: the seed's) and the weights saved
 * (--save-init, --save-steps, --save-epochs), and the configuration. */
struct train_order_s;
void train_json_head(struct json_writer_s *w, const train_options *o, const f3_config *cfg, const char *command,
                     const char *init_sha256, const struct train_order_s *ord);

/* dir/scenario.resolved.yaml of a run (the scenario's point, or the
 * scenario of f3sim train's options); 0, or -1 with f3_last_error(). */
int write_run_scenario(const train_options *o, const char *dir);

/* The command line argv[0..argc) as shell words into buf (cut short with
 * "…" if too long). */
void command_line_text(char *buf, size_t len, int argc, char **argv);

/* ---- shared by train_run.c, train_options.c and train_record.c ---------------- */

/* The options against their scenario keys' ranges and each other: 0, or
 * EXIT_USAGE with the message in f3_last_error(). */
int train_check_options(const train_options *o);

/* path as its folder (into dir; "." when none) and its last name (*base,
 * within path); -1 when the folder does not fit in dlen. */
int train_split_path(const char *path, char *dir, size_t dlen, const char **base);

/* SHA-256 (hex) of what decides a run's numbers: the configuration as
 * run.json records it and the data it reads (their SHA-256 data_sha256);
 * a checkpoint is resumed only by a run with the same hash.  0, or -1. */
int train_config_sha256(const train_options *o, const f3_config *cfg, const char *init_sha256,
                        const struct train_order_s *ord, const char *data_sha256, char hex[65]);

#endif
