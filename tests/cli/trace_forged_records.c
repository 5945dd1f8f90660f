/*
 * trace_forged_records - the ES1 record parser (tools/trace_record.c)
 * against records forged by a process that holds the trace pipe: each
 * field out of range, each framing fault, is rejected whole; genuine
 * records (every shape the library writes) are accepted unchanged.
 */
#include <string.h>

#include "tap.h"
#include "trace_model.h"

static int parses(const char *line, size_t len)
{
	struct trace_event ev;
	int r = trace_parse_record(line, len, &ev);
	if (r == 0)
		trace_event_free(&ev);
	return r == 0;
}

static void accepts(const char *line, const char *why)
{
	tap_ok(parses(line, strlen(line)), "accepted: %s", why);
}

static void rejects(const char *line, const char *why)
{
	tap_ok(!parses(line, strlen(line)), "rejected: %s", why);
}

/* A genuine record with two frames, the second in the same module. */
#define GOOD_HEAD "ES1 1764730000.123456789 4242 4243 5 setenv 01 =worker-0 =SECRET_TOKEN -"
#define GOOD_TAIL " 1 =/lib/libenvsafe.so 1a2b =/usr/lib/libplugin.so 112c ^ 1139"

int main(void)
{
	struct trace_event ev;
	const char *good = GOOD_HEAD GOOD_TAIL;

	tap_ok(trace_parse_record(good, strlen(good), &ev) == 0, "a genuine record parses");
	tap_ok(ev.sec == 1764730000 && ev.nsec == 123456789 && ev.pid == 4242 && ev.tid == 4243 &&
	       ev.threads == 5 && strcmp(ev.op, "setenv") == 0 && ev.flags == TRACE_REDACTED &&
	       strcmp(ev.thread_name, "worker-0") == 0 && strcmp(ev.name, "SECRET_TOKEN") == 0 &&
	       !ev.value && ev.skip == 1 && ev.nframes == 3 &&
	       strcmp(ev.frames[2].module, "/usr/lib/libplugin.so") == 0 && ev.frames[2].offset == 0x1139,
	       "with every field as written");
	tap_ok(trace_call_site(&ev) == &ev.frames[1], "its call site is the frame after SKIP");
	trace_event_free(&ev);

	const char *escaped = "ES1 0.000000000 1 1 0 putenv 00 = =A%25B%20C =x%0Ay 0";
	tap_ok(trace_parse_record(escaped, strlen(escaped), &ev) == 0 && strcmp(ev.name, "A%B C") == 0 &&
	       strcmp(ev.value, "x\ny") == 0 && ev.thread_name[0] == '\0' && ev.nframes == 0 &&
	       !trace_call_site(&ev),
	       "escapes decode; empty thread name, no frames, unknown thread count");
	trace_event_free(&ev);
	accepts("ES1 1.000000000 1 1 1 clearenv 00 =t - - 0", "clearenv: no name, no value");
	accepts("ES1 1.000000000 1 1 1 environ-replaced 10 =t - - 0 - 5 - 6",
		"environ-replaced, frames of unknown modules");
	accepts("ES1 1.000000000 1 1 1 unsetenv 00 =t =N - 0", "unsetenv: a name, no value");
	accepts("ES1 1.000000000 1 1 1 putenv 00 =t = =v 0", "putenv of an empty name");

	/* This one crashed the tracer: a negative SKIP indexed the frames. */
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - -1000000 =/bin/true 10", "negative skip");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 2 =/bin/true 10", "skip beyond the frames");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 18446744073709551617 =/bin/true 10",
		"skip that overflows");
	rejects("ES1 1.-00000001 1 1 1 setenv 01 =t =A - 0", "negative nanoseconds");
	rejects("ES1 1.12345678 1 1 1 setenv 01 =t =A - 0", "eight-digit nanoseconds");
	rejects("ES1 1.1234567890 1 1 1 setenv 01 =t =A - 0", "ten-digit nanoseconds");
	rejects("ES1 1 1 1 1 setenv 01 =t =A - 0", "time without nanoseconds");
	rejects("ES1 -1.000000000 1 1 1 setenv 01 =t =A - 0", "negative seconds");
	rejects("ES1 99999999999.000000000 1 1 1 setenv 01 =t =A - 0", "seconds beyond int64 nanoseconds");
	rejects("ES1 1.000000000 0 1 1 setenv 01 =t =A - 0", "pid 0");
	rejects("ES1 1.000000000 -5 1 1 setenv 01 =t =A - 0", "negative pid");
	rejects("ES1 1.000000000 +5 1 1 setenv 01 =t =A - 0", "signed pid");
	rejects("ES1 1.000000000 2147483648 1 1 setenv 01 =t =A - 0", "pid beyond int");
	rejects("ES1 1.000000000 1 0x1 1 setenv 01 =t =A - 0", "hex tid");
	rejects("ES1 1.000000000 1 1 -1 setenv 01 =t =A - 0", "negative thread count");
	rejects("ES1 1.000000000 1 1 4294967297 setenv 01 =t =A - 0", "thread count beyond int");
	rejects("ES1 1.000000000 1 1 1 setenvx 01 =t =A - 0", "unknown operation");
	rejects("ES1 1.000000000 1 1 1 setenv 1 =t =A - 0", "one-digit flags");
	rejects("ES1 1.000000000 1 1 1 setenv 001 =t =A - 0", "three-digit flags");
	rejects("ES1 1.000000000 1 1 1 setenv 41 =t =A - 0", "unknown flag bits");
	rejects("ES1 1.000000000 1 1 1 setenv 00 =t =A - 0", "setenv without value or redaction");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A =v 0", "redacted yet carrying a value");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t - - 0", "setenv without a name");
	rejects("ES1 1.000000000 1 1 1 clearenv 00 =t =A - 0", "clearenv with a name");
	rejects("ES1 1.000000000 1 1 1 unsetenv 00 =t =A =v 0", "unsetenv with a value");
	rejects("ES1 1.000000000 1 1 1 setenv 01 - =A - 0", "absent thread name");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =12345678901234567 =A - 0", "thread name over 16 bytes");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A%00B - 0", "an escaped NUL");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A%4 - 0", "a cut escape");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A%zz - 0", "a non-hex escape");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A\x1b[2J - 0", "a raw control byte");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A\x7f - 0", "a raw DEL");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t A - 0", "a string field without '='");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 ^ 10", "'^' as the first module");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 - 10 ^ 11", "'^' after an unknown module");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 =/m", "a frame without offset");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 =/m 12345678901234567", "offset beyond 64 bits");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 =/m 1G", "offset not hex");
	rejects("ES1  1.000000000 1 1 1 setenv 01 =t =A - 0", "two spaces");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 ", "a trailing space");
	rejects(" ES1 1.000000000 1 1 1 setenv 01 =t =A - 0", "a leading space");
	rejects("ES2 1.000000000 1 1 1 setenv 01 =t =A - 0", "another magic");
	rejects("ES1 1.000000000 1 1 1 setenv 01 =t =A -", "no skip");
	rejects("", "an empty line");

	char big[8192];
	size_t n = (size_t)snprintf(big, sizeof big, "ES1 1.000000000 1 1 1 setenv 00 =t =");
	memset(big + n, 'N', 257);
	n += 257;
	n += (size_t)snprintf(big + n, sizeof big - n, " =v 0");
	tap_ok(!parses(big, n), "rejected: a name over 256 bytes");
	n = (size_t)snprintf(big, sizeof big, "ES1 1.000000000 1 1 1 setenv 00 =t =A =");
	memset(big + n, 'v', 1025);
	n += 1025;
	n += (size_t)snprintf(big + n, sizeof big - n, " 0");
	tap_ok(!parses(big, n), "rejected: a value over 1024 bytes");
	n = (size_t)snprintf(big, sizeof big, "ES1 1.000000000 1 1 1 setenv 01 =t =A - 0");
	for (int i = 0; i < 49; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, " - %x", i + 1);
	tap_ok(!parses(big, n), "rejected: 49 frames");
	n = (size_t)snprintf(big, sizeof big, "ES1 1.000000000 1 1 1 setenv 01 =t =A - 0");
	for (int i = 0; i < 48; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, " - %x", i + 1);
	tap_ok(parses(big, n), "48 frames are accepted");
	n = (size_t)snprintf(big, sizeof big, "ES1 1.000000000 1 1 1 setenv 01 =t =A - 0 =/");
	memset(big + n, 'm', 4100 - n);
	n = 4100;
	n += (size_t)snprintf(big + n, sizeof big - n, " 1");
	tap_ok(!parses(big, n), "rejected: a record over 4096 bytes");

	char nul[] = GOOD_HEAD GOOD_TAIL;
	nul[sizeof GOOD_HEAD - 1] = '\0';
	tap_ok(!parses(nul, sizeof nul - 1), "rejected: a NUL inside (a cut copy would parse)");
	tap_ok(parses(nul, sizeof GOOD_HEAD - 1) == 0, "rejected: a record cut before its skip");
	return tap_done();
}
