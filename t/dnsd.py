#!/usr/bin/python3
"""dnsd.py: a small authoritative DNS server for the senderauth tests.

Listens on 127.0.0.1, UDP and TCP on the same port, and answers from zone
files, OpenSPF-style JSON scenario data and error lists.  Never recurses,
never talks to anything but its clients.  Start it through t/lib.sh
dnsd_start, or by hand:

    /usr/bin/python3 t/dnsd.py --port-file /tmp/port --zone zone.txt &
    drill -p "$(cat /tmp/port)" @127.0.0.1 sel._domainkey.example.com TXT

Options:
  --port N          listen on port N (default: a free port chosen by the
                    kernel; UDP and TCP always share the number)
  --port-file FILE  write the port number to FILE once listening
  --zone FILE       RFC 1035 master file (repeatable).  Subset: $ORIGIN,
                    $TTL, ';' comments, '(' ')' spanning lines, quoted
                    strings with \\" \\\\ \\DDD escapes, owner omitted = the
                    previous owner, '@' = $ORIGIN, optional TTL and class;
                    types A AAAA MX TXT SPF PTR CNAME NS SOA (other types are
                    skipped with a warning).  Relative names without $ORIGIN
                    are relative to the root.
  --json FILE       scenario data (repeatable): a JSON object
                    {"name": [entry, ...]} with the entries of the OpenSPF
                    test-suite zonedata (shared/testsuites/spf/FORMAT.md 4.2):
                    {"TXT": "s"}, {"TXT": ["s1", "s2"]}, {"SPF": ...},
                    {"TXT": "NONE"}, {"TXT": "NO-SYNTHESIS"}, "NO-TXT-SYNTHESIS",
                    {"A": "1.2.3.4"}, {"AAAA": "::1"}, {"MX": [pref, "host"]},
                    {"PTR": "name"}, {"CNAME": "name"}, "TIMEOUT",
                    {"TYPE": "TIMEOUT"}, "RCODEn", {"TYPE": "RCODEn"}.
                    Strings are served as Latin-1 bytes (U+0000-U+00FF = one
                    byte each).  Served with the emulation rules of FORMAT.md
                    4.4 (see "Answer rules" below).
  --servfail NAME   NAME answers SERVFAIL for every type (repeatable)
  --timeout NAME    NAME never answers (repeatable)
  --errors FILE     TSV lines "name<TAB>TIMEOUT|SERVFAIL" (a first line
                    "name<TAB>error" is a header and skipped; '#' comments)
  --truncate-udp    every UDP response is sent truncated (TC=1, no records),
                    so clients must ask again over TCP
  --log FILE        append one line per query received: "UDP|TCP NAME TYPE"
  --delay SECONDS   wait this long (a decimal number) before sending each
                    UDP answer: a slow but working server
  --spoof MODES     an off-path attacker racing the server: before each true
                    UDP answer, send one forged reply per mode (a comma
                    list, "all" for every one) carrying the --spoof-zone
                    answer (NXDOMAIN when it has none):
                      source  right ID and question, sent from 127.0.0.2
                      port    right ID and question, from 127.0.0.1 but
                              another port
                      id      from the server's address, ID ^ 0x1234
                      qr      right ID and question, but QR=0
                      name    right ID, another question name
                      type    right ID, another question type
                      class   right ID, question class CH
  --spoof-zone FILE master file with the forged data (repeatable)
  --dribble SECONDS every UDP answer is truncated (TC=1) and the TCP answer
                    is written one byte every SECONDS: a server that keeps
                    a connection alive without ever finishing in time
  --help            this text

Answer rules (names compared case-insensitively, one trailing dot ignored):
  1. --timeout/--errors TIMEOUT names: no answer; --servfail/--errors
     SERVFAIL names: SERVFAIL.
  2. A name in no data: NXDOMAIN.
  3. {"TYPE": "TIMEOUT"} / {"TYPE": "RCODEn"} for the asked type: no answer
     / that RCODE.
  4. Records of the asked type (TXT synthesised from SPF when the name has
     SPF entries and no TXT entry at all, not even TXT: NONE): NOERROR with
     all of them, in file order.
  5. A bare TIMEOUT: no answer; a bare RCODEn: that RCODE.
  6. A CNAME: the CNAME record, then the answer for its target (chains are
     followed; a loop answers SERVFAIL; an unknown target NXDOMAIN).
  7. Otherwise NOERROR with no records (NODATA).
Markers are exactly the upper-case words above.  Zone-file data follows the
same rules (it has no markers, and SPF records there are never served as
TXT; $INCLUDE is ignored).  Every answer is authoritative (AA=1), copies RD,
sets RA.  UDP answers larger than 512 octets (or the client's EDNS size) are
truncated (TC=1) as RFC 1035 4.2.1 says.  Unusable data: a message naming
the file and entry on stderr, exit 2 (64 for an unknown option).  SIGTERM
and SIGINT stop the server (exit 0).
"""

import os
import select
import signal
import socket
import struct
import sys
import threading
import time

T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA, T_OPT, T_SPF = \
    1, 2, 5, 6, 12, 15, 16, 28, 41, 99
T_ANY = 255
TYPES = {'A': T_A, 'NS': T_NS, 'CNAME': T_CNAME, 'SOA': T_SOA, 'PTR': T_PTR,
         'MX': T_MX, 'TXT': T_TXT, 'AAAA': T_AAAA, 'SPF': T_SPF, 'ANY': T_ANY}
TYPENAMES = {v: k for k, v in TYPES.items()}
TYPENAMES[T_OPT] = 'OPT'

NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 2, 3, 4, 5
DROP = 'drop'               # "rcode" meaning: send nothing at all
TTL = 300
MAXUDP = 512                # RFC 1035 4.2.1


def die(msg):
    sys.stderr.write('dnsd.py: %s\n' % msg)
    sys.exit(2)


def warn(msg):
    sys.stderr.write('dnsd.py: %s\n' % msg)


def typename(t):
    return TYPENAMES.get(t, 'TYPE%d' % t)


def to_bytes(s):
    """JSON strings: code points up to U+00FF become one byte each."""
    if isinstance(s, bytes):
        return s
    if s is None:
        return b''
    s = str(s)
    try:
        return s.encode('latin-1')
    except UnicodeEncodeError:
        return s.encode('utf-8')


def namekey(name):
    """Lookup key: bytes, ASCII lower case, one trailing dot removed."""
    name = to_bytes(name)
    if name.endswith(b'.') and name != b'.':
        name = name[:-1]
    if name == b'.':
        name = b''
    return name.lower()


def labels_of(name):
    """Presentation name (bytes, escapes already removed) -> wire labels."""
    name = to_bytes(name)
    if name.endswith(b'.'):
        name = name[:-1]
    if not name:
        return []
    return name.split(b'.')


def wire_name(name):
    out = b''
    for lab in labels_of(name):
        lab = lab[:63]
        out += bytes([len(lab)]) + lab
    return out + b'\0'


class Node:
    """Everything known about one owner name."""

    def __init__(self, name):
        self.name = name          # bytes, as first written (case kept)
        self.rrs = []             # (type, rdata bytes) in file order
        self.txt_entry = False    # any TXT entry, including TXT: NONE
        self.nosynth = False
        self.cname = None         # target name (bytes)
        self.timeout_all = False
        self.rcode_all = None
        self.type_action = {}     # type -> DROP or rcode


class Data:
    def __init__(self):
        self.nodes = {}
        self.errors = {}          # namekey -> DROP or SERVFAIL

    def node(self, name):
        k = namekey(name)
        n = self.nodes.get(k)
        if n is None:
            n = self.nodes[k] = Node(to_bytes(name).rstrip(b'.'))
        return n


# ------------------------------------------------------------ rdata builders

def txt_rdata(strings):
    out = b''
    for s in strings:
        s = to_bytes(s)
        if not s:
            out += b'\0'
            continue
        # A character-string holds at most 255 octets (RFC 1035 3.3):
        # longer values are split, as publishing tools do.
        while s:
            out += bytes([len(s[:255])]) + s[:255]
            s = s[255:]
    return out


def a_rdata(text):
    try:
        return socket.inet_pton(socket.AF_INET,
                                to_bytes(text).decode('ascii').strip())
    except OSError:
        raise ValueError('bad IPv4 address %r' % text)


def aaaa_rdata(text):
    try:
        return socket.inet_pton(socket.AF_INET6,
                                to_bytes(text).decode('ascii').strip())
    except OSError:
        raise ValueError('bad IPv6 address %r' % text)


def mx_rdata(pref, host):
    return struct.pack('!H', int(pref)) + wire_name(host)


def soa_rdata(f):
    return (wire_name(f[0]) + wire_name(f[1]) +
            struct.pack('!IIIII', *[int(x) for x in f[2:7]]))


# ------------------------------------------------------------ JSON scenarios

def load_json(data, path):
    import json                     # only when needed: fast start
    with open(path, 'r', encoding='utf-8') as fp:
        obj = json.load(fp)
    if not isinstance(obj, dict):
        die('%s: not a JSON object' % path)
    for name, entries in obj.items():
        node = data.node(name)
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            entries = [entries]
        for e in entries:
            try:
                json_entry(node, e)
            except (ValueError, TypeError, IndexError) as ex:
                die('%s: %s: bad entry %r: %s' % (path, name, e, ex))


def rcode_word(w):
    """"RCODEn" -> n (0-15), else None."""
    if isinstance(w, str) and w.startswith('RCODE') and w[5:].isdigit() \
            and int(w[5:]) < 16:
        return int(w[5:])
    return None


def json_entry(node, e):
    if isinstance(e, str):
        w = e.upper()
        if w == 'TIMEOUT':
            node.timeout_all = True
        elif w == 'NO-TXT-SYNTHESIS':
            node.nosynth = True
        elif rcode_word(w) is not None:
            node.rcode_all = rcode_word(w)
        else:
            raise ValueError('unknown marker')
        return
    if not isinstance(e, dict):
        raise ValueError('entry is neither a string nor an object')
    for t, v in e.items():
        t = t.upper()
        # Markers are upper case exactly (a record "timeout" is data).
        if v == 'TIMEOUT':
            node.type_action[TYPES.get(t, 0)] = DROP
            continue
        if rcode_word(v) is not None:
            node.type_action[TYPES.get(t, 0)] = rcode_word(v)
            continue
        if t in ('TXT', 'SPF'):
            if t == 'TXT':
                node.txt_entry = True
            if isinstance(v, str) and v in ('NONE', 'NO-SYNTHESIS'):
                if t == 'TXT' and v == 'NO-SYNTHESIS':
                    node.nosynth = True
                continue
            strings = v if isinstance(v, list) else [v]
            node.rrs.append((TYPES[t], txt_rdata(strings)))
        elif t == 'A':
            node.rrs.append((T_A, a_rdata(v)))
        elif t == 'AAAA':
            node.rrs.append((T_AAAA, aaaa_rdata(v)))
        elif t == 'MX':
            node.rrs.append((T_MX, mx_rdata(v[0], v[1])))
        elif t in ('PTR', 'NS'):
            node.rrs.append((TYPES[t], wire_name(v)))
        elif t == 'CNAME':
            node.cname = to_bytes(v)
            node.rrs.append((T_CNAME, wire_name(v)))
        else:
            warn('ignoring entry type %s' % t)


# ------------------------------------------------------------ zone files

def unescape_name(tok):
    """Presentation-form name -> bytes without escapes (\\. kept as '.')."""
    out = bytearray()
    i = 0
    while i < len(tok):
        c = tok[i]
        if c == 0x5c and i + 1 < len(tok):
            if tok[i + 1:i + 4].isdigit() and len(tok[i + 1:i + 4]) == 3:
                out.append(int(tok[i + 1:i + 4]) & 0xff)
                i += 4
            else:
                out.append(tok[i + 1])
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def zone_tokens(text):
    """Yield (tokens, starts_with_blank) per logical line; tokens are
    (bytes, quoted) pairs."""
    i, n = 0, len(text)
    toks, depth, blank_start, line_start = [], 0, False, True
    while i < n:
        c = text[i]
        if line_start:
            if depth == 0 and not toks:     # a new logical line
                blank_start = c in b' \t'
            line_start = False
        if c == 0x0a:                       # newline
            i += 1
            line_start = True
            if depth == 0:
                if toks:
                    yield toks, blank_start
                toks = []
            continue
        if c in b' \t\r':
            i += 1
            continue
        if c == 0x3b:                       # ';' comment
            while i < n and text[i] != 0x0a:
                i += 1
            continue
        if c == 0x28:                       # '('
            depth += 1
            i += 1
            continue
        if c == 0x29:                       # ')'
            depth = max(0, depth - 1)
            i += 1
            continue
        if c == 0x22:                       # quoted string
            i += 1
            s = bytearray()
            while i < n and text[i] != 0x22:
                if text[i] == 0x5c and i + 1 < n:
                    d = text[i + 1:i + 4]
                    if len(d) == 3 and d.isdigit():
                        s.append(int(d) & 0xff)
                        i += 4
                    else:
                        s.append(text[i + 1])
                        i += 2
                else:
                    s.append(text[i])
                    i += 1
            i += 1
            toks.append((bytes(s), True))
            continue
        j = i
        while j < n and text[j] not in b' \t\r\n;()"':
            if text[j] == 0x5c:
                j += 1
            j += 1
        toks.append((text[i:j], False))
        i = j
    if toks:
        yield toks, blank_start


def absname(tok, origin):
    if tok == b'@':
        return origin
    if tok.endswith(b'.') and not tok.endswith(b'\\.'):
        return unescape_name(tok[:-1])
    rel = unescape_name(tok)
    return rel + b'.' + origin if origin else rel


def load_zone(data, path):
    with open(path, 'rb') as fp:
        text = fp.read()
    origin = b''
    owner = None
    for toks, blank in zone_tokens(text):
        words = [t for t, q in toks]
        first = words[0].upper()
        if not toks[0][1] and first == b'$ORIGIN':
            if len(words) > 1:
                origin = absname(words[1], b'')
            continue
        if not toks[0][1] and first.startswith(b'$'):
            continue                        # $TTL, $INCLUDE (not followed)
        k = 0
        if not blank:
            owner = absname(words[0], origin)
            k = 1
        if owner is None:
            warn('%s: record without an owner' % path)
            continue
        # optional TTL and class, in either order
        while k < len(words) and not toks[k][1] and (
                words[k].isdigit() or words[k].upper() in (b'IN', b'CH',
                                                          b'HS', b'CS')):
            k += 1
        if k >= len(words):
            continue
        t = words[k].upper().decode('latin-1')
        rd = toks[k + 1:]
        rw = [x for x, q in rd]
        node = data.node(owner)
        try:
            if t in ('TXT', 'SPF'):
                node.rrs.append((TYPES[t], txt_rdata(rw)))
                # A zone file says what it serves: no TXT synthesis.
                node.nosynth = node.nosynth or t == 'SPF'
                if t == 'TXT':
                    node.txt_entry = True
            elif t == 'A':
                node.rrs.append((T_A, a_rdata(rw[0])))
            elif t == 'AAAA':
                node.rrs.append((T_AAAA, aaaa_rdata(rw[0])))
            elif t == 'MX':
                node.rrs.append((T_MX, mx_rdata(rw[0],
                                                absname(rw[1], origin))))
            elif t in ('PTR', 'NS'):
                node.rrs.append((TYPES[t], wire_name(absname(rw[0], origin))))
            elif t == 'CNAME':
                node.cname = absname(rw[0], origin)
                node.rrs.append((T_CNAME, wire_name(node.cname)))
            elif t == 'SOA':
                node.rrs.append((T_SOA, soa_rdata(
                    [absname(rw[0], origin), absname(rw[1], origin)] +
                    rw[2:7])))
            else:
                warn('%s: %s: type %s skipped' % (path, owner.decode(
                    'latin-1'), t))
        except (ValueError, IndexError, struct.error) as ex:
            die('%s: %s %s: %s' % (path, owner.decode('latin-1'), t, ex))


def load_errors(data, path):
    with open(path, 'r', encoding='utf-8') as fp:
        for ln, line in enumerate(fp, 1):
            line = line.rstrip('\r\n')
            if not line.strip() or line.lstrip().startswith('#'):
                continue
            f = line.split('\t')
            if len(f) < 2:
                die('%s:%d: expected name<TAB>TIMEOUT|SERVFAIL' % (path, ln))
            name, err = f[0].strip(), f[1].strip().upper()
            if ln == 1 and name.lower() == 'name':
                continue                    # header line
            if err == 'TIMEOUT':
                data.errors[namekey(name)] = DROP
            elif err == 'SERVFAIL':
                data.errors[namekey(name)] = SERVFAIL
            else:
                die('%s:%d: unknown error %r' % (path, ln, f[1]))


# ------------------------------------------------------------ answering

def answer(data, qname, qtype):
    """Return (rcode or DROP, [(owner wire, type, rdata)])."""
    rrs = []
    owner = qname
    seen = set()
    while True:
        k = namekey(owner)
        if k in data.errors:
            return data.errors[k], []
        node = data.nodes.get(k)
        if node is None:
            return NXDOMAIN, rrs
        act = node.type_action.get(qtype)
        if act is not None:
            return act, []
        if qtype == T_ANY:
            recs = [rd for rd in node.rrs]
        else:
            recs = [(t, rd) for t, rd in node.rrs if t == qtype]
        if (qtype == T_TXT and not recs and not node.txt_entry and
                not node.nosynth):
            recs = [(T_TXT, rd) for t, rd in node.rrs if t == T_SPF]
        if recs:
            ow = wire_name(owner)
            return NOERROR, rrs + [(ow, t, rd) for t, rd in recs]
        if node.timeout_all:
            return DROP, []
        if node.rcode_all is not None:
            return node.rcode_all, []
        if node.cname is not None and qtype != T_CNAME:
            if k in seen:
                return SERVFAIL, []
            seen.add(k)
            rrs.append((wire_name(owner), T_CNAME, wire_name(node.cname)))
            owner = node.cname
            continue
        return NOERROR, rrs


def parse_query(pkt):
    """-> (id, flags, qname bytes, raw qname wire, qtype, qclass, edns size)
    or None when the packet cannot be parsed at all."""
    if len(pkt) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack('!HHHHHH', pkt[:12])
    if flags & 0x8000 or qd != 1:
        return (qid, flags, None, b'', 0, 0, 0)
    i = 12
    labs = []
    while True:
        if i >= len(pkt):
            return (qid, flags, None, b'', 0, 0, 0)
        ln = pkt[i]
        if ln == 0:
            i += 1
            break
        if ln & 0xc0 or i + 1 + ln > len(pkt):
            return (qid, flags, None, b'', 0, 0, 0)
        labs.append(pkt[i + 1:i + 1 + ln])
        i += 1 + ln
    qwire = pkt[12:i]
    if i + 4 > len(pkt):
        return (qid, flags, None, b'', 0, 0, 0)
    qtype, qclass = struct.unpack('!HH', pkt[i:i + 4])
    i += 4
    edns = 0
    # Skip answer/authority records, then look for an OPT in additional.
    try:
        for sect in range(an + ns + ar):
            if pkt[i] == 0:
                j = i + 1
            else:
                j = i
                while pkt[j] != 0 and not pkt[j] & 0xc0:
                    j += 1 + pkt[j]
                j += 2 if pkt[j] & 0xc0 else 1
            t, cls, _ttl, rdl = struct.unpack('!HHIH', pkt[j:j + 10])
            if t == T_OPT and sect >= an + ns:
                edns = max(cls, MAXUDP)
            i = j + 10 + rdl
    except (IndexError, struct.error):
        pass
    return (qid, flags, b'.'.join(labs), qwire, qtype, qclass, edns)


def rr_wire(owner, t, rd):
    return owner + struct.pack('!HHIH', t, 1, TTL, len(rd)) + rd


def build(qid, flags, rcode, qwire, qtype, qclass, rrs, edns, tc=False):
    f = 0x8000 | (flags & 0x7800) | 0x0400 | (flags & 0x0100) | 0x0080
    if tc:
        f |= 0x0200
    f |= rcode & 0xf
    hdr_q = b''
    qd = 0
    if qwire:
        hdr_q = qwire + struct.pack('!HH', qtype, qclass)
        qd = 1
    body = b''.join(rr_wire(o, t, rd) for o, t, rd in rrs)
    opt = b''
    if edns:
        opt = b'\0' + struct.pack('!HHIH', T_OPT, 1232, 0, 0)
    return (struct.pack('!HHHHHH', qid, f, qd, len(rrs), 0, 1 if opt else 0)
            + hdr_q + body + opt)


SPOOF_MODES = ('source', 'port', 'id', 'qr', 'name', 'type', 'class')


class Server:
    def __init__(self, data, truncate_udp, logpath):
        self.data = data
        self.truncate_udp = truncate_udp
        self.logfp = open(logpath, 'a') if logpath else None
        self.lock = threading.Lock()
        self.spoof = []           # SPOOF_MODES, in order
        self.spoof_data = Data()
        self.dribble = 0.0

    def forged(self, pkt, mode):
        """The forged reply MODE for query PKT, or None."""
        q = parse_query(pkt)
        if q is None or q[2] is None:
            return None
        qid, flags, qname, qwire, qtype, qclass, edns = q
        rcode, rrs = answer(self.spoof_data, qname, qtype)
        if rcode == DROP:
            rcode, rrs = NOERROR, []
        if mode == 'id':
            qid ^= 0x1234
        elif mode == 'name':
            qwire = wire_name(b'forged.' + qname)
        elif mode == 'type':
            qtype = T_AAAA if qtype == T_A else T_A
        elif mode == 'class':
            qclass = 3                      # CH
        resp = build(qid, flags, rcode, qwire, qtype, qclass, rrs, edns)
        if mode == 'qr':
            resp = resp[:2] + bytes([resp[2] & 0x7f]) + resp[3:]
        return resp

    def send_forged(self, udp, pkt, peer, others):
        for mode in self.spoof:
            resp = self.forged(pkt, mode)
            if resp is None:
                continue
            sock = others.get(mode, udp)
            try:
                sock.sendto(resp, peer)
            except OSError:
                pass

    def log(self, proto, qname, qtype):
        if not self.logfp:
            return
        with self.lock:
            self.logfp.write('%s %s %s\n' % (
                proto, (qname or b'.').decode('latin-1'), typename(qtype)))
            self.logfp.flush()

    def respond(self, pkt, proto):
        """-> response bytes, or None to stay silent."""
        q = parse_query(pkt)
        if q is None:
            return None
        qid, flags, qname, qwire, qtype, qclass, edns = q
        if qname is None:
            if flags & 0x8000:
                return None
            return build(qid, flags, FORMERR, b'', 0, 0, [], 0)
        self.log(proto, qname, qtype)
        if (flags >> 11) & 0xf != 0:
            return build(qid, flags, NOTIMP, qwire, qtype, qclass, [], edns)
        rcode, rrs = answer(self.data, qname, qtype)
        if rcode == DROP:
            return None
        resp = build(qid, flags, rcode, qwire, qtype, qclass, rrs, edns)
        if proto == 'UDP':
            limit = edns if edns else MAXUDP
            if self.truncate_udp or self.dribble or len(resp) > limit:
                resp = build(qid, flags, rcode, qwire, qtype, qclass, [],
                             edns, tc=True)
        return resp

    def tcp_client(self, conn):
        try:
            conn.settimeout(30)
            buf = b''
            while True:
                while len(buf) < 2 or len(buf) < 2 + struct.unpack(
                        '!H', buf[:2])[0]:
                    d = conn.recv(65536)
                    if not d:
                        return
                    buf += d
                ln = struct.unpack('!H', buf[:2])[0]
                pkt, buf = buf[2:2 + ln], buf[2 + ln:]
                resp = self.respond(pkt, 'TCP')
                if resp is None:
                    continue
                resp = struct.pack('!H', len(resp)) + resp
                if not self.dribble:
                    conn.sendall(resp)
                    continue
                for i in range(len(resp)):
                    time.sleep(self.dribble)
                    conn.sendall(resp[i:i + 1])
        except (OSError, socket.timeout):
            pass
        finally:
            conn.close()


def bind_pair(port):
    """UDP and TCP sockets on 127.0.0.1 with one port number."""
    for _ in range(100):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(('127.0.0.1', port))
        except OSError as ex:
            u.close()
            if port:
                die('cannot bind UDP port %d: %s' % (port, ex))
            continue
        p = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            t.bind(('127.0.0.1', p))
            t.listen(16)
            return u, t, p
        except OSError as ex:
            t.close()
            u.close()
            if port:
                die('cannot bind TCP port %d: %s' % (port, ex))
    die('no free port for both UDP and TCP')


def usage(status):
    (sys.stdout if status == 0 else sys.stderr).write(__doc__)
    sys.exit(status)


def main(argv):
    data = Data()
    port = 0
    port_file = None
    truncate = False
    logpath = None
    delay = 0.0
    spoof = []
    spoof_zones = []
    dribble = 0.0
    i = 0

    def arg():
        nonlocal i
        if '=' in argv[i] and argv[i].startswith('--'):
            return argv[i].split('=', 1)[1]
        i += 1
        if i >= len(argv):
            die('%s needs an argument' % argv[i - 1])
        return argv[i]

    while i < len(argv):
        a = argv[i]
        o = a.split('=', 1)[0] if a.startswith('--') else a
        if o in ('-h', '--help'):
            usage(0)
        elif o == '--port':
            port = int(arg())
        elif o == '--port-file':
            port_file = arg()
        elif o == '--zone':
            load_zone(data, arg())
        elif o == '--json':
            load_json(data, arg())
        elif o == '--servfail':
            data.errors[namekey(arg())] = SERVFAIL
        elif o == '--timeout':
            data.errors[namekey(arg())] = DROP
        elif o == '--errors':
            load_errors(data, arg())
        elif o == '--truncate-udp':
            truncate = True
        elif o == '--log':
            logpath = arg()
        elif o == '--delay':
            delay = float(arg())
        elif o == '--spoof':
            for m in arg().split(','):
                if m == 'all':
                    spoof.extend(SPOOF_MODES)
                elif m in SPOOF_MODES:
                    spoof.append(m)
                else:
                    warn('unknown --spoof mode %s' % m)
                    usage(64)
        elif o == '--spoof-zone':
            spoof_zones.append(arg())
        elif o == '--dribble':
            dribble = float(arg())
        else:
            warn('unknown option %s' % a)
            usage(64)
        i += 1

    udp, tcp, port = bind_pair(port)
    server = Server(data, truncate, logpath)
    server.spoof = spoof
    server.dribble = dribble
    for z in spoof_zones:
        load_zone(server.spoof_data, z)
    others = {}
    if 'source' in spoof:
        # Another address of the loopback net (all of 127/8 is local).
        others['source'] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        others['source'].bind(('127.0.0.2', port))
    if 'port' in spoof:
        others['port'] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        others['port'].bind(('127.0.0.1', 0))

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if port_file:
        tmp = port_file + '.tmp'
        with open(tmp, 'w') as fp:
            fp.write('%d\n' % port)
        os.rename(tmp, port_file)

    try:
        while True:
            r, _, _ = select.select([udp, tcp], [], [])
            if udp in r:
                try:
                    pkt, peer = udp.recvfrom(65535)
                except OSError:
                    continue
                resp = server.respond(pkt, 'UDP')
                if resp is not None and spoof:
                    server.send_forged(udp, pkt, peer, others)
                    # The forgeries first, the truth a moment later.
                    time.sleep(0.02)
                if resp is not None:
                    if delay > 0:
                        time.sleep(delay)
                    try:
                        udp.sendto(resp, peer)
                    except OSError:
                        pass
            if tcp in r:
                try:
                    conn, _ = tcp.accept()
                except OSError:
                    continue
                th = threading.Thread(target=server.tcp_client, args=(conn,),
                                      daemon=True)
                th.start()
    except SystemExit:
        pass
    finally:
        udp.close()
        tcp.close()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
