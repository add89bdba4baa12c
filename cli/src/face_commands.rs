//! `lifecert analyze` and `lifecert liveness`.

use lifecert_domain::i18n::Language;
use lifecert_liveness::capture::replay::Replay;
use lifecert_liveness::face::quality;
use lifecert_liveness::face::{Analysis, FaceAnalyzer};
use lifecert_liveness::liveness::signals;
use lifecert_liveness::liveness::{Action, Challenge, LivenessEngine};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

pub fn analyze(path: &Path, overlay: Option<PathBuf>) -> ExitCode {
    let img = match image::open(path) {
        Ok(i) => i.to_rgb8(),
        Err(e) => return fail(format!("{}: {e}", path.display())),
    };
    let mut analyzer = match FaceAnalyzer::new() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let detections = match analyzer.detect(&img) {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let analysis = match analyzer.analyze(&img) {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let mut canvas = img.clone();
    let face = match &analysis {
        Analysis::NoFace => serde_json::Value::Null,
        Analysis::Face(obs) => {
            let m = quality::measure(&img, obs, None);
            let issue = quality::assess(&img, obs, &m);
            let s = signals::measure(obs);
            for p in &obs.mesh.points {
                dot(&mut canvas, p[0], p[1], 1, [0, 255, 0]);
            }
            for eye in obs.eyes.iter().flatten() {
                for p in eye.lids {
                    dot(&mut canvas, p[0], p[1], 1, [255, 0, 255]);
                }
            }
            rect(&mut canvas, obs.bbox, [255, 255, 0]);
            json!({
                "box": obs.bbox,
                "landmarks": obs.mesh.points,
                "presence": obs.mesh.presence,
                "eye_openness": obs.eyes.as_ref().map(|e| e.each_ref().map(|e| e.openness())),
                "signals": s,
                "quality": { "issue": issue, "measures": m },
            })
        }
    };
    for d in &detections {
        rect(&mut canvas, d.bbox, [255, 0, 0]);
    }
    let overlay = overlay.unwrap_or_else(|| path.with_extension("overlay.png"));
    if let Err(e) = canvas.save(&overlay) {
        return fail(format!("{}: {e}", overlay.display()));
    }
    let out = json!({
        "image": path,
        "width": img.width(),
        "height": img.height(),
        "detections": detections.iter().map(|d| json!({"score": d.score, "box": d.bbox, "keypoints": d.keypoints})).collect::<Vec<_>>(),
        "face": face,
        "overlay": overlay,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
    ExitCode::SUCCESS
}

fn dot(img: &mut image::RgbImage, x: f32, y: f32, r: i32, c: [u8; 3]) {
    for dy in -r..=r {
        for dx in -r..=r {
            let (px, py) = (x as i32 + dx, y as i32 + dy);
            if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, image::Rgb(c));
            }
        }
    }
}

fn rect(img: &mut image::RgbImage, b: [f32; 4], c: [u8; 3]) {
    let steps = 200;
    for i in 0..=steps {
        let t = i as f32 / steps as f32;
        let (x, y) = (b[0] + t * (b[2] - b[0]), b[1] + t * (b[3] - b[1]));
        for (px, py) in [(x, b[1]), (x, b[3]), (b[0], y), (b[2], y)] {
            dot(img, px, py, 0, c);
        }
    }
}

pub fn liveness(
    dir: &Path,
    fps: f32,
    challenge: &str,
    evidence: Option<PathBuf>,
    lang: Language,
    decode_only: bool,
) -> ExitCode {
    let mut actions = vec![];
    for name in challenge.split(',').filter(|s| !s.trim().is_empty()) {
        match Action::from_name(name) {
            Some(a) => actions.push(a),
            None => {
                return fail(format!(
                    "unknown action {name:?}: use blink, mouth, left, right, nod"
                ))
            }
        }
    }
    let mut replay = match Replay::open(dir, fps) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let challenge = Challenge {
        actions,
        nonce: "cli".into(),
    };
    // Start-up: creating the engine loads and plans every network.
    let (s_wall0, s_cpu0) = (
        std::time::Instant::now(),
        lifecert_liveness::timing::thread_cpu_ns(),
    );
    let mut engine = match LivenessEngine::new(challenge.clone(), lang) {
        Ok(e) => e,
        Err(e) => return fail(e),
    };
    let startup = json!({
        "ms": s_wall0.elapsed().as_secs_f64() * 1000.0,
        "cpu_ms": s_cpu0
            .zip(lifecert_liveness::timing::thread_cpu_ns())
            .map(|(a, b)| (b - a) as f64 / 1e6),
    });
    let mut prompts = vec![];
    // Thread CPU time of each analysed frame, next to the engine's wall time:
    // on a shared machine wall time also counts other processes' time slices.
    let mut cpu_ms: Vec<Option<f64>> = vec![];
    // Reading and decoding each frame (wall, thread CPU), every frame and the
    // analysed ones, to state the figures with decoding included.
    let (mut decode_all, mut decode_analysed) = (vec![], vec![]);
    loop {
        let (d_wall0, d_cpu0) = (
            std::time::Instant::now(),
            lifecert_liveness::timing::thread_cpu_ns(),
        );
        let Some((t_ms, frame)) = replay.next() else {
            break;
        };
        let decoded = (
            d_wall0.elapsed().as_secs_f64() * 1000.0,
            d_cpu0
                .zip(lifecert_liveness::timing::thread_cpu_ns())
                .map(|(a, b)| (b - a) as f64 / 1e6),
        );
        decode_all.push(decoded);
        let img = match frame {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        if decode_only {
            continue;
        }
        let (analysed, cpu0) = (
            engine.analysis_times().len(),
            lifecert_liveness::timing::thread_cpu_ns(),
        );
        let pushed = engine.push(&img, t_ms);
        if engine.analysis_times().len() > analysed {
            cpu_ms.push(
                cpu0.zip(lifecert_liveness::timing::thread_cpu_ns())
                    .map(|(a, b)| (b - a) as f64 / 1e6),
            );
            decode_analysed.push(decoded);
        }
        match pushed {
            Ok(u) if u.speak => {
                prompts.push(json!({"t_ms": t_ms, "key": u.prompt.key, "speech": u.prompt.speech}))
            }
            Ok(_) => {}
            Err(e) => return fail(e),
        }
    }
    let decode = json!({
        "frames": decode_all.len(),
        "median_ms": median(decode_all.iter().map(|d| d.0).collect()),
        "median_cpu_ms": decode_all.iter().map(|d| d.1).collect::<Option<Vec<f64>>>().and_then(median),
    });
    if decode_only {
        println!("{}", json!({ "decode_only": true, "decode": decode }));
        return ExitCode::SUCCESS;
    }
    let verdict = engine.verdict();
    let costs = engine.analysis_times();
    let timing = |pick: &dyn Fn(bool) -> bool| {
        let chosen = || {
            costs
                .iter()
                .zip(&cpu_ms)
                .zip(&decode_analysed)
                .filter(|((c, _), _)| pick(c.eyes))
        };
        let wall: Vec<f64> = chosen()
            .map(|((c, _), _)| c.elapsed.as_secs_f64() * 1000.0)
            .collect();
        let cpu: Option<Vec<f64>> = chosen().map(|((_, t), _)| *t).collect();
        // The same frames with their own reading and decoding added.
        let wall_dec: Vec<f64> = chosen()
            .map(|((c, _), d)| c.elapsed.as_secs_f64() * 1000.0 + d.0)
            .collect();
        let cpu_dec: Option<Vec<f64>> = chosen()
            .map(|((_, t), d)| t.zip(d.1).map(|(t, d)| t + d))
            .collect();
        json!({
            "frames": wall.len(),
            "median_ms": median(wall),
            "median_cpu_ms": cpu.and_then(median),
            "with_decode_median_ms": median(wall_dec),
            "with_decode_median_cpu_ms": cpu_dec.and_then(median),
        })
    };
    let median_ms = median(
        costs
            .iter()
            .map(|c| c.elapsed.as_secs_f64() * 1000.0)
            .collect(),
    )
    .unwrap_or(0.0);
    if let (Some(path), Some(ev)) = (
        &evidence,
        lifecert_liveness::evidence::Evidence::of(&engine, 0).ok(),
    ) {
        if let Err(e) = std::fs::write(path, ev.to_json()) {
            return fail(format!("{}: {e}", path.display()));
        }
    }
    let out = json!({
        "challenge": challenge.actions.iter().map(|a| a.name()).collect::<Vec<_>>(),
        "passed": verdict.passed,
        "reason": verdict.reason,
        "actions": verdict.observed.iter().map(|o| json!({
            "action": o.event.action.name(),
            "frames": [o.event.start_frame, o.event.end_frame],
            "peak_frame": o.event.peak_frame,
            "accepted": o.accepted,
            "planar_residual": o.planar_residual,
        })).collect::<Vec<_>>(),
        "frames": costs.len(),
        "median_analysis_ms": median_ms,
        // Per analysed frame: all, those that measured the eyes (the attention
        // mesh's eye heads: calibration and blink steps) and those that ran
        // the mesh only; decoding excluded, and with each frame's own
        // decoding added (with_decode_*). `decode` is every frame's reading
        // and decoding alone.
        "decode": decode,
        "startup": startup,
        // The first analysed frame: cold (detector, mesh and eyes, nothing
        // tracked yet), decoding excluded.
        "first_frame": json!({
            "ms": costs.first().map(|c| c.elapsed.as_secs_f64() * 1000.0),
            "cpu_ms": cpu_ms.first().copied().flatten(),
            "eyes": costs.first().map(|c| c.eyes),
        }),
        "timing": {
            "all": timing(&|_| true),
            "with_eyes": timing(&|eyes| eyes),
            "mesh_only": timing(&|eyes| !eyes),
        },
        "prompts": prompts,
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
    if verdict.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The median, rounded to 0.01.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).map(|m| (m * 100.0).round() / 100.0)
}
