#!/usr/bin/env python3
"""The passes, the machine checks, the instruction counts and the summary of
bench/compare_mediapipe.sh (which builds, makes the frames and calls this;
see its --help).  Standard library only.

  compare_mediapipe.py --lifecert BIN --python PY --mediapipe-time SCRIPT
      --core N --passes N --challenge A [--no-refine]
      [--instructions N1,N2] --work DIR NAME=DIR...
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")
# A run is flagged BUSY when, during it, another core was busier than this,
# steal time was above STEAL_LIMIT, or something other than the measured
# process used the pinned core for more than PINNED_LIMIT of the time.
OTHER_LIMIT = 10.0
STEAL_LIMIT = 2.0
PINNED_LIMIT = 10.0
LOAD_LIMIT = 0.5


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def proc_stat():
    """{'cpu': [...], 'cpu0': [...]}: user nice system idle iowait irq softirq steal (ticks)."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu"):
                p = line.split()
                out[p[0]] = [int(x) for x in p[1:9]]
    return out


def machine(s0, s1, core, own_cpu_s):
    """Busy shares (%) between two /proc/stat samples."""
    res = {"other_busy": 0.0, "steal": 0.0, "pinned_other": 0.0, "cores": {}}
    for name in s1:
        d = [b - a for a, b in zip(s0[name], s1[name])]
        total = sum(d) or 1
        busy = total - d[3] - d[4]
        if name == "cpu":
            res["steal"] = 100.0 * d[7] / total
            continue
        res["cores"][name] = round(100.0 * busy / total, 1)
        if name == "cpu%d" % core:
            # What the pinned core did besides the measured process.
            res["pinned_other"] = max(0.0, 100.0 * (busy - own_cpu_s * HZ) / total)
        else:
            res["other_busy"] = max(res["other_busy"], 100.0 * busy / total)
    return res


def busy_reasons(m):
    why = []
    if m["other_busy"] > OTHER_LIMIT:
        why.append("other core %.0f%% busy" % m["other_busy"])
    if m["steal"] > STEAL_LIMIT:
        why.append("steal %.1f%%" % m["steal"])
    if m["pinned_other"] > PINNED_LIMIT:
        why.append("pinned core %.0f%% used by others" % m["pinned_other"])
    return why


def worst(*ms):
    """The busiest figures of several runs (one pass's two runs)."""
    return {k: max(m[k] for m in ms) for k in ("other_busy", "steal", "pinned_other", "load")}


def measured(cmd, core, env, ok_codes=(0,)):
    """Runs cmd; returns (stdout, machine figures)."""
    load = loadavg()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, t0 = proc_stat(), time.monotonic()
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    s1, t1 = proc_stat(), time.monotonic()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in ok_codes:
        sys.stderr.write(p.stderr[-3000:])
        sys.exit("failed (exit %d): %s" % (p.returncode, " ".join(cmd)))
    own = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    m = machine(s0, s1, core, own)
    m.update(load=load, seconds=round(t1 - t0, 1), cpu_seconds=round(own, 1))
    return p.stdout, m


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=2):
    return "-" if v is None else "%.*f" % (digits, v)


def ratio(a, b):
    return a / b if a is not None and b else None


def spread(rs):
    rs = [r for r in rs if r is not None]
    if not rs:
        return "-"
    return "%.2fx (%.2f-%.2f, %d passes)" % (statistics.median(rs), min(rs), max(rs), len(rs))


# Our JSON's groups of analysed frames, and their labels.
GROUPS = [("all", "all frames"), ("with_eyes", "frames with eyes"), ("mesh_only", "mesh-only frames")]


def timing_passes(a, clips, env):
    """Interleaved passes; returns {clip: [(ours, theirs, m_ours, m_theirs), ...]}."""
    results = {name: [] for name, _ in clips}
    busy_passes = 0
    for i in range(1, a.passes + 1):
        for name, folder in clips:
            ours_cmd = ["taskset", "-c", str(a.core), a.lifecert, "liveness", "--frames", folder,
                        "--fps", "15", "--challenge", a.challenge]
            theirs_cmd = ["taskset", "-c", str(a.core), a.python, a.mediapipe_time, "time", folder,
                          "--passes", "1"] + (["--no-refine"] if a.no_refine else [])
            # Alternate which side goes first, so a drift in the host's speed
            # does not always favour the same side.
            order = ["ours", "theirs"] if i % 2 else ["theirs", "ours"]
            got = {}
            for side in order:
                if side == "ours":
                    # Exit 1 is a failed challenge: still timed.
                    out, m = measured(ours_cmd, a.core, env, ok_codes=(0, 1))
                else:
                    out, m = measured(theirs_cmd, a.core, env)
                got[side] = (json.loads(out), m)
            (o, mo), (t, mt) = got["ours"], got["theirs"]
            results[name].append((o, t, mo, mt))
            w = worst(mo, mt)
            why = busy_reasons(w)
            busy_passes += bool(why)
            r = ratio(o["timing"]["all"]["median_cpu_ms"], t["median_cpu_ms"])
            rw = ratio(o["timing"]["all"]["median_ms"], t["median_ms"])
            print("pass %d/%d %-8s lifecert all %s ms wall %s cpu | mediapipe %s wall %s cpu | "
                  "ratio cpu %s wall %s | load %.2f, other core %.0f%%, steal %.1f%%%s"
                  % (i, a.passes, name, fmt(o["timing"]["all"]["median_ms"]),
                     fmt(o["timing"]["all"]["median_cpu_ms"]), fmt(t["median_ms"]),
                     fmt(t["median_cpu_ms"]), fmt(r), fmt(rw), w["load"], w["other_busy"], w["steal"],
                     ("  BUSY: " + "; ".join(why)) if why else ""), flush=True)
    return results, busy_passes


def summary(a, name, folder, runs):
    ours0, theirs0 = runs[0][0], runs[0][1]
    nframes = theirs0["frames"]
    print()
    print("clip %s: %d frames (%s), %d passes" % (name, nframes, folder, len(runs)))
    print("  lifecert: challenge %s, %d frames analysed (%d with eyes, %d mesh only), passed: %s"
          % (a.challenge, ours0["timing"]["all"]["frames"], ours0["timing"]["with_eyes"]["frames"],
             ours0["timing"]["mesh_only"]["frames"], ours0["passed"]))
    print("  mediapipe: %s, face in %d/%d frames; its threads during the frames, CPU ms a frame: %s"
          % (theirs0["runtime"], theirs0["frames_with_face"], nframes,
             ", ".join("%s x%d %.2f" % (k, v["threads"], v["cpu_ms_per_frame"])
                       for k, v in theirs0.get("threads", {}).items())))
    ws = [worst(mo, mt) for _, _, mo, mt in runs]
    why = [busy_reasons(w) for w in ws]
    nbusy = sum(bool(w) for w in why)
    lost = [t["frames"] * t["passes"] - t["frames_with_face"] for _, t, _, _ in runs]
    if any(lost):
        # Without a face MediaPipe runs its detector only (about a third of a
        # tracked frame's cost): such a figure is not a face mesh's.
        print("  WARNING: mediapipe found no face in %s frames of its passes: its figures "
              "are partly the detector's alone" % "/".join(str(x) for x in lost))
    print("  machine: load average %s at the passes' starts; %s"
          % (" ".join("%.2f" % w["load"] for w in ws),
             ("BUSY in %d of %d passes (worst: %s)" % (nbusy, len(runs), "; ".join(busy_reasons(worst(*ws)))))
             if nbusy else "quiet in every pass"))
    print("  per frame, median of the passes' medians (ms). wall = elapsed; cpu = thread CPU (ours, one")
    print("  thread) / CPU of all the process's threads (mediapipe); +decode = the frame's own file read")
    print("  and decode added (ours: image crate; mediapipe: Pillow + numpy)")
    print("    %-30s %7s %7s %11s %11s" % ("", "wall", "cpu", "wall+decode", "cpu+decode"))
    t_wall = med(t["median_ms"] for _, t, _, _ in runs)
    t_cpu = med(t["median_cpu_ms"] for _, t, _, _ in runs)
    print("    %-30s %7s %7s %11s %11s" % (
        "mediapipe", fmt(t_wall), fmt(t_cpu),
        fmt(med(t["with_decode"]["median_ms"] for _, t, _, _ in runs)),
        fmt(med(t["with_decode"]["median_cpu_ms"] for _, t, _, _ in runs))))
    for key, label in GROUPS:
        g = [o["timing"][key] for o, _, _, _ in runs]
        if not g[0]["frames"]:
            continue
        print("    %-30s %7s %7s %11s %11s" % (
            "lifecert, " + label, fmt(med(x["median_ms"] for x in g)),
            fmt(med(x["median_cpu_ms"] for x in g)),
            fmt(med(x.get("with_decode_median_ms") for x in g)),
            fmt(med(x.get("with_decode_median_cpu_ms") for x in g))))
    print("    %-30s %7s %7s" % ("decode alone, mediapipe's", fmt(med(t["decode"]["median_ms"] for _, t, _, _ in runs)),
                                fmt(med(t["decode"]["median_cpu_ms"] for _, t, _, _ in runs))))
    print("    %-30s %7s %7s" % ("decode alone, ours", fmt(med(o["decode"]["median_ms"] for o, _, _, _ in runs)),
                                fmt(med(o["decode"]["median_cpu_ms"] for o, _, _, _ in runs))))
    # Cold: creating the engine / building the graph, then the first frame
    # (nothing tracked yet: detector, mesh and eyes on both sides).
    print("  cold start, median of the passes (ms): wall / cpu; ratio lifecert / mediapipe per pass")
    for label, key in [("start-up (engine / graph)", "startup"), ("first frame", "first_frame")]:
        o_w = [o[key]["ms"] for o, _, _, _ in runs]
        o_c = [o[key]["cpu_ms"] for o, _, _, _ in runs]
        t_w = [t[key]["ms"] for _, t, _, _ in runs]
        t_c = [t[key]["cpu_ms"] for _, t, _, _ in runs]
        print("    %-30s lifecert %s / %s  mediapipe %s / %s  ratio cpu %s wall %s" % (
            label, fmt(med(o_w)), fmt(med(o_c)), fmt(med(t_w)), fmt(med(t_c)),
            spread([ratio(a, b) for a, b in zip(o_c, t_c)]),
            spread([ratio(a, b) for a, b in zip(o_w, t_w)])))
    o_sum = [o["startup"]["ms"] + (o["first_frame"]["ms"] or 0) for o, _, _, _ in runs]
    t_sum = [t["startup"]["ms"] + t["first_frame"]["ms"] for _, t, _, _ in runs]
    print("    %-30s lifecert %s  mediapipe %s  ratio wall %s" % (
        "start-up + first frame", fmt(med(o_sum)), fmt(med(t_sum)),
        spread([ratio(a, b) for a, b in zip(o_sum, t_sum)])))
    print("  per-pass ratio lifecert / mediapipe (the two runs of one pass, adjacent): median (min-max)")
    out = {}
    for key, label in GROUPS:
        if not ours0["timing"][key]["frames"]:
            continue
        for measure, tkey, okey in [("cpu", "median_cpu_ms", "median_cpu_ms"),
                                    ("wall", "median_ms", "median_ms"),
                                    ("cpu+decode", None, "with_decode_median_cpu_ms")]:
            rs = []
            for o, t, _, _ in runs:
                tv = t["with_decode"]["median_cpu_ms"] if tkey is None else t[tkey]
                rs.append(ratio(o["timing"][key].get(okey), tv))
            out[(key, measure)] = rs
            print("    %-18s %-11s %s   [%s]" % (label, measure, spread(rs), " ".join(fmt(r) for r in rs)))
    quiet = [i for i, w in enumerate(why) if not w]
    if nbusy and quiet:
        rs = [out[("all", "cpu")][i] for i in quiet]
        print("    all frames, cpu, quiet passes only: %s" % spread(rs))
    return nbusy


def subset(folder, n, work, tag):
    """A folder of links to the first n frames of folder."""
    files = sorted(f for f in os.listdir(folder) if f.startswith("frame_"))
    if len(files) < n:
        sys.exit("%s has %d frames, fewer than %d" % (folder, len(files), n))
    out = os.path.join(work, "%s-%d" % (tag, n))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    for f in files[:n]:
        os.symlink(os.path.join(folder, f), os.path.join(out, f))
    return out


def instructions(cmd, work, tag, env, ok_codes=(0,)):
    """Instructions executed (valgrind cachegrind Ir, all threads) and the stdout."""
    out_file = os.path.join(work, "cachegrind.%s.out" % tag)
    p = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                        "--cachegrind-out-file=" + out_file] + cmd,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in ok_codes:
        sys.stderr.write(p.stderr[-3000:])
        sys.exit("valgrind failed (exit %d): %s" % (p.returncode, " ".join(cmd)))
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1]), p.stdout
    sys.exit("no summary line in " + out_file)


def instruction_counts(a, name, folder, env):
    n1, n2 = a.instructions
    print()
    print("instructions, clip %s: valgrind cachegrind (Ir, every thread, all of each process), "
          "first %d and first %d frames; per frame = (Ir(%d) - Ir(%d)) / %d, so start-up and model "
          "loading cancel" % (name, n1, n2, n2, n1, n2 - n1), flush=True)
    ir, frames, faces = {}, {}, {}
    for n in (n1, n2):
        sub = subset(folder, n, a.work, name)
        ir["ours", n], out = instructions(
            [a.lifecert, "liveness", "--frames", sub, "--fps", "15", "--challenge", a.challenge],
            a.work, "%s.ours.%d" % (name, n), env, ok_codes=(0, 1))
        frames["ours", n] = json.loads(out)["timing"]["all"]["frames"]
        ir["ours-dec", n], _ = instructions(
            [a.lifecert, "liveness", "--frames", sub, "--decode-only"], a.work,
            "%s.oursdec.%d" % (name, n), env)
        ir["theirs", n], out = instructions(
            [a.python, a.mediapipe_time, "time", sub, "--passes", "1"]
            + (["--no-refine"] if a.no_refine else []), a.work, "%s.theirs.%d" % (name, n), env)
        got = json.loads(out)
        frames["theirs", n] = got["frames"]
        faces["theirs", n] = got["frames_with_face"]
        ir["theirs-dec", n], _ = instructions(
            [a.python, a.mediapipe_time, "time", sub, "--decode-only"], a.work,
            "%s.theirsdec.%d" % (name, n), env)
    d = n2 - n1
    dec_o = (ir["ours-dec", n2] - ir["ours-dec", n1]) / d
    dec_t = (ir["theirs-dec", n2] - ir["theirs-dec", n1]) / d
    fa = frames["ours", n2] - frames["ours", n1]
    # Ours: the liveness run minus the decoding of the same frames, per frame
    # analysed (a passed challenge stops analysing).
    ana_o = ((ir["ours", n2] - ir["ours", n1]) - (ir["ours-dec", n2] - ir["ours-dec", n1])) / fa if fa else None
    full_t = (ir["theirs", n2] - ir["theirs", n1]) / d
    ana_t = full_t - dec_t
    print("  raw Ir: " + ", ".join("%s(%d) %d" % (k, n, v) for (k, n), v in sorted(ir.items())))
    print("  lifecert: %d of the %d added frames analysed; mediapipe: a face in %d/%d and %d/%d frames"
          % (fa, d, faces["theirs", n1], n1, faces["theirs", n2], n2))
    print("    %-44s %12s %12s" % ("millions of instructions a frame", "lifecert", "mediapipe"))
    print("    %-44s %12s %12s" % ("analysis (decode excluded)", fmt(ana_o and ana_o / 1e6), fmt(ana_t / 1e6)))
    print("    %-44s %12s %12s" % ("decode (file read + decode to RGB)", fmt(dec_o / 1e6), fmt(dec_t / 1e6)))
    print("    %-44s %12s %12s" % ("analysis + decode", fmt(ana_o and (ana_o + dec_o) / 1e6),
                                    fmt((ana_t + dec_t) / 1e6)))
    print("  ratio lifecert / mediapipe, instructions: decode excluded %s, decode included %s"
          % (fmt(ratio(ana_o, ana_t)), fmt(ratio(ana_o and ana_o + dec_o, ana_t + dec_t))), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifecert", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--mediapipe-time", required=True)
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--challenge", default="blink,left")
    ap.add_argument("--no-refine", action="store_true")
    ap.add_argument("--instructions", default="")
    ap.add_argument("--work", required=True)
    ap.add_argument("--start-load", type=float, default=None)
    ap.add_argument("clips", nargs="+", help="NAME=DIR")
    a = ap.parse_args()
    a.instructions = [int(x) for x in a.instructions.split(",")] if a.instructions else None
    clips = [tuple(c.split("=", 1)) for c in a.clips]
    env = dict(os.environ)

    start = loadavg() if a.start_load is None else a.start_load
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    print("started %s; load average at the start %.2f%s; %d cores; both sides pinned to core %d"
          % (started, start, "  BUSY: load > %.1f" % LOAD_LIMIT if start > LOAD_LIMIT else "",
             os.cpu_count(), a.core), flush=True)
    results, busy = timing_passes(a, clips, env)
    print()
    print("=" * 100)
    print("SUMMARY (started %s, load average at the start %.2f, %d interleaved passes)"
          % (started, start, a.passes))
    warnings = []
    if start > LOAD_LIMIT:
        warnings.append("load average %.2f > %.1f at the start" % (start, LOAD_LIMIT))
    if busy:
        warnings.append("%d of %d clip-passes ran on a busy machine (see the BUSY lines)"
                        % (busy, a.passes * len(clips)))
    for name, folder in clips:
        summary(a, name, folder, results[name])
    if a.instructions:
        for name, folder in clips:
            instruction_counts(a, name, folder, env)
    print()
    if warnings:
        print("BUSY: " + "; ".join(warnings) + ". Trust the per-pass ratios and the instruction "
              "counts over the milliseconds.")
    else:
        print("machine quiet throughout (other core <= %.0f%%, steal <= %.0f%%, pinned core "
              "unshared, start load <= %.1f)" % (OTHER_LIMIT, STEAL_LIMIT, LOAD_LIMIT))


if __name__ == "__main__":
    main()
