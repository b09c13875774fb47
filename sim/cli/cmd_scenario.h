/* cmd_scenario.h — the scenario commands of f3sim. */
#ifndef F3SIM_CMD_SCENARIO_H
#define F3SIM_CMD_SCENARIO_H

#include "scenario.h"
#include "train_run.h"

/* Help text of run/check/show/sweep/keys. */
extern const char *const SCENARIO_HELP;

/* Run command cmd ("run", "check", "show", "sweep", "keys") with argv[0] =
 * cmd; returns its exit status, or -1 if cmd is not a scenario command. */
int scenario_command(const char *cmd, int argc, char **argv);

/* The training options of rule alg at scenario point sc (as f3sim run
 * trains it; o->out, progress and labels are left to the caller). */
void scenario_train_options(const scenario *sc, const char *alg, train_options *o);

#endif
