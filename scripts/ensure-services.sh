#!/usr/bin/env bash
# Makes sure what the tests need is here: PostgreSQL reachable (DATABASE_URL, else a local server on
# 127.0.0.1:5432 with trust auth and a `test` database), Redis on 127.0.0.1:6379 (the benchmark's
# connect-redis variant), and Chromium for the browser test. Installs from
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
