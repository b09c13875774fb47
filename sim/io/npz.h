/* npz.h — reading NumPy .npz files: a zip of .npy arrays.
 *
 * Reads what numpy.savez and numpy.savez_compressed write (and what f3sim's
 * checkpoints write): entries stored or deflated (zlib), Zip64 sizes and
 * offsets, .npy format versions 1.0, 2.0 and 3.0, little-endian float32
 * ('<f4') or float64 ('<f8') arrays of up to 4 dimensions in C or Fortran
 * order.  The archive is located through its central directory, every
 * entry's CRC-32 is checked, and every header is checked against the
 * bytes that are really there before anything is allocated for it. */
#ifndef F3SIM_NPZ_H
#define F3SIM_NPZ_H

#include <stddef.h>
#include <stdint.h>

#define NPZ_MAX_DIMS 4

typedef struct {
    char name[64];       /* the entry's name without ".npy" */
    int ndim;            /* 0 … NPZ_MAX_DIMS */
    size_t shape[NPZ_MAX_DIMS];
    size_t count;        /* elements: the product of the shape */
    int itemsize;        /* 4 (float32) or 8 (float64); npy_parse_ints: 4 or 8 */
    char kind;           /* 'f' floating point; npy_parse_ints: 'i' signed, 'u' unsigned integers */
    int fortran;         /* 1: column-major */
    const unsigned char *data; /* count × itemsize bytes, little-endian */
} npz_array;

typedef struct {
    char path[1024];
    npz_array *a;
    size_t n;
    unsigned char **bufs; /* the inflated entries (owned) */
    size_t n_bufs;
    unsigned char *file;  /* the whole file (owned) */
    size_t file_len;
} npz_file;

/* Read and index path; 0, or -1 with f3_last_error() naming path and what
 * is wrong (not a zip, truncated, an entry failing its CRC-32, a dtype other
 * than float32/float64, …). */
int npz_open(const char *path, npz_file *z);

/* npz_open, refusing a file whose entries hold more than max_bytes in all
 * once inflated: each deflated entry's .npy header is inflated first and
 * the size it promises checked (equal to the zip entry's, within the
 * budget) before the entry is allocated, so a small file cannot make f3sim
 * allocate more than the arrays it reads can need. */
int npz_open_within(const char *path, npz_file *z, uint64_t max_bytes);

/* The array called name, or NULL. */
const npz_array *npz_find(const npz_file *z, const char *name);

/* The array's elements as floats in C (row-major) order into out (room for
 * a->count); float64 values are rounded to the nearest float. */
void npz_to_float(const npz_array *a, float *out);

/* "(3, 4)" */
void npz_shape_text(const size_t *shape, int ndim, char *buf, size_t len);

/* zlib's CRC-32 of n more bytes after crc (0 to start), any n. */
uint32_t npz_crc32(uint32_t crc, const void *p, size_t n);

void npz_close(npz_file *z);

/* ---- a .npy array of integers -------------------------------------------------
 * What numpy.save writes for an int32, int64, uint32 or uint64 array
 * (little-endian; up to NPZ_MAX_DIMS dimensions in C order, or one in
 * either order). */

/* Parse the .npy file in buf[0..len) into a (a->data points into buf);
 * where names it in messages.  0, or -1 with f3_last_error() saying what is
 * wrong (not a .npy file, truncated, a dtype other than those above, a
 * multi-dimensional array in Fortran order). */
int npy_parse_ints(const char *where, const unsigned char *buf, size_t len, npz_array *a);

/* Element i (C order) of an integer array: its magnitude, and *negative = 1
 * for a negative value of a signed one. */
uint64_t npy_int_at(const npz_array *a, size_t i, int *negative);

#endif
