#!/usr/bin/env bash
# estimate against a rate-limited identity API: `emulate okta --rate 600/s`,
# N production users of a saas profile whose hashes Okta can all import
# (bcrypt only, so every user is one create), projected from a small sample,
# compared with the ideal N / 600 s and, with FULL=1, with the full run
# (`rehearse` of the N users into a fresh emulator, its rehearse's default
# workers; the projection for that count). Goal: within ±10 %, and the
# bottleneck names the rate limit. The load average is printed before each.
#
# usage: [FULL=1] benches/compare/estimate_okta.sh [N] [SAMPLE_USERS] [RATE]
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
emulator() { # NAME: a fresh emulator; sets ADDR
  "$BIN" emulate okta --listen 127.0.0.1:0 --rate "$RATE/s" > "$WORK/addr-$1" 2>/dev/null &
  for _ in $(seq 100); do [ -s "$WORK/addr-$1" ] && break; sleep 0.05; done
  ADDR=$(head -1 "$WORK/addr-$1")
}
emulator est
echo "load average before the estimate: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" estimate --profile "$WORK/okta.toml" --production-users "$N" --sample-users "$S" \
  --target "http://$ADDR" --api okta --report "$WORK/est.json" -q
if [ -n "${FULL:-}" ]; then
  emulator full
  echo "load average before the full run: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$BIN" rehearse --profile "$WORK/okta.toml" --users "$N" --target "http://$ADDR" --api okta \
    --no-verify -q --report "$WORK/full.json"
fi
python3 - "$WORK/est.json" "$N" "$RATE" "$WORK/full.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2]); rate = float(sys.argv[3])
p = next(p for p in r["projections"] if p["workers"] == r["recommended_workers"])
ideal = n / rate
err = (p["seconds"] - ideal) / ideal * 100
print(f"N = {n:,} users at {rate:.0f}/s: projected {p['seconds']:.0f} s ({p['low_seconds']:.0f}–{p['high_seconds']:.0f}) "
      f"with {p['workers']} worker(s); N/rate = {ideal:.0f} s; error {err:+.1f} % (goal ±10 %)")
print("rate limit used:", r["model"]["rate_limit_per_s"], "req/s;", "; ".join(x for x in r["notes"] if "rate limit" in x))
print("bottleneck:", r["bottleneck"])
if os.path.exists(sys.argv[4]):
    f = json.load(open(sys.argv[4])); a = f["duration_s"]
    q = next((q for q in r["projections"] if q["workers"] == f["workers"]), p)
    print(f"full run ({f['workers']} workers): {a:.0f} s; projected for {q['workers']}: {q['seconds']:.0f} s "
          f"({q['low_seconds']:.0f}–{q['high_seconds']:.0f}); error {(q['seconds'] - a) / a * 100:+.1f} %, "
          f"inside the range: {'yes' if q['low_seconds'] <= a <= q['high_seconds'] else 'NO'}")
PY
