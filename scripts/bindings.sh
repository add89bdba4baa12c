#!/usr/bin/env bash
# Builds the core for this host and generates its Kotlin and Swift bindings
# (uniffi library mode) into target/bindings/{kotlin,swift}.
#   scripts/bindings.sh              host build with the test hooks (feature `testing`)
#   scripts/bindings.sh LIBRARY      bindings of an already built library (phones)
# Kotlin: one package per crate (org.lifecert.{domain,liveness,testing} and org.lifecert.core for the app).
# Swift: one module, LifeCertCore, made of one source file per crate, each
# over its own C header; swift/headers/module.modulemap declares them all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Where cargo builds (CARGO_TARGET_DIR, as cargo itself reads it).
target="${CARGO_TARGET_DIR:-target}"
lib="${1:-}"
if [ -z "$lib" ]; then
  # Same target selection as `cargo test --workspace`, so dev-dependency
  # features unify the same way and the heavy tract crates are not built twice.
  cargo build --workspace --all-targets --features lifecert-ffi/testing
  lib="$target/debug/liblifecert.so"
  [ "$(uname)" = Darwin ] && lib="$target/debug/liblifecert.dylib"
fi
# The binary the workspace build made: `cargo run -p` would resolve features
# for that package alone and rebuild shared dependencies.
bindgen="$target/debug/uniffi-bindgen"
[ -x "$bindgen" ] || cargo build --workspace --all-targets
config=bindings/uniffi-bindgen/uniffi.toml

rm -rf "$target/bindings/kotlin" "$target/bindings/swift"
"$bindgen" generate --library "$lib" --language kotlin --no-format \
  --config "$config" --out-dir "$target/bindings/kotlin"

swift="$target/bindings/swift"
mkdir -p "$swift/headers"
: >"$swift/headers/module.modulemap"
crates="lifecert_domain lifecert_liveness lifecert_app"
# The test hooks' crate is in the library only when it was built with them.
nm -g "$lib" 2>/dev/null | grep -q uniffi_lifecert_fn_ && crates="$crates lifecert"
for crate in $crates; do
  tmp="$swift/tmp-$crate"
  "$bindgen" generate --library "$lib" --crate "$crate" --language swift --no-format \
    --config "$config" --out-dir "$tmp"
  mv "$tmp/LifeCertCore.swift" "$swift/LifeCertCore+$crate.swift"
  mv "$tmp"/*.h "$swift/headers/"
  { cat "$tmp"/*.modulemap; echo; } >>"$swift/headers/module.modulemap"
  rm -rf "$tmp"
done
echo "bindings: $(find "$target/bindings" -type f | sort | tr '\n' ' ')"
