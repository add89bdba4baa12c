#!/usr/bin/env bash
# Builds the core for iOS devices and the arm64 simulator, generates its Swift
# bindings, and fills ios/LifeCertKit: Sources/LifeCertCore/*.swift (one
# per crate) and LifeCertCoreFFI.xcframework. Needs macOS with Xcode and rustup.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=ios/LifeCertKit
out=target/bindings/swift
# Match the app's deployment target (project.yml, Package.swift).
export IPHONEOS_DEPLOYMENT_TARGET=16.0

rustup target add aarch64-apple-ios aarch64-apple-ios-sim
# Release, without the test hooks (feature `testing` stays off).
for target in aarch64-apple-ios aarch64-apple-ios-sim; do
  cargo rustc --release -p lifecert-ffi --lib --crate-type staticlib --target "$target"
done

# Library mode reads the interface from the built library itself, with the
# repository's own bindgen (same uniffi version as the core).
cargo build -p uniffi-bindgen
scripts/bindings.sh target/aarch64-apple-ios/release/liblifecert.a

# The C headers become the clang modules the generated Swift imports.
rm -rf "$pkg/LifeCertCoreFFI.xcframework"
xcodebuild -create-xcframework \
  -library target/aarch64-apple-ios/release/liblifecert.a -headers "$out/headers" \
  -library target/aarch64-apple-ios-sim/release/liblifecert.a -headers "$out/headers" \
  -output "$pkg/LifeCertCoreFFI.xcframework"

rm -f "$pkg"/Sources/LifeCertCore/*.swift
cp "$out"/*.swift "$pkg/Sources/LifeCertCore/"
echo "ready: $pkg (LifeCertCore sources + LifeCertCoreFFI.xcframework)"
