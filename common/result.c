/* result: to be written */
#include "config.h"
#include "common/result.h"
extern int result_stub_;
