#!/usr/bin/python3
"""Extract the EXAMPLES of docs/*.1 as shell commands, for t/man-examples.t.

Usage: man-examples.py PAGE...   prints one TSV line per command:
    page <TAB> n <TAB> command <TAB> expected output (\\n-joined, escaped)

Extraction: in the EXAMPLES section, every .Bd -literal ... .Ed block and
every .Dl line.  In a block with "$ " prompts, a prompt line starts a
command, a line after one ending in "\\" or "|" continues it, and the
other lines are its expected output.  A block without prompts is a
script: one command (its lines joined by newlines).  Roff escapes: \\e is
a backslash, \\& is nothing.
"""
import sys


def unroff(s):
    return s.replace('\\e', '\\').replace('\\&', '')


def blocks(path):
    lines = open(path, encoding='utf-8').read().split('\n')
    inex = inbd = False
    cur = []
    for ln in lines:
        if ln.startswith('.Sh '):
            inex = ln.strip() == '.Sh EXAMPLES'
            continue
        if not inex:
            continue
        if ln.startswith('.Bd -literal'):
            inbd, cur = True, []
        elif ln.startswith('.Ed') and inbd:
            inbd = False
            yield [unroff(x) for x in cur]
        elif inbd:
            cur.append(ln)
        elif ln.startswith('.Dl '):
            yield [unroff(ln[4:])]


def commands(block):
    if not any(x.startswith('$ ') for x in block):
        yield '\n'.join(block), []
        return
    cmd, out = None, []
    for ln in block:
        if ln.startswith('$ '):
            if cmd is not None:
                yield cmd, out
            cmd, out = ln[2:], []
        elif cmd is not None and not out and (cmd.endswith('\\') or
                                              cmd.endswith('|')):
            cmd += '\n' + ln
        else:
            out.append(ln)
    if cmd is not None:
        yield cmd, out


def main():
    for page in sys.argv[1:]:
        name = page.rsplit('/', 1)[-1]
        n = 0
        for b in blocks(page):
            for cmd, out in commands(b):
                n += 1
                esc = lambda s: s.replace('\\', '\\\\').replace('\n', '\\n')
                print('%s\t%d\t%s\t%s' % (name, n, esc(cmd), esc('\n'.join(out))))


main()
