/* results.c — see results.h. */
#include "results.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "f3/status.h"

int make_dirs(const char *dir)
{
    char buf[4096];
    if (strlen(dir) >= sizeof buf) {
        F3_FAIL(F3_EINVAL, "%s: path too long", dir);
        return -1;
    }
    strcpy(buf, dir);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                F3_FAIL(F3_EIO, "%s: cannot create folder: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (c == '\0') break;
        }
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        F3_FAIL(F3_EIO, "%s: not a folder", dir);
        return -1;
    }
    return 0;
}

int atomic_open(atomic_file *af, const char *dir, const char *name)
{
    memset(af, 0, sizeof *af);
    if ((size_t)snprintf(af->path, sizeof af->path, "%s/%s", dir, name) >= sizeof af->path) {
        F3_FAIL(F3_EINVAL, "%s/%s: path too long", dir, name);
        return -1;
    }
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", af->path, (long)getpid());
    af->f = fopen(af->tmp, "w");
    if (!af->f) {
        F3_FAIL(F3_EIO, "%s: cannot write: %s", af->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

int atomic_commit(atomic_file *af)
{
    int bad = fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0;
    int err = errno;
    bad |= fclose(af->f) != 0;
    af->f = NULL;
    if (bad || rename(af->tmp, af->path) != 0) {
        if (!bad) err = errno;
        remove(af->tmp);
        F3_FAIL(F3_EIO, "%s: cannot write: %s", af->path, strerror(err));
        return -1;
    }
    return 0;
}

void atomic_abort(atomic_file *af)
{
    if (af->f) fclose(af->f);
    af->f = NULL;
    remove(af->tmp);
}
