#!/usr/bin/env bash
# `rehearse --copies` against `redis-cli --pipe` of the same RESP file, in one
# run on one redis-server: USERS (default 1000000) users of `saas-copies`
# (PROFILE), its Redis copy `cache` (HSET of 7 fields, a secondary email key,
# TTLs, 0.5 % drift; the profile's other copies cut, so only the RESP file is
# written). The RESP file is generated first (timed apart), loaded
# with redis-cli --pipe (timed: `errors: 0` required), the database emptied,
# then loaded by `rehearse --copies` (its load phase timed by the report,
# generation included) and verified. Prints both rates and their ratio.
#
# usage: benches/compare/redis_vs_pipe.sh [USERS]   (WORKERS default 2, BATCH 5000)
# Needs: redis-server, redis-tools, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
PROFILE=${PROFILE:-saas-copies}
. benches/compare/redis_server.sh redis-pipe
now() { date +%s.%N; }
py() { python3 -c "$@"; }

echo "== redis $(redis-server --version | sed 's/.*v=\([0-9.]*\).*/\1/'): $USERS users of $PROFILE, load average $(cut -d' ' -f1 /proc/loadavg)"
sed '/^\[copies.search\]/,$d' "profiles/$PROFILE.toml" > "$WORK/cache.toml"
PROFILE="$WORK/cache.toml"
"$BIN" generate --profile "$PROFILE" --users 1 --format copies --out "$WORK/warm" -q
t0=$(now)
"$BIN" generate --profile "$PROFILE" --users "$USERS" --format copies --out "$WORK/copies" -q
t1=$(now)
c0=$(rcpu)
t2=$(now)
redis-cli -p "$PORT" --pipe < "$WORK/copies/cache.resp" > "$WORK/pipe.out"
t3=$(now)
c1=$(rcpu)
tail -n 1 "$WORK/pipe.out"
grep -q 'errors: 0,' "$WORK/pipe.out"
KEYS_PIPE=$(redis-cli -p "$PORT" dbsize)
redis-cli -p "$PORT" flushall > /dev/null
c2=$(rcpu)
"$BIN" rehearse --profile "$PROFILE" --users "$USERS" --copies "$URL" \
  --workers "${WORKERS:-2}" --batch "${BATCH:-5000}" --report "$WORK/run.json" -q || true
c3=$(rcpu)
py "
import json, sys
r = json.load(open('$WORK/run.json'))
gen = $t1 - $t0
pipe = $t3 - $t2
load = r['duration_s']
v = r['verify']
print(f'generate RESP:      {gen:6.1f} s  ({$USERS/gen:,.0f} users/s, $(du -h "$WORK/copies/cache.resp" | cut -f1))')
print(f'redis-cli --pipe:   {pipe:6.1f} s  ({$USERS/pipe:,.0f} users/s, {$KEYS_PIPE} keys, redis cpu {$c1-$c0:.1f} s)')
print(f'rehearse --copies:  {load:6.1f} s  ({r[\"throughput_rows_per_s\"]:,.0f} users/s, {r[\"copy\"][\"keys\"]} keys written, redis cpu {$c3-$c2:.1f} s incl. verify; p99 batch {r[\"latency_ms\"][\"p99\"]:.0f} ms)')
print(f'verify:             {\"OK\" if v[\"ok\"] else \"FAILED\"} in {v[\"duration_s\"]:.1f} s (expected {v[\"expected\"]} keys, missing {v[\"missing\"]}, extra {v[\"extra\"]}, mismatched {v[\"mismatched\"]})')
print(f'speed: rehearse / pipe = {pipe/load:.2f}x')
"
