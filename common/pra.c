/* pra: to be written */
#include "config.h"
#include "common/pra.h"
extern int pra_stub_;
