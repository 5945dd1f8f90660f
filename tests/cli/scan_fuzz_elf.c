/*
 * scan_fuzz_elf.c - libFuzzer target for scan's ELF reader: each input
 * is an ELF file (or anything else) in a memory file, read by
 * scan_elf_read and scan_elf_identify, and every string they return is
 * escaped for text and JSON.  Checked: no sanitizer report, no leak, the
 * DT_NEEDED bound, and an explanation for every refusal.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "escape.h"
#include "scan_elf.h"
#include "scan_fuzz_check.h"

static void escape_both(FILE *sink, const char *s)
{
	if (!s)
		return;
	escape_text(sink, s);
	escape_json(sink, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static FILE *sink;
	if (fd < 0) {
		fd = memfd_create("scan-fuzz-elf", MFD_CLOEXEC);
		sink = fopen("/dev/null", "w");
		CHECK(fd >= 0 && sink);
	}
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	struct scan_elf elf;
	char why[256];
	why[0] = '\0';
	enum scan_elf_status status = scan_elf_read(fd, &elf, why, sizeof why);
	if (status != SCAN_ELF_OK) {
		CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why));
	} else {
		CHECK(elf.needed_count <= SCAN_MAX_NEEDED);
		CHECK(!(elf.limits & ~((1u << SCAN_LIMIT_COUNT) - 1)));
		for (size_t i = 0; i < elf.needed_count; i++)
			escape_both(sink, elf.needed[i]);
		escape_both(sink, elf.soname);
		escape_both(sink, elf.rpath);
		escape_both(sink, elf.runpath);
		for (unsigned bit = 1; bit < 1u << SCAN_LIMIT_COUNT; bit <<= 1)
			if (elf.limits & bit)
				escape_both(sink, scan_limit_description(bit));
	}
	scan_elf_free(&elf);
	int elf_class, machine;
	(void)scan_elf_identify(fd, &elf_class, &machine);
	return 0;
}
