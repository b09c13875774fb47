/* cmd_explore.h — f3sim explore SCENARIO.yaml: large hardware design
 * spaces on the analytic chip evaluator, one training per numerics point. */
#ifndef F3SIM_CMD_EXPLORE_H
#define F3SIM_CMD_EXPLORE_H

extern const char *const EXPLORE_HELP;

/* argv[0] is "explore"; returns the exit status. */
int cmd_explore(int argc, char **argv);

#endif
