/*
 * trace_output.c - what `envsafe trace` prints: one line (text) or one
 * JSON object (JSON Lines) per event, then a summary that ranks call
 * sites.  The JSON schema is documented in docs/TRACE.md; bump
 * TRACE_SCHEMA_VERSION on any incompatible change.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "trace_model.h"

#define TRACE_SCHEMA_VERSION 1

struct site {
	char *module;
	uint64_t offset;
	char *function, *mangled, *file;
	int line;
	long count, unsafe_count;
	int max_threads;
	char **names; /* distinct variables changed here */
	size_t nnames;
	char **ops;
	size_t nops;
};

/* More than one thread, or a count the process could not read (0), which
 * may have been many. */
static int unsafe(const struct trace_event *ev)
{
	return ev->threads != 1;
}

static void iso_time(char *buf, size_t len, int64_t sec, long nsec)
{
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", nsec);
}

static void json_frame(FILE *out, const struct trace_frame *f)
{
	fputs("{\"function\":", out);
	escape_json(out, f->function);
	fputs(",\"symbol\":", out);
	escape_json(out, f->mangled);
	fputs(",\"module\":", out);
	escape_json(out, f->module);
	fprintf(out, ",\"offset\":\"0x%" PRIx64 "\",\"file\":", f->offset);
	escape_json(out, f->file);
	if (f->line)
		fprintf(out, ",\"line\":%d}", f->line);
	else
		fputs(",\"line\":null}", out);
}

static void text_frame(FILE *out, const struct trace_frame *f)
{
	escape_text(out, f->function ? f->function : "??");
	if (f->file) {
		fputs(" at ", out);
		escape_text(out, f->file);
		fprintf(out, ":%d", f->line);
	}
	fputs(" (", out);
	escape_text(out, f->module ? f->module : "?");
	fprintf(out, "+0x%" PRIx64 ")", f->offset);
}

static int add_distinct(char ***list, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*list)[i], s) == 0)
			return 0;
	char **grown = realloc(*list, (*n + 1) * sizeof *grown);
	if (!grown)
		return -1;
	*list = grown;
	if (!(grown[*n] = strdup(s)))
		return -1;
	(*n)++;
	return 0;
}

static int same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void account(struct trace_output *o, const struct trace_event *ev)
{
	o->events++;
	if (unsafe(ev))
		o->unsafe_events++;
	if (ev->threads > o->max_threads)
		o->max_threads = ev->threads;
	size_t p;
	for (p = 0; p < o->npids && o->pids[p] != ev->pid; p++)
		;
	if (p == o->npids) {
		if (o->npids == o->cap_pids) {
			size_t cap = o->cap_pids ? 2 * o->cap_pids : 8;
			long *grown = realloc(o->pids, cap * sizeof *grown);
			if (!grown)
				return;
			o->pids = grown;
			o->cap_pids = cap;
		}
		o->pids[o->npids++] = ev->pid;
	}

	const struct trace_frame *f = trace_call_site(ev);
	static const struct trace_frame unknown;
	if (!f)
		f = &unknown;
	struct site *sites = o->sites, *s = NULL;
	for (size_t i = 0; i < o->nsites; i++)
		if (same(sites[i].module, f->module) && sites[i].offset == f->offset) {
			s = &sites[i];
			break;
		}
	if (!s) {
		if (o->nsites == o->cap_sites) {
			size_t cap = o->cap_sites ? 2 * o->cap_sites : 16;
			struct site *grown = realloc(o->sites, cap * sizeof *grown);
			if (!grown)
				return;
			o->sites = sites = grown;
			o->cap_sites = cap;
		}
		s = &sites[o->nsites++];
		memset(s, 0, sizeof *s);
		s->module = dup_or_null(f->module);
		s->offset = f->offset;
		s->function = dup_or_null(f->function);
		s->mangled = dup_or_null(f->mangled);
		s->file = dup_or_null(f->file);
		s->line = f->line;
	}
	s->count++;
	if (unsafe(ev))
		s->unsafe_count++;
	if (ev->threads > s->max_threads)
		s->max_threads = ev->threads;
	if (ev->name)
		add_distinct(&s->names, &s->nnames, ev->name);
	add_distinct(&s->ops, &s->nops, ev->op);
}

void trace_output_event(struct trace_output *o, const struct trace_event *ev)
{
	FILE *out = o->out;
	char when[64];
	iso_time(when, sizeof when, ev->sec, ev->nsec);
	account(o, ev);
	o->seq++;

	if (o->format == TRACE_JSON) {
		fprintf(out, "{\"version\":%d,\"type\":\"event\",\"seq\":%ld,\"time\":\"%s\","
			"\"time_ns\":%" PRId64 "%09ld,\"pid\":%ld,\"tid\":%ld,\"thread_name\":",
			TRACE_SCHEMA_VERSION, o->seq, when, ev->sec, ev->nsec, ev->pid, ev->tid);
		escape_json(out, ev->thread_name);
		fprintf(out, ",\"threads\":%d,\"unsafe\":%s,\"op\":", ev->threads,
			unsafe(ev) ? "true" : "false");
		escape_json(out, ev->op);
		fputs(",\"name\":", out);
		escape_json(out, ev->name);
		fputs(",\"value\":", out);
		escape_json(out, ev->value);
		fprintf(out, ",\"redacted\":%s,\"name_truncated\":%s,\"value_truncated\":%s,"
			"\"stack_truncated\":%s,\"call_site\":",
			ev->flags & TRACE_REDACTED ? "true" : "false",
			ev->flags & TRACE_NAME_CUT ? "true" : "false",
			ev->flags & TRACE_VALUE_CUT ? "true" : "false",
			ev->flags & TRACE_FRAMES_CUT ? "true" : "false");
		const struct trace_frame *site = trace_call_site(ev);
		if (site)
			json_frame(out, site);
		else
			fputs("null", out);
		fputs(",\"stack\":[", out);
		for (int i = ev->skip; i < ev->nframes; i++) {
			if (i > ev->skip)
				fputc(',', out);
			json_frame(out, &ev->frames[i]);
		}
		fputs("]}\n", out);
		return;
	}

	fprintf(out, "%s pid %ld tid %ld (", when, ev->pid, ev->tid);
	escape_text(out, ev->thread_name ? ev->thread_name : "");
	fprintf(out, ") threads %d%s ", ev->threads, unsafe(ev) ? " UNSAFE" : "");
	escape_text(out, ev->op);
	if (ev->name) {
		fputc(' ', out);
		escape_text(out, ev->name);
		if (ev->value) {
			fputc('=', out);
			escape_text(out, ev->value);
		} else if (ev->flags & TRACE_REDACTED) {
			fputs("=<redacted>", out);
		}
		if (ev->flags & (TRACE_NAME_CUT | TRACE_VALUE_CUT))
			fputs(" (truncated)", out);
	}
	fputc('\n', out);
	for (int i = ev->skip; i < ev->nframes; i++) {
		fprintf(out, "    #%d ", i - ev->skip);
		text_frame(out, &ev->frames[i]);
		fputc('\n', out);
	}
	if (ev->flags & TRACE_FRAMES_CUT)
		fputs("    ... (stack truncated)\n", out);
}

static int by_count(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	if (x->unsafe_count != y->unsafe_count)
		return x->unsafe_count < y->unsafe_count ? 1 : -1;
	return 0;
}

void trace_output_summary(struct trace_output *o, int status)
{
	FILE *out = o->out;
	struct site *sites = o->sites;
	if (o->nsites)
		qsort(sites, o->nsites, sizeof *sites, by_count);

	if (o->format == TRACE_JSON) {
		fprintf(out, "{\"version\":%d,\"type\":\"summary\",\"events\":%ld,\"unsafe_events\":%ld,"
			"\"max_threads\":%d,\"exit_status\":%d,\"values\":%s,\"malformed_records\":%ld,"
			"\"pids\":[", TRACE_SCHEMA_VERSION, o->events, o->unsafe_events, o->max_threads,
			status, o->values ? "true" : "false", o->malformed);
		for (size_t i = 0; i < o->npids; i++)
			fprintf(out, "%s%ld", i ? "," : "", o->pids[i]);
		fputs("],\"call_sites\":[", out);
		for (size_t i = 0; i < o->nsites; i++) {
			struct site *s = &sites[i];
			struct trace_frame f = { s->module, s->offset, s->function, s->mangled, s->file, s->line };
			fprintf(out, "%s{\"count\":%ld,\"unsafe_count\":%ld,\"unsafe\":%s,\"max_threads\":%d,"
				"\"frame\":", i ? "," : "", s->count, s->unsafe_count,
				s->unsafe_count ? "true" : "false", s->max_threads);
			json_frame(out, &f);
			fputs(",\"ops\":[", out);
			for (size_t k = 0; k < s->nops; k++) {
				if (k)
					fputc(',', out);
				escape_json(out, s->ops[k]);
			}
			fputs("],\"names\":[", out);
			for (size_t k = 0; k < s->nnames; k++) {
				if (k)
					fputc(',', out);
				escape_json(out, s->names[k]);
			}
			fputs("]}", out);
		}
		fputs("]}\n", out);
	} else {
		fprintf(out, "\nenvsafe trace summary: %ld event%s in %zu process%s, %ld UNSAFE "
			"(made while more than one thread was alive), at most %d threads\n",
			o->events, o->events == 1 ? "" : "s", o->npids, o->npids == 1 ? "" : "es",
			o->unsafe_events, o->max_threads);
		if (o->malformed)
			fprintf(out, "%ld malformed record%s ignored\n", o->malformed,
				o->malformed == 1 ? "" : "s");
		if (o->nsites)
			fputs("call sites by count:\n", out);
		for (size_t i = 0; i < o->nsites; i++) {
			struct site *s = &sites[i];
			struct trace_frame f = { s->module, s->offset, s->function, s->mangled, s->file, s->line };
			fprintf(out, "  %6ld  %-6s ", s->count, s->unsafe_count ? "UNSAFE" : "");
			text_frame(out, &f);
			fputs("  [", out);
			for (size_t k = 0; k < s->nops; k++) {
				fputs(k ? "," : "", out);
				escape_text(out, s->ops[k]);
			}
			for (size_t k = 0; k < s->nnames; k++) {
				fputs(k ? "," : " ", out);
				escape_text(out, s->names[k]);
			}
			fputs("]\n", out);
		}
	}
	for (size_t i = 0; i < o->nsites; i++) {
		struct site *s = &sites[i];
		free(s->module);
		free(s->function);
		free(s->mangled);
		free(s->file);
		for (size_t k = 0; k < s->nnames; k++)
			free(s->names[k]);
		for (size_t k = 0; k < s->nops; k++)
			free(s->ops[k]);
		free(s->names);
		free(s->ops);
	}
	free(o->sites);
	free(o->pids);
	o->sites = NULL;
	o->pids = NULL;
	o->nsites = o->npids = 0;
	fflush(out);
}
