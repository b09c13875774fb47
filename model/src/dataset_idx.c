/* dataset_idx.c — IDX image/label pairs (MNIST, Fashion-MNIST).
 *
 * IDX: a big-endian 32-bit magic number 0x000008DD (0x08 = unsigned byte,
 * DD = number of dimensions), DD big-endian 32-bit sizes, then the payload
 * in row-major order.  Images are idx3 (n, rows, cols), labels idx1 (n).
 * zlib's gzread reads plain files unchanged, so one path serves both.
 */
#include "f3/dataset.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset_internal.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u

static f3_status idx_open(const char *path, gzFile *gz)
{
    errno = 0;
    *gz = gzopen(path, "rb");
    if (!*gz) {
        if (errno)
            return F3_FAIL(F3_EIO, "%s: cannot open: %s", path, strerror(errno));
        return F3_FAIL(F3_ENOMEM, "%s: cannot open: out of memory", path);
    }
    return F3_OK;
}

/* Read up to len bytes; *got receives the number read.  A decompression or
 * read error (other than a plain short read) is reported as F3_EFORMAT or
 * F3_EIO with zlib's message. */
static f3_status idx_read(gzFile gz, const char *path, void *buf, size_t len, size_t *got)
{
    unsigned char *p = buf;
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        unsigned chunk = want > (1u << 30) ? (1u << 30) : (unsigned)want;
        int r = gzread(gz, p + *got, chunk);
        if (r < 0) {
            int zerr = 0;
            const char *msg = gzerror(gz, &zerr);
            if (zerr == Z_ERRNO)
                return F3_FAIL(F3_EIO, "%s: read error: %s", path, strerror(errno));
            /* zlib's message repeats the path: keep only what follows it */
            size_t pl = strlen(path);
            if (strncmp(msg, path, pl) == 0 && strncmp(msg + pl, ": ", 2) == 0)
                msg += pl + 2;
            return F3_FAIL(F3_EFORMAT, "%s: corrupt gzip data: %s", path, msg);
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    if (*got < len) {
        /* A gzip stream cut short ends with Z_BUF_ERROR; report it as a
         * truncation by the caller (which knows what was expected). */
        int zerr = 0;
        (void)gzerror(gz, &zerr);
        if (zerr == Z_ERRNO)
            return F3_FAIL(F3_EIO, "%s: read error: %s", path, strerror(errno));
    }
    return F3_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Read the magic and ndim sizes; dims receives the sizes. */
static f3_status idx_header(gzFile gz, const char *path, uint32_t magic, const char *what,
                            uint32_t *dims, unsigned ndim)
{
    unsigned char h[16];
    size_t len = 4 * (1 + (size_t)ndim), got = 0;
    f3_status st = idx_read(gz, path, h, len, &got);
    if (st)
        return st;
    if (got >= 4 && be32(h) != magic)
        return F3_FAIL(F3_EFORMAT, "%s: magic number 0x%08x, expected 0x%08x (IDX %s)", path,
                       (unsigned)be32(h), (unsigned)magic, what);
    if (got < len)
        return F3_FAIL(F3_EFORMAT, "%s: truncated header: expected %zu bytes, found %zu", path,
                       len, got);
    for (unsigned k = 0; k < ndim; k++)
        dims[k] = be32(h + 4 * (1 + k));
    return F3_OK;
}

/* Fail if anything follows the payload. */
static f3_status idx_expect_end(gzFile gz, const char *path, size_t n, const char *what)
{
    unsigned char extra;
    size_t got = 0;
    f3_status st = idx_read(gz, path, &extra, 1, &got);
    if (st)
        return st;
    if (got)
        return F3_FAIL(F3_EFORMAT, "%s: unexpected data after the %zu %s the header announces",
                       path, n, what);
    return F3_OK;
}

f3_status f3_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t n_classes, f3_dataset **out)
{
    f3_status st = F3_OK;
    gzFile gi = NULL, gl = NULL;
    f3_dataset *ds = NULL;
    uint8_t *lab = NULL;
    uint32_t di[3] = {0}, dl[1] = {0};
    size_t got = 0;

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: out is NULL");
    *out = NULL;
    if (!images_path || !labels_path)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: path is NULL");
    if (n_classes == 0 || n_classes > 256)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: n_classes %zu not in [1, 256]",
                       n_classes);

    if ((st = idx_open(images_path, &gi)) || (st = idx_open(labels_path, &gl)))
        goto fail;
    if ((st = idx_header(gi, images_path, IDX_MAGIC_IMAGES, "images, idx3 ubyte", di, 3)) ||
        (st = idx_header(gl, labels_path, IDX_MAGIC_LABELS, "labels, idx1 ubyte", dl, 1)))
        goto fail;

    const size_t n = di[0], rows = di[1], cols = di[2], d = rows * cols;
    if (di[0] != dl[0]) {
        st = F3_FAIL(F3_EFORMAT, "%s holds %zu images but %s holds %zu labels", images_path, n,
                     labels_path, (size_t)dl[0]);
        goto fail;
    }
    if (n == 0 || d == 0) {
        st = F3_FAIL(F3_EFORMAT, "%s: empty: %zu images of %zu x %zu pixels", images_path, n,
                     rows, cols);
        goto fail;
    }

    if ((st = f3_dataset_alloc(F3_TASK_CLASSIFICATION, n, d, n_classes, 1, &ds)))
        goto fail;
    lab = malloc(n);
    if (!lab) {
        st = F3_FAIL(F3_ENOMEM, "%s: out of memory for %zu labels", labels_path, n);
        goto fail;
    }

    /* images: n records of d bytes */
    if ((st = idx_read(gi, images_path, ds->x_u8, n * d, &got)))
        goto fail;
    if (got < n * d) {
        st = F3_FAIL(F3_EFORMAT, "%s: truncated: expected %zu bytes of pixels (%zu images of "
                     "%zu x %zu), found %zu (record %zu is incomplete)", images_path, n * d, n,
                     rows, cols, got, got / d);
        goto fail;
    }
    if ((st = idx_expect_end(gi, images_path, n, "images")))
        goto fail;

    /* labels: n bytes */
    if ((st = idx_read(gl, labels_path, lab, n, &got)))
        goto fail;
    if (got < n) {
        st = F3_FAIL(F3_EFORMAT, "%s: truncated: expected %zu labels, found %zu", labels_path,
                     n, got);
        goto fail;
    }
    if ((st = idx_expect_end(gl, labels_path, n, "labels")))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (lab[i] >= n_classes) {
            st = F3_FAIL(F3_EFORMAT, "%s: record %zu: label %u out of range [0, %zu)",
                         labels_path, i, (unsigned)lab[i], n_classes);
            goto fail;
        }
        ds->labels[i] = lab[i];
    }

    const char *base = strrchr(images_path, '/');
    f3_ds_set_name(ds, "%s", base ? base + 1 : images_path);
    free(lab);
    gzclose(gi);
    gzclose(gl);
    *out = ds;
    return F3_OK;

fail:
    free(lab);
    f3_dataset_free(ds);
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    return st;
}

/* dir/name if it exists, else dir/name.gz if that exists. */
static f3_status mnist_path(const char *dir, const char *name, char *buf, size_t cap)
{
    int len = snprintf(buf, cap, "%s/%s", dir, name);
    if (len < 0 || (size_t)len + 3 >= cap)
        return F3_FAIL(F3_EINVAL, "%s/%s: path too long", dir, name);
    if (access(buf, F_OK) == 0)
        return F3_OK;
    int err = errno;
    strcat(buf, ".gz");
    if (access(buf, F_OK) == 0)
        return F3_OK;
    return F3_FAIL(F3_EIO, "%s/%s: cannot open (nor %s.gz): %s", dir, name, name,
                   strerror(err));
}

f3_status f3_dataset_load_mnist(const char *dir, const char *split, f3_dataset **out)
{
    char images[4096], labels[4096];
    const char *prefix;
    f3_status st;

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_mnist: out is NULL");
    *out = NULL;
    if (!dir || !split)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_mnist: dir or split is NULL");
    if (strcmp(split, "train") == 0)
        prefix = "train";
    else if (strcmp(split, "test") == 0)
        prefix = "t10k";
    else
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_mnist: split \"%s\": expected \"train\" "
                       "or \"test\"", split);

    char name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    if ((st = mnist_path(dir, name, images, sizeof images)))
        return st;
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    if ((st = mnist_path(dir, name, labels, sizeof labels)))
        return st;
    if ((st = f3_dataset_load_idx(images, labels, 10, out)))
        return st;

    /* the paper's code: ToTensor (x/255), Normalize((0.1307,), (0.3081,)) */
    f3_dataset_standardise_scalar(*out, 255.0f, 0.1307f, 0.3081f);

    /* name: basename of dir ("mnist", "fashion-mnist", ...) + split */
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && dir[start - 1] != '/')
        start--;
    int blen = (int)(len - start);
    if (blen == 0 || (blen == 1 && dir[start] == '.') ||
        (blen == 2 && dir[start] == '.' && dir[start + 1] == '.'))
        f3_ds_set_name(*out, "mnist-%s", split);
    else
        f3_ds_set_name(*out, "%.*s-%s", blen > 40 ? 40 : blen, dir + start, split);
    return F3_OK;
}
