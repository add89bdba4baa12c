//! Face analysis timings (criterion): `cargo bench --bench face`.
//!
//! On the real photo `tests/fixtures/faces/astronaut.jpg` (512x512) and on the
//! same photo centred in a black 640x480 camera-sized frame:
//!
//! * `detect + mesh (cold)`: `reset()` then `analyze()`, i.e. detector, mesh
//!   and both eye heads, what the first frame of a capture costs;
//! * `tracking only`: `analyze()` again and again on the same frame after one
//!   warm-up call: mesh from the previous landmarks plus eyes, and the detector
//!   once every `RECHECK_EVERY` frames, what a capture costs per frame while
//!   calibrating or during a blink step;
//! * `tracking, mesh only`: the same with `set_eyes(false)`, what the frames
//!   of the other steps (turn, nod, mouth) cost;
//! * `detector`: BlazeFace alone.
//!
//! Kept short (20 samples, 5 s each) so it finishes in a few minutes on a
//! 2-core laptop. For the side-by-side with MediaPipe see
//! `bench/compare_mediapipe.sh` and `docs/performance.md`.

use criterion::{criterion_group, criterion_main, Criterion};
use image::RgbImage;
use lifecert_liveness::face::{Analysis, FaceAnalyzer};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn photo() -> RgbImage {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/faces/astronaut.jpg");
    image::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

/// The photo centred in a black 640x480 frame (a phone camera's preview size).
fn in_vga_frame(photo: &RgbImage) -> RgbImage {
    let mut frame = RgbImage::new(640, 480);
    // 512 high does not fit in 480: crop the photo's centre rows.
    let (pw, ph) = (photo.width().min(640), photo.height().min(480));
    let (sx, sy) = ((photo.width() - pw) / 2, (photo.height() - ph) / 2);
    let (dx, dy) = ((640 - pw) / 2, (480 - ph) / 2);
    for y in 0..ph {
        for x in 0..pw {
            frame.put_pixel(dx + x, dy + y, *photo.get_pixel(sx + x, sy + y));
        }
    }
    frame
}

fn face(c: &mut Criterion) {
    let photo = photo();
    let frames = [
        ("photo 512x512", photo.clone()),
        ("frame 640x480", in_vga_frame(&photo)),
    ];
    let mut analyzer = FaceAnalyzer::new().expect("models load");

    let mut group = c.benchmark_group("face");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    for (name, img) in &frames {
        // Fail loudly rather than timing the "no face" early exit.
        analyzer.reset();
        match analyzer.analyze(img).expect("analyze") {
            Analysis::Face(_) => {}
            Analysis::NoFace => panic!("{name}: no face found"),
        }
        assert!(
            !analyzer.detect(img).expect("detect").is_empty(),
            "{name}: detector found nothing"
        );

        group.bench_function(format!("detect + mesh (cold), {name}"), |b| {
            b.iter(|| {
                analyzer.reset();
                black_box(analyzer.analyze(black_box(img)).expect("analyze"))
            })
        });
        // One warm-up call outside the closure (criterion calls it once per
        // sample): from here on every call tracks.
        analyzer.reset();
        analyzer.analyze(img).expect("warm-up");
        group.bench_function(format!("tracking only, {name}"), |b| {
            b.iter(|| black_box(analyzer.analyze(black_box(img)).expect("analyze")))
        });
        analyzer.set_eyes(false);
        group.bench_function(format!("tracking, mesh only, {name}"), |b| {
            b.iter(|| black_box(analyzer.analyze(black_box(img)).expect("analyze")))
        });
        analyzer.set_eyes(true);
        group.bench_function(format!("detector, {name}"), |b| {
            b.iter(|| black_box(analyzer.detect(black_box(img)).expect("detect")))
        });
    }
    group.finish();
}

criterion_group!(benches, face);
criterion_main!(benches);
