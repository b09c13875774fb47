/* cmd_report.c — f3sim report RESULTS_DIR: checks its arguments and runs
 * analysis/report.py, which reads the results and drives gnuplot.
 *
 * The report is Python (docs/scenarios.md, "Figures and the report",
 * says why): this command finds the script — $F3SIM_ANALYSIS_DIR, else the
 * analysis/ folder of the source tree this binary was built from — and
 * replaces itself with `python3 SCRIPT --f3sim THIS_BINARY [--quiet]
 * [--compare [--out OUT]] -- DIR [DIR_B]` through execvp: no shell, so no
 * word of a folder's name is ever interpreted. */
#include "cmd_report.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "f3/status.h"
#include "results.h"
#include "cmd_formulas.h"

#ifndef F3SIM_ANALYSIS_DIR
#define F3SIM_ANALYSIS_DIR "analysis"
#endif

const char *const REPORT_HELP =
    "usage: f3sim report RESULTS_DIR [--quiet]\n"
    "       f3sim report --compare A B [--out DIR] [--quiet]\n"
    "\n"
    "Write RESULTS_DIR/report/: report.md and gnuplot figures, each as PNG and SVG\n"
    "with its gnuplot script and its data file (CSV) beside it.  RESULTS_DIR is\n"
    "what f3sim run wrote (<outputs.folder>/<name>/), f3sim train's --out folder,\n"
    "an explore's folder or a compare's (compare_budget.csv).  The\n"
    "report holds what the latest run wrote (a sweep's points as sweep.csv lists\n"
    "them, titled with their swept values): test accuracy and loss per epoch and\n"
    "rule (mean ± σ bands with training.seeds), FMA per phase and the memory a\n"
    "rule keeps beside the Appendix A closed forms, on a chip the energy per item\n"
    "for each rule and tile and a pipeline chart from trace.vcd, an explore's\n"
    "Pareto fronts (pareto.csv), and compare's verdict: each rule's best energy\n"
    "per sample and throughput against the budget.  A sweep's or explore's report\n"
    "opens with a summary across its points (summary.csv: one row per point and\n"
    "rule, the swept keys, accuracy, energy per sample by item, samples/s, area)\n"
    "and figures over the swept key.  The folder appears complete or not at all.\n"
    "\n"
    "--compare A B puts two results folders side by side: per rule (and point)\n"
    "accuracy, energy per sample by item, samples/s and area of A and of B and\n"
    "the ratio B/A, as a table on stdout; --out DIR also writes it to\n"
    "DIR/comparison.csv and DIR/comparison.md (DIR may not be a results folder:\n"
    "a run's own files are never overwritten).  Nothing is written into A or B.\n"
    "Needs python3 and gnuplot (scripts/setup.sh installs them); the script is\n"
    "analysis/report.py ($F3SIM_ANALYSIS_DIR overrides where it is found).\n"
    "\n"
    "options:\n"
    "  --quiet               no progress lines on stderr (off)\n"
    "  --compare             two results folders side by side (A B): the ratio B/A\n"
    "  --out DIR             with --compare: write comparison.csv and .md into DIR\n"
    "  --help                this page\n"
    "\n"
    "example: f3sim report results/mnist-table4-5\n"
    "         f3sim report --compare results/mac-lanes results/mac-lanes-ws\n"
    "\n"
    "exit status: 0 written; 1 runtime failure (gnuplot or python3 missing or\n"
    "failing, an unreadable file, a folder a run is writing); 2 usage error\n"
    "(RESULTS_DIR missing or not a results folder; --compare without two\n"
    "folders or with one folder twice; --out without --compare or naming a\n"
    "results folder)\n";

/* DIR exists and is a folder; else a usage error naming it (exit 2). */
static int report_folder_ok(const char *dir, struct stat *st)
{
    if (stat(dir, st) != 0 || !S_ISDIR(st->st_mode)) {
        fprintf(stderr, "f3sim report: %s: %s\n", dir, stat(dir, st) != 0 ? strerror(errno) : "not a folder");
        return 0;
    }
    return 1;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"quiet", no_argument, 0, 'q'},
                                         {"compare", no_argument, 0, 'c'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int quiet = 0, compare = 0, c;
    const char *out = NULL;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'c': compare = 1; break;
        case 'o': out = optarg; break;
        case 'h': fputs(REPORT_HELP, stdout); return 0;
        case ':': return usage_error("report", "an option is missing its value");
        default: {
            char w[256];
            return cli_bad_option("report", cli_rejected_word(argc, argv, opts, -1, w, sizeof w), opts, NULL, NULL);
        }
        }
    }
    int want = compare ? 2 : 1;
    if (out && !compare)
        return usage_error("report", "--out goes with --compare (a report is written into RESULTS_DIR/report/)");
    if (optind >= argc)
        return usage_error("report", compare ? "which two results folders? usage: f3sim report --compare A B"
                                             : "which results folder? usage: f3sim report RESULTS_DIR");
    if (compare && optind + 1 >= argc)
        return usage_error("report", "--compare takes two results folders: usage: f3sim report --compare A B");
    if (optind + want < argc) {
        char msg[600];
        snprintf(msg, sizeof msg, "unexpected argument '%.500s'", argv[optind + want]);
        return usage_error("report", msg);
    }
    const char *dir = argv[optind], *dir_b = compare ? argv[optind + 1] : NULL;
    struct stat st, st_b;
    if (!report_folder_ok(dir, &st)) return EXIT_USAGE;
    if (dir_b) {
        if (!report_folder_ok(dir_b, &st_b)) return EXIT_USAGE;
        if (st.st_dev == st_b.st_dev && st.st_ino == st_b.st_ino) {
            char msg[600];
            snprintf(msg, sizeof msg, "--compare: '%.250s' and '%.250s' are the same folder", dir, dir_b);
            return usage_error("report", msg);
        }
    }
    char script[4200], exe[4096];
    const char *adir = getenv("F3SIM_ANALYSIS_DIR");
    snprintf(script, sizeof script, "%s/report.py", adir && *adir ? adir : F3SIM_ANALYSIS_DIR);
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "f3sim report: cannot read %s: %s (set F3SIM_ANALYSIS_DIR to the analysis/ folder of the "
                        "f3sim sources)\n", script, strerror(errno));
        return EXIT_RUNTIME;
    }
    /* a shared lock on the folder (and a look at the folders it is in):
     * no run writes into it while the report reads it, and the lock lives
     * on in python3 (its descriptor is kept open across exec) */
    dir_lock lock, lock_b = {-1};
    if (dir_lock_take(&lock, dir, 0)) {
        fprintf(stderr, "f3sim report: %s\n", f3_last_error());
        return EXIT_RUNTIME;
    }
    if (dir_b && dir_lock_take(&lock_b, dir_b, 0)) {
        fprintf(stderr, "f3sim report: %s\n", f3_last_error());
        dir_lock_release(&lock);
        return EXIT_RUNTIME;
    }
    if (lock.fd >= 0) fcntl(lock.fd, F_SETFD, 0);
    if (lock_b.fd >= 0) fcntl(lock_b.fd, F_SETFD, 0);
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) snprintf(exe, sizeof exe, "%s", "f3sim");
    else exe[len] = '\0';
    /* a folder named like an option stays a folder: "--" ends the options */
    char *args[12];
    int n = 0;
    args[n++] = (char *)"python3";
    args[n++] = script;
    args[n++] = (char *)"--f3sim";
    args[n++] = exe;
    if (quiet) args[n++] = (char *)"--quiet";
    if (compare) args[n++] = (char *)"--compare";
    if (out) {
        args[n++] = (char *)"--out";
        args[n++] = (char *)out;
    }
    args[n++] = (char *)"--";
    args[n++] = (char *)dir;
    if (dir_b) args[n++] = (char *)dir_b;
    args[n] = NULL;
    fflush(NULL);
    execvp("python3", args);
    fprintf(stderr, "f3sim report: cannot run python3: %s (scripts/setup.sh installs it)\n", strerror(errno));
    return EXIT_RUNTIME;
}
