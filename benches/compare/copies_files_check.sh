#!/usr/bin/env bash
# `consistency --copy-file` over the document copy files at size: USERS
# (default 100000) users of `saas-copies` with --edge-rate 0.05.
#  1. clean: `generate --format copies` (its document copies carry no drift)
#     and `--format jsonl`; the independent oracle (tests/oracles/copies_oracle.py:
#     a plain NDJSON pair check, pymongo's bson.json_util, boto3's
#     TypeDeserializer) reads every file back against the JSONL; then
#     `consistency --copy-file` on each file must report 0 findings, exit 0.
#  2. drifted: the same profile with `drift = { share = 0.005 }` on each
#     document copy; `consistency` must find, per label, the users
#     copies.json says were drifted, with 0 unexplained, exit 1.
# Prints counts, wall time and peak RSS of each check.
#
# usage: benches/compare/copies_files_check.sh [USERS]
# Needs: python3 with pymongo and boto3 (PY=…/python; default the venv the
# tests make, target/tmp/copies-venv). BIN=… skips the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
BIN=${BIN:-target/release/understudy}
PY=${PY:-target/tmp/copies-venv/bin/python}
[ -x "$BIN" ] || CARGO_INCREMENTAL=1 cargo build --release -q
WORK=$(mktemp -d "${TMPDIR:-/tmp}/understudy-copyfiles.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
P=profiles/saas-copies.toml
python3 - "$P" "$WORK/drift.toml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
no_hash = ', kinds = ["stale_email", "missing_user", "orphan_key", "email_case"]'
for section, kinds in (("search", no_hash), ("documents", no_hash), ("dynamo", "")):
    at = text.index(f"[copies.{section}]")
    end = text.find("\n[", at + 1)
    end = len(text) if end < 0 else end
    text = text[:end].rstrip("\n") + f"\ndrift = {{ share = 0.005{kinds} }}\n" + text[end:]
open(sys.argv[2], "w").write(text)
PY
GEN=(--users "$USERS" --edge-rate 0.05 -q)
"$BIN" generate --profile "$P" "${GEN[@]}" --format copies --out "$WORK/clean"
"$BIN" generate --profile "$P" "${GEN[@]}" --format jsonl --out "$WORK/jsonl"
"$BIN" generate --profile "$WORK/drift.toml" "${GEN[@]}" --format copies --out "$WORK/drift"
echo "== oracle (independent readers), clean files"
t0=$(date +%s.%N)
"$PY" tests/oracles/copies_oracle.py "$P" "$WORK/jsonl" "$WORK/clean" $((10 * 1024 * 1024))
t1=$(date +%s.%N)
echo "oracle: $(python3 -c "print(f'{$t1 - $t0:.1f}')") s"
check() { # profile dir file tag
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" consistency --profile "$1" --users "$USERS" \
    --edge-rate 0.05 --copy-file "$2/$3" --report "$WORK/$4.json" -q || rc=$?
  t1=$(date +%s.%N)
  python3 - "$WORK" "$2" "$3" "$4" "$rc" "$t0" "$t1" <<'PY'
import json, sys
w, d, f, tag, rc, t0, t1 = sys.argv[1:8]
c = json.load(open(f"{w}/{tag}.json"))
rss = int(open(f"{w}/rss").read().split()[-1]) / 1024
name = c["copy_name"]
written = next(x for x in json.load(open(f"{d}/copies.json"))["copies"] if x["name"] == name)
drift = written["drift_by_label"]
found = {l: v["users"] for l, v in c["by_label"].items()}
ok = found == drift and c["unexplained"] == 0 and int(rc) == (1 if drift else 0)
print(f"{tag:<16} {f:<22} {c['copy_keys']:>9} entries  {c['missing']:>5} missing {c['orphan']:>5} orphan "
      f"{c['stale']:>5} stale {c['unexplained']:>3} unexplained  exit {rc}  "
      f"{float(t1) - float(t0):5.1f} s  {rss:4.0f} MB  {'OK' if ok else 'MISMATCH'}")
if drift:
    print(f"{'':<16} drifted users (copies.json) {sum(drift.values())} {drift}")
    print(f"{'':<16} found by label              {sum(found.values())} {found}")
sys.exit(0 if ok else 1)
PY
}
echo "== consistency --copy-file"
for f in search-00001.ndjson documents.json dynamo.json.gz; do
  check "$P" "$WORK/clean" "$f" "clean-${f%%[.-]*}"
done
for f in search-00001.ndjson documents.json dynamo.json.gz; do
  check "$WORK/drift.toml" "$WORK/drift" "$f" "drift-${f%%[.-]*}"
done
ls "$WORK/clean" | sed 's/^/  clean: /' | head -3
du -sh "$WORK/clean" | sed 's/^/  size: /'
