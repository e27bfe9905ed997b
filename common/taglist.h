/*
 * taglist: RFC 6376 section 3.2 tag=value lists, used for DKIM-Signature,
 * DomainKey-Signature and DKIM key records.
 *
 *   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  =  ALPHA *ALNUMPUNC          (ALNUMPUNC = ALPHA / DIGIT / "_")
 *   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      =  1*VALCHAR                 (VALCHAR = %x21-3A / %x3C-7E)
 *
 * Folding may be CRLF or bare LF (LF input is accepted).  Nothing here
 * prints, exits or reads stdin; a bad list is an enum tag_status, not an
 * error message.  Ownership: the caller owns the struct tag array (room
 * for TAG_MAX) and the buffer; views point into that buffer, which must
 * outlive the array.  tag_value_nows() and tag_value_dup() return copies
 * the caller frees.
 */
#ifndef COMMON_TAGLIST_H
#define COMMON_TAGLIST_H

#include <stdbool.h>
#include <stddef.h>

/* Most tags accepted in one list (a hostile list cannot make us allocate
 * more; real signatures have about 12). */
#define TAG_MAX 64

struct tag {
	const char *name;
	size_t namelen;
	const char *value; /* surrounding FWS removed; inner FWS kept */
	size_t valuelen;
};

enum tag_status {
	TAG_OK = 0,
	TAG_ESYNTAX,    /* not a tag-list (a tag-value with a bad byte, no '=', ...) */
	TAG_EDUPLICATE, /* a tag name appears twice (RFC 6376 3.2: invalid) */
	TAG_ETOOMANY,   /* more than TAG_MAX tags */
};

/* Parse s[0..len) into tags[0..*n).  tags must have room for TAG_MAX. */
enum tag_status tag_parse(const char *s, size_t len, struct tag *tags,
    size_t *n);

/* The tag named name (case-sensitive, RFC 6376 3.2), or NULL. */
const struct tag *tag_find(const struct tag *tags, size_t n, const char *name);

/* A copy of the value with all whitespace (SP, TAB, CR, LF) removed, for
 * b=, bh=, p= and h=.  Caller frees. */
char *tag_value_nows(const struct tag *t);

/* A copy of the value as is.  Caller frees. */
char *tag_value_dup(const struct tag *t);

#endif
