#!/usr/bin/env bash
# `generate --format ldif` at size into a real OpenLDAP: USERS (default
# 100000) users of the `ldap` profile with --edge-rate 0.05 (RATE), generated
# (timed; the hash pools come from the cache, filled by an untimed 1-user run),
# loaded by `slapadd` with schema and syntax checks on (timed; errors
# counted), then served by slapd and read back whole with ldapsearch, every
# entry compared with the file by benches/compare/ldif_compare.py (parsed
# DNs, values byte for byte).
#
# usage: benches/compare/ldif_slapadd.sh [USERS]   (PROFILE default ldap, RATE default 0.05)
# Needs: slapd, slapd-contrib, ldap-utils, python3. Run as root it runs the
# OpenLDAP tools as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
PROFILE=${PROFILE:-ldap}
RATE=${RATE:-0.05}
. benches/compare/slapd_server.sh ldif
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2])-float(sys.argv[1]):.1f}')" "$1" "$2"; }
rate() { python3 -c "import sys; r,s=map(float,sys.argv[1:]); print(f'{r/s:,.0f}')" "$1" "$2"; }

echo "== slapd $(slapd -VV 2>&1 | head -n1 | sed 's/.*slapd \([0-9.]*\).*/\1/'): $USERS users of $PROFILE, --edge-rate $RATE"
"$BIN" generate --profile "$PROFILE" --users 1 --format ldif --out "$WORK/warm" -q
t0=$(now)
"$BIN" generate --profile "$PROFILE" --users "$USERS" --format ldif --edge-rate "$RATE" --out "$WORK/ldif" -q
t1=$(now)
FILES=$(python3 -c "import json,sys; print(' '.join(t['file'] for t in json.load(open(sys.argv[1]))['tables']))" "$WORK/ldif/manifest.json")
: > "$WORK/all.ldif"; for f in $FILES; do cat "$WORK/ldif/$f" >> "$WORK/all.ldif"; done
ENTRIES=$(grep -c '^dn' "$WORK/all.ldif")
ASIDE=$(wc -l < "$WORK/ldif/unrepresentable.jsonl")
t2=$(now)
slap_load "$WORK/all.ldif" 2> "$WORK/slapadd.err" || true
t3=$(now)
ERRORS=$(grep -c -i 'could not\|error' "$WORK/slapadd.err" || true)
echo "generate:  $(secs "$t0" "$t1") s  $(rate "$USERS" "$(secs "$t0" "$t1")") users/s  ($ENTRIES entries, $(du -h "$WORK/all.ldif" | cut -f1); $ASIDE rows set aside with their labels)"
echo "slapadd:   $(secs "$t2" "$t3") s  $(rate "$ENTRIES" "$(secs "$t2" "$t3")") entries/s  errors: $ERRORS"
[ "$ERRORS" = 0 ] || { head -n 5 "$WORK/slapadd.err"; exit 1; }
slap_serve
ldapsearch -x -LLL -o ldif-wrap=no -z 0 -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" -b dc=example,dc=org '(objectClass=*)' '*' > "$WORK/served.ldif"
python3 benches/compare/ldif_compare.py "$WORK/all.ldif" "$WORK/served.ldif"
