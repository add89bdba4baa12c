//! The per-frame path allocates no full camera frame in steady state: a front
//! camera's NV21 buffer (rotated, mirrored) goes through one reused
//! `FrameConverter` into the engine. A counting global allocator (this test
//! binary only) counts every allocation as large as a frame.

use lifecert_clipgen as cg;
use lifecert_domain::i18n::Language;
use lifecert_liveness::capture::frame::{FrameConverter, FrameInfo, PixelFormat};
use lifecert_liveness::liveness::{Action, Challenge, LivenessEngine, LivenessPhase};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static THRESHOLD: AtomicUsize = AtomicUsize::new(usize::MAX);
static BIG: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

fn count(size: usize) {
    if COUNTING.load(Ordering::Relaxed) && size >= THRESHOLD.load(Ordering::Relaxed) {
        BIG.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A front camera's 640x480 analysis buffer (CameraX's default), as NV21:
/// the picture scaled to 480 px, centred in a grey upright 480x640 frame,
/// then turned and mirrored as the sensor sees it.
fn nv21_of(picture: &image::RgbImage) -> (Vec<u8>, FrameInfo) {
    let (w, h) = (640u32, 480u32);
    let upright = image::imageops::resize(picture, 480, 480, image::imageops::FilterType::Triangle);
    let mut sensor = image::RgbImage::from_pixel(480, 640, image::Rgb([90, 90, 90]));
    image::imageops::replace(&mut sensor, &upright, 0, 80);
    image::imageops::flip_horizontal_in_place(&mut sensor);
    let sensor = image::imageops::rotate270(&sensor);
    let mut buf = vec![0u8; (w * h * 3 / 2) as usize];
    let (luma, chroma) = buf.split_at_mut((w * h) as usize);
    for (x, y, p) in sensor.enumerate_pixels() {
        let [r, g, b] = p.0.map(|v| v as f32);
        luma[(y * w + x) as usize] = (16.0 + 0.257 * r + 0.504 * g + 0.098 * b) as u8;
        if x % 2 == 0 && y % 2 == 0 {
            let i = ((y / 2) * w + x) as usize;
            chroma[i] = (128.0 + 0.439 * r - 0.368 * g - 0.071 * b) as u8; // V
            chroma[i + 1] = (128.0 - 0.148 * r - 0.291 * g + 0.439 * b) as u8; // U
        }
    }
    let info = FrameInfo {
        width: w,
        height: h,
        row_stride: w,
        format: PixelFormat::Nv21,
        rotation: 90,
        mirrored: true,
        timestamp_ms: 0,
    };
    (buf, info)
}

#[test]
fn a_capture_in_steady_state_allocates_no_full_frame_per_frame() {
    let faces = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/faces");
    let photo = image::open(faces.join("grace_hopper.jpg"))
        .unwrap()
        .to_rgb8();
    let landmarks = cg::load_reference_landmarks_refined(
        &faces.join("reference_landmarks.json"),
        "grace_hopper.jpg",
        0,
    )
    .unwrap();
    let clip = cg::render(
        &photo,
        &landmarks,
        &cg::ClipScript::single(cg::Action::Blink),
    );
    let frames: Vec<_> = clip.frames.iter().map(nv21_of).collect();
    assert!(frames.len() >= 20, "{} frames", frames.len());
    let challenge = Challenge {
        actions: vec![Action::Blink],
        nonce: "n".into(),
    };
    let mut engine = LivenessEngine::new(challenge, Language::En).unwrap();
    let mut converter = FrameConverter::default();
    let frame_bytes = 640 * 480 * 3;
    THRESHOLD.store(frame_bytes, Ordering::SeqCst);
    let mut faces_seen = 0;
    for (i, (pixels, info)) in frames.iter().enumerate() {
        // Warm-up (models, tracking, the converter's buffer), then count.
        COUNTING.store(i >= 10, Ordering::SeqCst);
        let img = converter.convert(pixels, info).unwrap();
        assert_eq!(img.dimensions(), (480, 640), "upright");
        let update = engine.push(img, i as u64 * 66).unwrap();
        COUNTING.store(false, Ordering::SeqCst);
        eprintln!(
            "{i} {:?} {} {:?}",
            update.phase,
            update.face_box.is_some(),
            update.quality
        );
        // Followed until the challenge passed (then the engine stops looking).
        faces_seen +=
            usize::from(update.face_box.is_some() || update.phase == LivenessPhase::Passed);
    }
    assert!(
        faces_seen + 2 >= frames.len(),
        "the face was followed: {faces_seen} of {} frames",
        frames.len()
    );
    assert_eq!(
        BIG.load(Ordering::SeqCst),
        0,
        "allocations of {frame_bytes} bytes or more in {} steady frames",
        frames.len() - 10
    );
}
