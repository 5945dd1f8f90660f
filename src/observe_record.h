/*
 * observe_record.h - the "ES1" trace record: the one definition of the
 * format that src/observe_trace.c writes and tools/trace_record.c reads.
 * docs/TRACE.md ("Record format") describes it in prose.
 *
 * A record is one line of space-separated fields, at most ES_RECORD_MAX
 * bytes with its newline, written with a single write(2) so that it is
 * atomic on a pipe:
 *
 *   ES1 SEC.NSEC PID TID THREADS OP FLAGS =COMM NAME VALUE SKIP [MODULE OFFSET]...
 *
 * SEC is decimal, NSEC exactly nine digits; PID, TID, THREADS and SKIP are
 * decimal (THREADS 0 when the count could not be read); FLAGS is two hex
 * digits of ES_REC_*; OFFSET is hex.  COMM, NAME, VALUE and MODULE are "-"
 * when absent, otherwise "=" followed by the bytes with every byte <= ' ',
 * '%' and DEL written as %XX.  A MODULE of "^" repeats the previous one.
 */
#ifndef ENVSAFE_OBSERVE_RECORD_H
#define ENVSAFE_OBSERVE_RECORD_H

#define ES_RECORD_MAGIC "ES1"
#define ES_RECORD_MAX 4096     /* PIPE_BUF on Linux: the atomic write limit */

#define ES_RECORD_COMM_MAX 16  /* the kernel's thread name, TASK_COMM_LEN - 1 */
#define ES_RECORD_NAME_MAX 256 /* longer names are cut (ES_REC_NAME_CUT) */
#define ES_RECORD_VALUE_MAX 1024 /* longer values are cut (ES_REC_VALUE_CUT) */
#define ES_RECORD_FRAMES_MAX 48 /* deeper stacks are cut (ES_REC_FRAMES_CUT) */

enum {
	ES_REC_REDACTED = 1,        /* the operation had a value that was withheld */
	ES_REC_NAME_CUT = 2,
	ES_REC_VALUE_CUT = 4,
	ES_REC_FRAMES_CUT = 8,
	ES_REC_LIB_IN_EXE = 16,     /* libenvsafe is linked into the executable */
	ES_REC_FLAGS_ALL = 31,
};

/* The OP field, indexed by enum es_op (src/observe.h); the order is part
 * of neither format, only of this table. */
#define ES_RECORD_OPS { "setenv", "unsetenv", "putenv", "clearenv", "environ-replaced" }
#define ES_RECORD_NOPS 5

#endif
