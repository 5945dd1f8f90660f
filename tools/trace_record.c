/* trace_record.c - parsing the library's "ES1" trace records. */
#include <stdlib.h>
#include <string.h>

#include "trace_model.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Next space-separated token of *P, NUL-terminated in place. */
static char *token(char **p)
{
	char *s = *p;
	if (!s || !*s)
		return NULL;
	char *end = strchr(s, ' ');
	if (end) {
		*end = '\0';
		*p = end + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

/* A "-" (absent) or "=escaped" field; *OUT is NULL or a new string. */
static int field(char *tok, char **out)
{
	*out = NULL;
	if (!tok)
		return -1;
	if (strcmp(tok, "-") == 0)
		return 0;
	if (tok[0] != '=')
		return -1;
	size_t n = strlen(tok + 1);
	char *s = malloc(n + 1), *d = s;
	if (!s)
		return -1;
	for (const char *c = tok + 1; *c; c++) {
		if (*c == '%') {
			int hi = hexval(c[1]), lo = hi < 0 ? -1 : hexval(c[2]);
			if (lo < 0) {
				free(s);
				return -1;
			}
			*d++ = (char)(hi << 4 | lo);
			c += 2;
		} else {
			*d++ = *c;
		}
	}
	*d = '\0';
	*out = s;
	return 0;
}

static int number(const char *tok, int base, unsigned long long *v)
{
	char *end;
	if (!tok || !*tok)
		return -1;
	*v = strtoull(tok, &end, base);
	return *end ? -1 : 0;
}

int trace_parse_record(const char *line, struct trace_event *ev)
{
	memset(ev, 0, sizeof *ev);
	char *copy = strdup(line), *p = copy, *t;
	unsigned long long v;
	if (!copy)
		return -1;

	if (!(t = token(&p)) || strcmp(t, "ES1") != 0)
		goto bad;
	if (!(t = token(&p)))
		goto bad;
	char *dot = strchr(t, '.');
	if (!dot || strlen(dot + 1) != 9)
		goto bad;
	*dot = '\0';
	if (number(t, 10, &v))
		goto bad;
	ev->sec = (int64_t)v;
	if (number(dot + 1, 10, &v))
		goto bad;
	ev->nsec = (long)v;
	if (number(token(&p), 10, &v))
		goto bad;
	ev->pid = (long)v;
	if (number(token(&p), 10, &v))
		goto bad;
	ev->tid = (long)v;
	if (number(token(&p), 10, &v))
		goto bad;
	ev->threads = (int)v;
	if (!(t = token(&p)) || !(ev->op = strdup(t)))
		goto bad;
	if (number(token(&p), 16, &v))
		goto bad;
	ev->flags = (int)v;
	if (field(token(&p), &ev->thread_name) || field(token(&p), &ev->name) ||
	    field(token(&p), &ev->value))
		goto bad;
	if (number(token(&p), 10, &v))
		goto bad;
	ev->skip = (int)v;

	const char *prev = NULL;
	while ((t = token(&p))) {
		struct trace_frame *f = realloc(ev->frames, (size_t)(ev->nframes + 1) * sizeof *f);
		if (!f)
			goto bad;
		ev->frames = f;
		f = &ev->frames[ev->nframes];
		memset(f, 0, sizeof *f);
		ev->nframes++;
		if (strcmp(t, "^") == 0) {
			if (!prev)
				goto bad;
			f->module = strdup(prev);
		} else if (field(t, &f->module)) {
			goto bad;
		}
		prev = f->module;
		if (number(token(&p), 16, &v))
			goto bad;
		f->offset = v;
	}
	if (ev->skip > ev->nframes)
		ev->skip = ev->nframes;
	free(copy);
	return 0;
bad:
	free(copy);
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
	return ev->skip < ev->nframes ? &ev->frames[ev->skip] : NULL;
}
