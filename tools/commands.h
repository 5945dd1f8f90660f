/* The envsafe subcommands.  Each takes argv as given after the subcommand
 * name (argv[0] is the subcommand) and returns the process exit status. */
#ifndef ENVSAFE_COMMANDS_H
#define ENVSAFE_COMMANDS_H

int cmd_run(int argc, char **argv);     /* tools/cmd_run.c */
int cmd_torture(int argc, char **argv); /* tools/cmd_torture.c */
int cmd_trace(int argc, char **argv);   /* tools/cmd_trace.c */
int cmd_scan(int argc, char **argv);    /* tools/cmd_scan.c */
int cmd_doctor(int argc, char **argv);  /* tools/cmd_doctor.c */
int cmd_ps(int argc, char **argv);      /* tools/cmd_ps.c */
int cmd_preload(int argc, char **argv); /* tools/cmd_preload.c */
int cmd_dropin(int argc, char **argv);  /* tools/cmd_dropin.c */

#endif
