#!/usr/bin/env bash
# Side-by-side load speed into MariaDB, in one run on one machine:
# `understudy rehearse --target mysql://… --method copy` (generate + load, end
# to end) vs the `mariadb` client's `LOAD DATA LOCAL INFILE` of the same users
# generated beforehand, one statement per table into the same schema.
# The peer's files are `understudy generate`'s CSV converted (untimed) into
# LOAD DATA's native text format, so the server does no per-row conversion:
# the fastest form of the peer. The schema is the one rehearse creates (a
# 1-user rehearsal, then emptied). Rehearse runs with --no-verify; both its
# wall time (hash pool from the cache, generation, load) and its load phase
# (`duration_s`) are printed, for each worker count in WORKERS.
#
# usage: benches/compare/load_vs_mariadb.sh [USERS]   (default 1000000)
#   PROFILE (default saas), WORKERS (default "1 2 4"), MARIADB_POOL (default 4G)
# Needs: mariadb-server, mariadb-client, python3. Run as root it starts
# MariaDB as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
PROFILE=${PROFILE:-saas}
WORKERS=${WORKERS:-1 2 4}
. benches/compare/mariadb_server.sh mariadb
now() { date +%s.%N; }
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'{a/b:.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; r,s=map(float,sys.argv[1:]); print(f'{r/s:,.0f}')" "$1" "$2"; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
tables_of() { python3 -c "import json,sys; print(' '.join(t['name'] for t in json.load(open(sys.argv[1]))['tables']))" "$1"; }

echo "== MariaDB $($MYSQL -N -e 'SELECT VERSION()'): $USERS users of $PROFILE (buffer pool ${MARIADB_POOL:-4G})"
"$BIN" generate --profile "$PROFILE" --users "$USERS" --out "$WORK/csv" -q
$MYSQL -e "CREATE DATABASE peer"
"$BIN" rehearse --profile "$PROFILE" --users 1 --target "$DSN/peer" --no-verify -q --report "$WORK/one.json"
ORDER=$(tables_of "$WORK/one.json")
EMPTY="SET FOREIGN_KEY_CHECKS=0;"; for t in $ORDER; do EMPTY="$EMPTY TRUNCATE $t;"; done
$MYSQL peer -e "$EMPTY DROP TABLE _understudy_progress, _understudy_rejects;"
ROWS=0
for t in $ORDER; do
  ROWS=$((ROWS + $(($(wc -l < "$WORK/csv/$t.csv") - 1))))
  python3 benches/compare/csv_to_load_data.py "$WORK/csv/$t.csv" "$WORK/csv/$t.tsv" "$t" $MYSQL peer
done
chmod -R a+r "$WORK/csv"
t0=$(now)
for t in $ORDER; do $MYSQL peer -e "LOAD DATA LOCAL INFILE '$WORK/csv/$t.tsv' INTO TABLE $t CHARACTER SET utf8mb4"; done
t1=$(now); PEER_S=$(python3 -c "print($t1-$t0)")
LOADED=0; for t in $ORDER; do LOADED=$((LOADED + $($MYSQL peer -N -e "SELECT count(*) FROM $t"))); done
echo "rows: $ROWS (peer loaded $LOADED)"
echo "mariadb LOAD DATA LOCAL:   $(printf %.1f "$PEER_S") s  $(rate "$ROWS" "$PEER_S") rows/s"
for w in $WORKERS; do
  $MYSQL -e "CREATE DATABASE ours$w"
  w0=$(now)
  "$BIN" rehearse --profile "$PROFILE" --users "$USERS" --target "$DSN/ours$w" --method copy --workers "$w" --no-verify -q --report "$WORK/ours$w.json"
  w1=$(now); WALL=$(python3 -c "print($w1-$w0)")
  LOAD=$(field "$WORK/ours$w.json" duration_s)
  echo "rehearse --workers $w:       $(printf %.1f "$WALL") s wall  $(rate "$ROWS" "$WALL") rows/s  ratio $(ratio "$PEER_S" "$WALL")  (load phase $(printf %.1f "$LOAD") s, ratio $(ratio "$PEER_S" "$LOAD"))"
  $MYSQL -e "DROP DATABASE ours$w"
done
