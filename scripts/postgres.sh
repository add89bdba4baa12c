#!/usr/bin/env bash
# Starts a throw-away PostgreSQL cluster on 127.0.0.1:$PGPORT (default 54329)
# for certd's tests and prints its admin URL. Debian's postgresql package
# (installed by scripts/setup.sh) provides the binaries. Stop it with
# `scripts/postgres.sh stop`.
set -euo pipefail
port="${PGPORT:-54329}"
dir="${LIFECERT_PGDATA:-/tmp/lifecert-pg}"
bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
run() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${1:-}" = stop ]; then
  run "$bin/pg_ctl" -D "$dir" stop -m immediate >/dev/null 2>&1 || true
  exit 0
fi
if ! run "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  run "$bin/initdb" -D "$dir" -U certd --auth=trust >/dev/null
  run "$bin/pg_ctl" -D "$dir" -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=on" -l "$dir/log" -w start >/dev/null
fi
echo "postgres://certd@127.0.0.1:$port/postgres"
