/* What `envsafe scan` needs to know about one ELF file, read with libelf. */
#ifndef ENVSAFE_TOOLS_SCAN_ELF_H
#define ENVSAFE_TOOLS_SCAN_ELF_H

#include <stddef.h>
#include <sys/stat.h>

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

/* Bounds on the work done for one object.  A real object stays far
 * below each; a file that reaches one is only partly analysed, and the
 * bit for that bound is set in scan_elf.limits (or scan_closure.limits),
 * so the report can say so. */
#define SCAN_MAX_SYMBOL_TABLES 16    /* SHT_DYNSYM and SHT_SYMTAB sections read */
#define SCAN_MAX_RELOC_SECTIONS 64   /* SHT_REL/SHT_RELA sections searched for copies */
#define SCAN_MAX_NEEDED 1024         /* DT_NEEDED entries kept */
enum scan_limit {
	SCAN_LIMIT_SYMBOL_TABLES = 1u << 0,
	SCAN_LIMIT_RELOC_SECTIONS = 1u << 1,
	SCAN_LIMIT_NEEDED = 1u << 2,
	SCAN_LIMIT_SEARCH_PATH = 1u << 3,  /* scan_resolve.h */
	SCAN_LIMIT_LOOKUPS = 1u << 4,      /* scan_resolve.h */
	SCAN_LIMIT_CLOSURE = 1u << 5,      /* scan_resolve.h */
	SCAN_LIMIT_COUNT = 6,
};

/* One line saying which bound BIT (one enum scan_limit) is, for reports:
 * "more than 16 symbol tables", ... */
const char *scan_limit_description(unsigned bit);
/* A short stable name for BIT, for JSON: "symbol-tables", ... */
const char *scan_limit_name(unsigned bit);

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
	unsigned limits;          /* enum scan_limit bits reached while reading */
};

enum scan_elf_status { SCAN_ELF_OK, SCAN_ELF_NOT_ELF, SCAN_ELF_ERROR };

/* Opens PATH for reading if, and only if, it is a regular file, without
 * ever opening anything else: PATH is stat()ed first (symbolic links
 * followed), then opened with O_PATH and checked again with fstat, and
 * only that same inode is opened for reading (through /proc/self/fd, or
 * by name with O_NONBLOCK and an inode check when /proc is missing).  A
 * device, FIFO or socket named by an untrusted file is thus never
 * opened, even if it replaces a regular file meanwhile.
 * Returns the descriptor (O_RDONLY|O_CLOEXEC|O_NONBLOCK|O_NOCTTY, fstat
 * result in *ST), SCAN_OPEN_NOT_REGULAR, or SCAN_OPEN_ERROR with errno
 * set. */
#define SCAN_OPEN_ERROR (-1)
#define SCAN_OPEN_NOT_REGULAR (-2)
int scan_open_regular(const char *path, struct stat *st);

/* Reads the ELF file open on FD with libelf's ELF_C_READ (read(2), never
 * mmap(2), so a file cut short meanwhile cannot raise SIGBUS).  A file
 * whose size, time or inode changed while it was read is an error.  On
 * SCAN_ELF_NOT_ELF and SCAN_ELF_ERROR, WHY holds a short explanation. */
enum scan_elf_status scan_elf_read(int fd, struct scan_elf *out, char *why, size_t why_size);

/* Reads only the class and machine, to reject a library built for
 * another architecture the way the dynamic linker does; 0 for a shared
 * object (ET_DYN), -1 for anything else. */
int scan_elf_identify(int fd, int *elf_class, int *machine);

void scan_elf_free(struct scan_elf *elf);

/* "x86_64", "aarch64", ... or "machine N". */
const char *scan_machine_name(int machine);

#endif
