#!/usr/bin/env bash
# The main job: installs what is missing (scripts/setup.sh), then runs the whole
# app journey against an in-process certd (see cli/src/journey.rs).
# Extra arguments go to `lifecert-demo` (e.g. --lang en, --server URL).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >&2
exec cargo run -q -p lifecert-cli --bin lifecert-demo -- "$@"
