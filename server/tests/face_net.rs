//! certd's face embeddings: dlib's ResNet read from dlib's file and run by
//! the core's ConvNet must give what dlib itself gives, on the same aligned
//! chips of real faces; a damaged or different model file is refused.

#[path = "../../tests/support/replay.rs"]
#[allow(dead_code)]
mod replay;

use certd::faces::resnet::FaceNet;
use certd::faces::{default_models_dir, distance, dlib_rect, FaceKit, RESNET_FILE};
use dlib_face_recognition::{
    FaceEncoderNetwork, FaceEncoderTrait, ImageMatrix, LandmarkPredictor, LandmarkPredictorTrait,
};
use image::RgbImage;

/// dlib's own embedding, as certd computed it before: its landmarks, its
/// chip, its network.
fn dlib_embedding(img: &RgbImage, bbox: [f32; 4]) -> Vec<f64> {
    let dir = default_models_dir();
    let predictor = LandmarkPredictor::open(dir.join("shape_predictor_5_face_landmarks.dat"))
        .expect("shape predictor");
    let encoder = FaceEncoderNetwork::open(dir.join(RESNET_FILE)).expect("dlib network");
    let (w, h) = (img.width() as usize, img.height() as usize);
    // SAFETY: the buffer holds w*h RGB pixels.
    let matrix = unsafe { ImageMatrix::new(w, h, img.as_raw().as_ptr()) };
    let rect = dlib_rect(bbox, w, h).expect("a box inside the picture");
    let landmarks = predictor.face_landmarks(&matrix, &rect);
    encoder.get_face_encodings(&matrix, &[landmarks], 0)[0]
        .as_ref()
        .to_vec()
}

fn photo(name: &str) -> RgbImage {
    image::open(replay::fixtures().join(name))
        .unwrap()
        .to_rgb8()
}

#[test]
fn the_resnet_in_convnet_gives_dlibs_embedding_on_real_faces() {
    let mut kit = FaceKit::open(&default_models_dir()).expect("models");
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for name in [
        "grace_hopper.jpg",
        "astronaut.jpg",
        "more/obama.jpg",
        "more/biden.jpg",
    ] {
        let full = photo(name);
        // The photo as enrolled, and shrunk to the size of a sequence crop's
        // face (certd embeds both kinds).
        let small = image::imageops::resize(&full, 200, 200, image::imageops::FilterType::Triangle);
        for img in [full, small] {
            let found = kit.find(&img, false).unwrap().expect("a face");
            let bbox = found.observation.bbox;
            let dlib = dlib_embedding(&img, bbox);
            let worst = found
                .embedding
                .iter()
                .zip(&dlib)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            eprintln!(
                "{name} {}: worst component difference {worst:e}",
                img.width()
            );
            assert!(
                worst < 1e-5,
                "{name} {}x{}: a component differs from dlib's by {worst}",
                img.width(),
                img.height()
            );
            assert!(distance(&found.embedding, &dlib) < 1e-3);
            ours.push(found.embedding);
            theirs.push(dlib);
        }
    }
    // Who is who is unchanged: every pair's distance as dlib measures it.
    for i in 0..ours.len() {
        for j in 0..i {
            let (a, b) = (
                distance(&ours[i], &ours[j]),
                distance(&theirs[i], &theirs[j]),
            );
            assert!((a - b).abs() < 1e-3, "pair {i},{j}: {a} against dlib's {b}");
        }
    }
}

#[test]
fn a_damaged_or_different_model_file_is_refused() {
    let dat = std::fs::read(default_models_dir().join(RESNET_FILE)).unwrap();
    assert!(FaceNet::open(&dat).is_ok());
    let refused = |bytes: &[u8], why: &str| {
        let err = FaceNet::open(bytes)
            .err()
            .unwrap_or_else(|| panic!("{why}: accepted"));
        assert!(!err.is_empty(), "{why}");
    };
    refused(&dat[..dat.len() - 1], "one byte short");
    refused(&[&dat[..], &[0]].concat(), "one byte extra");
    refused(&[], "empty");
    // Another layer where a ReLU belongs.
    let at = dat.windows(5).position(|w| w == b"relu_").unwrap();
    let mut other = dat.clone();
    other[at..at + 5].copy_from_slice(b"sig__");
    refused(&other, "a sigmoid for a ReLU");
    // A stride changed: the first convolution's "con_4" header, then its
    // parameter tensor, then filters, rows, columns and the stride.
    let at = dat.windows(5).position(|w| w == b"con_4").unwrap();
    let mut other = dat.clone();
    let mut reader_at = at + 5;
    // tensor: version (2 bytes), four sides (each a control byte + bytes).
    reader_at += 2;
    let mut n = 1usize;
    for _ in 0..4 {
        let len = (other[reader_at] & 0x0F) as usize;
        let v = other[reader_at + 1..=reader_at + len]
            .iter()
            .rev()
            .fold(0usize, |v, &b| v << 8 | b as usize);
        n *= v;
        reader_at += 1 + len;
    }
    reader_at += 4 * n;
    // filters (32), rows (7), columns (7): one byte each after the control byte.
    reader_at += 6;
    assert_eq!(
        other[reader_at..reader_at + 2],
        [1, 2],
        "the stride's bytes"
    );
    other[reader_at + 1] = 1;
    refused(&other, "stride 1 for 2");
}
