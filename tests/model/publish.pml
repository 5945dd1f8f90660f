/*
 * publish.pml - the environ publication protocol (src/publish.c,
 * docs/DESIGN.md) against one concurrent reader, at the granularity of
 * single loads and stores, checked exhaustively with Spin.
 *
 * One writer performs one operation, chosen nondeterministically:
 *   OP_ADD           add a new name, with room below the front
 *   OP_GROW          add a new name when slots[0] is taken: copy to a
 *                    buffer twice as large, publish it, then add
 *   OP_OVERWRITE     overwrite another name's value in its slot
 *   OP_UNSET_FRONT   unset the front entry (environ advances)
 *   OP_UNSET_MIDDLE  unset an entry behind the front (the front entry
 *                    moves into the hole, then environ advances)
 *   OP_CLEAR_ADD     clearenv, then add a new name
 * on an initial list in which the target name T sits at every possible
 * position, optionally followed by a second add in the same run (which
 * reuses the slot an unset just left below the front).  One reader runs concurrently, chosen nondeterministically:
 *   a walker (libc's own getenv, a loop over environ, execve) or
 *   envsafe's getenv (index hit path, falling back to a walk).
 *
 * Properties (assertions):
 *   R1  no invalid read: every slot read is inside a buffer that was
 *       never freed, at or below its NULL terminator;
 *   R2  no false miss: T, which the operation does not change, is found;
 *   R4  no published string changes: every string read says what it
 *       said when it was first published.
 *
 * Memory model: by default sequential consistency (every interleaving
 * of single loads and stores).  With -DRA, release/acquire for one
 * writer: every store is logged, and a load may return any logged store
 * to its location that is not older than what the reader must already
 * see - its own earlier reads of that location (coherence) and every
 * store that happens before the last release store it acquired.  The
 * envsafe readers acquire on every load; -DPLAIN_WALKER instead runs a
 * walker that orders only through the address dependency on environ
 * (libc's getenv on aarch64).  What is left out: docs/VERIFICATION.md.
 *
 * Mutants, each expected to FAIL (tests/model/check.t):
 *   MUTANT_MOVE_LAST       unset fills the hole with the LAST entry and
 *                          moves the NULL terminator down (R2)
 *   MUTANT_ENVIRON_FIRST   add publishes environ before the slot (R2)
 *   MUTANT_FREE_OLD        growth frees the old buffer (R1)
 *   MUTANT_IN_PLACE        overwrite rewrites the old string (R4)
 *   MUTANT_NO_MOVE         unset of a middle entry only advances
 *                          environ, dropping the front entry (R2)
 *   MUTANT_RELAXED_PUBLISH add publishes environ with a relaxed store:
 *                          invisible under SC, caught with -DRA (R2)
 */

#define CAP0 4
#define CAP1 8

/* A pointer into a buffer: buffer * 16 + index. */
#define ENC(b, i) ((b) * 16 + (i))
#define BUF(p) ((p) / 16)
#define IDX(p) ((p) % 16)
#define NOWHERE 255

/* Names and the strings ("NAME=value") the model uses. */
#define NM_T 0
#define NM_A 1
#define NM_B 2
#define NM_C 3
#define NM_N 4
#define NM_M 5
#define NNAMES 6
#define STR_T 1 /* "T=1" */
#define STR_A 2 /* "A=1" */
#define STR_B 3 /* "B=1" */
#define STR_C 4 /* "C=1" */
#define STR_N 5 /* "N=1", the new name */
#define STR_A2 6 /* "A=2", the overwrite */
#define STR_M 7 /* "M=1", a second new name */
#define NSTR 8

#define OP_ADD 1
#define OP_GROW 2
#define OP_OVERWRITE 3
#define OP_UNSET_FRONT 4
#define OP_UNSET_MIDDLE 5
#define OP_CLEAR_ADD 6

/* Locations, for the release/acquire log. */
#define L_S0(i) (i)
#define L_S1(i) (5 + (i))
#define L_ENV 14
#define L_VIEW 15
#define L_VAL(n) (16 + (n))
#define L_SLOT(n) (22 + (n))
#define NLOC 28
#define LOGN 64

/* ---- shared memory (what readers can see) ---- */
byte s0[CAP0 + 1];  /* the first buffer; s0[CAP0] is NULL forever */
byte s1[CAP1 + 1];  /* the buffer growth publishes */
bit freed[2];
byte environ;       /* ENC(buffer, index) */
bit view;           /* es_current_view: which buffer */
byte e_value[NNAMES];    /* index entry: the live string, or 0 */
byte e_slot[NNAMES];    /* index entry: where it lives */
byte content[NSTR]; /* what each string currently says */

#ifdef RA
/* Every store ever made: location, value, and whether it was a release. */
byte log_loc[LOGN];
byte log_val[LOGN];
bit log_rel[LOGN];
byte nlog;
/* Reader's view: the log index of its last read of each location, and
 * the newest release store it has synchronised with. */
byte rd_last[NLOC];
byte rd_floor;
#endif

/* ---- constants and writer-private state ---- */
byte name_of[NSTR];
byte said[NSTR];    /* what each string said when created */
byte op;
bit twice;
byte start;         /* environ == &slots[start] of buffer wbuf */
bit wbuf;
bit done_setup;

inline cap_of(b, c) {
	if
	:: b == 0 -> c = CAP0
	:: else -> c = CAP1
	fi
}

/* The memory cell of location L (writer's own reads, and SC loads). */
inline mem_read(L, out) {
	if
	:: L < 5 -> out = s0[L]
	:: L >= 5 && L < 14 -> out = s1[L - 5]
	:: L == L_ENV -> out = environ
	:: L == L_VIEW -> out = view
	:: L >= 16 && L < 22 -> out = e_value[L - 16]
	:: L >= 22 -> out = e_slot[L - 22]
	fi
}

inline mem_write(L, v) {
	if
	:: L < 5 -> s0[L] = v
	:: L >= 5 && L < 14 -> s1[L - 5] = v
	:: L == L_ENV -> environ = v
	:: L == L_VIEW -> view = v
	:: L >= 16 && L < 22 -> e_value[L - 16] = v
	:: L >= 22 -> e_slot[L - 22] = v
	fi
}

/* One store by the writer: REL says release (else relaxed). */
inline store(L, v, rel) {
#ifdef RA
	d_step {
		mem_write(L, v);
		log_loc[nlog] = L; log_val[nlog] = v; log_rel[nlog] = rel;
		nlog++;
		assert(nlog < LOGN)
	}
#else
	d_step { mem_write(L, v) }
#endif
}

/*
 * One load by the reader.  ACQ: an acquire load (or, for the environ load
 * of a plain walker, the address dependency that orders what it reaches).
 */
inline load(L, out, acq) {
#ifdef RA
	atomic {
		/* Not older than the reader's last read of L (coherence) ... */
		rj = rd_last[L];
		/* ... nor than the newest store to L that happens before. */
		rk = rd_floor;
		do
		:: log_loc[rk] == L -> break
		:: else -> rk--
		od;
		if
		:: rk > rj -> rj = rk
		:: else -> skip
		fi;
		/* Any store to L from there on may be the one read. */
		do
		:: break
		:: true ->
			rk = rj + 1;
			do
			:: rk < nlog && log_loc[rk] != L -> rk++
			:: else -> break
			od;
			if
			:: rk < nlog -> rj = rk
			:: else -> break
			fi
		od;
		out = log_val[rj];
		rd_last[L] = rj;
		if
		:: acq && log_rel[rj] && rj > rd_floor -> rd_floor = rj
		:: else -> skip
		fi
	}
#else
	d_step { mem_read(L, out) }
#endif
}

/* One load of a slot, with the R1 check. */
inline load_slot(p, out, acq) {
	assert(!freed[BUF(p)]);                               /* R1 */
	if
	:: BUF(p) == 0 -> assert(IDX(p) <= CAP0); load(L_S0(IDX(p)), out, acq)
	:: else -> assert(IDX(p) <= CAP1); load(L_S1(IDX(p)), out, acq)
	fi
}

/* One store to a slot: release, except the copies into a buffer that
 * is not published yet. */
inline store_slot(b, i, v, rel) {
	if
	:: b == 0 -> store(L_S0(i), v, rel)
	:: else -> store(L_S1(i), v, rel)
	fi
}

/* Writer-private read of its own slots (no reader interaction). */
inline own_slot(b, i, out) {
	if
	:: b == 0 -> out = s0[i]
	:: else -> out = s1[i]
	fi
}

/* set_slot + the slot store + environ (es_add); the front has room. */
inline add_front(s) {
	atomic { ws = start - 1; wn = name_of[s] }
#ifdef MUTANT_ENVIRON_FIRST
	store(L_ENV, ENC(wbuf, ws), 1);
#endif
	store(L_SLOT(wn), ENC(wbuf, ws), 1);
	store(L_VAL(wn), s, 1);
	store_slot(wbuf, ws, s, 1);
#if defined(MUTANT_RELAXED_PUBLISH)
	store(L_ENV, ENC(wbuf, ws), 0);
#elif !defined(MUTANT_ENVIRON_FIRST)
	store(L_ENV, ENC(wbuf, ws), 1);
#endif
	start = ws
}

/* es_reserve_front when start == 0: copy the live list to the top of a
 * buffer twice as large, repoint the index, publish view then environ. */
inline grow() {
	wn = CAP0 - start;
	wj = 0;
	do
	:: wj < wn ->
		own_slot(0, start + wj, ws);
		store_slot(1, CAP1 - wn + wj, ws, 0); /* relaxed: not yet published */
		if
		:: e_value[name_of[ws]] == ws -> store(L_SLOT(name_of[ws]), ENC(1, CAP1 - wn + wj), 1)
		:: else -> skip
		fi;
		wj++
	:: else -> break
	od;
	store(L_VIEW, 1, 1);
	atomic { wbuf = 1; start = CAP1 - wn }
	store(L_ENV, ENC(1, start), 1);
#ifdef MUTANT_FREE_OLD
	freed[0] = 1;
#endif
	skip
}

/* es_remove(i). */
inline remove(i) {
	wf = start;
	own_slot(wbuf, i, wgone);
#if defined(MUTANT_MOVE_LAST)
	if
	:: i != wf ->
		own_slot(wbuf, CAP0 - 1, wm);
		store_slot(wbuf, i, wm, 1);
		if
		:: e_value[name_of[wm]] == wm -> store(L_SLOT(name_of[wm]), ENC(wbuf, i), 1)
		:: else -> skip
		fi;
		store_slot(wbuf, CAP0 - 1, 0, 1);
		if
		:: e_value[name_of[wgone]] == wgone -> store(L_VAL(name_of[wgone]), 0, 1)
		:: else -> skip
		fi
	:: else ->
		if
		:: e_value[name_of[wgone]] == wgone -> store(L_VAL(name_of[wgone]), 0, 1)
		:: else -> skip
		fi;
		start = wf + 1;
		store(L_ENV, ENC(wbuf, wf + 1), 1)
	fi
#else
	if
	:: i != wf ->
#ifndef MUTANT_NO_MOVE
		own_slot(wbuf, wf, wm);
		store_slot(wbuf, i, wm, 1);
		if
		:: e_value[name_of[wm]] == wm -> store(L_SLOT(name_of[wm]), ENC(wbuf, i), 1)
		:: else -> skip
		fi
#else
		skip
#endif
	:: else -> skip
	fi;
	if
	:: e_value[name_of[wgone]] == wgone -> store(L_VAL(name_of[wgone]), 0, 1)
	:: else -> skip
	fi;
	start = wf + 1;
	store(L_ENV, ENC(wbuf, wf + 1), 1)
#endif
}

proctype writer() {
	byte ws, wn, wj, wf, wm, wgone, wi;
	done_setup;
	if
	:: op == OP_ADD || op == OP_GROW ->
		if
		:: start == 0 -> grow()
		:: else -> skip
		fi;
		add_front(STR_N)
	:: op == OP_OVERWRITE ->
		atomic { wi = IDX(e_slot[NM_A]) }
#ifdef MUTANT_IN_PLACE
		content[STR_A] = said[STR_A2]
#else
		store_slot(wbuf, wi, STR_A2, 1);
		store(L_SLOT(NM_A), ENC(wbuf, wi), 1);
		store(L_VAL(NM_A), STR_A2, 1)
#endif
	:: op == OP_UNSET_FRONT ->
		remove(start)
	:: op == OP_UNSET_MIDDLE ->
		atomic { wi = IDX(e_slot[NM_A]) }
		remove(wi)
	:: op == OP_CLEAR_ADD ->
		/* es_clear: every index value first, then environ. */
		wj = 0;
		do
		:: wj < NNAMES -> store(L_VAL(wj), 0, 1); wj++
		:: else -> break
		od;
		atomic { start = CAP0 }
		store(L_ENV, ENC(wbuf, CAP0), 1);
		add_front(STR_N)
	fi;
	/* Optionally a second writer operation during the same walk: an add
	 * reusing the slot below the front (freed by an unset, or the next
	 * one down). */
	if
	:: twice ->
		if
		:: start == 0 -> grow()
		:: else -> skip
		fi;
		add_front(STR_M)
	:: else -> skip
	fi
}

#ifdef PLAIN_WALKER
#define WALK_ACQ 0
#else
#define WALK_ACQ 1
#endif

bit found;

/* A walk from P to the NULL, looking for T, checking R1 and R4. */
inline walk(p) {
	do
	:: true ->
		load_slot(p, rs, WALK_ACQ);
		if
		:: rs == 0 -> break
		:: else -> skip
		fi;
		assert(content[rs] == said[rs]);              /* R4 */
		if
		:: name_of[rs] == NM_T -> found = 1; break
		:: else -> p++
		fi
	od
}

proctype reader() {
	byte p, rs, rv, rslot, rview, rc, first, rj, rk;
	done_setup;
	load(L_ENV, p, 1);
	if
	:: walk(p)
#ifndef PLAIN_WALKER
	:: /* envsafe's getenv(T): src/lookup.c */
		load(L_VIEW, rview, 1);
		cap_of(rview, rc);
		if
		:: BUF(p) != rview || IDX(p) > rc -> walk(p)
		:: else ->
			load(L_VAL(NM_T), rv, 1);
			if
			:: rv == 0 -> skip /* miss path: only for names the index calls unset */
			:: else ->
				load(L_SLOT(NM_T), rslot, 1);
				if
				:: rslot != NOWHERE && BUF(rslot) == BUF(p) && IDX(rslot) >= IDX(p) && IDX(rslot) < rc ->
					load_slot(rslot, rs, 1);
					load_slot(p, first, 1);
					if
					:: rs == rv && first != 0 ->
						assert(content[rs] == said[rs]); /* R4 */
						found = (name_of[rs] == NM_T)
					:: else -> walk(p)
					fi
				:: else -> walk(p)
				fi
			fi
		fi
#endif
	fi;
	/* R2: every operation but clearenv leaves T alone. */
	assert(found || op == OP_CLEAR_ADD)
}

/* Place the live list: T at position pt among start..CAP0-1, the other
 * names in order around it. */
init {
	byte pt, i, k, others[4];
	d_step {
		name_of[STR_T] = NM_T; name_of[STR_A] = NM_A; name_of[STR_B] = NM_B;
		name_of[STR_C] = NM_C; name_of[STR_N] = NM_N; name_of[STR_A2] = NM_A;
		name_of[STR_M] = NM_M;
		i = 1;
		do
		:: i < NSTR -> said[i] = i; content[i] = i; i++
		:: else -> break
		od;
		i = 0;
		do
		:: i < NNAMES -> e_slot[i] = NOWHERE; i++
		:: else -> break
		od;
		others[0] = STR_B; others[1] = STR_A; others[2] = STR_C
	}
	if
	:: op = OP_ADD
	:: op = OP_GROW
	:: op = OP_OVERWRITE
	:: op = OP_UNSET_FRONT
	:: op = OP_UNSET_MIDDLE
	:: op = OP_CLEAR_ADD
	fi;
#ifndef SINGLE_OP
	if
	:: twice = 0
	:: twice = 1
	fi;
#endif
	if
	:: op == OP_GROW -> start = 0
	:: else -> start = 1
	fi;
	if
	:: pt = 0
	:: pt = 1
	:: pt = 2
	:: pt = 3
	fi;
	/* Layouts that do not fit the operation end here, cleanly: T must
	 * be live, and unsetting the front must not remove T itself. */
	if
	:: pt < start || (op == OP_UNSET_FRONT && pt == start) -> goto out
	:: else -> skip
	fi;
	d_step {
		k = 0;
		i = start;
		do
		:: i < CAP0 ->
			if
			:: i == pt -> s0[i] = STR_T
			:: else -> s0[i] = others[k]; k++
			fi;
			e_value[name_of[s0[i]]] = s0[i];
			e_slot[name_of[s0[i]]] = ENC(0, i);
			i++
		:: else -> break
		od;
		environ = ENC(0, start);
		view = 0;
		wbuf = 0;
#ifdef RA
		/* The initial values are the first stores of every location;
		 * creating the reader makes all of them visible to it. */
		i = 0;
		do
		:: i < NLOC ->
			mem_read(i, k);
			log_loc[i] = i; log_val[i] = k; log_rel[i] = 1;
			rd_last[i] = i;
			i++
		:: else -> break
		od;
		nlog = NLOC;
		rd_floor = NLOC - 1
#else
		skip
#endif
	}
	/* The middle unset removes A, which must not be the front entry. */
	if
	:: op == OP_UNSET_MIDDLE && IDX(e_slot[NM_A]) == start -> goto out
	:: else -> skip
	fi;
	run writer();
	run reader();
	done_setup = 1;
out:
	skip
}
