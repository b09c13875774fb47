/* cmd_formulas.h — `f3sim formulas` and `f3sim verify`.
 *
 * formulas: evaluate the closed forms of f3/formulas.h for a network given
 *           by options — FMA per algorithm and phase, memory in elements
 *           and bytes, the gains of eqs. (22)–(26) — as a table or JSON.
 * verify:   run the real kernels on random data for a few steps and compare
 *           the ledger with the closed forms, per layer and phase; exit 1 on
 *           any mismatch.
 * Both return the process exit status (2 for an option error). */
#ifndef F3SIM_CMD_FORMULAS_H
#define F3SIM_CMD_FORMULAS_H

extern const char *const FORMULAS_HELP;
extern const char *const VERIFY_HELP;

/* argv[0] is the command name, as getopt expects. */
int cmd_formulas(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
