/* formulas_blocks.h — `f3sim formulas SCENARIO.yaml` and `f3sim verify
 * SCENARIO.yaml` for a network of blocks (network.type vit): the closed
 * forms of f3/blockformulas.h per block and phase, and, for verify, the
 * block trainer's ledger after real steps on random data against them.
 * cmd_formulas.c parses the command line and hands a block network here. */
#ifndef F3SIM_FORMULAS_BLOCKS_H
#define F3SIM_FORMULAS_BLOCKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "f3/blocks.h"
#include "f3/blocktrain.h"
#include "f3/ledger.h"
#include "json.h"

typedef struct {
    const char *scenario;            /* the file, for the header line */
    const f3_block *blocks;
    size_t n;
    f3_blocktrain_config cfg[5];     /* per selected rule */
    size_t n_rules;
    size_t batch, samples;           /* b; N: one epoch and F³'s store */
    uint64_t steps, seed;            /* verify */
    int json;
} block_net;

/* The closed forms: a table, or JSON shaped as `f3sim formulas --json`'s
 * (fma, fma_per_sample, elementwise_ops, memory; paper.* holds the block
 * extension of eqs. 14–19 and 27–29).  Exit status. */
int formulas_blocks(const block_net *b);

/* The block trainer for `steps` steps of random data per rule against the
 * closed forms, counter by counter; 0 when every counter is equal, 1
 * otherwise (or when training fails). */
int verify_blocks(const block_net *b);

/* Shared with cmd_formulas.c (defined there). */
/* verify's random data: splitmix64 from *state */
uint64_t verify_data_next(uint64_t *state);
/* 1234567 → "1 234 567" */
const char *grouped(uint64_t v, char *buf, size_t len);
/* bytes with a decimal unit: "208.00 kB" */
const char *with_unit(double bytes, char *buf, size_t len);
/* a table row of verify: formula and counted, with the verdict and, on a
 * mismatch, every counter that differs */
void print_row(const char *layer, const char *phase, const f3_counts *f, const f3_counts *m);
/* verify's ending: the JSON document's close and its write (w: NULL for
 * the tables), the verdict line; the exit status (1 when bad > 0) */
int verify_finish(json_writer *w, FILE *out, char **doc, size_t *doc_len, size_t bad, size_t n, const char *noun);
/* "key": {"elements": …, "bytes": … (float32) [, the feedback encodings]} */
void json_elements_bytes(json_writer *w, const char *key, uint64_t elements, int feedback);

#endif
