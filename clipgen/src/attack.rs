//! The planar-motion attack: a printed photo held in front of the camera
//! and waved about. Everything in the picture, face and background alike,
//! moves as one flat plane, so every frame is a homography of the photo.

use crate::noise::gauss;
use crate::warp::Homography;

/// The plane's pose at time `t` (seconds) of a `duration`-second segment,
/// as a homography from photo pixels to frame pixels, for a `width × height`
/// photo. The print starts and ends square to the camera filling the frame
/// (identity), and in between drifts, spins in-plane, moves nearer/farther
/// and tilts out of plane by up to ~25° (turn-like) and ~12° (nod-like).
/// Phases come from `seed`.
pub fn planar_pose(t: f32, duration: f32, width: u32, height: u32, seed: u64) -> Homography {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x3c6e_f372_fe94_f82b);
    let mut phase = || 0.6 * gauss(&mut rng) as f64;
    let (w, h) = (width as f64, height as f64);
    let t = t as f64;
    let d = duration as f64;
    // Ease in and out over 0.4 s so the plane starts and ends at rest.
    let ramp = |x: f64| {
        let x = (x / 0.4).clamp(0.0, 1.0);
        0.5 - 0.5 * (std::f64::consts::PI * x).cos()
    };
    let env = ramp(t) * ramp(d - t);
    let wave =
        |amp: f64, freq: f64, ph: f64| env * amp * (std::f64::consts::TAU * freq * t + ph).sin();
    let tilt_y = wave(25f64.to_radians(), 0.45, phase());
    let tilt_x = wave(12f64.to_radians(), 0.35, phase());
    let roll = wave(6f64.to_radians(), 0.30, phase());
    let f = w.max(h);
    let tx = wave(0.05 * w, 0.40, phase());
    let ty = wave(0.04 * h, 0.55, phase());
    let tz = wave(0.08 * f, 0.25, phase());
    plane_homography(w, h, f, [tilt_x, tilt_y, roll], [tx, ty, tz])
}

/// Homography of a `w × h` photo lying at depth `f` in front of a pinhole
/// camera of focal length `f` (so that at rest it exactly fills the frame),
/// rotated by `[about x, about y, about the optical axis]` radians and
/// moved by `shift` (x, y, depth) in pixels at the photo's distance.
pub fn plane_homography(w: f64, h: f64, f: f64, rot: [f64; 3], shift: [f64; 3]) -> Homography {
    let (sx, cx) = rot[0].sin_cos();
    let (sy, cy) = rot[1].sin_cos();
    let (sz, cz) = rot[2].sin_cos();
    let rx = [[1.0, 0.0, 0.0], [0.0, cx, -sx], [0.0, sx, cx]];
    let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
    let rz = [[cz, -sz, 0.0], [sz, cz, 0.0], [0.0, 0.0, 1.0]];
    let r = Homography(rz)
        .then_after(&Homography(rx))
        .then_after(&Homography(ry))
        .0;
    // Plane coordinates (photo pixel minus centre, 0 depth) → camera:
    // columns r1, r2 and the plane's position.
    let m = Homography([
        [r[0][0], r[0][1], shift[0]],
        [r[1][0], r[1][1], shift[1]],
        [r[2][0], r[2][1], f + shift[2]],
    ]);
    let (ox, oy) = (w / 2.0, h / 2.0);
    let k = Homography([[f, 0.0, ox], [0.0, f, oy], [0.0, 0.0, 1.0]]);
    k.then_after(&m)
        .then_after(&Homography::translation(-ox, -oy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_at_rest_is_the_identity() {
        let h = plane_homography(512.0, 600.0, 600.0, [0.0; 3], [0.0; 3]);
        let p = h.apply(123.0, 456.0).unwrap();
        assert!((p[0] - 123.0).abs() < 1e-9 && (p[1] - 456.0).abs() < 1e-9);
        let h0 = planar_pose(0.0, 3.0, 512, 600, 1);
        let p = h0.apply(10.0, 20.0).unwrap();
        assert!((p[0] - 10.0).abs() < 1e-9 && (p[1] - 20.0).abs() < 1e-9);
    }

    #[test]
    fn tilt_about_the_vertical_axis_is_a_keystone() {
        // Turned about the vertical axis, one side of the print recedes and
        // shrinks: its vertical edges get different lengths.
        let h = plane_homography(400.0, 400.0, 400.0, [0.0, 0.3, 0.0], [0.0; 3]);
        let edge = |x: f64| {
            let a = h.apply(x, 0.0).unwrap();
            let b = h.apply(x, 400.0).unwrap();
            b[1] - a[1]
        };
        assert!((edge(0.0) - edge(400.0)).abs() > 20.0);
        let inv = h.inverse();
        let q = inv.apply(
            h.apply(77.0, 99.0).unwrap()[0],
            h.apply(77.0, 99.0).unwrap()[1],
        );
        let q = q.unwrap();
        assert!((q[0] - 77.0).abs() < 1e-9 && (q[1] - 99.0).abs() < 1e-9);
    }
}
