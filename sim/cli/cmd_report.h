/* cmd_report.h — f3sim report RESULTS_DIR: report.md and figures. */
#ifndef F3SIM_CMD_REPORT_H
#define F3SIM_CMD_REPORT_H

extern const char *const REPORT_HELP;

/* argv[0] is "report"; the exit status (0, 1 runtime failure, 2 usage). */
int cmd_report(int argc, char **argv);

#endif
