/* Reading the environment-related facts out of one ELF file with libelf. */
#define _GNU_SOURCE
#include "scan_elf.h"

#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const scan_symbol_names[SCAN_SYMBOL_COUNT] = {
	[SCAN_SETENV] = "setenv",     [SCAN_UNSETENV] = "unsetenv",
	[SCAN_PUTENV] = "putenv",     [SCAN_CLEARENV] = "clearenv",
	[SCAN_ENVIRON] = "environ",   [SCAN___ENVIRON] = "__environ",
	[SCAN__ENVIRON] = "_environ",
};

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
	char **grown = realloc(out->needed, (out->needed_count + 1) * sizeof *grown);
	if (!grown)
		return -1;
	out->needed = grown;
	if (!(grown[out->needed_count] = strdup(name)))
		return -1;
	out->needed_count++;
	return 0;
}

/* Symbol indexes of DYNSYM that a copy relocation targets. */
static unsigned char *copied_symbols(Elf *elf, size_t dynsym_index, size_t nsyms, int machine)
{
	unsigned copy_type = copy_reloc_type(machine);
	unsigned char *copied = calloc(nsyms ? nsyms : 1, 1);
	if (!copied || !copy_type)
		return copied;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_link != dynsym_index ||
		    (shdr.sh_type != SHT_RELA && shdr.sh_type != SHT_REL))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t count = shdr.sh_entsize ? shdr.sh_size / shdr.sh_entsize : 0;
		for (size_t i = 0; data && i < count; i++) {
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
static void read_symbols(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, int dynamic,
			 struct scan_elf *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t nsyms = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
	if (!data)
		return;
	unsigned char *copied = dynamic ? copied_symbols(elf, elf_ndxscn(scn), nsyms, out->machine) : NULL;
	int defines_setenv = 0;
	for (size_t i = 1; i < nsyms; i++) {
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
}

static void read_dynamic(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr, struct scan_elf *out,
			 int *flags_1_pie)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count = shdr->sh_entsize ? shdr->sh_size / shdr->sh_entsize : 0;
	for (size_t i = 0; data && i < count; i++) {
		GElf_Dyn dyn;
		if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		const char *text = NULL;
		if (dyn.d_tag == DT_NEEDED || dyn.d_tag == DT_SONAME || dyn.d_tag == DT_RPATH ||
		    dyn.d_tag == DT_RUNPATH)
			text = elf_strptr(elf, shdr->sh_link, dyn.d_un.d_val);
		switch (dyn.d_tag) {
		case DT_NEEDED:
			if (text)
				append_needed(out, text);
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

	Elf_Scn *scn = NULL, *symtab = NULL;
	GElf_Shdr symtab_shdr;
	int have_dynsym = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr))
			continue;
		if (shdr.sh_type == SHT_DYNSYM) {
			read_symbols(elf, scn, &shdr, 1, out);
			have_dynsym = 1;
		} else if (shdr.sh_type == SHT_SYMTAB) {
			symtab = scn;
			symtab_shdr = shdr;
		} else if (shdr.sh_type == SHT_DYNAMIC) {
			read_dynamic(elf, scn, &shdr, out, &flags_1_pie);
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
	    (out->type == SCAN_TYPE_RELOCATABLE || out->type == SCAN_TYPE_STATIC))
		read_symbols(elf, symtab, &symtab_shdr, 0, out);
	return SCAN_ELF_OK;
}

enum scan_elf_status scan_elf_read(int fd, struct scan_elf *out, char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	if (!libelf_ready()) {
		snprintf(why, why_size, "libelf is unusable: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		snprintf(why, why_size, "cannot read: %s", elf_errmsg(-1));
		return SCAN_ELF_ERROR;
	}
	enum scan_elf_status status;
	if (elf_kind(elf) == ELF_K_ELF) {
		struct stat st;
		status = read_object(elf, fstat(fd, &st) == 0 ? st.st_size : 0, out, why, why_size);
	} else if (elf_kind(elf) == ELF_K_AR) {
		/* An archive uses what any of its members use. */
		Elf_Cmd cmd = ELF_C_READ_MMAP;
		Elf *member;
		int members = 0;
		status = SCAN_ELF_OK;
		while ((member = elf_begin(fd, cmd, elf))) {
			if (elf_kind(member) == ELF_K_ELF) {
				struct scan_elf one;
				memset(&one, 0, sizeof one);
				if (read_object(member, 0, &one, why, why_size) == SCAN_ELF_OK) {
					out->imports |= one.imports;
					out->contains |= one.contains;
					out->provides_environment |= one.provides_environment;
					out->is_envsafe |= one.is_envsafe;
					out->elf_class = one.elf_class;
					out->machine = one.machine;
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
	return status;
}

int scan_elf_identify(int fd, int *elf_class, int *machine)
{
	if (!libelf_ready())
		return -1;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
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
