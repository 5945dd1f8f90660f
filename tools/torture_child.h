/* Running one envsafe-stress workload in a watched child process. */
#ifndef ENVSAFE_TOOLS_TORTURE_CHILD_H
#define ENVSAFE_TOOLS_TORTURE_CHILD_H

enum torture_outcome {
	TORTURE_SURVIVED, /* exit 0 */
	TORTURE_MISSES,   /* exit 1: a reader missed a variable nobody removed */
	TORTURE_CRASHED,  /* killed by a signal we did not send */
	TORTURE_HUNG,     /* no progress for too long, or ran far past its time */
	TORTURE_FAILED,   /* any other exit status, or could not be started */
};

struct torture_result {
	enum torture_outcome outcome;
	int signal;        /* TORTURE_CRASHED */
	int exit_status;   /* TORTURE_FAILED, -1 when never started */
	double seconds;    /* from start to exit, crash or kill */
	unsigned long long reads, writes, misses;
	char last_output[160]; /* last line the workload printed that is not its summary */
};

struct torture_limits {
	double stall_seconds;   /* kill when the counts stop moving this long */
	double overrun_seconds; /* kill when running this long after its time is up */
};

/*
 * Runs STRESS_ARGV (argv[0] is the workload's path; the caller leaves
 * room: argv ends with "--progress-fd", NULL, NULL so that the fd number
 * can be filled in) with LD_PRELOAD set to PRELOAD (NULL: the library is
 * removed from LD_PRELOAD), and classifies how it ended.  SECONDS is how
 * long the workload was asked to run.  Returns 0, or -1 if the run was
 * interrupted by SIGINT/SIGTERM (the child is killed first).
 */
int torture_run_child(char **stress_argv, int progress_slot, const char *preload,
		      double seconds, const struct torture_limits *limits,
		      struct torture_result *result);

/* Installs the SIGINT/SIGTERM handlers that let a run kill its child. */
void torture_catch_interrupts(void);

/* "SIGSEGV", "SIGABRT", ... or "signal N". */
const char *torture_signal_name(int sig);

#endif
