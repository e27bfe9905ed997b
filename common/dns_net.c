/*
 * dns_net: the network path of a query.  It is ours, not ldns's, because a
 * stub resolver's integrity is in it (RFC 5452): every query has a random
 * ID from the kernel (getrandom) and a fresh socket (a random ephemeral
 * port), and a reply is used only when its source address and port, ID, QR
 * bit and question (name, type, class) match; anything else is dropped
 * and the wait goes on.  One deadline per query bounds UDP, the TCP
 * fallback and every partial read; the per-message budget bounds all
 * queries together.  ldns builds the query packets and parses replies.
 */
#include "config.h"

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/dns_int.h"

/* ------------------------------------------------------------ network */

/* RFC 5452 9.2: the query ID must be unpredictable; the kernel's CSPRNG
 * (getrandom) gives it without a user-space DRBG to seed.  false only when
 * the kernel has no randomness to give. */
static bool
random_id(uint16_t *id)
{
	unsigned char b[2];
	ssize_t r;

	do
		r = getrandom(b, sizeof(b), 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(b))
		return false;
	*id = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

/*
 * The reply check (RFC 5452 9.1: ID, question and, at the socket, source
 * address and port must all match the query).  Header first, on the raw
 * bytes (a short packet, another ID, QR=0 or another opcode is not a
 * reply to us), then ldns parses the whole packet and the question must
 * be exactly one, our name (case-insensitively, RFC 4343), our type, class
 * IN.  Over UDP a matched reply with TC=1 asks for TCP (RFC 7766 5); over
 * TCP TC is meaningless and ignored.  *a is filled only for
 * DNS_REPLY_ANSWER.
 */
static enum dns_reply
reply_check(const unsigned char *pkt, size_t len, uint16_t id,
    const ldns_rdf *qname, enum dns_type t, bool tcp, struct dns_answer *a)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *q;
	const ldns_rr *qr;
	enum dns_reply r = DNS_REPLY_DROP;

	if (len < DNS_HEADER_SIZE)
		return DNS_REPLY_DROP;
	if ((uint16_t)(pkt[0] << 8 | pkt[1]) != id)
		return DNS_REPLY_DROP;          /* not our ID */
	if ((pkt[2] & 0x80) == 0 || (pkt[2] & 0x78) != 0)
		return DNS_REPLY_DROP;          /* QR=0, or not a QUERY */
	if (pkt[4] != 0 || pkt[5] != 1)
		return DNS_REPLY_DROP;          /* QDCOUNT must be 1 */
	if (ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK || p == NULL)
		goto out;                       /* unparsable */
	q = ldns_pkt_question(p);
	if (q == NULL || ldns_rr_list_rr_count(q) != 1)
		goto out;
	qr = ldns_rr_list_rr(q, 0);
	if (ldns_rr_get_type(qr) != (ldns_rr_type)t ||
	    ldns_rr_get_class(qr) != LDNS_RR_CLASS_IN ||
	    ldns_rr_owner(qr) == NULL ||
	    ldns_rdf_get_type(ldns_rr_owner(qr)) != LDNS_RDF_TYPE_DNAME ||
	    ldns_dname_compare(ldns_rr_owner(qr), qname) != 0)
		goto out;                       /* another question */
	if (!tcp && ldns_pkt_tc(p)) {
		r = DNS_REPLY_TRUNCATED;
		goto out;
	}
	memset(a, 0, sizeof(*a));
	switch (ldns_pkt_get_rcode(p)) {
	case LDNS_RCODE_NOERROR:
		dns_collect(a, ldns_pkt_answer(p), qname, t, NULL);
		break;
	case LDNS_RCODE_NXDOMAIN:
		a->status = DNS_NXDOMAIN;
		break;
	default:
		a->status = DNS_SERVFAIL;       /* SERVFAIL, REFUSED, ... */
		break;
	}
	if (a->status != DNS_OK)
		dns_answer_clear(a);
	r = DNS_REPLY_ANSWER;
out:
	ldns_pkt_free(p);
	return r;
}

enum dns_reply
dns_reply_match(const unsigned char *pkt, size_t len, unsigned id,
    const char *name, enum dns_type type, bool tcp, struct dns_answer *ans)
{
	ldns_rdf *qname;
	enum dns_reply r;

	memset(ans, 0, sizeof(*ans));
	ans->status = DNS_ERROR;
	if (id > 0xffff || (qname = dns_name_rdf(name)) == NULL)
		return DNS_REPLY_DROP;
	r = reply_check(pkt, len, (uint16_t)id, qname, type, tcp, ans);
	ldns_rdf_deep_free(qname);
	return r;
}

/* The query packet: ID, RD=1 (we are a stub), one question, class IN, an
 * EDNS OPT record advertising DNS_EDNS_SIZE (RFC 6891 6.2.5).  Caller
 * frees; NULL when ldns cannot build it. */
static unsigned char *
query_wire(const ldns_rdf *qname, enum dns_type t, uint16_t id, size_t *len)
{
	ldns_pkt *p;
	ldns_rdf *name;
	uint8_t *w = NULL;

	name = ldns_rdf_clone(qname);
	if (name == NULL)
		return NULL;
	p = ldns_pkt_query_new(name, (ldns_rr_type)t, LDNS_RR_CLASS_IN,
	    LDNS_RD);
	if (p == NULL)
		return NULL;
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_edns_udp_size(p, DNS_EDNS_SIZE);
	if (ldns_pkt2wire(&w, p, len) != LDNS_STATUS_OK)
		w = NULL;
	ldns_pkt_free(p);
	return w;
}

static bool
same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		a4 = (const struct sockaddr_in *)a;
		b4 = (const struct sockaddr_in *)b;
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		a6 = (const struct sockaddr_in6 *)a;
		b6 = (const struct sockaddr_in6 *)b;
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	}
	return false;
}

static char *
peer_text(const struct sockaddr_storage *sa)
{
	char text[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		return xasprintf("%s@%u", text, ntohs(s4->sin_port));
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 =
		    (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		return xasprintf("%s@%u", text, ntohs(s6->sin6_port));
	}
	return xstrdup("an unknown address");
}

/* Milliseconds from now to DEADLINE for poll(), rounded up so a wake-up
 * is never before it; 0 when it has passed. */
static int
ms_until(double deadline)
{
	double left = deadline - dns_monotonic();

	if (left <= 0)
		return 0;
	if (left > 86400)
		left = 86400;
	return (int)(left * 1000) + 1;
}

/* Wait until FD is ready for EVENTS or DEADLINE passes: 1 ready, 0 time
 * is up, -1 error. */
static int
wait_fd(int fd, short events, double deadline)
{
	struct pollfd pfd;
	int ms, r;

	for (;;) {
		ms = ms_until(deadline);
		if (ms == 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, ms);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/*
 * Read exactly N octets from the TCP socket FD before DEADLINE (every
 * partial read is bounded by the same deadline: a server that dribbles
 * one byte at a time cannot stretch the query).  0, or -1 on EOF, error
 * or time up.
 */
static int
tcp_read_full(int fd, unsigned char *p, size_t n, double deadline)
{
	ssize_t r;

	while (n > 0) {
		if (wait_fd(fd, POLLIN, deadline) <= 0)
			return -1;
		r = recv(fd, p, n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * The query over TCP to server S (RFC 7766 5, after a truncated UDP
 * reply; RFC 1035 4.2.2 two-octet length prefix), all of it (connect,
 * write, every read) before DEADLINE.  A message that does not match
 * (ID, QR, question) is dropped and reading goes on.  true with *a filled
 * when a matching answer came.
 */
static bool
tcp_exchange(struct dns_ctx *c, const struct dns_server *s,
    const ldns_rdf *qname, enum dns_type t, double deadline,
    struct dns_answer *a)
{
	unsigned char *q = NULL, *msg = NULL, lenbuf[2];
	size_t qlen = 0, off, mlen;
	uint16_t id;
	ssize_t r;
	int fd, err = 0;
	socklen_t elen = sizeof(err);
	bool ok = false;

	fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (const struct sockaddr *)&s->sa, s->salen) < 0) {
		if (errno != EINPROGRESS)
			goto out;
		if (wait_fd(fd, POLLOUT, deadline) <= 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 ||
		    err != 0)
			goto out;
	}
	if (!random_id(&id) || (q = query_wire(qname, t, id, &qlen)) == NULL ||
	    qlen > DNS_TCP_MAX)
		goto out;
	msg = xmalloc(qlen + 2);
	msg[0] = (unsigned char)(qlen >> 8);
	msg[1] = (unsigned char)qlen;
	memcpy(msg + 2, q, qlen);
	for (off = 0; off < qlen + 2;) {
		if (wait_fd(fd, POLLOUT, deadline) <= 0)
			goto out;
		r = send(fd, msg + off, qlen + 2 - off, MSG_NOSIGNAL);
		if (r < 0 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (r <= 0)
			goto out;
		off += (size_t)r;
	}
	free(msg);
	msg = xmalloc(DNS_TCP_MAX);
	for (;;) {
		if (tcp_read_full(fd, lenbuf, 2, deadline) < 0)
			goto out;
		mlen = (size_t)lenbuf[0] << 8 | lenbuf[1];
		if (tcp_read_full(fd, msg, mlen, deadline) < 0)
			goto out;
		if (reply_check(msg, mlen, id, qname, t, true, a) ==
		    DNS_REPLY_ANSWER) {
			ok = true;
			break;
		}
		dns_trace(c, "dropped a TCP reply from %s: ID, question or "
		    "format does not match", s->label);
	}
out:
	if (!ok && c->trace != NULL && dns_monotonic() < deadline)
		dns_trace(c, "no TCP answer from %s", s->label);
	free(msg);
	free(q);
	close(fd);
	return ok;
}

/* One UDP query in flight: a socket of its own (a fresh ephemeral port
 * from the kernel, RFC 5452 9.2) connected to one server. */
struct pending {
	int fd;
	uint16_t id;
	size_t srv;
};

static void
pending_close(struct pending *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

static bool
udp_send(struct dns_ctx *c, size_t i, const ldns_rdf *qname, enum dns_type t,
    struct pending *p)
{
	const struct dns_server *s = &c->srv[i];
	unsigned char *q;
	size_t qlen;
	ssize_t r;

	p->fd = -1;
	p->srv = i;
	if (!random_id(&p->id)) {
		dns_trace(c, "no random query ID from the kernel: %s",
		    strerror(errno));
		return false;
	}
	q = query_wire(qname, t, p->id, &qlen);
	if (q == NULL)
		return false;
	p->fd = socket(s->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	/* connect(): the kernel then delivers only datagrams from the
	 * server; the source is still checked on every reply. */
	if (p->fd < 0 ||
	    connect(p->fd, (const struct sockaddr *)&s->sa, s->salen) < 0 ||
	    (r = send(p->fd, q, qlen, 0)) != (ssize_t)qlen) {
		dns_trace(c, "cannot send to %s: %s", s->label,
		    strerror(errno));
		pending_close(p);
		free(q);
		return false;
	}
	free(q);
	return true;
}

/*
 * Wait on every query in flight (PEND[0..NP)) until one gives a usable
 * answer, none is left, or SLOT_END.  Each datagram is checked: source
 * address and port, then reply_check(); anything else is dropped and the
 * wait goes on.  An error RCODE ends that server's query (it counts as
 * errored); a truncated reply switches that server to TCP until SLOT_END
 * (so a server that dribbles its TCP answer cannot keep the next server
 * from being asked).  About 90 lines: the poll loop and its per-datagram
 * checks share the pending queries' state; split, they would pass it all.
 */
static void
wait_replies(struct dns_ctx *c, struct pending *pend, size_t np,
    const ldns_rdf *qname, enum dns_type t, double slot_end,
    struct dns_answer *a, struct dns_net_result *res)
{
	struct pollfd pfd[DNS_MAX_SERVERS];
	size_t map[DNS_MAX_SERVERS], n, i;
	unsigned char buf[DNS_UDP_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct dns_answer got;
	struct pending *p;
	const struct dns_server *s;
	ssize_t r;
	char *who;
	int ms, pr;

	for (;;) {
		n = 0;
		for (i = 0; i < np; i++)
			if (pend[i].fd >= 0) {
				pfd[n].fd = pend[i].fd;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				map[n++] = i;
			}
		if (n == 0 || (ms = ms_until(slot_end)) == 0)
			return;
		pr = poll(pfd, n, ms);
		if (pr < 0 && errno != EINTR)
			return;
		for (i = 0; pr > 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			p = &pend[map[i]];
			s = &c->srv[p->srv];
			fromlen = sizeof(from);
			memset(&from, 0, sizeof(from));
			r = recvfrom(p->fd, buf, sizeof(buf), 0,
			    (struct sockaddr *)&from, &fromlen);
			if (r < 0) {
				/* An ICMP error (ECONNREFUSED...) is no
				 * answer and can be forged as easily as a
				 * reply: note it and keep waiting. */
				if (errno != EINTR && errno != EAGAIN &&
				    errno != EWOULDBLOCK)
					dns_trace(c, "from %s: %s", s->label,
					    strerror(errno));
				continue;
			}
			if (!same_peer(&from, &s->sa)) {
				if (c->trace != NULL) {
					who = peer_text(&from);
					dns_trace(c, "dropped a reply from "
					    "%s: not the server asked (%s)",
					    who, s->label);
					free(who);
				}
				continue;
			}
			switch (reply_check(buf, (size_t)r, p->id, qname, t,
			    false, &got)) {
			case DNS_REPLY_DROP:
				dns_trace(c, "dropped a reply from %s: ID, "
				    "question or format does not match",
				    s->label);
				continue;
			case DNS_REPLY_TRUNCATED:
				dns_trace(c, "truncated reply from %s: asking "
				    "again over TCP", s->label);
				pending_close(p);
				if (!tcp_exchange(c, s, qname, t, slot_end,
				    &got))
					continue;
				break;
			case DNS_REPLY_ANSWER:
				pending_close(p);
				break;
			}
			if (got.status == DNS_SERVFAIL) {
				/* An error RCODE: this server is done;
				 * the next one may know better. */
				if (c->nsrv > 1)
					dns_trace(c, "SERVFAIL or other error "
					    "from %s", s->label);
				res->errored = true;
				continue;
			}
			*a = got;
			res->answered = true;
			return;
		}
	}
}

/*
 * The query on the network.  Per-query deadline (DESIGN.md): send +
 * --dns-timeout, or the end of the message's DNS budget if that comes
 * first, bounds everything: every server, UDP, TCP fallback, every read.
 * Servers are asked in order; server I of N gets an equal share of what
 * is left (the last one all of it) before the next one is asked too, and
 * earlier servers' queries stay open until the deadline, so a late but
 * genuine answer from the first server is still taken.  An error RCODE
 * moves to the next server at once.
 */
void
dns_net_answer(struct dns_ctx *c, const ldns_rdf *qname, enum dns_type t,
    struct dns_answer *a, struct dns_net_result *res)
{
	struct pending pend[DNS_MAX_SERVERS];
	double start, deadline, slot_end;
	size_t i, np = 0, nsrv;

	memset(res, 0, sizeof(*res));
	if (c->nsrv == 0) {
		dns_trace(c, "no nameserver to ask");
		a->status = DNS_ERROR;
		return;
	}
	start = dns_monotonic();
	if (c->budget_end == 0)
		c->budget_end = start + c->budget;    /* lazily, per context */
	if (start >= c->budget_end) {
		dns_trace(c, "DNS budget of %g seconds spent: not sent",
		    c->budget);
		a->status = DNS_TIMEOUT;
		res->clipped = true;
		return;
	}
	deadline = start + c->timeout;
	if (deadline > c->budget_end) {
		deadline = c->budget_end;
		res->clipped = true;
	}
	c->sent++;
	nsrv = c->nsrv < DNS_MAX_SERVERS ? c->nsrv : DNS_MAX_SERVERS;
	for (i = 0; i < nsrv && !res->answered; i++) {
		double now = dns_monotonic();

		if (now >= deadline)
			break;
		slot_end = now + (deadline - now) / (double)(nsrv - i);
		if (udp_send(c, i, qname, t, &pend[np]))
			np++;
		wait_replies(c, pend, np, qname, t, slot_end, a, res);
	}
	for (i = 0; i < np; i++)
		pending_close(&pend[i]);
	if (!res->answered)
		a->status = res->errored ? DNS_SERVFAIL : DNS_TIMEOUT;
	/* Clipped matters only when the budget, not the timeout, ended it. */
	if (res->answered || res->errored)
		res->clipped = false;
}

