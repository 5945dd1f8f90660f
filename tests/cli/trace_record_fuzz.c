/*
 * trace_record_fuzz - libFuzzer target: arbitrary bytes as one record for
 * tools/trace_record.c.  Any input must either be rejected or give an
 * event within the limits of src/observe_record.h; ASan and UBSan catch
 * every out-of-bounds access on the way.  `make check-fuzz` runs it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace_model.h"

static void require(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_event ev;
	if (trace_parse_record((const char *)data, size, &ev) != 0) {
		require(!ev.op && !ev.frames && !ev.name && !ev.value && !ev.thread_name);
		return 0;
	}
	require(size < ES_RECORD_MAX && ev.nsec >= 0 && ev.nsec <= 999999999 && ev.sec >= 0);
	require(ev.pid > 0 && ev.tid > 0 && ev.threads >= 0);
	require((ev.flags & ~ES_REC_FLAGS_ALL) == 0);
	require(ev.nframes >= 0 && ev.nframes <= ES_RECORD_FRAMES_MAX);
	require(ev.skip >= 0 && ev.skip <= ev.nframes);
	require(ev.thread_name && strlen(ev.thread_name) <= ES_RECORD_COMM_MAX);
	require(!ev.name || strlen(ev.name) <= ES_RECORD_NAME_MAX);
	require(!ev.value || strlen(ev.value) <= ES_RECORD_VALUE_MAX);
	const struct trace_frame *site = trace_call_site(&ev);
	require(!site || (site >= ev.frames && site < ev.frames + ev.nframes));
	trace_event_free(&ev);
	return 0;
}
