/* addr: to be written */
#include "config.h"
#include "common/addr.h"
extern int addr_stub_;
