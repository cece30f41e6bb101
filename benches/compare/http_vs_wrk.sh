#!/usr/bin/env bash
# Side-by-side HTTP request rate, in one run on one machine: the rehearsal's
# HTTP driver (`rehearse --api generic`, which also generates each user and
# re-encodes its hash) against wrk, both creating users with POST /users on a
# fresh `understudy emulate generic`, same concurrency, same kind of body
# (email, names, username, a bcrypt hash with hash_format). Rounds alternate;
# the median of each is compared. Goal: the driver reaches ≥ 0.5× wrk.
#
# usage: benches/compare/http_vs_wrk.sh [USERS_PER_ROUND] [ROUNDS] [CONNECTIONS]
# Needs: wrk (apt-get install wrk), python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-60000}
ROUNDS=${2:-3}
CONN=${3:-8}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
cargo build --release -q
BIN=target/release/understudy
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

cat > "$WORK/post.lua" <<'EOF'
-- One unique user per request (thread id + counter), a body shaped like the driver's.
local counter = 0
local tid = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  counter = counter + 1
  local email = string.format("wrk.%d.%d@example.com", tid, counter)
  local body = string.format('{"email":"%s","username":"wrk_%d_%d","first_name":"Ada","last_name":"Lovelace","password_hash":"$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy","hash_format":"bcrypt","hash_params":{"cost":"10"}}', email, tid, counter)
  return wrk.format(nil, "/users", nil, body)
end
EOF

emulator() { # starts a fresh generic emulator: sets ADDR and PID
  : > "$WORK/addr"
  "$BIN" emulate generic --listen 127.0.0.1:0 > "$WORK/addr" 2>/dev/null &
  PID=$!
  for _ in $(seq 100); do [ -s "$WORK/addr" ] && break; sleep 0.05; done
  ADDR=$(head -1 "$WORK/addr")
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null || true; }

# The driver's hash pool is built (and cached) once, before any timing.
emulator
"$BIN" rehearse --users 10 --target "http://$ADDR" --api generic --no-verify -q; stop $PID

ours=(); theirs=()
for r in $(seq "$ROUNDS"); do
  emulator
  "$BIN" rehearse --users "$USERS" --target "http://$ADDR" --api generic --workers "$CONN" \
    --no-verify -q --report "$WORK/r.json"
  ours+=("$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['http']['attempts']/r['duration_s'])" "$WORK/r.json")")
  stop $PID
  emulator
  D=$(python3 -c "import json,sys; print(max(3, round(json.load(open(sys.argv[1]))['duration_s'])))" "$WORK/r.json")
  theirs+=("$(wrk -t2 -c"$CONN" -d"${D}s" -s "$WORK/post.lua" "http://$ADDR" | awk '/Requests\/sec/ {print $2}')")
  stop $PID
  printf 'round %s: driver %.0f req/s · wrk %.0f req/s\n' "$r" "${ours[-1]}" "${theirs[-1]}"
done
python3 - "${ours[*]}" "${theirs[*]}" <<'EOF'
import statistics, sys
o = statistics.median(map(float, sys.argv[1].split()))
w = statistics.median(map(float, sys.argv[2].split()))
print(f"median: understudy HTTP driver {o:,.0f} req/s · wrk {w:,.0f} req/s · ratio {o/w:.2f}× (goal ≥ 0.5)")
EOF
