/* f3/blockspec.h — a network of blocks written as text (a scenario's
 * network.blocks; docs/blocks.md, "Any network of blocks").
 *
 *   spec   := block (';' block)*
 *   block  := op (',' op)* ['*' N]           N copies of the block
 *   op     := 'linear' N ['nobias']          per token: d → N
 *           | 'layernorm'                    over a token's d values
 *           | 'tanh' | 'sigmoid' | 'relu' | 'gelu'
 *           | 'attention' H 'x' D            d = 3·H·D (packed q, k, v) → H·D
 *           | 'patchify' P                   the image into tokens of P·P·channels
 *           | 'tokens' N                     a sample's values as N tokens (free)
 *           | 'residual' '(' op (',' op)* ')'   x + ops(x)
 *
 * Words are separated by blanks; case matters.  A sample enters as one
 * token of every feature (or, for patchify, as the image); each op sees the
 * tokens and widths the ops before it left, across block boundaries. */
#ifndef F3_BLOCKSPEC_H
#define F3_BLOCKSPEC_H

#include <stddef.h>

#include "f3/blocks.h"
#include "f3/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The input a network of blocks gets: features values per sample, and the
 * image they are (channels × height × width; 0s when not an image). */
typedef struct {
    size_t features, channels, height, width;
} f3_blockspec_input;

/* Parse spec into blocks[0 .. *n) (at most max).  F3_EINVAL with a message
 * that names the block, the op and what does not fit ("block 2, op 3
 * 'attention 8x64': its input has 32 values per token; attention 8x64
 * takes 1536 (q, k and v of 8 heads of 64)"). */
f3_status f3_blockspec_parse(const char *spec, const f3_blockspec_input *in, f3_block *blocks, size_t max,
                             size_t *n);

#ifdef __cplusplus
}
#endif
#endif
