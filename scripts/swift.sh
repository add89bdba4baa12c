#!/usr/bin/env bash
# The Swift package ios/LifeCertKit on Linux: the generated bindings, the view
# model and its XCTest journeys against the host-built library and a real
# certd (the same journeys as the Kotlin ones). SwiftUI views are not built here.
#
# Debian 12 has no Swift compiler; Debian 13 (trixie) has swiftlang 6.0.3, so
# this keeps a trixie chroot, made once with debootstrap (needs root), and
# builds and tests in it. The repository is bind-mounted at its own path.
#   scripts/swift.sh            set up the chroot if needed, swift build, swift test
#   scripts/swift.sh --setup    only make the chroot
#   scripts/swift.sh -- ARGS    ARGS go to `swift test` (e.g. --filter JourneyTests)
# Environment:
#   TARGET_DIR             default ./target: debug/liblifecert.so, debug/certd,
#                          debug/clipgen and bindings/swift as scripts/bindings.sh
#                          left them (a build with the `testing` feature); this
#                          script builds no Rust
#   LIFECERT_SWIFT_CACHE   default /var/cache/lifecert-swift: where the chroot lives
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

cache=${LIFECERT_SWIFT_CACHE:-/var/cache/lifecert-swift}
root=$cache/trixie
packages="swiftlang libc6-dev libstdc++-14-dev"
stamp=$root/.lifecert-ready
started=$(date +%s); last=$started
# Each phase's time, so the step's share of CI's budget can be watched.
lap() {
  local now; now=$(date +%s)
  printf 'swift: %s in %d s\n' "$1" $((now - last))
  last=$now
}

# /proc and /dev for the tools, folders at their own paths; all undone on exit.
mounted=()
unmount_all() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
  done
  mounted=()
}
trap unmount_all EXIT
bind() { # bind SOURCE PATH-IN-CHROOT [ro]
  mkdir -p "$root$2"
  mount --bind "$1" "$root$2"
  mounted+=("$root$2")
  [ "${3:-}" = ro ] && mount -o remount,bind,ro "$root$2"
  return 0
}
# Nothing may be mounted under a folder about to be deleted.
assert_unmounted() {
  if awk -v d="$1" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    echo "swift: something is still mounted under $1; unmount it first" >&2
    exit 1
  fi
}

# The Debian archive this host's apt uses (not its security archive).
debian_mirror() {
  {
    awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }' /etc/apt/sources.list.d/*.sources 2>/dev/null
    awk '$1 == "deb" { print ($2 ~ /^\[/ ? $3 : $2) }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | grep -E '/debian/?$' | head -1 || true
}

setup_chroot() {
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$packages" ]; then
    lap "chroot ready at $root"
    return
  fi
  [ "$(id -u)" = 0 ] || { echo "swift: making the chroot needs root" >&2; exit 1; }
  command -v debootstrap >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  # A half-made chroot (an interrupted run) is made again from the start.
  assert_unmounted "$root"
  rm -rf --one-file-system "$root" "$root.tmp"
  mkdir -p "$cache"
  local mirror
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { echo "swift: no Debian archive in this host's apt sources" >&2; exit 1; }
  echo "swift: debootstrap trixie into $root from $mirror"
  debootstrap --variant=minbase trixie "$root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  assert_unmounted "$root.tmp"
  mv "$root.tmp" "$root"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  bind /proc /proc
  bind /dev /dev
  chroot "$root" sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends $packages >/dev/null && apt-get clean"
  chroot "$root" swift --version
  unmount_all
  echo "$packages" >"$stamp"
  lap "chroot made (debootstrap, $packages)"
}

setup_chroot
[ "${1:-}" = --setup ] && exit 0
[ "${1:-}" = -- ] && shift
test_args=("$@")

target=$(realpath "${TARGET_DIR:-target}")
for f in debug/liblifecert.so debug/certd debug/clipgen bindings/swift/headers/module.modulemap; do
  [ -e "$target/$f" ] || { echo "swift: $target/$f is missing: run scripts/bindings.sh first" >&2; exit 1; }
done
# The journeys feed recorded frames with the testing hooks' pushEncoded.
grep -q 'func pushEncoded' "$target"/bindings/swift/LifeCertCore+lifecert_app.swift ||
  { echo "swift: $target/bindings/swift is of a library without the testing hooks" >&2; exit 1; }

# The generated sources where the package compiles them (not checked in):
# the Swift in LifeCertCore, the C headers and their modulemap as the
# LifeCertCoreFFI system library. Apple's `use "Darwin"` has no module here.
pkg=ios/LifeCertKit
rm -f $pkg/Sources/LifeCertCore/*.swift $pkg/Sources/LifeCertCoreFFI/*.h $pkg/Sources/LifeCertCoreFFI/module.modulemap
cp "$target"/bindings/swift/*.swift $pkg/Sources/LifeCertCore/
cp "$target"/bindings/swift/headers/*.h $pkg/Sources/LifeCertCoreFFI/
grep -v 'use "Darwin"' "$target/bindings/swift/headers/module.modulemap" >$pkg/Sources/LifeCertCoreFFI/module.modulemap

# certd and clipgen were built on this host (Debian 12): inside the chroot
# they run with the host's copies of the libraries they link beyond glibc and
# the C++ runtime (dlib, OpenBLAS, LAPACK, libpng...), which trixie names differently.
hostlibs=$cache/host-libs
rm -rf "$hostlibs" && mkdir -p "$hostlibs"
for bin in "$target/debug/certd" "$target/debug/clipgen"; do
  ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }'
done | sort -u | while read -r soname path; do
  case $soname in
    libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libgcc_s.so.*|libstdc++.so.*|ld-linux*) ;;
    *) cp -L "$path" "$hostlibs/$soname" ;;
  esac
done

# The repository (sources, fixtures, models) and the target folder at their
# own paths: certd finds its demo photos by the path it was built at.
# A target folder outside the repository: its parent read-only, mounted
# first so the repository's own (writable) mount is not covered by it.
case "$target/" in
  "$repo"/*) ;;
  *) workspace=$(dirname "$target"); bind "$workspace" "$workspace" ro ;;
esac
bind "$repo" "$repo"
bind "$hostlibs" "$hostlibs" ro
bind /proc /proc
bind /dev /dev
tmp=$(mktemp -d "$root/tmp/lifecert-swift.XXXXXX")
lap "bindings copied, folders mounted"

# Runs a command in the package folder inside the chroot (for at most $limit
# seconds when set).
in_chroot() {
  timeout -k 10 "${limit:-0}" chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR="${tmp#"$root"}" \
    LANG=C.UTF-8 LIFECERT_LIB_DIR="$target/debug" LD_LIBRARY_PATH="$target/debug" \
    LIFECERT_REPO="$repo" LIFECERT_TARGET_DIR="$target" LIFECERT_HOST_LIBS="$hostlibs" \
    sh -c 'cd "$1" && shift && exec "$@"' sh "$repo/$pkg" "$@"
}

set +e
# Compiler progress lines left out; warnings and errors shown.
in_chroot swift build --build-tests 2>&1 | grep -v '^\[[0-9]*/[0-9]*\]'
status=${PIPESTATUS[0]}
set -e
[ "$status" = 0 ] || { echo "swift: swift build failed" >&2; exit 1; }
lap "swift build --build-tests"

log=$tmp/test.log
set +e
# XCTest only: the package has no swift-testing tests.
# Bounded: a journey that hangs (a wait with no timeout of its own) ends the step.
limit=900 in_chroot swift test --skip-build --disable-swift-testing "${test_args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
lap "swift test"

# Tests, not assertions (XCTest's "with N failures" counts failed assertions).
passed=$(grep -cE "^Test Case '.*' passed" "$log" || true)
failed=$(grep -cE "^Test Case '.*' failed" "$log" || true)
total=$((passed + failed))
printf 'swift: %d passed, %d failed (%d s in all)\n' "$passed" "$failed" $(($(date +%s) - started))
rm -rf "$tmp"
[ "$status" = 0 ] && [ "$total" -gt 0 ] && [ "$failed" = 0 ]
