/* test_blockspec.c — network.blocks as text (f3/blockspec.h): the authors'
 * ViT written out op by op parses to exactly the blocks f3_vit_blocks
 * builds (two independent constructions), shapes flow across blocks and
 * residuals, '* N' copies a block, and every malformed or impossible spec
 * gets a message that names its block and op. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "f3/blockspec.h"
#include "f3/vit.h"

#define T "tokens 16, residual(layernorm, linear 1536 nobias, attention 8x64, linear 32), " \
          "residual(layernorm, linear 128, tanh, linear 32)"

static const f3_blockspec_input MNIST = {784, 1, 28, 28};

static void test_vit_as_text(void **state)
{
    (void)state;
    f3_block a[F3_BLOCKNET_MAX_BLOCKS], b[F3_BLOCKNET_MAX_BLOCKS];
    size_t na = 0, nb = 0;
    const f3_vit_config vc = {5, 512, 8, 64, 128, 7, 1, F3_OP_TANH, 1, 28, 28, 10};
    assert_int_equal(f3_vit_blocks(&vc, a, F3_BLOCKNET_MAX_BLOCKS, &na), F3_OK);
    memset(b, 0, sizeof b);
    assert_int_equal(f3_blockspec_parse("patchify 7, tokens 1, linear 512, " T "; " T " * 3; tokens 1, linear 512, tanh; linear 10", &MNIST,
                                        b, F3_BLOCKNET_MAX_BLOCKS, &nb),
                     F3_OK);
    assert_int_equal(nb, 6);
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++) {
        assert_int_equal(a[k].n_ops, b[k].n_ops);
        for (size_t i = 0; i < a[k].n_ops; i++)
            if (memcmp(&a[k].op[i], &b[k].op[i], sizeof(f3_bop)))
                fail_msg("block %zu, op %zu: kind %d tokens %zu/%zu d_in %zu/%zu d_out %zu/%zu", k + 1, i + 1,
                         (int)a[k].op[i].kind, a[k].op[i].tokens, b[k].op[i].tokens, a[k].op[i].d_in, b[k].op[i].d_in,
                         a[k].op[i].d_out, b[k].op[i].d_out);
    }
    assert_int_equal(f3_blocks_params(b, nb), 965898);
}

static void test_shapes(void **state)
{
    (void)state;
    f3_block b[4];
    size_t n = 0;
    /* an MLP as blocks: 784 -> 100 (tanh) -> 10, one token per sample */
    assert_int_equal(f3_blockspec_parse("linear 100, tanh;linear 10", &MNIST, b, 4, &n), F3_OK);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].op[0].d_in, 784);
    assert_int_equal(b[0].op[1].d_in, 100);
    assert_int_equal(b[1].op[0].d_in, 100);
    assert_int_equal(b[1].op[0].bias, 1);
    /* tokens carry over a block boundary; a table's features are one token */
    const f3_blockspec_input tab = {12, 0, 0, 0};
    assert_int_equal(f3_blockspec_parse("tokens 4, linear 6 nobias; gelu, tokens 2, linear 5; tokens 1, linear 1", &tab, b, 4, &n),
                     F3_OK);
    assert_int_equal(b[0].op[0].tokens, 4);
    assert_int_equal(b[0].op[0].d_in, 3);
    assert_int_equal(b[0].op[0].bias, 0);
    assert_int_equal(b[1].op[0].kind, F3_BOP_ACT);
    assert_int_equal(b[1].op[0].tokens, 4);
    assert_int_equal(b[1].op[1].tokens, 2);
    assert_int_equal(b[1].op[1].d_in, 12);
    assert_int_equal(b[2].op[0].d_in, 10);
    assert_int_equal(b[2].op[0].tokens, 1);
    assert_int_equal(f3_block_out_size(&b[2]), 1);
}

static void expect_error(const char *spec, const f3_blockspec_input *in, const char *want)
{
    f3_block b[F3_BLOCKNET_MAX_BLOCKS];
    size_t n = 7;
    assert_int_equal(f3_blockspec_parse(spec, in, b, F3_BLOCKNET_MAX_BLOCKS, &n), F3_EINVAL);
    if (!strstr(f3_last_error(), want)) fail_msg("'%s': got '%s', wanted '%s'", spec, f3_last_error(), want);
}

static void test_errors(void **state)
{
    (void)state;
    const f3_blockspec_input tab = {12, 0, 0, 0};
    expect_error("linear 10; linear 32, attention 8x64", &MNIST,
                 "block 2, op 2 'attention 8x64': its input has 32 values per token; attention 8x64 takes 1536");
    expect_error("patchify 5", &MNIST, "block 1, op 1 'patchify 5': 5 does not divide the 28 x 28 images");
    expect_error("patchify 4", &tab, "the data set's samples are not images");
    expect_error("linear 10, patchify 7", &MNIST, "patchify must be the network's first op");
    expect_error("tokens 5, linear 3", &MNIST, "a sample's 784 values do not make 5 tokens of equal width");
    expect_error("linear", &MNIST, "block 1, op 1 'linear': linear takes its output width");
    expect_error("linear 4, softmax", &MNIST, "block 1, op 2 'softmax': unknown op");
    expect_error("residual(linear 5)", &MNIST, "its ops turn 1 tokens of 784 into 1 of 5; a residual must keep the shape");
    expect_error("residual(tanh", &MNIST, "residual( … ) is not closed");
    expect_error("linear 4 linear 5", &MNIST, "block 1: 'linear 5' where ',' (next op), ';' (next block) or '* N' belongs");
    expect_error("linear 4;", &MNIST, "block 2, op 1 '': unknown op");
    expect_error("tokens 4", &tab, "block 1 has no op (only reshapes)");
    expect_error("linear 5 * 2", &MNIST, "block 1 * 2: its output (5 values) is not its input (784 values)");
    expect_error("tanh * 40", &MNIST, "more than 32 blocks");
    expect_error("attention 8", &MNIST, "attention takes heads x dim_head");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vit_as_text),
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
