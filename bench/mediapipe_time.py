#!/usr/bin/env python3
"""Times MediaPipe FaceMesh per frame, for the side-by-side with LifeCert.

Two jobs (run inside the bench venv made by compare_mediapipe.sh):

  mediapipe_time.py frames OUT_DIR --photo PHOTO [--count 60]
      Renders OUT_DIR/frame_000.png ...: the photo scaled so the face is
      about --face-width px wide (default 200, a selfie at arm's length) in a
      640x480 frame, moved, scaled and tilted a little from frame to frame so
      a tracker has real work (the crop changes every frame).  Only used when no --frames folder
      is given and the clipgen binary is not usable.

  mediapipe_time.py time FRAMES_DIR [--passes 5] [--no-refine]
      Decodes every frame_*.png/jpg first (decoding is not timed), then runs
      mp.solutions.face_mesh.FaceMesh(static_image_mode=False,
      max_num_faces=1, refine_landmarks=True) over the clip `passes` times,
      a fresh FaceMesh per pass (so each pass starts with a detection, like
      ours), timing each process() call with perf_counter.  Prints one JSON
      object: the median over every timed frame of every pass, the per-pass
      medians, the median CPU time (all threads, time.process_time) per
      frame, the median of the tracked frames only (the first frame of a
      pass, which runs the detector, left out) and how many frames had a face.

Pin it to one core from outside (taskset -c 0).  MediaPipe's desktop builds
give the TFLite XNNPACK delegate one thread by default
(GetXnnpackDefaultNumThreads() returns 1 unless Android/iOS), and the
environment variables set by compare_mediapipe.sh keep OpenMP/TF pools at 1.
"""

import argparse
import glob
import json
import math
import os
import statistics
import sys
import time


def frame_files(folder):
    files = []
    for ext in ("png", "jpg", "jpeg", "PNG", "JPG", "JPEG"):
        files += glob.glob(os.path.join(folder, "frame_*." + ext))
    return sorted(set(files))


# The face in tests/fixtures/faces/astronaut.jpg (MediaPipe's landmarks):
# centre and width in photo pixels.
ASTRONAUT_FACE = (225.0, 124.0, 92.0)


def make_frames(out_dir, photo, count, face_width):
    from PIL import Image

    os.makedirs(out_dir, exist_ok=True)
    src = Image.open(photo).convert("RGB")
    fx, fy, fw = ASTRONAUT_FACE if os.path.basename(photo) == "astronaut.jpg" else (
        src.width / 2, src.height / 2, src.width / 3)
    for i in range(count):
        t = i / max(count - 1, 1)
        # A slow sway: up to +-24 px sideways, +-10 px vertically, +-6 degrees
        # of roll, +-6 % of scale; the face stays fully in the frame.
        dx = 24 * math.sin(2 * math.pi * t)
        dy = 10 * math.sin(4 * math.pi * t)
        roll = 6 * math.sin(2 * math.pi * t + 1.0)
        scale = face_width / fw * (1 + 0.06 * math.sin(2 * math.pi * t + 2.0))
        w, h = int(src.width * scale), int(src.height * scale)
        # Scale, then roll about the face centre, then put the face centre
        # slightly above the middle of a 640x480 frame (a selfie preview).
        big = src.resize((w, h), Image.BILINEAR)
        big = big.rotate(roll, resample=Image.BILINEAR, center=(fx * scale, fy * scale))
        frame = Image.new("RGB", (640, 480), (0, 0, 0))
        frame.paste(big, (int(round(320 + dx - fx * scale)), int(round(220 + dy - fy * scale))))
        frame.save(os.path.join(out_dir, "frame_%03d.png" % i))
    print("wrote %d frames to %s" % (count, out_dir), file=sys.stderr)


def time_clip(folder, passes, refine):
    import numpy as np
    from PIL import Image
    import mediapipe as mp

    files = frame_files(folder)
    if not files:
        sys.exit("no frame_*.png|jpg in %s" % folder)
    frames = [np.ascontiguousarray(np.asarray(Image.open(f).convert("RGB"))) for f in files]

    all_ms, tracked_ms, cpu_ms, pass_medians, with_face = [], [], [], [], 0
    for _ in range(passes):
        times = []
        with mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=refine
        ) as mesh:
            for frame in frames:
                c0, t0 = time.process_time(), time.perf_counter()
                result = mesh.process(frame)
                times.append((time.perf_counter() - t0) * 1000.0)
                # CPU time of every thread of the process: robust when other
                # work shares the core, which stretches wall time.
                cpu_ms.append((time.process_time() - c0) * 1000.0)
                with_face += bool(result.multi_face_landmarks)
        all_ms += times
        tracked_ms += times[1:]
        pass_medians.append(statistics.median(times))
    out = {
        "runtime": "mediapipe %s (legacy FaceMesh, refine_landmarks=%s)" % (mp.__version__, refine),
        "frames": len(frames),
        "passes": passes,
        "median_ms": round(statistics.median(all_ms), 3),
        "tracked_median_ms": round(statistics.median(tracked_ms), 3) if tracked_ms else None,
        "median_cpu_ms": round(statistics.median(cpu_ms), 3),
        "first_frame_ms": round(statistics.median(all_ms[:: len(frames)]), 3),
        "pass_medians_ms": [round(m, 3) for m in pass_medians],
        "frames_with_face": with_face,
        "affinity": sorted(os.sched_getaffinity(0)),
    }
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("frames")
    f.add_argument("out_dir")
    f.add_argument("--photo", required=True)
    f.add_argument("--count", type=int, default=60)
    f.add_argument("--face-width", type=float, default=200.0,
                   help="face width in pixels in the 640x480 frame (default 200: phone at arm's length)")
    t = sub.add_parser("time")
    t.add_argument("frames_dir")
    t.add_argument("--passes", type=int, default=5)
    t.add_argument("--no-refine", action="store_true", help="plain 468-point mesh, no iris/attention model")
    a = ap.parse_args()
    if a.cmd == "frames":
        make_frames(a.out_dir, a.photo, a.count, a.face_width)
    else:
        time_clip(a.frames_dir, a.passes, not a.no_refine)


if __name__ == "__main__":
    main()
