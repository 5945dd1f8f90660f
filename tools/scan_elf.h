/* What `envsafe scan` needs to know about one ELF file, read with libelf. */
#ifndef ENVSAFE_TOOLS_SCAN_ELF_H
#define ENVSAFE_TOOLS_SCAN_ELF_H

#include <stddef.h>

/* The symbols whose use makes a program race-prone: the writers, and the
 * variable that lets code walk the environment without getenv. */
enum scan_symbol {
	SCAN_SETENV,
	SCAN_UNSETENV,
	SCAN_PUTENV,
	SCAN_CLEARENV,
	SCAN_ENVIRON,
	SCAN___ENVIRON,
	SCAN__ENVIRON,
	SCAN_SYMBOL_COUNT,
};
#define SCAN_WRITERS ((1u << SCAN_SETENV) | (1u << SCAN_UNSETENV) | (1u << SCAN_PUTENV) | \
		      (1u << SCAN_CLEARENV))

extern const char *const scan_symbol_names[SCAN_SYMBOL_COUNT];

enum scan_elf_type {
	SCAN_TYPE_EXECUTABLE,     /* ET_EXEC, dynamically linked */
	SCAN_TYPE_PIE,            /* ET_DYN with an interpreter or DF_1_PIE */
	SCAN_TYPE_SHARED_OBJECT,  /* any other ET_DYN */
	SCAN_TYPE_STATIC,         /* an executable with no dynamic section */
	SCAN_TYPE_RELOCATABLE,    /* ET_REL (.o) */
	SCAN_TYPE_ARCHIVE,        /* ar archive of objects (.a) */
	SCAN_TYPE_OTHER,          /* core files and the like */
};

struct scan_elf {
	enum scan_elf_type type;
	int elf_class;            /* ELFCLASS32 / ELFCLASS64 */
	int machine;              /* EM_* */
	unsigned imports;         /* bit per scan_symbol: referenced, not defined here */
	unsigned contains;        /* bit per scan_symbol defined here (static executables) */
	int provides_environment; /* defines setenv itself (a C library, libenvsafe) */
	int is_envsafe;           /* defines envsafe_version */
	char *soname, *rpath, *runpath;
	char **needed;
	size_t needed_count;
};

enum scan_elf_status { SCAN_ELF_OK, SCAN_ELF_NOT_ELF, SCAN_ELF_ERROR };

/* Reads the ELF file open on FD.  On SCAN_ELF_NOT_ELF and SCAN_ELF_ERROR,
 * WHY holds a short explanation. */
enum scan_elf_status scan_elf_read(int fd, struct scan_elf *out, char *why, size_t why_size);

/* Reads only the class and machine, to reject a library built for
 * another architecture the way the dynamic linker does; 0 on success. */
int scan_elf_identify(int fd, int *elf_class, int *machine);

void scan_elf_free(struct scan_elf *elf);

/* "x86_64", "aarch64", ... or "machine N". */
const char *scan_machine_name(int machine);

#endif
