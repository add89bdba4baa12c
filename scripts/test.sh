#!/usr/bin/env bash
# Every test of the project, as CI runs it: formatting and lints, the Rust
# tests (core, certd on SQLite then on PostgreSQL, the app-to-server
# journeys), the API fuzzed from its OpenAPI document, the models' checksums,
# the Kotlin bindings on the JVM, and the iOS Swift package (not its SwiftUI
# views) on Linux.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's time and the total, so CI's budget can be watched step by step.
started=$(date +%s); last=$started; current=""
step() {
  local now; now=$(date +%s)
  [ -n "$current" ] && printf '== %s: %d s (disk free: %s)\n' "$current" $((now - last)) "$(df -h . | awk 'NR==2 {print $4}')"
  current="$*"; last=$now
  printf '\n== %s\n' "$*"
}

step "setup"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

# One build of everything, linted while it compiles; every later cargo
# command here (and scripts/demo.sh) reuses it.
source scripts/cargo-env.sh

step "build everything once, with clippy's lints (deny warnings)"
cargo build "${features[@]}" --all-targets

step "layering: what links what (certd, the phone library, the CLI)"
scripts/layering.sh

step "cargo test (SQLite)"
cargo test "${features[@]}"

step "certd API tests on PostgreSQL with evidence in an S3-compatible store"
pg_url="$(scripts/postgres.sh)"
s3_url="$(scripts/s3.sh)"
trap 'scripts/postgres.sh stop; scripts/s3.sh stop' EXIT
CERTD_TEST_POSTGRES="$pg_url" CERTD_TEST_S3="$s3_url" cargo test "${features[@]}" --test api

step "schemathesis against certd's OpenAPI document"
scripts/schemathesis.sh

step "face models match their checksums"
(cd models && grep '\.onnx$' SHA256SUMS | sha256sum --check --strict)
(cd models/dlib && grep '\.dat$' SHA256SUMS | sha256sum --check --strict)

step "Kotlin: the bindings on the JVM, the Android screens on Compose desktop (UI journeys, screenshots, elder-mode rules)"
scripts/bindings.sh
rm -rf android/desktop/target/screenshots
(cd android/desktop && mvn -B -q test -Dsurefire.printSummary=true)
# Maven -q hides Surefire's summary; print the counts from its reports.
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
t = f = e = s = 0
for p in glob.glob("android/desktop/target/surefire-reports/TEST-*.xml"):
    r = ET.parse(p).getroot()
    t += int(r.get("tests")); f += int(r.get("failures")); e += int(r.get("errors")); s += int(r.get("skipped"))
print(f"kotlin: {t - f - e - s} passed, {f + e} failed, {s} skipped")
if t == 0 or f or e:
    raise SystemExit(1)
PY
echo "screenshots: $(find android/desktop/target/screenshots -name '*.png' | wc -l) PNG files under android/desktop/target/screenshots"
step "Swift package on Linux (trixie chroot: view model and journeys against certd)"
# Reuses the library, certd, clipgen and Swift bindings scripts/bindings.sh
# built above; the chroot is made once per machine.
scripts/swift.sh
step "all tests passed"
printf '== total: %d s\n' $(($(date +%s) - started))
# The disk a cold build needs, so CI's room can be watched too.
printf '== target/: %s; free: %s\n' "$(du -sh target | cut -f1)" "$(df -h . | awk 'NR==2 {print $4}')"
