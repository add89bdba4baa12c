#!/usr/bin/env bash
# Side-by-side per-frame cost: LifeCert (`lifecert liveness`) against MediaPipe
# FaceMesh, on the same frames, in the same run, each pinned to the same core.
#
#   bench/compare_mediapipe.sh [--frames DIR]... [--passes N] [--core N]
#                              [--challenge ACTIONS] [--synthetic] [--no-refine]
#                              [--instructions] [--instr-frames N1,N2]
#
#   --frames DIR     a folder of frame_NNN.png|jpg to use; repeat for more
#                    clips (default: the three clips below)
#   --passes N       passes (default 5); a pass runs both sides once on every
#                    clip, one right after the other, which side first
#                    alternating from pass to pass
#   --core N         the CPU core both sides are pinned to (default 0)
#   --challenge A    passed to `lifecert liveness` (default blink,left: the
#                    clipgen clip's own actions, so both kinds of frame are timed)
#   --synthetic      no clipgen clip, the Pillow clips only
#   --no-refine      MediaPipe without refine_landmarks (no attention
#                    model: NOT what reliable blinks need, for reference only)
#   --instructions   also count instructions with valgrind (slow: minutes a
#                    clip): see below
#   --instr-frames N1,N2  the two frame counts for it (default 10,25)
#
# Clips, unless --frames is given: `clipgen` = a 15 fps blink+turn clip
# rendered by clipgen from tests/fixtures/faces/astronaut.jpg (skipped if
# clipgen is not usable); `face150` and `face300` = 60 frames of the same photo
# in a 640x480 frame with the face about 150 and 300 px wide, swaying a little
# (bench/mediapipe_time.py frames).
#
# Ours: `lifecert liveness --frames DIR --fps 15 --challenge A`, whose JSON
# has per-frame medians of the analysis (face analysis + quality + liveness),
# wall and thread CPU time (one thread), for all analysed frames and split into
# frames that measured the eyes (calibration, blink steps) and mesh-only
# frames (other steps), and the same with each frame's file read and decode
# added. Theirs: mp.solutions.face_mesh.FaceMesh(static_image_mode=False,
# max_num_faces=1, refine_landmarks=True).process() per frame, wall and CPU of
# all the process's threads (the graph computes on threads of its own), and the
# same with each frame's Pillow decode added (bench/mediapipe_time.py time).
# Both run in tracking mode: the detector only when needed. Each clip's figure
# per side is the median of the passes' medians; the figure to trust is the
# per-pass ratio ours/theirs (the two runs of a pass are adjacent in time, so
# a slow spell of the host slows both), given as median (min-max).
#
# The machine is watched around every run (/proc/stat, /proc/loadavg): a
# pass is flagged BUSY when another core was more than 10 % busy, steal time
# was above 2 %, or something else used the pinned core more than 10 % of the
# time; the summary is flagged when the load average was above 0.5 when the
# script started. A process sharing the pinned core inflates MediaPipe's CPU
# time as well as its wall time (docs/performance.md, session 11).
#
# --instructions: valgrind (cachegrind, Ir) counts the instructions of every
# thread of each side's whole process on the first N1 and the first N2 frames
# of each clip, and again decoding only (`lifecert liveness --decode-only`,
# `mediapipe_time.py time --decode-only`); per frame = the difference over
# N2 - N1 frames, so start-up and model loading cancel; printed decode
# excluded, decode alone and together. Hardware counters are not needed.
#
# Needs: cargo, python3 3.9-3.12 (mediapipe 0.10.21 wheels), taskset
# (util-linux), valgrind for --instructions. A venv with mediapipe is made once
# under ${XDG_CACHE_HOME:-$HOME/.cache}/lifecert/bench-venv. Peak memory of one
# of our runs is measured when /usr/bin/time exists (Debian package `time`).
# RUSTFLAGS / CARGO_TARGET_DIR are honoured, e.g. to try -C target-cpu=native.
set -euo pipefail

# Before anything of ours runs (builds, frames): the machine's own load.
START_LOAD=$(cut -d' ' -f1 /proc/loadavg)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FRAMES=()
PASSES=5
CORE=0
CHALLENGE=blink,left
SYNTHETIC=0
REFINE_FLAG=()
INSTR=""
INSTR_FRAMES=10,25
while [ $# -gt 0 ]; do
    case "$1" in
        --frames) FRAMES+=("$(cd "$2" && pwd)"); shift 2 ;;
        --passes) PASSES=$2; shift 2 ;;
        --core) CORE=$2; shift 2 ;;
        --challenge) CHALLENGE=$2; shift 2 ;;
        --synthetic) SYNTHETIC=1; shift ;;
        --no-refine) REFINE_FLAG=(--no-refine); shift ;;
        --instructions) INSTR=1; shift ;;
        --instr-frames) INSTR_FRAMES=$2; shift 2 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
command -v taskset >/dev/null || { echo "taskset not found (Debian package util-linux)" >&2; exit 1; }
if [ -n "$INSTR" ]; then
    command -v valgrind >/dev/null || { echo "valgrind not found (Debian package valgrind)" >&2; exit 1; }
fi

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
CLIPS=()
if [ ${#FRAMES[@]} -gt 0 ]; then
    for f in "${FRAMES[@]}"; do CLIPS+=("$(basename "$f")=$f"); done
else
    PHOTO=$ROOT/tests/fixtures/faces/astronaut.jpg
    if [ "$SYNTHETIC" = 0 ] && (cd "$ROOT" && cargo build --quiet --release -p lifecert-clipgen) 2>/dev/null; then
        if "$TARGET/release/clipgen" --photo "$PHOTO" \
            --landmarks "$ROOT/tests/fixtures/faces/reference_landmarks.json" \
            --script blink,left --fps 15 --out "$WORK/clipgen" >/dev/null 2>"$WORK/clipgen.err"; then
            CLIPS+=("clipgen=$WORK/clipgen")
            say "clip clipgen: blink,left clip of astronaut.jpg"
        else
            say "clipgen failed ($(tail -1 "$WORK/clipgen.err")); Pillow clips only"
        fi
    fi
    for w in 150 300; do
        "$PY" "$ROOT/bench/mediapipe_time.py" frames "$WORK/face$w" --photo "$PHOTO" \
            --count 60 --face-width "$w" 2>/dev/null
        CLIPS+=("face$w=$WORK/face$w")
    done
    say "clips face150, face300: astronaut.jpg swaying in a 640x480 frame, face 150 / 300 px (Pillow)"
fi
for c in "${CLIPS[@]}"; do
    dir=${c#*=}
    n=$(find "$dir" -maxdepth 1 -name 'frame_*' | wc -l)
    size=$("$PY" -c 'import sys,glob; from PIL import Image; print("%dx%d" % Image.open(sorted(glob.glob(sys.argv[1] + "/frame_*"))[0]).size)' "$dir")
    say "clip ${c%%=*}: $n frames of $size in $dir"
done

# --- both sides, interleaved, same core ---------------------------------------
# One thread everywhere it can be chosen: MediaPipe's desktop XNNPACK delegate
# already uses 1 thread; these keep any OpenMP / TF / Eigen pool at 1 too, and
# taskset puts every thread either side starts on the one core.
export OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
    RAYON_NUM_THREADS=1 GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2
INSTR_ARGS=()
[ -n "$INSTR" ] && INSTR_ARGS=(--instructions "$INSTR_FRAMES")
"$PY" "$ROOT/bench/compare_mediapipe.py" --lifecert "$LIFECERT" --python "$PY" \
    --mediapipe-time "$ROOT/bench/mediapipe_time.py" --core "$CORE" --passes "$PASSES" \
    --challenge "$CHALLENGE" --work "$WORK" --start-load "$START_LOAD" \
    "${REFINE_FLAG[@]}" "${INSTR_ARGS[@]}" "${CLIPS[@]}"

if [ -x /usr/bin/time ]; then
    first=${CLIPS[0]#*=}
    /usr/bin/time -v taskset -c "$CORE" "$LIFECERT" liveness --frames "$first" --fps 15 \
        --challenge "$CHALLENGE" >/dev/null 2>"$WORK/time.txt" || true
    RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.1f", $2 / 1024}' "$WORK/time.txt")
    echo "lifecert liveness peak RSS (clip ${CLIPS[0]%%=*}): $RSS MB"
fi
