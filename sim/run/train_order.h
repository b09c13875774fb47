/* train_order.h — the order in which a training run visits its samples.
 *
 * By default every epoch visits the training set in a permutation drawn
 * from the seed and the epoch's number (f3_epoch_order), so a resumed run
 * sees the same order as an uninterrupted one.  `f3sim train --no-shuffle`
 * visits 0, 1, …, n−1 every epoch; `--order FILE` takes the permutations
 * from a file, so that another implementation (analysis/crosscheck/) can be
 * fed the very same batches.
 *
 * An order file holds indices into the training set (0-based; after
 * --train-limit N the set is its first N samples), either n of them (one
 * permutation, used every epoch) or epochs·n (epoch e takes the e-th block
 * of n).  Each block must be a permutation of 0 … n−1.  Two encodings:
 *
 *   text   decimal integers separated by white space or commas; '#' starts
 *          a comment that runs to the end of its line (numpy.savetxt(FILE,
 *          order, fmt='%d') writes one);
 *   .npy   what numpy.save writes for an int32, int64, uint32 or uint64
 *          array of shape (n,), (epochs·n,), (1, n) or (epochs, n); told
 *          from text by its magic bytes, whatever the file's name.
 *
 * A file that does not fit names the file and the place: FILE:LINE:COLUMN
 * in text, the element's index in a .npy array, and the epoch and sample
 * (1-based) the index would have been. */
#ifndef F3SIM_TRAIN_ORDER_H
#define F3SIM_TRAIN_ORDER_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TRAIN_ORDER_SEED = 0, TRAIN_ORDER_NONE, TRAIN_ORDER_FILE } train_order_kind;

typedef struct train_order_s {
    train_order_kind kind;
    uint32_t *idx;    /* FILE: perms × n indices, epoch e's at idx + (e % perms)·n */
    size_t n;         /* training samples */
    size_t perms;     /* FILE: 1 (every epoch) or the run's epochs */
    char sha256[65];  /* FILE: the file's SHA-256, hex */
} train_order;

/* Read and check the order file at path for a training set of n samples
 * and a run of `epochs` epochs into *ord (kind TRAIN_ORDER_FILE).  0; 2
 * (EXIT_USAGE) for a file that is not an order of this training set (a
 * token that is not an index, an index out of range or repeated within an
 * epoch, a count other than n or epochs·n, a malformed .npy); 1 for a file
 * that cannot be read; the reason in f3_last_error().  Free with
 * train_order_free. */
int train_order_load(train_order *ord, const char *path, size_t n, size_t epochs);

/* The order of epoch `epoch` (0-based) into perm (n entries): from the
 * seed (TRAIN_ORDER_SEED, f3_epoch_order), 0 … n−1 (NONE) or the file's. */
void train_order_epoch(const train_order *ord, uint64_t seed, size_t epoch, size_t *perm, size_t n);

/* "seed", "none" or "file" */
const char *train_order_kind_name(train_order_kind k);

void train_order_free(train_order *ord);

#endif
