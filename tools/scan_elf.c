/* Reading the environment-related facts out of one ELF file with libelf. */
#define _GNU_SOURCE
#include "scan_elf.h"
#include "scan_resolve.h" /* the closure bounds, for their descriptions */

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const scan_symbol_names[SCAN_SYMBOL_COUNT] = {
	[SCAN_SETENV] = "setenv",     [SCAN_UNSETENV] = "unsetenv",
	[SCAN_PUTENV] = "putenv",     [SCAN_CLEARENV] = "clearenv",
	[SCAN_ENVIRON] = "environ",   [SCAN___ENVIRON] = "__environ",
	[SCAN__ENVIRON] = "_environ",
};

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Indexed by bit number of enum scan_limit. */
static const struct {
	const char *name, *description;
} limit_texts[SCAN_LIMIT_COUNT] = {
	{ "symbol-tables",
	  "more than " STRINGIFY(SCAN_MAX_SYMBOL_TABLES) " symbol tables: the rest were not read" },
	{ "relocation-sections",
	  "more than " STRINGIFY(SCAN_MAX_RELOC_SECTIONS) " relocation sections: the rest were not read" },
	{ "needed", "more than " STRINGIFY(SCAN_MAX_NEEDED) " DT_NEEDED entries: the rest were not followed" },
	{ "search-path",
	  "a search path of more than " STRINGIFY(SCAN_MAX_SEARCH_ENTRIES) " entries: the rest were not searched" },
	{ "lookups", "more than " STRINGIFY(SCAN_MAX_LOOKUPS) " library lookups: the rest were not searched" },
	{ "closure", "more than " STRINGIFY(SCAN_MAX_CLOSURE) " libraries: the rest were not followed" },
};

static unsigned limit_index(unsigned bit)
{
	unsigned i = 0;
	while (i + 1 < SCAN_LIMIT_COUNT && !(bit & (1u << i)))
		i++;
	return i;
}

const char *scan_limit_description(unsigned bit)
{
	return limit_texts[limit_index(bit)].description;
}

const char *scan_limit_name(unsigned bit)
{
	return limit_texts[limit_index(bit)].name;
}

static int same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

int scan_open_regular(const char *path, struct stat *st)
{
	struct stat before;
	if (stat(path, &before) != 0)
		return SCAN_OPEN_ERROR;
	if (!S_ISREG(before.st_mode))
		return SCAN_OPEN_NOT_REGULAR;
	/* O_PATH opens nothing: no driver's open routine runs. */
	int pathfd = open(path, O_PATH | O_CLOEXEC);
	if (pathfd < 0)
		return SCAN_OPEN_ERROR;
	if (fstat(pathfd, st) != 0) {
		int saved = errno;
		close(pathfd);
		errno = saved;
		return SCAN_OPEN_ERROR;
	}
	if (!S_ISREG(st->st_mode)) {
		close(pathfd);
		return SCAN_OPEN_NOT_REGULAR;
	}
	/* The /proc link opens exactly the inode just checked. */
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	int fd = open(self, flags);
	if (fd < 0 && errno == ENOENT)
		fd = open(path, flags); /* no /proc: checked below instead */
	int saved = errno;
	close(pathfd);
	if (fd < 0) {
		errno = saved;
		return SCAN_OPEN_ERROR;
	}
	struct stat now;
	if (fstat(fd, &now) != 0 || !S_ISREG(now.st_mode) || !same_inode(&now, st)) {
		close(fd);
		errno = ESTALE;
		return SCAN_OPEN_ERROR;
	}
	*st = now;
	return fd;
}

static int libelf_ready(void)
{
	static int state; /* 0 unknown, 1 ready, -1 unusable */
	if (!state)
		state = elf_version(EV_CURRENT) != EV_NONE ? 1 : -1;
	return state > 0;
}

static int symbol_index(const char *name)
{
	for (int i = 0; i < SCAN_SYMBOL_COUNT; i++)
		if (strcmp(name, scan_symbol_names[i]) == 0)
			return i;
	return -1;
}

/* The relocation type by which a non-PIC executable takes its own copy
 * of a library variable such as environ; 0 where we do not know it. */
static unsigned copy_reloc_type(int machine)
{
	switch (machine) {
	case EM_X86_64: return R_X86_64_COPY;
	case EM_386: return R_386_COPY;
	case EM_AARCH64: return R_AARCH64_COPY;
	case EM_ARM: return R_ARM_COPY;
	case EM_PPC: return R_PPC_COPY;
	case EM_PPC64: return R_PPC64_COPY;
	case EM_S390: return R_390_COPY;
	case EM_RISCV: return 4; /* R_RISCV_COPY */
	default: return 0;
	}
}

const char *scan_machine_name(int machine)
{
	static char other[32];
	switch (machine) {
	case EM_X86_64: return "x86_64";
	case EM_386: return "i386";
	case EM_AARCH64: return "aarch64";
	case EM_ARM: return "arm";
	case EM_PPC: return "ppc";
	case EM_PPC64: return "ppc64";
	case EM_S390: return "s390";
	case EM_RISCV: return "riscv";
	case EM_MIPS: return "mips";
	default:
		snprintf(other, sizeof other, "machine %d", machine);
		return other;
	}
}

static int append_needed(struct scan_elf *out, const char *name)
{
	if (out->needed_count == SCAN_MAX_NEEDED) {
		out->limits |= SCAN_LIMIT_NEEDED;
		return 0;
	}
	char **grown = realloc(out->needed, (out->needed_count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	out->needed = grown;
	if (!(grown[out->needed_count] = strdup(name)))
		return -1;
	out->needed_count++;
	return 0;
}

/* The relocation sections of one object, listed once so that each
 * dynamic symbol table is matched against them without walking every
 * section again (which made many symbol tables quadratic). */
struct reloc_sections {
	Elf_Scn *scn[SCAN_MAX_RELOC_SECTIONS];
	size_t count;
};

/* Symbol indexes of DYNSYM that a copy relocation targets, or NULL with
 * *DAMAGED set when a relocation section cannot be read. */
static unsigned char *copied_symbols(const struct reloc_sections *relocs, size_t dynsym_index,
				     size_t nsyms, int machine, int *damaged)
{
	unsigned copy_type = copy_reloc_type(machine);
	unsigned char *copied = calloc(nsyms ? nsyms : 1, 1);
	if (!copied || !copy_type)
		return copied;
	for (size_t r = 0; r < relocs->count; r++) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(relocs->scn[r], &shdr) || shdr.sh_link != dynsym_index)
			continue;
		Elf_Data *data = elf_getdata(relocs->scn[r], NULL);
		if (!data) {
			*damaged = 1;
			free(copied);
			return NULL;
		}
		size_t count = shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
		for (size_t i = 0; i < count && i <= INT32_MAX; i++) {
			GElf_Rela rela;
			GElf_Rel rel;
			GElf_Xword info;
			if (shdr.sh_type == SHT_RELA) {
				if (!gelf_getrela(data, (int)i, &rela))
					break;
				info = rela.r_info;
			} else {
				if (!gelf_getrel(data, (int)i, &rel))
					break;
				info = rel.r_info;
			}
			/* gelf widens 32-bit r_info, so GELF_R_* fit both classes. */
			unsigned type = (unsigned)GELF_R_TYPE(info);
			size_t sym = GELF_R_SYM(info);
			if (type == copy_type && sym < nsyms)
				copied[sym] = 1;
		}
	}
	return copied;
}

/* Walks one symbol table.  Undefined entries are imports; defined ones
 * matter for telling a C library (or libenvsafe) from its users. */
static int read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr,
			const struct reloc_sections *relocs, struct scan_elf *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t nsyms = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
	if (!data)
		return -1;
	int damaged = 0;
	unsigned char *copied = relocs ? copied_symbols(relocs, elf_ndxscn(scn), nsyms, out->machine,
							&damaged) : NULL;
	if (damaged)
		return -1;
	int defines_setenv = 0;
	for (size_t i = 1; i < nsyms && i <= INT32_MAX; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			break;
		const char *name = elf_strptr(elf, shdr->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		int bind = GELF_ST_BIND(sym.st_info);
		if (bind == STB_LOCAL)
			continue;
		int which = symbol_index(name);
		if (sym.st_shndx == SHN_UNDEF) {
			if (which >= 0)
				out->imports |= 1u << which;
			continue;
		}
		if (which >= 0 && copied && copied[i]) {
			out->imports |= 1u << which;
			continue;
		}
		if (which >= 0)
			out->contains |= 1u << which;
		if (which == SCAN_SETENV)
			defines_setenv = 1;
		if (strcmp(name, "envsafe_version") == 0)
			out->is_envsafe = 1;
	}
	free(copied);
	if (defines_setenv)
		out->provides_environment = 1;
	return 0;
}

static int read_dynamic(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, struct scan_elf *out,
			int *flags_1_pie)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data)
		return -1;
	size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
	for (size_t i = 0; i < count && i <= INT32_MAX; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		const char *text = NULL;
		if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_SONAME || dyn.d_tag == DT_RPATH ||
		    dyn.d_tag == DT_RUNPATH)
			text = elf_strptr(elf, shdr->sh_link, dyn.d_un.d_val);
		switch (dyn.d_tag) {
		case DT_NEEDED:
			if (text && append_needed(out, text) != 0)
				return -1;
			break;
		case DT_SONAME:
			if (text && !out->soname)
				out->soname = strdup(text);
			break;
		case DT_RPATH:
			if (text && !out->rpath)
				out->rpath = strdup(text);
			break;
		case DT_RUNPATH:
			if (text && !out->runpath)
				out->runpath = strdup(text);
			break;
		case DT_FLAGS_1:
			if (dyn.d_un.d_val & DF_1_PIE)
				*flags_1_pie = 1;
			break;
		}
	}
	return 0;
}

/* FILE_SIZE is 0 for archive members, whose bounds libelf checks. */
static enum scan_elf_status read_object(Elf *elf, off_t file_size, struct scan_elf *out,
					char *why, size_t why_size)
{
	GElf_Ehdr ehdr;
	if (!gelf_getehdr(elf, &ehdr)) {
		snprintf(why, why_size, "damaged ELF header: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	out->elf_class = gelf_getclass(elf);
	out->machine = ehdr.e_machine;

	/* A cut-off file would otherwise pass for one without program
	 * headers (a "static" executable) or without symbols ("ok"):
	 * libelf quietly clamps the counts to what fits, so the header's own
	 * counts are checked against the file size. */
	size_t phnum = 0, shnum = 0;
	GElf_Off want_ph = ehdr.e_phnum == PN_XNUM ? 0 : ehdr.e_phnum;
	GElf_Off want_sh = ehdr.e_shnum;
	if (elf_getphdrnum(elf, &phnum) != 0 || elf_getshdrnum(elf, &shnum) != 0 ||
	    (file_size > 0 &&
	     ((want_ph && ehdr.e_phoff + want_ph * ehdr.e_phentsize > (GElf_Off)file_size) ||
	      (want_sh && ehdr.e_shoff + want_sh * ehdr.e_shentsize > (GElf_Off)file_size)))) {
		snprintf(why, why_size, "truncated or damaged ELF file");
		return SCAN_ELF_ERROR;
	}

	int has_interp = 0, has_dynamic = 0, flags_1_pie = 0;
	for (size_t i = 0; i < phnum; i++) {
		GElf_Phdr phdr;
		if (!gelf_getphdr(elf, (int)i, &phdr)) {
			snprintf(why, why_size, "damaged program header: %s", elf_errmsg(-1));
			return SCAN_ELF_ERROR;
		}
		has_interp |= phdr.p_type == PT_INTERP;
		has_dynamic |= phdr.p_type == PT_DYNAMIC;
	}

	/* One pass to list the relocation sections, one to read the rest:
	 * linear in the number of sections, however many there are. */
	struct reloc_sections relocs = { .count = 0 };
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || (shdr.sh_type != SHT_RELA && shdr.sh_type != SHT_REL))
			continue;
		if (relocs.count == SCAN_MAX_RELOC_SECTIONS) {
			out->limits |= SCAN_LIMIT_RELOC_SECTIONS;
			break;
		}
		relocs.scn[relocs.count++] = scn;
	}

	scn = NULL;
	Elf_Scn *symtab = NULL, *dynamic = NULL;
	GElf_Shdr symtab_shdr;
	int have_dynsym = 0, symbol_tables = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		int failed = 0;
		if (shdr.sh_type == SHT_DYNSYM || shdr.sh_type == SHT_SYMTAB) {
			if (symbol_tables == SCAN_MAX_SYMBOL_TABLES) {
				out->limits |= SCAN_LIMIT_SYMBOL_TABLES;
				continue;
			}
			symbol_tables++;
			if (shdr.sh_type == SHT_DYNSYM) {
				failed = read_symbols(elf, scn, &shdr, &relocs, out) != 0;
				have_dynsym = 1;
			} else if (!symtab) {
				symtab = scn;
				symtab_shdr = shdr;
			}
		} else if (shdr.sh_type == SHT_DYNAMIC && !dynamic) {
			/* The dynamic linker reads one dynamic array. */
			dynamic = scn;
			failed = read_dynamic(elf, scn, &shdr, out, &flags_1_pie) != 0;
		}
		if (failed) {
			snprintf(why, why_size, "damaged section %zu: %s", elf_ndxscn(scn), elf_errmsg(-1));
			return SCAN_ELF_ERROR;
		}
	}

	switch (ehdr.e_type) {
	case ET_REL:
		out->type = SCAN_TYPE_RELOCATABLE;
		break;
	case ET_EXEC:
		out->type = has_dynamic ? SCAN_TYPE_EXECUTABLE : SCAN_TYPE_STATIC;
		break;
	case ET_DYN:
		if (!has_dynamic && !has_interp)
			out->type = SCAN_TYPE_STATIC; /* static-pie */
		else if (has_interp || flags_1_pie)
			out->type = SCAN_TYPE_PIE;
		else
			out->type = SCAN_TYPE_SHARED_OBJECT;
		break;
	default:
		out->type = SCAN_TYPE_OTHER;
		break;
	}
	/* Objects and static executables have no dynamic symbols: what they
	 * use or contain is in the full symbol table, if not stripped. */
	if (!have_dynsym && symtab &&
	    (out->type == SCAN_TYPE_RELOCATABLE || out->type == SCAN_TYPE_STATIC) &&
	    read_symbols(elf, symtab, &symtab_shdr, NULL, out) != 0) {
		snprintf(why, why_size, "damaged symbol table: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	return SCAN_ELF_OK;
}

/* Whether the file on FD still is what BEFORE described. */
static int unchanged_since(int fd, const struct stat *before)
{
	struct stat now;
	return fstat(fd, &now) == 0 && same_inode(&now, before) && now.st_size == before->st_size &&
	       now.st_mtim.tv_sec == before->st_mtim.tv_sec &&
	       now.st_mtim.tv_nsec == before->st_mtim.tv_nsec;
}

static void merge_member(struct scan_elf *out, const struct scan_elf *one)
{
	out->imports |= one->imports;
	out->contains |= one->contains;
	out->provides_environment |= one->provides_environment;
	out->is_envsafe |= one->is_envsafe;
	out->limits |= one->limits;
	out->elf_class = one->elf_class;
	out->machine = one->machine;
}

enum scan_elf_status scan_elf_read(int fd, struct scan_elf *out, char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	if (!libelf_ready()) {
		snprintf(why, why_size, "libelf is unusable: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	struct stat before;
	if (fstat(fd, &before) != 0) {
		snprintf(why, why_size, "cannot stat: %s", strerror(errno));
		return SCAN_ELF_ERROR;
	}
	/* ELF_C_READ, not ELF_C_READ_MMAP: a mapped file that is truncated
	 * meanwhile raises SIGBUS, a read one only comes up short. */
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		snprintf(why, why_size, "cannot read: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	enum scan_elf_status status;
	if (elf_kind(elf) == ELF_K_ELF) {
		status = read_object(elf, before.st_size, out, why, why_size);
	} else if (elf_kind(elf) == ELF_K_AR) {
		/* An archive uses what any of its members use. */
		Elf_Cmd cmd = ELF_C_READ;
		Elf *member;
		int members = 0;
		status = SCAN_ELF_OK;
		while ((member = elf_begin(fd, cmd, elf))) {
			if (elf_kind(member) == ELF_K_ELF) {
				struct scan_elf one;
				memset(&one, 0, sizeof one);
				if (read_object(member, 0, &one, why, why_size) == SCAN_ELF_OK) {
					merge_member(out, &one);
					members++;
				}
				scan_elf_free(&one);
			}
			cmd = elf_next(member);
			elf_end(member);
		}
		out->type = SCAN_TYPE_ARCHIVE;
		if (!members) {
			snprintf(why, why_size, "an ar archive with no ELF members");
			status = SCAN_ELF_NOT_ELF;
		}
	} else {
		snprintf(why, why_size, "not an ELF file");
		status = SCAN_ELF_NOT_ELF;
	}
	elf_end(elf);
	/* What was read from a file that changed meanwhile may be anything
	 * (libelf reads sections on demand). */
	if (!unchanged_since(fd, &before)) {
		scan_elf_free(out);
		snprintf(why, why_size, "the file changed while it was read");
		return SCAN_ELF_ERROR;
	}
	return status;
}

int scan_elf_identify(int fd, int *elf_class, int *machine)
{
	if (!libelf_ready())
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		return -1;
	GElf_Ehdr ehdr;
	int rc = -1;
	if (elf_kind(elf) == ELF_K_ELF && gelf_getehdr(elf, &ehdr)) {
		*elf_class = gelf_getclass(elf);
		*machine = ehdr.e_machine;
		rc = ehdr.e_type == ET_DYN ? 0 : -1;
	}
	elf_end(elf);
	return rc;
}

void scan_elf_free(struct scan_elf *elf)
{
	for (size_t i = 0; i < elf->needed_count; i++)
		free(elf->needed[i]);
	free(elf->needed);
	free(elf->soname);
	free(elf->rpath);
	free(elf->runpath);
	memset(elf, 0, sizeof *elf);
}
