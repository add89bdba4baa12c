//! Shared by the server's examples: one real five-action capture whose
//! frontal and keyframes stand in for the app's uploads.

use lifecert::evidence::Evidence;
use lifecert::i18n::Language;
use lifecert::liveness::{Action, Challenge, LivenessEngine};
use lifecert_clipgen as cg;

/// A clipgen clip of grace_hopper.jpg doing all five actions, through the real
/// liveness engine: a frontal crop and one keyframe per action.
pub fn capture_all_actions() -> Evidence {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces");
    let img = image::open(fixtures.join("grace_hopper.jpg"))
        .unwrap()
        .to_rgb8();
    let lm = cg::load_reference_landmarks_refined(
        &fixtures.join("reference_landmarks.json"),
        "grace_hopper.jpg",
        0,
    )
    .unwrap();
    let script = [
        cg::Action::Blink,
        cg::Action::MouthOpen,
        cg::Action::TurnLeft,
        cg::Action::TurnRight,
        cg::Action::Nod,
    ];
    let clip = cg::render(&img, &lm, &cg::ClipScript::challenge(&script));
    let actions = vec![
        Action::Blink,
        Action::OpenMouth,
        Action::TurnLeft,
        Action::TurnRight,
        Action::Nod,
    ];
    let mut engine = LivenessEngine::new(
        Challenge {
            actions,
            nonce: "capture".into(),
        },
        Language::ZhHans,
    )
    .unwrap();
    for (i, f) in clip.frames.iter().enumerate() {
        engine.push(f, i as u64 * 1000 / 15).unwrap();
    }
    engine.evidence().expect("the five-action capture passes")
}
