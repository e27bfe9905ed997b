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
"FILE: TEST", in file order.

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
    """Returns (ok, diagnostics)."""
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
        return False, ['spfquery did not finish in 60 seconds'], cmd
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
    return ok, diag, cmd


def main(argv):
    opts = {'spfquery': None, 'dnsd': None, 'python': sys.executable,
            'jobs': 8, 'timeout': '1', 'args': [], 'only': [],
            'verbose': False}
    files = []
    i = 0
    while i < len(argv):
        a = argv[i]
        key, _, val = a.partition('=')
        simple = {'--spfquery': 'spfquery', '--dnsd': 'dnsd',
                  '--python': 'python', '--jobs': 'jobs',
                  '--dns-timeout': 'timeout', '--arg': 'args',
                  '--only': 'only'}
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
    print('1..%d' % len(cases))
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
        with concurrent.futures.ThreadPoolExecutor(int(opts['jobs'])) as ex:
            futs = [ex.submit(run_one, opts, ports[index[id(d)]], name, t)
                    for d, name, t in cases]
            for (d, name, t), f in zip(cases, futs):
                ok, diag, cmd = f.result()
                n += 1
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
