//! Where one verification's time goes: each stage of `verify::judge` timed on
//! its own over the evidence of a real five-action capture, then `judge` whole
//! for challenges of 2 and 3 actions. Process CPU time (every thread, so
//! BLAS's own threads count), which is what throughput per core is about.
//!
//! `cargo run --release -p lifecert-server --example verify_stages [judge N | layers]`

mod common;

use certd::faces::resnet::FaceNet;
use certd::faces::{default_models_dir, dlib_rect, FaceKit, RESNET_FILE};
use certd::verify::{judge, Issued};
use dlib_face_recognition::{
    FaceEncoderNetwork, FaceEncoderTrait, ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait,
};
use lifecert_liveness::liveness::Action;

const RUNS: usize = 30;

/// Median process CPU time of `f` in ms (all threads, so BLAS helpers count).
fn median_ms(mut f: impl FnMut()) -> f64 {
    let cpu = || lifecert_liveness::timing::process_cpu_ns().expect("Linux CPU clock") as f64 / 1e6;
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
    let actions = [Action::Blink, Action::TurnRight, Action::Nod];
    let issued_ms = common::now_ms() as i64;
    let full = common::capture(&actions, "stages", issued_ms as u64 + 20_000);
    let mut kit = FaceKit::open(&default_models_dir()).expect("dlib models (models/dlib/fetch.sh)");
    let frontal = image::load_from_memory(&full.frontal.jpeg)
        .unwrap()
        .to_rgb8();
    let template = kit
        .find(&frontal, true)
        .unwrap()
        .expect("frontal face")
        .embedding;
    let found = kit.find(&frontal, true).unwrap().unwrap();
    let crop = image::load_from_memory(&full.sequence[0].jpeg)
        .unwrap()
        .to_rgb8();
    let issued = Issued {
        nonce: full.nonce.clone(),
        actions: actions.to_vec(),
        issued_ms,
        expires_ms: issued_ms + 1_800_000,
    };
    // `verify_stages judge N`: only N judgements, for a profiler.
    if std::env::args().nth(1).as_deref() == Some("judge") {
        let n: usize = std::env::args()
            .nth(2)
            .and_then(|n| n.parse().ok())
            .unwrap_or(RUNS);
        for _ in 0..n {
            judge(&mut kit, &full, &template, &issued, issued_ms + 30_000).unwrap();
        }
        return;
    }

    println!("stage (median of {RUNS}, process CPU ms)");
    println!(
        "  decode one sequence crop ({} bytes, {}x{}): {:.3}",
        full.sequence[0].jpeg.len(),
        crop.width(),
        crop.height(),
        median_ms(|| {
            image::load_from_memory(&full.sequence[0].jpeg).unwrap();
        })
    );
    kit.analyzer.set_eyes(false);
    kit.analyzer.reset();
    kit.analyzer.analyze(&crop).unwrap();
    println!(
        "  mesh on a sequence crop, tracking: {:.2}",
        median_ms(|| {
            kit.analyzer.analyze(&crop).unwrap();
        })
    );
    kit.analyzer.set_eyes(true);
    println!(
        "  mesh + eyes on a sequence crop, tracking: {:.2}",
        median_ms(|| {
            kit.analyzer.analyze(&crop).unwrap();
        })
    );
    let bbox = found.observation.bbox;
    println!(
        "  dlib landmarks + chip, frontal: {:.2}",
        median_ms(|| {
            kit.chip(&frontal, bbox).unwrap();
        })
    );
    // The network alone, ours and dlib's, on the same face.
    let dat = std::fs::read(default_models_dir().join(RESNET_FILE)).unwrap();
    let mut net = FaceNet::open(&dat).unwrap();
    let chip = kit.chip(&frontal, bbox).unwrap();
    println!(
        "  ResNet in ConvNet, one chip: {:.2}",
        median_ms(|| {
            net.embed(&chip);
        })
    );
    // `verify_stages layers`: the ResNet's layers, slowest first.
    if std::env::args().nth(1).as_deref() == Some("layers") {
        let mut layers = net.layer_profile(RUNS);
        let total: f64 = layers.iter().map(|l| l.1).sum();
        layers.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!("  ResNet layers (sum of medians {total:.2} ms), slowest first:");
        for (what, ms) in layers.iter().take(20) {
            println!("    {ms:7.3} ms  {what}");
        }
        return;
    }
    let dlib = FaceEncoderNetwork::open(default_models_dir().join(RESNET_FILE)).unwrap();
    let predictor =
        LandmarkPredictor::open(default_models_dir().join("shape_predictor_5_face_landmarks.dat"))
            .unwrap();
    // SAFETY: the buffer holds the frontal's RGB pixels.
    let matrix = unsafe {
        ImageMatrix::new(
            frontal.width() as usize,
            frontal.height() as usize,
            frontal.as_raw().as_ptr(),
        )
    };
    let rect = dlib_rect(bbox, frontal.width() as usize, frontal.height() as usize).unwrap();
    let landmarks = predictor.face_landmarks(&matrix, &rect);
    println!(
        "  dlib's own chip + ResNet (certd before session 12): {:.2}",
        median_ms(|| {
            dlib.get_face_encodings(&matrix, std::slice::from_ref(&landmarks), 0);
        })
    );
    let ms = median_ms(|| {
        let d = judge(&mut kit, &full, &template, &issued, issued_ms + 30_000)
            .unwrap()
            .decision;
        assert!(matches!(d, certd::verify::Decision::Passed { .. }), "{d:?}");
    });
    println!(
        "judge, challenge {actions:?}, {} crops: {ms:.1} ms = {:.2} uploads/s on one core",
        full.sequence.len(),
        1e3 / ms
    );
}
