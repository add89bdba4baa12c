#!/usr/bin/env bash
# Side-by-side per-frame timing: LifeCert (tract) against MediaPipe FaceMesh,
# on the same frames, in the same run, each pinned to the same single core.
#
#   bench/compare_mediapipe.sh [--frames DIR] [--passes N] [--core N]
#                              [--challenge ACTIONS] [--synthetic] [--no-refine]
#
#   --frames DIR     frame_NNN.png|jpg to use (default: made here, see below)
#   --passes N       runs of each side, interleaved (default 5); the figure
#                    reported per side is the median of the runs' medians
#   --core N         the CPU core both sides are pinned to (default 0)
#   --challenge A    passed to `lifecert liveness` (default blink)
#   --synthetic      make the frames with Pillow even if clipgen works
#   --no-refine      MediaPipe without refine_landmarks (no iris/attention
#                    model: NOT what reliable blinks need, for reference only)
#
# Frames, unless --frames is given: a 15 fps blink+turn clip rendered by
# clipgen from tests/fixtures/faces/astronaut.jpg; if clipgen is not usable,
# 60 frames of the same photo in a 640x480 frame, swaying a little
# (bench/mediapipe_time.py frames).
#
# Ours: `lifecert liveness --frames DIR --fps 15 --challenge blink`, whose JSON
# has `median_analysis_ms` (face analysis + quality + liveness per frame,
# decoding excluded). Theirs: mp.solutions.face_mesh.FaceMesh(
# static_image_mode=False, max_num_faces=1, refine_landmarks=True).process()
# per frame, decoding excluded (bench/mediapipe_time.py time). Both run in
# tracking mode: the detector only when needed.
#
# Needs: cargo, python3 3.9-3.12 (mediapipe 0.10.21 wheels), taskset
# (util-linux). A venv with mediapipe is made once under
# ${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/bench-venv. Peak memory of one of
# our runs is measured when /usr/bin/time exists (Debian package `time`).
# RUSTFLAGS / CARGO_TARGET_DIR are honoured, e.g. to try -C target-cpu=native.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FRAMES=""
PASSES=5
CORE=0
CHALLENGE=blink
SYNTHETIC=0
REFINE_FLAG=""
while [ $# -gt 0 ]; do
    case "$1" in
        --frames) FRAMES=$(cd "$2" && pwd); shift 2 ;;
        --passes) PASSES=$2; shift 2 ;;
        --core) CORE=$2; shift 2 ;;
        --challenge) CHALLENGE=$2; shift 2 ;;
        --synthetic) SYNTHETIC=1; shift ;;
        --no-refine) REFINE_FLAG=--no-refine; shift ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
command -v taskset >/dev/null || { echo "taskset not found (Debian package util-linux)" >&2; exit 1; }

say() { echo "== $*" >&2; }

# --- MediaPipe venv --------------------------------------------------------
VENV=${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/bench-venv
PY=$VENV/bin/python
if ! "$PY" -c 'import mediapipe, PIL' 2>/dev/null; then
    say "making the MediaPipe venv in $VENV"
    mkdir -p "$(dirname "$VENV")"
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet mediapipe==0.10.21 pillow
fi

# --- our CLI -----------------------------------------------------------------
say "building lifecert-cli (release)"
(cd "$ROOT" && cargo build --quiet --release -p lifecert-cli)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LIFECERT=$TARGET/release/lifecert

# --- frames ------------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lifecert-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
if [ -z "$FRAMES" ]; then
    FRAMES=$WORK/frames
    PHOTO=$ROOT/tests/fixtures/faces/astronaut.jpg
    made=0
    if [ "$SYNTHETIC" = 0 ] && (cd "$ROOT" && cargo build --quiet --release -p lifecert-clipgen) 2>/dev/null; then
        if "$TARGET/release/clipgen" --photo "$PHOTO" \
            --landmarks "$ROOT/tests/fixtures/faces/reference_landmarks.json" \
            --script blink,left --fps 15 --out "$FRAMES" >/dev/null 2>"$WORK/clipgen.err"; then
            made=1
            say "frames: clipgen blink,left clip of astronaut.jpg"
        else
            say "clipgen failed ($(tail -1 "$WORK/clipgen.err")); making frames with Pillow"
            rm -rf "$FRAMES"
        fi
    fi
    if [ "$made" = 0 ]; then
        "$PY" "$ROOT/bench/mediapipe_time.py" frames "$FRAMES" --photo "$PHOTO" --count 60
        say "frames: astronaut.jpg swaying in a 640x480 frame (Pillow)"
    fi
fi
NFRAMES=$(find "$FRAMES" -maxdepth 1 -name 'frame_*' | wc -l)
SIZE=$("$PY" -c 'import sys,glob; from PIL import Image; print("%dx%d" % Image.open(sorted(glob.glob(sys.argv[1] + "/frame_*"))[0]).size)' "$FRAMES")
say "$NFRAMES frames of $SIZE in $FRAMES"

# --- both sides, interleaved, same core ---------------------------------------
# One thread everywhere: MediaPipe's desktop XNNPACK delegate already uses 1
# thread; these keep any OpenMP / TF / Eigen pool at 1 too, and taskset puts
# every thread either side starts on the one core.
export OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
    RAYON_NUM_THREADS=1 GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2
: >"$WORK/ours.txt"
: >"$WORK/theirs.jsonl"
for i in $(seq 1 "$PASSES"); do
    say "pass $i/$PASSES"
    taskset -c "$CORE" "$LIFECERT" liveness --frames "$FRAMES" --fps 15 --challenge "$CHALLENGE" \
        >"$WORK/ours.json" 2>"$WORK/ours.err" || true
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["median_analysis_ms"], d["frames"], d["passed"])' \
        "$WORK/ours.json" >>"$WORK/ours.txt" || { cat "$WORK/ours.err" >&2; exit 1; }
    taskset -c "$CORE" "$PY" "$ROOT/bench/mediapipe_time.py" time "$FRAMES" --passes 1 $REFINE_FLAG \
        2>"$WORK/theirs.err" >>"$WORK/theirs.jsonl" || { cat "$WORK/theirs.err" >&2; exit 1; }
done

RSS=""
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v taskset -c "$CORE" "$LIFECERT" liveness --frames "$FRAMES" --fps 15 \
        --challenge "$CHALLENGE" >/dev/null 2>"$WORK/time.txt" || true
    RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.1f", $2 / 1024}' "$WORK/time.txt")
fi

"$PY" - "$WORK/ours.txt" "$WORK/theirs.jsonl" "$NFRAMES" "$SIZE" "$CORE" "$RSS" <<'EOF'
import json, statistics, sys
ours_file, theirs_file, nframes, size, core, rss = sys.argv[1:]
ours = [line.split() for line in open(ours_file) if line.strip()]
theirs = [json.loads(line) for line in open(theirs_file) if line.strip()]
o = statistics.median(float(r[0]) for r in ours)
t = statistics.median(r["median_ms"] for r in theirs)
print(f"frames: {nframes} of {size}, both pinned to core {core}, {len(ours)} interleaved passes each")
print(f"lifecert  runs' medians (ms): {' '.join(r[0] for r in ours)}  "
      f"(frames analysed per run: {ours[0][1]}, challenge passed: {ours[0][2]})")
print(f"mediapipe runs' medians (ms): {' '.join(str(r['median_ms']) for r in theirs)}  "
      f"({theirs[0]['runtime']}, faces found in {theirs[0]['frames_with_face']}/{theirs[0]['frames']} frames)")
print(f"tracking median: lifecert {o:.1f} ms, mediapipe {t:.1f} ms, ratio {o / t:.2f}x")
if rss:
    print(f"lifecert liveness peak RSS: {rss} MB")
EOF
