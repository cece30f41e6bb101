# Sourced by the Redis benchmarks: a throwaway redis-server (persistence off)
# on a free port of 127.0.0.1 in a temp dir, stopped on exit. Sets WORK, PORT,
# URL, BIN (the release binary, built if missing).
WORK=$(mktemp -d "${TMPDIR:-/tmp}/understudy-${1:-redis}.XXXXXX")
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="redis://127.0.0.1:$PORT"
BIN=${BIN:-target/release/understudy}
[ -x "$BIN" ] || CARGO_INCREMENTAL=1 cargo build --release -q
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do redis-cli -p "$PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
rcpu() { redis-cli -p "$PORT" info cpu | awk -F: '/used_cpu_user:|used_cpu_sys:/{s+=$2} END{printf "%.1f", s}'; }
