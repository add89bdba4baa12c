#!/usr/bin/env bash
# Fuzzes certd's HTTP API from its own OpenAPI document with schemathesis:
# whatever it sends, the answer must not be a 5xx and must match the document.
# Needs target/debug/certd (cargo build --workspace).
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/st-venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
target/debug/certd demo --listen "127.0.0.1:$port" --data "$data" 2>"$data/certd.log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do curl -sf "$url/healthz" >/dev/null && break; sleep 0.5; done
# A logged-in pensioner, so the private routes are reached too.
curl -sf -X POST "$url/v1/accounts" -H 'content-type: application/json' \
  -d '{"name":"赵桂兰","id_number":"110105194812090023","password":"abc12345","mobile":"13800138000","mobile_again":"13800138000","terms_accepted":true}' >/dev/null
token="$(curl -sf -X POST "$url/v1/sessions" -H 'content-type: application/json' \
  -d '{"id_number":"110105194812090023","password":"abc12345","device_public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}' \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')"
"$venv/bin/schemathesis" run "$url/openapi.json" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --header "Authorization: Bearer $token" \
  --max-examples 25 --workers 1 --request-timeout 30 --warnings off
if grep -q ' ERROR ' "$data/certd.log"; then
  echo "certd logged errors:" >&2; grep ' ERROR ' "$data/certd.log" >&2; exit 1
fi
