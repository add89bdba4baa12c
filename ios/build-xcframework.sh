#!/usr/bin/env bash
# Builds the core for iOS devices and the arm64 simulator, generates its Swift
# bindings, and fills ios/LifeCertCore: Sources/LifeCertCore/LifeCertCore.swift
# and LifeCertCoreFFI.xcframework. Needs macOS with Xcode and rustup.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=ios/LifeCertCore
out=target/bindings/swift
# Match the app's deployment target (project.yml, Package.swift).
export IPHONEOS_DEPLOYMENT_TARGET=16.0

rustup target add aarch64-apple-ios aarch64-apple-ios-sim
for target in aarch64-apple-ios aarch64-apple-ios-sim; do
  cargo build --release -p lifecert --target "$target"
done

# Library mode reads the interface from the built library itself, with the
# repository's own bindgen (same uniffi version as the core).
rm -rf "$out"
cargo run -q -p uniffi-bindgen -- generate \
  --library target/aarch64-apple-ios/release/liblifecert.a \
  --language swift --config uniffi/uniffi.toml --out-dir "$out"

# The C header becomes the clang module the generated Swift imports (LifeCertCoreFFI).
headers="$out/headers"
mkdir -p "$headers"
cp "$out/LifeCertCoreFFI.h" "$headers/"
cp "$out/LifeCertCoreFFI.modulemap" "$headers/module.modulemap"

rm -rf "$pkg/LifeCertCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/liblifecert.a -headers "$headers" \
  -library target/aarch64-apple-ios-sim/release/liblifecert.a -headers "$headers" \
  -output "$pkg/LifeCertCoreFFI.xcframework"

mkdir -p "$pkg/Sources/LifeCertCore"
cp "$out/LifeCertCore.swift" "$pkg/Sources/LifeCertCore/"
echo "ready: $pkg (LifeCertCore.swift + LifeCertCoreFFI.xcframework)"
