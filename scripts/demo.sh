#!/usr/bin/env bash
# The main job: installs what is missing (scripts/setup.sh), then runs the whole
# app journey against an in-process certd (see cli/src/demo.rs).
# Extra arguments go to `lifecert-demo` (e.g. --lang en, --server URL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
# The same build as the tests (`cargo run -p` would resolve features for the
# CLI alone and rebuild shared dependencies): after `scripts/test.sh` this
# builds nothing.
source scripts/cargo-env.sh
cargo build -q "${features[@]}" --all-targets >&2
exec "${CARGO_TARGET_DIR:-target}/debug/lifecert-demo" "$@"
