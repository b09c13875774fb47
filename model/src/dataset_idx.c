/* dataset_idx.c — IDX image/label pairs (MNIST, Fashion-MNIST).
 *
 * IDX: a big-endian 32-bit magic number 0x000008DD (0x08 = unsigned byte,
 * DD = number of dimensions), DD big-endian 32-bit sizes, then the payload
 * in row-major order.  Images are idx3 (n, rows, cols), labels idx1 (n).
 * zlib's gzread reads plain files unchanged, so one path serves both.
 *
 * The sizes in a header are claims: before anything of their size is
 * allocated they are checked against the file (exactly for a plain file;
 * for gzip against the most deflate can expand the file to), and a gzip
 * payload is read into a buffer that grows with the data that actually
 * arrives, so a short file with a huge header fails fast in little memory.
 */
#include "f3/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset_internal.h"

#define IDX_FIFO_WAIT_MS 10000

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u

/* An open IDX file: zlib reads plain files unchanged (gzdirect). */
typedef struct {
    const char *path;
    gzFile gz;
    long long size; /* bytes on disk for a regular file, else -1 */
} idx_file;

static f3_status idx_open(const char *path, idx_file *f)
{
    struct stat sb;
    f->path = path;
    f->gz = NULL;
    f->size = -1;
    errno = 0;
    int fd = f3_open_read(path); /* not blocking in open on a FIFO nobody writes */
    if (fd < 0)
        return F3_FAIL(F3_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0) {
        int err = errno;
        close(fd);
        return F3_FAIL(F3_EIO, "%s: cannot stat: %s", path, strerror(err));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return F3_FAIL(F3_EIO, "%s: is a directory, not an IDX file", path);
    }
    /* a pipe is read as it comes, once a process writes it: wait for its
     * first bytes (or its writer's end) a while, not for ever */
    if (S_ISFIFO(sb.st_mode)) {
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr;
        do pr = poll(&pf, 1, IDX_FIFO_WAIT_MS);
        while (pr < 0 && errno == EINTR);
        if (pr <= 0) {
            close(fd);
            return F3_FAIL(F3_EIO, "%s: a FIFO that no process writes (waited %d s for its first bytes)", path,
                           IDX_FIFO_WAIT_MS / 1000);
        }
    }
    if (S_ISREG(sb.st_mode))
        f->size = (long long)sb.st_size;
    errno = 0;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        return F3_FAIL(F3_ENOMEM, "%s: cannot open: out of memory", path);
    }
    gzbuffer(f->gz, 1u << 17);
    return F3_OK;
}

static void idx_close(idx_file *f)
{
    if (f->gz)
        gzclose(f->gz);
    f->gz = NULL;
}

/* Read up to len bytes; *got receives the number read (less than len only
 * at the end of the data).  A decompression or read error (other than a
 * plain short read) is reported as F3_EFORMAT or F3_EIO with zlib's
 * message. */
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
            /* zlib's message repeats the path (here "<fd:N>"): keep only
             * what follows it */
            const char *colon = strstr(msg, ": ");
            if (colon && msg[0] == '<')
                msg = colon + 2;
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
static f3_status idx_header(idx_file *f, uint32_t magic, const char *what, uint32_t *dims,
                            unsigned ndim)
{
    unsigned char h[16];
    size_t len = 4 * (1 + (size_t)ndim), got = 0;
    f3_status st = idx_read(f->gz, f->path, h, len, &got);
    if (st)
        return st;
    if (got >= 4 && be32(h) != magic)
        return F3_FAIL(F3_EFORMAT, "%s: magic number 0x%08x, expected 0x%08x (IDX %s)", f->path,
                       (unsigned)be32(h), (unsigned)magic, what);
    if (got < len)
        return F3_FAIL(F3_EFORMAT, "%s: truncated header: expected %zu bytes, found %zu", f->path,
                       len, got);
    for (unsigned k = 0; k < ndim; k++)
        dims[k] = be32(h + 4 * (1 + k));
    return F3_OK;
}

/* Deflate never expands more than 1032:1; a gzip file of `size` bytes
 * decompresses to at most this many bytes. */
static unsigned long long gzip_max_output(long long size)
{
    return (unsigned long long)size * 1032u + 1024u;
}

/* Check the payload the header claims (`want` bytes after a `hlen`-byte
 * header) against what the file can hold, before anything is allocated.
 * claim: the header's claim ("3 images of 28x28"); expect: the payload
 * ("2352 bytes of pixels"); unit: bytes per record (for "record N is
 * incomplete" when > 1); what: the records ("images").  A plain regular
 * file is checked exactly; a gzip file against the most its size can
 * decompress to.  F3_OK when the payload may be there. */
static f3_status idx_check_size(const idx_file *f, size_t hlen, size_t want, const char *claim,
                                const char *expect, size_t unit, const char *what)
{
    if (f->size < 0)
        return F3_OK; /* a pipe: read as it comes */
    if (gzdirect(f->gz)) {
        const unsigned long long have = (unsigned long long)f->size - hlen;
        if (have < want) {
            char rec[64] = "";
            if (unit > 1)
                snprintf(rec, sizeof rec, ": record %llu is incomplete", have / unit);
            return F3_FAIL(F3_EFORMAT, "%s: truncated: header claims %s but the file holds %lld "
                           "bytes (expected %s after the %zu-byte header, found %llu%s)",
                           f->path, claim, f->size, expect, hlen, have, rec);
        }
        if (have > want)
            return F3_FAIL(F3_EFORMAT, "%s: unexpected data after the %s the header announces "
                           "(%llu bytes more)", f->path, what, have - want);
        return F3_OK;
    }
    const unsigned long long most = gzip_max_output(f->size);
    if (most < hlen || most - hlen < want)
        return F3_FAIL(F3_EFORMAT, "%s: truncated: header claims %s (%s) but the file holds "
                       "%lld bytes of gzip data, which decompress to at most %llu bytes",
                       f->path, claim, expect, f->size, most);
    return F3_OK;
}

/* Read the `want`-byte payload into a new buffer (*out, exactly want bytes
 * when *got == want).  A plain regular file (already checked against its
 * size) is read into one allocation; otherwise the buffer grows with what
 * actually arrives, so that memory follows the data and not the header's
 * claim.  On a short read *got < want and *out is freed and NULL. */
static f3_status idx_read_payload(idx_file *f, size_t want, uint8_t **out, size_t *got)
{
    const size_t step = (size_t)1 << 22;
    size_t cap = (f->size >= 0 && gzdirect(f->gz)) || want <= step ? want : step;
    uint8_t *buf = malloc(cap ? cap : 1);
    f3_status st = F3_OK;
    *out = NULL;
    *got = 0;
    if (!buf)
        return F3_FAIL(F3_ENOMEM, "%s: out of memory for %zu bytes", f->path, cap);
    for (;;) {
        size_t g = 0;
        if ((st = idx_read(f->gz, f->path, buf + *got, cap - *got, &g))) {
            free(buf);
            return st;
        }
        *got += g;
        if (*got < cap || cap == want)
            break; /* the end of the data, or all of it */
        size_t ncap = cap <= want / 2 ? cap * 2 : want;
        uint8_t *nb = realloc(buf, ncap);
        if (!nb) {
            free(buf);
            return F3_FAIL(F3_ENOMEM, "%s: out of memory for %zu bytes", f->path, ncap);
        }
        buf = nb;
        cap = ncap;
    }
    if (*got < want) {
        free(buf);
        return F3_OK;
    }
    *out = buf;
    return F3_OK;
}

/* Fail if anything follows the payload. */
static f3_status idx_expect_end(idx_file *f, size_t n, const char *what)
{
    unsigned char extra;
    size_t got = 0;
    f3_status st = idx_read(f->gz, f->path, &extra, 1, &got);
    if (st)
        return st;
    if (got)
        return F3_FAIL(F3_EFORMAT, "%s: unexpected data after the %zu %s the header announces",
                       f->path, n, what);
    return F3_OK;
}

f3_status f3_dataset_load_idx(const char *images_path, const char *labels_path,
                              size_t n_classes, f3_dataset **out)
{
    f3_status st = F3_OK;
    idx_file fi = {0}, fl = {0};
    f3_dataset *ds = NULL;
    uint8_t *px = NULL, *lab = NULL;
    uint32_t di[3] = {0}, dl[1] = {0};
    size_t got = 0;
    char claim[160];

    if (!out)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: out is NULL");
    *out = NULL;
    if (!images_path || !labels_path)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: path is NULL");
    if (n_classes == 0 || n_classes > 256)
        return F3_FAIL(F3_EINVAL, "f3_dataset_load_idx: n_classes %zu not in [1, 256]",
                       n_classes);

    if ((st = idx_open(images_path, &fi)) || (st = idx_open(labels_path, &fl)))
        goto fail;
    if ((st = idx_header(&fi, IDX_MAGIC_IMAGES, "images, idx3 ubyte", di, 3)) ||
        (st = idx_header(&fl, IDX_MAGIC_LABELS, "labels, idx1 ubyte", dl, 1)))
        goto fail;

    /* every size the headers claim is checked against the files before
     * anything of that size is allocated */
    const size_t n = di[0], rows = di[1], cols = di[2];
    if (di[0] != dl[0]) {
        st = F3_FAIL(F3_EFORMAT, "%s holds %zu images but %s holds %zu labels", images_path, n,
                     labels_path, (size_t)dl[0]);
        goto fail;
    }
    if (n == 0 || rows == 0 || cols == 0) {
        st = F3_FAIL(F3_EFORMAT, "%s: empty: %zu images of %zu x %zu pixels", images_path, n,
                     rows, cols);
        goto fail;
    }
    char expect[96];
    snprintf(claim, sizeof claim, "%zu image%s of %zux%zu", n, n == 1 ? "" : "s", rows, cols);
    if (rows > SIZE_MAX / cols || rows * cols > SIZE_MAX / n) {
        st = F3_FAIL(F3_EFORMAT, "%s: header claims %s: more bytes than memory can address",
                     images_path, claim);
        goto fail;
    }
    const size_t d = rows * cols;
    snprintf(expect, sizeof expect, "%zu bytes of pixels", n * d);
    if ((st = idx_check_size(&fi, 16, n * d, claim, expect, d, "images")))
        goto fail;
    char lclaim[64];
    snprintf(lclaim, sizeof lclaim, "%zu label%s", n, n == 1 ? "" : "s");
    if ((st = idx_check_size(&fl, 8, n, lclaim, lclaim, 1, "labels")))
        goto fail;

    /* images: n records of d bytes */
    if ((st = idx_read_payload(&fi, n * d, &px, &got)))
        goto fail;
    if (!px) {
        st = F3_FAIL(F3_EFORMAT, "%s: truncated: header claims %s but the %s holds %zu bytes "
                     "(expected %zu bytes of pixels after the 16-byte header, found %zu: record "
                     "%zu is incomplete)", images_path, claim,
                     gzdirect(fi.gz) ? "file" : "gzip stream", 16 + got, n * d, got, got / d);
        goto fail;
    }
    if ((st = idx_expect_end(&fi, n, "images")))
        goto fail;

    /* labels: n bytes */
    if ((st = idx_read_payload(&fl, n, &lab, &got)))
        goto fail;
    if (!lab) {
        st = F3_FAIL(F3_EFORMAT, "%s: truncated: header claims %s but the %s holds %zu bytes "
                     "(expected %zu labels after the 8-byte header, found %zu)", labels_path,
                     lclaim, gzdirect(fl.gz) ? "file" : "gzip stream", 8 + got, n, got);
        goto fail;
    }
    if ((st = idx_expect_end(&fl, n, "labels")))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (lab[i] >= n_classes) {
            st = F3_FAIL(F3_EFORMAT, "%s: record %zu: label %u out of range [0, %zu)",
                         labels_path, i, (unsigned)lab[i], n_classes);
            goto fail;
        }
    }

    if ((st = f3_ds_alloc_adopt_u8(F3_TASK_CLASSIFICATION, n, d, n_classes, px, &ds))) {
        st = f3_ds_fail_prefix(st, "%s", images_path);
        goto fail;
    }
    px = NULL; /* the data set's now */
    for (size_t i = 0; i < n; i++)
        ds->labels[i] = lab[i];

    const char *base = strrchr(images_path, '/');
    f3_ds_set_name(ds, "%s", base ? base + 1 : images_path);
    free(lab);
    idx_close(&fi);
    idx_close(&fl);
    *out = ds;
    return F3_OK;

fail:
    free(px);
    free(lab);
    f3_dataset_free(ds);
    idx_close(&fi);
    idx_close(&fl);
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
