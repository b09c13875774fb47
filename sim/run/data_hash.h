/* data_hash.h — SHA-256 of the files a run reads: a data set's files, an
 * --init-from file.  The numerics cache keys trainings by them
 * (numerics_cache.h), and a run's resume check and run.json carry them
 * (train_run.c), so data replaced in place is never mistaken for the data
 * trained on.  Hashes are memoised by path, size and mtime within a
 * process. */
#ifndef F3SIM_DATA_HASH_H
#define F3SIM_DATA_HASH_H

#include <stddef.h>

#include <openssl/evp.h>

/* n bytes of a digest as 2n lower-case hex digits and a NUL. */
void to_hex(const unsigned char *md, unsigned n, char *hex);

/* The SHA-256 of path's bytes, hex.  0, or -1 with a message. */
int hash_file(const char *path, char hex[65]);

/* "name sha256\n" lines into c: path itself if it is a file, else every
 * regular file of the folder path, sorted by name.  0, or -1. */
int hash_data(EVP_MD_CTX *c, const char *path);

/* The folder under dir that the data set of this name reads
 * (dir/mnist, dir/fashion-mnist, dir/census-income, dir/wine-quality,
 * dir/cifar-10-batches-bin) into buf; returns buf.  The one mapping of
 * data-set names to folders: train_load_data reads there, and the hashes
 * and the presence check below look there. */
const char *dataset_folder(const char *name, const char *dir, char *buf, size_t len);

/* hash_data of the folder (or files) a data set reads, as train_load_data
 * finds them: name, dir, path, test as the dataset.* keys (path and test
 * may be ""). */
int hash_dataset_files(EVP_MD_CTX *c, const char *name, const char *dir, const char *path, const char *test);

/* The SHA-256 (hex) over hash_dataset_files.  0, or -1 with a message (a
 * file cannot be read). */
int data_files_sha256(const char *name, const char *dir, const char *path, const char *test, char hex[65]);

/* 0 if the files a data set reads are there (as hash_dataset_files finds
 * them: the csv's two files, or the data set's folder), else -1 with a
 * message naming the missing one; nothing is read. */
int data_files_present(const char *name, const char *dir, const char *path, const char *test);

#endif
