/* seeds.h — several seeds per point: the --seeds option and the mean ± σ
 * of compare.csv.
 *
 * With training.seeds: [s1, s2, …] a point runs once per seed into
 * <point>/seed-<s>/ (each a complete run: its rule folders and its own
 * compare.csv), and <point>/compare.csv holds one row per learning rule with
 * the mean and the sample standard deviation (n − 1 in the denominator)
 * over the seeds of every numeric column, as the paper's Tables 4 and 5
 * report them. */
#ifndef F3SIM_SEEDS_H
#define F3SIM_SEEDS_H

#include <stddef.h>
#include <stdio.h>

/* The text of --seeds ("1-10", "1,3,5", "1-3,7") as the assignment
 * "training.seeds=[1, 2, 3, 7]" into buf.  0, or -1 with "--seeds: …" in
 * f3_last_error() (not a list of non-negative integers and ranges, a range
 * that runs backwards, more than SC_MAX_LIST seeds). */
int seeds_option(const char *text, char *buf, size_t len);

/* The folder of seed s of a point: "<dir>/seed-<s>". */
void seed_dir(const char *dir, double seed, char *buf, size_t len);

/* Read <dir>/seed-<s>/compare.csv for each of the n seeds and write
 * <dir>/compare.csv (atomically): the columns point, sweep (index and
 * label), algorithm and seeds (how many), then for every numeric column X
 * of the per-seed files X_mean and X_std (blank when a seed left it blank,
 * e.g. the chip's columns of a run without a chip; X_std is blank for one
 * seed); text columns that agree across seeds (chip_dataflow) are kept, the
 * per-seed weights_sha256 is left out.  Prints the main figures as a table
 * on out (when not NULL).  0, or -1 with a message in f3_last_error() (a
 * missing or malformed file, rules that differ between seeds). */
int seeds_aggregate(const char *dir, const double *seeds, size_t n, size_t index, const char *label,
                    const char *name, FILE *out);

#endif
