#!/usr/bin/env bash
# The architecture, checked: certd links neither uniffi nor the app's HTTP
# client (reqwest only under object_store); the phone library built alone has
# no test hooks; neither links tract; the `lifecert` command links no dlib. Run after a workspace
# build (it reads target/debug/lifecert); takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
fail() { echo "layering: $*" >&2; exit 1; }

# What depends on $1 in certd's graph ($2: edge kinds); empty when nothing does.
dependents() { cargo tree -q -p lifecert-server -e "$2" -i "$1" 2>/dev/null || true; }
[ -z "$(dependents uniffi normal,build,dev)" ] || fail "certd depends on uniffi: $(dependents uniffi normal,build,dev | head -5)"
[ -z "$(dependents lifecert-app normal,build)" ] || fail "certd depends on the app crate"
reqwest_parents=$(cargo tree -q -p lifecert-server -e normal -i reqwest --depth 1 | tail -n +2 | sed 's/^[^a-z]*//' | cut -d' ' -f1 | sort -u)
[ "$reqwest_parents" = "object_store" ] || fail "reqwest reaches certd through: $reqwest_parents"
# Features as a release build of the phone library alone resolves them.
if cargo tree -q -p lifecert-ffi -e features -i lifecert-app | grep -q '"testing"'; then
  fail "lifecert-ffi built alone turns on the app's test hooks"
fi
# The networks are read and run by the core itself; tract is the tests' reference.
for pkg in lifecert-ffi lifecert-server; do
  if cargo tree -q -p "$pkg" -e normal,build -i tract-onnx >/dev/null 2>&1; then
    fail "$pkg links tract: $(cargo tree -q -p "$pkg" -e normal,build -i tract-onnx | head -5)"
  fi
done
libs=$(find crates server cli -name Cargo.toml -exec grep -l 'crate-type' {} + || true)
[ -z "$libs" ] || fail "only bindings/lifecert-ffi may build a cdylib/staticlib: $libs"
[ -x target/debug/lifecert ] || fail "build the workspace first (target/debug/lifecert)"
if ldd target/debug/lifecert | grep -Eq 'blas|lapack|dlib' || nm -C target/debug/lifecert | grep -q 'dlib_face_recognition'; then
  fail "the lifecert command links dlib"
fi
echo "layering: ok (certd: no uniffi, no app, reqwest only via object_store; phone library without test hooks; neither with tract; lifecert without dlib)"
