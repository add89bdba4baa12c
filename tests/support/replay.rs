//! The replay camera: stands in for the phone's camera in the demo and the
//! end-to-end tests. It animates a real photo doing exactly the actions the
//! server asked for (clipgen) and pushes the frames into the app, as the
//! Android/iOS shells push camera frames. Shared by `lifecert demo` and
//! `tests/journeys.rs` through `#[path]`, so both run the same camera.

use lifecert_app::flow::view::{AppView, Screen};
use lifecert_app::flow::{Event, LifeCertApp};
use lifecert_clipgen as cg;
use lifecert_liveness::capture::frame::{FrameInfo, PixelFormat};
use lifecert_liveness::liveness::flash::ScreenColour;
use lifecert_liveness::liveness::Action;
use std::path::{Path, PathBuf};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces")
}

pub fn clip_action(a: Action) -> cg::Action {
    match a {
        Action::Blink => cg::Action::Blink,
        Action::OpenMouth => cg::Action::MouthOpen,
        Action::TurnLeft => cg::Action::TurnLeft,
        Action::TurnRight => cg::Action::TurnRight,
        Action::Nod => cg::Action::Nod,
    }
}

/// The frames of `photo` (a file in tests/fixtures/faces) doing `actions`.
pub fn clip(photo: &str, actions: &[Action]) -> Vec<image::RgbImage> {
    let img = image::open(fixtures().join(photo))
        .expect("fixture photo")
        .to_rgb8();
    let lm = cg::load_reference_landmarks_refined(
        &fixtures().join("reference_landmarks.json"),
        photo,
        0,
    )
    .expect("fixture landmarks");
    let script: Vec<cg::Action> = actions.iter().map(|&a| clip_action(a)).collect();
    cg::render(&img, &lm, &cg::ClipScript::challenge(&script)).frames
}

/// A frame as the camera sees it while the screen shows `colour` (the light
/// check), in a room.
pub fn lit(
    frame: &image::RgbImage,
    colour: Option<ScreenColour>,
) -> std::borrow::Cow<'_, image::RgbImage> {
    match colour {
        None => std::borrow::Cow::Borrowed(frame),
        Some(c) => {
            let mut f = frame.clone();
            cg::screen::reflect(&mut f, [c.red, c.green, c.blue], cg::screen::ROOM_STRENGTH);
            std::borrow::Cow::Owned(f)
        }
    }
}

/// The colour the capture screen shows now, if any.
fn screen_colour(view: &AppView) -> Option<ScreenColour> {
    match &view.screen {
        Screen::Capture { update, .. } => update.screen_colour,
        _ => None,
    }
}

/// Feeds frames at 15 fps as raw RGB camera buffers until the capture ends,
/// each lit by the colour the screen showed after the frame before.
/// Returns the number of frames pushed.
pub fn feed(app: &LifeCertApp, frames: &[image::RgbImage]) -> usize {
    for (i, f) in frames.iter().enumerate() {
        let f = lit(f, screen_colour(&app.view()));
        let info = FrameInfo {
            width: f.width(),
            height: f.height(),
            row_stride: f.width() * 3,
            format: PixelFormat::Rgb,
            rotation: 0,
            mirrored: false,
            timestamp_ms: (i as u64 * 1000) / 15,
        };
        app.push_frame(f.as_raw(), info)
            .expect("a well-formed frame");
        if !matches!(app.view().screen, Screen::Capture { .. }) {
            return i + 1;
        }
    }
    frames.len()
}

/// The actions of the challenge the app is about to capture.
pub fn challenge(view: &AppView) -> Option<Vec<Action>> {
    match &view.screen {
        Screen::CameraPermission { actions, .. } => Some(actions.clone()),
        _ => None,
    }
}

/// Waits for one of the app's async calls (the shells' coroutines/tasks).
pub fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// From the camera-permission screen `v`: films the challenge with `photo` and
/// waits for the server's answer, asking for another challenge while the
/// replay cannot act the one given (see [`can_act`]).
pub fn capture(app: &LifeCertApp, mut v: AppView, photo: &str) -> Result<AppView, String> {
    for _ in 0..10 {
        let actions = challenge(&v)
            .ok_or_else(|| format!("no challenge: {:?} ({:?})", v.screen, v.problem))?;
        if actions.iter().all(|&a| can_act(photo, a)) {
            block(app.send_and_wait(Event::CameraReady));
            feed(app, &clip(photo, &actions));
            return Ok(block(app.settle()));
        }
        v = block(app.send_and_wait(Event::Retry));
    }
    Err("no challenge the replay can act in 10 tries".into())
}

/// Whether clipgen can animate `action` on `photo`: the astronaut smiles with
/// her teeth showing, and clipgen's jaw drop smears that mouth, so her replay
/// cannot open its mouth (see tests/liveness_clips.rs).
pub fn can_act(photo: &str, action: Action) -> bool {
    !(photo == "astronaut.jpg" && action == Action::OpenMouth)
}

/// What the app would upload after `photo` did `actions` in front of the
/// replay camera: the phone's own engine over the clip at 15 fps, ending at
/// `wall_ms` (Unix ms). Panics if the phone's engine does not pass it.
#[allow(dead_code)] // certd's tests and examples; not the CLI
pub fn evidence(
    photo: &str,
    actions: &[Action],
    nonce: &str,
    wall_ms: u64,
) -> lifecert_liveness::evidence::Evidence {
    evidence_of_frames(&clip(photo, actions), actions, nonce, wall_ms, true)
}

/// Like [`evidence`], for frames made elsewhere; `light`: the screen
/// colours on (the default) or off (the photosensitive person's choice).
#[allow(dead_code)]
pub fn evidence_of_frames(
    frames: &[image::RgbImage],
    actions: &[Action],
    nonce: &str,
    wall_ms: u64,
    light: bool,
) -> lifecert_liveness::evidence::Evidence {
    use lifecert_liveness::liveness::{Challenge, LivenessEngine, LivenessPhase};
    let mut engine = LivenessEngine::new(
        Challenge {
            actions: actions.to_vec(),
            nonce: nonce.into(),
        },
        lifecert_domain::i18n::Language::En,
    )
    .expect("face models");
    engine.set_flash(light);
    let mut colour = None;
    for (i, f) in frames.iter().enumerate() {
        let u = engine
            .push(&lit(f, colour), i as u64 * 1000 / 15)
            .expect("a frame");
        colour = u.screen_colour;
        if u.phase == LivenessPhase::Passed {
            break;
        }
    }
    lifecert_liveness::evidence::Evidence::of(&engine, wall_ms)
        .unwrap_or_else(|e| panic!("the phone passes this clip: {e}; {:?}", engine.verdict()))
}
