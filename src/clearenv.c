#include <stdlib.h>

#include "state.h"
#include "writer.h"

/* Leaves environ pointing at an empty list (never NULL), so that code
 * which walks environ without checking for NULL keeps working. */
ES_EXPORT int clearenv(void)
{
	es_writer_begin(ES_OP_CLEARENV, NULL, 0, NULL);
	es_clear();
	return es_writer_end(0);
}
