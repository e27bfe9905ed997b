#!/usr/bin/python3
"""spf-suite.py: run an OpenSPF YAML test suite through spfquery.

Usage:
    spf-suite.py --spfquery PATH --dnsd PATH [options] SUITE.yml

Each YAML document is one scenario: its zonedata is served by a t/dnsd.py
started for that scenario on 127.0.0.1 (FORMAT.md section 4.4 rules), and
each of its tests runs `spfquery` once against that server:

    spfquery --nameserver=127.0.0.1@PORT --dns-timeout=1
             --default-explanation=DEFAULT -i HOST -s MAILFROM -H HELO

(mailfrom "" is the null sender: spfquery checks postmaster@HELO, RFC 7208
2.4).  A test passes when line 1 of the output is one of the acceptable
results, the exit status is the one spfquery documents for that result,
and, when the test gives an explanation and the result is fail, line 2 is
that explanation exactly.  One TAP line per test case, named
"FILE: TEST", in file order; with --peers, then one more per test case,
"FILE: TEST: Received-SPF ...", comparing spfquery's Received-SPF with
pyspf's and Mail::SPF's.

Options:
    --spfquery PATH    the program to test
    --dnsd PATH        t/dnsd.py
    --python PATH      interpreter for dnsd.py (default: this one)
    --jobs N           tests run at the same time (default 8); every
                       scenario has its own dnsd, started together
    --dns-timeout S    per-query timeout passed to spfquery (default 1):
                       TIMEOUT entries are dropped queries, so each costs S
    --arg ARG          one more argument for every spfquery run
                       (repeatable), e.g. --arg=--max-void-lookups=0 or
                       --arg=--sender-id
    --only NAME        run only this test (repeatable; for debugging)
    --skip NAME=REASON print test NAME as "ok N - ... # SKIP REASON"
                       instead of running it (repeatable): for tests of
                       a peer's own extensions, with the reason
    --peers            also run pyspf (python3-spf) and Mail::SPF
                       (t/mailspf-eval.pl) on every test and print one
                       more TAP line per test, "FILE: TEST: Received-SPF":
                       the values of the keys spfquery's Received-SPF
                       (line 3) shares with each peer's must be equal
                       (RECEIVED_SPF_KEYS, below, says which and why);
                       a test's "header:" (pyspf's own suite) is compared
                       the same way
    --mailspf-eval PATH
                       the Mail::SPF driver (default: mailspf-eval.pl
                       next to this file)
    -v                 show each command line as a TAP comment

Extra keys understood (Mail::SPF::Test and pyspf formats): scope (mfrom,
helo, pra: --scope), identity (the identity to check instead of mailfrom
or helo), receiver (-r).
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

import yaml

EXIT = {'pass': 0, 'fail': 1, 'softfail': 2, 'neutral': 3, 'permerror': 4,
        'temperror': 5, 'none': 6}


def die(msg):
    print('Bail out! %s' % msg)
    sys.exit(1)


def spawn_dnsd(python, dnsd, jsonfile, tmp, tag):
    portfile = os.path.join(tmp, 'port.%s' % tag)
    errfile = os.path.join(tmp, 'dnsd.%s.err' % tag)
    with open(errfile, 'w') as err:
        p = subprocess.Popen([python, dnsd, '--port-file', portfile,
                              '--json', jsonfile], stdout=subprocess.DEVNULL,
                             stderr=err)
    return p, portfile, errfile


def wait_dnsd(p, portfile, errfile):
    for _ in range(800):
        if os.path.exists(portfile):
            with open(portfile) as fp:
                s = fp.read().strip()
            if s:
                return int(s)
        if p.poll() is not None:
            break
        time.sleep(0.01)
    p.kill()
    with open(errfile) as fp:
        die('dnsd.py did not start: %s' % fp.read().strip())


def stop_dnsd(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def command(opts, port, test):
    scope = str(test.get('scope', '')).lower()
    mailfrom = test.get('mailfrom', '')
    helo = test.get('helo', '')
    mailfrom = '' if mailfrom is None else str(mailfrom)
    helo = '' if helo is None else str(helo)
    ident = test.get('identity')
    if ident is not None:
        if scope == 'helo':
            helo = str(ident)
        else:
            mailfrom = str(ident)
    cmd = [opts['spfquery'], '--nameserver=127.0.0.1@%d' % port,
           '--dns-timeout=%s' % opts['timeout'],
           '--default-explanation=DEFAULT',
           '-i', str(test['host']), '-s', mailfrom, '-H', helo]
    if scope in ('mfrom', 'helo', 'pra'):
        cmd.append('--scope=' + scope)
    if test.get('receiver') is not None:
        cmd += ['-r', str(test['receiver'])]
    return cmd + opts['args']


def run_one(opts, port, name, test):
    """Returns (ok, diagnostics, command, stdout lines)."""
    cmd = command(opts, port, test)
    want = test['result']
    if not isinstance(want, list):
        want = [want]
    want = [str(w) for w in want]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return False, ['spfquery did not finish in 60 seconds'], cmd, []
    out = p.stdout.decode('utf-8', 'replace').split('\n')
    got = out[0] if out else ''
    diag = []
    ok = True
    if got not in want:
        ok = False
        diag.append('result: wanted %s, got %r' % ('/'.join(want), got))
    elif got != want[0]:
        diag.append('accepted non-preferred result %s (preferred %s)'
                    % (got, want[0]))
    if got in EXIT and p.returncode != EXIT[got]:
        ok = False
        diag.append('exit status %d, wanted %d for %s'
                    % (p.returncode, EXIT[got], got))
    if 'explanation' in test and got == 'fail':
        exp = out[1] if len(out) > 1 else ''
        if exp != str(test['explanation']):
            ok = False
            diag.append('explanation: wanted %r, got %r'
                        % (str(test['explanation']), exp))
    if not ok:
        for line in p.stderr.decode('utf-8', 'replace').splitlines()[:5]:
            diag.append('stderr: ' + line)
    return ok, diag, cmd, out


# ----------------------------------------------------------------------
# Received-SPF against the peers (--peers).

# The keys of RFC 7208 9.1 whose values are compared between spfquery's
# Received-SPF and a peer's, where both write the key.  Not compared:
# "problem" (9.1: "the nature of the error", free text; Mail::SPF writes
# no such key), the comment (9.1: free text, "SHOULD" only), "x-" keys.
# "mechanism" is compared with pyspf only (Mail::SPF writes none) and
# only when both give the same result (9.1: "the mechanism that matched";
# a different result may have a different mechanism).  "receiver" is
# compared only when the test names one (without one spfquery writes no
# receiver key, pyspf "unknown" and Mail::SPF this host's name).
RECEIVED_SPF_KEYS = ('client-ip', 'envelope-from', 'helo', 'receiver',
                     'identity', 'mechanism')


def parse_received_spf(text):
    """A Received-SPF field (with or without the name, folded or not) ->
    (result word, {key: value}); quoted values unquoted (RFC 5322
    quoted-string), the comment skipped (nested, quoted-pairs)."""
    s = ' '.join(str(text).split())
    if s.lower().startswith('received-spf:'):
        s = s[len('received-spf:'):].lstrip()
    i = 0
    while i < len(s) and not s[i].isspace() and s[i] != '(':
        i += 1
    result = s[:i].lower()
    pairs = {}
    n = len(s)
    while i < n:
        c = s[i]
        if c.isspace() or c == ';':
            i += 1
        elif c == '(':
            depth = 0
            while i < n:
                if s[i] == '\\':
                    i += 2
                    continue
                if s[i] == '(':
                    depth += 1
                elif s[i] == ')':
                    depth -= 1
                    if depth == 0:
                        i += 1
                        break
                i += 1
        else:
            j = i
            while j < n and s[j] not in '=; ':
                j += 1
            key = s[i:j].lower()
            if j >= n or s[j] != '=':
                i = j + 1   # junk: not key=value
                continue
            j += 1
            if j < n and s[j] == '"':
                j += 1
                val = ''
                while j < n and s[j] != '"':
                    if s[j] == '\\' and j + 1 < n:
                        j += 1
                    val += s[j]
                    j += 1
                j += 1
            else:
                k = j
                while j < n and s[j] not in '; ':
                    j += 1
                val = s[k:j]
            pairs[key] = val
            i = j
    return result, pairs


def compare_received(ours, peer, who, test, ours_result, peer_result):
    """Problems (a list of strings) and the keys compared."""
    orr, op = parse_received_spf(ours)
    prr, pp = parse_received_spf(peer)
    null = str(test.get('mailfrom') or '') == '' and \
        str(test.get('scope', '')).lower() != 'helo'
    problems, keys = [], []
    for key in ('client-ip', 'identity'):
        for name, p in (('spfquery', op), (who, pp)):
            if key not in p:
                problems.append('%s Received-SPF has no %s: %r' %
                                (name, key, ours if p is op else peer))
    for key in RECEIVED_SPF_KEYS:
        if key not in op or key not in pp:
            continue
        if key == 'mechanism' and (who == 'Mail::SPF' or
                                   ours_result != peer_result):
            continue
        if key == 'receiver' and test.get('receiver') is None:
            continue
        # A null sender: spfquery writes envelope-from="" (9.1: "the
        # envelope sender mailbox", and there is none) and
        # identity=mailfrom (2.4: the "MAIL FROM" identity is then
        # postmaster@HELO).  pyspf writes postmaster@HELO and
        # identity=helo; Mail::SPF is given postmaster@HELO as the
        # identity (it has no null sender).  Those are not compared.
        if null and key == 'envelope-from':
            continue
        if null and key == 'identity' and who == 'pyspf':
            continue
        keys.append(key)
        if op[key] != pp[key]:
            problems.append('%s: spfquery %r, %s %r' % (key, op[key], who,
                                                        pp[key]))
    return problems, keys


def pyspf_header(port, test, timeout):
    """pyspf's answer and Received-SPF for one test (pyspf's resolver is
    a global: call from one thread of a process)."""
    import dns.name
    import dns.resolver
    import spf
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ['127.0.0.1']
    res.port = port
    res.domain = dns.name.root
    res.search = []
    res.timeout = float(timeout)
    res.lifetime = float(timeout)
    dns.resolver.default_resolver = res
    scope = str(test.get('scope', '')).lower()
    mailfrom = '' if test.get('mailfrom') is None else str(test['mailfrom'])
    helo = '' if test.get('helo') is None else str(test['helo'])
    try:
        q = spf.query(i=str(test['host']),
                      s='' if scope == 'helo' else mailfrom, h=helo,
                      receiver=test.get('receiver'), timeout=float(timeout),
                      querytime=0)
        r, _, _ = q.check()
        return r, q.get_header(r, test.get('receiver'))
    except Exception as e:  # a pyspf bug: report it as such
        return 'exception', 'exception %r' % e


def mailspf_request(port, test):
    scope = str(test.get('scope', '')).lower()
    mailfrom = '' if test.get('mailfrom') is None else str(test['mailfrom'])
    helo = '' if test.get('helo') is None else str(test['helo'])
    if scope == 'helo':
        mscope, ident = 'helo', helo
    elif mailfrom:
        mscope, ident = 'mfrom', mailfrom
    elif helo:
        mscope, ident = 'mfrom', 'postmaster@' + helo
    else:
        return None
    return {'port': port, 'scope': mscope, 'identity': ident,
            'ip': str(test['host']), 'helo': helo,
            'receiver': test.get('receiver'), 'defexp': 'DEFAULT'}


def run_mailspf(script, requests, jobs):
    """t/mailspf-eval.pl, in `jobs` processes over slices of the
    requests (None: nothing to ask, None answer)."""
    answers = [None] * len(requests)
    todo = [i for i, r in enumerate(requests) if r is not None]

    def work(idx):
        if not idx:
            return
        p = subprocess.run(['perl', script], universal_newlines=True,
                           input=''.join(json.dumps(requests[i]) + '\n'
                                         for i in idx),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        outs = p.stdout.split('\n')
        for k, i in enumerate(idx):
            try:
                answers[i] = json.loads(outs[k])
            except (IndexError, ValueError):
                answers[i] = {'result': 'exception', 'header': '',
                              'exp': 'no output: ' + p.stderr[:200]}

    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(work, [todo[k::jobs] for k in range(jobs)]))
    return answers


def peer_lines(opts, label, cases, outs, ports, index, n):
    """The --peers TAP lines, numbered from n + 1; returns the failures."""
    # Mail::SPF in threads (each drives Perl processes) while pyspf runs
    # in processes: pyspf's resolver is a module global, set by each
    # test, so one process per worker.  Tests whose queries time out wait
    # side by side.
    jobs = int(opts['jobs'])
    with concurrent.futures.ThreadPoolExecutor(1) as tex:
        msf = tex.submit(run_mailspf, opts['mailspf_eval'],
                         [mailspf_request(ports[index[id(d)]], t)
                          for d, _, t in cases], jobs)
        with concurrent.futures.ProcessPoolExecutor(jobs) as ex:
            py = list(ex.map(pyspf_header,
                             [ports[index[id(d)]] for d, _, _ in cases],
                             [t for _, _, t in cases],
                             [opts['timeout']] * len(cases)))
        ms = msf.result()
    failed = 0
    for (d, name, t), out, (pres, phead), m in zip(cases, outs, py, ms):
        n += 1
        ores = out[0] if out else ''
        ours = out[2] if len(out) > 2 else ''
        problems, said = [], []
        r, _ = parse_received_spf(ours)
        if r != ores:
            problems.append('spfquery: result %r, Received-SPF says %r'
                            % (ores, r))
        peers = [('pyspf', pres, phead)]
        if m is not None:
            peers.append(('Mail::SPF', m['result'], m['header']))
        if t.get('header') is not None:
            hres, _ = parse_received_spf(t['header'])
            peers.append(('header:', hres, t['header']))
        for who, pres_, head in peers:
            if pres_ == 'exception':
                # The peer died instead of answering (Mail::SPF on some
                # malformed names, in Net::DNS): no field to compare.
                said.append('%s (none: it died)' % who)
                continue
            pr, keys = compare_received(ours, head, who, t, ores, pres_)
            problems += pr
            said.append('%s (%s)' % (who, ' '.join(keys)))
        print('%s %d - %s: %s: Received-SPF values as %s' % (
            'not ok' if problems else 'ok', n, label, name,
            ', '.join(said)))
        if problems or opts['verbose']:
            print('#   spfquery:  %s' % ours)
            for who, _, head in peers:
                print('#   %-10s %s' % (who + ':', ' '.join(
                    str(head).split())))
        for pr in problems:
            print('#   ' + pr)
        failed += bool(problems)
    return failed


def main(argv):
    opts = {'spfquery': None, 'dnsd': None, 'python': sys.executable,
            'jobs': 8, 'timeout': '1', 'args': [], 'only': [],
            'verbose': False, 'skip': [], 'peers': False,
            'mailspf_eval': os.path.join(os.path.dirname(
                os.path.abspath(__file__)), 'mailspf-eval.pl')}
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        key, _, val = a.partition('=')
        simple = {'--spfquery': 'spfquery', '--dnsd': 'dnsd',
                  '--python': 'python', '--jobs': 'jobs',
                  '--dns-timeout': 'timeout', '--arg': 'args',
                  '--only': 'only', '--skip': 'skip',
                  '--mailspf-eval': 'mailspf_eval'}
        if key in simple:
            if not _:
                i += 1
                if i >= len(argv):
                    die('%s needs a value' % a)
                val = argv[i]
            k = simple[key]
            if isinstance(opts[k], list):
                opts[k].append(val)
            else:
                opts[k] = val
        elif a == '--peers':
            opts['peers'] = True
        elif a == '-v':
            opts['verbose'] = True
        elif a in ('-h', '--help'):
            print(__doc__)
            return 0
        elif a.startswith('-'):
            die('unknown option %s' % a)
        else:
            files.append(a)
        i += 1
    if not opts['spfquery'] or not opts['dnsd'] or len(files) != 1:
        die('usage: spf-suite.py --spfquery PATH --dnsd PATH SUITE.yml')
    path = files[0]
    label = os.path.basename(path)
    with open(path, encoding='ascii') as fp:
        docs = [d for d in yaml.safe_load_all(fp) if d]
    cases = []
    for d in docs:
        for name, test in d.get('tests', {}).items():
            if opts['only'] and name not in opts['only']:
                continue
            cases.append((d, name, test))
    skips = {}
    for sk in opts['skip']:
        name, eq, reason = sk.partition('=')
        if not eq or not reason:
            die('--skip needs NAME=REASON')
        skips[name] = reason
    print('1..%d' % (len(cases) * (2 if opts['peers'] else 1)))
    sys.stdout.flush()
    tmp = tempfile.mkdtemp(prefix='spf-suite.')
    failed = 0
    n = 0
    servers = []
    try:
        # One dnsd per scenario (each is a closed DNS universe), all
        # started at once; then every test in one pool, so tests whose
        # queries time out wait side by side.
        ports = {}
        for k, d in enumerate(docs):
            if not any(dd is d for dd, _, _ in cases):
                continue
            jsonfile = os.path.join(tmp, 'zone.%d.json' % k)
            with open(jsonfile, 'w') as fp:
                json.dump(d.get('zonedata') or {}, fp)
            servers.append((k, spawn_dnsd(opts['python'], opts['dnsd'],
                                          jsonfile, tmp, k)))
        for k, (p, portfile, errfile) in servers:
            ports[k] = wait_dnsd(p, portfile, errfile)
        index = {id(d): k for k, d in enumerate(docs)}
        outs = []
        with concurrent.futures.ThreadPoolExecutor(int(opts['jobs'])) as ex:
            futs = [ex.submit(run_one, opts, ports[index[id(d)]], name, t)
                    for d, name, t in cases]
            for (d, name, t), f in zip(cases, futs):
                ok, diag, cmd, out = f.result()
                outs.append(out)
                n += 1
                if name in skips:
                    print('ok %d - %s: %s # SKIP %s' % (n, label, name,
                                                        skips[name]))
                    print('#   spfquery: %s' % (out[0] if out else ''))
                    continue
                print('%s %d - %s: %s' % ('ok' if ok else 'not ok', n,
                                          label, name))
                if opts['verbose'] or not ok:
                    print('#   ' + ' '.join(
                        "'%s'" % c if (' ' in c or not c) else c
                        for c in cmd))
                for line in diag:
                    print('#   ' + line)
                if not ok:
                    failed += 1
                sys.stdout.flush()
        if opts['peers']:
            failed += peer_lines(opts, label, cases, outs, ports, index, n)
            n += len(cases)
    finally:
        for k, (p, portfile, errfile) in servers:
            stop_dnsd(p)
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        print('# %d of %d tests failed (%s)' % (failed, n, label))
    else:
        print('# %d of %d passed (%s)' % (n, n, label))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
