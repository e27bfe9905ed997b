/*
 * received: the SMTP envelope of a delivered message, read back from its
 * header (authcheck --envelope=received): the client address and HELO
 * name from the topmost Received field (RFC 5321 4.4), the MAIL FROM
 * address from the topmost Return-Path (RFC 5321 4.4, RFC 5322 3.6.7).
 *
 * RFC 5321 4.4 leaves the "from" clause's comment free-form; the forms
 * read here are those of the common MTAs:
 *   from HELO (RDNS [IP])          Postfix, Sendmail ("unknown" RDNS too)
 *   from HELO ([IP])               Postfix without reverse DNS, others
 *   from RDNS ([IP] helo=HELO)     Exim
 *   from [IP] (helo=HELO)          Exim, no reverse DNS
 *   from HELO (RDNS [IP]:PORT)     with a port after the literal
 * IP may be "IPv6:..." (RFC 5321 4.1.3).  The first bracketed address in
 * the comment right after HELO counts; "helo=NAME" in it replaces HELO.
 *
 * Nothing here prints.  Ownership: strings in struct received_env are
 * malloc'd, freed by received_env_free().
 */
#ifndef COMMON_RECEIVED_H
#define COMMON_RECEIVED_H

#include <stdbool.h>

#include "common/msg.h"

struct received_env {
	char *ip;     /* client address (text, as inet_ntop writes it) */
	char *helo;   /* HELO/EHLO name, or NULL */
	char *sender; /* MAIL FROM: "" for "<>", NULL when no Return-Path */
};

/* Fill *out from m.  Returns 0 when the topmost Received field gave an
 * address, -1 otherwise (*why, caller frees, says what is missing; the
 * other fields may still be set). */
int received_env(const struct msg *m, struct received_env *out, char **why);

/* The same from one Received field value (for tests). */
int received_parse(const char *value, size_t len, struct received_env *out);

void received_env_free(struct received_env *e); /* fields only */

#endif
