#!/usr/bin/env python3
"""Independent readers for the copies `generate --format copies` writes.

    copies_oracle.py PROFILE.toml JSONL_DIR COPIES_DIR SPLIT_BYTES

JSONL_DIR is `generate --format jsonl` of the same profile, users and seed:
the ground truth. Every copy without drift is read back with its store's own
reader and compared, value by value after parsing, with the users (and the
rows embedded with them) as the JSONL holds them:

- Elasticsearch `_bulk`: a plain NDJSON pair check (action line, source line,
  every line ending in `\\n`, each file under SPLIT_BYTES).
- MongoDB: `bson.json_util.loads` (Extended JSON v2; `$date` becomes a
  datetime), no field name starting with `$` or holding `.`.
- DynamoDB: gzip, one `{"Item": …}` per line, boto3's `TypeDeserializer`,
  items under 400 KB.

Prints one line per copy and `OK`, or the first difference and exits 1.
"""
import datetime
import decimal
import glob
import gzip
import json
import os
import re
import sys
import tomllib

from boto3.dynamodb.types import TypeDeserializer
from bson import json_util

TS = "%Y-%m-%dT%H:%M:%SZ"


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def fix(v):
    """A windows-1252 value (`file.mixed-encoding`) as the text it spells."""
    if isinstance(v, str) and re.search("[\udc80-\udcff]", v):
        return v.encode("utf-8", "surrogateescape").decode("cp1252")
    if isinstance(v, dict):
        return {k: fix(x) for k, x in v.items()}
    if isinstance(v, list):
        return [fix(x) for x in v]
    return v


def read_jsonl(path):
    rows = []
    with open(path, "rb") as f:
        for line in f:
            rows.append(fix(json.loads(line.decode("utf-8", "surrogateescape"))))
    return rows


def norm(v):
    """Numbers as Python numbers, datetimes as the generator's RFC 3339."""
    if isinstance(v, decimal.Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, datetime.datetime):
        return v.strftime(TS)
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v


def render(pattern, row):
    return re.sub(r"\{(\w+)\}", lambda m: str(row[m.group(1)]), pattern)


class Truth:
    def __init__(self, profile, jdir):
        self.p = profile
        self.tables = profile["tables"]
        self.users_name = profile.get("users_table", "users")
        self.users = read_jsonl(os.path.join(jdir, f"{self.users_name}.jsonl"))
        self.rows = {}
        for name in self.tables:
            path = os.path.join(jdir, f"{name}.jsonl")
            if name != self.users_name and os.path.exists(path):
                self.rows[name] = read_jsonl(path)
        self.ucols = list(self.tables[self.users_name]["columns"])
        self.pk = next(c for c, d in self.tables[self.users_name]["columns"].items()
                       if d["kind"] in ("uuid", "sequence", "ulid"))

    def parent_col(self, t):
        return next(c for c, d in self.tables[t]["columns"].items() if d["kind"] == "parent")

    def children(self, t):
        """Rows of child table t by parent key, without the parent column."""
        pc = self.parent_col(t)
        out = {}
        for r in self.rows[t]:
            out.setdefault(r[pc], []).append({k: v for k, v in r.items() if k != pc})
        return out

    def lookup(self, t):
        pk = next(iter(self.tables[t]["columns"]))
        return {r[pk]: r for r in self.rows[t]}

    def embeds(self, copy):
        """[(table, kind, data)] in the copy's order."""
        out = []
        for t in copy.get("embed", []):
            if self.tables[t].get("parent") == self.users_name:
                out.append((t, "children", self.children(t)))
            else:
                col = next(c for c, d in self.tables[self.users_name]["columns"].items()
                           if d["kind"] == "reference" and d["table"] == t)
                out.append((t, "lookup", (col, self.lookup(t))))
        return out

    def expected_doc(self, copy, user, embeds):
        fields = copy.get("fields", self.ucols)
        doc = {f: user[f] for f in fields}
        for t, kind, data in embeds:
            if kind == "children":
                doc[t] = data.get(user[self.pk], [])
            else:
                col, rows = data
                doc[t] = None if user[col] is None else rows[user[col]]
        return doc


def same(what, got, want):
    if got != want or list(got) != list(want):
        fail(f"{what}:\n  file:  {json.dumps(got, ensure_ascii=False)[:600]}\n  truth: {json.dumps(want, ensure_ascii=False)[:600]}")


def check_elastic(truth, name, copy, cdir, split):
    files = sorted(glob.glob(os.path.join(cdir, f"{name}-*.ndjson")))
    if not files:
        fail(f"{name}: no _bulk file")
    docs = {}
    for path in files:
        data = open(path, "rb").read()
        if len(data) > split:
            fail(f"{path}: {len(data)} bytes, over {split}")
        if not data.endswith(b"\n"):
            fail(f"{path}: the last line does not end in \\n")
        lines = data[:-1].split(b"\n")
        if len(lines) % 2:
            fail(f"{path}: an action line without its source")
        for a, s in zip(lines[0::2], lines[1::2]):
            action = json.loads(a)
            if list(action) != ["index"] or action["index"].get("_index") != copy.get("index", truth.users_name):
                fail(f"{path}: action line {a[:200]!r}")
            docs[action["index"]["_id"]] = json.loads(s)
    embeds = truth.embeds(copy)
    key = copy.get("key", "{" + truth.pk + "}")
    for u in truth.users:
        k = render(key, u)
        if k not in docs:
            fail(f"{name}: user {k} missing")
        same(f"{name} {k}", docs.pop(k), truth.expected_doc(copy, u, embeds))
    if docs:
        fail(f"{name}: {len(docs)} documents of no user, e.g. {next(iter(docs))}")
    return len(truth.users), len(files)


def check_names(where, v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k.startswith("$") or "." in k:
                fail(f"{where}: field name {k!r}")
            check_names(where, x)
    elif isinstance(v, list):
        for x in v:
            check_names(where, x)


def check_mongo(truth, name, copy, cdir):
    path = os.path.join(cdir, f"{name}.json")
    docs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json_util.loads(line)
            check_names(f"{name} {d.get('_id')}", d)
            docs[d.pop("_id")] = d
    embeds = truth.embeds(copy)
    key = copy.get("key", "{" + truth.pk + "}")
    dates = 0
    for u in truth.users:
        k = render(key, u)
        if k not in docs:
            fail(f"{name}: user {k} missing")
        d = docs.pop(k)
        dates += sum(isinstance(x, datetime.datetime) for x in d.values())
        same(f"{name} {k}", norm(d), truth.expected_doc(copy, u, embeds))
    if docs:
        fail(f"{name}: {len(docs)} documents of no user")
    if dates == 0:
        fail(f"{name}: no $date read as a date")
    return len(truth.users), dates


def check_dynamo(truth, name, copy, cdir):
    path = os.path.join(cdir, f"{name}.json.gz")
    de = TypeDeserializer()
    pkn, skn = copy.get("partition_key", "pk"), copy.get("sort_key", "sk")
    items = {}
    with gzip.open(path, "rb") as f:
        for line in f:
            if len(line) > 400 * 1024:
                fail(f"{name}: an item of {len(line)} bytes")
            raw = json.loads(line)
            if list(raw) != ["Item"]:
                fail(f"{name}: line {line[:200]!r}")
            item = {k: norm(de.deserialize(v)) for k, v in raw["Item"].items()}
            kk = (item.pop(pkn), item.pop(skn))
            if kk in items:
                fail(f"{name}: key {kk} twice")
            items[kk] = item
    key = copy.get("key", "user:{" + truth.pk + "}")
    fields = copy.get("fields", truth.ucols)
    embeds = truth.embeds(copy)
    for u in truth.users:
        k = render(key, u)
        want = {f: u[f] for f in fields}
        for t, kind, data in embeds:
            if kind == "lookup":
                col, rows = data
                want[t] = None if u[col] is None else rows[u[col]]
        same(f"{name} {k}", items.pop((k, "PROFILE")), norm(want))
        for t, kind, data in embeds:
            if kind != "children":
                continue
            cols = truth.tables[t]
            pks = cols.get("primary_key") or [next(iter(cols["columns"]))]
            pc = truth.parent_col(t)
            for r in data.get(u[truth.pk], []):
                sk = t.upper() + "".join("#" + str(r[c]) for c in pks if c != pc)
                if (k, sk) not in items:
                    fail(f"{name}: item {k} {sk} missing")
                same(f"{name} {k} {sk}", items.pop((k, sk)), norm(r))
    if items:
        fail(f"{name}: {len(items)} items of no user, e.g. {next(iter(items))}")
    return len(truth.users)


def main():
    prof_path, jdir, cdir, split = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    with open(prof_path, "rb") as f:
        profile = tomllib.load(f)
    truth = Truth(profile, jdir)
    for name, copy in profile.get("copies", {}).items():
        if copy.get("drift", {}).get("share", 0) > 0:
            print(f"{name}: has drift, not compared here")
            continue
        kind = copy["kind"]
        if kind == "elasticsearch":
            n, files = check_elastic(truth, name, copy, cdir, split)
            print(f"{name}: {n} documents in {files} _bulk files match")
        elif kind == "mongodb":
            n, dates = check_mongo(truth, name, copy, cdir)
            print(f"{name}: {n} documents match ({dates} $date values)")
        elif kind == "dynamodb":
            n = check_dynamo(truth, name, copy, cdir)
            print(f"{name}: {n} users' items match")
    print("OK")


if __name__ == "__main__":
    main()
