#!/usr/bin/env bash
# export --to <every provider> for 100,000 users of a profile (default saas),
# then the independent oracle (tests/oracles/export_oracle.py) on every user:
# schema/limits, every re-encoded hash verified with the provider's algorithm,
# every refusal's reason judged against the providers' documented rules
# (tests/oracles/idp_rules.py, on the users table `generate` writes for the same
# profile, users, seed and edge rate), exported TOTP secrets checked with pyotp,
# and summary.json equal to assess --json's entry (counts per provider and format).
# usage: benches/compare/export_check.sh [USERS] [PROFILE] [EDGE_RATE] [PROVIDERS...]
#   e.g. benches/compare/export_check.sh 100000 benches/compare/idp-acceptance.toml 0.05
# KEEP=DIR keeps the files in DIR. (Needs a venv with passlib==1.7.4 bcrypt==4.0.1 argon2-cffi django cryptography
# jsonschema pyotp: PY=…/python)
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-100000}
PROFILE=${2:-saas}
EDGE=${3:-}
shift $(( $# < 3 ? $# : 3 ))
PROVIDERS=${*:-auth0 okta firebase keycloak cognito clerk supabase}
PY=${PY:-target/tmp/export-venv/bin/python}
BIN=${BIN:-target/release/understudy}
if [ -n "${KEEP:-}" ]; then OUT=$KEEP; mkdir -p "$OUT"; else OUT=$(mktemp -d); trap 'rm -rf "$OUT"' EXIT; fi
EDGE_ARGS=()
[ -n "$EDGE" ] && EDGE_ARGS=(--edge-rate "$EDGE")
/usr/bin/time -f "assess: %e s wall, %U s user" \
  "$BIN" assess --profile "$PROFILE" --users "$USERS" "${EDGE_ARGS[@]}" --json > "$OUT/assess.json"
/usr/bin/time -f "generate (legacy users table): %e s wall" \
  "$BIN" generate --profile "$PROFILE" --users "$USERS" "${EDGE_ARGS[@]}" --format csv --out "$OUT/legacy" -q
for p in $PROVIDERS; do
  /usr/bin/time -f "$p export: %e s wall, %U s user, %M KB max RSS" \
    "$BIN" export --to "$p" --profile "$PROFILE" --users "$USERS" "${EDGE_ARGS[@]}" --out "$OUT" --emit-passwords -q
  /usr/bin/time -f "$p oracle: %e s wall" "$PY" -W ignore tests/oracles/export_oracle.py "$OUT" "$p" "$OUT/legacy/users.csv" \
    > "$OUT/$p.oracle.json" || { cat "$OUT/$p.oracle.json"; echo "$p: oracle FAILED"; exit 1; }
  "$PY" - "$OUT" "$p" <<'EOF'
import json, sys
out, p = sys.argv[1:]
a = [x for x in json.load(open(f"{out}/assess.json"))["providers"] if x["provider"] == p][0]
s = json.load(open(f"{out}/{p}/summary.json"))
if a != s:
    sys.exit(f"assess and export disagree for {p}")
o = json.load(open(f"{out}/{p}.oracle.json"))
o.pop("by_format", None)
print(json.dumps(o))
print(f"{p}: {s['verdict']}")
EOF
  echo "$p: $(du -sh "$OUT/$p" | cut -f1)"
done
