/* dns: to be written */
#include "config.h"
#include "common/dns.h"
extern int dns_stub_;
