/* npz.c — see npz.h.  Zip layout: PKWARE APPNOTE 6.3 (end of central
 * directory, Zip64 end record and locator, central directory headers, the
 * Zip64 extra field 0x0001); .npy layout: NumPy's format.py (NEP 1). */
#include "npz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <zlib.h>

#include "f3/status.h"

/* an error (already in f3_last_error()): -1 */
static int fail(f3_status st)
{
    (void)st;
    return -1;
}
#define BAD(...) fail(F3_FAIL(F3_EINVAL, __VA_ARGS__))

static int fail_close(npz_file *z)
{
    npz_close(z);
    return -1;
}
#define BADZ(...) (F3_FAIL(F3_EINVAL, __VA_ARGS__), fail_close(z))

static uint64_t rd16(const unsigned char *p) { return (uint64_t)p[0] | (uint64_t)p[1] << 8; }
static uint64_t rd32(const unsigned char *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const unsigned char *p) { return rd32(p) | rd32(p + 4) << 32; }

uint32_t npz_crc32(uint32_t crc, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t off = 0; off < n;) {
        size_t k = n - off > (1u << 30) ? (1u << 30) : n - off; /* zlib takes an uInt a call */
        crc = (uint32_t)crc32(crc, c + off, (uInt)k);
        off += k;
    }
    return crc;
}

/* a + b ≤ limit, without overflow */
static int fits(uint64_t a, uint64_t b, uint64_t limit) { return a <= limit && b <= limit - a; }

static int read_file(npz_file *z)
{
    int not_regular;
    FILE *f = f3_fopen_regular(z->path, &not_regular);
    if (!f && not_regular) return BAD("%s: not a regular file (a FIFO, a device or a folder)", z->path);
    if (!f) return BAD("%s: cannot open: %s", z->path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb)) {
        fclose(f);
        return BAD("%s: cannot stat: %s", z->path, strerror(errno));
    }
    z->file_len = (size_t)sb.st_size;
    z->file = malloc(z->file_len ? z->file_len : 1);
    if (!z->file) {
        fclose(f);
        return F3_FAIL(F3_ENOMEM, "%s: out of memory for its %zu bytes", z->path, z->file_len), -1;
    }
    size_t got = fread(z->file, 1, z->file_len, f);
    fclose(f);
    if (got != z->file_len) return BAD("%s: read %zu of its %zu bytes", z->path, got, z->file_len);
    return 0;
}

/* Inflate the raw deflate stream in[0..n) into out[0..cap); returns the
 * bytes written, or (size_t)-1 if whole and the stream does not end there
 * (whole: the entry must fill out exactly; otherwise a prefix is enough). */
static size_t inflate_into(const unsigned char *in, uint64_t n, unsigned char *out, size_t cap, int whole)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return (size_t)-1;
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int zr = inflate(&zs, Z_FINISH);
    size_t got = zs.total_out;
    inflateEnd(&zs);
    if (whole && zr != Z_STREAM_END) return (size_t)-1;
    return got;
}

/* The .npy header's value of 'key' (after "'key':"), or NULL. */
static const char *dict_value(const char *dict, const char *key)
{
    char k[32];
    snprintf(k, sizeof k, "'%s'", key);
    const char *p = strstr(dict, k);
    if (!p) return NULL;
    p += strlen(k);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

/* Parse the .npy array in buf[0..len) into a; where names it in messages
 * ("FILE: NAME.npy", or "FILE" for a file of its own).  ints: 1 to take
 * little-endian integers ('<i4', '<i8', '<u4', '<u8') as well as floats. */
static int parse_npy_as(const char *where, const unsigned char *buf, size_t len, npz_array *a, int ints,
                        int header_only)
{
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6))
        return BAD("%s is not a NumPy .npy array (no \\x93NUMPY magic)", where);
    unsigned major = buf[6];
    size_t hl, off;
    if (major == 1) hl = (size_t)rd16(buf + 8), off = 10;
    else if (major == 2 || major == 3) {
        if (len < 12) return BAD("%s: truncated header", where);
        hl = (size_t)rd32(buf + 8), off = 12;
    } else return BAD("%s: .npy format version %u.%u is not one f3sim reads (1.0, 2.0, 3.0)", where, major, buf[7]);
    if (!fits(off, hl, len)) return BAD("%s: truncated header", where);
    if (hl > 65536) return BAD("%s: a header of %zu bytes is not a NumPy header", where, hl);
    char *dict = malloc(hl + 1);
    if (!dict) return F3_FAIL(F3_ENOMEM, "out of memory"), -1;
    memcpy(dict, buf + off, hl);
    dict[hl] = '\0';
    int rc = -1;
    const char *d = dict_value(dict, "descr"), *fo = dict_value(dict, "fortran_order"), *sh = dict_value(dict, "shape");
    if (!d || !fo || !sh) {
        BAD("%s: the header lacks descr, fortran_order or shape", where);
        goto out;
    }
    static const struct {
        const char *descr;
        char kind;
        int itemsize;
    } DTYPES[] = {{"'<f4'", 'f', 4}, {"'<f8'", 'f', 8}, {"'<i4'", 'i', 4},
                  {"'<i8'", 'i', 8}, {"'<u4'", 'u', 4}, {"'<u8'", 'u', 8}};
    a->itemsize = 0;
    for (size_t k = 0; k < sizeof DTYPES / sizeof DTYPES[0] && !a->itemsize; k++)
        if ((ints || DTYPES[k].kind == 'f') && !strncmp(d, DTYPES[k].descr, 5))
            a->kind = DTYPES[k].kind, a->itemsize = DTYPES[k].itemsize;
    if (!a->itemsize) {
        char dt[16];
        snprintf(dt, sizeof dt, "%.*s", (int)strcspn(d, ",}"), d);
        if (ints)
            BAD("%s holds %s values; f3sim reads little-endian integers ('<i4', '<i8', '<u4', '<u8') here", where, dt);
        else
            BAD("%s holds %s values; f3sim reads little-endian float32 ('<f4') or float64 ('<f8') arrays", where, dt);
        goto out;
    }
    if (!strncmp(fo, "True", 4)) a->fortran = 1;
    else if (!strncmp(fo, "False", 5)) a->fortran = 0;
    else {
        BAD("%s: fortran_order is neither True nor False", where);
        goto out;
    }
    if (*sh != '(') {
        BAD("%s: the shape is not a tuple", where);
        goto out;
    }
    const char *p = sh + 1;
    a->ndim = 0;
    a->count = 1;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        if (a->ndim == NPZ_MAX_DIMS) {
            BAD("%s has more than %d dimensions", where, NPZ_MAX_DIMS);
            goto out;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (end == p || errno || *p == '-') {
            BAD("%s: the shape is not a tuple of sizes", where);
            goto out;
        }
        if (v && a->count > SIZE_MAX / v) {
            BAD("%s: its shape overflows", where);
            goto out;
        }
        a->shape[a->ndim++] = (size_t)v;
        a->count *= (size_t)v;
        p = end;
    }
    size_t bytes = a->count * (size_t)a->itemsize;
    if (a->count > SIZE_MAX / 8 || (!header_only && len - off - hl < bytes)) {
        char s[96];
        npz_shape_text(a->shape, a->ndim, s, sizeof s);
        BAD("%s: its shape %s needs %zu bytes of data, the %s holds %zu", where, s, bytes, ints ? "file" : "entry",
            len - off - hl);
        goto out;
    }
    a->data = buf + off + hl;
    rc = 0;
out:
    free(dict);
    return rc;
}

static int parse_npy(const char *where, const unsigned char *buf, size_t len, npz_array *a, int ints)
{
    return parse_npy_as(where, buf, len, a, ints, 0);
}

/* The size of the .npy file whose first len bytes (its header at least)
 * are in buf: the header's length plus its shape × itemsize.  0 with
 * f3_last_error() set when the header is not one parse_npy reads. */
static uint64_t npy_promised(const char *where, const unsigned char *buf, size_t len)
{
    npz_array a;
    memset(&a, 0, sizeof a);
    if (parse_npy_as(where, buf, len, &a, 0, 1)) return 0;
    return (uint64_t)(a.data - buf) + (uint64_t)a.count * (uint64_t)a.itemsize;
}

int npz_open(const char *path, npz_file *z) { return npz_open_within(path, z, UINT64_MAX); }

int npz_open_within(const char *path, npz_file *z, uint64_t max_bytes)
{
    memset(z, 0, sizeof *z);
    snprintf(z->path, sizeof z->path, "%s", path);
    if (read_file(z)) return fail_close(z);
    const unsigned char *f = z->file;
    const size_t len = z->file_len;
    /* the end of central directory record: the last one in the file's last
     * 65 557 bytes (22 bytes + a comment of up to 65 535) */
    size_t eocd = SIZE_MAX;
    for (size_t i = len >= 22 ? len - 22 + 1 : 0; i-- > 0 && len - i <= 65557;) {
        if (rd32(f + i) == 0x06054b50 && i + 22 + rd16(f + i + 20) == len) {
            eocd = i;
            break;
        }
    }
    if (eocd == SIZE_MAX)
        return BADZ("%s: not an .npz file (no zip end of central directory record; numpy.savez writes one)", path);
    uint64_t entries = rd16(f + eocd + 10), cd_size = rd32(f + eocd + 12), cd_off = rd32(f + eocd + 16);
    if (entries == 0xffff || cd_size == 0xffffffff || cd_off == 0xffffffff) {
        /* Zip64: the locator just before, pointing at the Zip64 end record */
        if (eocd < 20 || rd32(f + eocd - 20) != 0x07064b50) return BADZ("%s: a Zip64 archive without its locator", path);
        uint64_t z64 = rd64(f + eocd - 20 + 8);
        if (!fits(z64, 56, eocd) || rd32(f + z64) != 0x06064b50) return BADZ("%s: a broken Zip64 end record", path);
        entries = rd64(f + z64 + 32), cd_size = rd64(f + z64 + 40), cd_off = rd64(f + z64 + 48);
    }
    if (!fits(cd_off, cd_size, len) || entries > cd_size / 46 + 1)
        return BADZ("%s: truncated (its central directory lies beyond the file's %zu bytes)", path, len);
    z->a = calloc(entries ? entries : 1, sizeof *z->a);
    z->bufs = calloc(entries ? entries : 1, sizeof *z->bufs);
    if (!z->a || !z->bufs) return F3_FAIL(F3_ENOMEM, "out of memory"), fail_close(z);
    uint64_t p = cd_off, inflated = 0;
    for (uint64_t e = 0; e < entries; e++) {
        if (!fits(p, 46, cd_off + cd_size) || rd32(f + p) != 0x02014b50)
            return BADZ("%s: entry %llu of its central directory is broken", path, (unsigned long long)e + 1);
        uint64_t flags = rd16(f + p + 8), method = rd16(f + p + 10), crc = rd32(f + p + 16);
        uint64_t csize = rd32(f + p + 20), usize = rd32(f + p + 24), nl = rd16(f + p + 28), xl = rd16(f + p + 30),
                 cl = rd16(f + p + 32), loc = rd32(f + p + 42);
        if (!fits(p + 46, nl + xl + cl, cd_off + cd_size))
            return BADZ("%s: entry %llu of its central directory is truncated", path, (unsigned long long)e + 1);
        /* the Zip64 extra field: the sizes and offset that did not fit */
        for (uint64_t x = p + 46 + nl; x + 4 <= p + 46 + nl + xl;) {
            uint64_t id = rd16(f + x), sz = rd16(f + x + 2), q = x + 4;
            if (x + 4 + sz > p + 46 + nl + xl) break;
            if (id == 0x0001) {
                if (usize == 0xffffffff && q + 8 <= x + 4 + sz) usize = rd64(f + q), q += 8;
                if (csize == 0xffffffff && q + 8 <= x + 4 + sz) csize = rd64(f + q), q += 8;
                if (loc == 0xffffffff && q + 8 <= x + 4 + sz) loc = rd64(f + q), q += 8;
            }
            x += 4 + sz;
        }
        npz_array *a = &z->a[z->n];
        if (nl < 5 || nl >= sizeof a->name + 4 || memcmp(f + p + 46 + nl - 4, ".npy", 4))
            return BADZ("%s: the entry '%.*s' is not a .npy array", path, (int)(nl < 200 ? nl : 200), (const char *)f + p + 46);
        memcpy(a->name, f + p + 46, nl - 4);
        a->name[nl - 4] = '\0';
        if (flags & 1) return BADZ("%s: %s.npy is encrypted", path, a->name);
        if (!fits(loc, 30, len) || rd32(f + loc) != 0x04034b50)
            return BADZ("%s: %s.npy: its local header is missing (truncated file?)", path, a->name);
        uint64_t data = loc + 30 + rd16(f + loc + 26) + rd16(f + loc + 28);
        if (!fits(data, csize, len))
            return BADZ("%s: truncated: %s.npy needs %llu bytes beyond the file's end", path, a->name,
                       (unsigned long long)(data + csize - len));
        const unsigned char *u;
        if (method == 0) {
            if (usize != csize) return BADZ("%s: %s.npy: stored with two sizes", path, a->name);
            if (!fits(inflated, usize, max_bytes))
                return BADZ("%s: %s.npy holds %llu bytes, past the %llu bytes the arrays read from this file can need",
                           path, a->name, (unsigned long long)usize, (unsigned long long)max_bytes);
            inflated += usize;
            u = f + data;
        } else if (method == 8) {
            /* deflate (numpy.savez_compressed); the size it claims is
             * bounded by what deflate can produce from csize bytes */
            if (usize / 1032 > csize + 1 || usize > 0xffffffffu)
                return BADZ("%s: %s.npy claims %llu bytes from %llu compressed ones", path, a->name,
                           (unsigned long long)usize, (unsigned long long)csize);
            /* first the .npy header alone: the size it promises must be
             * the size the zip entry claims, and within max_bytes, before
             * anything that large is allocated */
            unsigned char head[65536 + 12];
            size_t hn = inflate_into(f + data, csize, head, usize < sizeof head ? (size_t)usize : sizeof head, 0);
            char where[1200];
            snprintf(where, sizeof where, "%s: %s.npy", path, a->name);
            uint64_t promised = npy_promised(where, head, hn);
            if (!promised) return fail_close(z);
            if (promised != usize)
                return BADZ("%s: %s.npy's header promises %llu bytes, its zip entry claims %llu", path, a->name,
                           (unsigned long long)promised, (unsigned long long)usize);
            if (!fits(inflated, usize, max_bytes))
                return BADZ("%s: %s.npy inflates to %llu bytes, past the %llu bytes the arrays read from this file "
                           "can need", path, a->name, (unsigned long long)usize, (unsigned long long)max_bytes);
            inflated += usize;
            unsigned char *out = malloc(usize ? usize : 1);
            if (!out) return F3_FAIL(F3_ENOMEM, "out of memory inflating %s", path), fail_close(z);
            z->bufs[z->n_bufs++] = out;
            if (inflate_into(f + data, csize, out, (size_t)usize, 1) != usize)
                return BADZ("%s: %s.npy does not inflate to its %llu bytes", path, a->name, (unsigned long long)usize);
            u = out;
        } else
            return BADZ("%s: %s.npy uses zip method %llu; f3sim reads stored and deflated entries", path, a->name,
                       (unsigned long long)method);
        if (npz_crc32(0, u, (size_t)usize) != crc)
            return BADZ("%s: %s.npy fails its CRC-32 (a damaged file)", path, a->name);
        for (size_t k = 0; k < z->n; k++)
            if (!strcmp(z->a[k].name, a->name)) return BADZ("%s: two arrays named %s", path, a->name);
        char where[1200];
        snprintf(where, sizeof where, "%s: %s.npy", path, a->name);
        if (parse_npy(where, u, (size_t)usize, a, 0)) return fail_close(z);
        z->n++;
        p += 46 + nl + xl + cl;
    }
    return 0;
}

const npz_array *npz_find(const npz_file *z, const char *name)
{
    for (size_t k = 0; k < z->n; k++)
        if (!strcmp(z->a[k].name, name)) return &z->a[k];
    return NULL;
}

void npz_to_float(const npz_array *a, float *out)
{
    /* element i in C order sits at the Fortran-order index with the digits
     * of its multi-index reversed */
    size_t idx[NPZ_MAX_DIMS] = {0};
    for (size_t i = 0; i < a->count; i++) {
        size_t src = i;
        if (a->fortran && a->ndim > 1) {
            src = 0;
            for (int d = a->ndim - 1; d >= 0; d--) src = src * a->shape[d] + idx[d];
            for (int d = a->ndim - 1; d >= 0; d--) {
                if (++idx[d] < a->shape[d]) break;
                idx[d] = 0;
            }
        }
        const unsigned char *p = a->data + src * (size_t)a->itemsize;
        if (a->itemsize == 4) {
            uint32_t b = (uint32_t)rd32(p);
            memcpy(&out[i], &b, 4);
        } else {
            uint64_t b = rd64(p);
            double v;
            memcpy(&v, &b, 8);
            out[i] = (float)v;
        }
    }
}

void npz_shape_text(const size_t *shape, int ndim, char *buf, size_t len)
{
    size_t k = (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < ndim && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, d ? ", %zu" : "%zu", shape[d]);
    if (k < len) snprintf(buf + k, len - k, ndim == 1 ? ",)" : ")");
}

int npy_parse_ints(const char *where, const unsigned char *buf, size_t len, npz_array *a)
{
    memset(a, 0, sizeof *a);
    if (parse_npy(where, buf, len, a, 1)) return -1;
    if (a->kind == 'f')
        return BAD("%s holds floating-point values; write integers (numpy.save(FILE, a.astype(numpy.int64)))", where);
    if (a->fortran && a->ndim > 1)
        return BAD("%s is in Fortran order; write it in C order (numpy.save(FILE, numpy.ascontiguousarray(a)))", where);
    return 0;
}

uint64_t npy_int_at(const npz_array *a, size_t i, int *negative)
{
    const unsigned char *p = a->data + i * (size_t)a->itemsize;
    uint64_t v = a->itemsize == 4 ? rd32(p) : rd64(p);
    *negative = 0;
    if (a->kind == 'i' && (v >> (8 * a->itemsize - 1)) & 1) {
        /* two's complement: the magnitude is the negated bits, in the item's width */
        *negative = 1;
        v = a->itemsize == 4 ? (uint32_t)(0u - (uint32_t)v) : 0u - v;
    }
    return v;
}

void npz_close(npz_file *z)
{
    for (size_t k = 0; k < z->n_bufs; k++) free(z->bufs[k]);
    free(z->bufs);
    free(z->a);
    free(z->file);
    z->bufs = NULL, z->a = NULL, z->file = NULL;
    z->n = z->n_bufs = 0;
}
