/* test_dataset.c — data set loaders, standardisation and batch gathering.
 *
 * Fixtures are generated into F3_TEST_TMP_DIR with deterministic content;
 * every error path of every loader is provoked on purpose and the message
 * is checked for the file and the record (line or index).  Tests on the real
 * data sets (MNIST, Fashion-MNIST, Census Income, Wine Quality) are skipped
 * when the files are absent.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "f3/dataset.h"

#ifndef F3_TEST_TMP_DIR
#define F3_TEST_TMP_DIR "/tmp"
#endif
#ifndef F3_DATA_DIR
#define F3_DATA_DIR "data"
#endif
#ifndef F3_TEST_DATA_DIR
#define F3_TEST_DATA_DIR "tests/data"
#endif

/* ---- fixture helpers ------------------------------------------------------ */

static const char *tmp(const char *name)
{
    /* a few paths are alive at once (images + labels + ...): rotate */
    static char buf[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/ds_%s", F3_TEST_TMP_DIR, name);
    return buf[k];
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* IDX file: magic, ndim sizes, then len payload bytes; gzip if gz. */
static void write_idx(const char *path, int gz, uint32_t magic, const uint32_t *dims,
                      unsigned ndim, const void *payload, size_t len)
{
    unsigned char h[16];
    put_be32(h, magic);
    for (unsigned k = 0; k < ndim; k++)
        put_be32(h + 4 * (k + 1), dims[k]);
    size_t hl = 4 * (ndim + 1);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, h, (unsigned)hl), (int)hl);
        if (len)
            assert_int_equal(gzwrite(g, payload, (unsigned)len), (int)len);
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        unsigned char *buf = malloc(hl + len + 1);
        assert_non_null(buf);
        memcpy(buf, h, hl);
        if (len)
            memcpy(buf + hl, payload, len);
        write_bytes(path, buf, hl + len);
        free(buf);
    }
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* A real data file: the project's data/ folder first, then the shared data
 * folder next to the checkout (../shared/data); NULL if in neither. */
static const char *real_data(const char *rel)
{
    static char buf[4][1024];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", F3_DATA_DIR, rel);
    if (file_exists(buf[k]))
        return buf[k];
    snprintf(buf[k], sizeof buf[k], "%s/../../../shared/data/%s", F3_TEST_DATA_DIR, rel);
    return file_exists(buf[k]) ? buf[k] : NULL;
}

static void expect_error(f3_status got, f3_status want, int nsub, ...)
{
    const char *msg = f3_last_error();
    if (got != want)
        fail_msg("status %d (%s), expected %d (%s); message: %s", (int)got,
                 f3_status_name(got), (int)want, f3_status_name(want), msg);
    va_list ap;
    va_start(ap, nsub);
    for (int k = 0; k < nsub; k++) {
        const char *sub = va_arg(ap, const char *);
        if (!strstr(msg, sub)) {
            va_end(ap);
            fail_msg("message \"%s\" does not contain \"%s\"", msg, sub);
        }
    }
    va_end(ap);
}

#define EXPECT_ERROR(got, want, ...)                                                     \
    expect_error((got), (want), (int)(sizeof((const char *[]){__VA_ARGS__}) /            \
                                      sizeof(const char *)), __VA_ARGS__)

#define ASSERT_OK(expr)                                                                  \
    do {                                                                                 \
        f3_status st_ = (expr);                                                          \
        if (st_ != F3_OK)                                                                \
            fail_msg("%s: %s: %s", #expr, f3_status_name(st_), f3_last_error());      \
    } while (0)

/* ---- IDX fixture: 3 images of 2 x 3 pixels ------------------------------- */

enum { IDX_N = 3, IDX_ROWS = 2, IDX_COLS = 3, IDX_D = IDX_ROWS * IDX_COLS };
static const uint8_t idx_labels[IDX_N] = {7, 0, 9};

static uint8_t idx_pixel(size_t i, size_t j) { return (uint8_t)(i * 97 + j * 41 + 13); }

static void idx_pixels(uint8_t *px)
{
    for (size_t i = 0; i < IDX_N; i++)
        for (size_t j = 0; j < IDX_D; j++)
            px[i * IDX_D + j] = idx_pixel(i, j);
}

static void write_idx_pair(const char *images, const char *labels, int gz)
{
    uint8_t px[IDX_N * IDX_D];
    idx_pixels(px);
    const uint32_t di[3] = {IDX_N, IDX_ROWS, IDX_COLS}, dl[1] = {IDX_N};
    write_idx(images, gz, 0x00000803u, di, 3, px, sizeof px);
    write_idx(labels, gz, 0x00000801u, dl, 1, idx_labels, IDX_N);
}

static void check_idx_fixture(const f3_dataset *ds)
{
    assert_int_equal(ds->task, F3_TASK_CLASSIFICATION);
    assert_int_equal(ds->n, IDX_N);
    assert_int_equal(ds->d, IDX_D);
    assert_int_equal(ds->n_outputs, 10);
    assert_non_null(ds->x_u8);
    assert_null(ds->x_f32);
    assert_non_null(ds->labels);
    assert_null(ds->targets);
    for (size_t i = 0; i < IDX_N; i++) {
        assert_int_equal(ds->labels[i], idx_labels[i]);
        for (size_t j = 0; j < IDX_D; j++)
            assert_int_equal(ds->x_u8[i * IDX_D + j], idx_pixel(i, j));
    }
    for (size_t j = 0; j < IDX_D; j++) {
        assert_true(ds->offset[j] == 0.0f);
        assert_true(ds->scale[j] == 1.0f);
    }
}

/* ---- alloc / free / truncate ----------------------------------------------- */

static void test_alloc_free(void **state)
{
    (void)state;
    f3_dataset *ds = NULL;
    f3_dataset_free(NULL);

    ASSERT_OK(f3_dataset_alloc(F3_TASK_CLASSIFICATION, 4, 3, 2, 1, &ds));
    assert_non_null(ds->x_u8);
    assert_null(ds->x_f32);
    assert_non_null(ds->labels);
    assert_null(ds->targets);
    assert_int_equal(ds->n, 4);
    assert_int_equal(ds->d, 3);
    assert_int_equal(ds->n_outputs, 2);
    for (size_t j = 0; j < 3; j++) {
        assert_true(ds->offset[j] == 0.0f);
        assert_true(ds->scale[j] == 1.0f);
    }
    f3_dataset_truncate(ds, 2);
    assert_int_equal(ds->n, 2);
    f3_dataset_truncate(ds, 10); /* n > ds->n: unchanged */
    assert_int_equal(ds->n, 2);
    f3_dataset_free(ds);

    ASSERT_OK(f3_dataset_alloc(F3_TASK_REGRESSION, 5, 2, 3, 0, &ds));
    assert_null(ds->x_u8);
    assert_non_null(ds->x_f32);
    assert_null(ds->labels);
    assert_non_null(ds->targets);
    f3_dataset_free(ds);

    /* an empty data set (e.g. a test split of fraction 0) is allowed */
    ASSERT_OK(f3_dataset_alloc(F3_TASK_REGRESSION, 0, 2, 1, 0, &ds));
    assert_int_equal(ds->n, 0);
    f3_dataset_free(ds);

    ds = (f3_dataset *)&ds; /* must be reset to NULL on failure */
    EXPECT_ERROR(f3_dataset_alloc(F3_TASK_CLASSIFICATION, 4, 0, 2, 1, &ds), F3_EINVAL, "d = 0");
    assert_null(ds);
    EXPECT_ERROR(f3_dataset_alloc(F3_TASK_CLASSIFICATION, 4, 3, 0, 1, &ds), F3_EINVAL,
                 "n_outputs = 0");
    EXPECT_ERROR(f3_dataset_alloc(F3_TASK_CLASSIFICATION, SIZE_MAX / 2, 3, 2, 1, &ds),
                 F3_EINVAL, "overflow");
    EXPECT_ERROR(f3_dataset_alloc((f3_task)7, 4, 3, 2, 1, &ds), F3_EINVAL, "task");
    EXPECT_ERROR(f3_dataset_alloc(F3_TASK_CLASSIFICATION, 4, 3, 2, 1, NULL), F3_EINVAL, "NULL");
    f3_dataset_free(NULL);
}

/* ---- IDX -------------------------------------------------------------------- */

static void test_idx_plain(void **state)
{
    (void)state;
    const char *im = tmp("plain-images"), *lb = tmp("plain-labels");
    write_idx_pair(im, lb, 0);
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_idx(im, lb, 10, &ds));
    check_idx_fixture(ds);
    assert_string_equal(ds->name, "ds_plain-images");
    f3_dataset_free(ds);

    /* n_classes is an upper bound on the labels: 9 needs at least 10 */
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 9, &ds), F3_EFORMAT, lb, "record 2", "label 9",
                 "[0, 9)");
    assert_null(ds);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 0, &ds), F3_EINVAL, "n_classes");
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, NULL), F3_EINVAL, "NULL");
}

static void test_idx_gzip(void **state)
{
    (void)state;
    f3_dataset *ds = NULL;
    /* gzip with the usual suffix */
    const char *im = tmp("gz-images.gz"), *lb = tmp("gz-labels.gz");
    write_idx_pair(im, lb, 1);
    ASSERT_OK(f3_dataset_load_idx(im, lb, 10, &ds));
    check_idx_fixture(ds);
    f3_dataset_free(ds);

    /* detection is by content: gzip without the suffix, and a mixed pair */
    const char *im2 = tmp("gz-images-nosuffix"), *lb2 = tmp("plain-labels-2");
    uint8_t px[IDX_N * IDX_D];
    idx_pixels(px);
    const uint32_t di[3] = {IDX_N, IDX_ROWS, IDX_COLS}, dl[1] = {IDX_N};
    write_idx(im2, 1, 0x00000803u, di, 3, px, sizeof px);
    write_idx(lb2, 0, 0x00000801u, dl, 1, idx_labels, IDX_N);
    ASSERT_OK(f3_dataset_load_idx(im2, lb2, 10, &ds));
    check_idx_fixture(ds);
    f3_dataset_free(ds);

    /* more than the first 4 MiB read buffer: the gzip payload is read into
     * a buffer that grows as the data arrives; every byte must arrive */
    enum { BIG_N = 6000, BIG_D = 28 * 28 };
    uint8_t *big = malloc((size_t)BIG_N * BIG_D), *blab = malloc(BIG_N);
    assert_non_null(big);
    assert_non_null(blab);
    for (size_t k = 0; k < (size_t)BIG_N * BIG_D; k++)
        big[k] = (uint8_t)(k * 2654435761u >> 13);
    for (size_t i = 0; i < BIG_N; i++)
        blab[i] = (uint8_t)(i % 10);
    const uint32_t db[3] = {BIG_N, 28, 28}, lbb[1] = {BIG_N};
    const char *imb = tmp("gz-big-images.gz"), *lbg = tmp("gz-big-labels.gz");
    write_idx(imb, 1, 0x00000803u, db, 3, big, (size_t)BIG_N * BIG_D);
    write_idx(lbg, 1, 0x00000801u, lbb, 1, blab, BIG_N);
    ASSERT_OK(f3_dataset_load_idx(imb, lbg, 10, &ds));
    assert_int_equal(ds->n, BIG_N);
    assert_int_equal(ds->d, BIG_D);
    assert_memory_equal(ds->x_u8, big, (size_t)BIG_N * BIG_D);
    for (size_t i = 0; i < BIG_N; i++)
        assert_int_equal(ds->labels[i], blab[i]);
    f3_dataset_free(ds);
    /* and the same stream one image short, past the first buffer */
    write_idx(imb, 1, 0x00000803u, db, 3, big, (size_t)(BIG_N - 1) * BIG_D);
    EXPECT_ERROR(f3_dataset_load_idx(imb, lbg, 10, &ds), F3_EFORMAT, imb, "truncated",
                 "header claims 6000 images of 28x28", "gzip stream",
                 "found 4703216", "record 5999");
    assert_null(ds);
    free(big);
    free(blab);
}

static void test_idx_standardise_gather(void **state)
{
    (void)state;
    const char *im = tmp("std-images"), *lb = tmp("std-labels");
    write_idx_pair(im, lb, 0);
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_idx(im, lb, 10, &ds));
    f3_dataset_standardise_scalar(ds, 255.0f, 0.1307f, 0.3081f);
    for (size_t j = 0; j < IDX_D; j++) {
        assert_float_equal(ds->offset[j], 0.1307 * 255.0, 1e-4);
        assert_float_equal(ds->scale[j], 1.0 / (0.3081 * 255.0), 1e-8);
    }

    const size_t idx[4] = {2, 0, 2, 1};
    float x[4 * IDX_D], t[4 * 10];
    int32_t lab[4];
    memset(t, 0x7f, sizeof t); /* gather must overwrite every element */
    f3_dataset_gather(ds, idx, 4, x, t, lab);
    double worst = 0.0;
    for (size_t k = 0; k < 4; k++) {
        for (size_t j = 0; j < IDX_D; j++) {
            /* reference: the paper's transform on the raw byte */
            double ref = (idx_pixel(idx[k], j) / 255.0 - 0.1307) / 0.3081;
            worst = fmax(worst, fabs(x[k * IDX_D + j] - ref));
        }
        for (int c = 0; c < 10; c++)
            assert_true(t[k * 10 + c] == (c == idx_labels[idx[k]] ? 1.0f : 0.0f));
        assert_int_equal(lab[k], idx_labels[idx[k]]);
    }
    if (worst > 1e-5)
        fail_msg("gathered features differ from the reference by up to %g", worst);

    /* labels_out may be NULL */
    float x1[IDX_D], t1[10];
    const size_t one = 1;
    f3_dataset_gather(ds, &one, 1, x1, t1, NULL);
    assert_true(t1[0] == 1.0f && t1[7] == 0.0f);
    assert_memory_equal(x1, x + 3 * IDX_D, sizeof x1);

    /* truncate keeps the first samples untouched */
    f3_dataset_truncate(ds, 1);
    assert_int_equal(ds->n, 1);
    assert_int_equal(ds->labels[0], idx_labels[0]);
    f3_dataset_free(ds);
}

static void test_idx_wrong_magic(void **state)
{
    (void)state;
    uint8_t px[IDX_N * IDX_D];
    idx_pixels(px);
    const uint32_t di[3] = {IDX_N, IDX_ROWS, IDX_COLS}, dl[1] = {IDX_N};
    const char *im = tmp("magic-images"), *lb = tmp("magic-labels");
    const char *im_ok = tmp("magic-images-ok"), *lb_ok = tmp("magic-labels-ok");
    write_idx_pair(im_ok, lb_ok, 0);
    f3_dataset *ds = NULL;

    /* images file with the labels' magic (and the header the images use) */
    write_idx(im, 0, 0x00000801u, di, 3, px, sizeof px);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb_ok, 10, &ds), F3_EFORMAT, im, "magic",
                 "0x00000801", "0x00000803");
    assert_null(ds);
    /* labels file with the images' magic */
    write_idx(lb, 0, 0x00000803u, dl, 1, idx_labels, IDX_N);
    EXPECT_ERROR(f3_dataset_load_idx(im_ok, lb, 10, &ds), F3_EFORMAT, lb, "magic",
                 "0x00000803", "0x00000801");
    /* the pair swapped */
    EXPECT_ERROR(f3_dataset_load_idx(lb_ok, im_ok, 10, &ds), F3_EFORMAT, lb_ok, "magic");
    /* a text file */
    const char *txt = tmp("magic-text");
    write_text(txt, "hello, world\n");
    EXPECT_ERROR(f3_dataset_load_idx(txt, lb_ok, 10, &ds), F3_EFORMAT, txt, "magic");
    assert_null(ds);
}

static void test_idx_truncated_images(void **state)
{
    (void)state;
    uint8_t px[IDX_N * IDX_D];
    idx_pixels(px);
    const uint32_t di[3] = {IDX_N, IDX_ROWS, IDX_COLS};
    const char *im = tmp("trunc-images"), *lb = tmp("trunc-labels");
    const char *img = tmp("trunc-images.gz");
    write_idx_pair(tmp("trunc-unused"), lb, 0);
    f3_dataset *ds = NULL;

    /* 15 of 18 payload bytes: image 2 is incomplete */
    write_idx(im, 0, 0x00000803u, di, 3, px, 15);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, "truncated",
                 "expected 18 bytes", "found 15", "record 2");
    assert_null(ds);
    /* the same inside a complete gzip stream */
    write_idx(img, 1, 0x00000803u, di, 3, px, 15);
    EXPECT_ERROR(f3_dataset_load_idx(img, lb, 10, &ds), F3_EFORMAT, img, "expected 18 bytes",
                 "found 15");
    /* a gzip stream cut in the middle */
    write_idx(img, 1, 0x00000803u, di, 3, px, sizeof px);
    FILE *f = fopen(img, "rb");
    assert_non_null(f);
    unsigned char gzbuf[256];
    size_t gzlen = fread(gzbuf, 1, sizeof gzbuf, f);
    fclose(f);
    assert_true(gzlen > 20 && gzlen < sizeof gzbuf);
    write_bytes(img, gzbuf, gzlen - 12); /* drop the trailer and some data */
    EXPECT_ERROR(f3_dataset_load_idx(img, lb, 10, &ds), F3_EFORMAT, img);
    /* corrupt compressed data */
    write_idx(img, 1, 0x00000803u, di, 3, px, sizeof px);
    f = fopen(img, "rb");
    assert_non_null(f);
    gzlen = fread(gzbuf, 1, sizeof gzbuf, f);
    fclose(f);
    for (size_t k = 12; k < gzlen - 8; k += 3)
        gzbuf[k] ^= 0x5a;
    write_bytes(img, gzbuf, gzlen);
    EXPECT_ERROR(f3_dataset_load_idx(img, lb, 10, &ds), F3_EFORMAT, img);
    assert_null(ds);
    /* a header cut short */
    unsigned char hdr[6] = {0, 0, 8, 3, 0, 0};
    write_bytes(im, hdr, sizeof hdr);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, "header",
                 "expected 16 bytes", "found 6");
    /* an empty file */
    write_bytes(im, hdr, 0);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, "found 0");
    /* data after the announced images */
    uint8_t more[IDX_N * IDX_D + 1];
    memcpy(more, px, sizeof px);
    more[sizeof px] = 42;
    write_idx(im, 0, 0x00000803u, di, 3, more, sizeof more);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, "unexpected data");
    /* zero images */
    const uint32_t d0[3] = {0, IDX_ROWS, IDX_COLS}, l0[1] = {0};
    write_idx(im, 0, 0x00000803u, d0, 3, px, 0);
    write_idx(lb, 0, 0x00000801u, l0, 1, idx_labels, 0);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, "empty");
    assert_null(ds);
}

static void test_idx_truncated_labels(void **state)
{
    (void)state;
    const uint32_t dl[1] = {IDX_N};
    const char *im = tmp("tl-images"), *lb = tmp("tl-labels");
    write_idx_pair(im, tmp("tl-unused"), 0);
    write_idx(lb, 0, 0x00000801u, dl, 1, idx_labels, IDX_N - 1);
    f3_dataset *ds = NULL;
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, lb, "truncated",
                 "expected 3 labels", "found 2");
    assert_null(ds);
    write_idx(lb, 1, 0x00000801u, dl, 1, idx_labels, IDX_N - 1);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, lb, "expected 3 labels",
                 "found 2");
    /* one label too many */
    const uint8_t four[4] = {1, 2, 3, 4};
    write_idx(lb, 0, 0x00000801u, dl, 1, four, 4);
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, lb, "unexpected data");
}

static void test_idx_count_mismatch(void **state)
{
    (void)state;
    const uint32_t dl[1] = {IDX_N - 1};
    const char *im = tmp("cm-images"), *lb = tmp("cm-labels");
    write_idx_pair(im, tmp("cm-unused"), 0);
    write_idx(lb, 0, 0x00000801u, dl, 1, idx_labels, IDX_N - 1);
    f3_dataset *ds = NULL;
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, im, lb, "3 images",
                 "2 labels");
    assert_null(ds);
}

static void test_idx_label_out_of_range(void **state)
{
    (void)state;
    const uint32_t dl[1] = {IDX_N};
    const uint8_t bad[IDX_N] = {1, 10, 2};
    const char *im = tmp("lr-images"), *lb = tmp("lr-labels");
    write_idx_pair(im, tmp("lr-unused"), 0);
    write_idx(lb, 0, 0x00000801u, dl, 1, bad, IDX_N);
    f3_dataset *ds = NULL;
    EXPECT_ERROR(f3_dataset_load_idx(im, lb, 10, &ds), F3_EFORMAT, lb, "record 1", "label 10",
                 "[0, 10)");
    assert_null(ds);
}

static void test_idx_missing_file(void **state)
{
    (void)state;
    const char *im = tmp("mf-images"), *lb = tmp("mf-labels");
    const char *nope = tmp("no-such-file");
    write_idx_pair(im, lb, 0);
    unlink(nope);
    f3_dataset *ds = NULL;
    EXPECT_ERROR(f3_dataset_load_idx(nope, lb, 10, &ds), F3_EIO, nope, strerror(ENOENT));
    EXPECT_ERROR(f3_dataset_load_idx(im, nope, 10, &ds), F3_EIO, nope, strerror(ENOENT));
    assert_null(ds);
}

/* load_mnist on a generated folder: plain and .gz names, plain preferred */
static void test_mnist_folder(void **state)
{
    (void)state;
    char dir[512], im[600], lb[600];
    snprintf(dir, sizeof dir, "%s/ds_mnistfix", F3_TEST_TMP_DIR);
    mkdir(dir, 0777);
    snprintf(im, sizeof im, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lb, sizeof lb, "%s/train-labels-idx1-ubyte.gz", dir);
    write_idx_pair(im, lb, 1);
    snprintf(lb, sizeof lb, "%s/train-labels-idx1-ubyte", dir);
    write_idx_pair(tmp("mnistfix-unused"), lb, 0); /* plain labels win over .gz */

    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_mnist(dir, "train", &ds));
    assert_int_equal(ds->n, IDX_N);
    assert_int_equal(ds->d, IDX_D);
    assert_string_equal(ds->name, "ds_mnistfix-train");
    for (size_t i = 0; i < IDX_N; i++)
        assert_int_equal(ds->labels[i], idx_labels[i]);
    for (size_t j = 0; j < IDX_D; j++) {
        assert_float_equal(ds->offset[j], 0.1307 * 255.0, 1e-4);
        assert_float_equal(ds->scale[j], 1.0 / (0.3081 * 255.0), 1e-8);
    }
    f3_dataset_free(ds);

    /* a plain file is preferred to its .gz twin: make the .gz labels bad */
    const uint32_t dl[1] = {IDX_N};
    const uint8_t bad[IDX_N] = {200, 200, 200};
    snprintf(lb, sizeof lb, "%s/train-labels-idx1-ubyte.gz", dir);
    write_idx(lb, 1, 0x00000801u, dl, 1, bad, IDX_N);
    ASSERT_OK(f3_dataset_load_mnist(dir, "train", &ds));
    assert_int_equal(ds->labels[0], idx_labels[0]);
    f3_dataset_free(ds);

    /* a trailing slash does not change the name */
    char dir2[520];
    snprintf(dir2, sizeof dir2, "%s/", dir);
    ASSERT_OK(f3_dataset_load_mnist(dir2, "train", &ds));
    assert_string_equal(ds->name, "ds_mnistfix-train");
    f3_dataset_free(ds);

    ds = NULL;
    EXPECT_ERROR(f3_dataset_load_mnist(dir, "test", &ds), F3_EIO, dir,
                 "t10k-images-idx3-ubyte", ".gz");
    EXPECT_ERROR(f3_dataset_load_mnist(dir, "valid", &ds), F3_EINVAL, "valid");
    assert_null(ds);
}

static void test_mnist_real(void **state)
{
    (void)state;
    const char *dir = F3_DATA_DIR "/mnist";
    if (!file_exists(dir) || (!file_exists(F3_DATA_DIR "/mnist/train-labels-idx1-ubyte") &&
                              !file_exists(F3_DATA_DIR "/mnist/train-labels-idx1-ubyte.gz")))
        skip();
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_mnist(dir, "train", &ds));
    assert_int_equal(ds->n, 60000);
    assert_int_equal(ds->d, 784);
    assert_int_equal(ds->n_outputs, 10);
    assert_int_equal(ds->labels[0], 5);
    assert_string_equal(ds->name, "mnist-train");
    /* the published class counts of the MNIST training set */
    static const int counts[10] = {5923, 6742, 5958, 6131, 5842,
                                   5421, 5918, 6265, 5851, 5949};
    int hist[10] = {0};
    for (size_t i = 0; i < ds->n; i++)
        hist[ds->labels[i]]++;
    for (int c = 0; c < 10; c++)
        assert_int_equal(hist[c], counts[c]);
    f3_dataset_free(ds);

    ASSERT_OK(f3_dataset_load_mnist(dir, "test", &ds));
    assert_int_equal(ds->n, 10000);
    assert_int_equal(ds->d, 784);
    assert_int_equal(ds->labels[0], 7);
    f3_dataset_free(ds);
}

static void test_fashion_mnist_real(void **state)
{
    (void)state;
    const char *dir = "/usr/share/datasets/fashion-mnist";
    if (!file_exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
        skip();
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_mnist(dir, "train", &ds));
    assert_int_equal(ds->n, 60000);
    assert_int_equal(ds->d, 784);
    assert_int_equal(ds->labels[0], 9); /* ankle boot */
    assert_string_equal(ds->name, "fashion-mnist-train");
    int hist[10] = {0};
    for (size_t i = 0; i < ds->n; i++)
        hist[ds->labels[i]]++;
    for (int c = 0; c < 10; c++)
        assert_int_equal(hist[c], 6000);
    f3_dataset_free(ds);
}

/* ---- Census Income ---------------------------------------------------------- */

static void test_census_valid(void **state)
{
    (void)state;
    const char *p = tmp("census-ok.data");
    write_text(p,
               "|1x3 Cross validator\n"
               "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
               "Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K\n"
               "\n"
               "52, ?, 287927, Doctorate, 16, Married-civ-spouse, ?, Wife, Amer-Indian-Eskimo, "
               "Female, 15024, 0, 40, Holand-Netherlands, >50K.\n"
               "23, Never-worked, 1000, Preschool, 1, Married-AF-spouse, Armed-Forces, "
               "Unmarried, Other, Male, 0, 1902, 99, Trinadad&Tobago, >50K\n"
               "\n");
    /* codes are the positions in the adult.names vocabularies */
    static const float want[3][14] = {
        {39, 5, 77516, 0, 13, 2, 8, 3, 0, 1, 2174, 0, 40, 0},
        {52, -1, 287927, 13, 16, 0, -1, 0, 2, 0, 15024, 0, 40, 40},
        {23, 7, 1000, 15, 1, 6, 13, 5, 3, 1, 0, 1902, 99, 37},
    };
    static const int32_t want_lab[3] = {0, 1, 1};
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_census(p, &ds));
    assert_int_equal(ds->task, F3_TASK_CLASSIFICATION);
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->d, 14);
    assert_int_equal(ds->n_outputs, 2);
    assert_non_null(ds->x_f32);
    assert_null(ds->x_u8);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ds->labels[i], want_lab[i]);
        for (size_t j = 0; j < 14; j++)
            if (ds->x_f32[i * 14 + j] != want[i][j])
                fail_msg("record %zu feature %zu: %g, expected %g", i, j,
                         (double)ds->x_f32[i * 14 + j], (double)want[i][j]);
    }
    for (size_t j = 0; j < 14; j++)
        assert_true(ds->offset[j] == 0.0f && ds->scale[j] == 1.0f);
    f3_dataset_free(ds);

    /* adult.test style: trailing '.', no trailing blank line, CRLF */
    write_text(p, "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, "
                  "Black, Male, 0, 0, 40, United-States, <=50K.\r\n"
                  "28, Local-gov, 336951, Assoc-acdm, 12, Married-civ-spouse, Protective-serv, "
                  "Husband, White, Male, 0, 0, 40, United-States, >50K.");
    ASSERT_OK(f3_dataset_load_census(p, &ds));
    assert_int_equal(ds->n, 2);
    assert_int_equal(ds->labels[0], 0);
    assert_int_equal(ds->labels[1], 1);
    assert_true(ds->x_f32[13] == 0.0f && ds->x_f32[14 + 13] == 0.0f);
    assert_true(ds->x_f32[1] == 0.0f && ds->x_f32[14 + 1] == 4.0f); /* Private, Local-gov */
    f3_dataset_free(ds);
}

static void test_census_errors(void **state)
{
    (void)state;
    const char *p = tmp("census-bad.data");
    const char *good = "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
                       "Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K\n";
    char text[1024];
    f3_dataset *ds = NULL;

    /* wrong column count on line 3 (native-country missing) */
    snprintf(text, sizeof text, "%s\n%s", good,
             "50, Private, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, 13, >50K\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:3:",
                 "14 columns", "expected 15");
    assert_null(ds);

    /* one column too many on line 2 */
    snprintf(text, sizeof text, "%s%s", good,
             "50, Private, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, 13, Cuba, >50K, 1\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:2:",
                 "16 columns");

    /* unknown category on line 2 */
    snprintf(text, sizeof text, "%s%s", good,
             "50, Self-employed, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, 13, Cuba, >50K\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:2:",
                 "workclass", "Self-employed");

    /* category case matters; native-country on line 1 */
    write_text(p, "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
                  "Not-in-family, White, Male, 2174, 0, 40, united-states, <=50K\n");
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:1:",
                 "native-country", "united-states");

    /* non-numeric age on line 2 */
    snprintf(text, sizeof text, "%s%s", good,
             "3x, Private, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, 13, Cuba, >50K\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:2:", "age",
                 "\"3x\"");

    /* empty hours-per-week on line 2 */
    snprintf(text, sizeof text, "%s%s", good,
             "30, Private, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, , Cuba, >50K\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:2:",
                 "hours-per-week");

    /* bad label on line 2 */
    snprintf(text, sizeof text, "%s%s", good,
             "30, Private, 83311, Bachelors, 13, Divorced, Sales, Wife, White, Female, "
             "0, 0, 40, Cuba, 50K\n");
    write_text(p, text);
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, "census-bad.data:2:", "\"50K\"");

    /* no records at all */
    write_text(p, "|header only\n\n");
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, p, "no records");

    const char *nope = tmp("no-such-census");
    unlink(nope);
    EXPECT_ERROR(f3_dataset_load_census(nope, &ds), F3_EIO, nope, strerror(ENOENT));
    assert_null(ds);
}

static void test_census_real(void **state)
{
    (void)state;
    const char *train = real_data("census-income/adult.data");
    const char *test = real_data("census-income/adult.test");
    if (!train || !test)
        skip();
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_census(train, &ds));
    assert_int_equal(ds->n, 32561);
    assert_int_equal(ds->d, 14);
    size_t pos = 0, unknown_wc = 0;
    for (size_t i = 0; i < ds->n; i++) {
        pos += ds->labels[i] == 1;
        unknown_wc += ds->x_f32[i * 14 + 1] == -1.0f;
    }
    /* counts from `cut`/`awk` over the file: 7841 ">50K", 1836 workclass "?" */
    assert_int_equal(pos, 7841);
    assert_int_equal(unknown_wc, 1836);
    assert_true(ds->x_f32[0] == 39.0f && ds->x_f32[2] == 77516.0f);
    f3_dataset_free(ds);

    ASSERT_OK(f3_dataset_load_census(test, &ds));
    assert_int_equal(ds->n, 16281);
    pos = 0;
    for (size_t i = 0; i < ds->n; i++)
        pos += ds->labels[i] == 1;
    assert_int_equal(pos, 3846);
    f3_dataset_free(ds);
}

/* ---- Wine Quality ------------------------------------------------------------ */

enum { WINE_RED = 6, WINE_WHITE = 4, WINE_N = WINE_RED + WINE_WHITE };

/* Deterministic fixture value of row r (over red then white), column c
 * (0..10 features, 11 quality).  Column 2 is constant. */
static void wine_field(int r, int c, char *buf, size_t cap)
{
    if (c == 11)
        snprintf(buf, cap, "%d", (r * 5 + 2) % 6 + 3);
    else if (c == 2)
        snprintf(buf, cap, "0.25");
    else
        snprintf(buf, cap, "%.3f", 1.0 + c * 2.5 + 0.371 * ((r * 7 + c * 3) % 11) - 0.05 * r);
}

static void wine_fixture(const char *red, const char *white)
{
    char text[4096], f[64];
    size_t len = 0;
    /* red: the UCI original layout, ';' and a quoted header */
    len += (size_t)snprintf(text + len, sizeof text - len,
                            "\"fixed acidity\";\"volatile acidity\";\"citric acid\";"
                            "\"residual sugar\";\"chlorides\";\"free sulfur dioxide\";"
                            "\"total sulfur dioxide\";\"density\";\"pH\";\"sulphates\";"
                            "\"alcohol\";\"quality\"\n");
    for (int r = 0; r < WINE_RED; r++)
        for (int c = 0; c < 12; c++) {
            wine_field(r, c, f, sizeof f);
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", f,
                                    c < 11 ? ";" : "\n");
        }
    write_text(red, text);
    /* white: the shared/data layout, ',' without a header, CRLF, no final
     * newline */
    len = 0;
    for (int r = WINE_RED; r < WINE_N; r++)
        for (int c = 0; c < 12; c++) {
            wine_field(r, c, f, sizeof f);
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%s", f,
                                    c < 11 ? "," : (r + 1 < WINE_N ? "\r\n" : ""));
        }
    write_text(white, text);
}

/* raw feature row (11 features + colour) and quality of fixture row r */
static void wine_expected(int r, float *x, double *q)
{
    char f[64];
    for (int c = 0; c < 11; c++) {
        wine_field(r, c, f, sizeof f);
        x[c] = strtof(f, NULL);
    }
    x[11] = r < WINE_RED ? 0.0f : 1.0f;
    wine_field(r, 11, f, sizeof f);
    *q = strtod(f, NULL);
}

/* the fixture row that a raw feature row came from (each used once) */
static int wine_match(const float *row, int *used)
{
    for (int r = 0; r < WINE_N; r++) {
        float x[12];
        double q;
        wine_expected(r, x, &q);
        if (!used[r] && memcmp(x, row, sizeof x) == 0) {
            used[r] = 1;
            return r;
        }
    }
    fail_msg("a loaded row matches no (unused) fixture row");
    return -1;
}

static void test_wine_split(void **state)
{
    (void)state;
    const char *red = tmp("wine-red.csv"), *white = tmp("wine-white.csv");
    wine_fixture(red, white);
    f3_dataset *tr = NULL, *te = NULL;
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.3, 42, &tr, &te));
    assert_int_equal(tr->task, F3_TASK_REGRESSION);
    assert_int_equal(tr->n, 7);
    assert_int_equal(te->n, 3);
    assert_int_equal(tr->d, 12);
    assert_int_equal(te->d, 12);
    assert_int_equal(tr->n_outputs, 1);
    assert_non_null(tr->x_f32);
    assert_non_null(tr->targets);
    assert_null(tr->labels);
    assert_string_equal(tr->name, "wine-train");
    assert_string_equal(te->name, "wine-test");
    assert_memory_equal(tr->offset, te->offset, 12 * sizeof(float));
    assert_memory_equal(tr->scale, te->scale, 12 * sizeof(float));

    /* every fixture row appears exactly once across the two splits */
    int used[WINE_N] = {0}, src_tr[7], src_te[3];
    for (size_t i = 0; i < tr->n; i++)
        src_tr[i] = wine_match(tr->x_f32 + i * 12, used);
    for (size_t i = 0; i < te->n; i++)
        src_te[i] = wine_match(te->x_f32 + i * 12, used);

    /* reference: training mean and population std of each column */
    double mean[13] = {0}, var[13] = {0};
    for (int i = 0; i < 7; i++) {
        float x[12];
        double q;
        wine_expected(src_tr[i], x, &q);
        for (int j = 0; j < 12; j++)
            mean[j] += x[j];
        mean[12] += q;
    }
    for (int j = 0; j < 13; j++)
        mean[j] /= 7.0;
    for (int i = 0; i < 7; i++) {
        float x[12];
        double q;
        wine_expected(src_tr[i], x, &q);
        for (int j = 0; j < 12; j++)
            var[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / 7.0;
        var[12] += (q - mean[12]) * (q - mean[12]) / 7.0;
    }
    double worst = 0.0;
    for (int j = 0; j < 12; j++) {
        worst = fmax(worst, fabs(tr->offset[j] - mean[j]) / fmax(1.0, fabs(mean[j])));
        double sc = j == 2 ? 1.0 : 1.0 / sqrt(var[j]); /* column 2 is constant */
        worst = fmax(worst, fabs(tr->scale[j] - sc) / sc);
    }
    assert_true(tr->scale[2] == 1.0f); /* the constant column */
    assert_float_equal(tr->offset[2], 0.25, 1e-7);
    for (int i = 0; i < 7; i++) {
        float x[12];
        double q;
        wine_expected(src_tr[i], x, &q);
        worst = fmax(worst, fabs(tr->targets[i] - (q - mean[12]) / sqrt(var[12])));
    }
    for (int i = 0; i < 3; i++) {
        float x[12];
        double q;
        wine_expected(src_te[i], x, &q);
        worst = fmax(worst, fabs(te->targets[i] - (q - mean[12]) / sqrt(var[12])));
    }
    if (worst > 1e-5)
        fail_msg("standardisation differs from the reference by up to %g", worst);

    /* gathered training features: mean ~0, std ~1 (0 for the constant) */
    size_t idx[7];
    float x[7 * 12], t[7];
    int32_t lab[7];
    for (size_t i = 0; i < 7; i++)
        idx[i] = i;
    f3_dataset_gather(tr, idx, 7, x, t, lab);
    double tm = 0.0, tv = 0.0;
    for (int j = 0; j < 12; j++) {
        double m = 0.0, v = 0.0;
        for (int i = 0; i < 7; i++)
            m += x[i * 12 + j] / 7.0;
        for (int i = 0; i < 7; i++)
            v += (x[i * 12 + j] - m) * (x[i * 12 + j] - m) / 7.0;
        if (fabs(m) > 1e-5 || fabs(v - (j == 2 ? 0.0 : 1.0)) > 1e-4)
            fail_msg("column %d: standardised mean %g, variance %g", j, m, v);
    }
    for (int i = 0; i < 7; i++) {
        assert_int_equal(lab[i], -1);
        assert_true(t[i] == tr->targets[i]);
        tm += t[i] / 7.0;
    }
    for (int i = 0; i < 7; i++)
        tv += (t[i] - tm) * (t[i] - tm) / 7.0;
    assert_float_equal(tm, 0.0, 1e-5);
    assert_float_equal(tv, 1.0, 1e-4);

    /* the same seed gives the same split; another seed another order */
    f3_dataset *tr2 = NULL, *te2 = NULL;
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.3, 42, &tr2, &te2));
    assert_memory_equal(tr->x_f32, tr2->x_f32, 7 * 12 * sizeof(float));
    assert_memory_equal(te->x_f32, te2->x_f32, 3 * 12 * sizeof(float));
    assert_memory_equal(tr->targets, tr2->targets, 7 * sizeof(float));
    f3_dataset_free(tr2);
    f3_dataset_free(te2);
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.3, 43, &tr2, NULL));
    assert_true(memcmp(tr->x_f32, tr2->x_f32, 7 * 12 * sizeof(float)) != 0);
    f3_dataset_free(tr2);
    f3_dataset_free(tr);
    f3_dataset_free(te);

    /* round(0.25 * 10) = 3 (halves round up); fraction 0 -> empty test */
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.25, 7, &tr, &te));
    assert_int_equal(tr->n, 7);
    assert_int_equal(te->n, 3);
    f3_dataset_free(tr);
    f3_dataset_free(te);
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.0, 7, &tr, &te));
    assert_int_equal(tr->n, 10);
    assert_int_equal(te->n, 0);
    f3_dataset_free(tr);
    f3_dataset_free(te);
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.5, 7, NULL, &te));
    assert_int_equal(te->n, 5);
    f3_dataset_free(te);
}

static void test_wine_errors(void **state)
{
    (void)state;
    const char *red = tmp("wineb-red.csv"), *white = tmp("wineb-white.csv");
    wine_fixture(red, white);
    f3_dataset *tr = NULL, *te = NULL;

    EXPECT_ERROR(f3_dataset_load_wine(red, white, 1.0, 1, &tr, &te), F3_EINVAL,
                 "test_fraction");
    EXPECT_ERROR(f3_dataset_load_wine(red, white, -0.1, 1, &tr, &te), F3_EINVAL,
                 "test_fraction");
    EXPECT_ERROR(f3_dataset_load_wine(red, white, 0.2, 1, NULL, NULL), F3_EINVAL, "NULL");
    /* 0.96 of 10 rows rounds to 10 test rows: no training rows left */
    EXPECT_ERROR(f3_dataset_load_wine(red, white, 0.96, 1, &tr, &te), F3_EFORMAT,
                 "no training rows");

    const char *bad = tmp("wineb-bad.csv");
    /* ragged row on line 3 (after a header) */
    write_text(bad, "a;b;c;d;e;f;g;h;i;j;k;quality\n"
                    "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5\n"
                    "7.8;0.88;0;2.6;0.098;25;67;0.9968;3.2;0.68;5\n");
    EXPECT_ERROR(f3_dataset_load_wine(bad, white, 0.2, 1, &tr, &te), F3_EFORMAT,
                 "wineb-bad.csv:3:", "11 columns", "expected 12");
    assert_null(tr);
    assert_null(te);
    /* non-numeric field on line 2 of the white file */
    write_text(bad, "7,0.27,0.36,20.7,0.045,45,170,1.001,3,0.45,8.8,6\n"
                    "6.3,0.3,0.34,1.6,0.049,14,132,0.994,3.3x,0.49,9.5,6\n");
    EXPECT_ERROR(f3_dataset_load_wine(red, bad, 0.2, 1, &tr, &te), F3_EFORMAT,
                 "wineb-bad.csv:2:", "column 9", "3.3x");
    /* an empty field */
    write_text(bad, "7,0.27,0.36,20.7,0.045,45,170,1.001,3,0.45,8.8,\n");
    EXPECT_ERROR(f3_dataset_load_wine(red, bad, 0.2, 1, &tr, &te), F3_EFORMAT,
                 "wineb-bad.csv:1:", "column 12");
    /* a header and nothing else */
    write_text(bad, "a,b,c\n\n");
    EXPECT_ERROR(f3_dataset_load_wine(red, bad, 0.2, 1, &tr, &te), F3_EFORMAT, bad,
                 "no data rows");

    const char *nope = tmp("no-such-wine");
    unlink(nope);
    EXPECT_ERROR(f3_dataset_load_wine(nope, white, 0.2, 1, &tr, &te), F3_EIO, nope,
                 strerror(ENOENT));
    EXPECT_ERROR(f3_dataset_load_wine(red, nope, 0.2, 1, &tr, &te), F3_EIO, nope);
    assert_null(tr);
    assert_null(te);
}

static void test_wine_real(void **state)
{
    (void)state;
    const char *red = real_data("wine-quality/winequality-red.csv");
    const char *white = real_data("wine-quality/winequality-white.csv");
    if (!red || !white)
        skip();
    f3_dataset *tr = NULL, *te = NULL;
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.2, 1, &tr, &te));
    /* 1599 red + 4898 white = 6497; round(0.2 * 6497) = 1299 */
    assert_int_equal(tr->n + te->n, 6497);
    assert_int_equal(te->n, 1299);
    size_t white_rows = 0;
    for (size_t i = 0; i < tr->n; i++)
        white_rows += tr->x_f32[i * 12 + 11] == 1.0f;
    for (size_t i = 0; i < te->n; i++)
        white_rows += te->x_f32[i * 12 + 11] == 1.0f;
    assert_int_equal(white_rows, 4898);
    double m = 0.0;
    for (size_t i = 0; i < tr->n; i++)
        m += tr->targets[i];
    assert_float_equal(m / (double)tr->n, 0.0, 1e-4);
    f3_dataset_free(tr);
    f3_dataset_free(te);
}

/* ---- CIFAR-10 ------------------------------------------------------------------- */

enum { CIFAR_REC = 3073 };

static uint8_t cifar_pixel(size_t r, size_t j) { return (uint8_t)(r * 31 + j * 7 + 1); }

/* n records starting at global record index r0 with the given labels */
static void write_cifar(const char *path, size_t r0, size_t n, const uint8_t *labels,
                        size_t extra)
{
    size_t len = n * CIFAR_REC + extra;
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    for (size_t r = 0; r < n; r++) {
        buf[r * CIFAR_REC] = labels[r];
        for (size_t j = 0; j < 3072; j++)
            buf[r * CIFAR_REC + 1 + j] = cifar_pixel(r0 + r, j);
    }
    for (size_t k = 0; k < extra; k++)
        buf[n * CIFAR_REC + k] = (uint8_t)k;
    write_bytes(path, buf, len);
    free(buf);
}

static void test_cifar_valid(void **state)
{
    (void)state;
    const char *a = tmp("cifar-a.bin"), *b = tmp("cifar-b.bin");
    const uint8_t la[2] = {3, 9}, lb[1] = {0};
    write_cifar(a, 0, 2, la, 0);
    write_cifar(b, 2, 1, lb, 0);
    const char *paths[2] = {a, b};
    f3_dataset *ds = NULL;
    ASSERT_OK(f3_dataset_load_cifar10(paths, 2, &ds));
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->d, 3072);
    assert_int_equal(ds->n_outputs, 10);
    assert_non_null(ds->x_u8);
    assert_null(ds->x_f32);
    assert_string_equal(ds->name, "cifar10");
    const int32_t want[3] = {3, 9, 0};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ds->labels[i], want[i]);
        for (size_t j = 0; j < 3072; j++)
            if (ds->x_u8[i * 3072 + j] != cifar_pixel(i, j))
                fail_msg("record %zu byte %zu: %u, expected %u", i, j, ds->x_u8[i * 3072 + j],
                         cifar_pixel(i, j));
    }

    static const double mean[3] = {0.4914, 0.4822, 0.4465}, sd[3] = {0.2470, 0.2435, 0.2616};
    const size_t idx[2] = {2, 1};
    float *x = malloc(2 * 3072 * sizeof *x);
    float t[2 * 10];
    int32_t lab[2];
    assert_non_null(x);
    f3_dataset_gather(ds, idx, 2, x, t, lab);
    double worst = 0.0;
    for (size_t k = 0; k < 2; k++)
        for (size_t j = 0; j < 3072; j++) {
            size_t c = j / 1024; /* channel-major: R, G, B planes */
            double ref = (cifar_pixel(idx[k], j) / 255.0 - mean[c]) / sd[c];
            worst = fmax(worst, fabs(x[k * 3072 + j] - ref));
        }
    free(x);
    if (worst > 1e-5)
        fail_msg("gathered features differ from the reference by up to %g", worst);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 9);
    assert_true(t[0] == 1.0f && t[10 + 9] == 1.0f && t[10 + 0] == 0.0f);
    f3_dataset_free(ds);
}

static void test_cifar_errors(void **state)
{
    (void)state;
    const char *a = tmp("cifarb-a.bin"), *p = tmp("cifarb-partial.bin");
    const uint8_t la[2] = {3, 9}, bad[3] = {1, 10, 2};
    write_cifar(a, 0, 2, la, 0);
    f3_dataset *ds = NULL;

    write_cifar(p, 0, 2, la, 100);
    const char *paths[2] = {a, p};
    EXPECT_ERROR(f3_dataset_load_cifar10(paths, 2, &ds), F3_EFORMAT, p, "record 2",
                 "100 bytes", "3073");
    assert_null(ds);

    write_cifar(p, 0, 3, bad, 0);
    EXPECT_ERROR(f3_dataset_load_cifar10(paths, 2, &ds), F3_EFORMAT, p, "record 1",
                 "label 10");
    assert_null(ds);

    write_cifar(p, 0, 0, bad, 0);
    EXPECT_ERROR(f3_dataset_load_cifar10(paths, 2, &ds), F3_EFORMAT, p, "no records");

    const char *nope = tmp("no-such-cifar");
    unlink(nope);
    paths[1] = nope;
    EXPECT_ERROR(f3_dataset_load_cifar10(paths, 2, &ds), F3_EIO, nope, strerror(ENOENT));
    EXPECT_ERROR(f3_dataset_load_cifar10(paths, 0, &ds), F3_EINVAL, "no files");
    EXPECT_ERROR(f3_dataset_load_cifar10(NULL, 1, &ds), F3_EINVAL, "no files");
    assert_null(ds);
}

/* ---- generic CSV ------------------------------------------------------------ */

static void test_csv_valid(void **state)
{
    (void)state;
    const char *p = tmp("csv-ok.csv");
    f3_dataset *ds = NULL;
    write_text(p, "x1,x2,x3,label\n"
                  "1.5,-2.25,3e2,1\n"
                  "\n"
                  "0.125, 4 ,-7,2\r\n"
                  "9.75,0,1e-3,0");
    static const float want_x[3][3] = {{1.5f, -2.25f, 300.0f}, {0.125f, 4.0f, -7.0f},
                                       {9.75f, 0.0f, 1e-3f}};
    static const int32_t want_y[3] = {1, 2, 0};
    for (int pass = 0; pass < 2; pass++) {
        ASSERT_OK(f3_dataset_load_csv(p, pass ? 3 : -1, F3_TASK_CLASSIFICATION, 3, &ds));
        assert_int_equal(ds->task, F3_TASK_CLASSIFICATION);
        assert_int_equal(ds->n, 3);
        assert_int_equal(ds->d, 3);
        assert_int_equal(ds->n_outputs, 3);
        assert_string_equal(ds->name, "ds_csv-ok.csv");
        for (size_t i = 0; i < 3; i++) {
            assert_int_equal(ds->labels[i], want_y[i]);
            for (size_t j = 0; j < 3; j++)
                assert_true(ds->x_f32[i * 3 + j] == want_x[i][j]);
        }
        f3_dataset_free(ds);
    }

    /* no header, label in the first column, regression */
    write_text(p, "2.5,1,2\n-0.75,3,4\n");
    ASSERT_OK(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds));
    assert_int_equal(ds->task, F3_TASK_REGRESSION);
    assert_int_equal(ds->n, 2);
    assert_int_equal(ds->d, 2);
    assert_int_equal(ds->n_outputs, 1);
    assert_null(ds->labels);
    assert_true(ds->targets[0] == 2.5f && ds->targets[1] == -0.75f);
    assert_true(ds->x_f32[0] == 1.0f && ds->x_f32[3] == 4.0f);
    /* gather on float storage with a non-trivial standardisation */
    ds->offset[0] = 2.0f;
    ds->scale[0] = 0.5f;
    ds->offset[1] = -1.0f;
    ds->scale[1] = 4.0f;
    const size_t idx[2] = {1, 0};
    float x[4], t[2];
    int32_t lab[2];
    f3_dataset_gather(ds, idx, 2, x, t, lab);
    assert_float_equal(x[0], (3.0 - 2.0) * 0.5, 1e-7);
    assert_float_equal(x[1], (4.0 + 1.0) * 4.0, 1e-6);
    assert_float_equal(x[2], (1.0 - 2.0) * 0.5, 1e-7);
    assert_float_equal(x[3], (2.0 + 1.0) * 4.0, 1e-6);
    assert_true(t[0] == -0.75f && t[1] == 2.5f);
    assert_int_equal(lab[0], -1);
    assert_int_equal(lab[1], -1);
    f3_dataset_free(ds);

    /* a header whose column count differs from the data is just skipped;
     * an integral float label is a class */
    write_text(p, "features...,label\n1,2,3,2.0\n");
    ASSERT_OK(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 3, &ds));
    assert_int_equal(ds->n, 1);
    assert_int_equal(ds->d, 3);
    assert_int_equal(ds->labels[0], 2);
    f3_dataset_free(ds);
}

static void test_csv_errors(void **state)
{
    (void)state;
    const char *p = tmp("csv-bad.csv");
    f3_dataset *ds = NULL;

    write_text(p, "a,b,c\n1,2,0\n3,4\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bad.csv:3:", "2 columns", "expected 3");
    assert_null(ds);
    write_text(p, "1,2,0\n3,4,1,5\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bad.csv:2:", "4 columns");

    write_text(p, "a,b,c\n3x,2,0\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bad.csv:2:", "column 1", "\"3x\"");
    write_text(p, "1,2,0\n\n1,,0\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bad.csv:3:", "column 2", "\"\"");
    write_text(p, "1,2,nan\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT,
                 "csv-bad.csv:1:", "column 3");

    write_text(p, "a,b,c\n1,2,0\n1,2,3\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 3, &ds), F3_EFORMAT,
                 "csv-bad.csv:3:", "label 3", "[0, 3)");
    write_text(p, "1,2,-1\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, 2, F3_TASK_CLASSIFICATION, 3, &ds), F3_EFORMAT,
                 "csv-bad.csv:1:", "label -1");
    write_text(p, "1,2,1.5\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 3, &ds), F3_EFORMAT,
                 "csv-bad.csv:1:", "label 1.5");

    write_text(p, "a,b,c,d\n1,2,3,0\n");
    ASSERT_OK(f3_dataset_load_csv(p, -4, F3_TASK_CLASSIFICATION, 2, &ds)); /* column 0 */
    assert_int_equal(ds->labels[0], 1);
    assert_true(ds->x_f32[0] == 2.0f && ds->x_f32[2] == 0.0f);
    f3_dataset_free(ds);
    ds = NULL;
    EXPECT_ERROR(f3_dataset_load_csv(p, -5, F3_TASK_CLASSIFICATION, 2, &ds), F3_EINVAL, p,
                 "label_column -5", "4 columns");
    EXPECT_ERROR(f3_dataset_load_csv(p, 4, F3_TASK_CLASSIFICATION, 2, &ds), F3_EINVAL, p,
                 "label_column 4");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_CLASSIFICATION, 0, &ds), F3_EINVAL,
                 "n_classes");

    write_text(p, "1\n2\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT,
                 "csv-bad.csv:1:", "1 column");
    write_text(p, "a,b\n\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT, p,
                 "no data rows");
    write_text(p, "");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT, p,
                 "no data rows");

    const char *nope = tmp("no-such-csv");
    unlink(nope);
    EXPECT_ERROR(f3_dataset_load_csv(nope, 0, F3_TASK_REGRESSION, 0, &ds), F3_EIO, nope,
                 strerror(ENOENT));
    assert_null(ds);
}

/* ---- issue 10: byte order marks, header detection, text that is not text --- */

#define BOM "\xEF\xBB\xBF"

/* Defect 2: a UTF-8 BOM on a headerless CSV made its first row look like a
 * header, and the row was dropped silently. */
static void test_csv_bom(void **state)
{
    (void)state;
    const char *p = tmp("csv-bom.csv");
    f3_dataset *ds = NULL;

    /* headerless: every row is kept, the first one included */
    write_text(p, BOM "1.5,2,1\n3,4,0\n5,6,1\n");
    ASSERT_OK(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds));
    assert_int_equal(ds->n, 3);
    assert_int_equal(ds->d, 2);
    assert_true(ds->x_f32[0] == 1.5f && ds->x_f32[1] == 2.0f);
    assert_int_equal(ds->labels[0], 1);
    f3_dataset_free(ds);

    /* with a header: the header is still recognised after the BOM */
    write_text(p, BOM "x1,x2,label\n1.5,2,1\n3,4,0\n");
    ASSERT_OK(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds));
    assert_int_equal(ds->n, 2);
    assert_true(ds->x_f32[0] == 1.5f);
    f3_dataset_free(ds);

    /* BOM, CRLF, blank lines before the data and trailing blank lines */
    write_text(p, BOM "\r\n  \r\n-1,2,0.5\r\n3,4,-2\r\n\r\n\r\n   \n");
    ASSERT_OK(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds));
    assert_int_equal(ds->n, 2);
    assert_true(ds->targets[0] == -1.0f && ds->targets[1] == 3.0f);
    assert_true(ds->x_f32[1] == 0.5f && ds->x_f32[3] == -2.0f);
    f3_dataset_free(ds);

    /* a BOM alone or a BOM and a header: no data rows */
    write_text(p, BOM);
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT, p,
                 "no data rows");
    write_text(p, BOM "a,b\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT, p,
                 "no data rows");
    /* a BOM is only a BOM at the start of the file */
    write_text(p, "1,2,0\n" BOM "3,4,1\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bom.csv:2:", "column 1");
    assert_null(ds);
}

/* The class behind defect 2: a first data row whose first field is
 * malformed is an error, not a header that is dropped. */
static void test_csv_header_detection(void **state)
{
    (void)state;
    const char *p = tmp("csv-hdr.csv");
    f3_dataset *ds = NULL;

    write_text(p, "3x,2,0\n1,2,1\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-hdr.csv:1:", "column 1", "\"3x\"", "header");
    assert_null(ds);
    write_text(p, "\"1.5\",2,0\n1,2,1\n"); /* quoted numbers are not numbers */
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-hdr.csv:1:", "column 1");
    /* a header is a line without any number, empty fields included */
    write_text(p, ",name,\"label\"\n1,2,1\n");
    ASSERT_OK(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds));
    assert_int_equal(ds->n, 1);
    f3_dataset_free(ds);
    /* only the first non-blank line may be a header */
    write_text(p, "a,b,c\nd,e,f\n1,2,1\n");
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-hdr.csv:2:", "column 1", "\"d\"");
}

/* Text loaders refuse what is not UTF-8 or ASCII text. */
static void test_text_not_text(void **state)
{
    (void)state;
    const char *p = tmp("csv-bin.csv");
    f3_dataset *ds = NULL;
    /* UTF-16 (little-endian) with its BOM */
    write_bytes(p, "\xFF\xFE" "1\0,\0" "2\0\n\0", 10);
    EXPECT_ERROR(f3_dataset_load_csv(p, 0, F3_TASK_REGRESSION, 0, &ds), F3_EFORMAT, p,
                 "UTF-16");
    EXPECT_ERROR(f3_dataset_load_census(p, &ds), F3_EFORMAT, p, "UTF-16");
    /* a NUL byte would cut the line short unseen */
    write_bytes(p, "1,2,0\n3,4,1\0,7\n", 16);
    EXPECT_ERROR(f3_dataset_load_csv(p, -1, F3_TASK_CLASSIFICATION, 2, &ds), F3_EFORMAT,
                 "csv-bin.csv:2:", "NUL", "column 6");
    assert_null(ds);
}

static void test_census_bom_crlf(void **state)
{
    (void)state;
    const char *p = tmp("census-bom.data");
    f3_dataset *ds = NULL;
    /* BOM before a data row, CRLF, '?' values, trailing blank lines */
    write_text(p, BOM "39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
                  "Not-in-family, White, Male, 2174, 0, 40, United-States, <=50K\r\n"
                  "52, ?, 287927, Doctorate, 16, Married-civ-spouse, ?, Wife, "
                  "Amer-Indian-Eskimo, Female, 15024, 0, 40, ?, >50K.\r\n"
                  "\r\n\r\n");
    ASSERT_OK(f3_dataset_load_census(p, &ds));
    assert_int_equal(ds->n, 2);
    assert_true(ds->x_f32[0] == 39.0f && ds->x_f32[1] == 5.0f);
    assert_true(ds->x_f32[14 + 1] == -1.0f && ds->x_f32[14 + 6] == -1.0f &&
                ds->x_f32[14 + 13] == -1.0f);
    assert_int_equal(ds->labels[0], 0);
    assert_int_equal(ds->labels[1], 1);
    f3_dataset_free(ds);
    /* BOM before adult.test's '|' line */
    write_text(p, BOM "|1x3 Cross validator\r\n"
                  "25, Private, 226802, 11th, 7, Never-married, Machine-op-inspct, Own-child, "
                  "Black, Male, 0, 0, 40, United-States, <=50K.\r\n");
    ASSERT_OK(f3_dataset_load_census(p, &ds));
    assert_int_equal(ds->n, 1);
    f3_dataset_free(ds);
}

static void test_wine_bom(void **state)
{
    (void)state;
    const char *red = tmp("winebom-red.csv"), *white = tmp("winebom-white.csv");
    const char *red2 = tmp("winebom-red2.csv"), *white2 = tmp("winebom-white2.csv");
    wine_fixture(red, white);
    /* the same files with a BOM: red has a header, white has none */
    const char *src[2] = {red, white}, *dst[2] = {red2, white2};
    for (int k = 0; k < 2; k++) {
        char text[8192];
        FILE *f = fopen(src[k], "rb");
        assert_non_null(f);
        size_t len = fread(text + 3, 1, sizeof text - 4, f);
        fclose(f);
        memcpy(text, BOM, 3);
        write_bytes(dst[k], text, len + 3);
    }
    f3_dataset *tr = NULL, *te = NULL, *tr2 = NULL, *te2 = NULL;
    ASSERT_OK(f3_dataset_load_wine(red, white, 0.2, 3, &tr, &te));
    ASSERT_OK(f3_dataset_load_wine(red2, white2, 0.2, 3, &tr2, &te2));
    assert_int_equal(tr2->n, tr->n);
    assert_int_equal(te2->n, te->n);
    assert_int_equal(tr->n + te->n, WINE_N);
    assert_memory_equal(tr2->x_f32, tr->x_f32, tr->n * 12 * sizeof(float));
    assert_memory_equal(tr2->targets, tr->targets, tr->n * sizeof(float));
    f3_dataset_free(tr);
    f3_dataset_free(te);
    f3_dataset_free(tr2);
    f3_dataset_free(te2);
}

/* Values that standardisation in float would turn into inf are refused. */
static void test_wine_unstandardisable(void **state)
{
    (void)state;
    const char *red = tmp("winehuge-red.csv"), *white = tmp("winehuge-white.csv");
    f3_dataset *tr = NULL, *te = NULL;
    write_text(red, "3e38,0,0,0,0,0,0,0,0,0,0,5\n-3e38,0,0,0,0,0,0,0,0,0,0,6\n");
    write_text(white, "3e38,0,0,0,0,0,0,0,0,0,0,5\n3e38,0,0,0,0,0,0,0,0,0,0,6\n");
    EXPECT_ERROR(f3_dataset_load_wine(red, white, 0.0, 1, &tr, &te), F3_EFORMAT, red, white,
                 "column 1", "standardised");
    assert_null(tr);
    write_text(red, "1,0,0,0,0,0,0,0,0,0,0,0\n1,0,0,0,0,0,0,0,0,0,0,1e-45\n");
    write_text(white, "1,0,0,0,0,0,0,0,0,0,0,0\n");
    EXPECT_ERROR(f3_dataset_load_wine(red, white, 0.0, 1, &tr, &te), F3_EFORMAT,
                 "column 12 (quality)");
    assert_null(tr);
}

/* ---- issue 10: a missing Census Income or Wine Quality file says where
 * the data set comes from ------------------------------------------------- */

static void test_missing_census_wine(void **state)
{
    (void)state;
    char dir[512], a[600], b[600];
    snprintf(dir, sizeof dir, "%s/ds_no-such-dir", F3_TEST_TMP_DIR);
    snprintf(a, sizeof a, "%s/adult.data", dir);
    f3_dataset *ds = NULL, *te = NULL;
    EXPECT_ERROR(f3_dataset_load_census(a, &ds), F3_EIO, a, strerror(ENOENT), "UCI",
                 "archive.ics.uci.edu", "adult.data and adult.test", dir, "scripts/setup.sh",
                 "data/census-income/");
    assert_null(ds);
    /* one line */
    assert_null(strchr(f3_last_error(), '\n'));

    snprintf(a, sizeof a, "%s/winequality-red.csv", dir);
    snprintf(b, sizeof b, "%s/winequality-white.csv", dir);
    EXPECT_ERROR(f3_dataset_load_wine(a, b, 0.2, 1, &ds, &te), F3_EIO, a, strerror(ENOENT),
                 "Wine Quality", "UCI", "archive.ics.uci.edu",
                 "winequality-red.csv and winequality-white.csv", "scripts/setup.sh",
                 "data/wine-quality/");
    assert_null(strchr(f3_last_error(), '\n'));
    /* the white file missing is named as such */
    const char *red = tmp("winemiss-red.csv"), *white = tmp("winemiss-white.csv");
    wine_fixture(red, white);
    EXPECT_ERROR(f3_dataset_load_wine(red, b, 0.2, 1, &ds, &te), F3_EIO, b, "UCI");
    /* an unreadable file for another reason gets no such hint */
    EXPECT_ERROR(f3_dataset_load_census(F3_TEST_TMP_DIR, &ds), F3_EIO, F3_TEST_TMP_DIR);
    assert_null(strstr(f3_last_error(), "UCI"));
    /* the generic CSV loader has no data set to point at */
    EXPECT_ERROR(f3_dataset_load_csv(a, 0, F3_TASK_REGRESSION, 0, &ds), F3_EIO, a);
    assert_null(strstr(f3_last_error(), "UCI"));
}

/* ---- issue 10: a header's sizes are claims checked before allocating ----- */

/* Run a loader in a child process: its status, message and how much its
 * peak resident memory grew (KiB).  A forked child starts with a peak equal
 * to its current size, so the growth is what the load itself touched. */
typedef struct {
    f3_status st;
    long grow_kib;
    double seconds;
    char msg[1024];
} child_report;

typedef f3_status (*load_fn)(const char *a, const char *b);

static child_report load_in_child(load_fn fn, const char *a, const char *b)
{
    int pfd[2];
    child_report rep;
    memset(&rep, 0, sizeof rep);
    assert_int_equal(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(60); /* a hang is a failure, not a stuck test */
        close(pfd[0]);
        struct rusage ru;
        struct timespec t0, t1;
        getrusage(RUSAGE_SELF, &ru);
        const long before = ru.ru_maxrss;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rep.st = fn(a, b);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        getrusage(RUSAGE_SELF, &ru);
        rep.grow_kib = ru.ru_maxrss - before;
        rep.seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        snprintf(rep.msg, sizeof rep.msg, "%s", f3_last_error());
        ssize_t w = write(pfd[1], &rep, sizeof rep);
        _exit(w == (ssize_t)sizeof rep ? 0 : 3);
    }
    close(pfd[1]);
    size_t got = 0;
    while (got < sizeof rep) {
        ssize_t r = read(pfd[0], (char *)&rep + got, sizeof rep - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(pfd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got != sizeof rep)
        fail_msg("the loader's child process died (status 0x%x)", status);
    return rep;
}

static f3_status load_idx_pair(const char *im, const char *lb)
{
    f3_dataset *ds = NULL;
    f3_status st = f3_dataset_load_idx(im, lb, 10, &ds);
    f3_dataset_free(ds);
    return st;
}

/* the bound of the issue: a failing load may not touch more than this */
#define GROW_LIMIT_KIB (64L * 1024L)

static void expect_child(child_report rep, f3_status want, const char *what, int nsub, ...)
{
    if (rep.st != want)
        fail_msg("%s: status %d (%s), expected %s; message: %s", what, (int)rep.st,
                 f3_status_name(rep.st), f3_status_name(want), rep.msg);
    if (rep.grow_kib > GROW_LIMIT_KIB)
        fail_msg("%s: resident memory grew by %ld KiB (limit %ld KiB); message: %s", what,
                 rep.grow_kib, GROW_LIMIT_KIB, rep.msg);
    if (rep.seconds > 5.0)
        fail_msg("%s: took %.1f s; message: %s", what, rep.seconds, rep.msg);
    va_list ap;
    va_start(ap, nsub);
    for (int k = 0; k < nsub; k++) {
        const char *sub = va_arg(ap, const char *);
        if (!strstr(rep.msg, sub)) {
            va_end(ap);
            fail_msg("%s: message \"%s\" does not contain \"%s\"", what, rep.msg, sub);
        }
    }
    va_end(ap);
}

#define EXPECT_CHILD(rep, want, what, ...)                                               \
    expect_child((rep), (want), (what),                                                  \
                 (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),  \
                 __VA_ARGS__)

/* Defects 3 and 4: a 36-byte IDX file whose header claims 10^9 images of
 * 28x28 reached 3 GB before failing with "f3_dataset_alloc: out of memory
 * for 1000000000 samples". */
static void test_idx_huge_header_plain(void **state)
{
    (void)state;
    const char *im = tmp("huge-images"), *lb = tmp("huge-labels");
    const uint32_t di[3] = {1000000000u, 28, 28}, dl[1] = {1000000000u};
    const uint8_t px[20] = {0};
    write_idx(im, 0, 0x00000803u, di, 3, px, sizeof px); /* 36 bytes */
    write_idx(lb, 0, 0x00000801u, dl, 1, px, 4);
    struct stat sb;
    assert_int_equal(stat(im, &sb), 0);
    assert_int_equal(sb.st_size, 36);
    child_report rep;

    /* one image of 16384 x 16384 pixels: the old loader filled offset and
     * scale (2 GiB) for it before reading a pixel */
    const uint32_t d1[3] = {1, 16384, 16384}, l1[1] = {1};
    write_idx(tmp("huge1-images"), 0, 0x00000803u, d1, 3, px, sizeof px);
    write_idx(tmp("huge1-labels"), 0, 0x00000801u, l1, 1, px, 1);
    rep = load_in_child(load_idx_pair, tmp("huge1-images"), tmp("huge1-labels"));
    EXPECT_CHILD(rep, F3_EFORMAT, "one huge image", "huge1-images",
                 "header claims 1 image of 16384x16384", "the file holds 36 bytes");

    rep = load_in_child(load_idx_pair, im, lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "36-byte images file", im,
                 "header claims 1000000000 images of 28x28", "the file holds 36 bytes");

    /* images as big as the largest header can say: 2^32-1 images of
     * 65535 x 65535 pixels */
    const uint32_t dmax[3] = {0xFFFFFFFFu, 0xFFFF, 0xFFFF}, lmax[1] = {0xFFFFFFFFu};
    write_idx(im, 0, 0x00000803u, dmax, 3, px, sizeof px);
    write_idx(lb, 0, 0x00000801u, lmax, 1, px, 4);
    rep = load_in_child(load_idx_pair, im, lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "largest header", im, "header claims 4294967295 images");
    /* a valid images file and a labels file whose count is short */
    const uint32_t d2[3] = {2, 2, 2}, l2[1] = {2};
    write_idx(im, 0, 0x00000803u, d2, 3, px, 8);
    write_idx(lb, 0, 0x00000801u, l2, 1, px, 0);
    rep = load_in_child(load_idx_pair, im, lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "labels", lb, "header claims 2 labels",
                 "the file holds 8 bytes");
}

/* The same through gzip, whose uncompressed size is not known up front. */
static void test_idx_huge_header_gzip(void **state)
{
    (void)state;
    const char *im = tmp("hugegz-images.gz"), *lb = tmp("hugegz-labels.gz");
    const uint32_t di[3] = {1000000000u, 28, 28}, dl[1] = {1000000000u};
    const uint8_t zero[20] = {0};
    write_idx(im, 1, 0x00000803u, di, 3, zero, sizeof zero);
    write_idx(lb, 1, 0x00000801u, dl, 1, zero, 4);
    child_report rep = load_in_child(load_idx_pair, im, lb);
    /* more than deflate can expand this file to: refused before reading */
    EXPECT_CHILD(rep, F3_EFORMAT, "small gzip", im, "header claims 1000000000 images of 28x28",
                 "gzip", "at most");

    /* 256 KiB of incompressible pixels claiming 100 000 images of 28x28
     * (78 MB): within what the file could expand to, so it is read as it
     * comes and fails at its real end */
    enum { HAVE = 256 * 1024 };
    uint8_t *px = malloc(HAVE);
    assert_non_null(px);
    uint32_t x = 12345;
    for (size_t k = 0; k < HAVE; k++) {
        x = x * 1664525u + 1013904223u;
        px[k] = (uint8_t)(x >> 24);
    }
    const uint32_t d2[3] = {100000, 28, 28}, l2[1] = {100000};
    write_idx(im, 1, 0x00000803u, d2, 3, px, HAVE);
    memset(px, 0, 100000);
    write_idx(lb, 1, 0x00000801u, l2, 1, px, 100000); /* labels complete */
    free(px);
    rep = load_in_child(load_idx_pair, im, lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "incompressible gzip", im, "truncated",
                 "header claims 100000 images of 28x28", "gzip stream holds 262160 bytes",
                 "found 262144", "record 334");
    /* the labels' gzip stream short of the claim */
    const uint32_t d3[3] = {3, 2, 3}, l3[1] = {3};
    uint8_t small[18] = {0};
    write_idx(im, 1, 0x00000803u, d3, 3, small, sizeof small);
    write_idx(lb, 1, 0x00000801u, l3, 1, small, 1);
    rep = load_in_child(load_idx_pair, im, lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "short labels", lb, "header claims 3 labels", "found 1");
}

/* A pipe has no size: it is read as it comes. */
static void test_idx_huge_header_pipe(void **state)
{
    (void)state;
    const char *fifo = tmp("hugefifo-images"), *lb = tmp("hugefifo-labels");
    const uint32_t dl[1] = {1000000000u};
    const uint8_t zero[4] = {0};
    /* labels as many as claimed (a sparse file): only the images are short */
    write_idx(lb, 0, 0x00000801u, dl, 1, zero, 4);
    assert_int_equal(truncate(lb, 8 + 1000000000L), 0);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    fflush(NULL);
    pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        alarm(20); /* never outlive a loader that does not open the pipe */
        unsigned char h[16 + 20] = {0};
        put_be32(h, 0x00000803u);
        put_be32(h + 4, 1000000000u);
        put_be32(h + 8, 28);
        put_be32(h + 12, 28);
        FILE *f = fopen(fifo, "wb");
        if (!f)
            _exit(1);
        fwrite(h, 1, sizeof h, f);
        fclose(f);
        _exit(0);
    }
    child_report rep = load_in_child(load_idx_pair, fifo, lb);
    int status = 0;
    waitpid(writer, &status, 0);
    unlink(fifo);
    unlink(lb);
    EXPECT_CHILD(rep, F3_EFORMAT, "pipe", fifo, "header claims 1000000000 images of 28x28",
                 "holds 36 bytes", "found 20");
}

/* A directory is not an IDX file (zlib would report a read error). */
static void test_idx_directory(void **state)
{
    (void)state;
    const char *lb = tmp("dir-labels");
    write_idx_pair(tmp("dir-images"), lb, 0);
    f3_dataset *ds = NULL;
    EXPECT_ERROR(f3_dataset_load_idx(F3_TEST_TMP_DIR, lb, 10, &ds), F3_EIO, F3_TEST_TMP_DIR,
                 "directory");
    assert_null(ds);
}

int main(void)
{
    mkdir(F3_TEST_TMP_DIR, 0777); /* normally made by CMake */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_free),
        cmocka_unit_test(test_idx_plain),
        cmocka_unit_test(test_idx_gzip),
        cmocka_unit_test(test_idx_standardise_gather),
        cmocka_unit_test(test_idx_wrong_magic),
        cmocka_unit_test(test_idx_truncated_images),
        cmocka_unit_test(test_idx_truncated_labels),
        cmocka_unit_test(test_idx_count_mismatch),
        cmocka_unit_test(test_idx_label_out_of_range),
        cmocka_unit_test(test_idx_missing_file),
        cmocka_unit_test(test_mnist_folder),
        cmocka_unit_test(test_mnist_real),
        cmocka_unit_test(test_fashion_mnist_real),
        cmocka_unit_test(test_census_valid),
        cmocka_unit_test(test_census_errors),
        cmocka_unit_test(test_census_real),
        cmocka_unit_test(test_wine_split),
        cmocka_unit_test(test_wine_errors),
        cmocka_unit_test(test_wine_real),
        cmocka_unit_test(test_cifar_valid),
        cmocka_unit_test(test_cifar_errors),
        cmocka_unit_test(test_csv_valid),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_csv_bom),
        cmocka_unit_test(test_csv_header_detection),
        cmocka_unit_test(test_text_not_text),
        cmocka_unit_test(test_census_bom_crlf),
        cmocka_unit_test(test_wine_bom),
        cmocka_unit_test(test_wine_unstandardisable),
        cmocka_unit_test(test_missing_census_wine),
        cmocka_unit_test(test_idx_huge_header_plain),
        cmocka_unit_test(test_idx_huge_header_gzip),
        cmocka_unit_test(test_idx_huge_header_pipe),
        cmocka_unit_test(test_idx_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
