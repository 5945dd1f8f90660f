/*
 * publish.c - the environ array and the protocol that publishes it.
 * All functions here run with the writer lock held.
 *
 * The live list sits at the top of a buffer: slots[start..cap-1], with
 * slots[cap] == NULL forever and environ == &slots[start].  Every change
 * is made so that a reader holding any environ value ever published -
 * libc's internal getenv, a loop over environ, execve copying it - reads
 * only valid "NAME=value" strings up to a NULL, and sees every entry that
 * stays live for its whole walk at least once.  The proof is in
 * docs/DESIGN.md (§3 the steps, §5 the proofs); the stores that carry
 * its three facts say so:  F1 (nothing published dies) in publish_view,
 * F2 (no NULL inside a published list) in es_remove and es_clear, F3
 * (entries move only towards the NULL) in es_remove.
 *
 *   add:      slots[start-1] = s; then environ = &slots[start-1].
 *   replace:  slots[i] = s.
 *   remove i: slots[i] = slots[start] (entries only move towards the
 *             NULL, i.e. ahead of any walker); then environ = &slots[start+1].
 *   grow:     copy the live list to the top of a buffer twice as large and
 *             publish it; the old buffer is never written again.
 *   clear:    environ = &slots[cap].
 * Nothing published is ever freed: readers are not tracked, so no moment
 * is known at which the last one has left.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "alloc.h"
#include "hash.h"
#include "state.h"

/* What readers see until the first adoption: a view with no slots, so
 * every environ lies outside it and getenv walks. */
static char *no_slots[1];
static struct es_view no_view = { .slots = no_slots, .top = no_slots };
struct es_published es_pub = { .view = &no_view };
struct es_writer_state es_w;

#define ES_MIN_CAP 32

static struct es_view *new_view(size_t cap, struct es_slot_record **records)
{
	size_t arrays = (cap + 1) * (sizeof(char *) + sizeof(const char *));
	struct es_view *v = es_alloc(sizeof *v + arrays);
	if (!v)
		return NULL;
	struct es_slot_record *r = es_alloc((cap + 1) * sizeof *r);
	if (!r) {
		es_free(v);
		return NULL;
	}
	memset(v + 1, 0, arrays);
	memset(r, 0, (cap + 1) * sizeof *r);
	v->cap = cap;
	v->slots = (char **)(v + 1);
	v->shadow = (const char **)(v->slots + cap + 1);
	v->top = v->slots + cap;
	*records = r;
	return v;
}

/* Slot or environ value OUT leaves the digest and IN enters it.  Relaxed
 * (here, in set_unvouched and in digest_recompute): readers use these only
 * to decide whether the careful scan is needed, and a stale value can only
 * send them to that scan. */
static void digest_change(uintptr_t out, uintptr_t in)
{
	struct es_view *v = es_w.view;
	es_store_relaxed(&v->digest, es_load_relaxed(&v->digest) - out + in);
}

/* Stored only when it changes: every getenv reads its cache line.  The
 * published copy is the one compared: a child forked from a handler that
 * interrupted this may have the two apart. */
static void set_unvouched(size_t n)
{
	es_w.unvouched = n;
	if (es_load_relaxed(&es_unvouched_live) != n)
		es_store_relaxed(&es_unvouched_live, n);
}

static void digest_recompute(void)
{
	struct es_view *v = es_w.view;
	uintptr_t sum = (uintptr_t)&v->slots[es_w.start];
	for (size_t i = es_w.start; i < v->cap; i++)
		sum += (uintptr_t)es_w.records[i].str;
	es_store_relaxed(&v->digest, sum);
}

/* Store environ = ENV, recording it in the view first (release both: a
 * reader that sees the new environ sees the view's record of it). */
static void publish_env(char **env)
{
	es_w.published = env;
	es_store_release(&es_w.view->env, env);
	es_store_release(&environ, env);
}

/* Publish V with its live list starting at START.  Order: the view first,
 * then environ, both release.  A reader that sees the new environ
 * therefore sees the new view; one that sees the old environ with the new
 * view notices that environ is outside the view and walks environ instead. */
static void publish_view(struct es_view *v, struct es_slot_record *records, size_t start)
{
	/* The old records are freed last: a child forked from a signal
	 * handler that interrupted this must never inherit a freed pointer. */
	struct es_slot_record *old_records = es_w.records;
	/* F1: readers may still hold the old view, so it is never freed;
	 * the chain keeps a pointer to its start, which leak checkers look
	 * for. */
	v->replaced = es_w.view;
	es_w.view = v;
	es_w.records = records;
	es_w.start = start;
	digest_recompute();
	es_store_release(&es_current_view, v);
	publish_env(&v->slots[start]);
	es_free(old_records);
}

/*
 * Publish STR as E's value.  stable is the same pointer when the library
 * interned the string, so getenv's hit path (lookup.h) can trust it
 * without reading its name; any other string leaves stable NULL and its
 * readers re-check.  Release (both): see publish_owner.
 */
static void set_value(struct es_name *e, const char *str, int immutable)
{
	es_store_release(&e->value, str);
	es_store_release(&e->stable, immutable ? str : NULL);
}

/*
 * Publish STR, stored at SLOT, as E's value.  IMMUTABLE: the library
 * interned STR (or the kernel placed it), so readers need not re-check
 * its name.  A string that can change is flagged borrowed before it is
 * published; the flag is cleared only after the immutable value replacing
 * it is (see still_names in lookup.c).  Relaxed set: published by the
 * release of value.
 */
static void publish_owner(struct es_name *e, char **slot, const char *str, int immutable)
{
	if (!immutable)
		es_store_relaxed(&e->borrowed, 1);
	/* Release (both): a reader that loads e->value = str and then the
	 * slot sees the slot's new content or a later one. */
	es_store_release(&e->slot, slot);
	set_value(e, str, immutable);
	if (immutable)
		es_store_release(&e->borrowed, 0);
}

/* Record that slot I of the current view holds STR for OWNER. */
static void set_slot(size_t i, struct es_name *owner, const char *str, int vouched)
{
	struct es_view *v = es_w.view;
	struct es_slot_record *r = &es_w.records[i];

	r->str = str;
	r->owner = owner;
	r->vouched = vouched;
	r->borrowed = !vouched; /* only putenv stores unvouched strings */
	/* Relaxed: shadow is only a hint; a reader that sees it disagree with
	 * the slot reads the string itself. */
	es_store_relaxed(&v->shadow[i], vouched ? str : NULL);
	if (owner)
		publish_owner(owner, &v->slots[i], str, vouched);
}

/* ---- adoption: make the writer state describe whatever environ is ---- */

static void clear_value(struct es_name *e, void *arg)
{
	(void)arg;
	set_value(e, NULL, 0);
}

/* After an adoption is published: names it did not contain are unset. */
static void forget_unseen(struct es_name *e, void *arg)
{
	if (e->seen != *(unsigned *)arg && es_load_relaxed(&e->value))
		clear_value(e, NULL);
}

/*
 * Was S a putenv'd buffer in our live list?  Used when the program
 * assigned environ (say, to a copy of it): its putenv'd buffers stay the
 * caller's.  Only unvouched slots can hold one, and there are few.
 */
static int was_borrowed(const char *s)
{
	if (!es_w.adopted || !es_w.unvouched)
		return 0;
	for (size_t i = es_w.start; i < es_w.view->cap; i++)
		if (es_w.records[i].borrowed && es_w.records[i].str == s)
			return 1;
	return 0;
}

/*
 * Where the kernel put the environment at exec: the initial environ array
 * sits on the stack, above every frame the program will have, and the
 * strings it points to (with the argument strings and the auxiliary
 * vector) above it.  0 when environ was not that array when the library
 * loaded (another constructor assigned it).
 */
static uintptr_t initial_environ;

void es_note_initial_environment(void)
{
	uintptr_t env = (uintptr_t)environ, frame = (uintptr_t)__builtin_frame_address(0);
	/* The stack grows down on every target we support. */
	if (env > frame)
		es_store_relaxed(&initial_environ, env); /* relaxed: see es_trusted_above */
}

/* See state.h. */
uintptr_t es_trusted_above(void)
{
	/* Relaxed: stored once by the constructor; a reader that does not see
	 * it yet trusts nothing, which is only slower. */
	uintptr_t env = es_load_relaxed(&initial_environ);
	return env ? env : UINTPTR_MAX;
}

/*
 * Can the string S (its name LEN bytes), found in environ, be trusted never
 * to change?  Our interned strings, yes.  So are the strings the kernel
 * placed above the initial environ array at exec: no one frees them, and a
 * program rarely writes into them.  A string the program stored into
 * environ, though, may later be edited, or freed and its address reused
 * for another, so getenv must read it again.
 */
static int never_changes(const char *s, size_t len)
{
	if ((uintptr_t)s > es_trusted_above())
		return 1;
	return es_is_interned(s, len);
}

/*
 * Copy ENV (a NULL-terminated array the program may own) into a fresh
 * buffer of ours; the strings are kept by pointer.  FROM_OWN_VIEW says ENV
 * is our current live list (the program stored into some environ[i]), so
 * slots still holding the putenv'd buffer we put there stay unvouched.
 * All allocation happens before anything is published, and entries keep
 * their old values until the new view is out: a reader on the old view
 * must never be told that a name it can still see is unset.
 */
static int adopt(char **env, int from_own_view)
{
	size_t n = 0;
	while (env && env[n])
		n++;

	/* Creating an entry changes nothing a reader can observe. */
	for (size_t j = 0; j < n; j++)
		if (!es_index_get(env[j], es_name_len(env[j])))
			return -1;

	size_t cap = n * 2 > ES_MIN_CAP ? n * 2 : ES_MIN_CAP;
	struct es_slot_record *records;
	struct es_view *v = new_view(cap, &records);
	if (!v)
		return -1;

	/* Nothing can fail from here on. */
	const struct es_slot_record *old_records = es_w.records;
	size_t start = cap - n;
	size_t unvouched = 0;
	unsigned epoch = ++es_w.epoch;

	for (size_t j = 0; j < n; j++) {
		char *s = env[j];
		size_t i = start + j;
		size_t len = es_name_len(s);
		struct es_name *e = es_index_find(es_hash(s, len), s, len);
		int was_putenv = 0;

		if (from_own_view) {
			const struct es_slot_record *r = &old_records[&env[j] - es_w.view->slots];
			was_putenv = r->str == s && r->borrowed;
		} else {
			was_putenv = was_borrowed(s);
		}
		/* Relaxed: v is not published yet; publish_view releases it. */
		es_store_relaxed(&v->slots[i], s);
		if (s[len] != '=' || e->seen == epoch) {
			/* No '=' (getenv never matches it) or a later duplicate:
			 * kept, but the index does not vouch for it. */
			records[i] = (struct es_slot_record){ s, NULL, 0, (unsigned char)was_putenv };
			unvouched++;
			continue;
		}
		e->seen = epoch;
		/* The index vouches only for strings known never to change; the
		 * others are read again by every reader that relies on them. */
		int trusted = !was_putenv && never_changes(s, len);
		records[i] = (struct es_slot_record){ s, e, (unsigned char)trusted, (unsigned char)was_putenv };
		unvouched += !trusted;
		es_store_relaxed(&v->shadow[i], trusted ? s : NULL); /* published below */
		publish_owner(e, &v->slots[i], s, trusted);
	}
	set_unvouched(unvouched);
	es_w.adopted = 1;
	publish_view(v, records, start);
	es_index_each(forget_unseen, &epoch);
	return 0;
}

/*
 * Bring the writer state in line with environ.  The program may have
 * assigned environ (REPLACED is set) or stored into environ[i]; both are
 * legal and both are seen here, at the next write, by comparing environ
 * and every live slot with what we last stored.
 */
int es_sync(int *replaced)
{
	/* Acquire: a program that publishes its own array with a release
	 * store (or any synchronisation) is seen with the array complete. */
	char **env = es_load_acquire(&environ);

	*replaced = 0;
	if (!es_w.adopted || env != es_w.published) {
		*replaced = es_w.adopted && env != es_w.published;
		return adopt(env, 0);
	}
	struct es_view *v = es_w.view;
	for (size_t i = es_w.start; i < v->cap; i++) {
		/* Relaxed: only this writer (and the program, by plain stores
		 * it sequenced before this call) stores slots. */
		if (es_load_relaxed(&v->slots[i]) != es_w.records[i].str)
			return adopt(env, 1);
	}
	return 0;
}

/*
 * The slot holding NAME, or -1.  The indexed slot is found in O(1); only
 * slots the index does not vouch for need their strings read.
 */
long es_find(const char *name, size_t len)
{
	struct es_name *e = es_index_find(es_hash(name, len), name, len);
	struct es_view *v = es_w.view;

	if (e && e->value && es_names(e->value, name, len))
		return (long)(e->slot - v->slots);
	if (!es_w.unvouched)
		return -1;
	for (size_t i = es_w.start; i < v->cap; i++) {
		const struct es_slot_record *r = &es_w.records[i];
		if (!r->vouched && es_names(r->str, name, len))
			return (long)i;
	}
	return -1;
}

/* Make sure slots[start-1] exists, growing the buffer if needed. */
int es_reserve_front(void)
{
	if (es_w.start > 0)
		return 0;
	struct es_view *old = es_w.view;
	size_t n = old->cap - es_w.start;
	size_t cap = old->cap * 2;
	struct es_slot_record *records;
	struct es_view *v = new_view(cap, &records);
	if (!v)
		return -1;
	size_t start = cap - n;
	for (size_t j = 0; j < n; j++) {
		const struct es_slot_record *r = &es_w.records[es_w.start + j];
		es_store_relaxed(&v->slots[start + j], (char *)r->str); /* published below */
		es_store_relaxed(&v->shadow[start + j], r->vouched ? r->str : NULL);
		records[start + j] = *r;
		if (r->owner && es_load_relaxed(&r->owner->value) == r->str)
			es_store_release(&r->owner->slot, &v->slots[start + j]); /* see publish_owner */
	}
	publish_view(v, records, start);
	return 0;
}

void es_replace(size_t i, struct es_name *owner, const char *str, int vouched)
{
	struct es_slot_record *r = &es_w.records[i];
	struct es_name *previous = r->owner;

	set_unvouched(es_w.unvouched + (size_t)!vouched - (size_t)!r->vouched);
	/* Release: the string's bytes are visible before its pointer. */
	es_store_release(&es_w.view->slots[i], (char *)str);
	digest_change((uintptr_t)r->str, (uintptr_t)str);
	if (previous && previous != owner && es_load_relaxed(&previous->value) == r->str)
		set_value(previous, NULL, 0);
	set_slot(i, owner, str, vouched);
}

int es_add(struct es_name *owner, const char *str, int vouched)
{
	if (es_reserve_front() < 0)
		return -1;
	size_t i = es_w.start - 1;
	char **before = es_w.published;
	if (!vouched)
		set_unvouched(es_w.unvouched + 1);
	set_slot(i, owner, str, vouched);
	/* Release (both): a reader that reaches the slot through the new
	 * environ sees the string's bytes. */
	es_store_release(&es_w.view->slots[i], (char *)str);
	es_w.start = i;
	publish_env(&es_w.view->slots[i]);
	digest_change(0, (uintptr_t)str);
	digest_change((uintptr_t)before, (uintptr_t)es_w.published);
	return 0;
}

void es_remove(size_t i)
{
	struct es_view *v = es_w.view;
	size_t front = es_w.start;
	struct es_slot_record gone = es_w.records[i];
	char **before = es_w.published;

	if (!gone.vouched)
		set_unvouched(es_w.unvouched - 1);
	/* The digest loses the removed string; if the front entry moves, it
	 * leaves the front and enters the hole, which cancels out. */
	if (i != front) {
		/* Move the front entry into the hole: it moves towards the NULL,
		 * so a walker that has not reached the hole will find it there,
		 * and one that has passed the hole saw it at the front.
		 * Release: pairs with acquire walkers (DESIGN §3, remove;
		 * §5.4).  F3: the front entry moves to a higher slot, written
		 * before its old slot can be reused by a later add. */
		struct es_slot_record moved = es_w.records[front];
		es_store_release(&v->slots[i], (char *)moved.str);
		es_w.records[i] = moved;
		es_store_relaxed(&v->shadow[i], moved.vouched ? moved.str : NULL);
		if (moved.owner && es_load_relaxed(&moved.owner->value) == moved.str)
			es_store_release(&moved.owner->slot, &v->slots[i]); /* see publish_owner */
	}
	if (gone.owner && es_load_relaxed(&gone.owner->value) == gone.str)
		set_value(gone.owner, NULL, 0);
	es_w.start = front + 1;
	/* Release: the moved entry is in the hole before the front advances.
	 * F2: the old front slot keeps its string; no NULL is written. */
	publish_env(&v->slots[front + 1]);
	digest_change((uintptr_t)gone.str, 0);
	digest_change((uintptr_t)before, (uintptr_t)es_w.published);
}

void es_clear(void)
{
	es_index_each(clear_value, NULL);
	set_unvouched(0);
	if (!es_w.view) {
		static char *empty[1];
		es_w.published = empty;
		es_w.adopted = 0;
		es_store_release(&environ, empty); /* release: see es_add */
		return;
	}
	es_w.start = es_w.view->cap;
	/* F2: an empty list is &slots[cap], the NULL that is always there;
	 * no slot is cleared.  Release: see es_add. */
	publish_env(&es_w.view->slots[es_w.view->cap]);
	digest_recompute();
}
