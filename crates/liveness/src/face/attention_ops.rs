//! The three MediaPipe custom ops inside `face_landmark_with_attention.tflite`,
//! done here because no ONNX converter knows them (models/README.md §4). Our
//! own code, written from their documented behaviour in MediaPipe's
//! `mediapipe/util/tflite/operations/` (version 2 of each op):
//!
//! * `Landmarks2TransformMatrix`: from the mesh, a square-ish crop around a
//!   subset of landmarks (lips, one eye), rotated so two landmarks are level,
//!   1.5x the subset's extent, as a matrix from a 16x16 patch to the 48x48
//!   feature map ([`landmarks_to_transform`]).
//! * `TransformTensorBilinear`: samples the feature map through that matrix
//!   ([`transform_tensor_bilinear`]).
//! * `TransformLandmarks`: maps a head's points back through the matrix
//!   ([`transform_landmarks`]).
//!
//! The checks against MediaPipe's own output are in `attention.rs`'s tests.

/// Feature-map side (the mesh crop is 192, the map 48: a quarter).
pub const MAP: usize = 48;
/// Feature channels.
pub const CHANNELS: usize = 32;
/// Patch side each head sees.
pub const PATCH: usize = 16;
/// The crop is 1.5x the landmarks' extent on both axes.
const SCALE: f32 = 1.5;

/// `p -> a · p + t`: from patch coordinates (0..16) to feature-map
/// coordinates (0..48), both with pixel `i` at `i`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    pub a: [[f32; 2]; 2],
    pub t: [f32; 2],
}

impl Affine {
    fn apply(&self, x: f32, y: f32) -> [f32; 2] {
        [
            self.a[0][0] * x + self.a[0][1] * y + self.t[0],
            self.a[1][0] * x + self.a[1][1] * y + self.t[1],
        ]
    }
}

/// `Landmarks2TransformMatrix` v2 with `target_rotation_radians` 0, scale
/// 1.5 and a 16x16 output, as all three in the model are. `mesh` is the
/// backbone's 468 x (x, y, z) in crop units (0..192); the model first scales
/// it by 0.25 to the feature map. `left` and `right` give the rotation
/// (the line from `left` to `right` becomes horizontal); the crop's centre
/// and size come from the bounds of `subset` in that rotated frame.
pub fn landmarks_to_transform(mesh: &[f32], left: usize, right: usize, subset: &[usize]) -> Affine {
    let at = |i: usize| [mesh[3 * i] * 0.25, mesh[3 * i + 1] * 0.25];
    let (l, r) = (at(left), at(right));
    // MediaPipe's "rotation" is the negated angle of the left-right line.
    let rotation = -(r[1] - l[1]).atan2(r[0] - l[0]);
    let (s, c) = rotation.sin_cos();
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for &i in subset {
        let p = at(i);
        let q = [p[0] * c - p[1] * s, p[0] * s + p[1] * c];
        lo = [lo[0].min(q[0]), lo[1].min(q[1])];
        hi = [hi[0].max(q[0]), hi[1].max(q[1])];
    }
    let mid = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
    // The middle rotated back (by -rotation).
    let centre = [mid[0] * c + mid[1] * s, -mid[0] * s + mid[1] * c];
    let half = PATCH as f32 / 2.0;
    let sx = SCALE * (hi[0] - lo[0]) / PATCH as f32;
    let sy = SCALE * (hi[1] - lo[1]) / PATCH as f32;
    // shift(centre) · rotate(-rotation) · scale(sx, sy) · shift(-8, -8)
    let a = [[c * sx, s * sy], [-s * sx, c * sy]];
    let t = [
        centre[0] - (a[0][0] + a[0][1]) * half,
        centre[1] - (a[1][0] + a[1][1]) * half,
    ];
    Affine { a, t }
}

/// `TransformTensorBilinear` v2: the 16x16 patch of `map` (HWC,
/// 48 x 48 x 32, as the backbone gives it) under `m`, into `out` (HWC,
/// 16 x 16 x 32, as the heads take it; both run in [`super::convnet`]). Patch pixel
/// centres map through `m` (the op's align-corners correction); a patch
/// pixel whose position falls outside the map is 0, neighbours beyond the
/// edge read as 0.
pub fn transform_tensor_bilinear(map: &[f32], m: &Affine, out: &mut [f32]) {
    debug_assert_eq!(map.len(), CHANNELS * MAP * MAP);
    debug_assert_eq!(out.len(), CHANNELS * PATCH * PATCH);
    let last = (MAP - 1) as f32;
    for v in 0..PATCH {
        for u in 0..PATCH {
            let o = v * PATCH + u;
            let [x, y] = m.apply(u as f32 + 0.5, v as f32 + 0.5);
            let (x, y) = (x - 0.5, y - 0.5);
            let px = &mut out[o * CHANNELS..(o + 1) * CHANNELS];
            if !(0.0..=last).contains(&x) || !(0.0..=last).contains(&y) {
                px.fill(0.0);
                continue;
            }
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let (x0, y0) = (x0 as usize, y0 as usize);
            // x0 + 1 (y0 + 1) is past the edge only when x (y) sits on the
            // last column (row), where its weight is 0.
            let (x1, y1) = ((x0 + 1).min(MAP - 1), (y0 + 1).min(MAP - 1));
            let w11 = (1.0 - fx) * (1.0 - fy);
            let w21 = fx * (1.0 - fy);
            let w12 = (1.0 - fx) * fy;
            let w22 = fx * fy;
            let at = |y: usize, x: usize| &map[(y * MAP + x) * CHANNELS..][..CHANNELS];
            let (p11, p21, p12, p22) = (at(y0, x0), at(y0, x1), at(y1, x0), at(y1, x1));
            for (ch, v) in px.iter_mut().enumerate() {
                *v = w11 * p11[ch] + w21 * p21[ch] + w12 * p12[ch] + w22 * p22[ch];
            }
        }
    }
}

/// `TransformLandmarks` v2 after the model's own scaling of the matrix (its
/// translation x4, back from the feature map to the 192 crop): a head's
/// (x, y) pairs, in patch units x4 (0..64), to crop units (0..192).
pub fn transform_landmarks(points: &[f32], m: &Affine) -> Vec<[f32; 2]> {
    points
        .chunks_exact(2)
        .map(|p| {
            [
                m.a[0][0] * p[0] + m.a[0][1] * p[1] + 4.0 * m.t[0],
                m.a[1][0] * p[0] + m.a[1][1] * p[1] + 4.0 * m.t[1],
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mesh (crop units) whose subset points lie on a rotated rectangle.
    fn rectangle_mesh(angle: f32, centre: [f32; 2], w: f32, h: f32) -> Vec<f32> {
        let (s, c) = angle.sin_cos();
        let corners = [[-w, -h], [w, -h], [w, h], [-w, h]].map(|[a, b]| {
            let (a, b) = (a / 2.0, b / 2.0);
            [centre[0] + a * c - b * s, centre[1] + a * s + b * c, 0.0]
        });
        corners.iter().flatten().copied().collect()
    }

    #[test]
    fn the_crop_is_centred_rotated_and_one_and_a_half_times_the_points() {
        let angle = 0.3f32;
        // In crop units: centre (100, 80), 40 x 20; the map is a quarter.
        let mesh = rectangle_mesh(angle, [100.0, 80.0], 40.0, 20.0);
        let m = landmarks_to_transform(&mesh, 0, 1, &[0, 1, 2, 3]);
        let c = m.apply(8.0, 8.0);
        assert!(
            (c[0] - 25.0).abs() < 1e-4 && (c[1] - 20.0).abs() < 1e-4,
            "{c:?}"
        );
        // One patch pixel along x: 1.5 * 10 / 16 map pixels along the rotated x axis.
        let step = [m.a[0][0], m.a[1][0]];
        let len = (step[0].powi(2) + step[1].powi(2)).sqrt();
        assert!((len - 1.5 * 10.0 / 16.0).abs() < 1e-5);
        assert!((step[1].atan2(step[0]) - angle).abs() < 1e-5);
        // Points come back x4 in crop units: the patch centre (8, 8), in
        // head units (32, 32), is the rectangle's centre.
        let back = transform_landmarks(&[32.0, 32.0], &m);
        assert!((back[0][0] - 100.0).abs() < 1e-3 && (back[0][1] - 80.0).abs() < 1e-3);
    }

    #[test]
    fn sampling_an_identity_matrix_copies_the_map_and_zeroes_outside() {
        let map: Vec<f32> = (0..CHANNELS * MAP * MAP).map(|i| i as f32).collect();
        let mut out = vec![f32::NAN; CHANNELS * PATCH * PATCH];
        let shift = Affine {
            a: [[1.0, 0.0], [0.0, 1.0]],
            t: [3.0, 5.0],
        };
        transform_tensor_bilinear(&map, &shift, &mut out);
        for ch in [0, 7, 31] {
            for (v, u) in [(0, 0), (4, 9), (15, 15)] {
                let want = map[((v + 5) * MAP + u + 3) * CHANNELS + ch];
                assert_eq!(out[(v * PATCH + u) * CHANNELS + ch], want);
            }
        }
        // Half a pixel right: the mean of two neighbours.
        let half = Affine {
            t: [3.5, 5.0],
            ..shift
        };
        transform_tensor_bilinear(&map, &half, &mut out);
        let want = (map[(5 * MAP + 3) * CHANNELS] + map[(5 * MAP + 4) * CHANNELS]) / 2.0;
        assert!((out[0] - want).abs() < 1e-3);
        // Off the map: zeros.
        let off = Affine {
            t: [40.0, 0.0],
            ..shift
        };
        transform_tensor_bilinear(&map, &off, &mut out);
        assert_eq!(out[15 * CHANNELS], 0.0);
        assert_ne!(out[0], 0.0);
    }
}
