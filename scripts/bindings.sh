#!/usr/bin/env bash
# Builds the core for this host and generates its Kotlin and Swift bindings
# (uniffi library mode) into target/bindings/{kotlin,swift}.
# Android/iOS builds run the same bindgen on their own cross-built library.
set -euo pipefail
cd "$(dirname "$0")/.."

profile_dir=debug
# Same target selection as `cargo test --workspace`, so dev-dependency features
# unify the same way and the heavy tract crates are not built twice.
cargo build --workspace --all-targets
lib="target/${profile_dir}/liblifecert.so"
[ "$(uname)" = Darwin ] && lib="target/${profile_dir}/liblifecert.dylib"

for lang in kotlin swift; do
  rm -rf "target/bindings/${lang}"
  # The binary the workspace build just made: `cargo run -p` would resolve
  # features for that package alone and rebuild shared dependencies.
  "target/${profile_dir}/uniffi-bindgen" generate --library "$lib" --language "$lang" \
    --no-format --config uniffi/uniffi.toml --out-dir "target/bindings/${lang}"
done
echo "bindings: $(find target/bindings -type f | sort | tr '\n' ' ')"
