#!/usr/bin/env bash
# A throw-away PostgreSQL on 127.0.0.1 for the tests and the scale benchmark.
#
#   eval "$(scripts/pg_temp.sh start)"  -> sets PG_TEMP_DIR and PG_TEMP_URL (postgresql+asyncpg://)
#   scripts/pg_temp.sh stop "$PG_TEMP_DIR" -> stops the server and removes the directory
#
# The directory is a fresh one under ${TMPDIR:-/tmp} (world-traversable, so the postgres user
# can reach it when we run as root).
# Debian's `postgresql` package is installed when no server binaries are found (as root,
# through apt-get). As root, initdb and pg_ctl run as the `postgres` user (runuser) on a data
# directory it owns; otherwise as the current user. fsync is off: the data is disposable and
# speed matters. Any failure exits non-zero with the reason on stderr: never a silent skip.
set -euo pipefail

die() { echo "pg_temp: $*" >&2; exit 1; }

bindir() {
  local dir
  if command -v pg_config >/dev/null 2>&1; then
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  return 1
}

install_postgres() {
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and installing needs root (apt-get install postgresql)"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get"
  echo "pg_temp: installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed"
  apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  local dir bin port
  bin=$(bindir) || { install_postgres; bin=$(bindir) || die "no initdb after installing"; }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vonk-pg.XXXXXX")
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (the Debian package creates it)"
    chown postgres: "$dir"
    chmod 700 "$dir"
  fi
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  port=$(free_port)
  # Sockets only on TCP 127.0.0.1 (no /var/run dependency); fsync off: disposable data.
  local opts="-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir"
  opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  opts+=" -c max_connections=200 -c shared_buffers=128MB"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$opts" start >/dev/null \
    || { cat "$dir/server.log" >&2 2>/dev/null || true; die "pg_ctl start failed"; }
  echo "PG_TEMP_DIR=$dir"
  echo "PG_TEMP_URL=postgresql+asyncpg://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1 bin
  case "$dir" in */vonk-pg.*) ;; *) die "refusing to remove $dir (not made by start)" ;; esac
  if [ -d "$dir/data" ] && bin=$(bindir); then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; stop "$2" ;;
  *) die "usage: $0 start | stop DIR" ;;
esac
