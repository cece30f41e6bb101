#!/usr/bin/env bash
# estimate against a rate-limited identity API: `emulate okta --rate 600/s`,
# N production users of a saas profile whose hashes Okta can all import
# (bcrypt only, so every user is one create), projected from a small sample,
# compared with the ideal N / 600 s. Goal: within ±10 %, and the bottleneck
# names the rate limit.
#
# usage: benches/compare/estimate_okta.sh [N] [SAMPLE_USERS] [RATE]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
S=${2:-6000}
RATE=${3:-600}
cargo build --release -q
BIN=target/release/understudy
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 - "$WORK/okta.toml" <<'PY'
import re, sys
s = open("profiles/saas.toml").read()
s = s.replace('name = "saas"', 'name = "saas-bcrypt"')
s = re.sub(r"mix = \[.*?\n\]", 'mix = [ { format = "bcrypt", share = 1, params = { cost = 10 } } ]', s, flags=re.S)
open(sys.argv[1], "w").write(s)
PY
"$BIN" emulate okta --listen 127.0.0.1:0 --rate "$RATE/s" > "$WORK/addr" 2>/dev/null &
for _ in $(seq 100); do [ -s "$WORK/addr" ] && break; sleep 0.05; done
ADDR=$(head -1 "$WORK/addr")
"$BIN" estimate --profile "$WORK/okta.toml" --production-users "$N" --sample-users "$S" \
  --target "http://$ADDR" --api okta --report "$WORK/est.json" -q
python3 - "$WORK/est.json" "$N" "$RATE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2]); rate = float(sys.argv[3])
p = next(p for p in r["projections"] if p["workers"] == r["recommended_workers"])
ideal = n / rate
err = (p["seconds"] - ideal) / ideal * 100
print(f"N = {n:,} users at {rate:.0f}/s: projected {p['seconds']:.0f} s ({p['low_seconds']:.0f}–{p['high_seconds']:.0f}) "
      f"with {p['workers']} worker(s); N/rate = {ideal:.0f} s; error {err:+.1f} % (goal ±10 %)")
print("bottleneck:", r["bottleneck"])
PY
