/* f3/dataset.h — data sets for training and evaluation.
 *
 * A data set is a matrix of n samples × d features plus one target per
 * sample.  Features are kept in their stored form (bytes for image data,
 * float otherwise) and standardised only when a batch is gathered, so that
 * MNIST's 60 000 images cost 47 MB instead of 188 MB:
 *
 *     x_std[j] = (raw[j] - offset[j]) * scale[j]
 *
 * Classification targets are class indices 0..C-1 (one-hot encoded when a
 * batch is gathered); regression targets are C floats per sample.
 *
 * Loaders fail with F3_EIO (missing or unreadable file) or F3_EFORMAT
 * (wrong magic number, truncated file, ragged or non-numeric row, label out
 * of range); the message names the file and the record (1-based line for
 * text files, 0-based record index for binary files).  A size that a file's
 * header claims is checked against the file before anything of that size is
 * allocated, and the message names the claim and what the file holds.  A
 * missing Census Income or Wine Quality file is reported with where the
 * data set comes from and the file names it needs.
 *
 * Text files may start with a UTF-8 byte order mark (ignored) and end lines
 * with CRLF; blank lines are skipped; UTF-16 text and NUL bytes are errors.
 */
#ifndef F3_DATASET_H
#define F3_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { F3_TASK_CLASSIFICATION = 0, F3_TASK_REGRESSION = 1 } f3_task;

typedef struct f3_dataset {
    char name[64];       /* e.g. "mnist-train" */
    f3_task task;
    size_t n;            /* samples */
    size_t d;            /* features per sample */
    size_t n_outputs;    /* C: classes (classification) or targets (regression) */
    uint8_t *x_u8;       /* (n, d) raw bytes, or NULL */
    float *x_f32;        /* (n, d) raw floats, or NULL; exactly one is set */
    float *offset;       /* (d) standardisation offset */
    float *scale;        /* (d) standardisation scale */
    int32_t *labels;     /* (n) class index, classification only, else NULL */
    float *targets;      /* (n, n_outputs) regression only, else NULL */
} f3_dataset;

/* Free a data set and everything it owns; NULL is a no-op. */
void f3_dataset_free(f3_dataset *ds);

/* Allocate an empty data set with room for n samples of d features and the
 * given storage (x_u8 if bytes != 0, else x_f32).  offset is set to 0 and
 * scale to 1; labels (classification) or targets (regression) allocated. */
f3_status f3_dataset_alloc(f3_task task, size_t n, size_t d, size_t n_outputs,
                           int bytes, f3_dataset **out);

/* IDX pair (images idx3 ubyte, labels idx1 ubyte), plain or gzip (detected
 * by content).  Standardisation is left at identity; see
 * f3_dataset_standardise_scalar.  n_classes: labels must be < n_classes. */
f3_status f3_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t n_classes, f3_dataset **out);

/* MNIST or Fashion-MNIST from a folder holding the four IDX files with their
 * standard names (with or without .gz).  split: "train" or "test".
 * Standardised as the paper's code does: x/255, mean 0.1307, std 0.3081. */
f3_status f3_dataset_load_mnist(const char *dir, const char *split, f3_dataset **out);

/* Census Income (UCI "Adult"): adult.data or adult.test.  Features: the six
 * numeric columns and an integer code for each of the eight categorical
 * columns (code = index of the value in the UCI adult.names vocabulary,
 * "?" -> -1), 14 in all; labels: 0 for <=50K, 1 for >50K (a trailing '.' is
 * accepted).  Standardisation left at identity (the paper's code does not
 * standardise Census Income). */
f3_status f3_dataset_load_census(const char *path, f3_dataset **out);

/* Wine Quality regression: red and white CSVs (';' or ',' separated, an
 * optional header line as for f3_dataset_load_csv), 11 features + colour
 * (0 red, 1 white) = 12, target quality.  Split deterministically by seed
 * into train and test (test_fraction of the rows); features and target
 * standardised with the training split's mean and standard deviation (a
 * column too wide to standardise in float is F3_EFORMAT).  Either output
 * may be NULL. */
f3_status f3_dataset_load_wine(const char *red_csv, const char *white_csv,
                               double test_fraction, uint64_t seed,
                               f3_dataset **train, f3_dataset **test);

/* CIFAR-10 binary batch files (each record: 1 label byte + 3072 pixel
 * bytes).  paths: n_paths files concatenated.  Standardised per channel
 * with the usual CIFAR-10 mean/std on x/255. */
f3_status f3_dataset_load_cifar10(const char *const *paths, size_t n_paths,
                                  f3_dataset **out);

/* Generic numeric CSV (',' separated, an optional header line: the first
 * non-blank line is skipped as a header when none of its fields is a
 * number; a first line with a number and a non-number is an error, never a
 * data row dropped as a header).  label_column: index of the target
 * column (negative counts from the end).  classification: the target is an
 * integer class in [0, n_classes); regression: n_classes is ignored and the
 * target is one float. */
f3_status f3_dataset_load_csv(const char *path, int label_column, f3_task task,
                              size_t n_classes, f3_dataset **out);

/* Set offset[j] = mean*range and scale[j] = 1/(std*range) for all j, i.e.
 * x_std = (raw/range - mean)/std. */
void f3_dataset_standardise_scalar(f3_dataset *ds, float range, float mean, float std);

/* Keep only the first n samples (n <= ds->n); memory is not reallocated. */
void f3_dataset_truncate(f3_dataset *ds, size_t n);

/* Gather a batch: for each of the b sample indices idx[k], write the
 * standardised features to x[k*d .. k*d+d) and the targets to
 * t[k*C .. k*C+C) (one-hot for classification); labels_out[k] (may be NULL)
 * receives the class (or -1 for regression).  x: (b, d), t: (b, C). */
void f3_dataset_gather(const f3_dataset *ds, const size_t *idx, size_t b,
                       float *x, float *t, int32_t *labels_out);

/* Ask the cache to fetch the features of the b samples idx[k] (a hint, no
 * effect on any result): called for the next batch before the current
 * batch's training step, the rows of a shuffled epoch arrive from memory
 * while the step computes, and the next f3_dataset_gather finds them in
 * cache. */
void f3_dataset_prefetch(const f3_dataset *ds, const size_t *idx, size_t b);

#ifdef __cplusplus
}
#endif
#endif
