#!/usr/bin/python3
"""Differential DKIM tests: dkimsign/dkimverify against dkimpy, OpenDKIM,
Mail::DKIM and an independent reference canonicaliser (RFC 6376 3.4, 3.7).

Used by t/diff-dkim.t; also a tool for finding disagreements by hand.

    diff-dkim.py gen  --seed S --count N --out DIR
        write the generated messages (DIR/mNNN.eml) and DIR/manifest.tsv
    diff-dkim.py run  --bin DIR --data DIR --tmp DIR [--seed S] [--count N]
                      [--peers dkimpy,opendkim,maildkim] [--full] [--report F]
        generate, sign and verify; print one record a line:
            ok<TAB>description        an assertion held
            fail<TAB>description      it did not
            #...                      diagnostics
        --report F writes every single verdict as TSV for analysis.
    diff-dkim.py hostile --bin DIR --data DIR --tmp DIR [--peers ...] [--report F]
                         [--write DIR]
        the malformed-signature and odd-key matrix (hostile_cases() below;
        --write saves the messages, as in t/data/diff/hostile/).
    diff-dkim.py repro --bin DIR --data DIR --tmp DIR [--write DIR]
        check (or, with --write, make) the reproducers of t/data/diff/repro/.
    diff-dkim.py check --bin DIR --data DIR FILE...
        every verifier's result for each signature of each FILE (keys from
        DATA/keys.txt and DATA/zone.txt).

The messages are awkward but valid RFC 5322 messages (seeded, so the same
seed gives the same bytes): LF and CRLF, no final newline, empty and
blank-only bodies, trailing and runs of whitespace, lines over 998 bytes,
long folded fields, no space after the colon, duplicate fields, odd-case
names, 8-bit bytes, lone CR, empty field values, an mbox "From " line.

Every signature is also checked by the reference verifier below, written
from RFC 6376 alone (3.4 canonicalisation, 3.5 b= removal, 3.7 hashing,
5.4.2 field selection), so that a disagreement can be attributed: the side
that agrees with the reference follows the RFC.  Where the RFC leaves room
(lone CR, a message without a final line end, an mbox line), the
reference does what RFC 6376 3.4.4 and RFC 5322 suggest and the choice is
said in a comment.

Known peer deviations (KNOWN below) are not counted as our failures: for
those the assertion is that our side agrees with the reference.
"""
import argparse
import base64
import hashlib
import os
import random
import re
import subprocess
import sys

CANONS = ('simple/simple', 'simple/relaxed', 'relaxed/simple',
          'relaxed/relaxed')
DOMAIN = 'example.com'
# A fixed t= keeps the output deterministic and is in the past for every
# verifier (dkimpy refuses t= in the future).
SIGN_TIME = '1700000000'

# ---------------------------------------------------------------- generator

# Features a message can have.  The first len(FEATURES) messages of a run
# each force one feature, so that even a short run covers all of them.
FEATURES = (
    'crlf', 'notrail', 'emptybody', 'nobody', 'blankbody', 'trailws',
    'wsruns', 'longline', 'foldhdr', 'nospace', 'tabcolon', 'duphdr',
    'oddcase', '8bithdr', '8bitbody', 'lonecr', 'lonecrhdr', 'emptyval',
    'mbox', 'wsblankend', 'trailwslast', 'longhdr', 'wspcolon',
    'mixedeol', 'nul', 'nulhdr', 'oddname', 'longunfolded', 'wscont',
)
# Body shapes are exclusive.
BODY_SHAPES = ('emptybody', 'nobody', 'blankbody')
# Body-content features need a body.
BODY_CONTENT = ('trailws', 'wsruns', 'longline', '8bitbody', 'lonecr',
                'wsblankend', 'trailwslast', 'nul')
# Rare ones: obsolete syntax (RFC 5322 4.5.8 obs-optional allows WSP
# before the colon): only forced, never picked at random.
RARE = ('wspcolon',)

WORDS = ('lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing',
         'elit', 'sed', 'do', 'eiusmod', 'tempor', 'incididunt', 'ut', 'labore')


def ws(r, n=None):
    """A run of spaces and tabs."""
    n = n or r.randint(1, 5)
    return ''.join(r.choice(' \t') for _ in range(n))


def text_line(r, runs=False, n=None):
    words = [r.choice(WORDS) for _ in range(n or r.randint(1, 10))]
    sep = (lambda: ws(r)) if runs else (lambda: ' ')
    out = words[0]
    for w in words[1:]:
        out += sep() + w
    return out


def make_message(r, feats):
    """Build one message (bytes) with the given feature set."""
    f = set(feats)
    eol = b'\r\n' if 'crlf' in f else b'\n'

    def name(n):
        if 'oddcase' in f:
            return {'From': r.choice(('FROM', 'from', 'fRoM')),
                    'To': r.choice(('TO', 'tO')),
                    'Subject': r.choice(('sUbJeCt', 'SUBJECT', 'subject')),
                    'Date': 'DATE'}.get(n, n.upper())
        return n

    def sep():
        if 'nospace' in f and r.random() < 0.7:
            return ':'
        if 'tabcolon' in f and r.random() < 0.7:
            return ':\t'
        return ': '

    hdr = []        # list of bytes, continuation lines joined with b'\n'
    hdr.append(b'Received: from client.example.org (client.example.org [192.0.2.1])\n'
               b'\tby mx.example.com with ESMTP id %d\n'
               b'\tfor <bob@example.net>; Mon, 24 Nov 2025 10:00:00 +0000'
               % r.randint(1000, 99999))
    hdr.append(('%s%sJoe SixPack <joe@example.com>' % (name('From'), sep())).encode())
    to = ['Bob <bob@example.net>']
    if 'foldhdr' in f:
        to += ['"Carol %s" <carol%d@example.org>' % (r.choice(WORDS), i)
               for i in range(r.randint(3, 6))]
        folded = (',\n' + ws(r, r.randint(1, 3))).join(to)
        # A fold must start with WSP; make sure of it.
        folded = re.sub('\n(?![ \t])', '\n\t', folded)
        hdr.append(('%s%s%s' % (name('To'), sep(), folded)).encode())
    else:
        hdr.append(('%s%s%s' % (name('To'), sep(), to[0])).encode())
    subj = text_line(r, runs='wsruns' in f or r.random() < 0.3)
    if 'trailws' in f:
        subj += ws(r)
    subj_b = subj.encode()
    if '8bithdr' in f:
        subj_b += r.choice((b' caf\xc3\xa9 cr\xc3\xa8me', b' \xe9t\xe9 latin-1',
                            b' \xff\xfe raw'))
    if 'lonecrhdr' in f:
        subj_b += b' lone\rcr'
    if 'wspcolon' in f:
        hdr.append(b'Subject :' + b' ' + subj_b)
    else:
        hdr.append(('%s%s' % (name('Subject'), sep())).encode() + subj_b)
    hdr.append(('%s%sMon, 24 Nov 2025 09:59:%02d +0000'
                % (name('Date'), sep(), r.randint(0, 59))).encode())
    hdr.append(('Message-ID: <%d.%d@example.com>'
                % (r.randint(0, 10**9), r.randint(0, 10**9))).encode())
    if 'duphdr' in f:
        hdr.insert(r.randint(2, len(hdr)),
                   ('%s%sSecond Subject %s' % (name('Subject'), sep(),
                                              r.choice(WORDS))).encode())
        hdr.insert(r.randint(2, len(hdr)),
                   ('%s%sDave <dave@example.net>' % (name('To'), sep())).encode())
    if 'emptyval' in f:
        hdr.append(r.choice((b'X-Empty:', b'X-Empty: ', b'X-Empty:\t', b'Cc:')))
    if 'longhdr' in f:
        v = ' '.join(r.choice(WORDS) for _ in range(r.randint(60, 120)))
        # fold after about every 70 characters, with a mix of SP and HTAB
        parts, line = [], ''
        for w in v.split(' '):
            if len(line) > 60:
                parts.append(line)
                line = ''
            line += (' ' if line else '') + w
        parts.append(line)
        hdr.append(('X-Long: ' + ('\n' + ws(r, r.randint(1, 4))).join(parts)).encode())
    if 'foldhdr' in f:
        hdr.append(b'References: <a@example.com>\n\t<b@example.com>\n  \t<c@example.com>\n <d@example.com>')
    if 'trailws' in f:
        hdr.append(b'X-Trailing: value with trailing' + ws(r).encode())
    if 'oddname' in f:
        # RFC 5322 3.6.8 ftext: any printable ASCII but ":"
        hdr.append(b"X-W3ird!#$%&'*+-.^_`{|}~\"<>@[]?/=(),\\: odd field name")
    if 'longunfolded' in f:
        hdr.append(b'X-Unfolded: ' + b'-'.join(r.choice(WORDS).encode()
                                               for _ in range(r.randint(250, 400))))
    if 'wscont' in f:
        # a continuation line of whitespace only (RFC 5322 4.2 obs-FWS)
        hdr.append(b'X-Ws-Continuation: first\n' + ws(r).encode() + b'\n\tlast')
    if 'nulhdr' in f:
        hdr.append(b'X-Nul: before\x00after')
    hdr.append(b'MIME-Version: 1.0')
    hdr.append(b'Content-Type: text/plain; charset=' +
               (b'utf-8' if '8bitbody' in f or '8bithdr' in f else b'us-ascii'))

    body = None     # list of lines; None = no body and no separator line
    if 'nobody' in f:
        body = None
    elif 'emptybody' in f:
        body = []
    elif 'blankbody' in f:
        body = [b''] * r.randint(1, 5)
    else:
        body = []
        for _ in range(r.randint(1, 12)):
            line = text_line(r, runs='wsruns' in f)
            if 'trailws' in f and r.random() < 0.5:
                line += ws(r)
            if r.random() < 0.15:
                line = ''
            body.append(line.encode())
        if 'longline' in f:
            body.insert(r.randint(0, len(body)),
                        ' '.join(r.choice(WORDS) for _ in
                                 range(r.randint(200, 900))).encode())
            body.insert(r.randint(0, len(body)), b'x' * r.randint(999, 3000))
        if '8bitbody' in f:
            body.insert(r.randint(0, len(body)),
                        r.choice((b'Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9e',
                                  b'\xe9t\xe9 \xe0 la plage (latin-1)',
                                  b'\x80\x81\xfe\xff raw high bytes')))
        if 'lonecr' in f:
            body.insert(r.randint(0, len(body)),
                        r.choice((b'lone\rcarriage return', b'two \r\r in a row',
                                  b'\r at the start', b'space then cr \rx')))
        if 'nul' in f:
            body.insert(r.randint(0, len(body)), b'nul \x00 byte\x00')
        if 'wsblankend' in f:
            body += [ws(r).encode(), b'', ws(r).encode()]
            if 'notrail' in f:
                body.append(ws(r).encode())
        if 'trailwslast' in f:
            body.append(b'last line with trailing space' + ws(r).encode())
        # Trailing empty lines, except where the last line matters.
        if not f & {'notrail', 'trailwslast'} and r.random() < 0.3:
            body += [b''] * r.randint(1, 3)

    out = b''
    if 'mbox' in f:
        out += b'From joe@example.com Mon Nov 24 10:00:00 2025' + eol
    for h in hdr:
        out += h.replace(b'\n', eol) + eol
    if body is not None:
        out += eol
        out += eol.join(body)
        if body:
            out += eol
    if 'mixedeol' in f:
        # the other line end on about every third line (never inside the
        # mbox line)
        other = b'\n' if eol == b'\r\n' else b'\r\n'
        lines = out.split(eol)
        out = b''
        for k, l in enumerate(lines[:-1]):
            out += l + (other if k and r.random() < 0.33 else eol)
        out += lines[-1]
    if 'notrail' in f and out.endswith(b'\n'):
        out = out[:-2] if out.endswith(b'\r\n') else out[:-1]
        # An empty body without its final line end would leave the
        # separator; a header-only message then ends inside the last field.
    return out


def gen_messages(seed, count):
    r = random.Random(seed)
    msgs = []
    for i in range(count):
        feats = set()
        if i < len(FEATURES):
            feats.add(FEATURES[i])
        for ft in FEATURES:
            if ft not in RARE and r.random() < 0.18:
                feats.add(ft)
        shapes = [s for s in BODY_SHAPES if s in feats]
        if len(shapes) > 1:
            keep = FEATURES[i] if i < len(FEATURES) and FEATURES[i] in shapes \
                else r.choice(shapes)
            feats -= set(shapes) - {keep}
        if feats & set(BODY_SHAPES):
            forced = FEATURES[i] if i < len(FEATURES) else None
            if forced in BODY_CONTENT:
                feats -= set(BODY_SHAPES)
            else:
                feats -= set(BODY_CONTENT)
        order = [ft for ft in FEATURES if ft in feats]
        msgs.append(('m%03d' % i, order, make_message(r, order)))
    return msgs


# ---------------------------------------------------------------- reference

WSP = b' \t'


def ref_split(msg):
    """RFC 5322 message -> (list of (name, raw field incl. CRLFs), body or
    None).  Line ends: LF or CRLF (a CR before LF belongs to the line end,
    any other CR is data, as in dkimpy and RFC 6376 leaves it open).  A
    leading mbox "From " line is not part of the message."""
    if msg.startswith(b'From '):
        nl = msg.find(b'\n')
        msg = b'' if nl < 0 else msg[nl + 1:]
    lines = re.split(b'\r?\n', msg)
    # lines[-1] is b'' when the message ends with a line end.
    final_eol = lines[-1] == b''
    if final_eol:
        lines.pop()
    fields = []
    i = 0
    while i < len(lines):
        l = lines[i]
        if l == b'':
            i += 1
            break
        if l[:1] in (b' ', b'\t') and fields:
            fields[-1][1] += l + b'\r\n'
        else:
            n = l.split(b':', 1)[0]
            fields.append([n, l + b'\r\n'])
        i += 1
    else:
        # No separator line: no body (RFC 6376 3.4.3: "If there is no
        # body ... a CRLF is added").  A last field without a line end is
        # taken as ended by the end of the message.
        return [(n, v) for n, v in fields], None
    body = b'\r\n'.join(lines[i:])
    if lines[i:] and final_eol:
        body += b'\r\n'
    return [(n, v) for n, v in fields], body


def ref_body(body, canon):
    """RFC 6376 3.4.3 / 3.4.4."""
    if body is None:
        body = b''
    if canon == 'simple':
        while body.endswith(b'\r\n\r\n'):
            body = body[:-2]
        if not body.endswith(b'\r\n'):
            body += b'\r\n'
        return body
    # relaxed: a last line without CRLF is still a line whose trailing
    # whitespace is ignored (3.4.4 a), then the CRLF is added (3.4.4 end).
    lines = body.split(b'\r\n')
    if lines and lines[-1] == b'':
        lines.pop()
    lines = [re.sub(b'[ \t]+', b' ', l.rstrip(WSP)) for l in lines]
    while lines and lines[-1] == b'':
        lines.pop()
    return b''.join(l + b'\r\n' for l in lines)


def ref_header(raw, canon):
    """One field (with its CRLFs) -> canonical form with CRLF (3.4.1/3.4.2)."""
    if canon == 'simple':
        return raw
    name, value = raw.split(b':', 1)
    name = name.rstrip(WSP).lower()
    value = value.replace(b'\r\n', b'')       # unfold: CRLF only, not a lone CR
    value = re.sub(b'[ \t]+', b' ', value).strip(WSP)
    return name + b':' + value + b'\r\n'


def taglist(value):
    """Tag-list (RFC 6376 3.2) -> dict; FWS removed from names and values."""
    tags = {}
    for part in value.split(b';'):
        if not part.strip(b' \t\r\n'):
            continue
        n, _, v = part.partition(b'=')
        tags[n.strip(b' \t\r\n').decode('latin-1')] = re.sub(b'[ \t\r\n]+', b'', v)
    return tags


def strip_b(raw):
    """The field with the b= tag's value removed (3.5 b=, 3.7)."""
    name, value = raw.split(b':', 1)
    out = []
    for part in re.split(b'(;)', value):
        n, eq, _ = part.partition(b'=')
        if eq and n.strip(b' \t\r\n') == b'b':
            part = n + eq
        out.append(part)
    return name + b':' + b''.join(out)


L_BEYOND = 'l= larger than the canonicalised body'


def ref_verify(msg, keys, idx=0, bodyhash_only=False):
    """Verify DKIM-Signature number idx (topmost = 0) by the reference.
    Returns (word, detail, our_bh) with word pass or fail."""
    from dkim.crypto import parse_public_key, RSASSA_PKCS1_v1_5_verify
    fields, body = ref_split(msg)
    sigs = [i for i, (n, _) in enumerate(fields)
            if n.rstrip(WSP).lower() == b'dkim-signature']
    if idx >= len(sigs):
        return 'none', '', None
    raw = fields[sigs[idx]][1]
    tags = taglist(raw.split(b':', 1)[1])
    hc, _, bc = tags.get('c', b'simple/simple').decode().partition('/')
    bc = bc or 'simple'
    cb = ref_body(body, bc)
    if 'l' in tags:
        if int(tags['l']) > len(cb):
            # RFC 6376 leaves the result open; it cannot pass.  dkimverify
            # says permerror, opendkim fail: either is accepted (L_BEYOND).
            return 'fail', L_BEYOND + ' (%d > %d)' % (int(tags['l']), len(cb)), None
        cb = cb[:int(tags['l'])]
    bh = base64.b64encode(hashlib.sha256(cb).digest())
    if bh != tags.get('bh'):
        return 'fail', 'body hash mismatch (ref bh=%s)' % bh.decode(), bh
    if bodyhash_only:
        return 'pass', '', bh
    # 5.4.2: for each name of h=, the last unused instance, bottom up.
    used = set()
    data = b''
    for hn in tags['h'].split(b':'):
        hn = hn.lower()
        for i in range(len(fields) - 1, -1, -1):
            if i not in used and fields[i][0].rstrip(WSP).lower() == hn:
                used.add(i)
                data += ref_header(fields[i][1], hc)
                break
    sigc = ref_header(strip_b(raw), hc)
    data += sigc[:-2] if sigc.endswith(b'\r\n') else sigc
    rec = keys.get('%s._domainkey.%s' % (tags['s'].decode(), tags['d'].decode()))
    if rec is None:
        return 'fail', 'no key', bh
    kt = taglist(rec.encode())
    p = base64.b64decode(kt['p'])
    sig = base64.b64decode(tags['b'])
    alg = tags['a'].decode()
    if alg == 'ed25519-sha256':
        import nacl.signing
        import nacl.exceptions
        try:
            nacl.signing.VerifyKey(p).verify(hashlib.sha256(data).digest(), sig)
            return 'pass', '', bh
        except nacl.exceptions.BadSignatureError:
            return 'fail', 'signature mismatch', bh
    pk = parse_public_key(p)
    ok = RSASSA_PKCS1_v1_5_verify(hashlib.sha256(data), sig, pk)
    return ('pass', '', bh) if ok else ('fail', 'signature mismatch', bh)


def load_keys(path):
    keys = {}
    with open(path, encoding='utf-8') as f:
        for l in f:
            if l.strip() and not l.startswith('#'):
                n, v = l.rstrip('\r\n').split(None, 1)
                keys[n.rstrip('.').lower()] = v
    return keys


# ---------------------------------------------------------------- signers

def sign_ours(bindir, key, sel, canon, path, out, extra=()):
    cmd = [bindir + '/dkimsign', '-d', DOMAIN, '-s', sel, '-k', key,
           '-c', canon, '-t', SIGN_TIME] + list(extra)
    with open(path, 'rb') as i, open(out, 'wb') as o:
        p = subprocess.run(cmd, stdin=i, stdout=o, stderr=subprocess.PIPE)
    return p.returncode, p.stderr.decode('utf-8', 'replace').strip()


def run_jobs(jobs, n):
    """sign_ours over jobs [(args, info)], n at a time; results in order."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, n)) as ex:
        return list(ex.map(lambda j: sign_ours(*j[0]), jobs))


def sign_dkimpy(msg, key, sel, canon, alg, **kw):
    import dkim
    h, b = canon.encode().split(b'/')
    eol = b'\r\n' if msg.split(b'\n', 1)[0].endswith(b'\r') else b'\n'
    sig = dkim.sign(msg, sel.encode(), DOMAIN.encode(), key,
                    canonicalize=(h, b), signature_algorithm=alg.encode(),
                    linesep=eol, **kw)
    if msg.startswith(b'From '):
        # keep an mbox line on top, as our dkimsign does
        nl = msg.index(b'\n') + 1
        return msg[:nl] + sig + msg[nl:]
    return sig + msg


def sign_opendkim(tmp, key, sel, canon, alg, paths):
    """opendkim -t in sign mode over all paths; returns {path: field}."""
    conf = os.path.join(tmp, 'odk-sign.conf')
    with open(conf, 'w') as f:
        f.write('Mode s\nDomain %s\nSelector %s\nKeyFile %s\n'
                'SignatureAlgorithm %s\nCanonicalization %s\n'
                'RequireSafeKeys no\n' % (DOMAIN, sel, os.path.abspath(key),
                                          alg, canon))
    sigs = {}
    for chunk in chunks(paths):
        p = subprocess.run(['opendkim', '-x', conf, '-t', ','.join(chunk)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        cur = None
        for l in p.stdout.split(b'\n'):
            l = l.rstrip(b'\r')
            m = re.match(rb'^opendkim: (.*):$', l)
            if m:
                cur = m.group(1).decode()
                sigs[cur] = []
                continue
            if l == b'':
                cur = None
                continue
            if cur is not None:
                sigs[cur].append(l)
    return sigs


MAILDKIM_SIGN = r'''
use strict;
use Mail::DKIM::Signer;
my ($key, $sel, $dom, $canon, @files) = @ARGV;
for my $path (@files) {
	open my $in, "<", $path or die "$path: $!\n";
	binmode $in;
	my $msg = do { local $/; <$in> };
	close $in;
	$msg =~ s/\A From [^\n]*\n//x;
	$msg =~ s/(?<!\r)\n/\r\n/g;
	my $s = Mail::DKIM::Signer->new(Algorithm => "rsa-sha256",
	    Method => $canon, Domain => $dom, Selector => $sel,
	    KeyFile => $key);
	$s->PRINT($msg);
	$s->CLOSE;
	my $sig = $s->signature or next;
	my $text = $sig->as_string;
	$text =~ s/\r?\n/\n/g;
	$text =~ s/\n/\\n/g;
	print "$path\t$text\n";
}
'''


def sign_maildkim(key, sel, canon, paths):
    """Mail::DKIM::Signer over paths -> {path: field bytes (LF folds)}."""
    out = {}
    for chunk in chunks(paths):
        p = subprocess.run(['perl', '-e', MAILDKIM_SIGN, key, sel, DOMAIN, canon] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for l in p.stdout.split(b'\n'):
            if b'\t' in l:
                f, t = l.split(b'\t', 1)
                out[f.decode()] = t.replace(b'\\n', b'\n')
    return out


def chunks(paths, size=300):
    for i in range(0, len(paths), size):
        yield paths[i:i + size]


# ---------------------------------------------------------------- verifiers

def verify_ours(bindir, zone, paths, extra=()):
    """dkimverify batch mode -> {path: [(word, line)]}."""
    res = {p: [] for p in paths}
    for chunk in chunks(paths):
        p = subprocess.run([bindir + '/dkimverify', '--dns-zone=' + zone] +
                           list(extra) + chunk, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for l in p.stdout.decode('utf-8', 'replace').splitlines():
            m = re.match(r'^(.*?): (dkim|domainkeys)=(\w+)(.*)$', l)
            if m and m.group(1) in res:
                res[m.group(1)].append((m.group(3), m.group(3) + m.group(4)))
    return res


def verify_dkimpy(keys, path, idx=0, minkey=1024):
    import dkim

    def dnsfunc(name, timeout=5):
        v = keys.get(name.decode('ascii', 'replace').rstrip('.').lower())
        return None if v is None else v.encode()
    msg = open(path, 'rb').read()
    try:
        d = dkim.DKIM(msg, minkey=minkey)
        n = sum(1 for h in d.headers if h[0].lower() == b'dkim-signature')
        if idx >= n:
            return 'none', ''
        return ('pass', '') if d.verify(idx=idx, dnsfunc=dnsfunc) else \
            ('fail', 'verify returned False')
    except Exception as e:
        return 'fail', '%s: %s' % (type(e).__name__, e)


def verify_opendkim(tmp, keysfile, paths):
    """opendkim -t (verify mode, TestPublicKeys) -> {path: [(word, detail)]}.
    opendkim -t stops the whole batch (exit 70, after mlfi_eoh() returned
    SMFIS_ACCEPT) at a signature it cannot parse: that file gets the word
    "error" and the batch goes on with the next file."""
    conf = os.path.join(tmp, 'odk-verify.conf')
    with open(conf, 'w') as f:
        f.write('Mode v\nTestPublicKeys %s\n' % os.path.abspath(keysfile))
    res = {}
    todo = list(paths)
    while todo:
        chunk = todo[:300]
        p = subprocess.run(['opendkim', '-x', conf, '-vv', '-t', ','.join(chunk)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ar, words = None, []
        for l in p.stdout.decode('utf-8', 'replace').split('\n'):
            if re.match(r"^### INSHEADER: .*hname='Authentication-Results'", l):
                ar = l
            elif ar is not None:
                ar += ' ' + l.strip()
            if ar is not None and l.endswith("'"):
                words = re.findall(r"[ \t;]dkim=([a-z]+)((?: \([^)]*\))?)", ar)
                ar = None
                continue
            m = re.match(r'^opendkim: (.*?): (.*)$', l)
            if m and ar is None:
                if 'message not signed' in m.group(2):
                    words = [('none', '')]
                res[m.group(1)] = [(w, w + d + ' | ' + m.group(2))
                                   for w, d in words] or \
                    [('noresult', m.group(2))]
                words = []
        rest = [c for c in chunk if c not in res]
        if rest:
            # the first file without a summary line is the one it stopped at
            res[rest[0]] = [('error', 'opendkim -t stopped here (exit %d)' % p.returncode)]
            rest = rest[1:]
        todo = rest + todo[len(chunk):]
    return res


MAILDKIM = r'''
use strict;
use Mail::DKIM::Verifier;
use Net::DNS;
my ($kf, @files) = @ARGV;
my %K;
open my $k, "<", $kf or die "$kf: $!\n";
while (<$k>) {
	s/\r?\n\z//;
	next unless /\S/;
	my ($n, $v) = split " ", $_, 2;
	$n =~ s/\.\z//;
	$K{lc $n} = $v;
}
no warnings "redefine";
*Mail::DKIM::DNS::query = sub {
	my ($n) = @_;
	$n =~ s/\.\z//;
	my $v = $K{lc $n};
	if (!defined $v) { $@ = "NXDOMAIN"; return }
	$@ = "NOERROR";
	my @s = unpack "(a255)*", $v;
	@s = ("") unless @s;
	return Net::DNS::RR->new(owner => $n, type => "TXT", txtdata => \@s);
};
for my $path (@files) {
	my $d = Mail::DKIM::Verifier->new;
	open my $m, "<", $path or die "$path: $!\n";
	binmode $m;
	my $msg = do { local $/; <$m> };
	close $m;
	# The message as an MTA would hand it over: CRLF line ends, the last
	# line left as it is (no line end added), no mbox line.
	$msg =~ s/\A From [^\n]*\n//x;
	$msg =~ s/(?<!\r)\n/\r\n/g;
	$d->PRINT($msg);
	$d->CLOSE;
	my @s = $d->signatures;
	if (!@s) { print "$path\tnone\t", $d->result_detail, "\n"; next }
	for (@s) {
		my $w = $_->result;
		print $path, "\t", $w, "\t", $_->result_detail, "\n";
	}
}
'''


def verify_maildkim(keysfile, paths):
    res = {p: [] for p in paths}
    for chunk in chunks(paths):
        p = subprocess.run(['perl', '-e', MAILDKIM, keysfile] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for l in p.stdout.decode('utf-8', 'replace').splitlines():
            f, w, d = (l.split('\t') + ['', ''])[:3]
            if f in res:
                res[f].append((w, d))
    for pth in paths:
        if not res[pth]:
            res[pth] = [('noresult', 'no output')]
    return res


# ---------------------------------------------------------------- known deviations

LONE_CR = re.compile(b'\r(?!\n)')


def signed_fields(msg, idx=0):
    """The raw fields (with CRLFs) that signature idx covers, the field
    itself included, and the body as the reference splits it."""
    fields, body = ref_split(msg)
    sigs = [i for i, (n, _) in enumerate(fields)
            if n.rstrip(WSP).lower() == b'dkim-signature']
    if idx >= len(sigs):
        return [], body
    raw = fields[sigs[idx]][1]
    tags = taglist(raw.split(b':', 1)[1])
    used, out = set(), [raw]
    for hn in tags.get('h', b'').split(b':'):
        for i in range(len(fields) - 1, -1, -1):
            if i not in used and fields[i][0].rstrip(WSP).lower() == hn.lower():
                used.add(i)
                out.append(fields[i][1])
                break
    return out, body


def partial_last_line(msg):
    """The message ends inside a body line (no final line end)."""
    _, body = ref_split(msg)
    return bool(body) and not msg.endswith(b'\n')


def sig_canon(msg, idx=0):
    """The c= of signature idx as (header, body)."""
    fields, _ = signed_fields(msg, idx)
    if not fields:
        return 'simple', 'simple'
    c = taglist(fields[0].split(b':', 1)[1]).get('c', b'simple').decode()
    hc, _, bc = c.partition('/')
    return hc, bc or 'simple'


def known(verifier, msg, idx=0):
    """A reason string when `verifier` disagreeing with the reference on
    signature idx of this message is a known deviation of that peer from
    RFC 6376 (each one found by this program; minimal reproducers and the
    RFC text in t/data/diff/README.md); None otherwise."""
    hc, bc = sig_canon(msg, idx)
    fields, body = signed_fields(msg, idx)
    body = body or b''
    if verifier == 'opendkim':
        if b'\x00' in body or any(b'\x00' in raw for raw in fields):
            # opendkim -t stops a field or body line at a NUL byte (C
            # strings); RFC 6376 hashes octets, NUL included.
            return 'opendkim-nul'
        if hc == 'simple':
            for raw in fields:
                v = raw.split(b':', 1)[1]
                if v != b' ' + v.lstrip(b' \t\r\n'):
                    # opendkim -t hands each field to the filter as the
                    # milter protocol does, name and value apart with the
                    # value's leading whitespace removed, and rebuilds it
                    # as "Name: value": simple header canonicalisation of
                    # "Name:value", "Name:\tvalue", "Name:" then fails.
                    return 'opendkim-colon-space'
        if hc == 'relaxed' and any(LONE_CR.search(raw) for raw in fields):
            # RFC 6376 3.4.2: only CRLF is unfolded and only WSP (SP, HTAB)
            # compressed; opendkim turns a lone CR into a space.
            return 'opendkim-lone-cr-header'
        if bc == 'relaxed' and LONE_CR.search(body):
            # RFC 6376 3.4.4: only WSP is touched; opendkim drops a lone CR
            # and the whitespace before it.
            return 'opendkim-lone-cr-body'
        if bc == 'simple' and partial_last_line(msg) and len(body) > 4096:
            # RFC 6376 3.4.3 (a CRLF is added to a last line without one):
            # opendkim adds it only when the body is under about 4 KiB.
            return 'opendkim-no-final-eol-simple-long'
        if bc == 'relaxed' and partial_last_line(msg):
            # opendkim -t reports "message not signed" (and signs nothing)
            # when the last line has no line end and c=*/relaxed.
            return 'opendkim-no-final-eol-relaxed'
    if verifier == 'maildkim':
        if bc == 'simple' and partial_last_line(msg):
            # RFC 6376 3.4.3: "If there is no body or no trailing CRLF on
            # the message body, a CRLF is added."  Mail::DKIM's simple body
            # canonicalisation adds none to a last line without one.
            return 'maildkim-no-final-crlf-simple'
    if verifier == 'dkimpy':
        if any(re.match(b'[^:\r\n]*[ \t]:', raw) for _, raw in ref_split(msg)[0]):
            # RFC 5322 4.5.8 obs-optional allows WSP before the colon;
            # dkimpy's parser raises MessageFormatError.
            return 'dkimpy-wsp-before-colon'
        if bc == 'relaxed' and partial_last_line(msg) and \
                body.rstrip(b'\n').endswith((b' ', b'\t')):
            # RFC 6376 3.4.4 a: whitespace at the end of lines is ignored;
            # dkimpy strips it only before a CRLF, so a last line without
            # one keeps it.
            return 'dkimpy-trailing-wsp-last-line'
    return None


# ---------------------------------------------------------------- run

def write_report(path, rows):
    if not path:
        return
    with open(path, 'w', encoding='utf-8') as f:
        f.write('msg\tfeatures\tcanon\talg\tsigner\tverifier\tword\tref\tdetail\tfile\n')
        for r in rows:
            f.write('\t'.join(str(x).replace('\t', ' ').replace('\n', ' ')
                              for x in r) + '\n')


def main_run(a):
    keysfile = os.path.join(a.data, 'keys.txt')
    zone = os.path.join(a.data, 'zone.txt')
    keys = load_keys(keysfile)
    peers = set(a.peers.split(',')) if a.peers else set()
    tmp = a.tmp
    os.makedirs(tmp, exist_ok=True)
    msgs = gen_messages(a.seed, a.count)
    feats = {}
    for name, fl, data in msgs:
        feats[name] = fl
        with open(os.path.join(tmp, name + '.eml'), 'wb') as f:
            f.write(data)
    rsa_key = os.path.join(a.data, 'keys', 'rsa.private')
    ed_key = os.path.join(a.data, 'keys', 'ed.private')
    ed_seed = open(os.path.join(a.data, 'keys', 'ed.seed'), 'rb').read().strip()
    rsa_pem = open(rsa_key, 'rb').read()
    rows = []
    nok = nfail = 0

    def check(good, desc):
        nonlocal nok, nfail
        if good:
            nok += 1
            print('ok\t' + desc)
        else:
            nfail += 1
            print('fail\t' + desc)

    def verify_all(entries):
        """Every signature of every file in entries [(path, name, canon,
        label)] must pass in the reference, dkimverify and each peer,
        except for a known peer deviation (then: reference and we pass)."""
        epaths = [e[0] for e in entries]
        if not epaths:
            return
        ores = verify_ours(a.bin, zone, epaths)
        oodk = verify_opendkim(tmp, keysfile, epaths) if 'opendkim' in peers else {}
        opl = verify_maildkim(keysfile, epaths) if 'maildkim' in peers else {}
        for p, name, canon, label in entries:
            data = open(p, 'rb').read()
            nsig = len([1 for n, _ in ref_split(data)[0]
                        if n.rstrip(WSP).lower() == b'dkim-signature'])
            desc = '%s %s %s (%d signature%s) [%s]' % (
                name, canon, label, nsig, 's' if nsig > 1 else '', '+'.join(feats[name]))
            got = {'ours': ores[p]}
            if 'dkimpy' in peers:
                got['dkimpy'] = [verify_dkimpy(keys, p, k) for k in range(nsig)]
            if oodk:
                got['opendkim'] = oodk[p]
            if opl:
                got['maildkim'] = opl[p]
            refs = [ref_verify(data, keys, k)[:2] for k in range(nsig)]
            for k, (w, d) in enumerate(refs):
                rows.append((name, '+'.join(feats[name]), canon, label, 'ours', 'ref', w, w, d, p))
            check(nsig > 0 and all(w == 'pass' for w, _ in refs),
                  '%s: the reference verifier says %s' % (desc, refs))
            for v, res in sorted(got.items()):
                for k, (w, d) in enumerate(res):
                    rows.append((name, '+'.join(feats[name]), canon, label, 'ours', v, w,
                                 refs[k][0] if k < len(refs) else '-', d, p))
                    why = known(v, data, k) if v != 'ours' else None
                    if v == 'opendkim' and w == 'none' and not why:
                        # "message not signed" is about the whole message
                        why = next((known(v, data, j) for j in range(nsig)
                                    if known(v, data, j)), None)
                    if v == 'maildkim' and 'ed25519' in d:
                        why = 'Mail::DKIM 1.20230212 has no Ed25519'
                    if why and w != 'pass':
                        print('# known peer deviation: %s on %s signature %d: %s (%s)'
                              % (v, p, k, w, why))
                        continue
                    check(w == 'pass', '%s: %s says %s for signature %d'
                          % (desc, 'dkimverify' if v == 'ours' else v, d or w, k))
                if len(res) != nsig and any(known(v, data, k) for k in range(nsig)):
                    print('# known peer deviation: %s gives %d results for %d signatures on %s'
                          % (v, len(res), nsig, p))
                    continue
                check(len(res) == nsig, '%s: %s gives %d results for %d signatures'
                      % (desc, v, len(res), nsig))

    # ---- we sign ------------------------------------------------------
    # Every message in the four canonicalisations with RSA; every
    # ed_every-th one with RSA and Ed25519 in one run (two signatures).
    signed = []
    jobs = []
    for i, (name, fl, _) in enumerate(msgs):
        ed = i % a.ed_every == 0
        canons = CANONS
        if a.half_canons:
            # two of the four, alternating, so each pair still gets half
            # of the messages
            canons = (CANONS[0], CANONS[3]) if i % 2 else (CANONS[1], CANONS[2])
        for canon in canons:
            out = os.path.join(tmp, '%s.ours.%s.%s.eml'
                               % (name, 'rsa+ed' if ed else 'rsa', canon.replace('/', '-')))
            extra = ['-s', 'ed', '-k', ed_key] if ed else []
            # Every other message: sign every field it has, so that odd
            # fields (empty values, duplicates, long folds) are hashed
            # too; the others use dkimsign's default h=.
            if i % 2:
                fields, _ = ref_split(open(os.path.join(tmp, name + '.eml'), 'rb').read())
                extra += ['-h', ':'.join(n.rstrip(WSP).decode('latin-1').lower()
                                         for n, _ in fields)]
            jobs.append(((a.bin, rsa_key, 'rsa', canon, os.path.join(tmp, name + '.eml'),
                          out, extra), (out, name, canon, 'rsa+ed25519' if ed else 'rsa')))
    for (rc, err), (_, info) in zip(run_jobs(jobs, a.jobs), jobs):
        check(rc == 0, 'dkimsign %s %s %s exit %d %s' % (info[1], info[2], info[3], rc, err))
        if rc == 0:
            signed.append(info)
    verify_all(signed)

    # ---- we sign with options ------------------------------------------
    # Each option set on every opt_every-th message, relaxed/relaxed and
    # simple/simple; every signature must pass everywhere (Mail::DKIM 1.2023
    # has no Ed25519: "invalid (unsupported algorithm ...)" is expected).
    OPTSETS = (
        ('l', ['-l']),
        ('oversign', ['--oversign']),
        ('i-user', ['-i', 'joe@example.com']),
        ('i-sub', ['-i', '@mail.example.com']),
        ('i-qp', ['-i', 'jo;e= x\t"y"@example.com']),
        ('x', ['-x', '2000000000']),  # x= in 2087
        ('h-absent', ['-h', 'from:subject:x-not-there']),
        ('two-keys', ['-s', 'ed', '-k', ed_key]),
        ('l-oversign-i', ['-l', '--oversign', '-i', 'joe@mail.example.com']),
    )
    osigned = []
    jobs = []
    signed_rr = {n: p for p, n, c, _ in signed if c == 'relaxed/relaxed'}
    for i, (name, fl, _) in enumerate(msgs):
        if i % a.opt_every:
            continue
        for canon in ('relaxed/relaxed', 'simple/simple'):
            for oname, opts in OPTSETS:
                out = os.path.join(tmp, '%s.opt-%s.%s.eml'
                                   % (name, oname, canon.replace('/', '-')))
                jobs.append(((a.bin, rsa_key, 'rsa', canon, os.path.join(tmp, name + '.eml'),
                              out, opts), (out, name, canon, oname)))
        # re-signing a signed message: two signatures, the old one below
        # (h= names dkim-signature once: the preexisting one, RFC 6376 5.4)
        src = signed_rr.get(name, '')
        out = os.path.join(tmp, '%s.opt-resign.simple-simple.eml' % name)
        if os.path.exists(src):
            jobs.append(((a.bin, rsa_key, 'rsa', 'simple/simple', src, out,
                          ['-h', 'from:to:subject:dkim-signature']),
                         (out, name, 'simple/simple', 'resign')))
    for (rc, err), (args, info) in zip(run_jobs(jobs, a.jobs), jobs):
        check(rc == 0, 'dkimsign %s %s %s exit %d %s'
              % (' '.join(args[6]), info[1], info[2], rc, err))
        if rc == 0:
            osigned.append(info)
    verify_all(osigned)

    # ---- peers sign, we verify -----------------------------------------
    psigned = []    # (path, name, canon, alg, signer)
    if 'dkimpy' in peers:
        for i, (name, fl, data) in enumerate(msgs):
            algs = [('rsa-sha256', 'rsa', rsa_pem)]
            if i % a.ed_every == 0:
                algs.append(('ed25519-sha256', 'ed', ed_seed))
            for canon in CANONS:
                for alg, sel, key in algs:
                    out = os.path.join(tmp, '%s.dkimpy.%s.%s.eml'
                                       % (name, sel, canon.replace('/', '-')))
                    try:
                        s = sign_dkimpy(data, key, sel, canon, alg)
                    except Exception as e:
                        print('# dkimpy cannot sign %s %s: %s: %s'
                              % (name, canon, type(e).__name__, e))
                        rows.append((name, '+'.join(feats[name]), canon, alg,
                                     'dkimpy', 'sign', 'error', '-', str(e), out))
                        continue
                    with open(out, 'wb') as f:
                        f.write(s)
                    psigned.append((out, name, canon, alg, 'dkimpy'))
            if i % a.opt_every == 0:
                # l= and i= (dkimpy's length=True, identity=)
                for canon in ('relaxed/relaxed', 'simple/simple'):
                    out = os.path.join(tmp, '%s.dkimpy-li.rsa.%s.eml'
                                       % (name, canon.replace('/', '-')))
                    try:
                        s = sign_dkimpy(data, rsa_pem, 'rsa', canon, 'rsa-sha256',
                                        length=True, identity=b'joe@mail.example.com')
                    except Exception as e:
                        print('# dkimpy cannot sign %s %s with l= i=: %s' % (name, canon, e))
                        continue
                    with open(out, 'wb') as f:
                        f.write(s)
                    psigned.append((out, name, canon, 'rsa-sha256 l= i=', 'dkimpy'))
    if 'opendkim' in peers:
        sub = [(n, fl) for i, (n, fl, _) in enumerate(msgs) if i % a.odk_every == 0]
        for alg, sel, key in (('rsa-sha256', 'rsa', rsa_key),
                              ('ed25519-sha256', 'ed', ed_key)):
            for canon in CANONS:
                if alg.startswith('ed') and canon.startswith('simple'):
                    # opendkim 2.11 -t prints Ed25519 simple-header
                    # signatures that nobody verifies (t/interop-verify.t)
                    continue
                ins = [os.path.join(tmp, n + '.eml') for n, _ in sub]
                sigs = sign_opendkim(tmp, key, sel, canon, alg, ins)
                for (n, fl), ip in zip(sub, ins):
                    data = open(ip, 'rb').read()
                    eol = b'\r\n' if data.split(b'\n', 1)[0].endswith(b'\r') else b'\n'
                    out = os.path.join(tmp, '%s.opendkim.%s.%s.eml'
                                       % (n, sel, canon.replace('/', '-')))
                    if not sigs.get(ip):
                        print('# opendkim did not sign %s %s %s' % (n, canon, alg))
                        rows.append((n, '+'.join(feats[n]), canon, alg,
                                     'opendkim', 'sign', 'error', '-', '', out))
                        continue
                    field = eol.join(sigs[ip]) + eol
                    if data.startswith(b'From '):
                        nl = data.index(b'\n') + 1
                        s = data[:nl] + field + data[nl:]
                    else:
                        s = field + data
                    with open(out, 'wb') as f:
                        f.write(s)
                    psigned.append((out, n, canon, alg, 'opendkim'))
    if 'maildkim' in peers:
        sub = [(n, d) for i, (n, _, d) in enumerate(msgs) if i % a.odk_every == 0]
        ins = [os.path.join(tmp, n + '.eml') for n, _ in sub]
        for canon in CANONS:
            sigs = sign_maildkim(rsa_key, 'rsa', canon, ins)
            for (n, data), ip in zip(sub, ins):
                out = os.path.join(tmp, '%s.maildkim.rsa.%s.eml' % (n, canon.replace('/', '-')))
                if ip not in sigs:
                    print('# Mail::DKIM did not sign %s %s' % (n, canon))
                    rows.append((n, '+'.join(feats[n]), canon, 'rsa-sha256',
                                 'maildkim', 'sign', 'error', '-', '', out))
                    continue
                eol = b'\r\n' if data.split(b'\n', 1)[0].endswith(b'\r') else b'\n'
                field = re.sub(b'\r?\n', eol, sigs[ip]) + eol
                if data.startswith(b'From '):
                    nl = data.index(b'\n') + 1
                    s = data[:nl] + field + data[nl:]
                else:
                    s = field + data
                with open(out, 'wb') as f:
                    f.write(s)
                psigned.append((out, n, canon, 'rsa-sha256', 'maildkim'))
    ppaths = [s[0] for s in psigned]
    pres = verify_ours(a.bin, zone, ppaths) if ppaths else {}
    for p, name, canon, alg, signer in psigned:
        data = open(p, 'rb').read()
        ref, rd = ref_verify(data, keys)[:2]
        ours = (pres[p] or [('noresult', '')])[0]
        rows.append((name, '+'.join(feats[name]), canon, alg, signer, 'ours',
                     ours[0], ref, ours[1], p))
        rows.append((name, '+'.join(feats[name]), canon, alg, signer, 'ref',
                     ref, ref, rd, p))
        own = None
        if signer == 'dkimpy':
            own = verify_dkimpy(keys, p)
            rows.append((name, '+'.join(feats[name]), canon, alg, signer,
                         'dkimpy', own[0], ref, own[1], p))
        desc = '%s %s %s signed by %s' % (name, canon, alg, signer)
        if ref != 'pass':
            print('# %s: the reference says %s (%s): the signer deviates from RFC 6376'
                  % (desc, ref, rd))
        # l= beyond the body: the reference says fail, dkimverify.1
        # fixes permerror (RFC 6376 leaves it open); nothing else counts.
        same = ours[0] == ref or (ref == 'fail' and rd.startswith(L_BEYOND) and
                                  ours[0] == 'permerror')
        check(same, '%s: dkimverify says %s, reference %s %s [%s]'
              % (desc, ours[1], ref, rd, '+'.join(feats[name])))
    write_report(a.report, rows)
    print('# %d messages, %d signed by us, %d by peers; %d ok, %d failed'
          % (len(msgs), len(signed), len(psigned), nok, nfail))
    return 0


def main_check(a):
    """Every verifier's result for each FILE, one line per signature."""
    keysfile = os.path.join(a.data, 'keys.txt')
    zone = os.path.join(a.data, 'zone.txt')
    keys = load_keys(keysfile)
    os.makedirs(a.tmp, exist_ok=True)
    ours = verify_ours(a.bin, zone, a.files)
    odk = verify_opendkim(a.tmp, keysfile, a.files)
    pl = verify_maildkim(keysfile, a.files)
    for p in a.files:
        data = open(p, 'rb').read()
        n = len([1 for nm, _ in ref_split(data)[0]
                 if nm.rstrip(WSP).lower() == b'dkim-signature'])
        print(p)
        for k in range(n):
            print('  signature %d' % k)
            print('    reference   %s %s' % ref_verify(data, keys, k)[:2])
            print('    dkimverify  %s' % (ours[p][k][1] if k < len(ours[p]) else '-'))
            print('    dkimpy      %s %s' % verify_dkimpy(keys, p, k))
            print('    opendkim    %s' % (odk[p][k][1] if k < len(odk[p]) else odk[p][-1][1]))
            print('    Mail::DKIM  %s' % (pl[p][k][1] if k < len(pl[p]) else '-'))
    return 0


def main_gen(a):
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'manifest.tsv'), 'w') as m:
        for name, fl, data in gen_messages(a.seed, a.count):
            with open(os.path.join(a.out, name + '.eml'), 'wb') as f:
                f.write(data)
            m.write('%s\t%s\n' % (name, '+'.join(fl)))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sp = ap.add_subparsers(dest='cmd', required=True)
    g = sp.add_parser('gen')
    g.add_argument('--seed', type=int, default=6376)
    g.add_argument('--count', type=int, default=40)
    g.add_argument('--out', required=True)
    for name in ('run', 'hostile', 'repro'):
        r = sp.add_parser(name)
        r.add_argument('--bin', required=True)
        r.add_argument('--data', required=True)
        r.add_argument('--tmp', required=True)
        r.add_argument('--seed', type=int, default=6376)
        r.add_argument('--count', type=int, default=40)
        r.add_argument('--peers', default='dkimpy,opendkim,maildkim')
        r.add_argument('--ed-every', type=int, default=4)
        r.add_argument('--odk-every', type=int, default=3)
        r.add_argument('--opt-every', type=int, default=5)
        r.add_argument('--half-canons', action='store_true',
                       help='run: sign each message in two canonicalisations, not four')
        r.add_argument('--jobs', type=int, default=2,
                       help='dkimsign processes run at the same time')
        r.add_argument('--report')
        r.add_argument('--write', help='hostile, repro: write the messages to DIR and stop')
    c = sp.add_parser('check')
    c.add_argument('--bin', required=True)
    c.add_argument('--data', required=True)
    c.add_argument('--tmp', default='/tmp/diff-dkim-check')
    c.add_argument('files', nargs='+')
    a = ap.parse_args()
    if a.cmd == 'check':
        return main_check(a)
    if a.cmd == 'gen':
        return main_gen(a)
    if a.cmd == 'run':
        return main_run(a)
    if a.cmd == 'repro':
        return main_repro(a)
    return main_hostile(a)


# ---------------------------------------------------------------- hostile signatures

HOSTILE_MSG = (b'From: Joe SixPack <joe@example.com>\n'
               b'To: Suzie Q <suzie@example.net>\n'
               b'Subject: hostile signature test\n'
               b'Date: Mon, 24 Nov 2025 09:59:59 +0000\n'
               b'Message-ID: <hostile@example.com>\n'
               b'\n'
               b'Hello Suzie.\n'
               b'This is the body.\n')

BASE_TAGS = (('v', '1'), ('a', 'rsa-sha256'), ('c', 'relaxed/relaxed'),
             ('d', DOMAIN), ('s', 'rsa'), ('t', '1700000000'),
             ('h', 'from:to:subject:date'), ('bh', '{bh}'), ('b', '{b}'))


def tags(drop=(), extra=(), **over):
    """A tag-list text from BASE_TAGS with tags replaced (over), removed
    (drop) or added before bh= (extra: raw "n=v" strings)."""
    out = []
    for n, v in BASE_TAGS:
        if n in drop:
            continue
        if n == 'bh':
            out += list(extra)
        v = over.get(n, v)
        out.append('%s=%s' % (n, v))
    return '; '.join(out)


def craft(msg, text, keyfile, hash_alg=None, hc=None, bc=None, hlist=None,
          blen=None):
    """Prepend a DKIM-Signature whose tag-list is `text` (placeholders
    {bh} and {b}), with a correct body hash and signature computed by the
    reference canonicaliser, so that only what `text` says is wrong is
    wrong.  hc/bc/hlist/blen/hash_alg override what `text` says for the
    computation (for tag values that are themselves malformed)."""
    from dkim.crypto import parse_pem_private_key, RSASSA_PKCS1_v1_5_sign
    t = taglist(text.replace('{bh}', '').replace('{b}', '').encode())
    c = t.get('c', b'simple/simple').decode()
    if hc is None:
        hc = c.split('/')[0] if c.split('/')[0] in ('simple', 'relaxed') else 'relaxed'
    if bc is None:
        bb = c.split('/')[1] if '/' in c else 'simple'
        bc = bb if bb in ('simple', 'relaxed') else 'relaxed'
    if hash_alg is None:
        hash_alg = 'sha1' if t.get('a') == b'rsa-sha1' else 'sha256'
    H = getattr(hashlib, hash_alg)
    _, body = ref_split(msg)
    cb = ref_body(body, bc)
    if blen is None and re.fullmatch(rb'[0-9]{1,15}', t.get('l', b'x')):
        blen = int(t['l'])
    if blen is not None:
        cb = cb[:blen]
    text = text.replace('{bh}', base64.b64encode(H(cb).digest()).decode())
    # the field as ref_split will read it back: folds with CRLF
    field = b'DKIM-Signature: ' + re.sub(b'\r?\n', b'\r\n', text.replace('{b}', '').encode()) + b'\r\n'
    fields, _ = ref_split(msg)
    if hlist is None:
        hlist = t.get('h', b'from').split(b':')
    used, data = set(), b''
    for hn in hlist:
        for i in range(len(fields) - 1, -1, -1):
            if i not in used and fields[i][0].rstrip(WSP).lower() == hn.strip().lower():
                used.add(i)
                data += ref_header(fields[i][1], hc)
                break
    sigc = ref_header(strip_b(field), hc)
    data += sigc[:-2] if sigc.endswith(b'\r\n') else sigc
    key = open(keyfile, 'rb').read()
    if b'PRIVATE KEY' not in key or keyfile.endswith('ed.private'):
        import nacl.signing
        seed = open(keyfile.replace('ed.private', 'ed.seed'), 'rb').read().strip()
        sig = nacl.signing.SigningKey(base64.b64decode(seed)).sign(
            hashlib.sha256(data).digest()).signature
    else:
        sig = RSASSA_PKCS1_v1_5_sign(H(data), parse_pem_private_key(key))
    eol = b'\r\n' if msg.split(b'\n', 1)[0].endswith(b'\r') else b'\n'
    return b'DKIM-Signature: ' + text.replace('{b}', base64.b64encode(sig).decode()).encode() + eol + msg


def hostile_cases():
    """(name, message bytes, expected, why).  expected is the one result
    word dkimverify must give for the topmost signature; why cites the
    rule.

    Each case has exactly one answer, so that each can fail on a wrong
    verdict, not only on a crash.  The words are RFC 8601 2.7.1's:
    - RFC 6376 PERMFAIL for a signature that cannot be evaluated (6.1.1
      syntax errors and missing tags, 6.1.2 key problems) is permerror
      ("could not be verified due to some error that is unrecoverable");
      RFC 8601's neutral ("signature ... contained syntax errors or were
      not otherwise able to be processed") overlaps it, and dkimverify.1
      fixes permerror for all of these, so no case expects neutral.
    - A failed check (6.1.3 signature or body hash did not verify, 6.1.2
      step 6 revoked key) is fail.
    - What RFC 8301 and DESIGN.md forbid to pass although it may verify
      (rsa-sha1, small keys, From not exactly once) is policy (RFC 8601
      2.7.1: "not acceptable ... by local policy"; dkimverify.1).
    Where the RFC leaves a choice, the comment says whose choice it is
    (DESIGN.md, else dkimverify.1, which DESIGN's contract leaves to it)."""
    K = lambda n: os.path.join(KEYDIR, n)
    rsa, ed = K('rsa.private'), K('ed.private')
    M = HOSTILE_MSG
    perm = 'permerror'
    weak = 'policy'
    cases = []

    def add(name, msg, want, why):
        assert isinstance(want, str), name   # one answer per case
        cases.append((name, msg, {want}, why))

    add('control', craft(M, tags(), rsa), 'pass', 'well-formed rsa-sha256 signature')
    add('control-ed25519', craft(M, tags(a='ed25519-sha256', s='ed'), ed), 'pass',
        'RFC 8463 ed25519-sha256')
    add('control-simple', craft(M, tags(c='simple/simple'), rsa), 'pass', 'c=simple/simple')
    add('control-no-c', craft(M, tags(drop=('c',)), rsa), 'pass',
        'RFC 6376 3.5 c= default simple/simple')
    add('control-c-header-only', craft(M, tags(c='relaxed'), rsa), 'pass',
        'RFC 6376 3.5: c=relaxed means relaxed/simple')
    add('unknown-sig-tag', craft(M, tags(extra=('zz=whatever',)), rsa), 'pass',
        'RFC 6376 3.2: unrecognised tags MUST be ignored')
    add('tag-fws', craft(M, 'v = 1 ;\ta=rsa-sha256 ; c = relaxed/relaxed;\r\n d=example.com; s=rsa;'
                        ' h = from : to : subject : date ; bh={bh}; b={b}'.replace('\r\n', '\n'), rsa),
        'pass', 'RFC 6376 3.2: FWS around "=" and ";", 3.5 h= FWS around ":"')
    add('trailing-semicolon', craft(M, tags() + ';', rsa), 'pass',
        'RFC 6376 3.2 tag-list = tag-spec *( ";" tag-spec ) [ ";" ]')
    add('syntax-empty-name', craft(M, tags(extra=('=bad',)), rsa), perm,
        'RFC 6376 3.2 tag-spec needs a tag-name; 6.1.1 PERMFAIL (signature syntax error)')
    add('syntax-no-equals', craft(M, tags(extra=('junk',)), rsa), perm,
        'RFC 6376 3.2 tag-spec = tag-name "=" tag-value')
    add('syntax-bad-name', craft(M, tags(extra=('x-y=1',)), rsa), perm,
        'RFC 6376 3.2 tag-name = ALPHA *ALNUMPUNC ("-" is not ALNUMPUNC)')
    add('duplicate-tag', craft(M, tags(extra=('d=example.com',)), rsa), perm,
        'RFC 6376 3.2: a tag name occurring twice makes the tag-list invalid')
    add('uppercase-tag-name', craft(M, tags(drop=('v',), extra=('V=1',)), rsa), perm,
        'RFC 6376 3.2: tag names are case-sensitive, so v= is missing')
    for t in ('v', 'a', 'b', 'bh', 'd', 'h', 's'):
        txt = tags(drop=(t,))
        kw = {}
        if t == 'h':
            kw['hlist'] = [b'from', b'to', b'subject', b'date']
        if t == 'b':
            add('missing-b', craft(M, txt, rsa).replace(b'; bh=', b'; bh=', 1), perm,
                'RFC 6376 6.1.1 PERMFAIL (signature missing required tag)')
            continue
        add('missing-' + t, craft(M, txt, rsa, **kw), perm,
            'RFC 6376 6.1.1 PERMFAIL (signature missing required tag)')
    add('v-2', craft(M, tags(v='2'), rsa), perm, 'RFC 6376 6.1.1 PERMFAIL (incompatible version)')
    add('v-empty', craft(M, tags(v=''), rsa), perm, 'RFC 6376 3.5 v= must be 1')
    add('a-unknown', craft(M, tags(a='rsa-sha512'), rsa, hash_alg='sha256'), perm,
        'RFC 6376 3.5 a=, 6.1.1: unknown algorithm, signature cannot be evaluated')
    add('a-rsa-sha1', craft(M, tags(a='rsa-sha1'), rsa), weak,
        'RFC 8301 3.1: verifiers MUST NOT consider rsa-sha1 signatures valid '
        '(the word: dkimverify.1, policy)')
    # RFC 6376 3.5 a= and c= values are ABNF quoted strings ("rsa-sha256",
    # "relaxed"), and RFC 5234 2.3 makes those case-insensitive: pass
    # (3.2 makes tag NAMES case-sensitive, not values).
    add('a-uppercase', craft(M, tags(a='RSA-SHA256'), rsa), 'pass',
        'RFC 6376 3.5 sig-a-tag, RFC 5234 2.3: ABNF quoted strings are case-insensitive')
    add('c-uppercase', craft(M, tags(c='Relaxed/Relaxed'), rsa, hc='relaxed', bc='relaxed'),
        'pass', 'RFC 6376 3.5 sig-c-tag, RFC 5234 2.3: ABNF quoted strings are case-insensitive')
    add('key-g-i-mismatch', craft(M, tags(s='keyg', extra=('i=joe@example.com',)), rsa), 'pass',
        'RFC 6376 dropped g=: i= "joe" vs g=jane does not matter any more')
    add('c-unknown', craft(M, tags(c='bogus/relaxed'), rsa), perm,
        'RFC 6376 3.5 c=: unknown canonicalisation')
    add('c-three-parts', craft(M, tags(c='relaxed/relaxed/simple'), rsa), perm,
        'RFC 6376 3.5 c= sig-c-tag-alg ["/" sig-c-tag-alg]')
    add('q-dns-txt', craft(M, tags(extra=('q=dns/txt',)), rsa), 'pass', 'RFC 6376 3.5 q=dns/txt')
    add('q-uppercase', craft(M, tags(extra=('q=DNS/TXT',)), rsa), 'pass',
        'RFC 6376 3.5 sig-q-tag-method "dns/txt", RFC 5234 2.3: case-insensitive')
    add('q-http', craft(M, tags(extra=('q=http',)), rsa), perm,
        'RFC 6376 3.5 q=: no supported query method')
    add('q-list', craft(M, tags(extra=('q=dns/txt:http',)), rsa), 'pass',
        'RFC 6376 3.5 q= is a colon-separated list; dns/txt is in it')
    add('i-at-d', craft(M, tags(extra=('i=@example.com',)), rsa), 'pass', 'RFC 6376 3.5 i=')
    add('i-subdomain', craft(M, tags(extra=('i=joe@mail.example.com',)), rsa), 'pass',
        'RFC 6376 3.5 i= may be a subdomain of d=')
    add('i-case', craft(M, tags(extra=('i=joe@EXAMPLE.com',)), rsa), 'pass',
        'domain names compare case-insensitively')
    add('i-qp', craft(M, tags(extra=('i=j=3Boe@example.com',)), rsa), 'pass',
        'RFC 6376 3.5 i= is dkim-quoted-printable')
    add('i-other-domain', craft(M, tags(extra=('i=joe@example.org',)), rsa), perm,
        'RFC 6376 6.1.1 PERMFAIL (domain mismatch)')
    add('i-suffix-not-subdomain', craft(M, tags(extra=('i=joe@badexample.com',)), rsa), perm,
        'RFC 6376 6.1.1: "badexample.com" is not a subdomain of "example.com"')
    add('i-parent', craft(M, tags(d='mail.example.com', extra=('i=joe@example.com',)), rsa), perm,
        'RFC 6376 6.1.1: i= must be d= or below it, not above')
    add('i-no-at', craft(M, tags(extra=('i=joe.example.com',)), rsa), perm,
        'RFC 6376 3.5 sig-i-tag needs "@"')
    body = ref_body(ref_split(M)[1], 'relaxed')
    add('l-exact', craft(M, tags(extra=('l=%d' % len(body),)), rsa), 'pass', 'RFC 6376 3.5 l=')
    add('l-appended', craft(M, tags(extra=('l=%d' % len(body),)), rsa) + b'Appended later.\n',
        'pass', 'RFC 6376 3.5 l=: content after l= octets is not covered')
    add('l-zero', craft(M, tags(extra=('l=0',)), rsa), 'pass', 'RFC 6376 3.5 l=0')
    add('l-beyond-body', craft(M, tags(extra=('l=%d' % (len(body) + 10),)), rsa,
                               blen=len(body)), perm,
        'l= larger than the canonicalised body: RFC 6376 3.5 leaves the result open, it cannot '
        'pass (dkimverify.1: permerror)')
    add('l-not-number', craft(M, tags(extra=('l=abc',)), rsa), perm, 'RFC 6376 3.5 l= 1*76DIGIT')
    add('l-negative', craft(M, tags(extra=('l=-1',)), rsa), perm, 'RFC 6376 3.5 l= 1*76DIGIT')
    add('l-huge', craft(M, tags(extra=('l=' + '9' * 40,)), rsa, blen=len(body)), perm,
        'RFC 6376 3.5 l= larger than any body (and than 64 bits) (dkimverify.1: permerror)')
    add('h-no-from', craft(M, tags(h='to:subject:date'), rsa), perm,
        'RFC 6376 6.1.1 PERMFAIL (From field not signed)')
    add('h-from-uppercase', craft(M, tags(h='FROM:To:Subject:Date'), rsa), 'pass',
        'RFC 6376 3.5 h=: field names compare case-insensitively')
    add('h-empty', craft(M, tags(h=''), rsa, hlist=[]), perm, 'RFC 6376 3.5 h= must not be empty')
    add('h-missing-field', craft(M, tags(h='from:to:subject:date:reply-to:cc'), rsa), 'pass',
        'RFC 6376 5.4: names of absent fields are allowed and hash nothing')
    add('h-oversigned', craft(M, tags(h='from:from:to:subject:date'), rsa), 'pass',
        'RFC 6376 5.4.2: a name listed more often than the field occurs hashes nothing')
    # RFC 6376 3.5 t=: "Implementations MAY ignore signatures that have a
    # timestamp in the future": a choice; DESIGN.md is silent, dkimverify.1
    # fixes it: more than 5 minutes ahead is permerror.
    add('t-future', craft(M, tags(t='4102444800'), rsa), perm,
        'RFC 6376 3.5 t=: verifiers MAY ignore signatures in the future (dkimverify.1: permerror)')
    add('t-not-number', craft(M, tags(t='yesterday'), rsa), perm, 'RFC 6376 3.5 t= 1*12DIGIT')
    add('x-before-t', craft(M, tags(extra=('x=1699999999',)), rsa), perm,
        'RFC 6376 3.5 x= MUST be greater than t=: a signature syntax error (6.1.1)')
    add('x-expired', craft(M, tags(extra=('x=1700000100',)), rsa), 'fail',
        'RFC 6376 6.1.1 MAY PERMFAIL (signature expired); DESIGN.md: "x= in the past fails"')
    add('x-future', craft(M, tags(extra=('x=4102444800',)), rsa), 'pass', 'RFC 6376 3.5 x=')
    add('x-not-number', craft(M, tags(extra=('x=never',)), rsa), perm, 'RFC 6376 3.5 x= 1*12DIGIT')
    good = craft(M, tags(), rsa)
    add('b-bad-base64', re.sub(rb'; b=[^\r\n]*', b'; b=!!!not*base64!!!', good, 1), perm,
        'RFC 6376 3.5 b= base64string: 6.1.1 PERMFAIL (signature syntax error)')
    add('bh-bad-base64', re.sub(rb'bh=[^;]*', b'bh=#bad#', craft(M, tags(), rsa), 1), perm,
        'RFC 6376 3.5 bh= base64string: 6.1.1 PERMFAIL (signature syntax error)')
    add('b-wrong', re.sub(rb'; b=[A-Za-z0-9]', b'; b=A', good, 1), 'fail',
        'RFC 6376 6.1.3 PERMFAIL (signature did not verify) = dkim=fail')
    add('b-empty', re.sub(rb'; b=[^\r\n]*', b'; b=', good, 1), perm,
        'RFC 6376 3.5 sig-b-tag-data = base64string, not empty: 6.1.1 syntax error')
    add('b-folded', re.sub(rb'(; b=.{20})(.{20})', rb'\1\n \t\2', good, 1), 'pass',
        'RFC 6376 3.5 b=: FWS inside base64 is ignored')
    add('body-changed', good.replace(b'This is the body.', b'This is the b0dy.'), 'fail',
        'RFC 6376 6.1.3 body hash did not verify')
    add('header-changed', good.replace(b'hostile signature test', b'hostile signature tesT'),
        'fail', 'RFC 6376 6.1.3 signature did not verify')
    add('d-uppercase', craft(M, tags(d='EXAMPLE.COM'), rsa), 'pass',
        'domain names are case-insensitive (RFC 4343)')
    # RFC 6376 3.5 sig-d-tag = domain-name = sub-domain 1*("." sub-domain)
    # (RFC 5321 4.1.2): no empty last label, so a trailing dot is a
    # signature syntax error, 6.1.1 PERMFAIL.
    add('d-trailing-dot', craft(M, tags(d='example.com.'), rsa), perm,
        'RFC 6376 3.5 d= domain-name has no trailing dot: 6.1.1 syntax error')
    add('d-bad-chars', craft(M, tags(d='exa mple.com'), rsa), perm,
        'RFC 6376 3.5 d= domain-name')
    add('s-nxdomain', craft(M, tags(s='missing'), rsa), perm,
        'RFC 6376 6.1.2 PERMFAIL (no key for signature)')
    add('dkim-sig-no-space', craft(M, tags(), rsa).replace(b'DKIM-Signature: ', b'DKIM-Signature:', 1),
        'pass', 'RFC 5322: no space needed after the colon')
    add('dkim-sig-lowercase-name', craft(M, tags(), rsa).replace(b'DKIM-Signature: ', b'dkim-signature: ', 1),
        'pass', 'RFC 5322 field names are case-insensitive')
    # key records
    for sel, want, why in (
            ('rsa1024', 'pass', 'RFC 8301 3.2: 1024 bits is the minimum'),
            ('rsa512', weak, 'RFC 8301 3.2: RSA keys under 1024 bits MUST NOT be considered valid'),
            ('sha1only', perm, 'RFC 6376 6.1.2 PERMFAIL (inappropriate hash algorithm)'),
            ('sha256h', 'pass', 'RFC 6376 3.6.1 h= lists sha256'),
            ('tsub', 'pass', 'RFC 6376 3.6.1 t=s, i= defaults to @d'),
            ('testing', 'pass', 'RFC 6376 3.6.1 t=y does not change the result'),
            ('semail', 'pass', 'RFC 6376 3.6.1 s=email'),
            ('sstar', 'pass', 'RFC 6376 3.6.1 s=*'),
            ('sother', perm, 'RFC 6376 3.6.1 s=: a record not for "email" MUST be ignored (no key)'),
            ('kmismatch', perm, 'RFC 6376 6.1.2 PERMFAIL (inappropriate key algorithm): k=ed25519, a=rsa-sha256'),
            ('kunknown', perm, 'RFC 6376 3.6.1 k=: unknown key type'),
            ('v2', perm, 'RFC 6376 3.6.1: a record with v= other than DKIM1 MUST be discarded'),
            # RFC 6376 3.6.1 v=: "This tag MUST be the first tag in the
            # record"; 6.1.2: a record that does not adhere to the format
            # MUST be ignored, PERMFAIL (no key for signature).
            ('vnotfirst', perm, 'RFC 6376 3.6.1: v= MUST be the first tag; 6.1.2 ignore the record'),
            ('nov', 'pass', 'RFC 6376 3.6.1: v= is optional in key records'),
            # RFC 6376 3.6.1 k=rsa: p= is "an ASN.1 DER-encoded
            # RSAPublicKey", which is what this record holds: pass.  (The
            # usual SubjectPublicKeyInfo is practice, every other record
            # here; dkimverify.1 accepts both.)
            ('pkcs1', 'pass', 'RFC 6376 3.6.1 k=rsa: p= is an RSAPublicKey'),
            # RFC 6376 6.1.2 step 6: "MUST treat this as a failed signature
            # check"; DESIGN.md: "a revoked key (p= empty) is a fail".
            ('revoked', 'fail', 'RFC 6376 6.1.2: a revoked key is a failed signature check'),
            ('badb64', perm, 'RFC 6376 6.1.2 PERMFAIL (key syntax error)'),
            ('nop', perm, 'RFC 6376 3.6.1 p= is required'),
            ('unknowntag', 'pass', 'RFC 6376 3.2 unknown tags are ignored'),
            ('spaces', 'pass', 'RFC 6376 3.2/3.6.1: FWS around tags and inside p='),
            ('edrsa', perm, 'k=rsa with an Ed25519 public key: unusable key data'),
            ('keyg', 'pass', 'RFC 6376 (C.2 of the changes from RFC 4871): key g= is gone, '
             'an RFC 6376 verifier ignores it as an unknown tag'),
            ('tunknown', 'pass', 'RFC 6376 3.6.1 t=: unrecognised flags MUST be ignored'),
            ('upperk', 'pass', 'RFC 6376 3.2: tag names are case-sensitive, so "K=" is an '
             'unknown tag and k= defaults to rsa'),
            # RFC 6376 3.6.1 key-k-tag-type "rsa" is an ABNF quoted
            # string: case-insensitive (RFC 5234 2.3).
            ('kupper', 'pass', 'k=RSA: RFC 5234 2.3 ABNF quoted strings are case-insensitive')):
        key = K(sel + '.private') if sel in ('rsa1024', 'rsa512') else rsa
        add('key-' + sel, craft(M, tags(s=sel), key), want, why)
    add('key-tsub-i-subdomain', craft(M, tags(s='tsub', extra=('i=joe@mail.example.com',)), rsa), perm,
        'RFC 6376 3.6.1 t=s: the i= domain MUST NOT be a subdomain of d=')
    add('key-tsub-i-same', craft(M, tags(s='tsub', extra=('i=joe@example.com',)), rsa), 'pass',
        'RFC 6376 3.6.1 t=s with i= in d= itself')
    add('ed25519-rsa-key', craft(M, tags(a='ed25519-sha256', s='rsa'), ed), perm,
        'RFC 6376 6.1.2 inappropriate key algorithm (k=rsa record, ed25519 signature)')
    add('rsa-ed-key', craft(M, tags(a='rsa-sha256', s='ed'), rsa), perm,
        'RFC 6376 6.1.2 inappropriate key algorithm (k=ed25519 record, rsa signature)')
    # messages
    two_from = craft(M, tags(), rsa).replace(b'From: Joe', b'From: Mallory <m@example.org>\nFrom: Joe', 1)
    # The signature verifies over the lower From; DESIGN.md "a second From
    # field is not a pass"; the word is dkimverify.1's: policy.
    add('two-from-added', two_from, 'policy',
        'RFC 6376 8.15, DESIGN.md: a second From is not a pass (dkimverify.1: policy)')
    M2 = M.replace(b'From: Joe', b'From: Mallory <m@example.org>\nFrom: Joe', 1)
    add('two-from-signed', craft(M2, tags(h='from:from:to:subject:date'), rsa), 'policy',
        'RFC 5322 3.6: exactly one From; DESIGN.md: a second From field is not a pass '
        '(dkimverify.1: policy)')
    M3 = M.replace(b'From: Joe SixPack <joe@example.com>\n', b'')
    add('no-from-field', craft(M3, tags(h='from:to:subject:date'), rsa), 'policy',
        'RFC 5322 3.6 From is required; DESIGN.md: From not covered is not a pass '
        '(dkimverify.1: policy)')
    s1 = craft(M, tags(), rsa)
    s2 = craft(s1, tags(s='ed', a='ed25519-sha256'), ed)
    add('two-sigs-both-good', s2, 'pass', 'RFC 6376 4: each signature on its own')
    bad = craft(M, tags(s='missing'), rsa)
    add('two-sigs-second-good', craft(bad, tags(), rsa), 'pass',
        'RFC 6376 4: one good signature is enough (topmost is good, second has no key)')
    add('two-sigs-first-good', craft(craft(M, tags(), rsa), tags(s='missing'), rsa), perm,
        'topmost signature has no key (6.1.2 PERMFAIL no key for signature); the second one passes')
    sig_in_h = craft(M, tags(h='from:to:subject:date:dkim-signature'), rsa)
    # RFC 6376 5.4: the signer MUST NOT list the field in its own h=; the
    # verifier has no exception: 5.4.2 selects the instances of each h=
    # name from the message as it is, bottom up, and the only
    # DKIM-Signature is the one being verified, so its text (b= and all)
    # is hashed where the signer hashed nothing: 6.1.3 the signature does
    # not verify, fail (as opendkim, dkimpy and Mail::DKIM say).
    add('h-lists-dkim-signature', sig_in_h, 'fail',
        'RFC 6376 5.4.2: the field named in h= is the signature itself, hashed by the verifier: '
        '6.1.3 signature did not verify')
    return cases


KEYDIR = None

# Minimal reproducers (t/data/diff/repro/): NAME, canonicalisation, dkimsign
# options, message, who disagrees.  All but the first are signed correctly
# by dkimsign (the reference verifier and dkimverify say pass) and a peer
# fails them: the peer deviates from RFC 6376.
REPRO_BASE = (b'From: Joe <joe@example.com>\nTo: Suzie <suzie@example.net>\n'
              b'Subject: repro\nDate: Mon, 24 Nov 2025 09:59:59 +0000\n\n')
REPROS = (
    ('ours-dkimsign-h-dkim-signature', 'relaxed/relaxed',
     ['-h', 'from:to:subject:dkim-signature'], REPRO_BASE + b'Hello.\n',
     'ours: RFC 6376 5.4 "The DKIM-Signature header field ... MUST NOT be included in the '
     'h= tag except to indicate that other preexisting signatures are also signed"; '
     'dkimsign wrote it anyway (this file was made then) and opendkim, dkimpy, Mail::DKIM '
     'fail the signature; fixed: dkimsign leaves it out now, and dkimverify fails this file too'),
    ('opendkim-colon-space', 'simple/simple', ['-h', 'from:to:subject:date'],
     REPRO_BASE.replace(b'Subject: repro', b'Subject:repro'),
     'opendkim -t: rebuilds "Subject:repro" as "Subject: repro" (simple header)'),
    ('opendkim-lone-cr-header', 'relaxed/relaxed', [],
     REPRO_BASE.replace(b'Subject: repro', b'Subject: a\rb') + b'Hello.\n',
     'opendkim: lone CR in a header value turned into SP (RFC 6376 3.4.2 compresses WSP only)'),
    ('opendkim-lone-cr-body', 'simple/relaxed', [], REPRO_BASE + b'x \ry\n',
     'opendkim: lone CR in the body dropped with the WSP before it (RFC 6376 3.4.4 touches WSP only)'),
    ('opendkim-no-final-eol-relaxed', 'relaxed/relaxed', [], REPRO_BASE + b'last line',
     'opendkim -t: "message not signed" when the last line has no line end and c=*/relaxed'),
    ('opendkim-no-final-eol-simple-long', 'simple/simple', [],
     REPRO_BASE + b'y' * 5000 + b'\nlast line',
     'opendkim: no CRLF added to a last line without one when the body is over 4 KiB '
     '(RFC 6376 3.4.3)'),
    ('opendkim-nul', 'relaxed/relaxed', [], REPRO_BASE + b'nul \x00 byte\n',
     'opendkim -t: body line cut at a NUL byte'),
    ('maildkim-no-final-crlf-simple', 'simple/simple', [], REPRO_BASE + b'last line',
     'Mail::DKIM: no CRLF added to a last line without one (RFC 6376 3.4.3: "a CRLF is added")'),
    ('dkimpy-trailing-wsp-last-line', 'relaxed/relaxed', [], REPRO_BASE + b'last line \t',
     'dkimpy: trailing WSP of a last line without CRLF kept (RFC 6376 3.4.4 a: ignored)'),
    ('dkimpy-wsp-before-colon', 'relaxed/relaxed', ['-h', 'from:to:subject:date'],
     REPRO_BASE.replace(b'Subject: repro', b'Subject : repro') + b'Hello.\n',
     'dkimpy: MessageFormatError on "Subject : repro" (RFC 5322 4.5.8 obs-optional allows WSP before ":"; '
     'RFC 6376 3.4.2 relaxed deletes it)'),
)


def main_repro(a):
    """--write DIR: (re)make the reproducers; otherwise check the files
    in DATA/repro: dkimverify and the reference pass each one but the
    first (which is about dkimsign: diagnostics only), peers shown as
    diagnostics."""
    keysfile = os.path.join(a.data, 'keys.txt')
    zone = os.path.join(a.data, 'zone.txt')
    keys = load_keys(keysfile)
    rsa = os.path.join(a.data, 'keys', 'rsa.private')
    if a.write:
        os.makedirs(a.write, exist_ok=True)
        with open(os.path.join(a.write, 'README'), 'w') as idx:
            idx.write('Made by t/diff-dkim.py repro --write (dkimsign -t %s, key '
                      '../keys/rsa.private, records ../zone.txt).\n\n' % SIGN_TIME)
            for name, canon, opts, msg, why in REPROS:
                src = os.path.join(a.write, name + '.in')
                with open(src, 'wb') as f:
                    f.write(msg)
                rc, err = sign_ours(a.bin, rsa, 'rsa', canon, src,
                                    os.path.join(a.write, name + '.eml'), opts)
                os.unlink(src)
                idx.write('%s.eml\tdkimsign -c %s %s\t%s\n' % (name, canon, ' '.join(opts), why))
                if rc:
                    raise SystemExit('dkimsign failed on %s: %s' % (name, err))
        return 0
    peers = set(a.peers.split(',')) if a.peers else set()
    paths = [os.path.join(a.data, 'repro', r[0] + '.eml') for r in REPROS]
    ours = verify_ours(a.bin, zone, paths)
    odk = verify_opendkim(a.tmp, keysfile, paths) if 'opendkim' in peers else {}
    pl = verify_maildkim(keysfile, paths) if 'maildkim' in peers else {}
    for (name, canon, opts, msg, why), p in zip(REPROS, paths):
        peer = {}
        if 'dkimpy' in peers:
            peer['dkimpy'] = [verify_dkimpy(keys, p)]
        if odk:
            peer['opendkim'] = odk[p]
        if pl:
            peer['maildkim'] = pl[p]
        o = (ours[p] or [('noresult', '')])[0]
        ref = ref_verify(open(p, 'rb').read(), keys)[:2]
        if name.startswith('ours-'):
            # About dkimsign (checked by t/diff-dkim.t itself): here only
            # what each verifier makes of the signature it wrote.
            print('# repro %s: dkimverify says %s; reference %s; %s'
                  % (name, o[1], ref[0], '; '.join('%s %s' % (v, r[0][1] or r[0][0])
                                                   for v, r in sorted(peer.items()))))
            print('#   ' + why)
            continue
        print('%s\trepro %s: dkimverify says %s' % ('ok' if o[0] == 'pass' else 'fail', name, o[1]))
        print('%s\trepro %s: the reference verifier says %s %s'
              % ('ok' if ref[0] == 'pass' else 'fail', name, ref[0], ref[1]))
        print('#   %s; peers: %s' % (why, '; '.join('%s %s' % (v, r[0][1] or r[0][0])
                                               for v, r in sorted(peer.items()))))
    return 0




def main_hostile(a):
    global KEYDIR
    KEYDIR = os.path.join(a.data, 'keys')
    keysfile = os.path.join(a.data, 'keys.txt')
    zone = os.path.join(a.data, 'zone.txt')
    keys = load_keys(keysfile)
    peers = set(a.peers.split(',')) if a.peers else set()
    out = a.write or a.tmp
    os.makedirs(out, exist_ok=True)
    cases = hostile_cases()
    paths = []
    for name, msg, want, why in cases:
        p = os.path.join(out, name + '.eml')
        with open(p, 'wb') as f:
            f.write(msg)
        paths.append(p)
    if a.write:
        with open(os.path.join(out, 'README'), 'w') as f:
            f.write('Crafted by t/diff-dkim.py hostile --write (deterministic); '
                    'keys in ../keys.txt, zone in ../zone.txt.\n\n')
            for name, msg, want, why in cases:
                f.write('%s.eml\twant %s\t%s\n' % (name, '|'.join(sorted(want)), why))
        return 0
    ours = verify_ours(a.bin, zone, paths)
    odk = verify_opendkim(a.tmp, keysfile, paths) if 'opendkim' in peers else {}
    pl = verify_maildkim(keysfile, paths) if 'maildkim' in peers else {}
    rows = []
    nfail = 0
    for (name, msg, want, why), p in zip(cases, paths):
        o = ours[p]
        words = [w for w, _ in o]
        n = msg.count(b'DKIM-Signature:') + msg.count(b'dkim-signature:')
        peer = {}
        if 'dkimpy' in peers:
            peer['dkimpy'] = [verify_dkimpy(keys, p, i) for i in range(n)]
        if odk:
            peer['opendkim'] = odk[p]
        if pl:
            peer['maildkim'] = pl[p]
        top = words[0] if words else 'noresult'
        good = top in want
        nfail += not good
        print('%s\thostile %s: dkimverify says %s, want %s (%s)'
              % ('ok' if good else 'fail', name, ' | '.join(l for _, l in o) or 'nothing',
                 '|'.join(sorted(want)), why))
        for v, r in sorted(peer.items()):
            print('#   %s: %s' % (v, ' | '.join('%s %s' % (w, d) for w, d in r)))
        rows.append((name, '|'.join(sorted(want)), ' / '.join(l for _, l in o)) +
                    tuple(' / '.join('%s %s' % (w, d) for w, d in peer.get(v, []))
                          for v in ('dkimpy', 'opendkim', 'maildkim')) + (why,))
    if a.report:
        with open(a.report, 'w') as f:
            f.write('case\twant\tours\tdkimpy\topendkim\tmaildkim\twhy\n')
            for r in rows:
                f.write('\t'.join(x.replace('\t', ' ') for x in r) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
