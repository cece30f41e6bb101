# Sourced by the MariaDB comparison scripts: builds understudy, then starts a
# throwaway MariaDB server (as `nobody` when run as root) in a temp dir on a
# free loopback port, stopped and removed on exit. LOAD DATA LOCAL is allowed.
# The buffer pool is MARIADB_POOL (default 4G): sized to hold the rehearsal's
# working set, as a production server's would be; 128M (MariaDB's default)
# makes every loader wait on page reads, the peer too.
# Sets BIN, WORK, PORT, MYSQL (client command) and DSN. Usage: . mariadb_server.sh NAME
cargo build --release -q
BIN=$PWD/target/release/understudy
WORK=$(mktemp -d "/tmp/understudy-$1.XXXXXX")
chmod 755 "$WORK"
as_my() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
MYSQLD=$(command -v mariadbd || ls /usr/sbin/mariadbd /usr/sbin/mysqld 2>/dev/null | head -n1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/my"; [ "$(id -u)" = 0 ] && chown nobody "$WORK/my"
cleanup() { [ -f "$WORK/my/pid" ] && kill "$(cat "$WORK/my/pid")" 2>/dev/null; sleep 2; rm -rf "$WORK"; }
trap cleanup EXIT
as_my mariadb-install-db --no-defaults --datadir="$WORK/my/data" --auth-root-authentication-method=normal --skip-test-db >/dev/null
as_my "$MYSQLD" --no-defaults --datadir="$WORK/my/data" --socket="$WORK/my/sock" --port="$PORT" \
  --bind-address=127.0.0.1 --local-infile=1 --innodb-buffer-pool-size="${MARIADB_POOL:-4G}" \
  --log-error="$WORK/my/err.log" --pid-file="$WORK/my/pid" >/dev/null 2>&1 &
for _ in $(seq 60); do [ -S "$WORK/my/sock" ] && break; sleep 0.5; done
mariadb --no-defaults -S "$WORK/my/sock" -u root -e "CREATE USER 'bench'@'127.0.0.1'; GRANT ALL ON *.* TO 'bench'@'127.0.0.1'"
MYSQL="mariadb --no-defaults -h 127.0.0.1 -P $PORT -u bench --local-infile=1"
DSN="mysql://bench@127.0.0.1:$PORT"
