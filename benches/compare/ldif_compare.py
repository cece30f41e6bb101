#!/usr/bin/env python3
"""Compares two LDIF files entry by entry, independently of understudy's
writer: entries keyed by their parsed DN (RFC 4514: escapes and hex pairs
undone, types lowercased), attributes as sorted (lowercased name, value
bytes) lists, `::` values base64-decoded, folded lines joined; DN-valued
`member`s compared parsed. Prints the entry counts and exits 1 on any
difference.

usage: ldif_compare.py WRITTEN.ldif SERVED.ldif
"""
import base64
import sys


def records(path):
    lines, cur = [], []
    with open(path, "rb") as f:
        for raw in f.read().split(b"\n"):
            if raw.startswith(b" "):
                cur[-1] += raw[1:]
            elif raw == b"":
                if cur:
                    lines.append(cur)
                cur = []
            elif not raw.startswith(b"#"):
                cur.append(raw)
    if cur:
        lines.append(cur)
    for rec in lines:
        attrs = []
        for l in rec:
            name, _, rest = l.partition(b":")
            v = base64.b64decode(rest[1:].strip()) if rest.startswith(b":") else rest[1:]
            attrs.append((name.decode().lower(), v))
        if attrs and attrs[0][0] == "version":
            attrs = attrs[1:]
        if attrs:
            yield attrs


def dn(s):
    rdns, rdn, ty, val, in_val, kept, i = [], [], "", bytearray(), False, 0, 0
    b = s.encode() if isinstance(s, str) else s

    def end():
        v = bytes(val)
        while len(v) > kept and v.endswith(b" "):
            v = v[:-1]
        return (ty.strip().lower(), v.decode())

    while i < len(b):
        c = b[i:i + 1]
        if not in_val:
            if c == b"=":
                in_val, kept = True, 0
                while b[i + 1:i + 2] == b" ":
                    i += 1
            else:
                ty += c.decode()
            i += 1
            continue
        if c == b"\\":
            h = b[i + 1:i + 3]
            if len(h) == 2 and all(x in b"0123456789abcdefABCDEF" for x in h):
                val.append(int(h, 16))
                i += 3
            else:
                val += b[i + 1:i + 2]
                i += 2
            kept = len(val)
            continue
        if c in (b",", b"+"):
            rdn.append(end())
            ty, val, in_val = "", bytearray(), False
            if c == b",":
                rdns.append(tuple(sorted(rdn)))
                rdn = []
        else:
            val += c
        i += 1
    rdn.append(end())
    rdns.append(tuple(sorted(rdn)))
    return tuple(rdns)


def keyed(path):
    out = {}
    for attrs in records(path):
        assert attrs[0][0] == "dn", attrs[0]
        rest = sorted((n, repr(dn(v)).encode() if n == "member" else v) for n, v in attrs[1:])
        key = dn(attrs[0][1])
        assert key not in out, f"{path}: two entries named {attrs[0][1]!r}"
        out[key] = rest
    return out


def main(written, served):
    a, b = keyed(written), keyed(served)
    missing = [k for k in a if k not in b]
    extra = [k for k in b if k not in a]
    differ = [k for k in a if k in b and a[k] != b[k]]
    print(f"written {len(a)} entries, served {len(b)}: {len(missing)} missing, {len(extra)} extra, {len(differ)} differ")
    for k in (missing + extra + differ)[:5]:
        print("  e.g.", k, a.get(k), b.get(k))
    return 1 if missing or extra or differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
