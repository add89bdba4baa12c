//! Where one verification's time goes: each stage of `verify::judge` timed on
//! its own over the evidence of a real five-action capture, then `judge` whole
//! for challenges of 2 and 3 actions. Process CPU time (every thread, so
//! BLAS's own threads count), which is what throughput per core is about.
//!
//! `cargo run --release -p lifecert-server --example verify_stages`

mod common;

use certd::faces::{default_models_dir, FaceKit};
use certd::verify::judge;
use lifecert::liveness::Action;

const RUNS: usize = 30;

/// Median process CPU time of `f` in ms (all threads, so BLAS helpers count).
fn median_ms(mut f: impl FnMut()) -> f64 {
    let cpu = || lifecert::timing::process_cpu_ns().expect("Linux CPU clock") as f64 / 1e6;
    let mut t: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t0 = cpu();
            f();
            cpu() - t0
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[RUNS / 2]
}

fn main() {
    let full = common::capture_all_actions();
    let mut kit = FaceKit::open(&default_models_dir()).expect("dlib models (models/dlib/fetch.sh)");
    let frontal = image::load_from_memory(&full.frontal.jpeg)
        .unwrap()
        .to_rgb8();
    let template = kit
        .find(&frontal, None, true)
        .unwrap()
        .expect("frontal face")
        .embedding;
    let found = kit.find(&frontal, None, true).unwrap().unwrap();

    println!("stage (median of {RUNS}, process CPU ms)");
    let jpeg = &full.frontal.jpeg;
    println!(
        "  decode frontal JPEG ({} bytes, {}x{}): {:.2}",
        jpeg.len(),
        full.frontal.width,
        full.frontal.height,
        median_ms(|| {
            image::load_from_memory(jpeg).unwrap();
        })
    );
    println!(
        "  detector: {:.2}",
        median_ms(|| {
            kit.analyzer.detect(&frontal).unwrap();
        })
    );
    kit.analyzer.set_eyes(false);
    println!(
        "  detector + mesh: {:.2}",
        median_ms(|| {
            kit.analyzer.reset();
            kit.analyzer.analyze(&frontal).unwrap();
        })
    );
    kit.analyzer.set_eyes(true);
    println!(
        "  detector + mesh + eyes: {:.2}",
        median_ms(|| {
            kit.analyzer.reset();
            kit.analyzer.analyze(&frontal).unwrap();
        })
    );
    let hint = &full.frontal.landmarks;
    kit.analyzer.set_eyes(false);
    println!(
        "  mesh at the app's landmarks (no detector): {:.2}",
        median_ms(|| {
            kit.analyzer.analyze_near(&frontal, hint).unwrap();
        })
    );
    kit.analyzer.set_eyes(true);
    println!(
        "  mesh + eyes at the app's landmarks: {:.2}",
        median_ms(|| {
            kit.analyzer.analyze_near(&frontal, hint).unwrap();
        })
    );
    println!(
        "  dlib landmarks + embedding: {:.2}",
        median_ms(|| {
            kit.embed(&frontal, found.observation.bbox).unwrap();
        })
    );
    println!(
        "  kit.find, cold with eyes: {:.2}",
        median_ms(|| {
            kit.find(&frontal, None, true).unwrap().unwrap();
        })
    );
    println!(
        "  kit.find, at the app's landmarks, no eyes: {:.2}",
        median_ms(|| {
            kit.find(&frontal, Some(hint), false).unwrap().unwrap();
        })
    );

    for actions in [
        &[Action::TurnLeft, Action::OpenMouth][..],
        &[Action::Blink, Action::TurnRight, Action::Nod][..],
    ] {
        let mut ev = full.clone();
        ev.challenge = actions.to_vec();
        ev.keyframes
            .retain(|k| k.action.is_some_and(|a| actions.contains(&a)));
        let names: Vec<String> = actions.iter().map(|a| format!("{a:?}")).collect();
        let ms = median_ms(|| {
            let d = judge(&mut kit, &ev, &template).unwrap();
            assert!(matches!(d, certd::verify::Decision::Passed { .. }), "{d:?}");
        });
        println!(
            "judge, challenge {}: {ms:.2} ms = {:.1} uploads/s on one core",
            names.join("+"),
            1e3 / ms
        );
    }
}
