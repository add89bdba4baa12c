//! Where a frame's time goes, stage by stage, in thread CPU time (robust when
//! other work shares the core; wall time also counts their time slices).
//!
//! ```sh
//! cargo run --release --example stage_times [-- --face-width 200 --iters 200]
//! taskset -c 0 target/release/examples/stage_times   # pinned, as in docs/performance.md
//! ```
//!
//! The frame is `tests/fixtures/faces/astronaut.jpg` scaled so the face is
//! `--face-width` px wide (default 200, a selfie at arm's length) in a black
//! 640x480 frame, as `bench/mediapipe_time.py frames` makes them. Prints one
//! line per stage: median, 10th and 90th percentile in ms. Linux only (thread
//! CPU clock); elsewhere it prints wall time.

use image::RgbImage;
use lifecert_liveness::face::attention::{AttentionModel, Heads};
use lifecert_liveness::face::convnet::ConvNet;
use lifecert_liveness::face::detector::Detector;
use lifecert_liveness::face::geometry::{
    crop_bilinear_into, crop_into, letterbox_into, SIGNED, UNIT,
};
use lifecert_liveness::face::mesh::roi_from_mesh;
use lifecert_liveness::face::model::Which;
use lifecert_liveness::face::{quality, Analysis, FaceAnalyzer};
use lifecert_liveness::liveness::{sequence, signals};
use std::hint::black_box;
use std::path::Path;

/// The astronaut's face in the photo: centre and width in pixels.
const FACE: (f32, f32, f32) = (225.0, 124.0, 92.0);

fn main() {
    let mut face_width = 200.0f32;
    let mut iters = 200usize;
    let mut layers = false;
    let mut startup = false;
    let mut args = std::env::args().skip(1);
    let usage = "usage: stage_times [--face-width PX] [--iters N] [--layers | --startup]";
    while let Some(arg) = args.next() {
        let mut value = || args.next().and_then(|v| v.parse().ok()).expect(usage);
        match arg.as_str() {
            "--face-width" => face_width = value(),
            "--iters" => iters = value() as usize,
            "--layers" => layers = true,
            "--startup" => startup = true,
            _ => panic!("{usage}"),
        }
    }
    if startup {
        return startup_stages(iters);
    }
    let frame = frame(face_width);
    println!(
        "640x480 frame, face {face_width} px, {iters} runs per stage, {}",
        if lifecert_liveness::timing::thread_cpu_ns().is_some() {
            "thread CPU time"
        } else {
            "wall time"
        }
    );

    let mut analyzer = FaceAnalyzer::new().expect("models");
    let Analysis::Face(obs) = analyzer.analyze(&frame).expect("analyze") else {
        panic!("no face in the frame")
    };
    let roi = roi_from_mesh(&obs.mesh);
    println!(
        "mesh crop {:.0} px -> 192 (k would be {})",
        roi.size,
        ((roi.size / 192.0).round() as usize).clamp(1, 4)
    );

    let mut det_net = ConvNet::load(Which::Detector.onnx()).unwrap();
    let mut backbone_net = ConvNet::load(Which::Attention.onnx()).unwrap();
    let mut eye_net = ConvNet::load(Which::AttentionLeftEye.onnx()).unwrap();
    let mut lips_net = ConvNet::load(Which::AttentionLips.onnx()).unwrap();
    if layers {
        // The backbone layer by layer, on the mesh crop of the frame.
        crop_bilinear_into(&frame, &roi, 192, false, UNIT, backbone_net.input_mut());
        let profile = backbone_net.layer_profile(iters);
        let total: f64 = profile.iter().map(|(_, t)| t).sum();
        for (what, t) in &profile {
            println!("{t:7.3} ms {:5.1} %  {what}", 100.0 * t / total);
        }
        println!("{total:7.3} ms in all (sum of the layers' medians)");
        return;
    }
    stage("detector letterbox 128", iters, || {
        letterbox_into(&frame, 128, SIGNED, det_net.input_mut(), &mut Vec::new())
    });
    stage("detector model, as run", iters, || {
        black_box(det_net.run());
    });
    let mut detector = Detector::new().unwrap();
    stage("detector, all (crop, model, decode)", iters, || {
        black_box(detector.detect(&frame).unwrap());
    });
    stage("mesh crop 192, k=1", iters, || {
        crop_bilinear_into(&frame, &roi, 192, false, UNIT, backbone_net.input_mut())
    });
    let mut buf = vec![0f32; 3 * 192 * 192];
    stage("(mesh crop 192, supersampled)", iters, || {
        crop_into(&frame, &roi, 192, false, UNIT, &mut buf)
    });
    stage("attention mesh backbone model, as run", iters, || {
        black_box(backbone_net.run());
    });
    stage("attention eye head (one eye), as run", iters, || {
        black_box(eye_net.run());
    });
    stage("attention lips head, as run", iters, || {
        black_box(lips_net.run());
    });
    let mut attention = AttentionModel::new().unwrap();
    stage(
        "attention, backbone only (crop, model, decode)",
        iters,
        || {
            black_box(attention.run(&frame, roi, Heads::NONE).unwrap());
        },
    );
    stage("attention, backbone + 2 eye heads", iters, || {
        black_box(attention.run(&frame, roi, Heads::EYES).unwrap());
    });
    stage(
        "(attention, backbone + 3 heads, as MediaPipe)",
        iters,
        || {
            black_box(attention.run(&frame, roi, Heads::ALL).unwrap());
        },
    );
    stage("quality + signals", iters, || {
        let m = quality::measure(&frame, &obs, None);
        black_box(quality::assess(&frame, &obs, &m));
        black_box(signals::measure(&obs));
    });
    stage("(of which the sharpness crop)", iters, || {
        black_box(quality::sharpness(&frame, &obs.mesh.roi));
    });
    let square = sequence::face_square(&obs);
    stage("sequence crop 160 (recorded frames)", iters, || {
        black_box(sequence::sample_square(
            &frame,
            square,
            sequence::SEQUENCE_SIDE,
        ));
    });
    let crop = sequence::sample_square(&frame, square, sequence::SEQUENCE_SIDE);
    stage("its JPEG", iters, || {
        black_box(sequence::encode_jpeg(&crop, sequence::SEQUENCE_QUALITY).unwrap());
    });
    stage(
        "(its JPEG with full-resolution colour, 4:4:4)",
        iters,
        || {
            let mut jpeg = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, sequence::SEQUENCE_QUALITY);
            enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
            enc.encode(crop.as_raw(), 160, 160, jpeg_encoder::ColorType::Rgb)
                .unwrap();
            black_box(jpeg);
        },
    );
    stage("(its JPEG by image's encoder, 4:4:4)", iters, || {
        let mut jpeg = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg,
            sequence::SEQUENCE_QUALITY,
        );
        crop.write_with_encoder(enc).unwrap();
        black_box(jpeg);
    });
    analyzer.analyze(&frame).unwrap();
    stage("analyze, tracked, with eyes (and lips)", iters, || {
        black_box(analyzer.analyze(&frame).unwrap());
    });
    analyzer.set_eyes(false);
    stage("analyze, tracked, mesh only (and lips)", iters, || {
        black_box(analyzer.analyze(&frame).unwrap());
    });
    analyzer.set_eyes(true);
    stage(
        "analyze, cold (reset: detector + mesh + eyes + lips)",
        iters / 4,
        || {
            analyzer.reset();
            black_box(analyzer.analyze(&frame).unwrap());
        },
    );
}

/// Creating the analyser, and each network's share of it: reading the file
/// and building the runnable network.
fn startup_stages(iters: usize) {
    // The first in a new process is the one a phone pays: fresh memory to
    // fault in, the models' pages read in. The runs after it are warm.
    let t0 = now_ns();
    black_box(FaceAnalyzer::new().unwrap());
    println!(
        "FaceAnalyzer::new, first in this process         {:.2} ms",
        (now_ns() - t0) as f64 / 1e6
    );
    println!("then {iters} runs per stage, thread CPU time (warm: the process is not new)");
    for which in Which::ALL {
        stage(&format!("{which:?}: load"), iters, || {
            black_box(ConvNet::load(which.onnx()).unwrap());
        });
    }
    stage("FaceAnalyzer::new (every network)", iters, || {
        black_box(FaceAnalyzer::new().unwrap());
    });
}

/// The photo scaled so the face is `face_width` px wide, its centre at
/// (320, 220) of a black 640x480 frame.
fn frame(face_width: f32) -> RgbImage {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/faces/astronaut.jpg");
    let photo = image::open(&path).expect("astronaut.jpg").to_rgb8();
    let s = face_width / FACE.2;
    let (w, h) = (
        (photo.width() as f32 * s).round() as u32,
        (photo.height() as f32 * s).round() as u32,
    );
    let big = image::imageops::resize(&photo, w, h, image::imageops::FilterType::Triangle);
    let mut frame = RgbImage::new(640, 480);
    let (x, y) = (
        (320.0 - FACE.0 * s).round() as i64,
        (220.0 - FACE.1 * s).round() as i64,
    );
    image::imageops::overlay(&mut frame, &big, x, y);
    frame
}

fn stage(name: &str, iters: usize, mut f: impl FnMut()) {
    f(); // warm-up
    let mut ms: Vec<f64> = (0..iters.max(1))
        .map(|_| {
            let t0 = now_ns();
            f();
            (now_ns() - t0) as f64 / 1e6
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "{name:46} {:7.2} ms  (p10 {:.2}, p90 {:.2})",
        at(0.5),
        at(0.1),
        at(0.9)
    );
}

fn now_ns() -> u64 {
    lifecert_liveness::timing::thread_cpu_ns().unwrap_or_else(|| {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed().as_nanos() as u64
    })
}
