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
#   ESTIMATES (default 1) — estimates per round, each compared with the
#   round's one full load (all before it, or all after it): the estimate's
#   own spread, apart from the full load's (kept as est-T-R-E.json).
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

ESTIMATES=${ESTIMATES:-1}
compare() { python3 benches/compare/estimate_error.py "$@"; }
# KEEP=DIR keeps each round's reports (est-T-R[-E].json, full-T-R.json).
keep() {
  if [ -n "${KEEP:-}" ]; then
    if [ "$ESTIMATES" = 1 ]; then
      cp "$WORK/est-$1.json" "$KEEP/est-$1-$2.json"
    else
      for e in $(seq "$ESTIMATES"); do cp "$WORK/est-$1-$e.json" "$KEEP/est-$1-$2-$e.json"; done
    fi
    cp "$WORK/full-$1.json" "$KEEP/full-$1-$2.json"
  fi
}
# ESTIMATES > 1: the estimates one after the other, each report kept apart.
many() {
  if [ "$ESTIMATES" = 1 ]; then "est_$1"; return; fi
  for e in $(seq "$ESTIMATES"); do "est_$1"; mv "$WORK/est-$1.json" "$WORK/est-$1-$e.json"; done
}
compare_all() {
  if [ "$ESTIMATES" = 1 ]; then compare "$1" "$WORK/est-$2.json" "$WORK/full-$2.json" "$3"; return; fi
  for e in $(seq "$ESTIMATES"); do compare "$1 (estimate $e)" "$WORK/est-$2-$e.json" "$WORK/full-$2.json" "$3"; done
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
      if [ $((round % 2)) = 1 ]; then many pg; full_pg; else full_pg; many pg; fi
      compare_all PostgreSQL pg "$PG_WORKERS"
      keep pg "$round"
      ;;
    sqlite)
      if [ $((round % 2)) = 1 ]; then many sqlite; full_sqlite; else full_sqlite; many sqlite; fi
      compare_all SQLite sqlite 1
      keep sqlite "$round"
      ;;
    esac
  done
done
