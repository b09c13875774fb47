/* cmd_compare.h — f3sim compare SCENARIO.yaml --budget KIND=V[,V…]: every
 * learning rule of the scenario on its own best chip within the same
 * budget (area, power or lanes), searched on the analytic chip evaluator
 * without training. */
#ifndef F3SIM_CMD_COMPARE_H
#define F3SIM_CMD_COMPARE_H

extern const char *const COMPARE_HELP;

/* argv[0] is "compare"; returns the exit status. */
int cmd_compare(int argc, char **argv);

#endif
