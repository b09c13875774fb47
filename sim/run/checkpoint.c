/* checkpoint.c — see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "io_util.h"
#include "npz.h"
#include "overflow_warn.h"
#include "results.h"

#define MAX_ENTRIES (8 * F3_MAX_LAYERS + 8)
/* format 2: epochs' training and test seconds apart, and the JSON's own CRC-32 */
#define CHECKPOINT_FORMAT "f3sim checkpoint 2"
/* the last key of checkpoint.json: the CRC-32 of every byte before this text */
#define JSON_CRC_KEY ",\n  \"json_crc32\": "

/* ---- the tensors of a trainer ------------------------------------------------ */

typedef struct {
    char name[32];
    float *data;
    size_t rows, cols; /* cols 0: one dimension */
} tensor;

/* The trainer's tensors into t: W1, b1, …, B1, … and (unless params_only)
 * the Adam moments and the error store; how many. */
static size_t tensors_of(const f3_trainer *tr, tensor *t, int params_only)
{
    size_t n = 0;
    const size_t K = tr->cfg.n_layers;
#define ADD(p, r, c, ...)                                                                                         \
    do {                                                                                                          \
        if (p) {                                                                                                  \
            snprintf(t[n].name, sizeof t[n].name, __VA_ARGS__);                                                    \
            t[n].data = (p), t[n].rows = (r), t[n].cols = (c);                                                     \
            n++;                                                                                                  \
        }                                                                                                         \
    } while (0)
    for (size_t i = 0; i < K; i++) {
        const f3_layer *L = &tr->layers[i];
        ADD(L->W, L->n_out, L->n_in, "W%zu", i + 1);
        ADD(L->b, L->n_out, 0, "b%zu", i + 1);
    }
    for (size_t i = 0; i < K; i++) {
        const f3_layer *L = &tr->layers[i];
        ADD(L->B, tr->C, L->n_out, "B%zu", i + 1);
    }
    if (params_only) return n;
    for (size_t i = 0; i < K; i++) {
        const f3_layer *L = &tr->layers[i];
        ADD(L->mW, L->n_out, L->n_in, "adam_m_W%zu", i + 1);
        ADD(L->vW, L->n_out, L->n_in, "adam_v_W%zu", i + 1);
        ADD(L->mb, L->n_out, 0, "adam_m_b%zu", i + 1);
        ADD(L->vb, L->n_out, 0, "adam_v_b%zu", i + 1);
    }
    ADD(tr->error_store, tr->n_train, tr->C, "error_store");
#undef ADD
    return n;
}

static size_t tensor_count(const tensor *t) { return t->rows * (t->cols ? t->cols : 1); }

/* The most bytes an .npz for this trainer can rightly hold once inflated:
 * W, b, B, both Adam moments and the error store, as float64, each with a
 * .npy header of up to 64 KiB (npz_open_within).  A file inflating past
 * it is refused before it is allocated. */
static uint64_t npz_budget(const f3_trainer *tr)
{
    uint64_t elems = (uint64_t)tr->n_train * tr->C, entries = 2;
    for (size_t i = 0; i < tr->cfg.n_layers; i++) {
        const f3_layer *L = &tr->layers[i];
        elems += 3 * ((uint64_t)L->n_in * L->n_out + L->n_out) + (uint64_t)tr->C * L->n_out;
        entries += 7;
    }
    return 8 * elems + entries * (65536 + 12);
}

/* The .npy v1.0 header of t into buf (a multiple of 64 bytes); its length. */
static size_t npy_header(const tensor *t, char *buf)
{
    char dict[160];
    int k;
    if (t->cols)
        k = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, %zu), }", t->rows,
                     t->cols);
    else
        k = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu,), }", t->rows);
    size_t total = 10 + (size_t)k + 1;
    total = (total + 63) / 64 * 64;
    size_t hlen = total - 10;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)(hlen & 0xff);
    buf[9] = (char)(hlen >> 8);
    memcpy(buf + 10, dict, (size_t)k);
    memset(buf + 10 + k, ' ', hlen - (size_t)k - 1);
    buf[total - 1] = '\n';
    return total;
}

/* ---- writing ------------------------------------------------------------------ */

typedef struct {
    FILE *f;
    uint32_t crc; /* of every byte written */
    uint64_t off;
    int err;
} out_stream;

static void put(out_stream *o, const void *p, size_t n)
{
    if (!n) return;
    if (fwrite(p, 1, n, o->f) != n) o->err = 1;
    o->crc = (uint32_t)crc32(o->crc, p, (uInt)n);
    o->off += n;
}

static void put16(out_stream *o, unsigned v)
{
    unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(o, b, 2);
}

static void put32(out_stream *o, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16), (unsigned char)(v >> 24)};
    put(o, b, 4);
}

static void put_big(out_stream *o, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n) {
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        put(o, c, k);
        c += k;
        n -= k;
    }
}

/* dir/name: every tensor of tr (params_only: W, b and B); its CRC-32 into *crc. */
static int write_npz(const char *dir, const char *name_npz, const f3_trainer *tr, int params_only, uint32_t *crc)
{
    static tensor t[MAX_ENTRIES];
    uint32_t crcs[MAX_ENTRIES], sizes[MAX_ENTRIES], offs[MAX_ENTRIES];
    size_t n = tensors_of(tr, t, params_only);
    atomic_file af;
    if (atomic_open(&af, dir, name_npz)) return -1;
    out_stream o = {af.f, 0, 0, 0};
    for (size_t k = 0; k < n; k++) {
        char hdr[256], name[40];
        size_t hl = npy_header(&t[k], hdr);
        size_t bytes = tensor_count(&t[k]) * sizeof(float);
        snprintf(name, sizeof name, "%.31s.npy", t[k].name);
        if (hl + bytes > 0xfffffffful || o.off > 0xfffffffful) {
            atomic_abort(&af);
            F3_FAIL(F3_EINVAL, "%s/%s: the tensor %s (%zu bytes) makes it larger than 4 GiB, which needs "
                               "zip64 (not written by f3sim)", dir, name_npz, t[k].name, bytes);
            return -1;
        }
        crcs[k] = npz_crc32((uint32_t)crc32(0, (const unsigned char *)hdr, (uInt)hl), t[k].data, bytes);
        sizes[k] = (uint32_t)(hl + bytes);
        offs[k] = (uint32_t)o.off;
        put32(&o, 0x04034b50);
        put16(&o, 20), put16(&o, 0), put16(&o, 0); /* version, flags, stored */
        put16(&o, 0), put16(&o, 0x21);             /* time 00:00, date 1980-01-01 */
        put32(&o, crcs[k]), put32(&o, sizes[k]), put32(&o, sizes[k]);
        put16(&o, (unsigned)strlen(name)), put16(&o, 0);
        put(&o, name, strlen(name));
        put(&o, hdr, hl);
        put_big(&o, t[k].data, bytes);
    }
    uint64_t cd = o.off;
    for (size_t k = 0; k < n; k++) {
        char name[40];
        snprintf(name, sizeof name, "%.31s.npy", t[k].name);
        put32(&o, 0x02014b50);
        put16(&o, 20), put16(&o, 20), put16(&o, 0), put16(&o, 0);
        put16(&o, 0), put16(&o, 0x21);
        put32(&o, crcs[k]), put32(&o, sizes[k]), put32(&o, sizes[k]);
        put16(&o, (unsigned)strlen(name)), put16(&o, 0), put16(&o, 0);
        put16(&o, 0), put16(&o, 0), put32(&o, 0), put32(&o, offs[k]);
        put(&o, name, strlen(name));
    }
    uint64_t cd_size = o.off - cd;
    if (o.off > 0xfffffffful) {
        atomic_abort(&af);
        F3_FAIL(F3_EINVAL, "%s/%s would be larger than 4 GiB (zip64 is not written by f3sim)", dir, name_npz);
        return -1;
    }
    put32(&o, 0x06054b50);
    put16(&o, 0), put16(&o, 0), put16(&o, (unsigned)n), put16(&o, (unsigned)n);
    put32(&o, (uint32_t)cd_size), put32(&o, (uint32_t)cd), put16(&o, 0);
    if (o.err) {
        atomic_abort(&af);
        F3_FAIL(F3_EIO, "%s/%s: write failed", dir, name_npz);
        return -1;
    }
    *crc = o.crc;
    return atomic_commit(&af);
}

static void put_double(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}

int params_npz_write(const char *dir, const char *name, const f3_trainer *tr)
{
    uint32_t crc = 0;
    return write_npz(dir, name, tr, 1, &crc);
}

int checkpoint_write(const char *dir, const f3_trainer *tr, size_t epochs_done, const ckpt_row *rows,
                     const char *config_sha256, const char *data_sha256)
{
    /* the pair (.npz, .json) the last checkpoint wrote stays readable until
     * the new pair is complete: the old .npz moves aside first */
    char cur[4200], prev[4200];
    snprintf(cur, sizeof cur, "%s/checkpoint.npz", dir);
    snprintf(prev, sizeof prev, "%s/%s", dir, CHECKPOINT_PREVIOUS_NPZ);
    if (rename(cur, prev) && errno != ENOENT)
        return F3_FAIL(F3_EIO, "%s: cannot move aside: %s", cur, strerror(errno)), -1;
    uint32_t crc = 0;
    if (write_npz(dir, "checkpoint.npz", tr, 0, &crc)) return -1;
    /* the JSON is composed in memory so that its last key can hold the
     * CRC-32 of every byte before it */
    char *body = NULL;
    size_t body_len = 0;
    FILE *f = open_memstream(&body, &body_len);
    if (!f) return F3_FAIL(F3_ENOMEM, "checkpoint.json: out of memory"), -1;
    const size_t K = tr->cfg.n_layers;
    const f3_ledger *l = tr->ledger;
    fprintf(f, "{\n  \"format\": \"" CHECKPOINT_FORMAT "\",\n  \"f3sim_version\": \"%s\",\n  \"git_commit\": \"%s\",\n",
            F3SIM_VERSION, F3SIM_GIT_COMMIT);
    fprintf(f, "  \"data_sha256\": \"%s\",\n", data_sha256);
    fprintf(f, "  \"config_sha256\": \"%s\",\n  \"epochs_done\": %zu,\n  \"npz\": \"checkpoint.npz\",\n"
               "  \"npz_crc32\": %lu,\n",
            config_sha256, epochs_done, (unsigned long)crc);
    fputs("  \"layer_steps\": [", f);
    for (size_t i = 0; i < K; i++) fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)tr->layers[i].steps);
    fputs("],\n  \"saturations\": [", f);
    for (int t = 0; t < F3_T_COUNT; t++) fprintf(f, "%s%llu", t ? ", " : "", (unsigned long long)tr->saturations[t]);
    fprintf(f, "],\n  \"ledger_scalars\": [%llu, %llu, %llu, %llu, %llu, %llu],\n",
            (unsigned long long)l->samples, (unsigned long long)l->batches, (unsigned long long)l->live_act,
            (unsigned long long)l->peak_act, (unsigned long long)l->live_err, (unsigned long long)l->peak_err);
    fputs("  \"ledger_scalars_order\": \"samples, batches, live_act, peak_act, live_err, peak_err\",\n", f);
    fputs("  \"ledger_counts_order\": \"per layer, per phase: fma, elem, reads[memory classes], "
          "writes[memory classes]\",\n  \"ledger_counts\": [",
          f);
    for (size_t i = 0; i < K * F3_PH_COUNT; i++) {
        const f3_counts *c = &l->c[i];
        fprintf(f, "%s%llu, %llu", i ? ",\n    " : "", (unsigned long long)c->fma, (unsigned long long)c->elem);
        for (int m = 0; m < F3_MEM_COUNT; m++) fprintf(f, ", %llu", (unsigned long long)c->reads[m]);
        for (int m = 0; m < F3_MEM_COUNT; m++) fprintf(f, ", %llu", (unsigned long long)c->writes[m]);
    }
    fputs("],\n  \"rng_streams\": [", f);
    if (tr->qrng) {
        for (size_t k = 0; k < (size_t)F3_T_COUNT * (K + 2); k++) {
            fputs(k ? ", " : "", f);
            if (!tr->qrng[k]) {
                fputs("null", f);
                continue;
            }
            const unsigned char *s = gsl_rng_state(tr->qrng[k]);
            size_t sz = gsl_rng_size(tr->qrng[k]);
            fputc('"', f);
            for (size_t j = 0; j < sz; j++) fprintf(f, "%02x", s[j]);
            fputc('"', f);
        }
    }
    fputs("],\n  \"epochs_order\": \"train_loss, train_accuracy_percent, test_loss, test_accuracy_percent, "
          "train_seconds, test_seconds\",\n  \"epochs\": [",
          f);
    for (size_t e = 0; e < epochs_done; e++) {
        const ckpt_row *r = &rows[e];
        fputs(e ? ",\n    [" : "[", f);
        put_double(f, r->train_loss), fputs(", ", f);
        put_double(f, r->train_acc), fputs(", ", f);
        put_double(f, r->test_loss), fputs(", ", f);
        put_double(f, r->test_acc), fputs(", ", f);
        put_double(f, r->train_seconds), fputs(", ", f);
        put_double(f, r->test_seconds), fputs("]", f);
    }
    fputs("]", f);
    overflow_checkpoint_write(f, tr, rows, epochs_done); /* the quantisation counts */
    if (fclose(f)) {
        free(body);
        return F3_FAIL(F3_ENOMEM, "checkpoint.json: out of memory"), -1;
    }
    atomic_file af;
    if (atomic_open(&af, dir, "checkpoint.json")) {
        free(body);
        return -1;
    }
    fwrite(body, 1, body_len, af.f);
    fprintf(af.f, JSON_CRC_KEY "%lu\n}\n", (unsigned long)npz_crc32(0, body, body_len));
    free(body);
    if (atomic_commit(&af)) return -1;
    unlink(prev);
    return 0;
}

/* ---- reading ------------------------------------------------------------------ */

int checkpoint_exists(const char *dir)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof path, "%s/checkpoint.json", dir);
    return stat(path, &st) == 0;
}

static char *read_all(const char *path, size_t *len)
{
    int not_regular;
    FILE *f = f3_fopen_regular(path, &not_regular);
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap) break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (buf && bad) {
        free(buf);
        return NULL;
    }
    if (buf) buf[n] = '\0';
    *len = n;
    return buf;
}

/* The text after "key": , or NULL. */
static const char *after_key(const char *text, const char *key)
{
    char pat[80];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    return p ? p + strlen(pat) : NULL;
}

/* The numbers of a (nested) JSON array at p, flattened, as doubles (null:
 * NaN) or integers; how many (up to max), -1 if malformed. */
static long parse_numbers(const char *p, double *d, unsigned long long *u, size_t max)
{
    if (!p || *p != '[') return -1;
    int depth = 0;
    long n = 0;
    while (*p) {
        if (*p == '[') depth++, p++;
        else if (*p == ']') {
            p++;
            if (--depth == 0) return n;
        } else if (*p == ',' || *p == ' ' || *p == '\n') p++;
        else {
            if ((size_t)n >= max) return -1;
            char *end;
            if (!strncmp(p, "null", 4)) {
                if (d) d[n] = NAN;
                end = (char *)p + 4;
            } else if (d) d[n] = strtod(p, &end);
            else u[n] = strtoull(p, &end, 10);
            if (end == p) return -1;
            n++;
            p = end;
        }
    }
    return -1;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* a checkpoint error: 1 */
static int bad_checkpoint(f3_status st)
{
    (void)st;
    return 1;
}
#define BAD(...) bad_checkpoint(F3_FAIL(F3_EINVAL, __VA_ARGS__))

/* Read every tensor of tr from the .npz z: each one there, float32, in
 * the network's shape. */
static int read_npz(const npz_file *z, f3_trainer *tr)
{
    static tensor t[MAX_ENTRIES];
    size_t n = tensors_of(tr, t, 0);
    for (size_t k = 0; k < n; k++) {
        const npz_array *a = npz_find(z, t[k].name);
        if (!a) return BAD("%s: no array %s", z->path, t[k].name);
        size_t want[2] = {t[k].rows, t[k].cols};
        int nd = t[k].cols ? 2 : 1;
        if (a->ndim != nd || a->shape[0] != want[0] || (nd == 2 && a->shape[1] != want[1])) {
            char got[96], need[96];
            npz_shape_text(a->shape, a->ndim, got, sizeof got);
            npz_shape_text(want, nd, need, sizeof need);
            return BAD("%s: %s.npy has the shape %s; the network needs %s", z->path, t[k].name, got, need);
        }
        if (a->itemsize != 4) return BAD("%s: %s.npy is not float32 (f3sim writes float32)", z->path, t[k].name);
        npz_to_float(a, t[k].data);
        if (!f3_all_finite(t[k].data, tensor_count(&t[k])))
            return BAD("%s is damaged: %s.npy holds a value that is not finite (f3sim never checkpoints one)", z->path,
                       t[k].name);
    }
    return 0;
}

/* checkpoint.json's optimiser steps, saturation counts and ledger into tr
 * (u: room for cap numbers; cnt_n the ledger's counts): 0, or 1 with a
 * message. */
static int read_ledger(const char *js, const char *jpath, f3_trainer *tr, unsigned long long *u, size_t cap,
                       size_t cnt_n)
{
    const size_t K = tr->cfg.n_layers;
    if (parse_numbers(after_key(js, "layer_steps"), NULL, u, cap) != (long)K) {
        return BAD("%s: layer_steps: expected %zu layers", jpath, K);
    }
    for (size_t i = 0; i < K; i++) tr->layers[i].steps = u[i];
    if (parse_numbers(after_key(js, "saturations"), NULL, u, cap) != F3_T_COUNT) {
        return BAD("%s: saturations: expected %d counts", jpath, F3_T_COUNT);
    }
    for (int t = 0; t < F3_T_COUNT; t++) tr->saturations[t] = u[t];
    f3_ledger *l = tr->ledger;
    if (parse_numbers(after_key(js, "ledger_scalars"), NULL, u, cap) != 6) {
        return BAD("%s: ledger_scalars: expected 6 counts", jpath);
    }
    l->samples = u[0], l->batches = u[1], l->live_act = u[2], l->peak_act = u[3], l->live_err = u[4],
    l->peak_err = u[5];
    if (parse_numbers(after_key(js, "ledger_counts"), NULL, u, cap) != (long)cnt_n) {
        return BAD("%s: ledger_counts: expected %zu counts", jpath, cnt_n);
    }
    for (size_t i = 0, j = 0; i < K * F3_PH_COUNT; i++) {
        f3_counts *c = &l->c[i];
        c->fma = u[j++];
        c->elem = u[j++];
        for (int m = 0; m < F3_MEM_COUNT; m++) c->reads[m] = u[j++];
        for (int m = 0; m < F3_MEM_COUNT; m++) c->writes[m] = u[j++];
    }
    return 0;
}

/* checkpoint.json js (read from jpath) carries its own CRC-32 and a format
 * this f3sim resumes: 0; 1 damaged; 2 an older format (the message in
 * f3_last_error()). */
static int check_json_crc(const char *js, const char *jpath)
{
    const char *fmt = strstr(js, "\"format\": \"f3sim checkpoint ");
    char *key = NULL;
    for (char *q = strstr(js, JSON_CRC_KEY); q; q = strstr(q + 1, JSON_CRC_KEY)) key = q;
    if (fmt && strncmp(fmt + 10, "\"" CHECKPOINT_FORMAT "\"", strlen(CHECKPOINT_FORMAT) + 2) && !key) {
        F3_FAIL(F3_EINVAL, "%s was written by an older f3sim (%.*s), which this one does not resume; start afresh "
                "without --resume", jpath, (int)strcspn(fmt + 11, "\""), fmt + 11);
        return 2;
    }
    char *end;
    unsigned long want = key ? strtoul(key + strlen(JSON_CRC_KEY), &end, 10) : 0;
    if (!key || end == key + strlen(JSON_CRC_KEY) || strcmp(end, "\n}\n") ||
        npz_crc32(0, js, (size_t)(key - js)) != want) {
        return BAD("%s is damaged: it fails its own CRC-32 (json_crc32), or has none; start afresh without "
                   "--resume", jpath);
    }
    return 0;
}

/* checkpoint.json's rng_streams into tr's stochastic-rounding streams
 * (hex states; null where the run has none): 0, or 1 with a message. */
static int read_rng_streams(const char *js, const char *jpath, f3_trainer *tr)
{
    const char *p = after_key(js, "rng_streams");
    if (!p || *p != '[') {
        return BAD("%s: rng_streams missing", jpath);
    }
    p++;
    const size_t K = tr->cfg.n_layers, ns = tr->qrng ? (size_t)F3_T_COUNT * (K + 2) : 0;
    for (size_t k = 0;; k++) {
        while (*p == ' ' || *p == ',' || *p == '\n') p++;
        if (*p == ']') {
            if (k != ns) {
                return BAD("%s: rng_streams: %zu streams, the run has %zu", jpath, k, ns);
            }
            break;
        }
        if (k >= ns) {
            return BAD("%s: rng_streams: more streams than the run's %zu", jpath, ns);
        }
        if (!strncmp(p, "null", 4)) {
            if (tr->qrng[k]) {
                return BAD("%s: rng_streams: stream %zu missing", jpath, k);
            }
            p += 4;
            continue;
        }
        if (*p != '"' || !tr->qrng[k]) {
            return BAD("%s: rng_streams: stream %zu malformed", jpath, k);
        }
        p++;
        unsigned char *s = gsl_rng_state(tr->qrng[k]);
        size_t sz = gsl_rng_size(tr->qrng[k]), j = 0;
        for (; hexval(p[0]) >= 0 && hexval(p[1]) >= 0; p += 2, j++) {
            if (j >= sz) break;
            s[j] = (unsigned char)(hexval(p[0]) * 16 + hexval(p[1]));
        }
        if (j != sz || *p != '"') {
            return BAD("%s: rng_streams: stream %zu holds the wrong number of bytes (expected %zu)", jpath, k, sz);
        }
        p++;
    }
    return 0;
}

int checkpoint_read(const char *dir, f3_trainer *tr, size_t *epochs_done, ckpt_row *rows, size_t max_rows,
                    size_t batches_per_epoch, const char *config_sha256, const char *data_sha256)
{
    char jpath[4200];
    snprintf(jpath, sizeof jpath, "%s/checkpoint.json", dir);
    size_t jl = 0;
    char *js = read_all(jpath, &jl);
    if (!js) return BAD("%s: cannot read the checkpoint", jpath);
    int rc = 1;
    /* the file's own CRC-32 first: a damaged or hand-edited file is
     * reported as such, not as another configuration */
    if ((rc = check_json_crc(js, jpath))) {
        free(js);
        return rc;
    }
    rc = 1;
    const size_t K = tr->cfg.n_layers;
    unsigned long long *u = NULL;
    double *d = NULL;
    npz_file z = {0};
    char hash[80] = "";
    const char *p = after_key(js, "data_sha256");
    if (p && *p == '"' && strncmp(p + 1, data_sha256, 64)) {
        F3_FAIL(F3_EINVAL,
                "%s: the data set's files changed since this checkpoint (their SHA-256 was %.12s…, now %.12s…); "
                "resume over the data it was trained on, or start afresh without --resume",
                jpath, p + 1, data_sha256);
        rc = 2;
        goto out;
    }
    p = after_key(js, "config_sha256");
    if (p && *p == '"') snprintf(hash, sizeof hash, "%.64s", p + 1);
    if (strcmp(hash, config_sha256)) {
        F3_FAIL(F3_EINVAL,
                "%s was written by a run of another configuration (its hash %.12s…, this run's %.12s…); resume "
                "with the same options or scenario, or start afresh without --resume",
                jpath, hash[0] ? hash : "?", config_sha256);
        rc = 2;
        goto out;
    }
    /* the arrays: checkpoint.npz, or the previous one when a run stopped
     * between writing the new .npz and the .json that goes with it */
    p = after_key(js, "npz_crc32");
    unsigned long want_crc = p ? strtoul(p, NULL, 10) : 0;
    static const char *const npz_names[2] = {"checkpoint.npz", CHECKPOINT_PREVIOUS_NPZ};
    for (int k = 0; k < 2; k++) {
        char npath[4200];
        snprintf(npath, sizeof npath, "%s/%s", dir, npz_names[k]);
        if (access(npath, F_OK)) continue;
        if (npz_open_within(npath, &z, npz_budget(tr))) continue; /* damaged: the other one, if any */
        if (p && npz_crc32(0, z.file, z.file_len) == want_crc) break;
        npz_close(&z);
    }
    if (!z.file) {
        BAD("%s: neither %s/checkpoint.npz nor %s/%s is the one it was written with; start afresh without --resume",
            jpath, dir, dir, CHECKPOINT_PREVIOUS_NPZ);
        goto out;
    }
    p = after_key(js, "epochs_done");
    char *end;
    unsigned long long ed = p ? strtoull(p, &end, 10) : 0;
    if (!p || end == p || ed > max_rows) {
        BAD("%s: epochs_done is missing or beyond the run's %zu epochs", jpath, max_rows);
        goto out;
    }
    size_t cnt_n = K * F3_PH_COUNT * (2 + 2 * F3_MEM_COUNT);
    size_t cap = cnt_n + 6 * max_rows + 64 + K;
    u = malloc(cap * sizeof *u);
    d = malloc(cap * sizeof *d);
    if (!u || !d) {
        F3_FAIL(F3_ENOMEM, "out of memory reading %s", jpath);
        goto out;
    }
    if (read_ledger(js, jpath, tr, u, cap, cnt_n)) goto out;
    f3_ledger *l = tr->ledger;
    if (parse_numbers(after_key(js, "epochs"), d, NULL, cap) != (long)(6 * ed)) {
        BAD("%s: epochs: expected %llu rows of 6", jpath, ed);
        goto out;
    }
    for (size_t e = 0; e < ed; e++) {
        rows[e].train_loss = d[6 * e], rows[e].train_acc = d[6 * e + 1], rows[e].test_loss = d[6 * e + 2];
        rows[e].test_acc = d[6 * e + 3], rows[e].train_seconds = d[6 * e + 4], rows[e].test_seconds = d[6 * e + 5];
    }
    if (overflow_checkpoint_read(js, tr, rows, ed)) {
        BAD("%s: %s", jpath, f3_last_error());
        goto out;
    }
    /* the epochs it claims are the steps it holds */
    if (l->batches != (uint64_t)ed * batches_per_epoch) {
        BAD("%s is inconsistent: %llu epochs of %zu batches, but its ledger counts %llu batches", jpath, ed,
            batches_per_epoch, (unsigned long long)l->batches);
        goto out;
    }
    for (size_t i = 0; i < K; i++)
        if (tr->layers[i].steps != 0 && tr->layers[i].steps != (uint64_t)ed * batches_per_epoch) {
            BAD("%s is inconsistent: %llu epochs of %zu batches, but layer %zu took %llu optimiser steps", jpath, ed,
                batches_per_epoch, i + 1, (unsigned long long)tr->layers[i].steps);
            goto out;
        }
    /* the stochastic-rounding streams */
    if (read_rng_streams(js, jpath, tr)) goto out;
    if (read_npz(&z, tr)) goto out;
    *epochs_done = (size_t)ed;
    rc = 0;
out:
    free(u);
    free(d);
    free(js);
    npz_close(&z);
    return rc;
}

/* ---- a given initial state ------------------------------------------------------ */

/* "W12" → 'W', 12; 0 for another name */
static int param_name(const char *name, char *kind, size_t *index)
{
    if ((name[0] != 'W' && name[0] != 'b' && name[0] != 'B') || name[1] < '1' || name[1] > '9') return 0;
    char *end;
    unsigned long v = strtoul(name + 1, &end, 10);
    if (*end || v > 1000) return 0;
    *kind = name[0];
    *index = (size_t)v;
    return 1;
}

int init_from_npz(const char *path, f3_trainer *tr, char sha256[65], size_t *unused_feedback)
{
    npz_file z;
    if (npz_open_within(path, &z, npz_budget(tr))) return 1;
    const size_t K = tr->cfg.n_layers;
    int rc = 2;
    *unused_feedback = 0;
    /* every name is one f3sim knows */
    for (size_t k = 0; k < z.n; k++) {
        const char *nm = z.a[k].name;
        char kind;
        size_t i;
        if (!strncmp(nm, "adam_", 5) || !strcmp(nm, "error_store")) continue;
        if (!param_name(nm, &kind, &i)) {
            F3_FAIL(F3_EINVAL, "%s: an array named '%s'; an initial state holds W1…W%zu, b1…b%zu and B1…B%zu", path, nm,
                    K, K, K);
            goto out;
        }
        if (i > K) {
            F3_FAIL(F3_EINVAL, "%s: holds %s, but the network has %zu layers (%c1…%c%zu)", path, nm, K, kind, kind, K);
            goto out;
        }
        if (kind == 'B' && !tr->layers[i - 1].B) ++*unused_feedback;
    }
    for (size_t i = 0; i < K; i++) {
        f3_layer *L = &tr->layers[i];
        struct {
            char kind;
            float *p;
            size_t shape[2];
            int nd;
        } want[3] = {{'W', L->W, {L->n_out, L->n_in}, 2}, {'b', L->b, {L->n_out, 0}, 1}, {'B', L->B, {tr->C, L->n_out}, 2}};
        for (int w = 0; w < 3; w++) {
            if (!want[w].p) continue;
            char nm[32], need[64];
            snprintf(nm, sizeof nm, "%c%zu", want[w].kind, i + 1);
            npz_shape_text(want[w].shape, want[w].nd, need, sizeof need);
            const npz_array *a = npz_find(&z, nm);
            if (!a) {
                F3_FAIL(F3_EINVAL, "%s: no array %s, shape %s (layer %zu is %zu → %zu%s)", path, nm, need, i + 1, L->n_in,
                        L->n_out, want[w].kind == 'B' ? ", and the rule feeds its error back through B" : "");
                goto out;
            }
            if (a->ndim != want[w].nd || a->shape[0] != want[w].shape[0] ||
                (want[w].nd == 2 && a->shape[1] != want[w].shape[1])) {
                char got[96];
                npz_shape_text(a->shape, a->ndim, got, sizeof got);
                F3_FAIL(F3_EINVAL, "%s: %s has the shape %s; layer %zu is %zu → %zu, so %s must be %s", path, nm, got,
                        i + 1, L->n_in, L->n_out, nm, need);
                goto out;
            }
            npz_to_float(a, want[w].p);
            size_t bad = a->count;
            for (size_t j = 0; j < a->count && bad == a->count; j++)
                if (!isfinite(want[w].p[j])) bad = j;
            if (bad < a->count) {
                F3_FAIL(F3_EINVAL, "%s: %s holds a value that is not finite (or too large for float32) at flat index %zu",
                        path, nm, bad);
                goto out;
            }
        }
    }
    f3_trainer_requantize_params(tr);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(z.file, z.file_len, md, &n, EVP_sha256(), NULL)) {
        F3_FAIL(F3_EINVAL, "SHA-256 failed");
        rc = 1;
        goto out;
    }
    for (unsigned int k = 0; k < n && k < 32; k++) snprintf(sha256 + 2 * k, 3, "%02x", md[k]);
    sha256[64] = '\0';
    rc = 0;
out:
    npz_close(&z);
    return rc;
}
