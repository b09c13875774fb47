/* blockspec.c — see f3/blockspec.h. */
#include "f3/blockspec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s;      /* the text */
    const char *p;      /* where the parser is */
    size_t block, op;   /* 1-based, for messages */
    const char *op_at;  /* where the current op begins */
    size_t tokens, d;   /* the shape so far: tokens per sample, values per token */
    const f3_blockspec_input *in;
    f3_block *b;        /* the block being filled */
} parser;

static void skip_blanks(parser *ps)
{
    while (isspace((unsigned char)*ps->p)) ps->p++;
}

/* "block B, op O 'text'" of the op being parsed */
static f3_status fail(parser *ps, const char *fmt, const char *detail)
{
    const char *e = ps->op_at;
    while (*e && *e != ',' && *e != ';' && *e != ')') e++;
    while (e > ps->op_at && isspace((unsigned char)e[-1])) e--;
    return F3_FAIL(F3_EINVAL, "block %zu, op %zu '%.*s': %s%s", ps->block, ps->op, (int)(e - ps->op_at), ps->op_at,
                   fmt, detail ? detail : "");
}

static int word(parser *ps, const char *w)
{
    skip_blanks(ps);
    const size_t n = strlen(w);
    if (strncmp(ps->p, w, n) || isalnum((unsigned char)ps->p[n])) return 0;
    ps->p += n;
    return 1;
}

/* a positive integer; 0 if there is none */
static size_t number(parser *ps)
{
    skip_blanks(ps);
    if (!isdigit((unsigned char)*ps->p)) return 0;
    char *end;
    unsigned long long v = strtoull(ps->p, &end, 10);
    ps->p = end;
    return v > 1000000000ull ? 0 : (size_t)v;
}

static f3_status add(parser *ps, f3_bop op)
{
    if (ps->b->n_ops == F3_BLOCK_MAX_OPS) return fail(ps, "the block has more ops than ", "24");
    ps->b->op[ps->b->n_ops++] = op;
    return F3_OK;
}

static f3_status parse_ops(parser *ps);

static f3_status parse_op(parser *ps)
{
    skip_blanks(ps);
    ps->op_at = ps->p;
    ps->op++;
    char msg[200];
    size_t v;
    if (word(ps, "linear")) {
        if (!(v = number(ps))) return fail(ps, "linear takes its output width, a positive number", NULL);
        const int nobias = word(ps, "nobias");
        f3_bop op = {.kind = F3_BOP_LINEAR, .tokens = ps->tokens, .d_in = ps->d, .d_out = v, .bias = !nobias};
        ps->d = v;
        return add(ps, op);
    }
    if (word(ps, "layernorm"))
        return add(ps, (f3_bop){.kind = F3_BOP_LAYERNORM, .tokens = ps->tokens, .d_in = ps->d, .d_out = ps->d});
    static const struct {
        const char *name;
        f3_op_act act;
    } ACTS[] = {{"tanh", F3_OP_TANH}, {"sigmoid", F3_OP_SIGMOID}, {"relu", F3_OP_RELU}, {"gelu", F3_OP_GELU}};
    for (size_t i = 0; i < sizeof ACTS / sizeof ACTS[0]; i++)
        if (word(ps, ACTS[i].name))
            return add(ps, (f3_bop){.kind = F3_BOP_ACT, .tokens = ps->tokens, .d_in = ps->d, .d_out = ps->d,
                                    .act = ACTS[i].act});
    if (word(ps, "attention")) {
        size_t h = number(ps), dh = 0;
        skip_blanks(ps);
        if (h && *ps->p == 'x') ps->p++, dh = number(ps);
        if (!h || !dh) return fail(ps, "attention takes heads x dim_head, as in attention 8x64", NULL);
        if (ps->d != 3 * h * dh) {
            snprintf(msg, sizeof msg, "its input has %zu values per token; attention %zux%zu takes %zu (q, k and v of "
                                      "%zu heads of %zu: a linear %zu before it)",
                     ps->d, h, dh, 3 * h * dh, h, dh, 3 * h * dh);
            return fail(ps, msg, NULL);
        }
        f3_bop op = {.kind = F3_BOP_ATTENTION, .tokens = ps->tokens, .d_in = ps->d, .d_out = h * dh, .heads = h,
                     .dim_head = dh};
        ps->d = h * dh;
        return add(ps, op);
    }
    if (word(ps, "patchify")) {
        const f3_blockspec_input *in = ps->in;
        if (!(v = number(ps))) return fail(ps, "patchify takes the patch's side in pixels", NULL);
        if (!in->channels) return fail(ps, "the data set's samples are not images", NULL);
        if (ps->block != 1 || ps->b->n_ops) return fail(ps, "patchify must be the network's first op", NULL);
        if (in->height % v || in->width % v) {
            snprintf(msg, sizeof msg, "%zu does not divide the %zu x %zu images", v, in->height, in->width);
            return fail(ps, msg, NULL);
        }
        ps->tokens = (in->height / v) * (in->width / v);
        ps->d = v * v * in->channels;
        return add(ps, (f3_bop){.kind = F3_BOP_PATCHIFY, .tokens = ps->tokens, .d_in = ps->d, .d_out = ps->d,
                                .channels = in->channels, .height = in->height, .width = in->width, .patch = v});
    }
    if (word(ps, "tokens")) {
        const size_t all = ps->tokens * ps->d;
        if (!(v = number(ps))) return fail(ps, "tokens takes a positive number", NULL);
        if (all % v) {
            snprintf(msg, sizeof msg, "a sample's %zu values do not make %zu tokens of equal width", all, v);
            return fail(ps, msg, NULL);
        }
        ps->tokens = v, ps->d = all / v;
        ps->op--; /* a reshape is free: not an op */
        return F3_OK;
    }
    if (word(ps, "residual")) {
        skip_blanks(ps);
        if (*ps->p != '(') return fail(ps, "residual takes its ops in parentheses: residual(layernorm, …)", NULL);
        ps->p++;
        const size_t tokens = ps->tokens, d = ps->d;
        const char *at = ps->op_at;
        f3_status st = add(ps, (f3_bop){.kind = F3_BOP_RESIDUAL_SAVE, .tokens = tokens, .d_in = d, .d_out = d});
        if (st != F3_OK || (st = parse_ops(ps)) != F3_OK) return st;
        skip_blanks(ps);
        if (*ps->p != ')') {
            ps->op_at = at;
            return fail(ps, "residual( … ) is not closed", NULL);
        }
        ps->p++;
        if (ps->tokens != tokens || ps->d != d) {
            ps->op_at = at;
            snprintf(msg, sizeof msg, "its ops turn %zu tokens of %zu into %zu of %zu; a residual must keep the shape",
                     tokens, d, ps->tokens, ps->d);
            return fail(ps, msg, NULL);
        }
        return add(ps, (f3_bop){.kind = F3_BOP_RESIDUAL_ADD, .tokens = tokens, .d_in = d, .d_out = d});
    }
    return fail(ps, "unknown op (linear N [nobias], layernorm, tanh, sigmoid, relu, gelu, attention HxD, patchify P, "
                    "tokens N, residual(…))",
                NULL);
}

static f3_status parse_ops(parser *ps)
{
    for (;;) {
        f3_status st = parse_op(ps);
        if (st != F3_OK) return st;
        skip_blanks(ps);
        if (*ps->p != ',') return F3_OK;
        ps->p++;
    }
}

f3_status f3_blockspec_parse(const char *spec, const f3_blockspec_input *in, f3_block *blocks, size_t max,
                             size_t *n)
{
    parser ps = {spec, spec, 0, 0, spec, 1, in->features, in, NULL};
    *n = 0;
    for (;;) {
        ps.block++;
        ps.op = 0;
        if (*n == max) return F3_FAIL(F3_EINVAL, "block %zu: more than %zu blocks", ps.block, max);
        ps.b = &blocks[*n];
        memset(ps.b, 0, sizeof *ps.b);
        const size_t tokens0 = ps.tokens, d0 = ps.d;
        f3_status st = parse_ops(&ps);
        if (st != F3_OK) return st;
        if (!ps.b->n_ops) return F3_FAIL(F3_EINVAL, "block %zu has no op (only reshapes)", ps.block);
        if (f3_block_check(ps.b) != F3_OK) {
            char why[400];
            snprintf(why, sizeof why, "%s", f3_last_error());
            return F3_FAIL(F3_EINVAL, "block %zu: %s", ps.block, why);
        }
        (*n)++;
        skip_blanks(&ps);
        if (*ps.p == '*') { /* copies: the block again, from the shape it began with */
            ps.p++;
            size_t copies = number(&ps);
            if (!copies) return F3_FAIL(F3_EINVAL, "block %zu: '*' takes a number of copies", ps.block);
            if (copies > 1 && (ps.tokens * ps.d != tokens0 * d0))
                return F3_FAIL(F3_EINVAL, "block %zu * %zu: its output (%zu values) is not its input (%zu values)",
                               ps.block, copies, ps.tokens * ps.d, tokens0 * d0);
            for (size_t c = 1; c < copies; c++) {
                if (*n == max) return F3_FAIL(F3_EINVAL, "block %zu * %zu: more than %zu blocks", ps.block, copies, max);
                blocks[*n] = blocks[*n - 1];
                (*n)++;
            }
            ps.block += copies - 1;
            skip_blanks(&ps);
        }
        if (!*ps.p) break;
        if (*ps.p != ';') {
            ps.op_at = ps.p;
            return F3_FAIL(F3_EINVAL, "block %zu: '%.20s' where ',' (next op), ';' (next block) or '* N' belongs",
                           ps.block, ps.p);
        }
        ps.p++;
    }
    return F3_OK;
}
