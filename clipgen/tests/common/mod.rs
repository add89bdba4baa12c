//! Shared fixtures for the clipgen tests.
#![allow(dead_code)]
// Small dense linear algebra reads best with explicit indices.
#![allow(clippy::needless_range_loop)]

use image::RgbImage;
use std::path::PathBuf;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn faces_dir() -> PathBuf {
    repo().join("tests/fixtures/faces")
}

/// Photo and refined landmarks (mesh + iris-model eye contours) of face
/// `face` in fixture `file`.
pub fn fixture(file: &str, face: usize) -> (RgbImage, Vec<[f32; 3]>) {
    let photo = image::open(faces_dir().join(file)).unwrap().to_rgb8();
    let lm = lifecert_clipgen::load_reference_landmarks_refined(
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

use lifecert_clipgen::{render, Action, Clip, ClipScript};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

type Cache = Mutex<HashMap<(String, usize, Action), &'static Clip>>;

/// `ClipScript::single(action)` rendered once per test binary (debug
/// builds render slowly) and shared between tests.
pub fn single_clip(file: &str, face: usize, action: Action) -> &'static Clip {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (file.to_string(), face, action);
    if let Some(c) = cache.lock().unwrap().get(&key) {
        return c;
    }
    let (photo, lm) = fixture(file, face);
    let clip: &'static Clip = Box::leak(Box::new(render(&photo, &lm, &ClipScript::single(action))));
    cache.lock().unwrap().insert(key, clip);
    clip
}

/// Fits a homography mapping `a` to `b` (least squares, normalised DLT with
/// h33 = 1) and returns the largest residual in pixels.
pub fn homography_residual(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let norm = |p: &[[f32; 3]]| {
        let n = p.len() as f64;
        let mx = p.iter().map(|q| q[0] as f64).sum::<f64>() / n;
        let my = p.iter().map(|q| q[1] as f64).sum::<f64>() / n;
        let s = p
            .iter()
            .map(|q| ((q[0] as f64 - mx).powi(2) + (q[1] as f64 - my).powi(2)).sqrt())
            .sum::<f64>()
            / n;
        (mx, my, s)
    };
    let (ax, ay, asc) = norm(a);
    let (bx, by, bsc) = norm(b);
    let mut ata = [[0.0f64; 8]; 8];
    let mut atb = [0.0f64; 8];
    for (p, q) in a.iter().zip(b) {
        let x = (p[0] as f64 - ax) / asc;
        let y = (p[1] as f64 - ay) / asc;
        let u = (q[0] as f64 - bx) / bsc;
        let v = (q[1] as f64 - by) / bsc;
        let rows = [
            ([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u),
            ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v),
        ];
        for (r, t) in rows {
            for i in 0..8 {
                atb[i] += r[i] * t;
                for j in 0..8 {
                    ata[i][j] += r[i] * r[j];
                }
            }
        }
    }
    let h = solve8(ata, atb);
    a.iter()
        .zip(b)
        .map(|(p, q)| {
            let x = (p[0] as f64 - ax) / asc;
            let y = (p[1] as f64 - ay) / asc;
            let w = h[6] * x + h[7] * y + 1.0;
            let u = (h[0] * x + h[1] * y + h[2]) / w * bsc + bx;
            let v = (h[3] * x + h[4] * y + h[5]) / w * bsc + by;
            ((u - q[0] as f64).powi(2) + (v - q[1] as f64).powi(2)).sqrt()
        })
        .fold(0.0, f64::max)
}

/// Fits an affine map `a` → `b` (least squares) and returns the RMS residual.
pub fn affine_rms(a: &[[f32; 3]], b: &[[f32; 3]]) -> f64 {
    let mut ata = [[0.0f64; 3]; 3];
    let mut atbx = [0.0f64; 3];
    let mut atby = [0.0f64; 3];
    for (p, q) in a.iter().zip(b) {
        let r = [p[0] as f64, p[1] as f64, 1.0];
        for i in 0..3 {
            atbx[i] += r[i] * q[0] as f64;
            atby[i] += r[i] * q[1] as f64;
            for j in 0..3 {
                ata[i][j] += r[i] * r[j];
            }
        }
    }
    let solve3 = |m: [[f64; 3]; 3], v: [f64; 3]| {
        let mut a8 = [[0.0f64; 8]; 8];
        let mut b8 = [0.0f64; 8];
        for i in 0..8 {
            a8[i][i] = 1.0;
        }
        for i in 0..3 {
            b8[i] = v[i];
            for j in 0..3 {
                a8[i][j] = m[i][j];
            }
        }
        solve8(a8, b8)
    };
    let cx = solve3(ata, atbx);
    let cy = solve3(ata, atby);
    let n = a.len() as f64;
    (a.iter()
        .zip(b)
        .map(|(p, q)| {
            let (x, y) = (p[0] as f64, p[1] as f64);
            let u = cx[0] * x + cx[1] * y + cx[2];
            let v = cy[0] * x + cy[1] * y + cy[2];
            (u - q[0] as f64).powi(2) + (v - q[1] as f64).powi(2)
        })
        .sum::<f64>()
        / n)
        .sqrt()
}

/// Gaussian elimination with partial pivoting.
fn solve8(mut m: [[f64; 8]; 8], mut v: [f64; 8]) -> [f64; 8] {
    for c in 0..8 {
        let p = (c..8)
            .max_by(|&i, &j| m[i][c].abs().total_cmp(&m[j][c].abs()))
            .unwrap();
        m.swap(c, p);
        v.swap(c, p);
        for r in c + 1..8 {
            let f = m[r][c] / m[c][c];
            for k in c..8 {
                m[r][k] -= f * m[c][k];
            }
            v[r] -= f * v[c];
        }
    }
    let mut x = [0.0; 8];
    for r in (0..8).rev() {
        let s: f64 = (r + 1..8).map(|k| m[r][k] * x[k]).sum();
        x[r] = (v[r] - s) / m[r][r];
    }
    x
}
