#!/usr/bin/env bash
# Per-core cost of understudy's bcrypt (cost 10), sha512-crypt (5000 rounds) and
# argon2id (m=19456,t=2,p=1) against the C references measured in the same run:
# libxcrypt through Python's crypt module, and argon2-cffi (libargon2).
# Both sides hash the same number of passwords on one thread; CPU time (user+sys)
# is measured. Ratio = reference time / understudy time (≥ 1 means understudy is
# at least as fast). Usage: benches/compare/hash_vs_c.sh [N]   (needs argon2-cffi)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-40}
PY=${PYTHON:-python3}
cargo build --release -q
BIN=target/release/understudy
pw=$(mktemp); trap 'rm -f "$pw"' EXIT
for i in $(seq 1 "$N"); do echo "password$i"; done > "$pw"

cpu() { # cpu seconds of a command (user+sys)
  local t; t=$( { /usr/bin/time -f '%U %S' "$@" > /dev/null; } 2>&1 | tail -1 ); awk '{print $1+$2}' <<< "$t"
}
ours() { RAYON_NUM_THREADS=1 cpu "$BIN" hash "$@" --seed 1 < "$pw"; }
ref() { cpu "$PY" -W ignore -c "$1" "$N"; }

printf '%-14s %12s %12s %8s\n' format understudy reference ratio
row() { awk -v f="$1" -v a="$2" -v b="$3" -v n="$N" 'BEGIN{printf "%-14s %9.2f ms %9.2f ms %8.2f\n", f, a*1000/n, b*1000/n, (a>0? b/a : 0)}'; }
row bcrypt-10 "$(ours bcrypt)" "$(ref 'import crypt,sys
for i in range(int(sys.argv[1])): crypt.crypt(f"password{i}", crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024))')"
row sha512-crypt "$(ours sha512-crypt)" "$(ref 'import crypt,sys
for i in range(int(sys.argv[1])): crypt.crypt(f"password{i}", crypt.mksalt(crypt.METHOD_SHA512))')"
row argon2id "$(ours argon2id)" "$(ref 'import argon2,sys
h=argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
for i in range(int(sys.argv[1])): h.hash(f"password{i}")')"
echo "(python start-up, ~20 ms, is included in the reference column)"
