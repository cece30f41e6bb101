#!/usr/bin/env bash
# Side-by-side load speed into one OpenLDAP slapd (mdb backend, from
# slapd_server.sh), in one run on one machine: `ldapadd -c -f` of the LDIF
# `understudy generate --format ldif` wrote (generated beforehand, untimed)
# vs `understudy rehearse --target ldap://…` of the same USERS users of the
# `ldap` profile with --edge-rate RATE (generation, add operations over
# --workers connections, bookkeeping), for each worker count in WORKERS.
# Between loads slapd is stopped and its database files removed, so every
# load starts from the same empty directory. Each rehearsal verifies (read
# back, binds); its time is printed without verification (wall time less
# `verify.duration_s`) and as its load phase alone (`duration_s`). The
# ratio is ldapadd's time over rehearse's: ≥ 1 means rehearse is faster.
#
# usage: benches/compare/load_vs_ldapadd.sh [USERS]   (default 100000)
#   WORKERS (default "1 2 4"), RATE (default 0.05)
# Needs: slapd, slapd-contrib, ldap-utils, python3. Run as root it runs the
# OpenLDAP tools as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
WORKERS=${WORKERS:-1 2 4}
RATE=${RATE:-0.05}
. benches/compare/slapd_server.sh ldapadd
now() { date +%s.%N; }
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'{a/b:.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; r,s=map(float,sys.argv[1:]); print(f'{r/s:,.0f}')" "$1" "$2"; }
q() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
count() { ldapsearch -x -LLL -z 0 -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -b ou=people,dc=example,dc=org '(objectClass=inetOrgPerson)' 1.1 | grep -c '^dn:' || true; }
# Stops slapd, removes its database files, starts it again: an empty directory.
slap_reset() {
  if [ -f "$WORK/slap/slapd.pid" ]; then
    PID=$(cat "$WORK/slap/slapd.pid"); kill "$PID"
    while kill -0 "$PID" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$WORK/slap/db/"*
  slap_serve
}

echo "== slapd $(slapd -VV 2>&1 | head -n1 | sed 's/.*slapd \([0-9.]*\).*/\1/') (mdb, dbnosync): $USERS users of ldap, --edge-rate $RATE"
"$BIN" generate --profile ldap --users "$USERS" --format ldif --edge-rate "$RATE" --out "$WORK/ldif" -q
ENTRIES=$(grep -c '^dn' "$WORK/ldif/users.ldif")
slap_reset
t0=$(now)
ldapadd -x -c -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -f "$WORK/ldif/users.ldif" > /dev/null 2> "$WORK/ldapadd.err" || true
t1=$(now); PEER_S=$(python3 -c "print($t1-$t0)")
echo "ldapadd -c -f:             $(printf %.1f "$PEER_S") s  $(rate "$ENTRIES" "$PEER_S") entries/s  ($ENTRIES entries in the file, $(count) people in the directory, $(grep -c '^ldap_add' "$WORK/ldapadd.err" || true) refused)"
export LDAP_PASSWORD=$ROOT_PW
for w in $WORKERS; do
  slap_reset
  w0=$(now)
  "$BIN" rehearse --profile ldap --users "$USERS" --edge-rate "$RATE" --target "$URL" --bind-dn "$ROOT_DN" \
    --workers "$w" -q --report "$WORK/ours$w.json" || true
  w1=$(now)
  VERIFY=$(q "$WORK/ours$w.json" "r['verify']['duration_s']")
  WALL=$(python3 -c "print($w1-$w0-$VERIFY)")
  LOAD=$(q "$WORK/ours$w.json" "r['duration_s']")
  echo "rehearse --workers $w:      $(printf %.1f "$WALL") s  $(rate "$USERS" "$WALL") users/s  ratio $(ratio "$PEER_S" "$WALL")  (load phase $(printf %.1f "$LOAD") s, ratio $(ratio "$PEER_S" "$LOAD"); $(q "$WORK/ours$w.json" "r['rows_loaded']") added, $(q "$WORK/ours$w.json" "r['rows_rejected']") refused; verify $(q "$WORK/ours$w.json" "'ok' if r['verify']['ok'] else 'FAILED'") in $(printf %.1f "$VERIFY") s, binds $(q "$WORK/ours$w.json" "r['verify']['passwords']['verified']")/$(q "$WORK/ours$w.json" "r['verify']['passwords']['checked']") ok, $(q "$WORK/ours$w.json" "r['verify']['passwords'].get('wrong_accepted', 0)") wrong accepted)"
done
