/*
 * scan_escape_filter.c - `escape-filter json|text`: stdin, escaped by
 * tools/escape.c the way scan and trace escape names, on stdout.  Lets
 * scan_escape.t compare the encoders with Python's strict decoders.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "json") != 0 && strcmp(argv[1], "text") != 0)) {
		fprintf(stderr, "usage: escape-filter json|text <BYTES\n");
		return 2;
	}
	char buf[1 << 16];
	size_t len = fread(buf, 1, sizeof buf, stdin);
	if (ferror(stdin) || !feof(stdin)) {
		fprintf(stderr, "escape-filter: input error or longer than %zu bytes\n", sizeof buf);
		return 2;
	}
	if (strcmp(argv[1], "json") == 0)
		escape_json_bytes(stdout, buf, len);
	else
		escape_text_bytes(stdout, buf, len);
	return fflush(stdout) == 0 ? 0 : 1;
}
