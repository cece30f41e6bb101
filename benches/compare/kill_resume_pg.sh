#!/usr/bin/env bash
# Acceptance check for exactly-once resume: CYCLES times, start a fresh
# rehearsal of USERS saas users into PostgreSQL, kill -9 it at a random moment,
# (uniform in 0..MAX_KILL_S after its first committed batch), then `--resume` it to the end with verification on. Every cycle must end
# with verify ok: 0 missing, 0 extra, 0 mismatched.
#
# usage: benches/compare/kill_resume_pg.sh [USERS=1000000] [CYCLES=10] [MAX_KILL_S=60]
# Needs initdb/pg_ctl/psql and python3; run as root it starts PostgreSQL as `nobody`.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
CYCLES=${2:-10}
MAX_KILL_S=${3:-60}
. benches/compare/pg_server.sh kill
failed=0
for i in $(seq 1 "$CYCLES"); do
  DB=k$i
  $PSQL postgres -c "CREATE DATABASE $DB"
  DSN="postgres://bench@127.0.0.1:$PORT/$DB"
  WAIT=$(python3 -c "import random; print(round(random.uniform(0, $MAX_KILL_S), 2))")
  "$BIN" rehearse --users "$USERS" --target "$DSN" --no-verify -q --resume &
  PID=$!
  # The random moment is counted from the first committed batch (building the
  # hash pool before it takes seconds).
  until [ "$($PSQL -At "$DB" -c "SELECT count(*) FROM _understudy_progress" 2>/dev/null || echo 0)" -gt 0 ] \
        || ! kill -0 "$PID" 2>/dev/null; do sleep 0.2; done
  sleep "$WAIT"
  kill -9 "$PID" 2>/dev/null && KILLED=yes || KILLED="no (already finished)"
  wait "$PID" 2>/dev/null || true
  BATCHES=$($PSQL -At "$DB" -c "SELECT count(*) FROM _understudy_progress" 2>/dev/null || echo 0)
  "$BIN" rehearse --users "$USERS" --target "$DSN" --resume -q --report "$WORK/r$i.json" || true
  RESULT=$(python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); v=r['verify']
print('ok' if v['ok'] else 'FAILED', 'expected', v['expected'], 'found', v['found'], 'missing', v['missing'], 'extra', v['extra'], 'mismatched', v['mismatched'], 'skipped', r['rows_skipped'])
" "$WORK/r$i.json")
  echo "cycle $i: kill -9 after ${WAIT}s: $KILLED; $BATCHES batches committed before; resume → verify $RESULT"
  case "$RESULT" in ok*) ;; *) failed=1 ;; esac
  $PSQL postgres -c "DROP DATABASE $DB"
done
exit $failed
