/* taglist: to be written */
#include "config.h"
#include "common/taglist.h"
extern int taglist_stub_;
