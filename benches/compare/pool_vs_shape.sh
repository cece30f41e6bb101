#!/usr/bin/env bash
# Issue 4's pool-mode budget, measured in one run:
#   generate saas 1M in pool mode (cold cache) ≤ pool hashing time + 1.5 × the same run in shape mode
#   generate saas 1M in pool mode (warm cache) ≤ 1.5 × the shape run
# Usage: benches/compare/pool_vs_shape.sh [USERS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
users=${1:-1000000}
cargo build --release -q
bin=target/release/understudy
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"

run() { # label, args...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  "$bin" generate --profile saas --users "$users" --force --out "$work/out" "$@" 2> "$work/$label.err"
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

shape=$(run shape --hash-mode shape)
cold=$(run cold --hash-mode pool)
pool_secs=$(sed -n 's/.*real hashes in \([0-9.]*\) s.*/\1/p' "$work/cold.err")
warm=$(run warm --hash-mode pool)
shape2=$(run shape2 --hash-mode shape)
shape=$(echo "if ($shape2 < $shape) $shape2 else $shape" | bc)

printf 'generate --profile saas --users %s\n' "$users"
printf '  shape mode                 %8.2f s\n' "$shape"
printf '  pool mode, cold cache      %8.2f s  (pool hashing %s s)\n' "$cold" "$pool_secs"
printf '  pool mode, warm cache      %8.2f s\n' "$warm"
printf '  cold: (total - pool) / shape = %.2fx  (goal <= 1.5x)\n' "$(echo "($cold - $pool_secs) / $shape" | bc -l)"
printf '  warm: total / shape          = %.2fx  (goal <= 1.5x)\n' "$(echo "$warm / $shape" | bc -l)"
