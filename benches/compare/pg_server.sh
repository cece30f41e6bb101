# Sourced by the PostgreSQL comparison scripts: builds understudy, then starts
# a throwaway PostgreSQL server (as `nobody` when run as root, since initdb
# refuses root) on a free loopback port, stopped and removed on exit.
# Sets BIN, WORK, PGBIN, PORT, PSQL and as_pg. Usage: . pg_server.sh NAME
# BIN set: that binary, no build (a timed run through /work/tools/quiet must not compile).
if [ -z "${BIN:-}" ]; then cargo build --release -q; fi
BIN=${BIN:-$PWD/target/release/understudy}
WORK=$(mktemp -d "/tmp/understudy-$1.XXXXXX")
chmod 755 "$WORK"
PGBIN=$(dirname "$(readlink -f "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")")
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/pg"; [ "$(id -u)" = 0 ] && chown nobody "$WORK/pg"
cleanup() { as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U bench --auth=trust -E UTF8 --locale=C >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -o "-p $PORT -c listen_addresses=127.0.0.1 -k $WORK/pg" -l "$WORK/pg/log" -w start >/dev/null
PSQL="psql -X -q -h 127.0.0.1 -p $PORT -U bench"
