#!/usr/bin/env bash
# Starts an S3-compatible server (moto, from PyPI) on 127.0.0.1:$S3PORT
# (default 54330) for certd's tests and prints its URL. `scripts/s3.sh stop`
# stops it.
set -euo pipefail
port="${S3PORT:-54330}"
venv="${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/moto-venv"
pidfile="/tmp/lifecert-s3.pid"
if [ "${1:-}" = stop ]; then
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
  exit 0
fi
if [ ! -x "$venv/bin/moto_server" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "moto[server]==5.1.4" >&2
fi
if ! curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1; then
  nohup "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >/tmp/lifecert-s3.log 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.5; done
fi
echo "http://127.0.0.1:$port"
