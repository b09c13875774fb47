/* bench_activations.c — tanh and the sigmoid of f3_activate: nanoseconds
 * per element against the approximations they replaced (a [13/6] rational
 * clamped to ±1 beyond |x| = 7.905, and σ(x) = (1 + tanh(x/2))/2 on top of
 * it), and their error in ulp against libm in double, correctly rounded to
 * float, over every float input (all 2^32 bit patterns), with monotonicity,
 * tanh(−x) = −tanh(x) and σ(x) + σ(−x) = 1 checked on the way.  Prints
 * figures; exits 1 if the new functions break their stated bounds (2 ulp,
 * NaN in NaN out, monotone, odd tanh).
 *
 *   build/bench/bench_activations [--n 25000] [--rounds 21] [--jobs N]
 *                                 [--stride 1] [--no-speed] [--no-accuracy]
 *
 * --stride S checks every S-th magnitude only (S = 1: all of them, about a
 * minute on 2 cores); --jobs N splits that check over N processes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "f3/kernels.h"

/* ---- the previous approximations, compiled as model/src/kernels.c was ---- */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

static inline float old_tanh1(float x)
{
    const float c = 7.90531110763549805f;
    float xc = x > c ? c : (x < -c ? -c : x);
    float x2 = xc * xc;
    float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
    p = x2 * p + -8.60467152213735e-11f;
    p = x2 * p + 5.12229709037114e-08f;
    p = x2 * p + 1.48572235717979e-05f;
    p = x2 * p + 6.37261928875436e-04f;
    p = x2 * p + 4.89352455891786e-03f;
    p = xc * p;
    float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
    q = x2 * q + 2.26843463243900e-03f;
    q = x2 * q + 4.89352518554385e-03f;
    float r = p / q;
    return (x < 4e-4f && x > -4e-4f) ? x : r;
}

CLONES static void old_tanh(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = old_tanh1(x[i]);
}

CLONES static void old_sigmoid(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = 0.5f + 0.5f * old_tanh1(0.5f * x[i]);
}

static void new_tanh(float *x, size_t n) { f3_activate(F3_ACT_TANH, x, n); }
static void new_sigmoid(float *x, size_t n) { f3_activate(F3_ACT_SIGMOID, x, n); }

typedef void (*act_fn)(float *, size_t);

/* ---- helpers ------------------------------------------------------------ */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Floats in order as integers: the distance between two is their distance
 * in ulp (the denormals' ulp is 2^−149; −0 and +0 are one point). */
static int64_t ordinal(float f)
{
    int32_t i;
    memcpy(&i, &f, sizeof i);
    return i < 0 ? -(int64_t)(i & 0x7fffffff) : (int64_t)i;
}

static double ref_tanh(double x) { return tanh(x); }
static double ref_sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* ---- speed ---------------------------------------------------------------- */

static void speed(size_t n, int rounds)
{
    float *src = malloc(n * sizeof *src), *buf = malloc(n * sizeof *buf);
    double *t = malloc(4 * (size_t)rounds * sizeof *t), *r = malloc((size_t)rounds * sizeof *r);
    if (!src || !buf || !t || !r) exit(1);
    /* pre-activations in (−8, 8): the kernels have no branch, so the values
     * only matter where they reach denormals (sigmoid below −87) */
    uint32_t s = 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        src[i] = 8.0f * (((float)(s >> 8) / 16777216.0f) * 2.0f - 1.0f);
    }
    act_fn f[4] = {old_tanh, new_tanh, old_sigmoid, new_sigmoid};
    for (int k = 0; k < rounds; k++) /* interleaved, so drift hits all four alike */
        for (int j = 0; j < 4; j++) {
            double best = 1e30;
            for (int rep = 0; rep < 50; rep++) {
                memcpy(buf, src, n * sizeof *buf);
                double t0 = now();
                f[j](buf, n);
                double dt = now() - t0;
                if (dt < best) best = dt;
            }
            t[j * rounds + k] = 1e9 * best / (double)n;
        }
    printf("speed: ns per element, n = %zu, median of %d rounds (each the best of 50 calls)\n", n, rounds);
    const char *name[2] = {"tanh", "sigmoid"};
    for (int a = 0; a < 2; a++) {
        double *o = t + (2 * a) * rounds, *w = t + (2 * a + 1) * rounds;
        for (int k = 0; k < rounds; k++) r[k] = w[k] / o[k];
        qsort(r, (size_t)rounds, sizeof *r, cmp_double);
        double ratio = r[rounds / 2], lo = r[0], hi = r[rounds - 1];
        qsort(o, (size_t)rounds, sizeof *o, cmp_double);
        qsort(w, (size_t)rounds, sizeof *w, cmp_double);
        printf("  %-8s old %.3f  new %.3f  new/old %.2f (rounds: %.2f to %.2f)\n", name[a], o[rounds / 2],
               w[rounds / 2], ratio, lo, hi);
    }
    free(src), free(buf), free(t), free(r);
}

/* ---- accuracy --------------------------------------------------------------- */

typedef struct {
    int64_t max_ulp;
    float worst_x;
    uint64_t hist[4];       /* 0, 1, 2, > 2 ulp */
    uint64_t nan_bad;       /* NaN in, not NaN out (or NaN out of a non-NaN) */
    uint64_t not_monotone;  /* adjacent inputs whose outputs go the wrong way */
    uint64_t not_odd;       /* tanh(−x) ≠ −tanh(x), bit for bit */
    double max_complement;  /* max |σ(x) + σ(−x) − 1| */
    int finite;             /* the range held a non-NaN input */
    float first_p, last_p, first_n, last_n; /* outputs at the range ends (monotonicity across jobs) */
} acc_stats;

static void tally(acc_stats *st, float x, float y, double ref)
{
    float r = (float)ref;
    if (isnan(r) || isnan(y)) {
        if (isnan(r) != isnan(y)) st->nan_bad++;
        return;
    }
    int64_t d = llabs(ordinal(y) - ordinal(r));
    st->hist[d > 3 ? 3 : d]++;
    if (d > st->max_ulp) {
        st->max_ulp = d;
        st->worst_x = x;
    }
}

/* Magnitudes [lo, hi) as bit patterns, every stride-th: x = +m and −m. */
static void check_range(act_fn f, double (*ref)(double), int is_tanh, uint32_t lo, uint32_t hi,
                        uint32_t stride, acc_stats *st)
{
    enum { CHUNK = 4096 };
    static float xp[CHUNK], xn[CHUNK], yp[CHUNK], yn[CHUNK];
    memset(st, 0, sizeof *st);
    int have_last = 0;
    float prev_p = 0, prev_n = 0;
    for (uint64_t base = lo; base < hi;) {
        size_t m = 0;
        for (; m < CHUNK && base < hi; m++, base += stride) {
            xp[m] = from_bits((uint32_t)base);
            xn[m] = -xp[m];
        }
        memcpy(yp, xp, m * sizeof *yp);
        memcpy(yn, xn, m * sizeof *yn);
        f(yp, m);
        f(yn, m);
        for (size_t i = 0; i < m; i++) {
            tally(st, xp[i], yp[i], ref(xp[i]));
            tally(st, xn[i], yn[i], ref(xn[i]));
            if (isnan(xp[i])) continue;
            if (have_last && (yp[i] < prev_p || yn[i] > prev_n)) st->not_monotone++;
            if (!have_last) st->first_p = yp[i], st->first_n = yn[i];
            have_last = 1;
            prev_p = yp[i], prev_n = yn[i];
            if (is_tanh) {
                float neg = -yp[i];
                if (memcmp(&neg, &yn[i], sizeof neg)) st->not_odd++;
            } else {
                double c = fabs((double)yp[i] + (double)yn[i] - 1.0);
                if (c > st->max_complement) st->max_complement = c;
            }
        }
    }
    st->finite = have_last;
    st->last_p = prev_p, st->last_n = prev_n;
}

/* All magnitudes 0 .. 0x7fffffff (NaNs included) split over jobs processes. */
static acc_stats check_all(act_fn f, double (*ref)(double), int is_tanh, uint32_t stride, int jobs)
{
    const uint64_t total = 0x80000000u;
    acc_stats out, part[64];
    fflush(stdout); /* or the children would inherit what is buffered */
    memset(&out, 0, sizeof out);
    int fd[64][2];
    pid_t pid[64];
    for (int j = 0; j < jobs; j++) {
        /* split at a multiple of the stride, so the sample is the same for any jobs */
        uint64_t lo = total * (uint64_t)j / (uint64_t)jobs / stride * stride;
        uint64_t hi = total * (uint64_t)(j + 1) / (uint64_t)jobs / stride * stride;
        if (j == jobs - 1) hi = total;
        if (pipe(fd[j])) exit(1);
        pid[j] = fork();
        if (pid[j] < 0) exit(1);
        if (pid[j] == 0) {
            acc_stats st;
            check_range(f, ref, is_tanh, (uint32_t)lo, (uint32_t)hi, stride, &st);
            if (write(fd[j][1], &st, sizeof st) != (ssize_t)sizeof st) _exit(1);
            _exit(0);
        }
        close(fd[j][1]);
    }
    for (int j = 0; j < jobs; j++) {
        if (read(fd[j][0], &part[j], sizeof part[j]) != (ssize_t)sizeof part[j]) exit(1);
        close(fd[j][0]);
        waitpid(pid[j], NULL, 0);
    }
    const acc_stats *before = NULL; /* the last job with a finite input */
    for (int j = 0; j < jobs; j++) {
        acc_stats *p = &part[j];
        if (p->max_ulp > out.max_ulp || j == 0) out.max_ulp = p->max_ulp, out.worst_x = p->worst_x;
        for (int k = 0; k < 4; k++) out.hist[k] += p->hist[k];
        out.nan_bad += p->nan_bad;
        out.not_monotone += p->not_monotone;
        out.not_odd += p->not_odd;
        if (p->max_complement > out.max_complement) out.max_complement = p->max_complement;
        /* the job before ends where this one starts */
        if (!p->finite) continue;
        if (before && (p->first_p < before->last_p || p->first_n > before->last_n)) out.not_monotone++;
        before = p;
    }
    return out;
}

static int report(const char *name, const char *which, const acc_stats *s, int is_tanh)
{
    uint64_t n = s->hist[0] + s->hist[1] + s->hist[2] + s->hist[3];
    printf("  %-8s %s: max %lld ulp at x = %.9g (%a); 0 ulp %.4f %%, 1 ulp %.4f %%, 2 ulp %.4f %%, > 2 ulp %llu inputs\n",
           name, which, (long long)s->max_ulp, s->worst_x, s->worst_x, 100.0 * (double)s->hist[0] / (double)n,
           100.0 * (double)s->hist[1] / (double)n, 100.0 * (double)s->hist[2] / (double)n,
           (unsigned long long)s->hist[3]);
    printf("  %-8s %s: NaN mismatches %llu, monotonicity breaks %llu, ", "", which, (unsigned long long)s->nan_bad,
           (unsigned long long)s->not_monotone);
    if (is_tanh) printf("tanh(-x) != -tanh(x): %llu\n", (unsigned long long)s->not_odd);
    else printf("max |s(x) + s(-x) - 1| = %.3g\n", s->max_complement);
    return s->max_ulp <= 2 && s->nan_bad == 0 && s->not_monotone == 0 && s->not_odd == 0;
}

int main(int argc, char **argv)
{
    size_t n = 25000;
    int rounds = 21, jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), do_speed = 1, do_acc = 1;
    uint32_t stride = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--n") && i + 1 < argc) n = (size_t)strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--stride") && i + 1 < argc) stride = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--no-speed")) do_speed = 0;
        else if (!strcmp(argv[i], "--no-accuracy")) do_acc = 0;
        else {
            fprintf(stderr, "usage: %s [--n 25000] [--rounds 21] [--jobs N] [--stride 1] [--no-speed] [--no-accuracy]\n",
                    argv[0]);
            return 2;
        }
    }
    if (n < 1 || rounds < 1 || stride < 1) return 2;
    if (jobs < 1) jobs = 1;
    if (jobs > 64) jobs = 64;
    const char *clone = "default";
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) clone = "avx512f";
    else if (__builtin_cpu_supports("avx2")) clone = "avx2";
#endif
    printf("bench_activations: f3_activate tanh and sigmoid; %s clone\n", clone);
    if (do_speed) speed(n, rounds);
    int ok = 1;
    if (do_acc) {
        double t0 = now();
        printf("accuracy against libm in double, correctly rounded to float, over %s (x = +m and -m, every %u-th magnitude m):\n",
               stride == 1 ? "all 2^32 inputs" : "a sample", stride);
        acc_stats s;
        s = check_all(new_tanh, ref_tanh, 1, stride, jobs);
        ok &= report("tanh", "new", &s, 1);
        s = check_all(old_tanh, ref_tanh, 1, stride, jobs);
        report("tanh", "old", &s, 1);
        s = check_all(new_sigmoid, ref_sigmoid, 0, stride, jobs);
        ok &= report("sigmoid", "new", &s, 0);
        s = check_all(old_sigmoid, ref_sigmoid, 0, stride, jobs);
        report("sigmoid", "old", &s, 0);
        printf("  (%.0f s, %d jobs)\n", now() - t0, jobs);
        printf("%s\n", ok ? "new tanh and sigmoid: within 2 ulp, NaN through, monotone, tanh odd"
                          : "FAIL: the new tanh or sigmoid breaks its bounds");
    }
    return ok ? 0 : 1;
}
