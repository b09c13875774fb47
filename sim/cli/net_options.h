/* net_options.h — the options `f3sim formulas` and `f3sim verify` share
 * (a network given by options or by a scenario), parsed in cmd_formulas.c
 * and used by cmd_verify.c too (not a public interface). */
#ifndef F3SIM_NET_OPTIONS_H
#define F3SIM_NET_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "f3/blocks.h"
#include "f3/blocktrain.h"
#include "f3/ledger.h"
#include "f3/train.h"
#include "formulas_blocks.h"

typedef struct {
    f3_config cfg;             /* batch_size = --batch; algorithm set per run */
    size_t samples;            /* N */
    f3_algorithm algs[5];
    size_t n_algs;
    int json;
    uint64_t steps;            /* verify */
    /* SCENARIO.yaml: the network and training of a scenario */
    char scenario[1024];
    int is_blocks;             /* a network of blocks: blocks, bcfg (one per algs[i]) */
    f3_block blocks[F3_BLOCKNET_MAX_BLOCKS];
    size_t n_blocks;
    f3_blocktrain_config bcfg[5];
} net_options;

#define N_PH (F3_PH_COUNT + 1) /* the phases and their total */
static inline const char *phase_key(int p) { return p == F3_PH_COUNT ? "total" : f3_phase_name((f3_phase)p); }

/* Parse the options of `formulas` (verify = 0) or `verify` (1).  Returns -1
 * when the command should go on, else the exit status. */
int parse_options(const char *cmd, int verify, int argc, char **argv, net_options *o);
/* "100-200-10" */
void widths_string(const f3_config *c, char *buf, size_t len);
/* o's block network as formulas_blocks.c takes it */
const block_net *block_net_of(const net_options *o, block_net *b);

#endif
