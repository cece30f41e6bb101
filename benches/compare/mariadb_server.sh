# Sourced by the MySQL/MariaDB comparison scripts: builds understudy, then
# starts a throwaway MariaDB server (mariadb-install-db into a temp dir;
# mariadbd as `nobody` when run as root) on a free loopback port and a Unix
# socket, stopped and removed on exit. LOAD DATA LOCAL is allowed.
# The buffer pool is MARIADB_POOL (default 4G): sized to hold the rehearsal's
# working set, as a production server's would be; 128M (MariaDB's default)
# makes every loader wait on page reads, the peer too. MARIADB_OPTS adds
# server options.
# Sets BIN, WORK, PORT, MYBIN (the server), SOCK, MYSQL (the `mariadb` client
# as `bench` over TCP: $MYSQL DB -e "…"; add -N for bare values), DSN and
# MYDSN (mysql://bench@127.0.0.1:PORT, a user allowed everything; append /DB)
# and as_my. Usage: . mariadb_server.sh NAME
# BIN set: that binary, no build (a timed run through /work/tools/quiet must not compile).
if [ -z "${BIN:-}" ]; then cargo build --release -q; fi
BIN=${BIN:-$PWD/target/release/understudy}
WORK=$(mktemp -d "/tmp/understudy-$1.XXXXXX")
chmod 755 "$WORK"
as_my() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
MYBIN=$(command -v mariadbd || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SOCK=$WORK/my/sock
mkdir -p "$WORK/my"; [ "$(id -u)" = 0 ] && chown nobody "$WORK/my"
cleanup() {
  mariadb-admin --no-defaults --socket="$SOCK" -u root shutdown >/dev/null 2>&1 || true
  for _ in $(seq 100); do [ -e "$WORK/my/pid" ] || break; sleep 0.1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
as_my mariadb-install-db --no-defaults --datadir="$WORK/my/data" \
  --auth-root-authentication-method=normal --skip-test-db >/dev/null
# shellcheck disable=SC2086 # MARIADB_OPTS is a list of options
as_my "$MYBIN" --no-defaults --datadir="$WORK/my/data" --socket="$SOCK" \
  --pid-file="$WORK/my/pid" --log-error="$WORK/my/err.log" \
  --port="$PORT" --bind-address=127.0.0.1 --local-infile=1 \
  --innodb-buffer-pool-size="${MARIADB_POOL:-4G}" ${MARIADB_OPTS:-} >/dev/null 2>&1 &
ROOT="mariadb --no-defaults --socket=$SOCK -u root"
for _ in $(seq 300); do $ROOT -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.1; done
$ROOT -e 'SELECT 1' >/dev/null || { cat "$WORK/my/err.log" >&2; exit 1; }
$ROOT -e "CREATE USER 'bench'@'127.0.0.1'; GRANT ALL ON *.* TO 'bench'@'127.0.0.1'"
MYSQL="mariadb --no-defaults -h 127.0.0.1 -P $PORT -u bench --local-infile=1"
DSN="mysql://bench@127.0.0.1:$PORT"
MYDSN=$DSN
