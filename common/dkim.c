/* dkim: to be written */
#include "config.h"
#include "common/dkim.h"
extern int dkim_stub_;
