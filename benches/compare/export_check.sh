#!/usr/bin/env bash
# export --to <every provider> for 100,000 users of a profile (default saas),
# then the independent oracle (tests/oracles/export_oracle.py) on every user:
# schema/limits, and every re-encoded hash verified with the provider's algorithm.
# usage: benches/compare/export_check.sh [USERS] [PROFILE]   (needs a venv with
# passlib==1.7.4 bcrypt==4.0.1 argon2-cffi django cryptography jsonschema: PY=…/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
PROFILE=${2:-saas}
PY=${PY:-target/tmp/export-venv/bin/python}
BIN=${BIN:-target/release/understudy}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BIN" assess --profile "$PROFILE" --users "$USERS" --json > "$OUT/assess.json"
for p in auth0 okta firebase keycloak cognito clerk supabase; do
  /usr/bin/time -f "$p export: %e s wall, %U s user, %M KB max RSS" \
    "$BIN" export --to "$p" --profile "$PROFILE" --users "$USERS" --out "$OUT" --emit-passwords -q
  /usr/bin/time -f "$p oracle: %e s wall" "$PY" -W ignore tests/oracles/export_oracle.py "$OUT" "$p"
  "$PY" -c "import json,sys; a=json.load(open('$OUT/assess.json')); s=json.load(open('$OUT/$p/summary.json')); e=[x for x in a['providers'] if x['provider']=='$p'][0]; sys.exit(0 if e==s else 'assess and export disagree for $p'); print()"
  echo "$p: $(du -sh "$OUT/$p" | cut -f1), $(python3 -c "import json; print(json.load(open('$OUT/$p/summary.json'))['verdict'])")"
done
