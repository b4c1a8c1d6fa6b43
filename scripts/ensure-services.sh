#!/usr/bin/env bash
# Makes sure what the tests need is here: PostgreSQL reachable (DATABASE_URL, else a local server on
# 127.0.0.1:5432 with trust auth and a `test` database), PgBouncer in front of it in session mode on
# 127.0.0.1:6432 and transaction mode on 127.0.0.1:6433 (the pooler suites), Redis on 127.0.0.1:6379 (the
# benchmark's connect-redis variant), and Chromium for the browser test. Installs from
# Debian's packages where missing, starts what is down, and fails loudly when none of that works.
set -euo pipefail

log() { printf '[ensure-services] %s\n' "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_UPDATED=0
apt_install() {
  [ "$APT_UPDATED" -eq 1 ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_ready() { # host port seconds
  for _ in $(seq 1 "$3"); do pg_isready -q -h "$1" -p "$2" && return 0; sleep 1; done
  return 1
}

if [ -n "${DATABASE_URL:-}" ]; then
  command -v pg_isready >/dev/null || apt_install postgresql-client
  pg_isready -q -d "$DATABASE_URL" -t 10 || die "DATABASE_URL is set but its server does not answer."
  log "PostgreSQL at DATABASE_URL is ready."
else
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL is not installed: installing it from Debian's packages."
    apt_install postgresql postgresql-client
  fi
  command -v pg_isready >/dev/null || apt_install postgresql-client
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    log "PostgreSQL $version is down: starting it."
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_ready 127.0.0.1 5432 60 || die "PostgreSQL $version did not start on 127.0.0.1:5432."
  fi
  # The tests connect as postgres without a password over TCP; a fresh Debian install wants one.
  if ! psql -h 127.0.0.1 -U postgres -d postgres -w -Atc 'select 1' >/dev/null 2>&1; then
    log "Allowing trust auth for postgres on loopback (fresh install)."
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    for _ in $(seq 1 20); do
      psql -h 127.0.0.1 -U postgres -d postgres -w -Atc 'select 1' >/dev/null 2>&1 && break
      sleep 0.5
    done
    psql -h 127.0.0.1 -U postgres -d postgres -w -Atc 'select 1' >/dev/null || die "cannot log in as postgres on 127.0.0.1."
  fi
  if [ "$(psql -h 127.0.0.1 -U postgres -d postgres -w -Atc "select 1 from pg_database where datname = 'test'")" != "1" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -w -qc 'create database test' || die "cannot create database test."
  fi
  log "PostgreSQL $version is ready on 127.0.0.1:5432."
fi

# PgBouncer: Debian's (1.18, no max_prepared_statements), two instances over the same server, one per pool
# mode, each with its own config, pid and log under $PGB_DIR, owned by postgres (PgBouncer refuses to run
# as root). trust here, so the server must trust the user too (it does on loopback above).
PGB_DIR=/tmp/pgstore-pgbouncer
pg_target() { # prints "host port user" of DATABASE_URL, else of the local server
  local url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}" rest auth hostport host port user
  rest="${url#*://}"; rest="${rest%%[/?]*}"
  auth=""; [[ "$rest" == *@* ]] && { auth="${rest%@*}"; rest="${rest##*@}"; }
  user="${auth%%:*}"; hostport="$rest"
  if [[ "$hostport" == \[*\]* ]]; then host="${hostport%%]*}]"; port="${hostport##*]:}"; [ "$port" = "$hostport" ] && port=5432
  else host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5432; fi
  printf '%s %s %s\n' "${host:-127.0.0.1}" "${port:-5432}" "${user:-postgres}"
}
# The pool mode an instance on $1 reports on its admin console, or nothing when none answers.
pgb_mode() { psql -h 127.0.0.1 -p "$1" -U postgres -d pgbouncer -w -Atc 'show config' 2>/dev/null | awk -F'|' '$1 == "pool_mode" { print $2 }' || true; }
start_pgbouncer() { # mode port
  local mode="$1" port="$2" ini="$PGB_DIR/$1.ini" current
  current="$(pgb_mode "$port")"
  if [ "$current" = "$mode" ]; then log "PgBouncer ($mode mode) is already answering on 127.0.0.1:$port."; return 0; fi
  [ -z "$current" ] || die "127.0.0.1:$port answers as PgBouncer in $current mode, not $mode: stop it (Debian's service: /etc/init.d/pgbouncer stop)."
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "127.0.0.1:$port is taken by something that is not a PgBouncer with admin_users = postgres: free the port."
  fi
  read -r host port_db user < <(pg_target)
  cat >"$ini" <<INI
[databases]
* = host=$host port=$port_db
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pidfile = $PGB_DIR/$mode.pid
logfile = $PGB_DIR/$mode.log
auth_type = trust
auth_file = $PGB_DIR/userlist.txt
admin_users = postgres
pool_mode = $mode
default_pool_size = 20
max_client_conn = 500
server_idle_timeout = 30
INI
  printf '"postgres" ""\n"%s" ""\n' "$user" >"$PGB_DIR/userlist.txt"
  chown postgres:postgres "$ini" "$PGB_DIR/userlist.txt" 2>/dev/null || $SUDO chown postgres:postgres "$ini" "$PGB_DIR/userlist.txt"
  $SUDO pgbouncer -d -u postgres "$ini" || die "PgBouncer ($mode mode) did not start; see $PGB_DIR/$mode.log."
  for _ in $(seq 1 40); do [ "$(pgb_mode "$port")" = "$mode" ] && break; sleep 0.25; done
  [ "$(pgb_mode "$port")" = "$mode" ] || die "PgBouncer ($mode mode) does not answer on 127.0.0.1:$port; see $PGB_DIR/$mode.log."
  psql -h 127.0.0.1 -p "$port" -U "$user" -d postgres -w -Atc 'select 1' >/dev/null \
    || die "PgBouncer ($mode mode) on 127.0.0.1:$port cannot reach PostgreSQL at $host:$port_db; see $PGB_DIR/$mode.log."
  log "PgBouncer ($mode mode) is ready on 127.0.0.1:$port."
}
command -v pgbouncer >/dev/null || { log "Installing pgbouncer from Debian's packages."; apt_install pgbouncer; }
command -v pgbouncer >/dev/null || die "could not install pgbouncer from Debian's packages."
log "$(pgbouncer --version | head -n 1)"
$SUDO mkdir -p "$PGB_DIR" && $SUDO chown postgres:postgres "$PGB_DIR"
start_pgbouncer session 6432
start_pgbouncer transaction 6433

redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! redis_up; then
  command -v redis-server >/dev/null || { log "Installing redis-server from Debian's packages."; apt_install redis-server; }
  log "Redis is down: starting it."
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 40); do redis_up && break; sleep 0.25; done
  redis_up || die "Redis did not start on 127.0.0.1:6379."
fi
log "Redis is ready on 127.0.0.1:6379."

if [ ! -x /usr/bin/chromium ]; then
  log "Installing Debian's chromium for the browser test."
  apt_install chromium || die "could not install chromium from Debian's packages."
fi
log "Chromium: $(/usr/bin/chromium --version 2>/dev/null || echo unknown)"
