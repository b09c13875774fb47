/* fuzz_common.h — helpers shared by the libFuzzer harnesses (tests/fuzz).
 *
 * The loaders read files by path, so each harness writes the fuzzer's bytes
 * to an in-memory file (memfd_create) and hands the loader its
 * /proc/self/fd/N path: a regular file with a size, as a file on disk, but
 * no disk traffic and nothing to clean up.  Inputs that hold two files are
 * split by a 2-byte little-endian length at their start (fuzz_split).
 */
#ifndef F3_FUZZ_COMMON_H
#define F3_FUZZ_COMMON_H

/* memfd_create needs _GNU_SOURCE, defined for every harness by
 * tests/fuzz/CMakeLists.txt (it must come before the first system header). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

enum { FUZZ_SLOTS = 4 };

/* Replace the content of in-memory file `slot` by data[0..len) and return
 * its path (valid until the next call for the same slot). */
static inline const char *fuzz_file(int slot, const uint8_t *data, size_t len)
{
    static int fd[FUZZ_SLOTS] = {-1, -1, -1, -1};
    static char path[FUZZ_SLOTS][64];
    if (slot < 0 || slot >= FUZZ_SLOTS)
        abort();
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("f3fuzz", MFD_CLOEXEC);
        if (fd[slot] < 0) {
            perror("memfd_create");
            abort();
        }
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0) != 0)
        abort();
    size_t off = 0;
    while (off < len) {
        ssize_t w = pwrite(fd[slot], data + off, len - off, (off_t)off);
        if (w <= 0)
            abort();
        off += (size_t)w;
    }
    return path[slot];
}

/* Split data into a (its length from the first two bytes, little-endian,
 * reduced modulo what is left) and b (the rest).  Returns the number of
 * header bytes consumed (0 if there were fewer than 2 bytes). */
static inline size_t fuzz_split(const uint8_t *data, size_t size, const uint8_t **a, size_t *alen,
                                const uint8_t **b, size_t *blen)
{
    if (size < 2) {
        *a = data;
        *alen = size;
        *b = data + size;
        *blen = 0;
        return 0;
    }
    size_t rest = size - 2;
    size_t l = ((size_t)data[0] | (size_t)data[1] << 8) % (rest + 1);
    *a = data + 2;
    *alen = l;
    *b = data + 2 + l;
    *blen = rest - l;
    return 2;
}

/* gzip-compress data into a malloc'd buffer (*out, *outlen); 0 on success. */
static inline int fuzz_gzip(const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return -1;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int r = deflate(&z, Z_FINISH);
    deflateEnd(&z);
    if (r != Z_STREAM_END) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = cap - z.avail_out;
    return 0;
}

#endif
