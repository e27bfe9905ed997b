/* bench/resolv-port.c: an LD_PRELOAD shim that points the glibc resolver
 * of a peer tool at the benchmark's local DNS server (t/dnsd.py on
 * 127.0.0.1, port in $BENCH_DNS_PORT), so that libopendkim
 * (opendkim-testmsg) and libspf2 (spfquery.libspf2), which read only
 * /etc/resolv.conf, ask the same server as senderauth's --nameserver,
 * never the internet.  Both libraries call __res_ninit() then
 * res_nquery(); glibc uses a res_state's nsaddr_list (port included) when
 * the application has changed it after res_ninit (resolv/resolv_conf.c,
 * resolv_conf_matches).  Cost: one tiny extra shared object per process.
 *
 * Built by bench/lib.sh into its scratch directory:
 *   cc -shared -fPIC -O2 -o resolv-port.so bench/resolv-port.c -ldl
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

static void point_at_local(res_state statp)
{
	const char *p = getenv("BENCH_DNS_PORT");
	long port = p != NULL ? strtol(p, NULL, 10) : 0;

	/* Never the servers of /etc/resolv.conf: without a usable port, the
	 * DNS port of loopback (where nothing answers, so lookups fail). */
	if (port <= 0 || port > 65535)
		port = 53;
	statp->nscount = 1;
	memset(&statp->nsaddr_list[0], 0, sizeof statp->nsaddr_list[0]);
	statp->nsaddr_list[0].sin_family = AF_INET;
	statp->nsaddr_list[0].sin_port = htons((unsigned short)port);
	statp->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int __res_ninit(res_state statp)
{
	int (*real)(res_state) = (int (*)(res_state))dlsym(RTLD_NEXT, "__res_ninit");
	int r;

	if (real == NULL)
		return -1;
	r = real(statp);
	if (r == 0)
		point_at_local(statp);
	return r;
}
