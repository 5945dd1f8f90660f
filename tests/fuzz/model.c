#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

int model_names(const char *s, const char *name)
{
	size_t len = strlen(name);
	return strncmp(s, name, len) == 0 && s[len] == '=';
}

size_t model_lookup(const struct model *m, const char *name, const char **values, size_t max)
{
	size_t found = 0;
	/* glibc returns NULL for an empty name without looking. */
	if (!*name)
		return 0;
	for (size_t i = 0; i < m->n; i++) {
		const char *s = model_str(&m->e[i]);
		if (!model_names(s, name))
			continue;
		if (values && found < max)
			values[found] = s + strlen(name) + 1;
		found++;
	}
	return found;
}

int model_accepts(const struct model *m, const char *name, const char *value)
{
	const char *values[MODEL_MAX];
	size_t n = model_lookup(m, name, values, MODEL_MAX);
	if (n == 0)
		return value == NULL;
	if (!value)
		return 0;
	/* Compare contents: the library may return a different copy of an
	 * equal string only for owned entries, but then any equal one is fine. */
	for (size_t i = 0; i < n; i++)
		if (strcmp(values[i], value) == 0)
			return 1;
	return 0;
}

void model_set_owned(struct model_entry *e, const char *name, const char *value)
{
	e->ext = NULL;
	snprintf(e->text, sizeof e->text, "%s=%s", name, value);
}

int model_add_owned(struct model *m, const char *name, const char *value)
{
	if (m->n == MODEL_MAX)
		return -1;
	model_set_owned(&m->e[m->n++], name, value);
	return 0;
}

int model_add_ext(struct model *m, const char *str)
{
	if (m->n == MODEL_MAX)
		return -1;
	m->e[m->n].ext = str;
	m->e[m->n].text[0] = '\0';
	m->n++;
	return 0;
}

void model_remove_at(struct model *m, size_t i)
{
	m->e[i] = m->e[--m->n];
}

void model_remove_name(struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n;) {
		if (model_names(model_str(&m->e[i]), name))
			model_remove_at(m, i);
		else
			i++;
	}
}

static int by_content(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int model_matches(const struct model *m, char *const *env, char *why, size_t why_len)
{
	const char *want[MODEL_MAX], *got[MODEL_MAX];
	size_t n = 0;

	for (; env && env[n]; n++) {
		if (n == MODEL_MAX) {
			snprintf(why, why_len, "environ has more than %d entries", MODEL_MAX);
			return 0;
		}
		got[n] = env[n];
	}
	if (n != m->n) {
		snprintf(why, why_len, "environ has %zu entries, model %zu", n, m->n);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		want[i] = model_str(&m->e[i]);
	qsort(want, n, sizeof want[0], by_content);
	qsort(got, n, sizeof got[0], by_content);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(want[i], got[i]) != 0) {
			snprintf(why, why_len, "sorted entry %zu: environ \"%s\", model \"%s\"", i, got[i],
				 want[i]);
			return 0;
		}
	}
	/* Caller-owned strings are kept by pointer, never copied: each one
	 * is in environ at least as many times as the model has it. */
	for (size_t i = 0; i < m->n; i++) {
		const char *ext = m->e[i].ext;
		size_t in_model = 0, in_env = 0;
		if (!ext)
			continue;
		for (size_t j = 0; j < m->n; j++)
			in_model += m->e[j].ext == ext;
		for (size_t j = 0; j < n; j++)
			in_env += env[j] == ext;
		if (in_env < in_model) {
			snprintf(why, why_len, "caller's string %p (\"%s\") is in environ %zu times by pointer, "
				 "model %zu", (const void *)ext, ext, in_env, in_model);
			return 0;
		}
	}
	return 1;
}

void model_freeze(const struct model *m, struct model *out)
{
	out->n = m->n;
	for (size_t i = 0; i < m->n; i++) {
		out->e[i].ext = NULL;
		snprintf(out->e[i].text, sizeof out->e[i].text, "%s", model_str(&m->e[i]));
	}
}
