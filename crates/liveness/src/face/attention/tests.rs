//! The attention mesh against MediaPipe's own output
//! (tests/fixtures/faces/mediapipe_attention.json, made by
//! models/attention_reference.py with mediapipe 0.10.21).

use super::*;
use crate::face::{Analysis, FaceAnalyzer};
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/faces")
}

fn references() -> Vec<Value> {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("mediapipe_attention.json")).unwrap(),
    )
    .unwrap();
    all["images"].as_array().unwrap().clone()
}

fn photo(r: &Value) -> RgbImage {
    image::open(fixtures().join(r["file"].as_str().unwrap()))
        .unwrap()
        .to_rgb8()
}

fn at(r: &Value, i: usize) -> [f32; 2] {
    let p = &r["landmarks"][i];
    [p[0].as_f64().unwrap() as f32, p[1].as_f64().unwrap() as f32]
}

fn dist(a: [f32; 2], b: [f32; 2]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

/// (mean, max) distance of our mesh, eye lids and irises from MediaPipe's
/// 478 points, over the mesh and over the eyes (32 lid + 10 iris points).
fn errors(refined_mesh: &Mesh, eyes: &[Eye; 2], r: &Value) -> [(f32, f32); 2] {
    let stats = |d: Vec<f32>| {
        let max = d.iter().copied().fold(0f32, f32::max);
        (d.iter().sum::<f32>() / d.len() as f32, max)
    };
    let mesh = (0..LANDMARKS)
        .map(|i| dist(refined_mesh.xy(i), at(r, i)))
        .collect();
    let mut eye = vec![];
    for (e, (table, iris_at)) in eyes.iter().zip([(&LEFT_EYE, 468), (&RIGHT_EYE, 473)]) {
        for (lid, &i) in e.lids.iter().zip(table.iter()) {
            eye.push(dist(*lid, at(r, i)));
        }
        for k in 0..5 {
            eye.push(dist(e.iris[k], at(r, iris_at + k)));
        }
    }
    [stats(mesh), stats(eye)]
}

#[test]
fn on_mediapipes_crop_the_port_gives_mediapipes_points() {
    let mut model = AttentionModel::new().unwrap();
    for r in references() {
        let name = r["file"].as_str().unwrap();
        let f = |k: &str| r["roi"][k].as_f64().unwrap() as f32;
        let roi = Roi {
            cx: f("cx"),
            cy: f("cy"),
            size: f("size"),
            angle: f("angle"),
        };
        let out = model
            .run(&photo(&r), roi, Heads::ALL)
            .unwrap()
            .expect("a face");
        let eyes = out.eyes.as_ref().expect("eyes asked for");
        let [(mesh_mean, mesh_max), (eye_mean, eye_max)] = errors(&out.mesh, eyes, &r);
        eprintln!(
            "{name}: mesh mean {mesh_mean:.3} max {mesh_max:.3} px, eyes mean {eye_mean:.3} max {eye_max:.3} px"
        );
        // Same crop, same model: only float rounding and our 8-bit bilinear
        // weights in the crop differ (the Python port gets 0.02 / 0.07 px).
        assert!(
            mesh_mean < 0.1 && mesh_max < 0.5,
            "{name}: mesh {mesh_mean} / {mesh_max}"
        );
        assert!(
            eye_mean < 0.1 && eye_max < 0.5,
            "{name}: eyes {eye_mean} / {eye_max}"
        );
    }
}

#[test]
fn tracked_frames_with_eyes_land_within_about_a_pixel_of_mediapipe() {
    let mut analyzer = FaceAnalyzer::new().unwrap();
    for r in references() {
        let name = r["file"].as_str().unwrap();
        if name == "two_faces.jpg" {
            continue; // MediaPipe and we may follow different faces
        }
        let img = photo(&r);
        analyzer.reset();
        // Detection, then two tracked frames (MediaPipe's reference is its
        // first tracked frame; our tracking crop is computed a little
        // differently, models/README.md §4).
        let mut last = None;
        for _ in 0..3 {
            let Analysis::Face(obs) = analyzer.analyze(&img).unwrap() else {
                panic!("{name}: no face")
            };
            last = Some(obs);
        }
        let obs = last.unwrap();
        let eyes = obs.eyes.as_ref().expect("eyes are on by default");
        let [(mesh_mean, mesh_max), (eye_mean, eye_max)] = errors(&obs.mesh, eyes, &r);
        eprintln!(
            "{name} tracked: mesh mean {mesh_mean:.3} max {mesh_max:.3} px, eyes mean {eye_mean:.3} max {eye_max:.3} px"
        );
        // Measured: mesh mean 0.49 / 0.99 px (max 1.7 / 3.7 px, on the jaw
        // line), eyes mean 0.23 / 0.37 px (max 0.55 / 0.95 px). Our crops
        // differ a little from MediaPipe's (tracking ROI, our first crop from
        // the detection), and its lips are refined, ours not (Heads::EYES).
        assert!(
            mesh_mean < 1.5 && mesh_max < 5.0,
            "{name}: mesh {mesh_mean} / {mesh_max}"
        );
        assert!(
            eye_mean < 0.6 && eye_max < 1.5,
            "{name}: eyes {eye_mean} / {eye_max}"
        );
    }
}
