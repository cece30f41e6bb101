#!/usr/bin/env bash
# Acceptance check for exactly-once resume: CYCLES times, start a fresh
# rehearsal of USERS saas users into MariaDB, kill -9 it at a random moment,
# (uniform in 0..MAX_KILL_S after its first committed batch), then `--resume` it to the end with verification on. Every cycle must end
# with verify ok: 0 missing, 0 extra, 0 mismatched.
#
# usage: benches/compare/kill_resume_mysql.sh [USERS=1000000] [CYCLES=5] [MAX_KILL_S=60]
# Needs mariadb-server, mariadb-client and python3; run as root it starts MariaDB as `nobody`.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
CYCLES=${2:-5}
MAX_KILL_S=${3:-60}
. benches/compare/mariadb_server.sh kill
failed=0
for i in $(seq 1 "$CYCLES"); do
  DB=k$i
  $MYSQL -e "CREATE DATABASE $DB"
  TDSN="$DSN/$DB"
  WAIT=$(python3 -c "import random; print(round(random.uniform(0, $MAX_KILL_S), 2))")
  "$BIN" rehearse --users "$USERS" --target "$TDSN" --no-verify -q --resume &
  PID=$!
  # The random moment is counted from the first committed batch (building the
  # hash pool before it takes seconds).
  until [ "$($MYSQL -N "$DB" -e "SELECT count(*) FROM _understudy_progress" 2>/dev/null || echo 0)" -gt 0 ] \
        || ! kill -0 "$PID" 2>/dev/null; do sleep 0.2; done
  sleep "$WAIT"
  kill -9 "$PID" 2>/dev/null && KILLED=yes || KILLED="no (already finished)"
  wait "$PID" 2>/dev/null || true
  BATCHES=$($MYSQL -N "$DB" -e "SELECT count(*) FROM _understudy_progress" 2>/dev/null || echo 0)
  "$BIN" rehearse --users "$USERS" --target "$TDSN" --resume -q --report "$WORK/r$i.json" && CODE=0 || CODE=$?
  RESULT=$(python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); v=r['verify']
print('ok' if v['ok'] and sys.argv[2] == '0' else 'FAILED', 'exit', sys.argv[2], 'expected', v['expected'], 'found', v['found'], 'missing', v['missing'], 'extra', v['extra'], 'mismatched', v['mismatched'], 'skipped', r['rows_skipped'])
" "$WORK/r$i.json" "$CODE")
  echo "cycle $i: kill -9 after ${WAIT}s: $KILLED; $BATCHES batches committed before; resume → verify $RESULT"
  case "$RESULT" in ok*) ;; *) failed=1 ;; esac
  $MYSQL -e "DROP DATABASE $DB"
done
exit $failed
