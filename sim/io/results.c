/* results.c — see results.h. */
#define _DEFAULT_SOURCE /* flock, gethostname, O_NOFOLLOW, O_DIRECTORY */
#include "results.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_util.h"
#include "f3/status.h"
#include "json.h"

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

void first_missing_dir(const char *dir, char *made, size_t len)
{
    struct stat st;
    char up[4096];
    if (!len) return;
    made[0] = '\0';
    if (stat(dir, &st) == 0 || strlen(dir) >= sizeof up) return;
    snprintf(made, len, "%s", dir);
    snprintf(up, sizeof up, "%s", dir);
    for (;;) {
        size_t n = strlen(up);
        while (n > 1 && up[n - 1] == '/') up[--n] = '\0';
        char *slash = strrchr(up, '/');
        if (!slash || slash == up) break;
        *slash = '\0';
        if (stat(up, &st) == 0) break;
        snprintf(made, len, "%s", up);
    }
}

void remove_empty_dirs(const char *dir, const char *made)
{
    char up[4096];
    size_t top = strlen(made);
    if (!top || strlen(dir) >= sizeof up || strncmp(dir, made, top)) return;
    snprintf(up, sizeof up, "%s", dir);
    for (;;) {
        size_t n = strlen(up);
        while (n > top && up[n - 1] == '/') up[--n] = '\0';
        if (n < top || (rmdir(up) != 0 && errno != ENOENT)) return; /* not empty: stop */
        if (n == top) return;
        char *slash = strrchr(up, '/');
        if (!slash) return;
        *slash = '\0';
    }
}

int atomic_open(atomic_file *af, const char *dir, const char *name)
{
    memset(af, 0, sizeof *af);
    if ((size_t)snprintf(af->path, sizeof af->path, "%s/%s", dir, name) >= sizeof af->path) {
        F3_FAIL(F3_EINVAL, "%s/%s: path too long", dir, name);
        return -1;
    }
    snprintf(af->tmp, sizeof af->tmp, "%s.tmp.%ld", af->path, (long)getpid());
    int fd = -1;
    for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
        /* never through what is already there: O_EXCL refuses any existing
         * name (a symbolic link included), O_NOFOLLOW a link in its place */
        fd = open(af->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST && attempt == 0) {
            /* left by an earlier process of this pid: remove the name
             * (unlink removes a link, never its target) and try once more */
            if (unlink(af->tmp) != 0) break;
        } else if (fd < 0) {
            break;
        }
    }
    if (fd < 0 || !(af->f = fdopen(fd, "w"))) {
        F3_FAIL(F3_EIO, "%s: cannot write: %s", af->tmp, strerror(errno));
        if (fd >= 0) close(fd), unlink(af->tmp);
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

/* ---- locks ------------------------------------------------------------------- */

/* A string field of a small JSON file ("" if absent). */
static void json_field(const char *text, const char *key, char *out, size_t len)
{
    out[0] = '\0';
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    if (!p) return;
    p += strlen(pat);
    size_t n = 0;
    if (*p == '"') {
        for (p++; *p && *p != '"' && n + 1 < len; p++) out[n++] = *p == '\\' && p[1] ? *++p : *p;
    } else {
        for (; *p && *p != ',' && *p != '\n' && n + 1 < len; p++) out[n++] = *p;
    }
    out[n] = '\0';
}

/* The folders this process holds (by real path): a run's own sub-folders
 * are not "inside another run" (a forked child inherits them, and the
 * locks with them). */
#define MAX_HELD 64
static char held[MAX_HELD][PATH_MAX];
static int held_fd[MAX_HELD];
static size_t n_held;

/* dir (or the folder it is inside) is taken: say by whom, as its
 * status.json tells.  Returns 1. */
static int busy(const char *dir, const char *holder)
{
    char path[PATH_MAX + 32], text[8192] = "", pid[32], host[256], started[64], state[32];
    snprintf(path, sizeof path, "%s/status.json", holder);
    FILE *f = fopen(path, "r");
    if (f) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    json_field(text, "state", state, sizeof state);
    json_field(text, "pid", pid, sizeof pid);
    json_field(text, "host", host, sizeof host);
    json_field(text, "started", started, sizeof started);
    char who[600] = "another f3sim run";
    if (!strcmp(state, "running") && pid[0])
        snprintf(who, sizeof who, "another f3sim run (pid %s on %s, started %s)", pid, host, started);
    else if (!strcmp(state, "done") || !strcmp(state, "failed") || !strcmp(state, "interrupted"))
        snprintf(who, sizeof who, "another f3sim command (f3sim report, or a run starting)");
    if (strcmp(dir, holder))
        F3_FAIL(F3_EIO, "%s is inside %s, which %s holds; wait for it to end, or write the results elsewhere "
                        "(another name or outputs.folder, or --out)", dir, holder, who);
    else
        F3_FAIL(F3_EIO, "%s is in use by %s; wait for it to end, or write the results elsewhere (another name or "
                        "outputs.folder, or --out)", dir, who);
    return 1;
}

int dir_lock_take(dir_lock *l, const char *dir, int exclusive)
{
    l->fd = -1;
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        F3_FAIL(F3_EIO, "%s: cannot open the results folder: %s", dir, strerror(errno));
        return -1;
    }
    /* hierarchical: a run holds its folder and everything under it, so a
     * folder inside one that another process holds exclusively (a results
     * folder: it has a status.json) is refused too */
    char up[PATH_MAX];
    snprintf(up, sizeof up, "%s", real);
    for (char *slash; (slash = strrchr(up, '/')) && slash != up;) {
        *slash = '\0';
        int mine = 0;
        for (size_t i = 0; i < n_held; i++) mine |= !strcmp(held[i], up);
        char st[PATH_MAX + 16];
        snprintf(st, sizeof st, "%s/status.json", up);
        if (mine || access(st, F_OK) != 0) continue;
        int fd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) continue;
        int taken = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
        close(fd);
        if (taken) return busy(dir, up);
    }
    l->fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (l->fd < 0) {
        F3_FAIL(F3_EIO, "%s: cannot open the results folder: %s", dir, strerror(errno));
        return -1;
    }
    if (flock(l->fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0) {
        if (n_held < MAX_HELD) {
            snprintf(held[n_held], PATH_MAX, "%s", real);
            held_fd[n_held++] = l->fd;
        }
        return 0;
    }
    int err = errno;
    if (err != EWOULDBLOCK) {
        /* a file system without locks: run unguarded rather than not at all */
        fprintf(stderr, "f3sim: warning: cannot lock %s (%s); a second run into it would not be noticed\n", dir,
                strerror(err));
        return 0;
    }
    close(l->fd);
    l->fd = -1;
    return busy(dir, real);
}

void dir_lock_release(dir_lock *l)
{
    for (size_t i = 0; i < n_held; i++)
        if (held_fd[i] == l->fd && l->fd >= 0) {
            held_fd[i] = held_fd[--n_held];
            memcpy(held[i], held[n_held], PATH_MAX);
            break;
        }
    if (l->fd >= 0) close(l->fd); /* closing releases the lock */
    l->fd = -1;
}

/* ---- status.json ---------------------------------------------------------------- */

static const char *const STATE_NAMES[] = {"running", "done", "failed", "interrupted"};

int run_status_start(run_status *rs, const char *dir, const char *kind, const char *command)
{
    memset(rs, 0, sizeof *rs);
    snprintf(rs->dir, sizeof rs->dir, "%s", dir);
    snprintf(rs->kind, sizeof rs->kind, "%s", kind);
    snprintf(rs->command, sizeof rs->command, "%s", command ? command : "");
    iso_time_now(rs->started, sizeof rs->started);
    rs->state = RUN_RUNNING;
    return run_status_write(rs);
}

int run_status_write(run_status *rs)
{
    if (!rs->dir[0]) return 0;
    atomic_file af;
    if (atomic_open(&af, rs->dir, "status.json")) return -1;
    char host[256] = "", now[32];
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "unknown");
    iso_time_now(now, sizeof now);
    json_writer w;
    json_init(&w, af.f);
    json_begin_object(&w);
    json_kv_string(&w, "state", STATE_NAMES[rs->state]);
    json_kv_string(&w, "folder", rs->kind);
    json_kv_u64(&w, "pid", (uint64_t)getpid());
    json_kv_string(&w, "host", host);
    json_kv_string(&w, "started", rs->started);
    json_kv_string(&w, rs->state == RUN_RUNNING ? "updated" : "ended", now);
    json_kv_string(&w, "command", rs->command);
    json_kv_string(&w, "f3sim_version", F3SIM_VERSION);
    json_kv_string(&w, "git_commit", F3SIM_GIT_COMMIT);
    if (rs->epochs) {
        json_kv_u64(&w, "epochs", rs->epochs);
        json_kv_u64(&w, "epochs_done", rs->epochs_done);
    }
    if (rs->state == RUN_FAILED) json_kv_string(&w, "error", rs->error);
    if (rs->state == RUN_INTERRUPTED) {
        json_kv_string(&w, "signal", cli_signal_name(rs->signal));
        if (rs->epoch) {
            json_kv_u64(&w, "stopped_in_epoch", rs->epoch);
            if (rs->batches) {
                json_kv_u64(&w, "stopped_after_batch", rs->batch);
                json_kv_u64(&w, "batches_per_epoch", rs->batches);
            }
        }
    }
    json_kv_string(&w, "meaning",
                   rs->state == RUN_RUNNING       ? "the run is writing this folder (or was killed: see pid and host)"
                   : rs->state == RUN_DONE        ? "complete"
                   : rs->state == RUN_FAILED      ? "the run failed: the results here are incomplete"
                                                  : "the run was stopped: the results here are incomplete");
    json_end_object(&w);
    return atomic_commit(&af);
}

int run_status_done(run_status *rs)
{
    rs->state = RUN_DONE;
    return run_status_write(rs);
}

int run_status_failed(run_status *rs, const char *error)
{
    rs->state = RUN_FAILED;
    snprintf(rs->error, sizeof rs->error, "%s", error ? error : "");
    return run_status_write(rs);
}

int run_status_interrupted(run_status *rs, int sig)
{
    rs->state = RUN_INTERRUPTED;
    rs->signal = sig;
    return run_status_write(rs);
}

/* ---- what an earlier run left ---------------------------------------------------- */

static const char *const RULE_FOLDERS[] = {"bp", "f3", "dfa", "drtp", "llo", "f3-error", "f3-loss", NULL};
static const char *const OUTPUT_FILES[] = {"run.json",     "epochs.csv",  "epochs.partial.csv", "tiles.csv",
                                           "trace.vcd",    "status.json", "scenario.resolved.yaml",
                                           "compare.csv",  "sweep.csv",   "accuracy.png",
                                           "loss.png",     "checkpoint.npz", "checkpoint.json", CHECKPOINT_PREVIOUS_NPZ, NULL};

int is_rule_folder(const char *name)
{
    for (int i = 0; RULE_FOLDERS[i]; i++)
        if (!strcmp(name, RULE_FOLDERS[i])) return 1;
    return 0;
}

long point_folder_index(const char *name)
{
    if (strncmp(name, "point-", 6) || !name[6]) return -1;
    long v = 0;
    for (const char *c = name + 6; *c; c++) {
        if (*c < '0' || *c > '9' || v > 100000000) return -1;
        v = v * 10 + (*c - '0');
    }
    return v;
}

int is_seed_folder(const char *name)
{
    if (strncmp(name, "seed-", 5) || !name[5] || strlen(name) > 15) return 0;
    for (const char *c = name + 5; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    return 1;
}

/* NAME.tmp.DIGITS: a temporary file of atomic_open */
static int is_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t || t == name) return 0;
    for (const char *c = t + 5; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    return t[5] != '\0';
}

/* step-N.npz or epoch-N.npz: weights f3sim train saved (--save-steps, --save-epochs) */
static int is_saved_weights(const char *name)
{
    const char *p = !strncmp(name, "step-", 5) ? name + 5 : !strncmp(name, "epoch-", 6) ? name + 6 : NULL;
    if (!p || *p < '0' || *p > '9') return 0;
    while (*p >= '0' && *p <= '9') p++;
    return !strcmp(p, ".npz");
}

static int is_output_file(const char *name)
{
    for (int i = 0; OUTPUT_FILES[i]; i++)
        if (!strcmp(name, OUTPUT_FILES[i])) return 1;
    return is_saved_weights(name) || is_temporary(name);
}

/* "report", or report.tmp.N / report.old.N: the folder f3sim report writes */
static int is_report_folder(const char *name)
{
    if (!strcmp(name, "report")) return 1;
    if (strncmp(name, "report.tmp.", 11) && strncmp(name, "report.old.", 11)) return 0;
    for (const char *c = name + 11; *c; c++)
        if (*c < '0' || *c > '9') return 0;
    return name[11] != '\0';
}

/* A file f3sim report writes: report.md, NAME.png, .svg, .gp, .csv. */
static int is_report_file(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!strcmp(name, "report.md")) return 1;
    return dot && dot != name &&
           (!strcmp(dot, ".png") || !strcmp(dot, ".svg") || !strcmp(dot, ".gp") || !strcmp(dot, ".csv"));
}

/* Remove a report folder: its report files, then the folder (kept, with a
 * warning, if it holds anything else). */
static int remove_report_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4400];
        if (!is_report_file(e->d_name) ||
            (size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path)
            continue;
        unlink(path);
    }
    closedir(d);
    if (rmdir(dir) != 0 && errno != ENOENT)
        fprintf(stderr, "f3sim: kept %s: it holds files that f3sim did not write (its report is removed)\n", dir);
    return 0;
}

static int remove_entries(const char *dir, int recurse)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return 0;
        F3_FAIL(F3_EIO, "%s: cannot read the folder: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..")) continue;
        char path[4400];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, n) >= sizeof path) continue;
        struct stat st;
        if (lstat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            /* a report describes the results it was made from: it goes with them */
            if (is_report_folder(n)) remove_report_folder(path);
            else if (recurse && (is_rule_folder(n) || point_folder_index(n) >= 0 || is_seed_folder(n)) &&
                remove_run_folder(path))
                rc = -1;
        } else if (is_output_file(n) && unlink(path) != 0 && errno != ENOENT) {
            F3_FAIL(F3_EIO, "%s: cannot remove: %s", path, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int clear_outputs(const char *dir) { return remove_entries(dir, 0); }

int run_status_is_done(const char *dir)
{
    char path[4200], text[8192] = "", state[32];
    snprintf(path, sizeof path, "%s/status.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    json_field(text, "state", state, sizeof state);
    return !strcmp(state, "done");
}

int remove_run_folder(const char *dir)
{
    if (remove_entries(dir, 1)) return -1;
    if (rmdir(dir) != 0 && errno != ENOENT) {
        if (errno == ENOTEMPTY || errno == EEXIST)
            fprintf(stderr, "f3sim: kept %s: it holds files that f3sim did not write (its results are removed)\n",
                    dir);
        else {
            F3_FAIL(F3_EIO, "%s: cannot remove: %s", dir, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ---- the resolved scenario ---------------------------------------------------------- */

/* A comment line (or lines): '#' starts every line of text. */
static void comment(FILE *f, const char *prefix, const char *text)
{
    fprintf(f, "# %s", prefix);
    for (const char *c = text; *c; c++) {
        if (*c == '\n' || *c == '\r') fputs("\n#   ", f);
        else fputc(*c, f);
    }
    fputc('\n', f);
}

int write_resolved_scenario(const char *dir, const scenario *sc, const char *const *sets, size_t n_sets,
                            const char *note)
{
    atomic_file af;
    if (atomic_open(&af, dir, "scenario.resolved.yaml")) return -1;
    char now[32];
    iso_time_now(now, sizeof now);
    fprintf(af.f, "# scenario.resolved.yaml: the scenario of this run, every key resolved (f3sim run accepts it)\n");
    fprintf(af.f, "# written by f3sim %s at %s\n", f3sim_version_string(), now);
    comment(af.f, "scenario file: ", sc->file);
    if (n_sets) {
        fprintf(af.f, "# --set overrides (applied below, in this order):\n");
        for (size_t i = 0; i < n_sets; i++) {
            char prefix[32];
            snprintf(prefix, sizeof prefix, "  --set[%zu] ", i + 1);
            comment(af.f, prefix, sets[i]);
        }
    } else {
        fprintf(af.f, "# --set overrides: none\n");
    }
    if (note && note[0]) comment(af.f, "", note);
    scenario_show(sc, af.f);
    return atomic_commit(&af);
}
