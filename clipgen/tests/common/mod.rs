//! Shared fixtures for the clipgen tests.
#![allow(dead_code)]

use image::RgbImage;
use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn faces_dir() -> PathBuf {
    repo().join("tests/fixtures/faces")
}

/// Photo and landmarks of face `face` in fixture `file`.
pub fn fixture(file: &str, face: usize) -> (RgbImage, Vec<[f32; 3]>) {
    let photo = image::open(faces_dir().join(file)).unwrap().to_rgb8();
    let lm = lifecert_clipgen::load_reference_landmarks(
        &faces_dir().join("reference_landmarks.json"),
        file,
        face,
    )
    .unwrap();
    (photo, lm)
}

/// Every face in the fixtures.
pub const ALL_FACES: [(&str, usize); 4] = [
    ("astronaut.jpg", 0),
    ("grace_hopper.jpg", 0),
    ("two_faces.jpg", 0),
    ("two_faces.jpg", 1),
];

pub fn dist(a: [f32; 3], b: [f32; 3]) -> f32 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}
