#include "config.h"
#include "t/tap/basic.h"
int main(void) { plan(1); skip("not written yet"); return 0; }
