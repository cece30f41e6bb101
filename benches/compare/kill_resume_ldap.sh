#!/usr/bin/env bash
# Acceptance check for exactly-once resume into an LDAP directory: CYCLES
# times, empty the directory (slapd stopped, its database files removed),
# start a rehearsal of USERS ldap-profile users (--edge-rate 0.05), kill -9
# it at a random moment (uniform in 0..MAX_KILL_S after its first recorded
# batch), then `--resume` it to the end with verification on. Every cycle
# must end with verify ok: 0 missing, 0 extra, 0 mismatched, 0 duplicated,
# and the same rejects as an uninterrupted run would have.
#
# usage: benches/compare/kill_resume_ldap.sh [USERS=100000] [CYCLES=5] [MAX_KILL_S=10]
# Needs: slapd, slapd-contrib, ldap-utils, python3. Run as root it runs the
# OpenLDAP tools as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
CYCLES=${2:-5}
MAX_KILL_S=${3:-10}
. benches/compare/slapd_server.sh kill-ldap
export LDAP_PASSWORD=$ROOT_PW
batches() { ldapsearch -x -LLL -z 0 -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -b ou=understudy-progress,dc=example,dc=org '(objectClass=applicationProcess)' 1.1 2>/dev/null | grep -c '^dn:' || true; }
slap_reset() {
  if [ -f "$WORK/slap/slapd.pid" ]; then
    PID=$(cat "$WORK/slap/slapd.pid"); kill "$PID"
    while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$WORK/slap/db/"*
  slap_serve
}
run() { "$BIN" rehearse --profile ldap --users "$USERS" --edge-rate 0.05 --target "$URL" --bind-dn "$ROOT_DN" -q --resume "$@"; }
failed=0
for i in $(seq 1 "$CYCLES"); do
  slap_reset
  WAIT=$(python3 -c "import random; print(round(random.uniform(0, $MAX_KILL_S), 2))")
  # Started directly (not through `run`, whose subshell kill -9 would leave
  # the loader running).
  "$BIN" rehearse --profile ldap --users "$USERS" --edge-rate 0.05 --target "$URL" --bind-dn "$ROOT_DN" -q --resume --no-verify &
  PID=$!
  until [ "$(batches)" -gt 0 ] || ! kill -0 "$PID" 2>/dev/null; do sleep 0.2; done
  sleep "$WAIT"
  kill -9 "$PID" 2>/dev/null && KILLED=yes || KILLED="no (already finished)"
  wait "$PID" 2>/dev/null || true
  BEFORE=$(batches)
  run --report "$WORK/r$i.json" && CODE=0 || CODE=$?
  RESULT=$(python3 -c "
import json,sys; r=json.load(open(sys.argv[1])); v=r['verify']
ok = v['ok'] and sys.argv[2] == '0' and v['duplicated'] == 0
print('ok' if ok else 'FAILED', 'exit', sys.argv[2], 'expected', v['expected'], 'found', v['found'], 'missing', v['missing'], 'extra', v['extra'], 'mismatched', v['mismatched'], 'duplicated', v['duplicated'], 'rejected', r['rows_rejected'], 'skipped', r['rows_skipped'], 'found already there', r['ldap']['already_present'])
" "$WORK/r$i.json" "$CODE")
  echo "cycle $i: kill -9 after ${WAIT}s: $KILLED; $BEFORE batches recorded before; resume → verify $RESULT"
  case "$RESULT" in ok*) ;; *) failed=1 ;; esac
done
exit $failed
