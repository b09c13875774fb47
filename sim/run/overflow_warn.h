/* overflow_warn.h — what a run's number formats lose, and the datapath it
 * ran on (docs/numerics.md, "Saturation, underflow and the datapath").
 *
 * Per tensor class and epoch: the values quantised in training, those that
 * saturated (beyond the format's range) and those that underflowed (nonzero
 * and rounded to zero); all counts.  A class whose saturations or
 * underflows pass 1 % of its values in an epoch (or 99 % of its values
 * at one site) raises a warning on stderr
 * naming the class, the fraction in percent and a format that may do
 * better; under numerics.on_overflow stop (f3sim train --on-overflow stop)
 * the run then fails after writing that epoch's results. */
#ifndef F3SIM_OVERFLOW_WARN_H
#define F3SIM_OVERFLOW_WARN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "checkpoint.h"
#include "f3/train.h"
#include "json.h"
#include "scenario.h"

/* A class passes the threshold when more than this share of the values it
 * quantised in an epoch saturated, or more than this share underflowed. */
#define OVERFLOW_THRESHOLD 0.01
/* … or when more than this share of the values at one site (a layer, the
 * inputs) did: an output layer whose every δz rounds to zero is 1 % of the
 * error's values but the whole of that layer's learning signal. */
#define OVERFLOW_SITE_SHARE 0.99

typedef enum { OVERFLOW_WARN = 0, OVERFLOW_STOP } overflow_policy;

/* "warn" or "stop" into *out: 0, or -1 with the message in f3_last_error(). */
int overflow_parse_policy(const char *s, overflow_policy *out);
const char *overflow_policy_name(overflow_policy p);

typedef ckpt_qcounts overflow_counts;

typedef struct {
    size_t epochs;
    ckpt_row *rows;         /* (epochs) the run's rows: rows[e].q holds epoch e's counts (epoch 1
                               includes the initial quantisation of the weights and B) */
    overflow_counts last;   /* the trainer's totals when the last epoch ended */
    size_t sites;           /* K + 2 (f3_trainer.site_counts) */
    uint64_t *last_site;    /* (F3_T_COUNT, sites, 3) tr->site_counts when the last epoch ended */
} overflow_watch;

/* Watch a run of `epochs` epochs (rows: its rows) that starts after epoch
 * start_epoch (0: from the beginning, its counts from zero; else a resumed
 * run, its counts from the trainer's now, as the checkpoint restored them).
 * tr NULL (a network of blocks): nothing is watched.  0, or -1 out of
 * memory (message in f3_last_error()). */
int overflow_watch_init(overflow_watch *w, ckpt_row *rows, size_t epochs, size_t start_epoch, const f3_trainer *tr);
void overflow_watch_free(overflow_watch *w);

/* After epoch e's training and test (0-based), before its row is written
 * anywhere: that epoch's counts by class into rows[e].q, from tr's totals.
 * tr NULL: nothing. */
void overflow_watch_take(overflow_watch *w, const f3_trainer *tr, size_t e);

/* After overflow_watch_take(w, tr, e): prints a warning on stderr, naming also the site (a layer, the inputs,
 * the batch's error information) where the class lost the largest share,
 * each line "<prefix>: warning: …" (prefix
 * e.g. "f3sim train: f3"), for every
 * class past the threshold.  Returns 1 when p is OVERFLOW_STOP and a class
 * passed it, with the message (naming the class that lost the largest share, in
 * all its values or at one site, and `results`,
 * the file that holds the epoch's results, when not NULL) in
 * f3_last_error(); else 0.  tr NULL: 0. */
int overflow_watch_check(overflow_watch *w, const f3_trainer *tr, size_t e, overflow_policy p, const char *prefix,
                         const char *results);

/* run.json: "saturations" and "underflows" of epoch e (objects by class;
 * null when unknown). */
void overflow_json_epoch(json_writer *jw, const overflow_watch *w, size_t e);
/* checkpoint.json: the trainer's underflow and value totals, its counts by
 * site and rows[0..epochs_done)'s counts, after the "epochs" array (f is
 * inside the object: writes ",\n  \"quantization_…\": …"). */
void overflow_checkpoint_write(FILE *f, const f3_trainer *tr, const ckpt_row *rows, size_t epochs_done);
/* Read them back from checkpoint.json's text js into tr and rows (a
 * checkpoint without them, written before they existed: the totals stay
 * zero and the rows' counts unknown).  0, or -1 when malformed (message in
 * f3_last_error()). */
int overflow_checkpoint_read(const char *js, f3_trainer *tr, ckpt_row *rows, size_t epochs_done);

/* run.json: "datapath", the run's "underflows" and "quantized_values" by
 * class (null for a network of blocks, tr NULL, which counts neither), and
 * "quantization_by_site": values, saturations and underflows of each class
 * at each site that quantised some ([] for fp32 and for blocks). */
void overflow_json_run(json_writer *jw, const f3_trainer *tr, const f3_config *cfg);

/* The datapath of a configuration: "fixed" (the exact fixed-point path:
 * weights, activations, error, gradients — and B where the rule uses it —
 * all fixed point, every dot product exact) or "float" (fp32 kernels, the
 * results rounded to the formats).  blocks: a network of blocks, always
 * float. */
const char *overflow_datapath(const f3_config *cfg, int blocks);
/* The same in words for the summary line: "exact fixed point (…)", or
 * "float (…)" with the first class that keeps it from the fixed path. */
void overflow_datapath_text(const f3_config *cfg, int blocks, char *buf, size_t len);
/* f3sim run's summary: "<rule> datapath: <overflow_datapath_text>" on
 * stdout for the rule `alg` of the (validated) scenario point sc. */
/* The datapath of each of a point's rules on stdout: one line when two or
 * more share it. */
void overflow_print_datapaths(const scenario *sc, const char (*algs)[32], size_t na);
void overflow_print_rule_datapath(const scenario *sc, const char *alg);

#endif
