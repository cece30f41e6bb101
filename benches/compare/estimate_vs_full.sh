#!/usr/bin/env bash
# `understudy estimate` checked against the real thing, in one run on one
# machine: for PostgreSQL and for SQLite, estimate N users from a sample
# (default 5 % of N), then rehearse the full N users and compare the
# projection for the worker count the full run used (PostgreSQL: 2,
# rehearse's default; SQLite: 1) with the full run's load phase (`duration_s`
# of its report). Prints projected, range, actual, error % and whether the
# actual lies inside the stated range.
#
# usage: benches/compare/estimate_vs_full.sh [USERS] [SAMPLE]
#   USERS default 1000000; SAMPLE default 0.5% (anything --sample takes);
#   TARGETS="pg sqlite" (default both), PROFILE (default saas),
#   PG_WORKERS (default 2) — the full PostgreSQL run's workers,
#   REPEAT (default 3) — estimate's --repeat (samples per worker count),
#   EST_OPTS — extra estimate flags (e.g. --size-method quadrature),
#   ROUNDS (default 1) — estimate/full pairs per target, the order
#   alternating (estimate first, then the full run first), so that a change
#   in the machine's load does not always favour the same side.
#   KEEP=DIR — keep each round's reports in DIR (est-T-R.json, full-T-R.json).
# The load average is printed before each phase: on a shared machine it
# explains much of the error.
# Needs: initdb/pg_ctl/psql (PostgreSQL 15+), python3. Run as root it starts
# PostgreSQL as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
SAMPLE=${2:-0.5%}
TARGETS=${TARGETS:-pg sqlite}
PROFILE=${PROFILE:-saas}
PG_WORKERS=${PG_WORKERS:-2}
REPEAT=${REPEAT:-3}
ROUNDS=${ROUNDS:-1}
load() { echo "  load average before $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }
. benches/compare/pg_server.sh estimate
DSN="postgres://bench@127.0.0.1:$PORT"

compare() { python3 benches/compare/estimate_error.py "$@"; }
# KEEP=DIR keeps each round's two reports (est-T-R.json, full-T-R.json).
keep() {
  if [ -n "${KEEP:-}" ]; then
    cp "$WORK/est-$1.json" "$KEEP/est-$1-$2.json"
    cp "$WORK/full-$1.json" "$KEEP/full-$1-$2.json"
  fi
}

est_pg() {
  load estimate
  "$BIN" estimate --profile "$PROFILE" --production-users "$USERS" --sample "$SAMPLE" \
    --target "$DSN/est" --workers 1,2,4 --repeat "$REPEAT" --report "$WORK/est-pg.json" -q ${EST_OPTS:-}
}
full_pg() {
  load "full run"
  "$BIN" rehearse --profile "$PROFILE" --users "$USERS" --target "$DSN/full_run" \
    --workers "$PG_WORKERS" --no-verify -q --report "$WORK/full-pg.json"
}
est_sqlite() {
  load estimate
  "$BIN" estimate --profile "$PROFILE" --production-users "$USERS" --sample "$SAMPLE" \
    --target "sqlite:$WORK/est.db" --workers 1,2 --repeat "$REPEAT" --report "$WORK/est-sqlite.json" -q ${EST_OPTS:-}
}
full_sqlite() {
  load "full run"
  rm -f "$WORK"/full.db*
  "$BIN" rehearse --profile "$PROFILE" --users "$USERS" --target "sqlite:$WORK/full.db" \
    --no-verify -q --report "$WORK/full-sqlite.json"
}

for round in $(seq "$ROUNDS"); do
  for t in $TARGETS; do
    case $t in
    pg)
      $PSQL postgres -c "DROP DATABASE IF EXISTS est" -c "DROP DATABASE IF EXISTS full_run" \
        -c "CREATE DATABASE est" -c "CREATE DATABASE full_run"
      if [ $((round % 2)) = 1 ]; then est_pg; full_pg; else full_pg; est_pg; fi
      compare PostgreSQL "$WORK/est-pg.json" "$WORK/full-pg.json" "$PG_WORKERS"
      keep pg "$round"
      ;;
    sqlite)
      if [ $((round % 2)) = 1 ]; then est_sqlite; full_sqlite; else full_sqlite; est_sqlite; fi
      compare SQLite "$WORK/est-sqlite.json" "$WORK/full-sqlite.json" 1
      keep sqlite "$round"
      ;;
    esac
  done
done
