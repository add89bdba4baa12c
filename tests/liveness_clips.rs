//! The liveness engine on clips animated from real photos (clipgen): each
//! action is found in its own clip and in no other, a full challenge passes,
//! and both attacks (the still photo, the photo moved as a plane) are rejected.

use lifecert::i18n::Language;
use lifecert::liveness::engine::Verdict;
use lifecert::liveness::{Action, Challenge, LivenessEngine, LivenessPhase, RejectReason};
use lifecert_clipgen as cg;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faces")
}

fn render(photo: &str, script: &cg::ClipScript) -> cg::Clip {
    let img = image::open(fixtures().join(photo)).unwrap().to_rgb8();
    let lm = cg::load_reference_landmarks_refined(
        &fixtures().join("reference_landmarks.json"),
        photo,
        0,
    )
    .unwrap();
    cg::render(&img, &lm, script)
}

fn ours(a: cg::Action) -> Action {
    match a {
        cg::Action::Blink => Action::Blink,
        cg::Action::MouthOpen => Action::OpenMouth,
        cg::Action::TurnLeft => Action::TurnLeft,
        cg::Action::TurnRight => Action::TurnRight,
        cg::Action::Nod => Action::Nod,
        other => panic!("{other:?} is not a live action"),
    }
}

fn run(clip: &cg::Clip, actions: &[Action]) -> (Verdict, LivenessEngine) {
    let challenge = Challenge {
        actions: actions.to_vec(),
        nonce: "test-nonce".into(),
    };
    let mut engine = LivenessEngine::new(challenge, Language::ZhHans).unwrap();
    let frame_ms = 1000.0 / clip.truth.fps as f64;
    for (i, frame) in clip.frames.iter().enumerate() {
        engine.push(frame, (i as f64 * frame_ms) as u64).unwrap();
    }
    (engine.verdict(), engine)
}

fn seen(v: &Verdict) -> BTreeSet<String> {
    v.observed
        .iter()
        .map(|o| format!("{:?}", o.event.action))
        .collect()
}

#[test]
fn each_action_is_found_in_its_own_clip_and_in_no_other() {
    for action in cg::Action::CHALLENGES {
        let clip = render("grace_hopper.jpg", &cg::ClipScript::single(action));
        let (verdict, _) = run(&clip, &[ours(action)]);
        let expected: BTreeSet<String> = [format!("{:?}", ours(action))].into();
        assert_eq!(
            seen(&verdict),
            expected,
            "{action:?} clip: {:?}",
            verdict.observed
        );
        assert!(
            verdict.passed,
            "{action:?} clip should pass a one-step challenge: {verdict:?}"
        );
        // Found where the clip really does it.
        let range = &clip.ranges(action)[0];
        let ev = &verdict.observed[0].event;
        assert!(
            (ev.peak_frame as usize) >= range.start && (ev.peak_frame as usize) < range.end,
            "{action:?} peak at {} outside {range:?}",
            ev.peak_frame
        );
    }
}

#[test]
fn a_full_challenge_passes_in_order_with_evidence_under_budget() {
    // Two people. The astronaut smiles with her teeth showing, and clipgen's jaw
    // drop turns that into a smear no face model reads as an open mouth, so her
    // challenge uses the other actions.
    let cases = [
        (
            "grace_hopper.jpg",
            vec![
                cg::Action::Blink,
                cg::Action::TurnLeft,
                cg::Action::MouthOpen,
            ],
        ),
        (
            "astronaut.jpg",
            vec![cg::Action::TurnRight, cg::Action::Blink, cg::Action::Nod],
        ),
    ];
    for (photo, script) in cases {
        let clip = render(photo, &cg::ClipScript::challenge(&script));
        let actions: Vec<Action> = script.iter().map(|a| ours(*a)).collect();
        let (verdict, engine) = run(&clip, &actions);
        assert!(verdict.passed, "{photo}: {verdict:?}");
        assert_eq!(engine.phase(), LivenessPhase::Passed);
        let evidence = engine
            .evidence(1_700_000_000_000)
            .expect("a passed capture has evidence");
        assert_eq!(evidence.nonce, "test-nonce");
        assert!(evidence.baseline[0].is_some(), "{:?}", evidence.baseline);
        // The sequence covers the capture from the neutral face to the last
        // action without a gap the server would refuse, and the frontal
        // picture is one of its frames.
        let seq = &evidence.sequence;
        assert!(
            seq.len() >= lifecert::evidence::sequence::MIN_FRAMES,
            "{}",
            seq.len()
        );
        assert!(seq.windows(2).all(|w| w[0].t_ms < w[1].t_ms
            && w[1].t_ms - w[0].t_ms < lifecert::evidence::sequence::MAX_GAP_MS));
        assert!(seq.iter().any(|f| f.t_ms == evidence.frontal.t_ms));
        let bytes = evidence.to_json();
        assert!(
            bytes.len() <= lifecert::evidence::BUDGET_BYTES,
            "{} bytes",
            bytes.len()
        );
        assert_eq!(
            lifecert::evidence::Evidence::from_json(&bytes).unwrap(),
            evidence
        );
    }
}

#[test]
fn actions_in_the_wrong_order_do_not_pass() {
    let clip = render(
        "grace_hopper.jpg",
        &cg::ClipScript::challenge(&[cg::Action::MouthOpen, cg::Action::Blink]),
    );
    let (verdict, _) = run(&clip, &[Action::Blink, Action::OpenMouth]);
    assert!(!verdict.passed, "{verdict:?}");
    assert_eq!(verdict.reason, Some(RejectReason::ActionsMissing));
}

#[test]
fn a_still_photo_is_rejected() {
    let clip = render(
        "grace_hopper.jpg",
        &cg::ClipScript::single(cg::Action::StillPhoto).then_for(cg::Action::StillPhoto, 3.0),
    );
    let (verdict, _) = run(&clip, &[Action::Blink, Action::TurnLeft]);
    assert!(!verdict.passed);
    assert_eq!(verdict.reason, Some(RejectReason::ActionsMissing));
    assert!(verdict.observed.is_empty(), "{:?}", verdict.observed);
}

#[test]
fn a_photo_moved_as_a_plane_is_rejected() {
    for photo in ["grace_hopper.jpg", "astronaut.jpg"] {
        let clip = render(
            photo,
            &cg::ClipScript::single(cg::Action::PlanarMotion)
                .then_for(cg::Action::PlanarMotion, 4.0),
        );
        let (verdict, _) = run(&clip, &[Action::TurnLeft, Action::TurnRight, Action::Nod]);
        assert!(!verdict.passed, "{photo}: {verdict:?}");
        // Any head movement it triggered was seen to be flat.
        for o in &verdict.observed {
            if o.event.action.moves_head() {
                assert!(!o.accepted, "{photo}: flat movement accepted: {o:?}");
            }
        }
    }
}
