/* train_order.c — see train_order.h. */
#include "train_order.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "f3/status.h"
#include "f3/train.h"
#include "npz.h"

const char *train_order_kind_name(train_order_kind k)
{
    return k == TRAIN_ORDER_NONE ? "none" : k == TRAIN_ORDER_FILE ? "file" : "seed";
}

void train_order_free(train_order *ord)
{
    if (!ord) return;
    free(ord->idx);
    ord->idx = NULL;
}

void train_order_epoch(const train_order *ord, uint64_t seed, size_t epoch, size_t *perm, size_t n)
{
    if (ord->kind == TRAIN_ORDER_SEED) {
        f3_epoch_order(seed, epoch, perm, n);
    } else if (ord->kind == TRAIN_ORDER_NONE) {
        for (size_t i = 0; i < n; i++) perm[i] = i;
    } else {
        const uint32_t *p = ord->idx + (epoch % ord->perms) * ord->n;
        for (size_t i = 0; i < n; i++) perm[i] = p[i];
    }
}

/* ---- reading ---------------------------------------------------------------- */

/* The indices read so far, checked as they come: each one in range and
 * new within its block of n (one epoch's permutation). */
typedef struct {
    const char *path;
    size_t n, max;      /* training samples; at most epochs·n indices */
    size_t epochs;
    uint32_t *idx;      /* count read, room for cap */
    size_t count, cap;
    uint32_t *seen;     /* (n): 1-based sample of the current block that held the index, 0: not yet */
} reader;

/* Where an index stands: a text file's line and column, or a .npy array's element. */
typedef struct {
    int text;
    size_t line, col, elem;
} place;

static void place_text(const reader *r, const place *w, char *buf, size_t len)
{
    if (w->text) snprintf(buf, len, "%s:%zu:%zu", r->path, w->line, w->col);
    else snprintf(buf, len, "%s: element %zu", r->path, w->elem);
}

/* an index that does not fit: exit status 2 */
#define MISFIT(...) (F3_FAIL(F3_EINVAL, __VA_ARGS__), 2)

/* Take the next index (its magnitude v, negative for a negative one); 0, or
 * 2 with the message. */
static int take(reader *r, uint64_t v, int negative, const place *w)
{
    char at[1200];
    const size_t epoch = r->count / r->n + 1, sample = r->count % r->n + 1;
    if (r->count == r->max) {
        place_text(r, w, at, sizeof at);
        return MISFIT("%s: more indices than the run takes: a training set of %zu samples over %zu epoch%s takes %zu "
                      "(one permutation, used every epoch)%s",
                      at, r->n, r->epochs, r->epochs == 1 ? "" : "s", r->n,
                      r->epochs > 1 ? " or one permutation per epoch" : "");
    }
    if (negative || v >= r->n) {
        place_text(r, w, at, sizeof at);
        return MISFIT("%s: index %s%llu is outside the training set of %zu samples (0 … %zu) (epoch %zu, sample %zu)",
                      at, negative ? "-" : "", (unsigned long long)v, r->n, r->n - 1, epoch, sample);
    }
    if (sample == 1) memset(r->seen, 0, r->n * sizeof *r->seen);
    if (r->seen[v]) {
        place_text(r, w, at, sizeof at);
        return MISFIT("%s: index %llu appears twice in epoch %zu's permutation (as its samples %u and %zu); each "
                      "epoch must visit every sample once",
                      at, (unsigned long long)v, epoch, r->seen[v], sample);
    }
    r->seen[v] = (uint32_t)sample;
    if (r->count == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : r->n;
        if (cap > r->max) cap = r->max;
        uint32_t *p = realloc(r->idx, cap * sizeof *p);
        if (!p) return F3_FAIL(F3_ENOMEM, "%s: out of memory for %zu indices", r->path, cap), 1;
        r->idx = p;
        r->cap = cap;
    }
    r->idx[r->count++] = (uint32_t)v;
    return 0;
}

static int is_separator(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == '\v' || c == '\f';
}

/* Decimal integers separated by white space or commas, '#' comments. */
static int read_text(reader *r, const unsigned char *buf, size_t len)
{
    place w = {1, 1, 1, 0};
    for (size_t i = 0; i < len;) {
        const unsigned char c = buf[i];
        if (c == '\n') {
            w.line++, w.col = 1, i++;
            continue;
        }
        if (is_separator(c)) {
            w.col++, i++;
            continue;
        }
        if (c == '#') {
            while (i < len && buf[i] != '\n') i++;
            continue;
        }
        size_t j = i;
        while (j < len && !is_separator(buf[j]) && buf[j] != '#') j++;
        const int negative = buf[i] == '-';
        size_t k = i + (size_t)negative;
        uint64_t v = 0;
        int digits = k < j;
        for (; k < j && digits; k++) {
            if (buf[k] < '0' || buf[k] > '9') digits = 0;
            else v = v > UINT64_MAX / 10 - 1 ? UINT64_MAX : v * 10 + (uint64_t)(buf[k] - '0'); /* saturates */
        }
        if (!digits) {
            char tok[48];
            size_t m = 0;
            for (size_t q = i; q < j && m + 4 < sizeof tok; q++)
                tok[m++] = buf[q] >= 0x20 && buf[q] < 0x7f ? (char)buf[q] : '?';
            if (j - i > m) tok[m++] = '.', tok[m++] = '.', tok[m++] = '.';
            tok[m] = '\0';
            int fractional = memchr(buf + i, '.', j - i) || memchr(buf + i, 'e', j - i);
            return MISFIT("%s:%zu:%zu: '%s' is not an index (a non-negative decimal integer)%s", r->path, w.line, w.col,
                          tok, fractional ? "; numpy.savetxt writes integers with fmt='%d'" : "");
        }
        int rc = take(r, v, negative, &w);
        if (rc) return rc;
        w.col += j - i;
        i = j;
    }
    return 0;
}

/* A .npy array of integers: (count,) or (blocks, n). */
static int read_npy(reader *r, const unsigned char *buf, size_t len)
{
    npz_array a;
    if (npy_parse_ints(r->path, buf, len, &a)) return 2;
    char shape[96];
    npz_shape_text(a.shape, a.ndim, shape, sizeof shape);
    if (a.ndim == 2 && a.shape[1] != r->n)
        return MISFIT("%s: shape %s: each row is one epoch's permutation of the %zu training samples, so a row must "
                      "hold %zu",
                      r->path, shape, r->n, r->n);
    if (a.ndim != 1 && a.ndim != 2)
        return MISFIT("%s: shape %s: an order is one dimension (n or epochs·n indices) or two (one row per epoch)",
                      r->path, shape);
    place w = {0, 0, 0, 0};
    for (size_t i = 0; i < a.count; i++) {
        int negative;
        uint64_t v = npy_int_at(&a, i, &negative);
        w.elem = i;
        int rc = take(r, v, negative, &w);
        if (rc) return rc;
    }
    return 0;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
    int not_regular;
    FILE *f = f3_fopen_regular(path, &not_regular);
    if (!f && not_regular) return F3_FAIL(F3_EIO, "%s: not a regular file (a FIFO, a device or a folder)", path), NULL;
    if (!f) return F3_FAIL(F3_EIO, "%s: cannot open: %s", path, strerror(errno)), NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb)) {
        fclose(f);
        return F3_FAIL(F3_EIO, "%s: cannot stat: %s", path, strerror(errno)), NULL;
    }
    *len = (size_t)sb.st_size;
    unsigned char *buf = malloc(*len ? *len : 1);
    if (!buf) {
        fclose(f);
        return F3_FAIL(F3_ENOMEM, "%s: out of memory for its %zu bytes", path, *len), NULL;
    }
    size_t got = fread(buf, 1, *len, f);
    fclose(f);
    if (got != *len) {
        free(buf);
        return F3_FAIL(F3_EIO, "%s: read %zu of its %zu bytes", path, got, *len), NULL;
    }
    return buf;
}

int train_order_load(train_order *ord, const char *path, size_t n, size_t epochs)
{
    memset(ord, 0, sizeof *ord);
    if (n == 0 || n > UINT32_MAX || epochs == 0)
        return F3_FAIL(F3_EINVAL, "--order %s: a training set of %zu samples over %zu epochs cannot take an order file",
                       path, n, epochs),
               2;
    size_t len = 0;
    unsigned char *buf = read_whole(path, &len);
    if (!buf) return 1;
    reader r = {path, n, epochs > SIZE_MAX / n ? SIZE_MAX : epochs * n, epochs, NULL, 0, 0, NULL};
    r.seen = malloc(n * sizeof *r.seen);
    int rc = 1;
    if (!r.seen) {
        F3_FAIL(F3_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    rc = len >= 6 && !memcmp(buf, "\x93NUMPY", 6) ? read_npy(&r, buf, len) : read_text(&r, buf, len);
    if (rc) goto out;
    if (r.count != n && r.count != r.max) {
        if (epochs > 1)
            F3_FAIL(F3_EINVAL,
                    "%s holds %zu indices; a training set of %zu samples needs %zu (one permutation, used every epoch) "
                    "or %zu (one permutation for each of the %zu epochs)",
                    path, r.count, n, n, r.max, epochs);
        else
            F3_FAIL(F3_EINVAL, "%s holds %zu indices; a training set of %zu samples needs %zu (one permutation)", path,
                    r.count, n, n);
        rc = 2;
        goto out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    if (!EVP_Digest(buf, len, md, &mdn, EVP_sha256(), NULL)) {
        F3_FAIL(F3_EINVAL, "SHA-256 failed");
        rc = 1;
        goto out;
    }
    for (unsigned int k = 0; k < mdn && k < 32; k++) snprintf(ord->sha256 + 2 * k, 3, "%02x", md[k]);
    ord->kind = TRAIN_ORDER_FILE;
    ord->idx = r.idx;
    r.idx = NULL;
    ord->n = n;
    ord->perms = r.count / n;
    rc = 0;
out:
    free(r.idx);
    free(r.seen);
    free(buf);
    return rc;
}
