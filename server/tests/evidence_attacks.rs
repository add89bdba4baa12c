//! certd's judgement of uploaded captures, played by a fraudster with one
//! photo of a pensioner who has died (issue 11): real face models, real
//! captures made by the phone's engine from real photos (clipgen), and
//! forged uploads built the way an attacker with a modified app would. Each
//! attack names the check that stops it; removing that check turns its test
//! red. The genuine captures pass.

#[path = "../../tests/support/replay.rs"]
#[allow(dead_code)]
mod replay;

use certd::faces::{default_models_dir, FaceKit};
use certd::verify::{judge, Decision, Issued, Judged};
use lifecert_clipgen as cg;
use lifecert_domain::api::Code;
use lifecert_liveness::evidence::{Evidence, EvidenceImage};
use lifecert_liveness::face::{Analysis, FaceAnalyzer};
use lifecert_liveness::liveness::flash::Reflection;
use lifecert_liveness::liveness::sequence::{
    encode_jpeg, face_square, sample_square, SequenceFrame, FRONTAL_SIDE, MAX_MEDIAN_INTERVAL_MS,
    SEQUENCE_QUALITY, SEQUENCE_SIDE,
};
use lifecert_liveness::liveness::Action;
use std::sync::{Mutex, MutexGuard, OnceLock};

const PENSIONER: &str = "grace_hopper.jpg";
const STRANGER: &str = "astronaut.jpg";
const CHALLENGE: [Action; 3] = [Action::Blink, Action::TurnLeft, Action::Nod];
/// When the challenge was issued (Unix ms); captures end 20 s later and are
/// judged 30 s later.
const ISSUED_MS: i64 = 1_780_000_000_000;

fn issued(actions: &[Action]) -> Issued {
    Issued {
        nonce: "nonce".into(),
        actions: actions.to_vec(),
        issued_ms: ISSUED_MS,
        expires_ms: ISSUED_MS + 30 * 60_000,
    }
}

fn kit() -> MutexGuard<'static, FaceKit> {
    static KIT: OnceLock<Mutex<FaceKit>> = OnceLock::new();
    KIT.get_or_init(|| Mutex::new(FaceKit::open(&default_models_dir()).expect("dlib models")))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The pensioner's enrolled template: her photo, embedded as `certd enrol` does.
fn template() -> &'static [f64] {
    static T: OnceLock<Vec<f64>> = OnceLock::new();
    T.get_or_init(|| {
        let img = image::open(replay::fixtures().join(PENSIONER))
            .unwrap()
            .to_rgb8();
        kit().find(&img, false).unwrap().unwrap().embedding
    })
}

/// A genuine capture of `photo` doing `actions` (made once per test binary;
/// the lock is held while it is made so parallel tests wait, not redo it).
fn genuine(photo: &'static str, actions: &[Action]) -> Evidence {
    static CACHE: Mutex<Vec<(String, Vec<Action>, Evidence)>> = Mutex::new(Vec::new());
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, e)) = cache.iter().find(|(p, a, _)| p == photo && a == actions) {
        return e.clone();
    }
    let e = replay::evidence(photo, actions, "nonce", ISSUED_MS as u64 + 20_000);
    cache.push((photo.into(), actions.to_vec(), e.clone()));
    e
}

fn judged(evidence: &Evidence, actions: &[Action]) -> Judged {
    let template = template();
    judge(
        &mut kit(),
        evidence,
        template,
        &issued(actions),
        ISSUED_MS + 30_000,
    )
    .expect("judged, not refused")
}

fn verdict(evidence: &Evidence, actions: &[Action]) -> Decision {
    judged(evidence, actions).decision
}

fn failed_with(d: &Decision) -> Option<Code> {
    match d {
        Decision::Failed { reason, .. } => Some(*reason),
        _ => None,
    }
}

/// What a modified app uploads for any frames at all: its own face crops at
/// 15 fps (the phone's engine never asked), a frontal picture of one of those
/// frames, and the verdict "passed".
fn forge(frames: &[image::RgbImage], actions: &[Action]) -> Evidence {
    let mut analyzer = FaceAnalyzer::new().unwrap();
    let mut sequence = Vec::new();
    let mut frontal = None;
    for (i, f) in frames.iter().enumerate() {
        let Analysis::Face(obs) = analyzer.analyze(f).unwrap() else {
            continue;
        };
        let rect = face_square(&obs);
        let t_ms = i as u64 * 1000 / 15;
        if frontal.is_none() {
            frontal = Some(EvidenceImage {
                t_ms,
                width: FRONTAL_SIDE,
                height: FRONTAL_SIDE,
                jpeg: encode_jpeg(&sample_square(f, rect, FRONTAL_SIDE), 85).unwrap(),
            });
        }
        sequence.push(SequenceFrame {
            t_ms,
            rect,
            jpeg: encode_jpeg(&sample_square(f, rect, SEQUENCE_SIDE), SEQUENCE_QUALITY).unwrap(),
        });
    }
    let first = sequence[0].t_ms;
    for f in &mut sequence {
        f.t_ms -= first;
    }
    let mut frontal = frontal.expect("a face somewhere");
    frontal.t_ms -= first;
    let mut e = genuine(PENSIONER, &CHALLENGE);
    e.challenge = actions.to_vec();
    e.frame_size = [frames[0].width(), frames[0].height()];
    e.started_at_ms = ISSUED_MS as u64 + 5_000;
    e.frontal = frontal;
    e.sequence = sequence;
    e
}

fn photo_frames(photo: &str, script: &cg::ClipScript) -> Vec<image::RgbImage> {
    let img = image::open(replay::fixtures().join(photo))
        .unwrap()
        .to_rgb8();
    let lm = cg::load_reference_landmarks_refined(
        &replay::fixtures().join("reference_landmarks.json"),
        photo,
        0,
    )
    .unwrap();
    cg::render(&img, &lm, script).frames
}

#[test]
fn a_genuine_capture_passes_and_matches_the_pensioners_template() {
    let e = genuine(PENSIONER, &CHALLENGE);
    let j = judged(&e, &CHALLENGE);
    assert!(matches!(j.decision, Decision::Passed { .. }), "{j:?}");
    // The replay camera lit the face with this nonce's screen colours.
    assert!(matches!(j.light, Some(Reflection::Matches(_))), "{j:?}");
}

#[test]
fn a_genuine_capture_with_the_screen_colours_off_passes_the_liveness_checks() {
    // The photosensitive person's path: no colours, nothing to match; the
    // record says so (and certd's policy sends it to a person).
    let frames = replay::clip(PENSIONER, &CHALLENGE);
    let mut e = replay::evidence_of_frames(
        &frames,
        &CHALLENGE,
        "nonce",
        ISSUED_MS as u64 + 20_000,
        false,
    );
    e.started_at_ms = e.started_at_ms.max(ISSUED_MS as u64);
    let j = judged(&e, &CHALLENGE);
    assert!(matches!(j.decision, Decision::Passed { .. }), "{j:?}");
    assert_eq!(j.light, None);
}

#[test]
fn an_earlier_genuine_capture_under_a_new_nonce_shows_the_wrong_screen_colours() {
    // Same actions in the same order, times moved into the new challenge's
    // window: only the light on the face gives it away.
    let mut e = genuine(PENSIONER, &CHALLENGE);
    let nonce = (0..)
        .map(|i| format!("new-{i}"))
        .find(|n| {
            let (a, b) = (
                lifecert_liveness::liveness::flash::schedule(n),
                lifecert_liveness::liveness::flash::schedule("nonce"),
            );
            a.iter().zip(&b).all(|(x, y)| x != y)
        })
        .unwrap();
    e.nonce = nonce.clone();
    let mut asked = issued(&CHALLENGE);
    asked.nonce = nonce;
    let template = template();
    let j = judge(&mut kit(), &e, template, &asked, ISSUED_MS + 30_000).unwrap();
    assert_eq!(failed_with(&j.decision), Some(Code::LightMismatch), "{j:?}");
}

#[test]
fn a_genuine_capture_of_another_person_is_not_the_pensioner() {
    let e = genuine(STRANGER, &CHALLENGE);
    let d = verdict(&e, &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::FaceMismatch), "{d:?}");
}

#[test]
fn one_still_photo_repeated_for_the_whole_capture_shows_no_action() {
    let frames = photo_frames(
        PENSIONER,
        &cg::ClipScript::new().then_for(cg::Action::StillPhoto, 6.0),
    );
    let d = verdict(&forge(&frames, &CHALLENGE), &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::ActionsNotSeen), "{d:?}");
}

#[test]
fn a_photo_waved_in_front_of_the_camera_never_passes_as_head_movements() {
    // Tilting a flat print barely moves the nose between the cheeks; any
    // turn it did trigger moves like a plane (the core's planar check, whose
    // own attacker tests are in src/liveness/planar.rs and
    // tests/liveness_clips.rs).
    let turns = [Action::TurnLeft, Action::TurnRight];
    let frames = photo_frames(
        PENSIONER,
        &cg::ClipScript::new()
            .then_for(cg::Action::Neutral, 1.0)
            .then_for(cg::Action::PlanarMotion, 6.0),
    );
    let d = verdict(&forge(&frames, &turns), &turns);
    assert!(
        matches!(
            failed_with(&d),
            Some(Code::SpoofSuspected | Code::ActionsNotSeen)
        ),
        "{d:?}"
    );
}

#[test]
fn actions_done_in_another_order_than_the_challenge_asked_fail() {
    let e = genuine(PENSIONER, &CHALLENGE);
    let asked = [Action::TurnLeft, Action::Blink, Action::Nod];
    let mut replayed = e.clone();
    replayed.challenge = asked.to_vec();
    let d = verdict(&replayed, &asked);
    assert_eq!(failed_with(&d), Some(Code::ActionsNotSeen), "{d:?}");
}

#[test]
fn an_earlier_genuine_capture_replayed_under_a_new_challenge_fails() {
    // The earlier capture did blink, left, nod; the new challenge asks for
    // nod, left, blink, and the attacker relabels the upload to match.
    let e = genuine(PENSIONER, &CHALLENGE);
    let asked = [Action::Nod, Action::TurnLeft, Action::Blink];
    let mut replayed = e.clone();
    replayed.challenge = asked.to_vec();
    let d = verdict(&replayed, &asked);
    assert_eq!(failed_with(&d), Some(Code::ActionsNotSeen), "{d:?}");
    // Even for the same actions, its times are before this challenge existed.
    let mut late = issued(&CHALLENGE);
    late.issued_ms += 10 * 60_000;
    let template = template();
    let d = judge(&mut kit(), &e, template, &late, late.issued_ms + 30_000)
        .unwrap()
        .decision;
    assert_eq!(failed_with(&d), Some(Code::CaptureBroken), "{d:?}");
}

#[test]
fn the_pensioners_frontal_picture_over_another_persons_capture_fails() {
    let pensioner = genuine(PENSIONER, &CHALLENGE);
    let mut e = genuine(STRANGER, &CHALLENGE);
    // Her frontal picture at the time of one of the stranger's frames.
    e.frontal = pensioner.frontal.clone();
    e.frontal.t_ms = e.sequence[e.sequence.len() / 2].t_ms;
    let d = verdict(&e, &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::CaptureBroken), "{d:?}");
}

#[test]
fn a_frontal_picture_that_is_not_a_frame_of_the_sequence_fails_even_of_the_same_person() {
    // The template photo itself, cropped by the attacker (a tenth of the
    // square off the app's own framing): the right person, but not a picture
    // of this capture. (The clip animates that photo, so the app's exact
    // square of it would be its neutral frame.)
    let img = image::open(replay::fixtures().join(PENSIONER))
        .unwrap()
        .to_rgb8();
    let mut analyzer = FaceAnalyzer::new().unwrap();
    let Analysis::Face(obs) = analyzer.analyze(&img).unwrap() else {
        panic!("face in the fixture");
    };
    let mut e = genuine(PENSIONER, &CHALLENGE);
    let mut rect = face_square(&obs);
    rect[0] += rect[2] / 10.0;
    e.frontal.jpeg = encode_jpeg(&sample_square(&img, rect, FRONTAL_SIDE), 85).unwrap();
    let d = verdict(&e, &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::CaptureBroken), "{d:?}");
}

#[test]
fn a_cut_to_another_face_halfway_is_a_different_person() {
    // The pensioner's first half, then the stranger doing the rest, spliced
    // with continuous times and positions.
    let mut e = genuine(PENSIONER, &CHALLENGE);
    let other = genuine(STRANGER, &CHALLENGE);
    let half = e.sequence.len() / 2;
    let cut_t = e.sequence[half].t_ms;
    let rect = e.sequence[half - 1].rect;
    e.sequence.truncate(half);
    let from = other
        .sequence
        .iter()
        .position(|f| f.t_ms >= cut_t)
        .expect("the stranger's capture is long enough");
    for f in &other.sequence[from..] {
        e.sequence.push(SequenceFrame {
            t_ms: f.t_ms,
            rect,
            jpeg: f.jpeg.clone(),
        });
    }
    let d = verdict(&e, &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::DifferentPeople), "{d:?}");
}

#[test]
fn a_capture_with_crops_where_no_face_can_be_found_fails() {
    // One crop in eight replaced by a grey square (hiding what happened
    // there): more than the few JPEG or blur misses certd tolerates.
    let mut e = genuine(PENSIONER, &CHALLENGE);
    let grey = encode_jpeg(
        &image::RgbImage::from_pixel(SEQUENCE_SIDE, SEQUENCE_SIDE, image::Rgb([128, 128, 128])),
        SEQUENCE_QUALITY,
    )
    .unwrap();
    let frontal_t = e.frontal.t_ms;
    for f in e.sequence.iter_mut().skip(3).step_by(8) {
        if f.t_ms != frontal_t {
            f.jpeg = grey.clone();
        }
    }
    let d = verdict(&e, &CHALLENGE);
    assert_eq!(failed_with(&d), Some(Code::FaceNotFound), "{d:?}");
}

/// One genuine capture, broken in one way at a time: each must fail as a
/// broken capture, and each mutation targets one check of `check_timing`
/// (times are moved together with the frontal picture's, so the frontal
/// binding does not catch them first).
#[test]
fn captures_with_impossible_times_or_geometry_fail_each_check() {
    let e = genuine(PENSIONER, &CHALLENGE);
    let n = e.sequence.len();
    type Mutation = Box<dyn Fn(&mut Evidence)>;
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "too few frames",
            Box::new(|e| {
                e.sequence.truncate(8);
                // The frontal picture made from one of the frames left, so
                // that only the count refuses it.
                let f = &e.sequence[4];
                let crop = image::load_from_memory(&f.jpeg).unwrap().to_rgb8();
                let big = image::imageops::resize(
                    &crop,
                    FRONTAL_SIDE,
                    FRONTAL_SIDE,
                    image::imageops::FilterType::Triangle,
                );
                e.frontal.jpeg = encode_jpeg(&big, 90).unwrap();
                e.frontal.t_ms = f.t_ms;
            }),
        ),
        (
            "times go backwards",
            Box::new(move |e| {
                let t = e.sequence[n / 2].t_ms;
                e.sequence[n / 2].t_ms = e.sequence[n / 2 + 1].t_ms;
                e.sequence[n / 2 + 1].t_ms = t;
            }),
        ),
        (
            "a gap of a second and a half (the face was away)",
            Box::new(move |e| {
                for f in &mut e.sequence[n / 2..] {
                    f.t_ms += 1500;
                }
            }),
        ),
        (
            "faster than any camera",
            Box::new(|e| {
                e.sequence.iter_mut().for_each(|f| f.t_ms /= 8);
                e.frontal.t_ms /= 8;
            }),
        ),
        (
            "slower than the app records",
            Box::new(|e| {
                // Every gap under a second, but a still every 650 ms.
                let at = e
                    .sequence
                    .iter()
                    .position(|f| f.t_ms == e.frontal.t_ms)
                    .unwrap();
                for (i, f) in e.sequence.iter_mut().enumerate() {
                    f.t_ms = i as u64 * (MAX_MEDIAN_INTERVAL_MS + 50);
                }
                e.frontal.t_ms = e.sequence[at].t_ms;
            }),
        ),
        (
            "does not start at zero",
            Box::new(|e| {
                e.sequence.iter_mut().for_each(|f| f.t_ms += 40);
                e.frontal.t_ms += 40;
            }),
        ),
        (
            "recorded before the challenge was issued",
            Box::new(|e| e.started_at_ms -= 10 * 60_000),
        ),
        (
            "recorded in the future",
            Box::new(|e| e.started_at_ms += 10 * 60_000),
        ),
        (
            "the face jumps across the frame",
            Box::new(move |e| e.sequence[n / 2].rect[0] += 300.0),
        ),
        (
            "the face doubles in size from one frame to the next",
            Box::new(move |e| e.sequence[n / 2].rect[2] *= 2.0),
        ),
        (
            "a crop that is not a number",
            Box::new(move |e| e.sequence[n / 2].rect[1] = f32::NAN),
        ),
        ("no camera frame size", Box::new(|e| e.frame_size = [0, 0])),
        (
            "the frontal picture's time is no frame's",
            Box::new(|e| e.frontal.t_ms += 1),
        ),
    ];
    for (what, mutate) in cases {
        let mut broken = e.clone();
        mutate(&mut broken);
        let d = verdict(&broken, &CHALLENGE);
        assert_eq!(failed_with(&d), Some(Code::CaptureBroken), "{what}: {d:?}");
    }
}

#[test]
fn certd_agrees_with_the_phone_on_genuine_captures_of_every_action_in_several_orders() {
    // Each capture passed on the phone (replay::evidence panics otherwise);
    // certd must pass its liveness too: the pensioner all the way, the
    // stranger up to the template, which is not hers.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let cases: [(&'static str, &[Action]); 4] = [
        (
            PENSIONER,
            &[Action::OpenMouth, Action::TurnRight, Action::Blink],
        ),
        (PENSIONER, &[Action::Nod, Action::OpenMouth]),
        (STRANGER, &[Action::TurnRight, Action::Blink, Action::Nod]),
        (STRANGER, &[Action::TurnLeft, Action::Nod]),
    ];
    for (photo, actions) in cases {
        let e = genuine(photo, actions);
        let d = verdict(&e, actions);
        let agrees = match photo {
            PENSIONER => matches!(d, Decision::Passed { .. }),
            _ => failed_with(&d) == Some(Code::FaceMismatch),
        };
        assert!(agrees, "{photo} {actions:?}: {d:?}");
    }
}

#[test]
fn a_slow_persons_long_genuine_capture_thinned_to_the_budget_still_passes_certd() {
    // A person who waits 7 s before each action (slow to hear the prompt, or
    // a loaded phone replaying a farm clip): the capture is about twice the
    // upload budget, so the phone thins it; certd must still see every action.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let cases: [&[Action]; 2] = [
        &[Action::OpenMouth, Action::Blink, Action::Nod],
        &[Action::Blink, Action::TurnRight, Action::OpenMouth],
    ];
    for actions in cases {
        let mut script = cg::ClipScript::new().then_for(cg::Action::Neutral, cg::script::LEAD_IN_S);
        for &a in actions {
            script = script
                .then(replay::clip_action(a))
                .then_for(cg::Action::Neutral, 7.0);
        }
        let frames = photo_frames(PENSIONER, &script);
        let e =
            replay::evidence_of_frames(&frames, actions, "nonce", ISSUED_MS as u64 + 28_000, true);
        let span = e.sequence.last().unwrap().t_ms - e.sequence[0].t_ms;
        assert!(
            span > 18_000 && e.sequence.len() < span as usize * 6 / 1000,
            "{actions:?}: the test needs a thinned long capture: {} crops over {span} ms",
            e.sequence.len()
        );
        let d = verdict(&e, actions);
        assert!(matches!(d, Decision::Passed { .. }), "{actions:?}: {d:?}");
    }
}

#[test]
fn a_shallow_blink_the_phone_accepts_passes_certd_too() {
    // Older lids often do not shut fully: at 65 % closure the phone reads the
    // blink at 0.16 (its mark is 0.15) and certd, measuring the 160 px crops,
    // smaller still; it refused this capture before it allowed for that.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let actions = [Action::Blink, Action::TurnLeft];
    let shallow = cg::Amplitudes {
        blink: 0.65,
        ..Default::default()
    };
    let script =
        cg::ClipScript::challenge(&actions.map(replay::clip_action)).with_amplitudes(shallow);
    let frames = photo_frames(PENSIONER, &script);
    let e = replay::evidence_of_frames(&frames, &actions, "nonce", ISSUED_MS as u64 + 20_000, true);
    let blink = e
        .verdict
        .observed
        .iter()
        .find(|o| o.accepted && o.event.action == Action::Blink);
    assert!(
        blink.is_some_and(|o| o.event.peak_deviation < 0.2),
        "the test needs a blink the phone barely accepts: {:?}",
        e.verdict.observed
    );
    let d = verdict(&e, &actions);
    assert!(matches!(d, Decision::Passed { .. }), "{d:?}");
}

#[test]
fn evidence_naming_another_nonce_or_other_actions_is_refused_before_judging() {
    // A capture made for one challenge, uploaded against another: certd
    // checks the light against the issued nonce and the actions it issued,
    // never the ones the upload names.
    let e = genuine(PENSIONER, &CHALLENGE);
    let body = e.to_json();
    assert!(certd::verify::parse(&body, &issued(&CHALLENGE)).is_ok());
    let mut other_nonce = issued(&CHALLENGE);
    other_nonce.nonce = "another nonce".into();
    let mut easier = issued(&CHALLENGE);
    easier.actions = vec![Action::Blink, Action::TurnLeft];
    for (what, issued) in [("another nonce", other_nonce), ("other actions", easier)] {
        match certd::verify::parse(&body, &issued) {
            Err(certd::verify::Refused(code, _)) => {
                assert_eq!(code, Code::EvidenceInvalid, "{what}")
            }
            Ok(_) => panic!("{what}: accepted"),
        }
    }
}

#[test]
fn a_capture_the_phone_did_not_pass_is_never_passed_by_certd() {
    // The phone's verdict can only lower the outcome: certd does not turn
    // "not passed" into a pass, even for frames it would accept.
    let mut e = genuine(PENSIONER, &CHALLENGE);
    assert!(matches!(verdict(&e, &CHALLENGE), Decision::Passed { .. }));
    e.verdict.passed = false;
    assert_eq!(
        failed_with(&verdict(&e, &CHALLENGE)),
        Some(Code::ActionsNotSeen)
    );
}

#[test]
fn the_frontal_picture_travels_without_landmarks_and_an_older_apps_landmarks_are_ignored() {
    // certd reads the frontal's pixels and time only (its face box comes from
    // its sequence frame), so the phone sends no landmarks.
    let e = genuine(PENSIONER, &CHALLENGE);
    let body = e.to_json();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let mut keys: Vec<&str> = json["frontal"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["height", "jpeg", "t_ms", "width"]);
    assert!(!String::from_utf8_lossy(&body).contains("\"landmarks\""));
    // An app from before (format 3 with the frontal's 468 landmarks) is not
    // refused: the field is ignored, like any other certd does not read, and
    // the capture is judged as before.
    let mut old = json;
    old["frontal"]["landmarks"] = serde_json::json!(vec![[120.5, 98.25]; 468]);
    let old_body = serde_json::to_vec(&old).unwrap();
    let parsed = certd::verify::parse(&old_body, &issued(&CHALLENGE)).expect("accepted");
    assert_eq!(parsed, e);
    assert!(matches!(
        verdict(&parsed, &CHALLENGE),
        Decision::Passed { .. }
    ));
}
