# Sourced by the LDAP comparison scripts: builds understudy, then prepares a
# throwaway OpenLDAP directory in a temp dir (core, cosine, inetorgperson
# schemas; argon2, pw-sha2, pw-pbkdf2 modules; an mdb database for
# dc=example,dc=org with `dbnosync`), its slapd.conf converted to slapd.d by
# slaptest. `slap_load FILE` runs slapadd into it (server stopped),
# `slap_serve` starts slapd on a free loopback port; both as `nobody` when
# run as root. Everything is stopped and removed on exit. The package's own
# slapd (port 389, /etc/ldap) is not touched.
# Sets BIN, WORK, PORT, URL, ROOT_DN, ROOT_PW. Usage: . slapd_server.sh NAME
cargo build --release -q
BIN=$PWD/target/release/understudy
WORK=$(mktemp -d "/tmp/understudy-$1.XXXXXX")
chmod 755 "$WORK"
as_ldap() { if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="ldap://127.0.0.1:$PORT/"
ROOT_DN="cn=admin,dc=example,dc=org"
ROOT_PW="bench-secret"
mkdir -p "$WORK/slap/db" "$WORK/slap/slapd.d"
cat > "$WORK/slap/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload argon2
moduleload pw-sha2
moduleload pw-pbkdf2
pidfile $WORK/slap/slapd.pid
database mdb
maxsize 17179869184
suffix "dc=example,dc=org"
rootdn "$ROOT_DN"
rootpw $ROOT_PW
directory $WORK/slap/db
dbnosync
index objectClass eq
CONF
[ "$(id -u)" = 0 ] && chown -R nobody "$WORK/slap"
slap_cleanup() { [ -f "$WORK/slap/slapd.pid" ] && kill "$(cat "$WORK/slap/slapd.pid")" 2>/dev/null; sleep 1; rm -rf "$WORK"; }
trap slap_cleanup EXIT
# -n 0: convert and check the configuration alone (the database has no files yet).
out=$(as_ldap slaptest -f "$WORK/slap/slapd.conf" -F "$WORK/slap/slapd.d" -n 0 2>&1) || { echo "$out" >&2; exit 1; }
slap_load() { chmod a+r "$1"; as_ldap slapadd -F "$WORK/slap/slapd.d" -l "$1"; }
slap_serve() {
  as_ldap slapd -F "$WORK/slap/slapd.d" -h "$URL" >/dev/null 2>&1
  for _ in $(seq 100); do ldapwhoami -x -H "$URL" -D "$ROOT_DN" -w "$ROOT_PW" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "slapd did not start on $URL" >&2; return 1
}
