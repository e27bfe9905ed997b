#!/usr/bin/python3
"""diff-spf.py: differential testing of spfquery against pyspf and Mail::SPF.

Usage:
    diff-spf.py --spfquery PATH --dnsd PATH [options]

Generates COUNT SPF scenarios from SEED (deterministic: the generator has
its own PRNG, so a seed gives the same scenarios on every Python): random
but plausible records combining every mechanism and qualifier, valid and
invalid CIDR lengths, include and redirect chains, exp= with macros, macros
in domain-specs (every letter, transformers, delimiters, upper case), void
lookups, MX and PTR lists near the limits of RFC 7208 4.6.4, IPv4, IPv6
and IPv4-mapped clients, null senders, the HELO scope and odd local parts.
All scenarios live in one DNS namespace (scenario K uses names under
sK.example.com and client addresses derived from K) served by one t/dnsd.py.

Each scenario is checked by `spfquery` and by pyspf (python3-spf, through
dnspython pointed at the same server); with --mailspf (and always with
--tap) also by Mail::SPF (libmail-spf-perl, through Net::DNS, run by
t/mailspf-eval.pl).  Compared: the result, and for fail the explanation
(everyone gets the same default explanation, so only exp= texts can
differ).

Modes:
    (default)   print each disagreement with pyspf not explained by a
                known pyspf deviation (VERDICTS, in this file: what RFC
                7208 says, so what spfquery does), then a count by kind
    --tap       one TAP line per scenario: spfquery must give the answer
                of both peers, or of one peer where --expect lists the
                scenario with the other peer's answer and why it is
                wrong, or of neither where --expect lists both peers'
                answers and the RFC 7208 sentence that decides; a listed
                peer answer that changed fails too (review the verdict)
    --dump K    print scenario K (its DNS data and query) as JSON

Options:
    --seed N         generator seed (default 1)
    --count N        scenarios (default 300)
    --first N        first scenario number (default 0)
    --jobs N         spfquery runs at the same time (default 8)
    --python PATH    interpreter for dnsd.py (default: this one)
    --mailspf        also run Mail::SPF
    --mailspf-eval PATH
                     the Mail::SPF driver (default: mailspf-eval.pl next
                     to this file)
    --no-timeout     no TIMEOUT data (SERVFAIL instead): each timeout
                     costs a second
    --expect FILE    the classified disagreements: tab-separated lines
                     "SEED:K SPFQUERY PYSPF MAILSPF WHY" ('#' comments),
                     each answer a result word, for fail (and a Mail::SPF
                     exception) followed by the text as a JSON string;
                     WHY quotes the RFC 7208 sentence that decides
    --draft-expect FILE
                     write every disagreement with either peer as a line
                     for --expect, WHY from the kind of pyspf deviation
                     (VERDICTS) or "REVIEW": check each by hand
    -v               also show the known disagreements in full, and
                     those with Mail::SPF
"""

import concurrent.futures
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

DEFAULT_EXP = 'SPF fail - not authorized'
EXIT = {'pass': 0, 'fail': 1, 'softfail': 2, 'neutral': 3, 'permerror': 4,
        'temperror': 5, 'none': 6}


# ----------------------------------------------------------------------
# A PRNG of our own (splitmix64), so a seed means the same scenarios on
# every Python version.

class Rng:
    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def randint(self, a, b):
        return a + self.below(b - a + 1)

    def chance(self, p):
        return self.below(1000000) < int(p * 1000000)

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def weighted(self, pairs):
        total = sum(w for w, _ in pairs)
        x = self.below(total)
        for w, v in pairs:
            if x < w:
                return v
            x -= w
        return pairs[-1][1]

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = self.below(i + 1)
            seq[i], seq[j] = seq[j], seq[i]


# ----------------------------------------------------------------------
# A reference macro expansion (RFC 7208 7), used only to place DNS data
# where an exists: or exp= target will look, so that matches happen.

def _split(value, delims):
    parts, cur = [], ''
    for ch in value:
        if ch in delims:
            parts.append(cur)
            cur = ''
        else:
            cur += ch
    parts.append(cur)
    return parts


def ref_expand(tpl, ctx, domain, explain=False):
    out, i = '', 0
    while i < len(tpl):
        ch = tpl[i]
        if ch != '%':
            out += ch
            i += 1
            continue
        nxt = tpl[i + 1] if i + 1 < len(tpl) else ''
        if nxt == '%':
            out += '%'
            i += 2
            continue
        if nxt == '_':
            out += ' '
            i += 2
            continue
        if nxt == '-':
            out += '%20'
            i += 2
            continue
        if nxt != '{':
            return None
        j = tpl.find('}', i)
        if j < 0:
            return None
        body = tpl[i + 2:j]
        i = j + 1
        if not body:
            return None
        letter = body[0]
        rest = body[1:]
        digits = ''
        while rest and rest[0].isdigit():
            digits += rest[0]
            rest = rest[1:]
        rev = False
        if rest[:1] in ('r', 'R'):
            rev = True
            rest = rest[1:]
        delims = rest or '.'
        val = ctx.get(letter.lower())
        if val is None:
            return None
        parts = _split(val, delims)
        if rev:
            parts.reverse()
        if digits:
            n = int(digits)
            if n == 0:
                return None
            parts = parts[-n:]
        v = '.'.join(parts)
        if letter.isupper():
            v = urllib.parse.quote(v, safe='~')
        out += v
    if not explain:
        if out.endswith('.'):
            out = out[:-1]
        while len(out) > 253 and '.' in out:
            out = out[out.index('.') + 1:]
    return out


# ----------------------------------------------------------------------
# The generator

LOCALS = ['user', 'first.last', 'bob-smith', 'a+tag', 'x_y', 'UPPER.Case',
          "o'neil", 'a=b', 'a/b', 'percent%sign', '~tilde', '#hash',
          '{brace}', 'a..b', 'trailing.', '.leading', '1234', 'a,b',
          'very.long.local.part.with.many.labels.in.it', 'x' * 64,
          'postmaster', 'Mixed-Case_99', '-', 'a%20b', 'strong-bad']

# Macro templates for domain-specs; {Z} is the scenario's zone.
DOMAIN_MACROS = [
    '%{i}.ex.{Z}', '%{ir}.%{v}._spf.{Z}', '%{l}.lp.{Z}', '%{lr-}.lp.{Z}',
    '%{l1r-}.lp.{Z}', '%{L}.esc.{Z}', '%{o}.o.{Z}', '%{d}', '%{d2}',
    '%{d3}', '%{dr}.r.{Z}', '%{d2r}.{Z}', '%{s}.s.{Z}', '%{S}.up.{Z}',
    '%{h}.h.{Z}', '%{H}.{Z}', '%{p}.p.{Z}', '%{v}.{Z}',
    '%{ir}.%{v}._spf.%{d}', '%{i1}.{Z}', '%{i2r}.{Z}', '%{l+}.{Z}',
    '%{s=}.{Z}', '%{l_}.{Z}', '%{d,/}.{Z}', '%{D2R}.{Z}', '%{I}.{Z}',
    '%{l2r+-}.{Z}', '%{i}.{Z}.', '%%.pc.{Z}', '%_.sp.{Z}', '%-.ds.{Z}',
    '%{o1}.{Z}', '%{l10}.{Z}', '%{h2}.{Z}', '%{V}.{Z}', '%{ir}.{Z}',
    '%{h-}.hd.{Z}', '%{o-}.od.{Z}', '%{d1-}.{Z}', '%{hr-}.{Z}',
    '%{s}.%{s}.%{s}.%{s}.%{s}.{Z}',
    '%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.%{l}.{Z}',
]
BAD_DOMAIN_MACROS = [
    '%{c}.{Z}', '%{r}.{Z}', '%{t}.{Z}', '%{x}.{Z}', '%{d0}.{Z}',
    '%{i}%.{Z}', '{Z}%', '%{ir.{Z}', '%{l*}.{Z}', '%(l).{Z}', '%{}.{Z}',
    '%{d2r}', '%{i}.123',
]
EXPLAINS = [
    '%{i} is not one of %{d}\'s designated mail servers.',
    'See http://%{d}/why.html?s=%{S}&i=%{C}',
    '%{l} at %{o} via %{h} from %{c} rcpt %{r}',
    'ptr %{p} for %{c}', 'plain text, no macros',
    '%{v} %{ir} %{d2r} %{L}', '%_%-%% test', 'The %{s} sender',
    '%{i1r}.%{l1} %{o2}', '%{C} %{R} %{H}',
    'bad %{x} macro', 'bad %{c0} zero', 'trailing %', 'not %a macro',
    'caf\u00e9 non-ascii', '',
]


class Scenario:
    def __init__(self, seed, k, no_timeout=False):
        self.no_timeout = no_timeout
        self.seed = seed
        self.k = k
        self.rng = Rng((seed << 32) ^ (k * 0x9E3779B1) ^ 0x5EED)
        self.zone = {}
        self.Z = 's%d.example.com' % k
        self.Zn = 's%d.example.net' % k
        self.rev = 'rev.invalid'
        self.n = 0
        self.tags = []

    # -- DNS data
    def owned(self, name):
        """Whether name belongs to this scenario (so one dnsd can serve
        every scenario without collisions)."""
        for z in (self.Z, self.Zn, self.rev):
            if name == z or name.endswith('.' + z):
                return True
        return False

    def add(self, name, entry):
        name = name.lower().rstrip('.')
        if not self.owned(name):
            return
        lst = self.zone.setdefault(name, [])
        # No duplicate RRs (names compare case-insensitively, RFC 4343):
        # a real server would not serve them.
        key = json.dumps(entry).lower().replace('.\"', '\"')
        if key not in [json.dumps(e).lower().replace('.\"', '\"')
                       for e in lst]:
            lst.append(entry)

    def fresh(self, prefix, zone=None):
        self.n += 1
        return '%s%d.%s' % (prefix, self.n, zone or self.Z)

    # -- the client
    def make_client(self):
        r, k = self.rng, self.k
        fam = r.weighted([(60, 4), (25, 6), (15, 'mapped')])
        self.v4 = '10.%d.%d.%d' % ((k >> 8) & 255, k & 255, r.randint(1, 254))
        self.v6 = '2001:db8:%x:%x::%x' % (k, r.below(4), r.randint(1, 0xffff))
        if fam == 4:
            self.ip, self.family = self.v4, 4
        elif fam == 6:
            self.ip, self.family = self.v6, 6
        else:
            self.ip, self.family = '::ffff:' + self.v4, 4
            self.tags.append('mapped')
        if self.family == 4:
            self.ipi = self.v4
            self.ipc = self.v4
            a = self.v4.split('.')
            self.rev = '.'.join(reversed(a)) + '.in-addr.arpa'
        else:
            import ipaddress
            x = ipaddress.IPv6Address(self.v6)
            nib = x.exploded.replace(':', '')
            self.ipi = '.'.join(nib.upper())
            self.ipc = str(x)
            self.rev = '.'.join(reversed(nib)) + '.ip6.arpa'

    def addr(self, how, fam):
        """An address of family fam: 'match' (the client's), 'near' (same
        /24 or /64), or 'other'."""
        r = self.rng
        if fam == 4:
            a = self.v4.split('.')
            if how == 'match':
                return self.v4
            if how == 'near':
                last = int(a[3]) ^ r.choice([1, 2, 4, 64, 128])
                return '.'.join(a[:3] + [str(last)])
            return '192.0.2.%d' % r.randint(1, 254)
        if how == 'match':
            return self.v6
        if how == 'near':
            parts = self.v6.split('::')
            return parts[0] + '::%x' % r.randint(1, 0xffff) if r.chance(.5) \
                else '2001:db8:%x:%x::1' % (self.k, 4 + r.below(8))
        return '2001:db8:ffff::%x' % r.randint(1, 0xffff)

    def host(self, name=None, how=None):
        """A name with address records (or void, or an error)."""
        r = self.rng
        name = name or self.fresh('h')
        how = how or r.weighted([(30, 'match'), (25, 'near'), (25, 'other'),
                                 (8, 'nx'), (6, 'nodata'), (2, 'servfail'),
                                 (3, 'cname'), (1, 'timeout')])
        if how == 'nx':
            return name
        if how == 'nodata':
            self.add(name, {'MX': [10, 'x.' + self.Z]})
            return name
        if how == 'timeout' and self.no_timeout:
            how = 'servfail'
        if how == 'servfail':
            self.add(name, 'RCODE2')
            self.tags.append('servfail')
            return name
        if how == 'timeout':
            self.add(name, 'TIMEOUT')
            self.tags.append('timeout')
            return name
        if how == 'cname':
            target = self.host()
            self.add(name, {'CNAME': target})
            return name
        for _ in range(r.randint(1, 3)):
            h = how if r.chance(.6) else 'other'
            self.add(name, {'A': self.addr(h, 4)})
        for _ in range(r.randint(0, 2)):
            h = how if r.chance(.6) else 'other'
            self.add(name, {'AAAA': self.addr(h, 6)})
        return name

    def mx_host(self, name=None, count=None):
        r = self.rng
        name = name or self.fresh('m')
        if count is None:
            count = r.weighted([(10, 0), (30, 1), (25, 2), (10, 3),
                                (5, 5), (4, 9), (4, 10), (4, 11),
                                (2, 12)])
        if count == 0:
            kind = r.choice(['nx', 'nodata', 'null'])
            if kind == 'nodata':
                self.add(name, {'A': self.addr('other', 4)})
            elif kind == 'null':
                self.add(name, {'MX': [0, '']})
            return name
        if count >= 9:
            self.tags.append('mx%d' % count)
        for i in range(count):
            self.add(name, {'MX': [i * 10, self.host()]})
        return name

    def ptr_data(self):
        r = self.rng
        count = r.weighted([(40, 0), (30, 1), (15, 2), (5, 3), (3, 9),
                            (3, 10), (2, 11), (2, 12)])
        if count == 0:
            if r.chance(.3):
                self.add(self.rev, 'RCODE2' if r.chance(.3) else
                         {'TXT': 'no ptr here'})
            return
        if count >= 9:
            self.tags.append('ptr%d' % count)
        for i in range(count):
            where = r.weighted([(3, 'self'), (4, 'sub'), (3, 'other'),
                                (1, 'sender')])
            if where == 'self':
                name = self.Z
            elif where == 'sub':
                name = self.fresh('p')
            elif where == 'sender':
                name = self.sdomain if '.' in self.sdomain else self.Z
            else:
                name = self.fresh('p', self.Zn)
            if where != 'self' and where != 'sender':
                how = r.weighted([(5, 'match'), (3, 'other'), (2, 'nx')])
                self.host(name, how)
            elif r.chance(.5):
                fam = self.family
                self.add(name, {'A' if fam == 4 else 'AAAA':
                                self.addr('match', fam)})
            if r.chance(.1):
                name = name.upper()
            if r.chance(.1):
                name += '.'
            self.add(self.rev, {'PTR': name})

    # -- identities
    def make_identity(self):
        r = self.rng
        mode = r.weighted([(66, 'mfrom'), (10, 'null'), (10, 'helo'),
                           (4, 'bare'), (3, 'emptylocal'), (7, 'oddomain')])
        self.scope = 'helo' if mode == 'helo' else 'mfrom'
        self.local = r.choice(LOCALS) if r.chance(.5) else 'user'
        self.helo = r.weighted([(62, 'mx.' + self.Z), (15, self.Z),
                                (8, 'out-1.mail-gw.' + self.Z),
                                (4, 'localhost'), (3, '[%s]' % self.v4),
                                (3, ''), (3, 'mx.%s.' % self.Z),
                                (2, 'MX.' + self.Z.upper())])
        if self.scope == 'helo' and not self.helo:
            self.helo = 'mx.' + self.Z   # spfquery: --scope=helo needs -H
        if self.helo == 'mx.' + self.Z and r.chance(.5):
            self.host(self.helo, 'match')
        self.receiver = r.choice([None, None, 'rcv.example.org',
                                  'mybox.example.org'])
        dom = self.Z
        if mode == 'oddomain':
            dom = r.choice([self.Z + '.', self.Z.upper(), 'localhost',
                            '[10.0.0.1]', 'x' * 64 + '.example.com',
                            'a..' + self.Z, '10.1.2.3', 'nx.' + self.Z,
                            self.Z + '..'])
            self.tags.append('oddomain')
        if mode in ('mfrom', 'oddomain'):
            self.sender = '%s@%s' % (self.local, dom)
        elif mode == 'bare':
            self.sender = dom
        elif mode == 'emptylocal':
            self.sender = '@' + dom
        else:
            self.sender = ''
        self.tags.append(mode)
        # What check_host() sees (RFC 7208 2.3, 2.4, 4.3).
        if self.scope == 'helo' or self.sender == '':
            self.l, self.sdomain = 'postmaster', self.helo
        elif '@' not in self.sender:
            self.l, self.sdomain = 'postmaster', self.sender
        else:
            l, _, d = self.sender.rpartition('@')
            self.l, self.sdomain = l or 'postmaster', d
        self.ctx = {'s': '%s@%s' % (self.l, self.sdomain), 'l': self.l,
                    'o': self.sdomain, 'i': self.ipi, 'p': 'unknown',
                    'v': 'in-addr' if self.family == 4 else 'ip6',
                    'h': self.helo or 'unknown', 'c': self.ipc,
                    'r': self.receiver or 'unknown'}

    # -- records
    def qual(self):
        return self.rng.weighted([(50, ''), (8, '+'), (16, '-'), (14, '~'),
                                  (12, '?')])

    def cidr(self, fam_bias=None):
        r = self.rng
        c4 = r.weighted([(60, None), (8, 32), (4, 31), (12, 24), (6, 16),
                         (3, 8), (3, 0)])
        c6 = r.weighted([(65, None), (6, 128), (3, 127), (12, 64),
                         (6, 48), (4, 32), (4, 0)])
        s = ''
        if c4 is not None:
            s += '/%d' % c4
        if c6 is not None:
            s += '//%d' % c6
        if r.chance(.03):
            s = r.choice(['/33', '//129', '/032', '/', '//', '/24/64',
                          '/-1', '/1a', '//0128', '/24//'])
            self.tags.append('badcidr')
        return s

    def macro_spec(self, domain, bad_ok=True):
        r = self.rng
        if bad_ok and r.chance(.08):
            self.tags.append('badmacro')
            return r.choice(BAD_DOMAIN_MACROS).replace('{Z}', self.Z)
        t = r.choice(DOMAIN_MACROS).replace('{Z}', self.Z)
        self.tags.append('macro')
        return t

    def place(self, spec, domain, entry):
        name = ref_expand(spec, self.ctx, domain)
        if name:
            self.add(name, entry)

    def term(self, domain, depth):
        r = self.rng
        kind = r.weighted([(14, 'ip4'), (8, 'ip6'), (16, 'a'), (10, 'mx'),
                           (5, 'ptr'), (9, 'exists'),
                           (10 if depth < 4 else 0, 'include'),
                           (3, 'bad')])
        q = self.qual()
        if kind == 'ip4':
            how = r.weighted([(4, 'match'), (4, 'near'), (3, 'other')])
            a = self.addr(how, 4)
            c = r.weighted([(40, ''), (10, '/32'), (20, '/24'), (8, '/16'),
                            (3, '/0'), (5, '/31'), (2, '/33'), (1, '/032'),
                            (1, '//24')])
            if r.chance(.03):
                a = r.choice(['1.2.3', '01.2.3.4', '256.1.1.1', '1.2.3.4.5',
                              '1.2.3.4:25', 'a.b.c.d', ''])
                self.tags.append('badip')
            if c in ('/33', '/032', '//24'):
                self.tags.append('badcidr')
            return '%sip4:%s%s' % (q, a, c)
        if kind == 'ip6':
            how = r.weighted([(4, 'match'), (4, 'near'), (3, 'other')])
            a = self.addr(how, 6)
            if r.chance(.1):
                a = '::ffff:' + self.v4
                self.tags.append('ip6mapped')
            c = r.weighted([(40, ''), (8, '/128'), (20, '/64'), (8, '/48'),
                            (3, '/0'), (2, '/129'), (1, '/064'),
                            (1, '//64')])
            if r.chance(.03):
                a = r.choice(['gggg::1', '1:2:3:4:5:6:7:8:9', ':::',
                              '2001:db8::1::2', '2001:DB8::1', '::'])
                self.tags.append('badip')
            return '%sip6:%s%s' % (q, a, c)
        if kind == 'a':
            form = r.weighted([(4, 'bare'), (6, 'host'), (2, 'macro')])
            if form == 'bare':
                self.host(domain, r.choice(['match', 'near', 'other', None])) \
                    if domain.lower() not in self.zone or r.chance(.3) \
                    else None
                return '%sa%s' % (q, self.cidr())
            if form == 'host':
                h = self.host()
                if r.chance(.1):
                    h += '.'
                if r.chance(.05):
                    h = h.upper()
                return '%sa:%s%s' % (q, h, self.cidr())
            spec = self.macro_spec(domain)
            if r.chance(.5):
                self.place(spec, domain, {'A': self.addr(
                    r.choice(['match', 'near']), 4)})
                self.place(spec, domain, {'AAAA': self.addr('match', 6)})
            return '%sa:%s%s' % (q, spec, self.cidr())
        if kind == 'mx':
            if r.chance(.4):
                if r.chance(.5):
                    self.mx_host(domain)
                return '%smx%s' % (q, self.cidr())
            if r.chance(.15):
                spec = self.macro_spec(domain)
                if r.chance(.5):
                    self.place(spec, domain, {'MX': [5, self.host()]})
                return '%smx:%s%s' % (q, spec, self.cidr())
            return '%smx:%s%s' % (q, self.mx_host(), self.cidr())
        if kind == 'ptr':
            self.tags.append('ptr')
            form = r.weighted([(4, ''), (3, ':' + self.Z),
                               (1, ':' + self.Zn),
                               (1, ':' + self.fresh('p')), (1, '/24')])
            if form == '/24':
                self.tags.append('badcidr')
            return '%sptr%s' % (q, form)
        if kind == 'exists':
            spec = self.macro_spec(domain) if r.chance(.8) else self.host()
            if r.chance(.5):
                self.place(spec, domain, {'A': '127.0.0.2'})
            if r.chance(.03):
                spec += r.choice(['/24', '//64'])
                self.tags.append('badcidr')
            return '%sexists:%s' % (q, spec)
        if kind == 'include':
            target = self.include_target(depth)
            return '%sinclude:%s' % (q, target)
        self.tags.append('badterm')
        return r.choice(['a:', 'mx:', 'include', 'exists', 'ip4', 'all:x',
                         'all/8', 'ptr:', 'foo', 'a:foo-bar', 'a:museum',
                         'a:111.222.33.44', '=all', '1up=x', 'ip:1.2.3.4',
                         'include:' + self.Z + '/24', '-redirect=x.com',
                         'a,mx', 'exp', 'spf1', 'redirect:' + self.Z,
                         'a:%s:25' % self.Z])

    def include_target(self, depth):
        r = self.rng
        how = r.weighted([(70, 'record'), (5, 'nx'), (5, 'notxt'),
                          (3, 'servfail'), (5, 'bad'), (3, 'two'),
                          (4, 'macro'), (5, 'self')])
        if how == 'self':
            return r.choice([self.Z, '%{d}', '%{o}'])
        name = self.fresh('i')
        self.tags.append('inc-' + how)
        if how == 'record':
            self.record(name, depth + 1)
        elif how == 'notxt':
            self.add(name, {'A': self.addr('match', 4)})
            if r.chance(.5):
                self.add(name, {'TXT': 'not spf'})
        elif how == 'servfail':
            self.add(name, 'RCODE2')
        elif how == 'bad':
            self.add(name, {'TXT': 'v=spf1 ' + r.choice(
                ['a:', 'ip4:1.2.3.4/33', 'foo', 'a:%{x}.com', '-all moo',
                 'exp=%{c}.com', 'redirect=a.com redirect=b.com'])})
        elif how == 'two':
            self.add(name, {'TXT': 'v=spf1 +all'})
            self.add(name, {'TXT': 'v=spf1 -all'})
        elif how == 'macro':
            spec = r.choice(['%{d1r}.%{d}', 'inc.%{d}', 'inc.%{o}',
                             '%{l1}.inc.%{d}', '%{ir}.inc.' + self.Z])
            target = ref_expand(spec, self.ctx, self.Z)
            if target:
                self.record(target, depth + 1)
            return spec
        return name

    def record(self, name, depth, top=False):
        """Publish a record at name (and maybe its A/MX data)."""
        r = self.rng
        terms = [self.term(name, depth) for _ in
                 range(r.weighted([(5, 0), (20, 1), (30, 2), (25, 3),
                                   (15, 4), (5, 6)]))]
        if r.chance(.7):
            terms.append(self.qual() + 'all')
        mods = []
        if r.chance(.15 if terms and terms[-1].endswith('all') else .35):
            mods.append('redirect=' + self.redirect_target(depth))
        if r.chance(.3):
            mods.append('exp=' + self.exp_target(name))
        if r.chance(.08):
            mods.append(r.choice(['moo=bar', 'foo=%{l}.%{d}',
                                  'x-y.z_w=a:b/c', 'v=spf2', 'ra=postmaster',
                                  'rp=100', 'default=+', 'op=pfail',
                                  'foo=%{x}', 'foo=%']))
        for m in mods:
            terms.insert(r.below(len(terms) + 1) if r.chance(.3)
                         else len(terms), m)
        if r.chance(.03) and 'exp=' not in ' '.join(mods):
            terms.append('exp=' + self.exp_target(name))
            terms.append('exp=' + self.exp_target(name))
            self.tags.append('twoexp')
        ver = 'v=spf1'
        if r.chance(.03):
            ver = r.choice(['V=SPF1', 'v=Spf1'])
        sep = '  ' if r.chance(.05) else ' '
        text = ver + ''.join(sep + t for t in terms)
        if r.chance(.03):
            text += ' '
        if r.chance(.1) and len(text) > 12:
            cut = r.randint(1, len(text) - 1)
            self.add(name, {'TXT': [text[:cut], text[cut:]]})
        else:
            self.add(name, {'TXT': text})
        if r.chance(.1):
            self.add(name, {'TXT': 'google-site-verification=abc'})
        return text

    def redirect_target(self, depth):
        r = self.rng
        how = r.weighted([(70, 'record'), (6, 'nx'), (5, 'notxt'),
                          (4, 'bad'), (5, 'macro'), (3, 'self')])
        if how == 'self':
            return self.Z
        name = self.fresh('r')
        self.tags.append('redir-' + how)
        if how == 'record' and depth < 5:
            self.record(name, depth + 1)
        elif how == 'record':
            self.add(name, {'TXT': 'v=spf1 -all'})
        elif how == 'notxt':
            self.add(name, {'A': self.addr('match', 4)})
        elif how == 'bad':
            self.add(name, {'TXT': 'v=spf1 ip4:1.2.3.4/99'})
        elif how == 'macro':
            spec = r.choice(['_spf.%{d}', 'r.%{o}', '%{l1}.r.%{d}'])
            target = ref_expand(spec, self.ctx, self.Z)
            if target:
                self.add(target, {'TXT': r.choice(
                    ['v=spf1 -all', 'v=spf1 ~all', 'v=spf1 ip4:%s -all' %
                     self.v4, 'v=spf1 a -all'])})
            return spec
        return name

    def exp_target(self, domain):
        r = self.rng
        self.tags.append('exp')
        if r.chance(.25):
            spec = r.choice(['exp.%{d}', '%{l}.exp.' + self.Z,
                             'e.%{o}', '%{ir}.exp.' + self.Z,
                             '%{c}.exp.' + self.Z, '%{d}.'])
            name = ref_expand(spec, self.ctx, domain)
        else:
            spec = name = self.fresh('e')
        how = r.weighted([(75, 'one'), (6, 'two'), (6, 'nx'),
                          (3, 'servfail'), (5, 'split')])
        if name:
            if how == 'one':
                self.add(name, {'TXT': r.choice(EXPLAINS)})
            elif how == 'two':
                self.add(name, {'TXT': r.choice(EXPLAINS)})
                self.add(name, {'TXT': 'second explanation'})
            elif how == 'servfail':
                self.add(name, 'RCODE2')
            elif how == 'split':
                self.add(name, {'TXT': ['Denied: ', r.choice(EXPLAINS)]})
        return spec

    # -- whole scenarios
    def special(self):
        """Scenarios aimed at the limits of RFC 7208 4.6.4."""
        r = self.rng
        kind = r.choice(['chain', 'terms', 'voids', 'mx', 'ptr',
                         'redirchain', 'includevoids', 'mixed'])
        self.tags.append('limit-' + kind)
        Z = self.Z
        q = self.qual()
        if kind == 'chain':
            n = r.randint(7, 12)
            names = [Z] + ['c%d.%s' % (i, Z) for i in range(1, n + 1)]
            for i in range(n):
                self.add(names[i], {'TXT': 'v=spf1 include:%s %sall' %
                                    (names[i + 1], r.choice(['-', '~']))})
            self.add(names[n], {'TXT': 'v=spf1 %sip4:%s ip6:%s -all' %
                                (q, self.v4, self.v6)})
        elif kind == 'redirchain':
            n = r.randint(7, 12)
            names = [Z] + ['c%d.%s' % (i, Z) for i in range(1, n + 1)]
            for i in range(n):
                self.add(names[i], {'TXT': 'v=spf1 ip4:192.0.2.1 '
                                    'redirect=%s' % names[i + 1]})
            self.add(names[n], {'TXT': 'v=spf1 %sa -all' % q})
            self.host(names[n], 'match')
        elif kind == 'terms':
            n = r.randint(8, 12)
            terms = []
            for i in range(n):
                kinds = ['a:%s' % self.host(how='other'),
                         'mx:%s' % self.mx_host(count=1),
                         'exists:%s' % self.host(how='nx'),
                         'ptr', 'include:%s' % self.small_record()]
                terms.append(r.choice(kinds))
            terms.append('%sip4:%s' % (q, self.v4))
            terms.append('%sip6:%s' % (q, self.v6))
            self.add(Z, {'TXT': 'v=spf1 ' + ' '.join(terms) + ' -all'})
        elif kind == 'voids':
            n = r.randint(1, 4)
            terms = []
            for i in range(n):
                terms.append(r.choice(['a:nx%d.%s' % (i, Z),
                                       'mx:nx%d.%s' % (i, Z),
                                       'exists:nx%d.%s' % (i, Z),
                                       'a:%s' % self.host(how='nodata')]))
            if r.chance(.5):
                terms.append('ptr')
            terms.insert(r.below(len(terms) + 1), 'a:%s' %
                         self.host(how='other'))
            terms.append('%sip4:%s' % (q, self.v4))
            terms.append('%sip6:%s' % (q, self.v6))
            self.add(Z, {'TXT': 'v=spf1 ' + ' '.join(terms) + ' ~all'})
        elif kind == 'includevoids':
            inner = []
            for i in range(r.randint(1, 3)):
                inner.append('v=spf1 a:nx%d.%s mx:nx%d.%s ?all' %
                             (i, Z, i, Z))
            terms = []
            for i, rec in enumerate(inner):
                name = 'iv%d.%s' % (i, Z)
                self.add(name, {'TXT': rec})
                terms.append('include:' + name)
            terms.append('%sip4:%s' % (q, self.v4))
            self.add(Z, {'TXT': 'v=spf1 ' + ' '.join(terms) + ' -all'})
        elif kind == 'mx':
            n = r.randint(8, 12)
            name = 'mxs.' + Z
            hit = r.randint(0, n)
            for i in range(n):
                self.add(name, {'MX': [i, self.host(
                    how='match' if i == hit else
                    r.choice(['other', 'other', 'nx', 'nodata']))]})
            self.add(Z, {'TXT': 'v=spf1 %smx:%s -all' % (q, name)})
        elif kind == 'ptr':
            n = r.randint(8, 13)
            hit = r.randint(0, n + 1)
            for i in range(n):
                name = 'p%d.%s' % (i, Z)
                self.host(name, 'match' if i == hit else
                          r.choice(['other', 'nx']))
                self.add(self.rev, {'PTR': name})
            self.add(Z, {'TXT': 'v=spf1 %sptr -all' % q})
        else:
            self.record(Z, 0, top=True)
            self.ptr_data()
            return
        if r.chance(.3):
            self.ptr_data()

    def small_record(self):
        name = self.fresh('i')
        self.add(name, {'TXT': 'v=spf1 ip4:192.0.2.1 ?all'})
        return name

    def build(self):
        r = self.rng
        self.make_client()
        self.make_identity()
        top = self.sdomain.rstrip('.').lower() if self.sdomain else ''
        if top.endswith(self.Z) and top != self.Z and \
                top not in self.zone and r.chance(.8) and \
                '..' not in top and len(top) < 200:
            # The identity lives below Z (mx.Z): give it a record too.
            self.record(top, 0, top=True)
        if r.chance(.2):
            self.special()
        else:
            how = r.weighted([(85, 'record'), (3, 'none'), (2, 'two'),
                              (2, 'spf99'), (2, 'v10'), (2, 'servfail'),
                              (1, 'timeout'), (2, 'empty'), (1, 'cname')])
            self.tags.append('top-' + how)
            if how == 'record':
                self.record(self.Z, 0, top=True)
            elif how == 'two':
                self.add(self.Z, {'TXT': 'v=spf1 ip4:%s -all' % self.v4})
                self.add(self.Z, {'TXT': 'v=spf1 -all'})
            elif how == 'spf99':
                self.add(self.Z, {'SPF': 'v=spf1 -all'})
                self.add(self.Z, {'TXT': 'NONE'})
            elif how == 'v10':
                self.add(self.Z, {'TXT': 'v=spf10 -all'})
            elif how == 'servfail':
                self.add(self.Z, 'RCODE2')
            elif how == 'timeout' and self.no_timeout:
                self.add(self.Z, 'RCODE2')
            elif how == 'timeout':
                self.add(self.Z, 'TIMEOUT')
                self.tags.append('timeout')
            elif how == 'empty':
                self.add(self.Z, {'TXT': r.choice(['v=spf1', 'v=spf1 '])})
            elif how == 'cname':
                t = self.fresh('cn')
                self.add(self.Z, {'CNAME': t})
                self.record(t, 0)
            self.ptr_data()
        return self

    def query(self):
        return {'id': '%d:%d' % (self.seed, self.k), 'k': self.k,
                'ip': self.ip, 'sender': self.sender, 'helo': self.helo,
                'scope': self.scope, 'receiver': self.receiver,
                'tags': sorted(set(self.tags))}


def generate(seed, first, count, no_timeout=False):
    zone, queries, per = {}, [], {}
    for k in range(first, first + count):
        s = Scenario(seed, k, no_timeout).build()
        for name, entries in s.zone.items():
            if name in zone:
                # Names outside the scenario's zone may repeat (a %{d2}
                # expansion): keep the first scenario's data.
                continue
            zone[name] = entries
        q = s.query()
        per[k] = s.zone
        queries.append(q)
    return zone, queries, per


# ----------------------------------------------------------------------
# Running the implementations

def start_dnsd(python, dnsd, jsonfile, tmp):
    portfile = os.path.join(tmp, 'port')
    err = open(os.path.join(tmp, 'dnsd.err'), 'w')
    p = subprocess.Popen([python, dnsd, '--port-file', portfile, '--json',
                          jsonfile], stdout=subprocess.DEVNULL, stderr=err)
    for _ in range(1000):
        if os.path.exists(portfile):
            with open(portfile) as fp:
                s = fp.read().strip()
            if s:
                return p, int(s)
        if p.poll() is not None:
            break
        time.sleep(0.01)
    with open(os.path.join(tmp, 'dnsd.err')) as fp:
        sys.stdout.write('Bail out! dnsd.py did not start: %s\n' % fp.read())
    if p.poll() is None:
        p.kill()
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1)


def ours_cmd(spfquery, port, q):
    cmd = [spfquery, '--nameserver=127.0.0.1@%d' % port, '--dns-timeout=1',
           '--default-explanation=' + DEFAULT_EXP, '-i', q['ip']]
    if q['scope'] == 'helo':
        cmd.append('--scope=helo')
    else:
        cmd += ['-s', q['sender']]
    if q['helo']:
        cmd += ['-H', q['helo']]
    if q['receiver']:
        cmd += ['-r', q['receiver']]
    return cmd


def run_ours(spfquery, port, q):
    cmd = ours_cmd(spfquery, port, q)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=120)
    out = p.stdout.decode('latin-1').split('\n')
    res = out[0] if out else ''
    exp = out[1] if len(out) > 1 else ''
    rs = out[2] if len(out) > 2 else ''
    return {'result': res, 'exp': exp, 'status': p.returncode,
            'received': rs, 'stderr': p.stderr.decode('latin-1')}


def setup_pyspf(port):
    import dns.name
    import dns.resolver
    import spf
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ['127.0.0.1']
    res.port = port
    res.domain = dns.name.root
    res.search = []
    res.timeout = 1
    res.lifetime = 1
    dns.resolver.default_resolver = res
    return spf


def run_pyspf(spf, q):
    s = q['sender'] if q['scope'] == 'mfrom' else ''
    try:
        query = spf.query(i=q['ip'], s=s, h=q['helo'],
                          receiver=q['receiver'], timeout=1, querytime=0)
        res, _, exp = query.check()
    except Exception as e:  # pyspf bugs: record them as such
        return {'result': 'exception', 'exp': repr(e), 'problem': ''}
    return {'result': res, 'exp': exp if res == 'fail' else '',
            'problem': str(getattr(query, 'prob', '') or '')}


def mailspf_query(q, port):
    """The Mail::SPF request for scenario query q (t/mailspf-eval.pl's
    input), or None when Mail::SPF cannot take it (a null sender and no
    HELO).  Mail::SPF has no null sender: like spfquery (RFC 7208 2.4) it
    is given postmaster@HELO."""
    if q['scope'] == 'helo' or q['sender'] == '':
        if not q['helo']:
            return None
        if q['scope'] == 'helo':
            mscope, ident = 'helo', q['helo']
        else:
            mscope, ident = 'mfrom', 'postmaster@' + q['helo']
    else:
        mscope, ident = 'mfrom', q['sender']
    return {'port': port, 'scope': mscope, 'identity': ident,
            'ip': q['ip'], 'helo': q['helo'] or '',
            'receiver': q['receiver'], 'defexp': DEFAULT_EXP}


def run_mailspf_eval(script, requests, jobs):
    """Mail::SPF through t/mailspf-eval.pl, in `jobs` Perl processes over
    slices of the requests (None: no request, None answer)."""
    todo = [i for i, r in enumerate(requests) if r is not None]
    results = [None] * len(requests)
    slices = [todo[i::jobs] for i in range(jobs)]

    def work(idx):
        if not idx:
            return
        p = subprocess.run(['perl', script],
                           input=''.join(json.dumps(requests[i]) + '\n'
                                         for i in idx),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        outs = p.stdout.split('\n')
        for n, i in enumerate(idx):
            try:
                results[i] = json.loads(outs[n])
            except (IndexError, ValueError):
                results[i] = {'result': 'exception', 'exp': 'no output: '
                              + p.stderr[:200], 'text': '', 'header': ''}

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(work, slices))
    return results


def run_mailspf(script, port, queries, jobs):
    return run_mailspf_eval(script, [mailspf_query(q, port)
                                     for q in queries], jobs)


# ----------------------------------------------------------------------

def parse_answer(text):
    """'RESULT' or 'RESULT "TEXT"' (TEXT a JSON string: the explanation
    of a fail, the message of a Mail::SPF exception) -> answer dict."""
    word, _, rest = text.partition(' ')
    if word not in EXIT and word != 'exception':
        raise ValueError('unknown result %r' % word)
    exp = json.loads(rest) if rest else ''
    if not isinstance(exp, str):
        raise ValueError('explanation is not a string: %r' % rest)
    return {'result': word, 'exp': exp}


def show_answer(a):
    """The inverse of parse_answer (the explanation only where it is
    compared: fail and exception)."""
    if a is None:
        return 'none asked'
    if a['result'] in ('fail', 'exception'):
        return '%s %s' % (a['result'], json.dumps(a['exp']))
    return a['result']


def load_expect(path):
    """Lines "ID<TAB>SPFQUERY<TAB>PYSPF<TAB>MAILSPF<TAB>WHY": the three
    answers (parse_answer) of a scenario where spfquery disagrees with
    a peer, and why by RFC 7208.  WHY must cite a section of RFC 7208
    and quote the sentence that decides ("...")."""
    exp = {}
    if not path:
        return exp
    import re
    with open(path) as fp:
        for n, line in enumerate(fp, 1):
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            parts = line.split('\t')
            try:
                if len(parts) != 5:
                    raise ValueError('%d fields, wanted 5' % len(parts))
                if not re.search(r'RFC 7208 [0-9]', parts[4]) or \
                        not re.search(r'"[^"]{12,}"', parts[4]):
                    raise ValueError('WHY cites no RFC 7208 sentence')
                exp[parts[0]] = {'ours': parse_answer(parts[1]),
                                 'py': parse_answer(parts[2]),
                                 'ms': parse_answer(parts[3]),
                                 'why': parts[4]}
            except ValueError as e:
                sys.stderr.write('%s:%d: %s\n' % (path, n, e))
                sys.exit(2)
    return exp


def agree(a, b):
    if b is None:
        return False
    if a['result'] != b['result']:
        return False
    if a['result'] in ('fail', 'exception') and a['exp'] != b['exp']:
        return False
    return True


def main(argv):
    opts = {'seed': 1, 'count': 300, 'first': 0, 'jobs': 8,
            'python': sys.executable, 'spfquery': None, 'dnsd': None,
            'mailspf': False, 'expect': None, 'tap': False, 'dump': None,
            'verbose': False, 'no_timeout': False, 'draft_expect': None,
            'mailspf_eval': os.path.join(os.path.dirname(
                os.path.abspath(__file__)), 'mailspf-eval.pl')}
    i = 1
    while i < len(argv):
        a = argv[i]
        if '=' in a and a.startswith('--'):
            a, v = a.split('=', 1)
            argv[i + 1:i + 1] = [v]
        key = a.lstrip('-').replace('-', '_')
        if a in ('--mailspf', '--tap', '--no-timeout'):
            opts[key] = True
        elif a == '-v':
            opts['verbose'] = True
        elif a in ('--seed', '--count', '--first', '--jobs', '--dump'):
            i += 1
            opts[key] = int(argv[i])
        elif a in ('--python', '--spfquery', '--dnsd', '--expect',
                   '--draft-expect', '--mailspf-eval'):
            i += 1
            opts[key] = argv[i]
        elif a == '--help':
            print(__doc__)
            return 0
        else:
            sys.stderr.write('diff-spf.py: unknown option %s\n' % a)
            return 64
        i += 1

    if opts['dump'] is not None:
        s = Scenario(opts['seed'], opts['dump'], opts['no_timeout']).build()
        print(json.dumps({'query': s.query(), 'zone': s.zone}, indent=1))
        return 0
    if not opts['spfquery'] or not opts['dnsd']:
        sys.stderr.write('diff-spf.py: --spfquery and --dnsd are needed\n')
        return 64

    if opts['tap']:
        opts['mailspf'] = True   # the TAP rule needs both peers
    zone, queries, per = generate(opts['seed'], opts['first'], opts['count'],
                                  opts['no_timeout'])
    expect = load_expect(opts['expect'])
    tmp = tempfile.mkdtemp(prefix='diff-spf.')
    jsonfile = os.path.join(tmp, 'zone.json')
    with open(jsonfile, 'w') as fp:
        json.dump(zone, fp)
    dnsd, port = start_dnsd(opts['python'], opts['dnsd'], jsonfile, tmp)
    # SIGTERM (make check's timeout, kill): unwind, so the finally below
    # stops dnsd and removes the temporary files.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(1))
    try:
        spf = setup_pyspf(port)
        t0 = time.time()
        with concurrent.futures.ThreadPoolExecutor(opts['jobs']) as ex:
            futs = [ex.submit(run_ours, opts['spfquery'], port, q)
                    for q in queries]
            py = [run_pyspf(spf, q) for q in queries]
            ours = [f.result() for f in futs]
        ms = run_mailspf(opts['mailspf_eval'], port, queries, opts['jobs']) \
            if opts['mailspf'] else [None] * len(queries)
        elapsed = time.time() - t0
    finally:
        dnsd.send_signal(signal.SIGTERM)
        dnsd.wait()
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)

    if opts['tap']:
        return tap(opts, queries, ours, py, ms, expect, port)
    return report(opts, queries, ours, py, ms, per, elapsed, port)


def tap(opts, queries, ours, py, ms, expect, port):
    """One TAP line per scenario.  It passes when spfquery gives the
    answer (result, and for fail the explanation) of both peers; or of
    one peer, when --expect lists the scenario with the other peer's
    answer and why that peer is wrong; or of neither, when --expect lists
    the scenario with both peers' answers and the RFC 7208 sentence that
    decides.  A listed scenario also fails when a peer's answer is no
    longer the one listed: the verdict must then be reviewed."""
    print('1..%d' % len(queries))
    failed = 0
    for n, (q, o, p, m) in enumerate(zip(queries, ours, py, ms), 1):
        problems = []
        if q['scope'] == 'mfrom' and not q['sender'] and not q['helo']:
            # A null sender without HELO has no identity to check (RFC
            # 7208 2.4 makes it postmaster@HELO): spfquery refuses it as
            # a usage error (DESIGN: sender or HELO required; issue 10).
            if o['status'] == 64 and o['result'] == '':
                print('ok %d - %s: usage error (null sender, no HELO)' %
                      (n, q['id']))
            else:
                failed += 1
                print('not ok %d - %s: exit %d %r for a null sender '
                      'without HELO, not 64' % (n, q['id'], o['status'],
                                                o['result']))
            continue
        if o['result'] not in EXIT:
            problems.append('spfquery printed no result: %r' %
                            o['stderr'][:200])
        elif o['status'] != EXIT[o['result']]:
            problems.append('exit %d for %s' % (o['status'], o['result']))
        e = expect.get(q['id'])
        a_py, a_ms = agree(o, p), agree(o, m)
        if m is None and e is None:
            # A null sender without HELO: Mail::SPF has no identity to
            # check (mailspf_query), so pyspf alone is the peer.
            if a_py:
                print('ok %d - %s: %s, as pyspf (Mail::SPF not asked: no '
                      'HELO for a null sender)' % (n, q['id'], o['result']))
                continue
            a_ms = False
        if e is not None:
            desc = '%s: %s (pyspf %s, Mail::SPF %s: listed)' % (
                q['id'], o['result'], p['result'],
                m['result'] if m else '-')
            for who, got, want in (('spfquery', o, e['ours']),
                                   ('pyspf', p, e['py']),
                                   ('Mail::SPF', m, e['ms'])):
                if not agree(want, got):
                    problems.append('%s: listed %s, got %s' % (
                        who, show_answer(want), show_answer(got)))
            if problems:
                problems.append('listed because: %s' % e['why'])
        elif a_py and a_ms:
            desc = '%s: %s, as pyspf and Mail::SPF' % (q['id'], o['result'])
        else:
            desc = '%s: %s, as %s' % (q['id'], o['result'],
                                      'pyspf' if a_py else 'Mail::SPF'
                                      if a_ms else 'neither peer')
            for who, ok, got in (('pyspf', a_py, p), ('Mail::SPF', a_ms, m)):
                if not ok:
                    problems.append('%s says %s, spfquery %s, and %s '
                                    'does not list it' % (
                                        who, show_answer(got),
                                        show_answer(o), opts['expect']))
        if problems:
            failed += 1
            print('not ok %d - %s' % (n, desc))
            for pr in problems:
                print('#   %s' % pr)
            print('#   %s' % ' '.join(ours_cmd('spfquery', port, q)[1:]))
            print('#   (diff-spf.py --seed %d --dump %d shows the data)' %
                  (opts['seed'], q['k']))
        else:
            print('ok %d - %s' % (n, desc))
    return 1 if failed else 0


# The known ways pyspf (2.0.14) departs from RFC 7208, as found by this
# program, with the verdict: what the RFC says and so what spfquery does.
VERDICTS = {
    'trailing-dot':
        'RFC 7208 4.3: only a zero-length label not at the end is '
        'malformed, so a domain with a trailing dot is checked (pyspf: '
        'none; Mail::SPF agrees with spfquery)',
    'empty-exp':
        'RFC 7208 6.2, 7.1: explain-string = *( macro-string / SP ) may be '
        'empty, and an empty text is the explanation (pyspf uses its '
        'default; Mail::SPF agrees with spfquery)',
    'invalid-exp':
        'RFC 7208 6.2: an exp= text with a syntax error (7.1: a zero '
        'DIGIT transformer) is ignored, the default explanation is used '
        '(pyspf expands it; Mail::SPF agrees with spfquery)',
    'exp-counted':
        'RFC 7208 4.6.4: the exp= lookups count against no limit (the '
        'OpenSPF suite\'s exp-void); pyspf expands %{p} of exp= text '
        'before the result and counts its void lookups',
    'bad-macro':
        'RFC 7208 7.1: "%{l*}", an unclosed "%{" and a zero DIGIT (MUST be '
        'nonzero) are no macro-expand; a syntax error anywhere in the '
        'record is permerror (4.6); pyspf expands them (Mail::SPF agrees '
        'with spfquery)',
    'self-include':
        'RFC 7208 4.6, 5.2: terms are evaluated left to right; pyspf '
        'rejects an include of the domain itself while parsing, although '
        'an earlier term decides first (Mail::SPF agrees with spfquery)',
    'ptr-error':
        'RFC 7208 5.5: "If a DNS error occurs while doing the PTR RR '
        'lookup, then this mechanism fails to match" (7.3: %{p} is '
        '"unknown"); pyspf and Mail::SPF give temperror',
    'eager-void':
        'RFC 7208 5.4, 5.5: a match ends the mx/ptr search; pyspf looks '
        'up every MX/PTR name (and %{p} of exp=) first and counts those '
        'void answers against the limit of 4.6.4 (Mail::SPF agrees with '
        'spfquery)',
    'eager-error':
        'RFC 7208 5.4: a match ends the mx search; pyspf looks up every '
        'MX name first and fails on a later one (Mail::SPF agrees with '
        'spfquery)',
    'postmaster-s':
        'RFC 7208 4.3: a sender without local-part becomes '
        'postmaster@domain, and %{s} is that <sender> (pyspf and '
        'Mail::SPF expand the address as given)',
    'delimiter':
        'RFC 7208 7.3: the parts are "rejoined using \".\" and not the '
        'original splitting characters" (7.4: %{l-} is strong.bad); '
        'pyspf does so for l and s only, Mail::SPF only with a '
        'transformer',
    'truncation':
        'RFC 7208 7.3: an expansion over 253 octets loses labels from the '
        'left "until the total length does not exceed 253"; pyspf drops '
        'one label only and fails on the overlong name (Mail::SPF agrees '
        'with spfquery)',
    'no-helo':
        'no HELO given: spfquery (and Mail::SPF) expand %{h} as '
        '"unknown", pyspf as an empty string; RFC 7208 does not say',
}


def classify(q, o, p, m, zone):
    """The VERDICTS key of a disagreement with pyspf, or None."""
    import re
    oprob = re.search(r'problem="?([^;"]*)', o['received'])
    oprob = oprob.group(1) if oprob else ''
    pprob = p.get('problem', '')
    if q['scope'] == 'helo' or q['sender'] == '':
        dom = q['helo']
    else:
        dom = q['sender'].rpartition('@')[2]
    if p['result'] == 'exception' and 'NameTooLong' in p['exp']:
        return 'truncation'
    if re.search(r'[^.]\.$', dom) and p['result'] == 'none':
        return 'trailing-dot'
    if o['result'] == p['result'] == 'fail':
        if o['exp'] == '' and p['exp'] == DEFAULT_EXP:
            return 'empty-exp'
        if o['exp'] == DEFAULT_EXP:
            return 'invalid-exp'
        if p['exp'] == DEFAULT_EXP:
            return 'exp-counted'
    if o['result'] == 'permerror' and re.search(
            'invalid macro|must not be zero|only in exp|invalid character',
            oprob):
        return 'bad-macro'
    if 'trivial recursion' in pprob:
        return 'self-include'
    rev = [n for n in zone if n.endswith('.arpa')]
    if p['result'] == 'temperror' and o['result'] != 'temperror' and \
            any(e in ('RCODE2', 'TIMEOUT') for n in rev for e in zone[n]):
        return 'ptr-error'
    if p['result'] == 'permerror' and o['result'] != 'permerror' and \
            'Void lookup' in pprob:
        return 'eager-void'
    if p['result'] == 'temperror' and o['result'] != 'temperror' and \
            (m is None or m['result'] == o['result']):
        return 'eager-error'
    text = json.dumps(zone)
    if q['scope'] == 'mfrom' and q['sender'] and \
            (q['sender'].startswith('@') or '@' not in q['sender']) and \
            re.search(r'%\{[sS]', text):
        return 'postmaster-s'
    if re.search(r'%\{[hHoOdDiIpPvV][0-9]*[rR]?[-+,/_=]', text):
        return 'delimiter'
    if not q['helo'] and re.search(r'%\{[hH]', text):
        return 'no-helo'
    return None


def report(opts, queries, ours, py, ms, per, elapsed, port):
    ndis = 0
    nms = 0
    classes = {}
    drafts = []
    for q, o, p, m in zip(queries, ours, py, ms):
        bad_status = o['result'] in EXIT and o['status'] != EXIT[o['result']]
        d_py = not agree(o, p)
        d_ms = m is not None and not agree(o, m)
        if m is not None and d_ms:
            nms += 1
        why = classify(q, o, p, m, per[q['k']]) if d_py else None
        if opts['draft_expect'] and (d_py or d_ms):
            drafts.append('%s\t%s\t%s\t%s\t%s' % (
                q['id'], show_answer(o), show_answer(p), show_answer(m),
                'REVIEW: ' + (VERDICTS[why] if why else 'unexplained')))
        if not d_py and not bad_status and not (opts['verbose'] and d_ms):
            continue
        ndis += d_py
        if d_py:
            classes[why] = classes.get(why, 0) + 1
        if why is not None and not opts['verbose']:
            continue
        print('=== %s tags=%s' % (q['id'], ','.join(q['tags'])))
        if why is not None:
            print('  known: %s' % why)
        print('  query: %s' % ' '.join(ours_cmd('spfquery', port, q)[1:]))
        print('  ours:   %s %r (exit %d)' % (o['result'], o['exp'],
                                            o['status']))
        print('  pyspf:  %s %r' % (p['result'], p['exp']))
        if m is not None:
            print('  mailspf: %s %r' % (m['result'], m['exp']))
        print('  received: %s' % o['received'])
        for name, entries in sorted(per[q['k']].items()):
            print('    %s: %s' % (name, json.dumps(entries)))
    for why, n in sorted(classes.items(), key=lambda x: -x[1]):
        print('# %5d  %s' % (n, why or 'UNEXPLAINED (shown above)'))
    if opts['draft_expect']:
        with open(opts['draft_expect'], 'w') as fp:
            fp.write('\n'.join(drafts) + '\n' if drafts else '')
    print('# %d scenarios in %.1f s; %d disagree with pyspf%s' %
          (len(queries), elapsed, ndis,
           ('; %d with Mail::SPF' % nms) if opts['mailspf'] else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
