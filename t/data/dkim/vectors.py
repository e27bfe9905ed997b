#!/usr/bin/python3
"""Run dkimverify over the rows of a vector set's expected.tsv.

Used by t/dkim-vectors.t.  For the rows of DIR/expected.tsv whose zone
column is ZONE, runs the dkimverify PROGRAM in batch mode (all the files
at once, once per verify_time) with --nameserver (a t/dnsd.py serving that
zone) and --time when the rows need it, then prints one line per row:

    ok<TAB>description        the result word is `expected` or in `also_ok`
    fail<TAB>description      it is not

and a last line "score<TAB>RIGHT<TAB>ROWS".  Per-signature mapping: the Nth "dkim=" line of our output is
signature N of type DKIM, the Nth "domainkeys=" line signature N of type DK
(t/vectors/dkim/README.md, column sig).
"""
import argparse
import csv
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dkimverify', required=True)
    ap.add_argument('--dir', required=True)
    ap.add_argument('--zone', required=True)
    ap.add_argument('--nameserver', required=True)
    ap.add_argument('--dns-timeout', default='1')
    ap.add_argument('--name', required=True)
    a = ap.parse_args()

    with open(a.dir + '/expected.tsv', newline='', encoding='utf-8') as f:
        rows = [r for r in csv.DictReader(f, delimiter='\t')
                if r['zone'] == a.zone]
    # One batch run of dkimverify per verify_time (DNS answers are cached
    # across the files of a batch): result lines are "FILE: resinfo".
    runs = {}
    times = sorted({r['verify_time'] for r in rows})
    for t in times:
        files = sorted({r['file'] for r in rows if r['verify_time'] == t})
        cmd = [a.dkimverify, '--nameserver=' + a.nameserver,
               '--dns-timeout=' + a.dns_timeout]
        if t != 'now':
            cmd.append('--time=' + t)
        paths = [a.dir + '/' + f for f in files]
        p = subprocess.run(cmd + paths, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = p.stdout.decode('utf-8', 'replace').splitlines()
        err = p.stderr.decode('utf-8', 'replace')
        for f, path in zip(files, paths):
            lines = [l[len(path) + 2:] for l in out
                     if l.startswith(path + ': ')]
            runs[(f, t)] = (p.returncode, lines, err)
        if not out or not out[-1].startswith('%d messages: ' % len(files)):
            print('fail\t%s batch at time %s: no summary line (exit %d) %s'
                  % (a.name, t, p.returncode, err.strip()))

    right = 0
    for r in rows:
        rc, lines, err = runs[(r['file'], r['verify_time'])]
        want = [r['expected']]
        if r['also_ok'] != '-':
            want += r['also_ok'].split('|')
        desc = '%s %s sig %s %s (%s)' % (a.name, r['file'], r['sig'],
                                         r['type'], r['zone'])
        if r['type'] == '-':
            got_line = lines[0] if lines else ''
            good = lines == ['dkim=none']
            got = 'none' if good else got_line
        else:
            prefix = 'dkim=' if r['type'] == 'DKIM' else 'domainkeys='
            mine = [l for l in lines if l.startswith(prefix)]
            i = int(r['sig'])
            got_line = mine[i] if i < len(mine) else ''
            got = got_line[len(prefix):].split(' ')[0] if got_line else '(no line)'
            good = got in want
        text = '%s: want %s, got %s' % (desc, '|'.join(want), got)
        if good:
            right += 1
            print('ok\t' + text)
        else:
            print('fail\t' + text + ' [' + got_line + '] exit ' + str(rc) +
                  (' stderr: ' + err.strip().replace('\n', ' | ') if err else ''))
    print('score\t%d\t%d' % (right, len(rows)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
