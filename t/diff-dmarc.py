#!/usr/bin/python3
"""diff-dmarc.py: authcheck's DMARC verdicts (RFC 9989) against mailauth's.

One small DNS world (below) and one message per case.  authcheck reads the
world as a zone file (--dns-zone, nothing from the network); mailauth
(npm package, `mailauth report --dns-cache FILE.json`) as a DNS cache.
Each case compares the DMARC result and the policy to apply
(policy.dmarc).

    diff-dmarc.py --authcheck BIN --dkimsign BIN --key PEM --pub PEM
                  --work DIR [--mailauth CMD] [--expected FILE] [--record FILE]

Without --mailauth the peer's answers come from --expected (recorded from
a live run with --record): so `make check` compares with mailauth even
where Node.js is absent, and a live run shows whether mailauth changed.
Output is TAP.  A case in KNOWN is a disagreement explained with the RFC
9989 text that decides it; it passes when both sides still answer as
recorded there, and fails when either changes.
"""
import json
import os
import subprocess
import concurrent.futures
import sys

KEY_SELECTOR = "sel"

SPF1 = "v=spf1 ip4:192.0.2.1 -all"
# name -> {type: [values]}; TXT values are strings.
WORLD = {
    "example.com": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "_dmarc.example.com": {"TXT": ["v=DMARC1; p=reject; sp=quarantine; np=none; rua=mailto:r@example.com"]},
    "sub.example.com": {"A": ["192.0.2.2"]},
    "mail.example.com": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "_dmarc.signing.example.com": {"TXT": ["v=DMARC1; p=none"]},
    "signing.example.com": {"A": ["192.0.2.3"]},
    "a.b.c.d.e.f.g.h.i.j.k.example.com": {"A": ["192.0.2.4"]},
    "other.net": {"TXT": ["v=spf1 -all"], "A": ["192.0.2.50"]},
    "strict.org": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "_dmarc.strict.org": {"TXT": ["v=DMARC1; p=reject; adkim=s; aspf=s"]},
    "mail.strict.org": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "two.org": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "_dmarc.two.org": {"TXT": ["v=DMARC1; p=reject", "v=DMARC1; p=none"]},
    "mixed.org": {"A": ["192.0.2.1"]},
    "_dmarc.mixed.org": {"TXT": ["v=spf1 -all", "v=DMARC1; p=quarantine"]},
    "badp.org": {"A": ["192.0.2.1"]},
    "_dmarc.badp.org": {"TXT": ["v=DMARC1; p=bogus; rua=mailto:r@badp.org"]},
    "badpnorua.org": {"A": ["192.0.2.1"]},
    "_dmarc.badpnorua.org": {"TXT": ["v=DMARC1; p=bogus"]},
    "badsp.org": {"A": ["192.0.2.1"]},
    "_dmarc.badsp.org": {"TXT": ["v=DMARC1; p=reject; sp=maybe"]},
    "sub.badsp.org": {"A": ["192.0.2.1"]},
    "notfirst.org": {"A": ["192.0.2.1"]},
    "_dmarc.notfirst.org": {"TXT": ["p=reject; v=DMARC1"]},
    "testing.org": {"A": ["192.0.2.1"]},
    "_dmarc.testing.org": {"TXT": ["v=DMARC1; p=reject; t=y"]},
    "pct.org": {"A": ["192.0.2.1"]},
    "_dmarc.pct.org": {"TXT": ["v=DMARC1; p=reject; pct=0"]},
    "nop.org": {"A": ["192.0.2.1"]},
    "_dmarc.nop.org": {"TXT": ["v=DMARC1; rua=mailto:r@nop.org"]},
    "np.org": {"A": ["192.0.2.1"]},
    "_dmarc.np.org": {"TXT": ["v=DMARC1; p=none; np=reject"]},
    "caps.org": {"A": ["192.0.2.1"]},
    "_dmarc.caps.org": {"TXT": ["v=DMARC1; p=Reject; ADKIM=s"]},
    "_dmarc.bank.example": {"TXT": ["v=DMARC1; p=reject; psd=y"]},
    "_dmarc.giant.bank.example": {"TXT": ["v=DMARC1; p=quarantine"]},
    "giant.bank.example": {"A": ["192.0.2.10"]},
    "mail.giant.bank.example": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "mail.mega.bank.example": {"A": ["192.0.2.12"]},
    "lone.bank.example": {"A": ["192.0.2.13"]},
    "_dmarc.mail.psdn.net": {"TXT": ["v=DMARC1; p=none; psd=n"]},
    "_dmarc.psdn.net": {"TXT": ["v=DMARC1; p=reject"]},
    "psdn.net": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "mail.psdn.net": {"A": ["192.0.2.1"]},
    "a.mail.psdn.net": {"A": ["192.0.2.21"]},
    "nodmarc.net": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "bounce.mail.example.com": {"TXT": [SPF1], "A": ["192.0.2.1"]},
    "sub.strict.org": {"A": ["192.0.2.30"]},
    "testq.org": {"A": ["192.0.2.1"]},
    "_dmarc.testq.org": {"TXT": ["v=DMARC1; p=quarantine; t=y"]},
    "sub.testing.org": {"A": ["192.0.2.31"]},
    # The Tree Walk (RFC 9989 4.10) from a 12-label name asks it, then
    # its 7-label tail, then one label less each time: the psd=n record
    # at 10 labels (which would make its domain the Organizational
    # Domain, 4.10.2, p=reject) is never asked; the psd=n one at 5 labels is.
    "a.b.c.d.e.f.g.h.i.j.deep.org": {"A": ["192.0.2.32"]},
    "_dmarc.c.d.e.f.g.h.i.j.deep.org": {"TXT": ["v=DMARC1; p=reject; psd=n"]},
    "_dmarc.h.i.j.deep.org": {"TXT": ["v=DMARC1; p=quarantine; psd=n"]},
    "_dmarc.deep.org": {"TXT": ["v=DMARC1; p=none"]},
}
# The DKIM signing domains (a key is published for each).
SIGNERS = ["example.com", "signing.example.com", "mail.strict.org",
           "mail.mega.bank.example", "strict.org"]
TLDS = ["com", "org", "net", "example"]

# name, From value, MAIL FROM, client IP, DKIM d= (or None), HELO
CASES = [
    ("own record, SPF aligned", "a@example.com", "a@example.com", "192.0.2.1", None, None),
    ("own record, nothing passes", "a@example.com", "a@example.com", "192.0.2.9", None, None),
    ("subdomain, SPF relaxed: sp", "a@sub.example.com", "a@example.com", "192.0.2.1", None, None),
    ("existing subdomain fails: sp", "a@sub.example.com", "a@other.net", "192.0.2.9", None, None),
    ("non-existent subdomain: np", "a@ghost.example.com", "a@other.net", "192.0.2.9", None, None),
    ("DKIM signing.example.com relaxed (B.4.1)", "a@example.com", "a@other.net", "192.0.2.9", "signing.example.com", None),
    ("DKIM same domain", "a@example.com", "a@other.net", "192.0.2.9", "example.com", None),
    ("deep Author Domain (B.4.2)", "a@a.b.c.d.e.f.g.h.i.j.k.example.com", "a@other.net", "192.0.2.9", "signing.example.com", None),
    ("strict SPF, MAIL FROM subdomain", "a@strict.org", "a@mail.strict.org", "192.0.2.1", None, None),
    ("strict DKIM, d= subdomain", "a@strict.org", "a@other.net", "192.0.2.9", "mail.strict.org", None),
    ("strict DKIM, d= identical", "a@strict.org", "a@other.net", "192.0.2.9", "strict.org", None),
    ("two records: discarded", "a@two.org", "a@two.org", "192.0.2.1", None, None),
    ("a non-DMARC TXT beside the record", "a@mixed.org", "a@other.net", "192.0.2.9", None, None),
    ("invalid p, valid rua: p=none", "a@badp.org", "a@other.net", "192.0.2.9", None, None),
    ("invalid p, no rua: does not apply", "a@badpnorua.org", "a@other.net", "192.0.2.9", None, None),
    ("invalid sp, no rua, own domain", "a@badsp.org", "a@other.net", "192.0.2.9", None, None),
    ("invalid sp, no rua, subdomain", "a@sub.badsp.org", "a@other.net", "192.0.2.9", None, None),
    ("v= not first", "a@notfirst.org", "a@other.net", "192.0.2.9", None, None),
    ("t=y: one level below", "a@testing.org", "a@other.net", "192.0.2.9", None, None),
    ("pct=0 is ignored", "a@pct.org", "a@other.net", "192.0.2.9", None, None),
    ("no p: p=none", "a@nop.org", "a@other.net", "192.0.2.9", None, None),
    ("np=reject, own domain: p", "a@np.org", "a@other.net", "192.0.2.9", None, None),
    ("np=reject, non-existent subdomain", "a@ghost.np.org", "a@other.net", "192.0.2.9", None, None),
    ("values and tag names in capitals", "a@caps.org", "a@other.net", "192.0.2.9", "example.com", None),
    ("psd=y: MAIL FROM aligned (B.4.3)", "a@giant.bank.example", "a@mail.giant.bank.example", "192.0.2.1", None, None),
    ("psd=y: DKIM mega not aligned (B.4.3)", "a@giant.bank.example", "a@other.net", "192.0.2.9", "mail.mega.bank.example", None),
    ("psd=y: PSD policy, no Org record", "a@x.lone.bank.example", "a@other.net", "192.0.2.9", None, None),
    ("psd=n: Org Domain mail.psdn.net", "a@a.mail.psdn.net", "a@psdn.net", "192.0.2.1", None, None),
    ("no DMARC record anywhere", "a@nodmarc.net", "a@nodmarc.net", "192.0.2.1", None, None),
    ("Author Domain in capitals", "a@EXAMPLE.Com", "a@example.com", "192.0.2.1", None, None),
    ("two From domains", "a@example.com, b@other.net", "a@example.com", "192.0.2.1", None, None),
    ("null MAIL FROM, HELO passes SPF", "a@example.com", "", "192.0.2.1", None, "mail.example.com"),
    ("relaxed SPF, MAIL FROM two labels deeper", "a@example.com", "a@bounce.mail.example.com", "192.0.2.1", None, None),
    ("strict DKIM, From subdomain of d=", "a@sub.strict.org", "a@other.net", "192.0.2.9", "strict.org", None),
    ("relaxed DKIM, From subdomain of d=: sp", "a@sub.example.com", "a@other.net", "192.0.2.9", "example.com", None),
    ("SPF passes unaligned, DKIM aligned", "a@example.com", "a@strict.org", "192.0.2.1", "example.com", None),
    ("t=y, p=quarantine: none", "a@testq.org", "a@other.net", "192.0.2.9", None, None),
    ("t=y, subdomain: p one level below", "a@sub.testing.org", "a@other.net", "192.0.2.9", None, None),
    ("Tree Walk: 7-label jump skips a record", "a@a.b.c.d.e.f.g.h.i.j.deep.org", "a@other.net", "192.0.2.9", None, None),
]

# Disagreements, each with the RFC 9989 text that decides it:
# case name -> (authcheck answer, mailauth answer, why).
KNOWN = {
    "two From domains": (
        "permerror", "none",
        "RFC 9989 5.3.1: zero or several Author Domains: DMARC validation "
        "is not possible and the process terminates; no result word is "
        "given.  authcheck says permerror (9.2: an unrecoverable error, "
        "a later attempt cannot succeed), mailauth reports no DMARC "
        "result at all (recorded here as none)."),
}


def pubkey(path):
    lines = [l.strip() for l in open(path) if l.strip() and not l.startswith("-----")]
    return "".join(lines)


def write_world(work, pub):
    world = {k: {t: list(v) for t, v in d.items()} for k, d in WORLD.items()}
    for d in SIGNERS:
        world.setdefault("%s._domainkey.%s" % (KEY_SELECTOR, d), {})["TXT"] = [
            "v=DKIM1; k=rsa; p=" + pubkey(pub)]
    # Zone file: one $ORIGIN per TLD so that every name of the world,
    # _dmarc.TLD included, is answered from the file, never the network.
    with open(os.path.join(work, "world.zone"), "w") as f:
        for tld in TLDS:
            f.write("$ORIGIN %s.\n" % tld)
            for name, d in sorted(world.items()):
                if name.rsplit(".", 1)[-1] != tld:
                    continue
                for t, vals in d.items():
                    for v in vals:
                        if t == "TXT":
                            chunks = [v[i:i + 200] for i in range(0, len(v), 200)]
                            v = "( " + " ".join('"%s"' % c.replace('"', '\\"') for c in chunks) + " )"
                        f.write("%s. IN %s %s\n" % (name, t, v))
    cache = {}
    for name, d in world.items():
        for t, vals in d.items():
            if t == "TXT":
                cache.setdefault(name, {})[t] = [[v] for v in vals]
            else:
                cache.setdefault(name, {})[t] = list(vals)
    with open(os.path.join(work, "world.json"), "w") as f:
        json.dump(cache, f, indent=1)


def message(work, i, case, args):
    name, frm, mfrom, ip, d, helo = case
    plain = ("From: %s\nTo: bob@example.net\nSubject: case %d\n"
             "Date: Thu, 03 Dec 2026 12:00:00 +0000\n"
             "Message-ID: <%d@example.com>\n\nHello.\n" % (frm, i, i))
    path = os.path.join(work, "case%02d.eml" % i)
    if d is None:
        open(path, "w").write(plain)
        return path
    out = subprocess.run([args["dkimsign"], "-d", d, "-s", KEY_SELECTOR, "-k",
                          args["key"]], input=plain.encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        sys.exit("Bail out! dkimsign failed for %s: %s" % (name, out.stderr.decode()))
    open(path, "wb").write(out.stdout)
    return path


def run_authcheck(args, work, path, case):
    name, frm, mfrom, ip, d, helo = case
    cmd = [args["authcheck"], "--dns-zone=" + os.path.join(work, "world.zone"),
           "--nameserver=127.0.0.1@9", "--dns-timeout=1", "--format=json",
           "--ip=" + ip, "--sender=" + mfrom]
    if helo:
        cmd.append("--helo=" + helo)
    out = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    o = json.loads(out.stdout.decode("latin-1").splitlines()[0])
    dm = o["dmarc"]
    return {"result": dm["result"], "policy": dm["policy"],
            "dkim": [r["result"] for r in o["dkim"]] or ["none"]}


def run_mailauth(args, work, path, case):
    name, frm, mfrom, ip, d, helo = case
    cmd = args["mailauth"].split() + ["report", "-i", ip, "-f", mfrom or "<>",
                                      "-n", os.path.join(work, "world.json")]
    if helo:
        cmd += ["-e", helo]
    out = subprocess.run(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0 and not out.stdout:
        sys.exit("Bail out! mailauth failed: %s" % out.stderr.decode()[:300])
    o = json.loads(out.stdout.decode())
    dm = o.get("dmarc") or {}
    st = dm.get("status") or {}
    pol = (st.get("policy") or {}).get("dmarc")
    return {"result": st.get("result", "none"), "policy": pol,
            "dkim": [r.get("status", {}).get("result") for r in o.get("dkim", {}).get("results", [])] or ["none"]}


def main():
    args = {}
    a = sys.argv[1:]
    while a:
        k = a.pop(0)
        if not k.startswith("--") or not a:
            sys.exit("usage: see the top of diff-dmarc.py")
        args[k[2:]] = a.pop(0)
    work = args["work"]
    write_world(work, args["pub"])
    expected = {}
    if "expected" in args and os.path.exists(args["expected"]):
        expected = json.load(open(args["expected"]))
    live = "mailauth" in args
    recorded = {}
    print("1..%d" % (2 * len(CASES)))
    n = 0
    agree = 0
    paths = [message(work, i, case, args) for i, case in enumerate(CASES)]

    def both(i):
        ours = run_authcheck(args, work, paths[i], CASES[i])
        peer = run_mailauth(args, work, paths[i], CASES[i]) if live else None
        return ours, peer
    # Each authcheck run waits a second for the one query --dns-zone does
    # not answer (the client address's PTR, iprev), and mailauth's CLI
    # takes most of a second to start: four cases at a time keep the run,
    # live or not, well under a minute on two cores.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(both, range(len(CASES))))
    for i, case in enumerate(CASES):
        name = case[0]
        ours, peer = answers[i]
        if not live:
            peer = expected.get(name)
            if peer is None:
                sys.exit("Bail out! no recorded mailauth answer for %r" % name)
        recorded[name] = peer
        # DKIM first: the signatures authcheck's DMARC relies on verify
        # for mailauth too.
        n += 1
        ok = ours["dkim"] == peer["dkim"]
        print("%s %d - %s: DKIM %s (mailauth %s)" % ("ok" if ok else "not ok", n, name,
              ",".join(ours["dkim"]) or "none", ",".join(map(str, peer["dkim"])) or "none"))
        n += 1
        same = ours["result"] == peer["result"] and (
            ours["policy"] == peer["policy"] or ours["result"] in ("none", "permerror", "temperror"))
        if same:
            agree += 1
            print("ok %d - %s: dmarc=%s policy.dmarc=%s, as mailauth" % (
                n, name, ours["result"], ours["policy"]))
        elif name in KNOWN and (ours["result"], peer["result"]) == KNOWN[name][:2]:
            print("ok %d - %s: known disagreement: authcheck %s, mailauth %s" % (
                n, name, ours["result"], peer["result"]))
            print("# %s" % KNOWN[name][2])
        else:
            print("not ok %d - %s: authcheck dmarc=%s policy.dmarc=%s, mailauth dmarc=%s policy.dmarc=%s" % (
                n, name, ours["result"], ours["policy"], peer["result"], peer["policy"]))
    print("# %d of %d cases agree with mailauth%s" % (agree, len(CASES), "" if live else " (recorded answers)"))
    if "record" in args:
        with open(args["record"], "w") as f:
            json.dump(recorded, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
