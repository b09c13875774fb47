/* checkpoint.h — a training run's state between epochs, to resume from.
 *
 * <rule dir>/checkpoint.npz: a zip (stored, no compression) of NumPy .npy
 * v1.0 arrays ('<f4', C order), one per tensor: W1, b1, … (1-based layers),
 * B1 … (feedback matrices), adam_m_W1, adam_v_W1, adam_m_b1, adam_v_b1 …,
 * error_store (n_train, C), so numpy.load reads it with no f3sim code.
 * <rule dir>/checkpoint.json: the rest — epochs done, per-layer optimiser
 * steps, the ledger, the per-epoch rows so far, the states of the
 * stochastic-rounding streams (hex), the saturation counts (and the
 * underflow and value counts by class, site and epoch: overflow_warn.h), the f3sim
 * version and commit, a hash of the configuration and the CRC-32 of the
 * .npz it goes with.  Both are written atomically (temporary file and
 * rename), the .npz first; the previous .npz stays, as
 * checkpoint.prev.npz, until the new .json is in place, so a run killed
 * between the two renames resumes from the previous pair. */
#ifndef F3SIM_CHECKPOINT_H
#define F3SIM_CHECKPOINT_H

#include <stddef.h>

#include "f3/train.h"
#include "results.h" /* CHECKPOINT_PREVIOUS_NPZ */

/* One epoch's quantisation counts by tensor class (overflow_warn.h). */
typedef struct {
    uint64_t values[F3_T_COUNT], saturations[F3_T_COUNT], underflows[F3_T_COUNT];
} ckpt_qcounts;

typedef struct {
    double train_loss, train_acc, test_loss, test_acc;
    double train_seconds, test_seconds; /* wall time of the epoch's training and of its test pass */
    ckpt_qcounts q;                     /* what the epoch quantised (overflow_watch_take) */
    int q_known;                        /* 1 once q is taken (or read back from a checkpoint) */
} ckpt_row;

/* Write dir/checkpoint.npz and dir/checkpoint.json after `epochs_done`
 * epochs (rows[0..epochs_done)); 0, or -1 with f3_last_error(). */
int checkpoint_write(const char *dir, const f3_trainer *tr, size_t epochs_done, const ckpt_row *rows,
                     const char *config_sha256, const char *data_sha256);

/* Write dir/name (atomically): tr's W1…WK, b1…bK and the feedback matrices
 * B_i its rule has, as float32 .npy arrays in an uncompressed .npz — the
 * layout of checkpoint.npz without the optimiser and the error store, and
 * what init_from_npz reads, so that --init-from of it starts a run from
 * this very state.  0, or -1 with f3_last_error(). */
int params_npz_write(const char *dir, const char *name, const f3_trainer *tr);

/* 1 if dir/checkpoint.json exists. */
int checkpoint_exists(const char *dir);

/* Restore tr (built from the same configuration) and rows[0..*epochs_done)
 * (room for max_rows) from dir's checkpoint, whose epochs took
 * batches_per_epoch optimiser steps each.  0 on success; 2 (EXIT_USAGE)
 * when the data files' hash (data_files_sha256) or the configuration's
 * differs, or the checkpoint is of an older format; 1 a missing, unreadable, damaged (checkpoint.json fails its own
 * CRC-32, an .npz its CRC) or inconsistent checkpoint (parameters, moments
 * or error store not finite, step counts that are not epochs_done ×
 * batches_per_epoch); the reason in f3_last_error(). */
int checkpoint_read(const char *dir, f3_trainer *tr, size_t *epochs_done, ckpt_row *rows, size_t max_rows,
                    size_t batches_per_epoch, const char *config_sha256, const char *data_sha256);

/* Start tr from the weights, biases and feedback matrices in the .npz at
 * path (what numpy.savez or numpy.savez_compressed writes, float32 or
 * float64, or a checkpoint.npz): W1…WK and b1…bK in the network's shapes
 * (W_i is (n_i, n_{i−1}), b_i is (n_i,)), and B1…BK, (C, n_i), for every
 * layer whose rule uses a feedback matrix (ignored, and counted in
 * *unused_feedback, where it does not).  A checkpoint's adam_* and
 * error_store arrays are ignored; any other name is an error.  The values
 * are put into the number formats (saturations into tr->saturations).
 * sha256: the file's SHA-256, hex.  0; 2 (EXIT_USAGE) for a file that does
 * not fit the network (a missing array, another shape, an unknown name, a
 * value that is not finite); 1 for a file that cannot be read as an .npz;
 * the reason in f3_last_error(). */
int init_from_npz(const char *path, f3_trainer *tr, char sha256[65], size_t *unused_feedback);

#endif
