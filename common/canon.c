/* canon: to be written */
#include "config.h"
#include "common/canon.h"
extern int canon_stub_;
