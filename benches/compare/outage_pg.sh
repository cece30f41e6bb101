#!/usr/bin/env bash
# The seed's network-drop question at full size, measured in one run: a clean
# rehearsal of USERS saas users into PostgreSQL, then the same rehearsal with
# a OUTAGE_S-second outage starting AT_S seconds in (through the fault proxy).
# Also a run through the proxy with an empty plan: the proxy's own cost.
# Prints the durations, the downtime the report saw, and the differences.
#
# usage: benches/compare/outage_pg.sh [USERS=1000000] [AT_S=20] [OUTAGE_S=60]
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
AT=${2:-20}
OUTAGE=${3:-60}
. benches/compare/pg_server.sh outage
# Warm the hash-pool cache so neither run pays for it.
"$BIN" generate --users 10 --out "$WORK/warm" -q
for run in clean proxied outage; do
  $PSQL postgres -c "CREATE DATABASE $run"
  extra=()
  [ "$run" = outage ] && extra=(--faults "outage@${AT}s+${OUTAGE}s")
  [ "$run" = proxied ] && extra=(--faults "")
  "$BIN" rehearse --users "$USERS" --target "postgres://bench@127.0.0.1:$PORT/$run" -q --report "$WORK/$run.json" "${extra[@]}"
done
python3 - "$WORK/clean.json" "$WORK/outage.json" "$WORK/proxied.json" <<'PY'
import json, sys
c, o, p = (json.load(open(x)) for x in sys.argv[1:4])
print(f"proxied (empty plan) {p['throughput_rows_per_s']:.0f} rows/s vs direct {c['throughput_rows_per_s']:.0f} rows/s: proxy cost {100 * (1 - p['throughput_rows_per_s'] / c['throughput_rows_per_s']):.1f} % (goal <= 10 %)")
f = o["faults"]
print(f"clean   load {c['duration_s']:.1f} s, verify ok={c['verify']['ok']}")
print(f"outage  load {o['duration_s']:.1f} s, verify ok={o['verify']['ok']} (missing {o['verify']['missing']}, extra {o['verify']['extra']}, mismatched {o['verify']['mismatched']})")
print(f"        plan {f['plan']}; downtime inside the run {f['downtime_s']:.1f} s; backing off {f['backoff_s']:.1f} s; retries {o['retries']}; proxy {f['proxy']}")
print(f"        outage run - clean run = {o['duration_s'] - c['duration_s']:.1f} s")
PY
