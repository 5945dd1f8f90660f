#include "envsafe.h"
#include "state.h"

#define ES_STR2(x) #x
#define ES_STR(x) ES_STR2(x)

ES_EXPORT const char *envsafe_version(void)
{
	return ES_STR(ENVSAFE_VERSION_MAJOR) "." ES_STR(ENVSAFE_VERSION_MINOR) "." ES_STR(ENVSAFE_VERSION_PATCH);
}
