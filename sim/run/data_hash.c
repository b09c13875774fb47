/* data_hash.c — see data_hash.h. */
#define _XOPEN_SOURCE 700
#include "data_hash.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "f3/status.h"

/* SHA-256 of a file's bytes, hex; memoised by path, size and mtime. */
typedef struct {
    char path[1024];
    long long size, mtime;
    char hex[65];
} file_hash;
static file_hash *memo;
static size_t n_memo, cap_memo;

void to_hex(const unsigned char *md, unsigned n, char *hex)
{
    for (unsigned i = 0; i < n; i++) sprintf(hex + 2 * i, "%02x", md[i]);
    hex[2 * n] = '\0';
}

int hash_file(const char *path, char hex[65])
{
    struct stat st;
    if (stat(path, &st)) return F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1;
    for (size_t i = 0; i < n_memo; i++)
        if (!strcmp(memo[i].path, path) && memo[i].size == (long long)st.st_size &&
            memo[i].mtime == (long long)st.st_mtime) {
            memcpy(hex, memo[i].hex, 65);
            return 0;
        }
    FILE *f = fopen(path, "rb");
    if (!f) return F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) {
        fclose(f);
        EVP_MD_CTX_free(c);
        return F3_FAIL(F3_ENOMEM, "sha256: cannot start"), -1;
    }
    static unsigned char buf[1 << 16];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(c, buf, k);
    int err = ferror(f);
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned n = 0;
    EVP_DigestFinal_ex(c, md, &n);
    EVP_MD_CTX_free(c);
    if (err) return F3_FAIL(F3_EIO, "%s: read error", path), -1;
    to_hex(md, n, hex);
    if (n_memo == cap_memo) {
        file_hash *m = realloc(memo, (cap_memo = 2 * cap_memo + 8) * sizeof *m);
        if (!m) return 0;
        memo = m;
    }
    snprintf(memo[n_memo].path, sizeof memo[n_memo].path, "%s", path);
    memo[n_memo].size = (long long)st.st_size;
    memo[n_memo].mtime = (long long)st.st_mtime;
    memcpy(memo[n_memo].hex, hex, 65);
    n_memo++;
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every regular file of dir (sorted by name) or the file path itself:
 * "name sha256\n" lines into the digest. */
int hash_data(EVP_MD_CTX *c, const char *path)
{
    struct stat st;
    if (stat(path, &st)) return F3_FAIL(F3_EIO, "%s: %s (the data set's files)", path, strerror(errno)), -1;
    char hex[65], line[1200];
    if (!S_ISDIR(st.st_mode)) {
        if (hash_file(path, hex)) return -1;
        snprintf(line, sizeof line, "%s %s\n", path, hex);
        EVP_DigestUpdate(c, line, strlen(line));
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) return F3_FAIL(F3_EIO, "%s: %s", path, strerror(errno)), -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **nn = realloc(names, (cap = 2 * cap + 16) * sizeof *nn);
            if (!nn) break;
            names = nn;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char full[2400];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        if (!rc && stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            if (hash_file(full, hex)) rc = -1;
            else {
                snprintf(line, sizeof line, "%s %s\n", names[i], hex);
                EVP_DigestUpdate(c, line, strlen(line));
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

const char *dataset_folder(const char *name, const char *dir, char *buf, size_t len)
{
    const char *sub = !strcmp(name, "census")    ? "census-income"
                      : !strcmp(name, "wine")    ? "wine-quality"
                      : !strcmp(name, "cifar10") ? "cifar-10-batches-bin"
                                                 : name;
    snprintf(buf, len, "%s/%s", dir, sub);
    return buf;
}

int hash_dataset_files(EVP_MD_CTX *c, const char *name, const char *dir, const char *path, const char *test)
{
    if (!strcmp(name, "csv")) {
        if (hash_data(c, path)) return -1;
        return test[0] ? hash_data(c, test) : 0;
    }
    if (path[0]) return hash_data(c, path);
    char full[2200];
    return hash_data(c, dataset_folder(name, dir, full, sizeof full));
}


int data_files_sha256(const char *name, const char *dir, const char *path, const char *test, char hex[65])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int rc = -1;
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL)) F3_FAIL(F3_ENOMEM, "sha256: cannot start");
    else if (!hash_dataset_files(c, name, dir, path, test)) {
        if (EVP_DigestFinal_ex(c, md, &n)) {
            to_hex(md, n < 32 ? n : 32, hex);
            rc = 0;
        } else F3_FAIL(F3_EINVAL, "sha256 failed");
    }
    EVP_MD_CTX_free(c);
    return rc;
}

int data_files_present(const char *name, const char *dir, const char *path, const char *test)
{
    char full[2200];
    const char *need[2] = {path, test};
    size_t n = 0;
    if (!strcmp(name, "csv") || path[0]) {
        n = !strcmp(name, "csv") && test[0] ? 2 : 1;
    } else {
        need[0] = dataset_folder(name, dir, full, sizeof full), n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(need[i], &st) != 0)
            return F3_FAIL(F3_EIO, "%s: %s (the data set %s's files)", need[i], strerror(errno), name), -1;
    }
    return 0;
}
