#!/usr/bin/env bash
# `understudy estimate --target mysql://…` checked against the real thing, in
# one run on one machine: estimate N users from a sample (default 5 % of N)
# into a MariaDB server started here (benches/compare/mariadb_server.sh, its
# a 4 GiB InnoDB buffer pool unless MARIADB_POOL says otherwise), then rehearse the full N users into
# a fresh database of the same server and compare the projection for the
# worker count the full run used (MY_WORKERS, default 2, rehearse's default)
# with the full run's load phase (`duration_s` of its report). Prints
# projected, range, actual, error % and whether the actual lies inside the
# stated range.
#
# usage: benches/compare/estimate_vs_full_mysql.sh [USERS] [SAMPLE]
#   USERS default 1000000; SAMPLE default 0.5% (anything --sample takes);
#   PROFILE (default saas), MY_WORKERS (default 2), REPEAT (default 3,
#   estimate's --repeat), EST_OPTS (extra estimate flags), ROUNDS (default 1) — estimate/full pairs, the order
#   alternating (estimate first, then the full run first), MARIADB_POOL, MARIADB_OPTS
#   (extra mariadbd options, e.g. --innodb-buffer-pool-size=1G), KEEP=DIR to
#   keep the reports.
# The load average is printed before each phase: on a shared machine it
# explains much of the error.
# Needs: mariadb-install-db, mariadbd, the mariadb client, python3. Run as
# root it starts MariaDB as `nobody` in a temp dir on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${1:-1000000}
SAMPLE=${2:-0.5%}
PROFILE=${PROFILE:-saas}
MY_WORKERS=${MY_WORKERS:-2}
REPEAT=${REPEAT:-3}
ROUNDS=${ROUNDS:-1}
load() { echo "  load average before $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }
. benches/compare/mariadb_server.sh estimate-mysql
echo "MariaDB $($MYSQL -N -e "SELECT VERSION()"), innodb_buffer_pool_size $($MYSQL -N -e "SELECT @@innodb_buffer_pool_size")"

est() {
  load estimate
  "$BIN" estimate --profile "$PROFILE" --production-users "$USERS" --sample "$SAMPLE" \
    --target "$MYDSN/est" --workers 1,2,4 --repeat "$REPEAT" --report "$WORK/est-$1.json" -q ${EST_OPTS:-}
}
full() {
  load "full run"
  "$BIN" rehearse --profile "$PROFILE" --users "$USERS" --target "$MYDSN/full_run" \
    --workers "$MY_WORKERS" --no-verify -q --report "$WORK/full-$1.json"
}

for round in $(seq "$ROUNDS"); do
  $MYSQL -e "DROP DATABASE IF EXISTS est; DROP DATABASE IF EXISTS full_run; CREATE DATABASE est; CREATE DATABASE full_run"
  if [ $((round % 2)) = 1 ]; then est "$round"; full "$round"; else full "$round"; est "$round"; fi
  python3 benches/compare/estimate_error.py "MariaDB (round $round)" \
    "$WORK/est-$round.json" "$WORK/full-$round.json" "$MY_WORKERS"
done
if [ -n "${KEEP:-}" ]; then cp "$WORK"/*.json "$KEEP"/; fi
