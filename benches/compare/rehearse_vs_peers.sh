#!/usr/bin/env bash
# Side-by-side load speed, in one run on one machine:
#   PostgreSQL: `understudy rehearse --method copy` vs psql `\copy` of the same
#               users' CSV (from `understudy generate`) into the same schema;
#   SQLite:     `understudy rehearse` vs sqlite3 `.import` of the same CSV into
#               the same schema, in one transaction, WAL + synchronous=NORMAL.
# The schema is the one rehearse creates (made by a 1-user rehearsal, then
# emptied). Rehearse generates its rows while loading; the peers read CSV
# generated beforehand (not timed). Rehearse runs with --no-verify and its
# load phase is timed from its report (`duration_s`; the hash pool is built
# before it); its whole wall time is printed too.
#
# usage: benches/compare/rehearse_vs_peers.sh [PG_USERS] [SQLITE_USERS]
#   (0 skips that part)
#   PG_PROFILE (default saas), SQLITE_PROFILE (default bench-8: sqlite3 .import
#   cannot write NULLs, so a profile without NULL columns keeps it honest).
# Needs: initdb/pg_ctl/psql (PostgreSQL 15+), sqlite3, python3. Run as root it
# starts PostgreSQL as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
PG_USERS=${1:-1000000}
SQLITE_USERS=${2:-1000000}
PG_PROFILE=${PG_PROFILE:-saas}
SQLITE_PROFILE=${SQLITE_PROFILE:-bench-8}
. benches/compare/pg_server.sh bench
DSN="postgres://bench@127.0.0.1:$PORT"
now() { date +%s.%N; }
ratio() { python3 -c "import sys; a,b=map(float,sys.argv[1:]); print(f'{a/b:.2f}')" "$1" "$2"; }
rate() { python3 -c "import sys; r,s=map(float,sys.argv[1:]); print(f'{r/s:,.0f}')" "$1" "$2"; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
tables_of() { python3 -c "import json,sys; print(' '.join(t['name'] for t in json.load(open(sys.argv[1]))['tables']))" "$1"; }

if [ "$PG_USERS" != 0 ]; then
echo "== PostgreSQL: $PG_USERS users of $PG_PROFILE"
"$BIN" generate --profile "$PG_PROFILE" --users "$PG_USERS" --out "$WORK/pgcsv" -q
$PSQL postgres -c "CREATE DATABASE peer" -c "CREATE DATABASE ours"
"$BIN" rehearse --profile "$PG_PROFILE" --users 1 --target "$DSN/peer" --no-verify -q --report "$WORK/one.json"
ORDER=$(tables_of "$WORK/one.json")
$PSQL peer -c "TRUNCATE $(echo $ORDER | tr ' ' ','); DROP TABLE _understudy_progress, _understudy_rejects;"
ROWS=0; for t in $ORDER; do ROWS=$((ROWS + $(($(wc -l < "$WORK/pgcsv/$t.csv") - 1)))); done
t0=$(now)
for t in $ORDER; do $PSQL peer -c "\\copy $t FROM '$WORK/pgcsv/$t.csv' CSV HEADER"; done
t1=$(now); PEER_S=$(python3 -c "print($t1-$t0)")
w0=$(now)
"$BIN" rehearse --profile "$PG_PROFILE" --users "$PG_USERS" --target "$DSN/ours" --method copy --no-verify -q --report "$WORK/pg.json"
w1=$(now); OURS_WALL=$(python3 -c "print($w1-$w0)")
OURS_S=$(field "$WORK/pg.json" duration_s)
echo "rows: $ROWS"
echo "psql \\copy:              $(printf %.1f "$PEER_S") s  $(rate "$ROWS" "$PEER_S") rows/s"
echo "rehearse --method copy:  $(printf %.1f "$OURS_S") s  $(rate "$ROWS" "$OURS_S") rows/s  (wall $(printf %.1f "$OURS_WALL") s incl. hash pool)"
echo "ratio rehearse/psql:     $(ratio "$PEER_S" "$OURS_S")  (wall: $(ratio "$PEER_S" "$OURS_WALL"))"
# One connection, like psql: the same comparison without rehearse's parallel workers.
$PSQL postgres -c "CREATE DATABASE ours1"
"$BIN" rehearse --profile "$PG_PROFILE" --users "$PG_USERS" --target "$DSN/ours1" --method copy --workers 1 --no-verify -q --report "$WORK/pg1.json"
ONE_S=$(field "$WORK/pg1.json" duration_s)
echo "rehearse --workers 1:    $(printf %.1f "$ONE_S") s  $(rate "$ROWS" "$ONE_S") rows/s  ratio $(ratio "$PEER_S" "$ONE_S")"

fi

if [ "$SQLITE_USERS" != 0 ]; then
echo "== SQLite: $SQLITE_USERS users of $SQLITE_PROFILE"
"$BIN" generate --profile "$SQLITE_PROFILE" --users "$SQLITE_USERS" --out "$WORK/sqcsv" -q
"$BIN" rehearse --profile "$SQLITE_PROFILE" --users 1 --target "sqlite:$WORK/peer.db" --no-verify -q --report "$WORK/one.json"
ORDER=$(tables_of "$WORK/one.json")
DEL=""; for t in $ORDER; do DEL="DELETE FROM $t; $DEL"; done
sqlite3 "$WORK/peer.db" "$DEL DROP TABLE _understudy_progress; DROP TABLE _understudy_rejects; VACUUM;"
ROWS=0; IMPORT="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; BEGIN;"
for t in $ORDER; do
  ROWS=$((ROWS + $(($(wc -l < "$WORK/sqcsv/$t.csv") - 1))))
  IMPORT="$IMPORT
.import --csv --skip 1 $WORK/sqcsv/$t.csv $t"
done
t0=$(now)
printf '%s\nCOMMIT;\n' "$IMPORT" | sqlite3 "$WORK/peer.db" >/dev/null
t1=$(now); PEER_S=$(python3 -c "print($t1-$t0)")
w0=$(now)
"$BIN" rehearse --profile "$SQLITE_PROFILE" --users "$SQLITE_USERS" --target "sqlite:$WORK/ours.db" --no-verify -q --report "$WORK/sq.json"
w1=$(now); OURS_WALL=$(python3 -c "print($w1-$w0)")
OURS_S=$(field "$WORK/sq.json" duration_s)
echo "rows: $ROWS (peer loaded $(sqlite3 "$WORK/peer.db" "SELECT count(*) FROM $(echo $ORDER | cut -d' ' -f1)") in its first table)"
echo "sqlite3 .import:         $(printf %.1f "$PEER_S") s  $(rate "$ROWS" "$PEER_S") rows/s"
echo "rehearse (sqlite):       $(printf %.1f "$OURS_S") s  $(rate "$ROWS" "$OURS_S") rows/s  (wall $(printf %.1f "$OURS_WALL") s)"
echo "ratio rehearse/sqlite3:  $(ratio "$PEER_S" "$OURS_S")  (wall: $(ratio "$PEER_S" "$OURS_WALL"))"
fi
