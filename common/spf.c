/* spf: to be written */
#include "config.h"
#include "common/spf.h"
extern int spf_stub_;
