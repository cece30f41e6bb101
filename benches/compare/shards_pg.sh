#!/usr/bin/env bash
# Acceptance check for sharded rehearsals: SHARDS shards of USERS saas users,
# run as SHARDS processes with --shard auto (JOB_COMPLETION_INDEX, as a
# Kubernetes Indexed Job sets it) into one PostgreSQL; one of them is killed
# with kill -9 after its first committed batch and re-run with --resume; then
# `report merge`. Compared with an unsharded run into another database: rows
# and digests per table, verify, p99 of the merged histogram.
#
# usage: benches/compare/shards_pg.sh [USERS=1000000] [SHARDS=4] [KILL_AFTER_S=5]
# Needs initdb/pg_ctl/psql and python3; run as root it starts PostgreSQL as `nobody`.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
SHARDS=${2:-4}
KILL_AFTER=${3:-5}
. benches/compare/pg_server.sh shards
$PSQL postgres -c "CREATE DATABASE whole" -c "CREATE DATABASE sharded"
WHOLE="postgres://bench@127.0.0.1:$PORT/whole"
SHARDED="postgres://bench@127.0.0.1:$PORT/sharded"
s=$(date +%s.%N)
"$BIN" rehearse --users "$USERS" --target "$WHOLE" -q --report "$WORK/whole.json"
echo "unsharded: $(python3 -c "print(round($(date +%s.%N) - $s, 1))") s"
KILL=$((SHARDS / 2))
s=$(date +%s.%N)
pids=()
for k in $(seq 0 $((SHARDS - 1))); do
  JOB_COMPLETION_INDEX=$k "$BIN" rehearse --users "$USERS" --target "$SHARDED" --shard auto \
    --shards "$SHARDS" -q --report "$WORK/s$k.json" &
  pids+=($!)
done
# The killed shard's batches: its first committed one starts the clock.
FIRST=$(python3 -c "import math; n=math.ceil($USERS/5000); print($KILL*n//$SHARDS, ($KILL+1)*n//$SHARDS)")
set -- $FIRST
until [ "$($PSQL -At sharded -c "SELECT count(*) FROM _understudy_progress WHERE tbl='users' AND batch >= $1 AND batch < $2" 2>/dev/null || echo 0)" -gt 0 ]; do sleep 0.2; done
sleep "$KILL_AFTER"
kill -9 "${pids[$KILL]}" && echo "killed shard index $KILL (kill -9) after ${KILL_AFTER}s of loading"
for k in "${!pids[@]}"; do wait "${pids[$k]}" || [ "$k" = "$KILL" ]; done
JOB_COMPLETION_INDEX=$KILL "$BIN" rehearse --users "$USERS" --target "$SHARDED" --shard auto \
  --shards "$SHARDS" -q --resume --report "$WORK/s$KILL.json"
echo "sharded (with the kill and the resume): $(python3 -c "print(round($(date +%s.%N) - $s, 1))") s"
"$BIN" report merge "$WORK"/s*.json -o "$WORK/all.json" -q || true
python3 - "$WORK" "$SHARDS" <<'PY'
import json, sys, glob
w, n = sys.argv[1], int(sys.argv[2])
whole, merged = json.load(open(f"{w}/whole.json")), json.load(open(f"{w}/all.json"))
shards = [json.load(open(f"{w}/s{k}.json")) for k in range(n)]
tab = lambda r: sorted((t["name"], t["found"], t["digest_found"]) for t in r["verify"]["tables"])
same = tab(whole) == tab(merged)
print(f"merged verify {'ok' if merged['verify']['ok'] else 'FAILED'}; rows and digests per table equal to the unsharded run's: {same}")
for (name, rows, digest) in tab(merged):
    print(f"  {name:16} {rows:>12,} {digest}")
print(f"merged: {merged['rows_expected']:,} rows, {merged['duration_s']:.1f} s, p99 {merged['latency_ms']['p99']} ms "
      f"over {merged['latency_ms']['count']} batches (shards' p99s: {[s['latency_ms']['p99'] for s in shards]}); "
      f"unsharded p99 {whole['latency_ms']['p99']} ms, {whole['duration_s']:.1f} s")
print(f"resumed shard: skipped {shards[n // 2]['rows_skipped']:,} rows committed before the kill")
sys.exit(0 if same and merged["verify"]["ok"] else 1)
PY
# The merged percentiles against the shards' raw histograms added independently.
python3 tests/oracles/hdr_merge.py "$WORK/all.json" "$WORK"/s[0-9]*.json
