/*
 * addr: RFC 5322 section 3.4 address parsing (mailbox, name-addr,
 * angle-addr, addr-spec, group, address-list, mailbox-list) with CFWS,
 * quoted strings, quoted-pairs, folding, domain literals, and the obsolete
 * syntax of RFC 5322 section 4.4 (obs-route, obs-local-part, obs-domain,
 * obs-phrase, empty list elements).  A real parser, not a regular
 * expression: the PRA (RFC 4407), DKIM's From checks and spfquery's
 * Return-Path all depend on it.
 *
 * Every function takes raw field-value bytes (folding intact, may be any
 * bytes) and never reads past len.  Ownership: results are owned by the
 * caller and freed with addr_list_free().
 */
#ifndef COMMON_ADDR_H
#define COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>

/* One mailbox.  local is the local-part in its semantic form (quotes
 * removed, quoted-pairs resolved, CFWS removed; "" never happens for a
 * parsed mailbox).  domain is the domain (lower case is NOT applied;
 * domain-literals keep their brackets); NULL only for an obs/RFC 5321
 * local-part-only address, which addr_parse_* never produce (they fail).
 * display is the display name, unquoted, whitespace collapsed, or NULL. */
struct addr_mailbox {
	char *display;
	char *local;
	char *domain;
};

struct addr_list {
	size_t n;
	struct addr_mailbox *mb;
	size_t ngroups; /* how many groups appeared (their members are in mb) */
};

/* address-list (To, Cc, Reply-To, Resent-To...): mailboxes and groups;
 * group members are flattened into the list.  Returns NULL on a syntax
 * error.  An empty or all-CFWS value gives an empty list (n = 0). */
struct addr_list *addr_parse_address_list(const char *value, size_t len);

/* mailbox-list (From, Resent-From): like address-list but groups are a
 * syntax error (RFC 5322 3.6.2), except that obs-mbox-list's empty
 * elements are allowed. */
struct addr_list *addr_parse_mailbox_list(const char *value, size_t len);

/* A single mailbox (Sender, Resent-Sender).  NULL unless the value is
 * exactly one mailbox (surrounding CFWS allowed). */
struct addr_list *addr_parse_mailbox(const char *value, size_t len);

/* Return-Path / MAIL FROM path: "<>" (sets *null_path, returns a list with
 * n = 0), "<addr-spec>" with optional obs-route and CFWS, or a bare
 * addr-spec (leniency).  NULL on syntax error. */
struct addr_list *addr_parse_path(const char *value, size_t len,
    bool *null_path);

void addr_list_free(struct addr_list *l); /* NULL is a no-op */

/* "local@domain", with local re-quoted as a quoted-string when it is not a
 * dot-atom (RFC 5322 3.4.1).  Caller frees. */
char *addr_mailbox_string(const struct addr_mailbox *mb);

#endif
