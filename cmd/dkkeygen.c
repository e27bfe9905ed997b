/* dkkeygen: to be written */
#include "config.h"
#include <sysexits.h>
int main(void) { return EX_SOFTWARE; }
