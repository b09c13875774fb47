/* checkpoint.h — a training run's state between epochs, to resume from.
 *
 * <rule dir>/checkpoint.npz: a zip (stored, no compression) of NumPy .npy
 * v1.0 arrays ('<f4', C order), one per tensor: W1, b1, … (1-based layers),
 * B1 … (feedback matrices), adam_m_W1, adam_v_W1, adam_m_b1, adam_v_b1 …,
 * error_store (n_train, C), so numpy.load reads it with no f3sim code.
 * <rule dir>/checkpoint.json: the rest — epochs done, per-layer optimiser
 * steps, the ledger, the per-epoch rows so far, the states of the
 * stochastic-rounding streams (hex), the saturation counts, the f3sim
 * version and commit, a hash of the configuration and the CRC-32 of the
 * .npz it goes with.  Both are written atomically (temporary file and
 * rename), the .npz first. */
#ifndef F3SIM_CHECKPOINT_H
#define F3SIM_CHECKPOINT_H

#include <stddef.h>

#include "f3/train.h"

typedef struct {
    double train_loss, train_acc, test_loss, test_acc, seconds;
} ckpt_row;

/* Write dir/checkpoint.npz and dir/checkpoint.json after `epochs_done`
 * epochs (rows[0..epochs_done)); 0, or -1 with f3_last_error(). */
int checkpoint_write(const char *dir, const f3_trainer *tr, size_t epochs_done, const ckpt_row *rows,
                     const char *config_sha256);

/* 1 if dir/checkpoint.json exists. */
int checkpoint_exists(const char *dir);

/* Restore tr (built from the same configuration) and rows[0..*epochs_done)
 * (room for max_rows) from dir's checkpoint.  0 on success; 2 (EXIT_USAGE)
 * when the configuration's hash differs; 1 a missing, unreadable or
 * inconsistent checkpoint; the reason in f3_last_error(). */
int checkpoint_read(const char *dir, f3_trainer *tr, size_t *epochs_done, ckpt_row *rows, size_t max_rows,
                    const char *config_sha256);

#endif
