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
 * Memory model: sequential consistency (every interleaving of single
 * loads and stores).  What that leaves out is in docs/VERIFICATION.md.
 *
 * Mutants, each expected to FAIL (tests/model/check.t):
 *   MUTANT_MOVE_LAST       unset fills the hole with the LAST entry and
 *                          moves the NULL terminator down (R2)
 *   MUTANT_ENVIRON_FIRST   add publishes environ before the slot (R2)
 *   MUTANT_FREE_OLD        growth frees the old buffer (R1)
 *   MUTANT_IN_PLACE        overwrite rewrites the old string (R4)
 *   MUTANT_NO_MOVE         unset of a middle entry only advances
 *                          environ, dropping the front entry (R2)
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

/* ---- shared memory (what readers can see) ---- */
byte s0[CAP0 + 1];  /* the first buffer; s0[CAP0] is NULL forever */
byte s1[CAP1 + 1];  /* the buffer growth publishes */
bit freed[2];
byte environ;       /* ENC(buffer, index) */
bit view;           /* es_current_view: which buffer */
byte e_value[NNAMES];    /* index entry: the live string, or 0 */
byte e_slot[NNAMES];    /* index entry: where it lives */
byte content[NSTR]; /* what each string currently says */

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

/* One load of a slot, with the R1 check. */
inline load_slot(p, out) {
	d_step {
		assert(!freed[BUF(p)]);                       /* R1 */
		if
		:: BUF(p) == 0 -> assert(IDX(p) <= CAP0); out = s0[IDX(p)]
		:: else -> assert(IDX(p) <= CAP1); out = s1[IDX(p)]
		fi
	}
}

/* One store to a slot (release in the implementation). */
inline store_slot(b, i, v) {
	d_step {
		if
		:: b == 0 -> s0[i] = v
		:: else -> s1[i] = v
		fi
	}
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
	environ = ENC(wbuf, ws);
#endif
	e_slot[wn] = ENC(wbuf, ws);
	e_value[wn] = s;
	store_slot(wbuf, ws, s);
#ifndef MUTANT_ENVIRON_FIRST
	environ = ENC(wbuf, ws);
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
		store_slot(1, CAP1 - wn + wj, ws);
		if
		:: e_value[name_of[ws]] == ws -> e_slot[name_of[ws]] = ENC(1, CAP1 - wn + wj)
		:: else -> skip
		fi;
		wj++
	:: else -> break
	od;
	view = 1;
	atomic { wbuf = 1; start = CAP1 - wn }
	environ = ENC(1, start);
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
		store_slot(wbuf, i, wm);
		if
		:: e_value[name_of[wm]] == wm -> e_slot[name_of[wm]] = ENC(wbuf, i)
		:: else -> skip
		fi;
		store_slot(wbuf, CAP0 - 1, 0);
		if
		:: e_value[name_of[wgone]] == wgone -> e_value[name_of[wgone]] = 0
		:: else -> skip
		fi
	:: else ->
		if
		:: e_value[name_of[wgone]] == wgone -> e_value[name_of[wgone]] = 0
		:: else -> skip
		fi;
		start = wf + 1;
		environ = ENC(wbuf, wf + 1)
	fi
#else
	if
	:: i != wf ->
#ifndef MUTANT_NO_MOVE
		own_slot(wbuf, wf, wm);
		store_slot(wbuf, i, wm);
		if
		:: e_value[name_of[wm]] == wm -> e_slot[name_of[wm]] = ENC(wbuf, i)
		:: else -> skip
		fi
#else
		skip
#endif
	:: else -> skip
	fi;
	if
	:: e_value[name_of[wgone]] == wgone -> e_value[name_of[wgone]] = 0
	:: else -> skip
	fi;
	start = wf + 1;
	environ = ENC(wbuf, wf + 1)
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
		store_slot(wbuf, wi, STR_A2);
		e_slot[NM_A] = ENC(wbuf, wi);
		e_value[NM_A] = STR_A2
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
		:: wj < NNAMES -> e_value[wj] = 0; wj++
		:: else -> break
		od;
		atomic { start = CAP0 }
		environ = ENC(wbuf, CAP0);
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

bit found;

/* A walk from P to the NULL, looking for T, checking R1 and R4. */
inline walk(p) {
	do
	:: true ->
		load_slot(p, rs);
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

#ifdef WEAK_WALKER
/*
 * A walker whose plain loads of different slots are performed in any
 * order (allowed on aarch64 for libc's getenv: its slot loads depend on
 * the environ load, not on each other).  The extreme order, top slot
 * first, stands for all of them; the walk is then evaluated bottom up.
 */
proctype reader() {
	byte p, rs, rc, k, got[CAP1 + 1];
	done_setup;
	p = environ;
	cap_of(BUF(p), rc);
	k = rc;
	do
	:: k >= IDX(p) ->
		load_slot(ENC(BUF(p), k), rs);
		got[k] = rs;
		if
		:: k == 0 -> break
		:: else -> k--
		fi
	:: else -> break
	od;
	k = IDX(p);
	do
	:: got[k] == 0 -> break
	:: else ->
		if
		:: name_of[got[k]] == NM_T -> found = 1; break
		:: else -> k++
		fi
	od;
	assert(found || op == OP_CLEAR_ADD)
}
#else
proctype reader() {
	byte p, rs, rv, rslot, rview, rc, first;
	done_setup;
	p = environ;
	if
	:: walk(p)
	:: /* envsafe's getenv(T): src/lookup.c */
		rview = view;
		cap_of(rview, rc);
		if
		:: BUF(p) != rview || IDX(p) > rc -> walk(p)
		:: else ->
			rv = e_value[NM_T];
			if
			:: rv == 0 -> skip /* miss path: only for names the index calls unset */
			:: else ->
				rslot = e_slot[NM_T];
				if
				:: rslot != NOWHERE && BUF(rslot) == BUF(p) && IDX(rslot) >= IDX(p) && IDX(rslot) < rc ->
					load_slot(rslot, rs);
					load_slot(p, first);
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
	fi;
	/* R2: every operation but clearenv leaves T alone. */
	assert(found || op == OP_CLEAR_ADD)
}
#endif

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
		wbuf = 0
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
