//! The `clipgen` binary end to end.

mod common;
use common::*;
use std::process::Command;

fn out_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("clipgen-cli-{name}-{}", std::process::id()))
}

#[test]
fn renders_a_script_into_a_folder() {
    let out = out_dir("script");
    let status = Command::new(env!("CARGO_BIN_EXE_clipgen"))
        .args(["--photo"])
        .arg(faces_dir().join("astronaut.jpg"))
        .arg("--landmarks")
        .arg(faces_dir().join("reference_landmarks.json"))
        .args([
            "--script",
            "blink,left:1.2",
            "--fps",
            "10",
            "--seed",
            "3",
            "--out",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let truth: lifecert_clipgen::Truth =
        serde_json::from_str(&std::fs::read_to_string(out.join("truth.json")).unwrap()).unwrap();
    // 2.6 rest + 0.5 blink + 0.6 rest + 1.2 left + 0.6 rest = 5.5 s at 10 fps.
    assert_eq!(truth.frame_count, 55);
    assert_eq!(truth.fps, 10.0);
    assert_eq!(truth.seed, 3);
    let actions: Vec<_> = truth.segments.iter().map(|s| s.action.name()).collect();
    assert_eq!(
        actions,
        ["neutral", "blink", "neutral", "turn_left", "neutral"]
    );
    assert!(out.join("frame_054.png").exists());
    assert!(!out.join("frame_055.png").exists());
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn renders_an_attack_and_rejects_bad_input() {
    let out = out_dir("attack");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clipgen"))
            .arg("--photo")
            .arg(faces_dir().join("two_faces.jpg"))
            .arg("--landmarks")
            .arg(faces_dir().join("reference_landmarks.json"))
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = run(&[
        "--attack",
        "planar",
        "--duration",
        "0.5",
        "--face",
        "1",
        "--jpeg",
        "85",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.join("frame_007.jpg").exists());
    let bad = run(&["--script", "wink"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown action"));
    let bad = run(&["--script", "blink", "--face", "5"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no face index 5"));
    std::fs::remove_dir_all(&out).unwrap();
}
