#!/usr/bin/env python3
"""Judges hashes made by `understudy hash` with independent implementations.

Input (argv[1]): JSON Lines {format, password, hash, salt?, params?}. Every
record must verify under every independent verifier of its format (oracle.py:
passlib 1.7.4, libxcrypt, argon2-cffi, Django, hashlib re-implementations), and
the wrong password "!" + password must not. Prints one summary line per format
and exits 1 on any failure.
"""
import json
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402


def main(path):
    stats = defaultdict(lambda: [0, 0])
    skipped = defaultdict(int)
    failures = []
    judges = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            fmt, pw = r["format"], oracle.effective_password(r["format"], r["password"])
            args = (r["hash"], r.get("salt"), r.get("params"))
            results = oracle.verify(fmt, pw, *args)
            if all(ok is None for _, ok in results):
                skipped[fmt] += 1
                continue
            for name, ok in results:
                if ok is None:
                    continue
                judges.setdefault(fmt, set()).add(name.split(" (")[0])
                stats[fmt][0] += 1
                if not ok:
                    failures.append(f"{fmt}: {name} rejects {r['hash']!r} for {r['password']!r}")
            for name, ok in oracle.verify(fmt, "!" + pw, *args):
                if ok is None:
                    continue
                stats[fmt][1] += 1
                if ok:
                    failures.append(f"{fmt}: {name} accepts a wrong password for {r['hash']!r}")
    for fmt, (n, w) in sorted(stats.items()):
        note = f", {skipped[fmt]} passwords no judge takes" if skipped[fmt] else ""
        print(f"{fmt:22} {n:4} verifications, {w:4} wrong-password checks{note}  by {', '.join(sorted(judges[fmt]))}")
    for msg in failures[:50]:
        print("FAIL", msg)
    print(f"{sum(s[0] + s[1] for s in stats.values()) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
