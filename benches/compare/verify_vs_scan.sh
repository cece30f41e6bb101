#!/usr/bin/env bash
# `understudy verify` against the cheapest scan PostgreSQL can do of the same
# tables: count(*) plus a sum of a hash of every row (hashtext(row::text)), per
# table, in one psql session. The target is filled once (rehearse
# --no-verify), then each is timed REPEAT times (the best of each is kept).
# Goal: verify within 2× the scan (ARCHITECTURE.md § Ground truth is regenerated).
#
# usage: benches/compare/verify_vs_scan.sh [USERS=1000000] [REPEAT=2]
# BASELINE=/path/to/an/older/understudy also times that build's verify in the
# same rounds (scan, verify, baseline, interleaved), to compare on a shared
# machine.
# Needs initdb/pg_ctl/psql and python3; run as root it starts PostgreSQL as `nobody`.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
REPEAT=${2:-2}
. benches/compare/pg_server.sh verify
$PSQL postgres -c "CREATE DATABASE v"
DSN="postgres://bench@127.0.0.1:$PORT/v"
"$BIN" rehearse --users "$USERS" --target "$DSN" --no-verify -q --report "$WORK/load.json"
TABLES=$($PSQL -At v -c "SELECT string_agg(quote_ident(tablename), ' ') FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE '\_understudy%'")
ROWS=$($PSQL -At v -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE relname NOT LIKE '\_understudy%'")
SQL=""
for t in $TABLES; do SQL="$SQL SELECT '$t', count(*), sum(hashtext(x::text)::bigint) FROM $t x;"; done
best() { python3 -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
scans=(); verifies=(); baselines=()
for i in $(seq 1 "$REPEAT"); do
  s=$(date +%s.%N); $PSQL -At v -c "$SQL" >/dev/null; e=$(date +%s.%N)
  scans+=("$(python3 -c "print($e - $s)")")
  s=$(date +%s.%N); "$BIN" verify --users "$USERS" --target "$DSN" -q --report "$WORK/v$i.json"; e=$(date +%s.%N)
  verifies+=("$(python3 -c "print($e - $s)")")
  if [ -n "${BASELINE:-}" ]; then
    s=$(date +%s.%N); "$BASELINE" verify --users "$USERS" --target "$DSN" -q --report "$WORK/b$i.json"; e=$(date +%s.%N)
    baselines+=("$(python3 -c "print($e - $s)")")
  fi
  echo "round $i: scan ${scans[-1]} s, verify ${verifies[-1]} s${BASELINE:+, baseline ${baselines[-1]} s}"
done
SCAN=$(best "${scans[@]}"); VERIFY=$(best "${verifies[@]}")
if [ -n "${BASELINE:-}" ]; then
  B=$(best "${baselines[@]}")
  python3 -c "print(f'baseline build: verify {$B:.1f} s: ratio {$B/$SCAN:.2f}x')"
  python3 -c "import json,sys; a,b=(json.load(open(f))['verify'] for f in sys.argv[1:]); [sys.exit(f'verdicts differ: {k}') for k in a if k!='duration_s' and a[k]!=b[k]]; print('same verdict as the baseline build')" "$WORK/v1.json" "$WORK/b1.json"
fi
python3 - "$WORK/v1.json" "$SCAN" "$VERIFY" "$USERS" "$ROWS" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))["verify"]
scan, ver = float(sys.argv[2]), float(sys.argv[3])
print(f"{int(sys.argv[4]):,} users, {int(sys.argv[5] or 0):,} rows: verify {'ok' if v['ok'] else 'FAILED'} in {ver:.1f} s "
      f"(whole process; {v['duration_s']:.1f} s verifying), count(*)+hash-sum scan {scan:.1f} s: ratio {ver/scan:.2f}x")
PY
