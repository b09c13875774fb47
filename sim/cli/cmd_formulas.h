/* cmd_formulas.h — `f3sim formulas` and `f3sim verify`, and the "did you
 * mean" suggestions of the command line.
 *
 * formulas: evaluate the closed forms of f3/formulas.h for a network given
 *           by options — FMA per algorithm and phase, memory in elements
 *           and bytes, the gains of eqs. (22)–(26) — as a table or JSON.
 * verify:   run the real kernels on random data for a few steps and compare
 *           the ledger with the closed forms, per layer and phase, as a
 *           table or JSON; exit 1 on any mismatch.
 * Both return the process exit status (2 for an option error). */
#ifndef F3SIM_CMD_FORMULAS_H
#define F3SIM_CMD_FORMULAS_H

#include <stddef.h>

extern const char *const FORMULAS_HELP;
extern const char *const VERIFY_HELP;

/* argv[0] is the command name, as getopt expects. */
int cmd_formulas(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* ---- "did you mean" (shared by every command; cli_util is their natural
 * home once its owner takes them) ------------------------------------------- */

struct option;

/* The name among names[0..n) nearest to word by Levenshtein distance, as the
 * scenario loader suggests keys: at most 1 + strlen(word)/3 edits; the first
 * of equally near names; NULL when none is that near. */
const char *cli_nearest(const char *word, const char *const *names, size_t n);

/* Report a command-line option that getopt_long rejected and return 2 (the
 * usage-error status): arg is the word as given ("--lrr", "--lr=3", "-x");
 * opts the command's getopt table (ending in a zero entry); skip NULL or a
 * NULL-terminated list of names in opts that this command does not take.
 * Prints "f3sim CMD: unknown option '--lrr'; did you mean '--lr'?", or
 * "ambiguous option" with the options it abbreviates, or "option '--x' takes
 * no value", then note if not NULL (e.g. "it is an option of 'f3sim verify'"),
 * then "Try 'f3sim help CMD'." */
int cli_bad_option(const char *cmd, const char *arg, const struct option *opts, const char *const *skip,
                   const char *note);

/* The word getopt_long rejected, right after it returned '?' (or matched an
 * option this command does not take: longindex >= 0, its index into opts):
 * "--name", "--name=value", "-c" or a single-dash word such as "-lr", in
 * buf. */
const char *cli_rejected_word(int argc, char **argv, const struct option *opts, int longindex, char *buf,
                              size_t len);

#endif
