#!/usr/bin/env bash
# `consistency` at size: USERS (default 1000000) users of `saas-copies`, its
# Redis copy `cache` with 0.5 % drift (the other copies cut from the profile),
# loaded by `rehearse --copies` (load timed by its report), then checked by
# `consistency --copy` (timed, peak RSS). Every drift label's user count must
# equal what `generate --format copies` recorded in copies.json, with 0
# unexplained findings.
#
# usage: benches/compare/consistency_redis.sh [USERS]
# Needs: redis-server, redis-tools, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
. benches/compare/redis_server.sh consistency
sed '/^\[copies.search\]/,$d' profiles/saas-copies.toml > "$WORK/cache.toml"
"$BIN" generate --profile "$WORK/cache.toml" --users "$USERS" --format copies --out "$WORK/copies" -q
"$BIN" rehearse --profile "$WORK/cache.toml" --users "$USERS" --copies "$URL" --no-verify \
  --report "$WORK/load.json" -q
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$WORK/rss" "$BIN" consistency --profile "$WORK/cache.toml" --users "$USERS" \
  --copy "$URL" --report "$WORK/consistency.json" -q || true
t1=$(date +%s.%N)
python3 - "$WORK" "$t0" "$t1" <<'PY'
import json, sys
w, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
drift = json.load(open(f"{w}/copies/copies.json"))["copies"][0]["drift_by_label"]
load = json.load(open(f"{w}/load.json"))
c = json.load(open(f"{w}/consistency.json"))
rss = int(open(f"{w}/rss").read().split()[-1]) / 1024
found = {l: v["users"] for l, v in c["by_label"].items()}
print(f"load (rehearse --copies): {load['duration_s']:.1f} s, {load['throughput_rows_per_s']:,.0f} users/s")
print(f"consistency:              {t1 - t0:.1f} s wall ({c['duration_s']:.1f} s in the check), peak RSS {rss:.0f} MB")
print(f"keys: {c['expected_keys']} expected, {c['copy_keys']} in the copy, {c['buckets_differing']} of {c['buckets']} buckets differ")
print(f"drifted users generated: {sum(drift.values())} {drift}")
print(f"drifted users found:     {sum(found.get(l, 0) for l in drift)} {found}")
print(f"findings: {c['missing']} missing, {c['orphan']} orphan, {c['stale']} stale; unexplained (false positives): {c['unexplained']}")
ok = all(found.get(l) == n for l, n in drift.items()) and c["unexplained"] == 0 and set(found) == set(drift)
print(f"time ratio consistency / load: {(t1 - t0) / load['duration_s']:.2f}")
print("OK: every drifted user found and labelled, 0 false positives" if ok else "MISMATCH")
sys.exit(0 if ok else 1)
PY
