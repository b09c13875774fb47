/* emit.c — sweep.slurm and sweep.parallel from a list of tasks. */
#include "emit.h"

#include <stdlib.h>
#include <string.h>

#include "io_util.h"

/* "f3sim run SCENARIO --set … --point P --quiet --resume", every word
 * quoted; point is written as given (a number, or "$point" in the Slurm
 * script, which the script itself sets). */
static void run_command(FILE *f, const emit_job *j, const char *point)
{
    sh_quote(f, j->exe);
    fputs(" run ", f);
    sh_quote(f, j->scenario);
    for (size_t i = 0; i < j->n_sets; i++) {
        fputs(" --set ", f);
        sh_quote(f, j->sets[i]);
    }
    if (j->init_from) {
        fputs(" --init-from ", f);
        sh_quote(f, j->init_from);
    }
    fprintf(f, " --point %s --quiet --resume", point);
}

void emit_parallel(const emit_job *j, FILE *f)
{
    for (size_t t = 0; t < j->n_tasks; t++) {
        fputs("cd ", f);
        sh_quote(f, j->cwd);
        for (size_t k = 0; k < j->tasks[t].n; k++) {
            char point[32];
            snprintf(point, sizeof point, "%zu", j->tasks[t].points[k]);
            fputs(" && ", f);
            run_command(f, j, point);
        }
        fputc('\n', f);
    }
}

/* A path as sbatch reads it in an #SBATCH line: in double quotes with \
 * before " and \, and % doubled (% starts a file name pattern). */
static void sbatch_directive_path(FILE *f, const char *dir, const char *rest)
{
    fputc('"', f);
    for (const char *c = dir; *c; c++) {
        if (*c == '"' || *c == '\\') fputc('\\', f);
        if (*c == '%') fputc('%', f);
        fputc(*c, f);
    }
    fprintf(f, "%s\"", rest);
}

/* The same path as one shell word for sbatch's command line: % doubled,
 * then quoted for the shell. */
static void sbatch_word_path(FILE *f, const char *dir, const char *rest)
{
    size_t n = 2 * strlen(dir) + strlen(rest) + 1;
    char buf[2 * 4096 + 64];
    if (n > sizeof buf) return; /* the caller's paths are at most 4096 bytes */
    char *w = buf;
    for (const char *c = dir; *c; c++) {
        if (*c == '%') *w++ = '%';
        *w++ = *c;
    }
    strcpy(w, rest);
    sh_quote(f, buf);
}

static void job_name(const emit_job *j, char *buf, size_t len)
{
    snprintf(buf, len, "f3sim-%s", j->name);
    for (char *c = buf; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr("._-", *c)))
            *c = '_';
}

/* The collect job's memory: the tasks' (outputs.slurm.mem: a number of MB,
 * or with K, M, G or T), or 1G if that is less. */
static const char *collect_mem(const char *mem)
{
    char *end;
    double v = strtod(mem, &end);
    double mb = *end == 'K' || *end == 'k'   ? v / 1024
                : *end == 'G' || *end == 'g' ? v * 1024
                : *end == 'T' || *end == 't' ? v * 1024 * 1024
                                             : v;
    return mb > 0 && mb <= 1024 ? mem : "1G";
}

void emit_slurm(const emit_job *j, FILE *f)
{
    char job[600], logs[4200], script[4200];
    job_name(j, job, sizeof job);
    snprintf(logs, sizeof logs, "%s/logs", j->base);
    snprintf(script, sizeof script, "%s/sweep.slurm", j->base);
    size_t points = 0;
    for (size_t t = 0; t < j->n_tasks; t++) points += j->tasks[t].n;
    fprintf(f,
            "#!/bin/bash\n"
            "# %s: %zu sweep points in %zu Slurm array tasks, then a job that collects\n"
            "# sweep.csv.  Submit everything with\n"
            "#   bash ",
            job, points, j->n_tasks);
    sh_quote(f, script);
    fputs("\n# (arrays of at most outputs.slurm.max_array_size tasks, or the cluster's\n"
          "# MaxArraySize if smaller).  Every point runs with --resume: submitting again\n"
          "# continues an interrupted sweep and skips finished points.  Logs:\n#   ",
          f);
    sh_quote(f, logs);
    fprintf(f, "\n#SBATCH --job-name=%s\n#SBATCH --cpus-per-task=%d\n", job, j->cpus);
    if (j->time[0]) fprintf(f, "#SBATCH --time=%s\n", j->time);
    if (j->mem[0]) fprintf(f, "#SBATCH --mem=%s\n", j->mem);
    if (j->partition[0]) fprintf(f, "#SBATCH --partition=%s\n", j->partition);
    if (j->account[0]) fprintf(f, "#SBATCH --account=%s\n", j->account);
    fputs("#SBATCH --output=", f);
    sbatch_directive_path(f, logs, "/task-%A_%a.out");
    fputs("\nset -euo pipefail\n", f);
    /* what the three modes share */
    fputs("script=", f);
    sh_quote(f, script);
    fputs("\nf3sim=", f);
    sh_quote(f, j->exe);
    fputs("\nscenario=", f);
    sh_quote(f, j->scenario);
    fputs("\nsets=(", f);
    for (size_t i = 0; i < j->n_sets; i++) {
        fputs(i ? " --set " : "--set ", f);
        sh_quote(f, j->sets[i]);
    }
    fputs(")\ninit=(", f);
    if (j->init_from) {
        fputs("--init-from ", f);
        sh_quote(f, j->init_from);
    }
    fputs(")\n# the sweep points of each task\ntasks=(", f);
    for (size_t t = 0; t < j->n_tasks; t++) {
        fputs(t ? " '" : "'", f);
        for (size_t k = 0; k < j->tasks[t].n; k++) fprintf(f, "%s%zu", k ? " " : "", j->tasks[t].points[k]);
        fputc('\'', f);
        if (t % 16 == 15 && t + 1 < j->n_tasks) fputs("\n  ", f);
    }
    fprintf(f, ")\nmax_array=%ld\n", j->max_array_size);
    /* submit mode */
    fputs("if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ] && [ -z \"${F3SIM_COLLECT:-}\" ]; then\n"
          "  cluster_max=$(scontrol show config 2>/dev/null | awk '$1 == \"MaxArraySize\" {print $3}' || true)\n"
          "  if [[ \"$cluster_max\" =~ ^[0-9]+$ ]] && (( cluster_max < max_array )); then max_array=$cluster_max; fi\n"
          "  mkdir -p ",
          f);
    sh_quote(f, logs);
    fputs("\n  deps=''\n"
          "  for ((offset = 0; offset < ${#tasks[@]}; offset += max_array)); do\n"
          "    n=$(( ${#tasks[@]} - offset )); (( n > max_array )) && n=$max_array\n"
          "    id=$(sbatch --parsable --array=0-$((n - 1)) --export=ALL,F3SIM_TASK_OFFSET=$offset \"$script\")\n"
          "    id=${id%%;*}\n"
          "    echo \"f3sim: tasks $offset to $((offset + n - 1)) are array job $id\"\n"
          "    deps+=:$id\n"
          "  done\n"
          "  # afterany: the tasks that finished are collected even when one failed\n"
          "  # (--collect names the points without results); the collect job asks\n"
          "  # for little, whatever the tasks need\n"
          "  id=$(sbatch --parsable --dependency=afterany$deps --cpus-per-task=1 ",
          f);
    if (j->mem[0]) fprintf(f, "--mem=%s ", collect_mem(j->mem));
    if (j->time[0]) fputs("--time=00:15:00 ", f);
    fputs("--job-name=", f);
    fprintf(f, "%s-collect --output=", job);
    sbatch_word_path(f, logs, "/collect-%j.out");
    fputs(" --export=ALL,F3SIM_COLLECT=1 \"$script\")\n"
          "  echo \"f3sim: job ${id%%;*} collects sweep.csv when every task has ended\"\n"
          "  exit 0\n"
          "fi\n",
          f);
    if (j->setup[0]) fprintf(f, "# outputs.slurm.setup\n%s\n", j->setup);
    fputs("cd ", f);
    sh_quote(f, j->cwd);
    fputs("\nif [ -n \"${F3SIM_COLLECT:-}\" ]; then\n"
          "  exec \"$f3sim\" sweep \"$scenario\" ${sets[@]+\"${sets[@]}\"} --collect\n"
          "fi\n"
          "task=$(( ${F3SIM_TASK_OFFSET:-0} + SLURM_ARRAY_TASK_ID ))\n"
          "if [ -z \"${tasks[$task]:-}\" ]; then echo \"f3sim: there is no task $task (${#tasks[@]} tasks)\" >&2; exit 2; fi\n"
          "for point in ${tasks[$task]}; do\n"
          "  \"$f3sim\" run \"$scenario\" ${sets[@]+\"${sets[@]}\"} ${init[@]+\"${init[@]}\"} --point \"$point\" --quiet "
          "--resume\n"
          "done\n",
          f);
}
