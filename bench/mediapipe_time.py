#!/usr/bin/env python3
"""Times MediaPipe FaceMesh per frame, for the side-by-side with LifeCert.

Jobs (run inside the bench venv made by compare_mediapipe.sh):

  mediapipe_time.py frames OUT_DIR --photo PHOTO [--count 60] [--face-width 200]
      Renders OUT_DIR/frame_000.png ...: the photo scaled so the face is
      about --face-width px wide (default 200, a selfie at arm's length) in a
      640x480 frame, moved, scaled and tilted a little from frame to frame so
      a tracker has real work (the crop changes every frame).

  mediapipe_time.py time FRAMES_DIR [--passes 5] [--no-refine] [--limit N]
                                    [--decode-only]
      Decodes every frame_*.png/jpg first with Pillow (each decode timed on
      its own), then runs mp.solutions.face_mesh.FaceMesh(
      static_image_mode=False, max_num_faces=1, refine_landmarks=True) over
      the clip `passes` times, a fresh FaceMesh per pass (so each pass starts
      with a detection, like ours), timing each process() call.  Prints one
      JSON object, per frame (median over every timed frame of every pass):
        median_ms            wall (perf_counter) of process(), decode excluded
        median_cpu_ms        CPU of every thread of the process
                             (time.process_time) during process()
        median_thread_cpu_ms CPU of the calling thread alone (time.thread_time)
        decode               wall and CPU of one Pillow decode + RGB convert
        with_decode          decode + process() of the same frame, summed
      and per pass: each pass's medians.  `threads` is, per thread that ran
      during the timed frames (summed over passes; from
      /proc/self/task/*/schedstat and status): CPU ms, ms spent runnable but
      waiting for a CPU (run_delay), and voluntary / involuntary context
      switches.  That tells a slow figure from a busy core (run_delay grows)
      from work done elsewhere (another thread's CPU).
      --limit N uses the first N frames only; --decode-only decodes them and
      stops (no MediaPipe import): both for the instruction counts.

Pin it to one core from outside (taskset -c 0).  MediaPipe's desktop builds
give the TFLite XNNPACK delegate one thread by default
(GetXnnpackDefaultNumThreads() returns 1 unless Android/iOS), and the
environment variables set by compare_mediapipe.sh keep OpenMP/TF pools at 1;
the graph itself still runs its calculators on threads of its own.
"""

import argparse
import glob
import json
import math
import os
import re
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


def thread_stats():
    """{tid: [name, cpu_ns, run_delay_ns, voluntary, involuntary]} of this process."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        base = "/proc/self/task/%s/" % tid
        try:
            with open(base + "schedstat") as f:
                cpu, delay, _slices = (int(x) for x in f.read().split())
            with open(base + "comm") as f:
                name = f.read().strip()
            vol = invol = 0
            with open(base + "status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        vol = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches"):
                        invol = int(line.split()[1])
        except (OSError, ValueError):
            continue  # the thread ended meanwhile, or no schedstat
        out[int(tid)] = [name, cpu, delay, vol, invol]
    return out


def add_thread_delta(totals, before, after):
    main = os.getpid()
    for tid, (name, cpu, delay, vol, invol) in after.items():
        b = before.get(tid, [name, 0, 0, 0, 0])
        # MediaPipe names its graph threads "mediapipe/<tid>": one key for all.
        key = "main" if tid == main else re.sub(r"/\d+$", "/*", name)
        t = totals.setdefault(key, {"threads": set(), "cpu_ms": 0.0, "run_delay_ms": 0.0,
                                    "voluntary": 0, "involuntary": 0})
        t["threads"].add(tid)
        t["cpu_ms"] += (cpu - b[1]) / 1e6
        t["run_delay_ms"] += (delay - b[2]) / 1e6
        t["voluntary"] += vol - b[3]
        t["involuntary"] += invol - b[4]


def rounded(v, digits=3):
    return None if v is None else round(v, digits)


def med(values):
    return rounded(statistics.median(values)) if values else None


def decode_all(files):
    import numpy as np
    from PIL import Image

    frames, wall, cpu = [], [], []
    for f in files:
        c0, t0 = time.thread_time(), time.perf_counter()
        frames.append(np.ascontiguousarray(np.asarray(Image.open(f).convert("RGB"))))
        wall.append((time.perf_counter() - t0) * 1000.0)
        cpu.append((time.thread_time() - c0) * 1000.0)
    return frames, wall, cpu


def time_clip(folder, passes, refine, limit, decode_only):
    files = frame_files(folder)
    if limit:
        files = files[:limit]
    if not files:
        sys.exit("no frame_*.png|jpg in %s" % folder)
    frames, dec_wall, dec_cpu = decode_all(files)
    if decode_only:
        print(json.dumps({"frames": len(frames), "decode_only": True}))
        return
    import mediapipe as mp

    wall, cpu, tcpu, tracked, with_dec_wall, with_dec_cpu = [], [], [], [], [], []
    pass_wall, pass_cpu, with_face, totals = [], [], 0, {}
    start_wall, start_cpu, first_wall, first_cpu = [], [], [], []
    for _ in range(passes):
        p_wall, p_cpu = [], []
        # Start-up: building the graph (loads the models); the first frame
        # after it is the cold one (detector, mesh and irises).
        c0, t0 = time.process_time(), time.perf_counter()
        graph = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=refine
        )
        start_wall.append((time.perf_counter() - t0) * 1000.0)
        start_cpu.append((time.process_time() - c0) * 1000.0)
        with graph as mesh:
            before = thread_stats()
            for i, frame in enumerate(frames):
                k0, c0, t0 = time.thread_time(), time.process_time(), time.perf_counter()
                result = mesh.process(frame)
                t1, c1, k1 = time.perf_counter(), time.process_time(), time.thread_time()
                p_wall.append((t1 - t0) * 1000.0)
                # CPU time of every thread of the process (the graph's threads
                # do the work while the caller waits), and of the caller alone.
                p_cpu.append((c1 - c0) * 1000.0)
                tcpu.append((k1 - k0) * 1000.0)
                with_dec_wall.append(p_wall[-1] + dec_wall[i])
                with_dec_cpu.append(p_cpu[-1] + dec_cpu[i])
                with_face += bool(result.multi_face_landmarks)
            add_thread_delta(totals, before, thread_stats())
        first_wall.append(p_wall[0])
        first_cpu.append(p_cpu[0])
        wall += p_wall
        cpu += p_cpu
        tracked += p_wall[1:]
        pass_wall.append(statistics.median(p_wall))
        pass_cpu.append(statistics.median(p_cpu))
    n = len(frames) * passes
    threads = {k: {"threads": len(v["threads"]),
                   "cpu_ms_per_frame": round(v["cpu_ms"] / n, 3),
                   "run_delay_ms_per_frame": round(v["run_delay_ms"] / n, 3),
                   "voluntary_per_frame": round(v["voluntary"] / n, 2),
                   "involuntary_per_frame": round(v["involuntary"] / n, 2)}
               for k, v in sorted(totals.items(), key=lambda kv: -kv[1]["cpu_ms"])
               if v["cpu_ms"] > 0 or v["voluntary"] or v["involuntary"]}
    out = {
        "runtime": "mediapipe %s (legacy FaceMesh, refine_landmarks=%s)" % (mp.__version__, refine),
        "frames": len(frames),
        "passes": passes,
        "median_ms": med(wall),
        "median_cpu_ms": med(cpu),
        "median_thread_cpu_ms": med(tcpu),
        "tracked_median_ms": med(tracked),
        "startup": {"ms": med(start_wall), "cpu_ms": med(start_cpu)},
        "first_frame": {"ms": med(first_wall), "cpu_ms": med(first_cpu)},
        "pass_medians_ms": [rounded(m) for m in pass_wall],
        "pass_medians_cpu_ms": [rounded(m) for m in pass_cpu],
        "decode": {"median_ms": med(dec_wall), "median_cpu_ms": med(dec_cpu)},
        "with_decode": {"median_ms": med(with_dec_wall), "median_cpu_ms": med(with_dec_cpu)},
        "frames_with_face": with_face,
        "affinity": sorted(os.sched_getaffinity(0)),
        "threads": threads,
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
    t.add_argument("--limit", type=int, default=0, help="use the first N frames only")
    t.add_argument("--decode-only", action="store_true",
                   help="decode the frames and stop (for instruction counts of decoding alone)")
    a = ap.parse_args()
    if a.cmd == "frames":
        make_frames(a.out_dir, a.photo, a.count, a.face_width)
    else:
        time_clip(a.frames_dir, a.passes, not a.no_refine, a.limit, a.decode_only)


if __name__ == "__main__":
    main()
