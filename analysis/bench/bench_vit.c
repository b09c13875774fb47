/* bench_vit.c — the authors' Vision Transformer proof of concept
 * (Helmholtz-AI-Energy/f3, transformer.py, train_mnist) trained with the
 * block trainer (f3/blocktrain.h) on MNIST: time per epoch, samples per
 * second and test accuracy, per epoch; then the GEMM floor: every matrix
 * product of one training step (and of one evaluation batch), recorded
 * (f3_ops_trace_gemms) and replayed alone, with its own shapes and leading
 * dimensions, as many times as an epoch runs it — the epoch's time against
 * the time of its GEMMs alone.
 *
 *   build/bench/bench_vit [--rule bp|f3|dfa|drtp] [--epochs E] [--train-limit N]
 *                         [--depth D] [--seed S] [--threads T] [--data-dir DIR]
 *
 * The network (depth 5 by default): block 1 = patches of 7×7 (16 tokens of
 * 49), flattened, Linear(784 → 512), then a transformer block on 16 tokens
 * of 32; blocks 2 … depth − 1 = transformer blocks; then Linear(512 → 512)
 * + tanh and Linear(512 → 10).  A transformer block: x + to_out(attention(
 * LayerNorm(x))) with 8 heads of 64 and qkv without bias, then x +
 * Linear(128 → 32)(tanh(Linear(32 → 128)(LayerNorm(x)))).  Softmax
 * cross-entropy, Adam lr 3e-3, batch 100; F³ with t − softmax(y) in its
 * store (the authors' delayed_error_softmax), DFA with the current error,
 * DRTP with the target.  The E·B products at the blocks' outputs
 * (b × C × the block's width) are not traced: under 0.1 % of the FLOPs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_cblas.h>

#include "f3/blocktrain.h"
#include "f3/dataset.h"
#include "f3/vit.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_vit: %s: %s\n", what, f3_last_error());
    exit(1);
}

enum { C = 10 };

/* The calls of t, each with its own shapes and leading dimensions, `times`
 * times over on buffers of the size the largest needs (filled with 0.01:
 * no denormals); seconds. */
static double replay(const f3_gemm_trace *t, size_t times)
{
    size_t na = 1, nb = 1, nc = 1;
    for (size_t i = 0; i < t->n; i++) {
        const f3_gemm_call *g = &t->calls[i];
        const size_t ra = g->trans_a ? g->k : g->m, rb = g->trans_b ? g->n : g->k;
        if (ra * g->lda > na) na = ra * g->lda;
        if (rb * g->ldb > nb) nb = rb * g->ldb;
        if (g->m * g->ldc > nc) nc = g->m * g->ldc;
    }
    float *A = malloc(na * sizeof *A), *B = malloc(nb * sizeof *B), *Cm = malloc(nc * sizeof *Cm);
    if (!A || !B || !Cm) {
        fprintf(stderr, "bench_vit: out of memory for the GEMM floor\n");
        exit(1);
    }
    for (size_t i = 0; i < na; i++) A[i] = 0.01f;
    for (size_t i = 0; i < nb; i++) B[i] = 0.01f;
    for (size_t i = 0; i < nc; i++) Cm[i] = 0.01f;
    const double t0 = now();
    for (size_t r = 0; r < times; r++)
        for (size_t i = 0; i < t->n; i++) {
            const f3_gemm_call *g = &t->calls[i];
            cblas_sgemm(CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans, g->trans_b ? CblasTrans : CblasNoTrans,
                        (int)g->m, (int)g->n, (int)g->k, 1.0f, A, (int)g->lda, B, (int)g->ldb, g->beta * 1e-3f, Cm,
                        (int)g->ldc);
        }
    const double s = now() - t0;
    free(A), free(B), free(Cm);
    return s;
}

/* The core's SGEMM peak as OpenBLAS reaches it: a 1536 × 1536 × 1536
 * product (large enough for its best blocking, small enough to stay in
 * L2/L3) repeated for at least 2 s; GFLOP/s.  An epoch's GEMMs cannot run
 * faster than this on these threads, in any code that performs them. */
static double sgemm_peak(void)
{
    enum { N = 1536 };
    float *A = malloc((size_t)N * N * sizeof *A), *B = malloc((size_t)N * N * sizeof *B),
          *Cm = malloc((size_t)N * N * sizeof *Cm);
    if (!A || !B || !Cm) {
        fprintf(stderr, "bench_vit: out of memory for the SGEMM peak\n");
        exit(1);
    }
    for (size_t i = 0; i < (size_t)N * N; i++) A[i] = B[i] = Cm[i] = 0.01f;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, A, N, B, N, 0.0f, Cm, N); /* warm-up */
    size_t reps = 0;
    const double t0 = now();
    double s;
    do {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0f, A, N, B, N, 0.0f, Cm, N);
        reps++;
    } while ((s = now() - t0) < 2.0);
    free(A), free(B), free(Cm);
    return 2.0 * N * (double)N * N * (double)reps / s * 1e-9;
}

static double gemm_gflop(const f3_gemm_trace *t)
{
    double f = 0.0;
    for (size_t i = 0; i < t->n; i++) f += 2.0 * (double)t->calls[i].m * (double)t->calls[i].n * (double)t->calls[i].k;
    return f * 1e-9;
}

int main(int argc, char **argv)
{
    const char *data_dir = "data", *rule = "f3";
    size_t epochs = 1, limit = 0, depth = 5;
    unsigned long long seed = 0;
    int threads = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--data-dir") && i + 1 < argc) data_dir = argv[++i];
        else if (!strcmp(argv[i], "--rule") && i + 1 < argc) rule = argv[++i];
        else if (!strcmp(argv[i], "--epochs") && i + 1 < argc) epochs = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--train-limit") && i + 1 < argc) limit = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--depth") && i + 1 < argc) depth = strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_vit [--rule bp|f3|dfa|drtp] [--epochs E] [--train-limit N] [--depth D] "
                            "[--seed S] [--threads T] [--data-dir DIR]\n");
            return 2;
        }
    }
    if (depth < 2 || depth > 30) {
        fprintf(stderr, "bench_vit: --depth 2 … 30\n");
        return 2;
    }
    f3_algorithm alg;
    if (f3_parse_algorithm(rule, &alg) != F3_OK || alg == F3_ALG_LLO) die("--rule (bp, f3, dfa or drtp)");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/mnist", data_dir);
    f3_dataset *train = NULL, *test = NULL;
    if (f3_dataset_load_mnist(dir, "train", &train) != F3_OK || f3_dataset_load_mnist(dir, "test", &test) != F3_OK)
        die("MNIST (run scripts/setup.sh)");
    if (limit && limit < train->n) f3_dataset_truncate(train, limit);
    if (threads > 0) f3_blas_set_threads(threads);

    f3_block blk[F3_BLOCKNET_MAX_BLOCKS];
    size_t nb = 0;
    const f3_vit_config vc = {depth, 512, 8, 64, 128, 7, 1, F3_OP_TANH, 1, 28, 28, C};
    if (f3_vit_blocks(&vc, blk, F3_BLOCKNET_MAX_BLOCKS, &nb) != F3_OK) die("the ViT");
    const size_t B = 100;
    const f3_blocktrain_config cfg = {alg, {F3_EI_ERROR, 0, 0}, F3_OPT_ADAM, 3e-3, 0.9, 0.999, 1e-8, C};
    f3_blocktrainer *tr = f3_blocktrainer_new(blk, nb, &cfg, B, train->n, seed);
    if (!tr) die("trainer");
    const size_t params = f3_blocks_params(blk, nb);
    printf("bench_vit: the authors' ViT, depth %zu (%zu blocks, %zu parameters), %s, batch %zu, Adam lr 3e-3; "
           "%zu training and %zu test samples; blas %s, %d threads\n",
           depth, nb, params, rule, B, train->n, test->n, f3_blas_config(), f3_blas_threads());
    float *x = malloc(B * 784 * sizeof *x), *t = malloc(B * C * sizeof *t);
    int32_t *lab = malloc(B * sizeof *lab);
    size_t *perm = malloc(train->n * sizeof *perm);
    /* F³'s e₀: the targets */
    if (f3_blocktrainer_store_targets(tr, train) != F3_OK) die("the store");
    double train_s = 0.0, eval_s = 0.0, train_gemm_s = 0.0, eval_gemm_s = 0.0;
    for (size_t e = 0; e < epochs; e++) {
        f3_epoch_order(seed, e, perm, train->n);
        f3_stats st = {0};
        const double t0 = now();
        f3_ops_time_gemms(&train_gemm_s);
        for (size_t s = 0; s < train->n; s += B) {
            const size_t b = train->n - s < B ? train->n - s : B;
            f3_dataset_gather(train, perm + s, b, x, t, lab);
            if (f3_blocktrainer_step(tr, x, t, perm + s, b, &st) != F3_OK) die("step");
        }
        const double t1 = now();
        f3_ops_time_gemms(&eval_gemm_s);
        f3_stats ts;
        if (f3_blocktrainer_evaluate(tr, test, B, &ts) != F3_OK) die("evaluation");
        const double t2 = now();
        f3_ops_time_gemms(NULL);
        train_s += t1 - t0, eval_s += t2 - t1;
        printf("epoch %zu: training %.1f s (%.0f samples/s), train loss %.4f, train accuracy %.2f %%; "
               "test accuracy %.2f %% (evaluation %.1f s)\n",
               e + 1, t1 - t0, (double)train->n / (t1 - t0), st.loss_sum / (double)st.samples,
               100.0 * (double)st.correct / (double)st.samples, 100.0 * (double)ts.correct / (double)ts.samples, t2 - t1);
        fflush(stdout);
    }
    /* the GEMM floor: the matrix products of one step (and of one
     * evaluation batch), recorded after the epochs and replayed alone as
     * often as an epoch runs them */
    f3_gemm_trace tt = {0}, te = {0};
    for (size_t j = 0; j < B; j++) perm[j] = j;
    f3_dataset_gather(train, perm, B, x, t, lab);
    f3_ops_trace_gemms(&tt);
    if (f3_blocktrainer_step(tr, x, t, perm, B, NULL) != F3_OK) die("step");
    f3_ops_trace_gemms(&te);
    f3_blocknet_forward(f3_blocktrainer_net(tr), x, B);
    f3_ops_trace_gemms(NULL);
    if (tt.n_lost || te.n_lost) die("the GEMM trace (out of memory)");
    const size_t steps = (train->n + B - 1) / B, eval_batches = (test->n + B - 1) / B;
    const double floor_train = replay(&tt, steps), floor_eval = replay(&te, eval_batches);
    const double per_train = train_s / (double)epochs, per_eval = eval_s / (double)epochs;
    const double in_train = train_gemm_s / (double)epochs, in_eval = eval_gemm_s / (double)epochs;
    printf("GEMMs (%zu products per step, %.2f GFLOP; %zu per evaluation batch), per epoch:\n"
           "  in the run (timed inside the run): training %.1f s of %.1f s = %.2fx; evaluation %.1f s of %.1f s = "
           "%.2fx; epoch with evaluation %.2fx\n"
           "  replayed alone (hot caches): training %.1f s = %.2fx; evaluation %.1f s = %.2fx; epoch with "
           "evaluation %.2fx\n",
           tt.n, gemm_gflop(&tt), te.n, in_train, per_train, per_train / in_train, in_eval, per_eval,
           per_eval / in_eval, (per_train + per_eval) / (in_train + in_eval), floor_train, per_train / floor_train,
           floor_eval, per_eval / floor_eval, (per_train + per_eval) / (floor_train + floor_eval));
    /* the floor of any implementation: the epoch's FLOPs at the core's peak */
    const double peak = sgemm_peak();
    const double epoch_gflop = gemm_gflop(&tt) * (double)steps + gemm_gflop(&te) * (double)eval_batches;
    printf("SGEMM peak (1536 x 1536 x 1536, repeated 2 s): %.1f GFLOP/s; this epoch's GEMMs in the run ran at "
           "%.1f GFLOP/s; at the peak they would take %.1f s (training %.1f s), the floor of any code that "
           "performs them on these threads\n",
           peak, epoch_gflop / (in_train + in_eval), epoch_gflop / peak, gemm_gflop(&tt) * (double)steps / peak);
    free(tt.calls), free(te.calls);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak resident memory: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    free(x), free(t), free(lab), free(perm);
    f3_blocktrainer_free(tr);
    f3_dataset_free(train);
    f3_dataset_free(test);
    return 0;
}
