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
#   --challenge A    passed to `lifecert liveness` (default blink,left: the
#                    clip's own actions, so both kinds of frame are timed)
#   --synthetic      make the frames with Pillow even if clipgen works
#   --no-refine      MediaPipe without refine_landmarks (no attention
#                    model: NOT what reliable blinks need, for reference only)
#
# Frames, unless --frames is given: a 15 fps blink+turn clip rendered by
# clipgen from tests/fixtures/faces/astronaut.jpg; if clipgen is not usable,
# 60 frames of the same photo in a 640x480 frame, swaying a little
# (bench/mediapipe_time.py frames).
#
# Ours: `lifecert liveness --frames DIR --fps 15 --challenge A`, whose JSON
# has per-frame medians (face analysis + quality + liveness, decoding
# excluded), wall and thread CPU time, for all analysed frames and split into
# frames that measured the eyes (calibration, blink steps) and mesh-only
# frames (other steps). Theirs: mp.solutions.face_mesh.FaceMesh(
# static_image_mode=False, max_num_faces=1, refine_landmarks=True).process()
# per frame, decoding excluded, wall and process CPU time
# (bench/mediapipe_time.py time). Both run in tracking mode: the detector only
# when needed. Under load (other processes on the core) prefer the CPU figures.
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
CHALLENGE=blink,left
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
        -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
: >"$WORK/ours.jsonl"
: >"$WORK/theirs.jsonl"
for i in $(seq 1 "$PASSES"); do
    say "pass $i/$PASSES"
    taskset -c "$CORE" "$LIFECERT" liveness --frames "$FRAMES" --fps 15 --challenge "$CHALLENGE" \
        >"$WORK/ours.json" 2>"$WORK/ours.err" || true
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps(d))' \
        "$WORK/ours.json" >>"$WORK/ours.jsonl" || { cat "$WORK/ours.err" >&2; exit 1; }
    taskset -c "$CORE" "$PY" "$ROOT/bench/mediapipe_time.py" time "$FRAMES" --passes 1 $REFINE_FLAG \
        2>"$WORK/theirs.err" >>"$WORK/theirs.jsonl" || { cat "$WORK/theirs.err" >&2; exit 1; }
done

RSS=""
if [ -x /usr/bin/time ]; then
    /usr/bin/time -v taskset -c "$CORE" "$LIFECERT" liveness --frames "$FRAMES" --fps 15 \
        --challenge "$CHALLENGE" >/dev/null 2>"$WORK/time.txt" || true
    RSS=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); printf "%.1f", $2 / 1024}' "$WORK/time.txt")
fi

"$PY" - "$WORK/ours.jsonl" "$WORK/theirs.jsonl" "$NFRAMES" "$SIZE" "$CORE" "$RSS" "$CHALLENGE" <<'EOF'
import json, statistics, sys
ours_file, theirs_file, nframes, size, core, rss, challenge = sys.argv[1:]
ours = [json.loads(line) for line in open(ours_file) if line.strip()]
theirs = [json.loads(line) for line in open(theirs_file) if line.strip()]
def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
def fmt(v):
    return "-" if v is None else f"{v:.2f}"
t_wall = med(r["median_ms"] for r in theirs)
t_cpu = med(r["median_cpu_ms"] for r in theirs)
print(f"frames: {nframes} of {size}, both pinned to core {core}, {len(ours)} interleaved passes each")
print(f"lifecert: challenge {challenge}, {ours[0]['frames']} frames analysed per run, "
      f"passed: {ours[0]['passed']}")
print(f"mediapipe: {theirs[0]['runtime']}, faces found in "
      f"{theirs[0]['frames_with_face']}/{theirs[0]['frames']} frames")
print(f"mediapipe runs' medians, wall (ms): {' '.join(str(r['median_ms']) for r in theirs)}; "
      f"cpu (ms): {' '.join(str(r['median_cpu_ms']) for r in theirs)}")
print("median of the runs' per-frame medians (ms), and ratio to mediapipe:")
print(f"  {'':28} {'frames':>6} {'wall':>7} {'ratio':>6} {'cpu':>7} {'ratio':>6}")
print(f"  {'mediapipe':28} {theirs[0]['frames']:>6} {fmt(t_wall):>7} {'':>6} {fmt(t_cpu):>7}")
for key, label in [("all", "lifecert, all frames"),
                   ("with_eyes", "lifecert, with eyes"),
                   ("mesh_only", "lifecert, mesh only")]:
    runs = [r["timing"][key] for r in ours]
    n = runs[0]["frames"]
    if not n:
        print(f"  {label:28} {0:>6}")
        continue
    w, c = med(r["median_ms"] for r in runs), med(r["median_cpu_ms"] for r in runs)
    rw = f"{w / t_wall:.2f}x" if w and t_wall else "-"
    rc = f"{c / t_cpu:.2f}x" if c and t_cpu else "-"
    print(f"  {label:28} {n:>6} {fmt(w):>7} {rw:>6} {fmt(c):>7} {rc:>6}")
    print(f"    runs' medians, wall: {' '.join(fmt(r['median_ms']) for r in runs)}; "
          f"cpu: {' '.join(fmt(r['median_cpu_ms']) for r in runs)}")
if rss:
    print(f"lifecert liveness peak RSS: {rss} MB")
EOF
