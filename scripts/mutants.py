#!/usr/bin/env python3
"""A mutation pass over certd's checks (issue 15): each mutant removes one
check from server/src/verify.rs; the tests named for it must then fail.
Prints one line per mutant, KILLED or SURVIVED, and exits 1 if any survived.
Not part of CI (about 2 minutes a mutant on two cores); run it after changing
verify.rs:  python3 scripts/mutants.py [NAME_FILTER]
"""
import os, signal, subprocess, sys, time



def never(cond):
    """`if COND {` made never true while every name in COND stays used, so
    the deny-warnings build still compiles the mutant."""
    return f"if {cond} {{", f"if std::hint::black_box(false) && ({cond}) {{"

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERIFY = os.path.join(ROOT, "server/src/verify.rs")
ATTACKS = ["--test", "evidence_attacks"]
API = ["--test", "api"]
# Unit tests of every crate (one build of the workspace), by name.
LIB = ["--lib", "verify::"]

# (name, file, original text, replacement, test target)
MUTANTS = [
    ("phone verdict not passed", VERIFY,
     "if !evidence.verdict.passed {\n        return Ok(failed(Code::ActionsNotSeen));",
     "if std::hint::black_box(false) {\n        return Ok(failed(Code::ActionsNotSeen));", ATTACKS),
    ("nonce of another challenge", VERIFY,
     *never("evidence.nonce != issued.nonce"), ATTACKS),
    ("actions differ from the challenge", VERIFY,
     *never("evidence.challenge != issued.actions"), ATTACKS),
    ("ed25519 signature", VERIFY,
     '.verify(body, signature)\n                .map_err(|_| bad("ed25519"))?;', ";", API),
    ("crop size from the header", VERIFY,
     *never("(w, h) != (side, side)"), LIB),
    ("frame count or first time", VERIFY,
     *never("seq.len() < MIN_FRAMES || seq.len() > MAX_FRAMES || seq[0].t_ms != 0"), ATTACKS),
    ("interval outside the camera's rate", VERIFY,
     *never("!(MIN_INTERVAL_MS..MAX_GAP_MS).contains(&dt)"), ATTACKS),
    ("median interval", VERIFY,
     *never("median > MAX_MEDIAN_INTERVAL_MS"), ATTACKS),
    ("challenge lifetime", VERIFY,
     *never("start < issued.issued_ms - CLOCK_SKEW_MS\n        || end > now_ms + CLOCK_SKEW_MS\n        || end > issued.expires_ms + CLOCK_SKEW_MS\n   "), ATTACKS),
    ("crop outside the frame", VERIFY,
     *never("!seq.iter().all(|f| ok(&f.rect))"), ATTACKS),
    ("face jumped between crops", VERIFY,
     *never("shift > 0.5 * a[2] || !(0.67..=1.5).contains(&ratio)"), ATTACKS),
    ("frontal is a sequence frame", VERIFY,
     '.position(|f| f.t_ms == evidence.frontal.t_ms)\n    else {\n        return Ok(failed(broken("frontal time is no sequence frame")));\n    };',
     '.position(|f| f.t_ms == evidence.frontal.t_ms)\n    .or(Some(0)) else {\n        return Ok(failed(broken("frontal time is no sequence frame")));\n    };', ATTACKS),
    ("frontal is a copy of its frame", VERIFY,
     *never("mean_abs_diff(&frontal_img, &frames[at]) > FRONTAL_MAX_DIFF"), ATTACKS),
    ("faces found in the crops", VERIFY,
     *never("missed as f64 > MAX_MISSED_SHARE * frames.len() as f64"), ATTACKS),
    ("screen colours of this nonce", VERIFY,
     "if let Reflection::Contradicts(_) = seen {", "if let Reflection::Contradicts(_) = std::hint::black_box(Reflection::Inconclusive) {", ATTACKS),
    ("the engine passes the sequence", VERIFY,
     "    match engine.phase() {\n        LivenessPhase::Passed => {}", "    match std::hint::black_box(LivenessPhase::Passed) {\n        LivenessPhase::Passed => {}", ATTACKS),
    ("one person throughout", VERIFY,
     "if !same {\n            return Ok(failed(Code::DifferentPeople));", "if std::hint::black_box(false) && !same {\n            return Ok(failed(Code::DifferentPeople));", ATTACKS),
    ("the template match", VERIFY,
     "Ok(if d < MATCH {", "Ok(if d < 10.0 {", ATTACKS),
    ("planar head movement", os.path.join(ROOT, "crates/liveness/src/liveness/engine.rs"),
     "let flat = residual.is_some_and(|r| r < FLAT_RESIDUAL);", "let flat = std::hint::black_box(false) && residual.is_some_and(|r| r < FLAT_RESIDUAL);",
     # A print moved as a plane mostly reads as no turn at all; the engine's
     # own test turns one enough to read as a turn.
     ["--lib", "print_turned"]),
]


def run(target):
    env = dict(os.environ)
    # As scripts/test.sh builds: the same features and wrapper, so the
    # dependencies are reused and only the workspace crates rebuild.
    cmd = ("source scripts/cargo-env.sh && cargo test \"${features[@]}\" "
           + " ".join(target) + " 2>&1")
    p = subprocess.run(["bash", "-c", cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    return p.returncode, p.stdout


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    # A killed process must not leave a mutant behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    # The tests must pass as they are, or every mutant looks killed (a
    # missing model file fails them all).
    for target in {tuple(m[4]) for m in MUTANTS if only in m[0]}:
        code, out = run(list(target))
        if code != 0:
            print(f"BASELINE FAILS: {' '.join(target)}\n{out[-3000:]}")
            sys.exit(2)
    print("baseline passes", flush=True)
    survived = []
    for name, path, old, new, target in MUTANTS:
        if only not in name:
            continue
        src = open(path).read()
        if src.count(old) != 1:
            print(f"STALE     {name}: the check's text is not in {os.path.relpath(path, ROOT)} once")
            survived.append(name)
            continue
        t0 = time.time()
        try:
            open(path, "w").write(src.replace(old, new))
            code, out = run(target)
        finally:
            open(path, "w").write(src)
        compiled = "error[" not in out and "could not compile" not in out
        if not compiled:
            print(f"NOCOMPILE {name}\n{out[-2000:]}")
            survived.append(name)
            continue
        failing = [l.split()[1] for l in out.splitlines() if l.startswith("test ") and l.endswith("FAILED")]
        verdict = "KILLED  " if code != 0 else "SURVIVED"
        print(f"{verdict}  {name} ({time.time() - t0:.0f} s): {', '.join(failing) or 'no test failed'}", flush=True)
        if code == 0:
            survived.append(name)
    sys.exit(1 if survived else 0)


if __name__ == "__main__":
    main()
