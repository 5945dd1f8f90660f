/*
 * trace_record.c - parsing the library's "ES1" trace records
 * (src/observe_record.h).
 *
 * Any process that holds the inherited descriptor can write to the pipe,
 * so a record is hostile input: every field is range-checked against what
 * the library can write, and a record that fails any check is rejected as
 * a whole, never partly trusted.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "trace_model.h"

/* Upper bounds of the numeric fields.  The seconds fit sec * 10^9 + nsec
 * in an int64_t; a thread count above 2^30 is beyond the kernel's limit. */
#define MAX_SEC 9223372035LL
#define MAX_THREADS (1 << 30)

struct cursor {
	const char *p, *end;
};

/* The next field: at least one byte, up to the next space or the end.
 * Exactly one space separates fields, and none ends the line. */
static int next_field(struct cursor *c, const char **s, size_t *n)
{
	if (c->p >= c->end)
		return -1;
	const char *sp = memchr(c->p, ' ', (size_t)(c->end - c->p));
	const char *stop = sp ? sp : c->end;
	if (stop == c->p || (sp && sp + 1 == c->end))
		return -1;
	*s = c->p;
	*n = (size_t)(stop - c->p);
	c->p = sp ? sp + 1 : c->end;
	return 0;
}

static int more_fields(const struct cursor *c)
{
	return c->p < c->end;
}

/* Digits in BASE only (no sign, space or prefix), value at most MAX. */
static int number(const char *s, size_t n, unsigned base, unsigned long long max,
		  unsigned long long *v)
{
	*v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;
		if (s[i] >= '0' && s[i] <= '9')
			d = (unsigned)(s[i] - '0');
		else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
			d = (unsigned)(s[i] - 'a' + 10);
		else
			return -1;
		if (*v > (max - d) / base)
			return -1;
		*v = *v * base + d;
	}
	return 0;
}

static int next_number(struct cursor *c, unsigned base, unsigned long long max,
		       unsigned long long *v)
{
	const char *s;
	size_t n;
	return next_field(c, &s, &n) || number(s, n, base, max, v) ? -1 : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* A string field of N bytes at S: "-" (absent, *OUT NULL) or "=" and the
 * escaped bytes, which decode to at most LIMIT bytes and no NUL.  Bytes
 * the library always escapes must not appear raw. */
static int string_field(const char *s, size_t n, size_t limit, char **out)
{
	*out = NULL;
	if (n == 1 && s[0] == '-')
		return 0;
	if (s[0] != '=')
		return -1;
	char *d = malloc(n), *w = d; /* decoding never grows */
	if (!d)
		return -1;
	for (size_t i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = hi < 0 ? -1 : hexval(s[i + 2]);
			if (lo < 0 || (hi | lo) == 0)
				goto bad;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c <= ' ' || c == 0x7f) {
			goto bad;
		}
		if ((size_t)(w - d) == limit)
			goto bad;
		*w++ = (char)c;
	}
	*w = '\0';
	*out = d;
	return 0;
bad:
	free(d);
	return -1;
}

static int next_string(struct cursor *c, size_t limit, char **out)
{
	const char *s;
	size_t n;
	*out = NULL;
	return next_field(c, &s, &n) || string_field(s, n, limit, out) ? -1 : 0;
}

/* "SEC.NSEC", NSEC exactly nine digits. */
static int timestamp(struct cursor *c, struct trace_event *ev)
{
	const char *s, *dot;
	size_t n;
	unsigned long long sec, nsec;
	if (next_field(c, &s, &n) || !(dot = memchr(s, '.', n)) ||
	    number(s, (size_t)(dot - s), 10, MAX_SEC, &sec) ||
	    n - (size_t)(dot + 1 - s) != 9 || number(dot + 1, 9, 10, 999999999, &nsec))
		return -1;
	ev->sec = (int64_t)sec;
	ev->nsec = (long)nsec;
	return 0;
}

static int operation(struct cursor *c, char **op)
{
	static const char *const ops[] = ES_RECORD_OPS;
	const char *s;
	size_t n;
	*op = NULL;
	if (next_field(c, &s, &n))
		return -1;
	for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
		if (strlen(ops[i]) == n && memcmp(ops[i], s, n) == 0)
			return (*op = strdup(ops[i])) ? 0 : -1;
	return -1;
}

/* Which of NAME and VALUE the operation carries, as the library writes
 * them: setenv and putenv a name and (unless redacted) a value, unsetenv
 * a name, clearenv and environ-replaced neither. */
static int consistent(const struct trace_event *ev)
{
	int has_value = strcmp(ev->op, "setenv") == 0 || strcmp(ev->op, "putenv") == 0;
	int has_name = has_value || strcmp(ev->op, "unsetenv") == 0;
	if (has_name != (ev->name != NULL))
		return 0;
	if (!has_value && (ev->value || (ev->flags & (TRACE_REDACTED | TRACE_VALUE_CUT))))
		return 0;
	if ((ev->flags & TRACE_REDACTED) && (ev->value || (ev->flags & TRACE_VALUE_CUT)))
		return 0;
	if (has_value && !ev->value && !(ev->flags & TRACE_REDACTED))
		return 0;
	return 1;
}

static int frames(struct cursor *c, struct trace_event *ev)
{
	ev->frames = calloc(ES_RECORD_FRAMES_MAX, sizeof *ev->frames);
	if (!ev->frames)
		return -1;
	while (more_fields(c)) {
		const char *s;
		size_t n;
		unsigned long long offset;
		if (ev->nframes == ES_RECORD_FRAMES_MAX || next_field(c, &s, &n))
			return -1;
		struct trace_frame *f = &ev->frames[ev->nframes++];
		if (n == 1 && s[0] == '^') {
			const char *prev = ev->nframes > 1 ? ev->frames[ev->nframes - 2].module : NULL;
			if (!prev || !(f->module = strdup(prev)))
				return -1;
		} else if (string_field(s, n, PATH_MAX, &f->module)) {
			return -1;
		}
		if (next_number(c, 16, UINT64_MAX, &offset))
			return -1;
		f->offset = offset;
	}
	return 0;
}

int trace_parse_record(const char *line, size_t len, struct trace_event *ev)
{
	struct cursor c = { line, line + len };
	unsigned long long v;
	const char *s;
	size_t n;

	memset(ev, 0, sizeof *ev);
	if (len >= ES_RECORD_MAX || memchr(line, '\0', len) || memchr(line, '\n', len))
		return -1;
	if (next_field(&c, &s, &n) || n != sizeof ES_RECORD_MAGIC - 1 ||
	    memcmp(s, ES_RECORD_MAGIC, n) != 0 || timestamp(&c, ev))
		goto bad;
	if (next_number(&c, 10, INT_MAX, &v) || v == 0)
		goto bad;
	ev->pid = (long)v;
	if (next_number(&c, 10, INT_MAX, &v) || v == 0)
		goto bad;
	ev->tid = (long)v;
	if (next_number(&c, 10, MAX_THREADS, &v))
		goto bad;
	ev->threads = (int)v;
	if (operation(&c, &ev->op))
		goto bad;
	if (next_field(&c, &s, &n) || n != 2 || number(s, n, 16, ES_REC_FLAGS_ALL, &v))
		goto bad;
	ev->flags = (int)v;
	if (next_string(&c, ES_RECORD_COMM_MAX, &ev->thread_name) || !ev->thread_name ||
	    next_string(&c, ES_RECORD_NAME_MAX, &ev->name) ||
	    next_string(&c, ES_RECORD_VALUE_MAX, &ev->value) || !consistent(ev))
		goto bad;
	if (next_number(&c, 10, ES_RECORD_FRAMES_MAX, &v))
		goto bad;
	if (frames(&c, ev) || v > (unsigned long long)ev->nframes)
		goto bad;
	ev->skip = (int)v;
	return 0;
bad:
	trace_event_free(ev);
	return -1;
}

void trace_event_free(struct trace_event *ev)
{
	for (int i = 0; i < ev->nframes; i++) {
		free(ev->frames[i].module);
		free(ev->frames[i].function);
		free(ev->frames[i].mangled);
		free(ev->frames[i].file);
	}
	free(ev->frames);
	free(ev->op);
	free(ev->thread_name);
	free(ev->name);
	free(ev->value);
	memset(ev, 0, sizeof *ev);
}

const struct trace_frame *trace_call_site(const struct trace_event *ev)
{
	return ev->skip >= 0 && ev->skip < ev->nframes ? &ev->frames[ev->skip] : NULL;
}
