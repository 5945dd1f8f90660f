/*
 * model.h - the reference environment the fuzz target checks the library
 * against: an unordered list of entries with glibc's textual semantics.
 *
 * Order is deliberately not modelled: envsafe puts new names at the front
 * and fills holes from the front, glibc appends and shifts.  Comparisons
 * are therefore between multisets, and where glibc's answer depends on
 * order (a name present more than once) every entry of that name is an
 * acceptable answer.
 *
 * An entry is either a copy the model owns (setenv) or a pointer to a
 * caller-owned string (putenv buffer, string in an array assigned to
 * environ), read live so that the caller's in-place edits are modelled.
 */
#ifndef FUZZ_MODEL_H
#define FUZZ_MODEL_H

#include <stddef.h>

#define MODEL_MAX 128
#define MODEL_TEXT 64

struct model_entry {
	const char *ext;        /* caller-owned string, or NULL */
	char text[MODEL_TEXT];  /* owned copy when ext == NULL */
};

struct model {
	size_t n;
	struct model_entry e[MODEL_MAX];
};

static inline const char *model_str(const struct model_entry *e)
{
	return e->ext ? e->ext : e->text;
}

/* Does S define NAME textually, as glibc compares: "NAME=" prefix? */
int model_names(const char *s, const char *name);

/* Number of entries defining NAME; their values through VALUES (if not
 * NULL, up to MAX of them). */
size_t model_lookup(const struct model *m, const char *name, const char **values, size_t max);

/* Is VALUE (a getenv result, or NULL) acceptable for NAME? */
int model_accepts(const struct model *m, const char *name, const char *value);

/* Edits.  Each returns 0, or -1 when the model is full. */
int model_add_owned(struct model *m, const char *name, const char *value);
int model_add_ext(struct model *m, const char *str);
void model_remove_at(struct model *m, size_t i);
void model_remove_name(struct model *m, const char *name);
void model_set_owned(struct model_entry *e, const char *name, const char *value);

/* Does the NULL-terminated array ENV hold exactly M's strings, as a
 * multiset?  On mismatch writes a description to WHY. */
int model_matches(const struct model *m, char *const *env, char *why, size_t why_len);

/* Copy M into OUT with every entry owned (a frozen picture for snapshots). */
void model_freeze(const struct model *m, struct model *out);

#endif
