/*
 * scan_truncate_shim.c - preloaded into `envsafe scan` by scan_hostile.t:
 * the first time scan asks libelf for a section's data, the file named by
 * SCAN_TEST_TRUNCATE is cut to 64 bytes, as if another process truncated
 * it while scan was reading it (after its size was checked).  Touching a
 * page of a mapped file past its new end raises SIGBUS; reading it only
 * comes up short.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

Elf_Data *elf_getdata(Elf_Scn *scn, Elf_Data *data)
{
	static int truncated;
	const char *target = getenv("SCAN_TEST_TRUNCATE");
	if (!truncated && target) {
		truncated = 1;
		if (truncate(target, 64) != 0)
			perror("scan_truncate_shim: truncate");
	}
	Elf_Data *(*real)(Elf_Scn *, Elf_Data *) =
		(Elf_Data * (*)(Elf_Scn *, Elf_Data *)) dlsym(RTLD_NEXT, "elf_getdata");
	return real(scn, data);
}
