//! Landmark animation: how the 468 FaceMesh points move for a blink, an open
//! mouth and a head turn or nod, plus the extra control points that keep the
//! background still while the head moves.
//!
//! Directions: frames are the camera's un-mirrored view, so the person's own
//! left is the image's right. A positive [`Pose::yaw_deg`] turns the head to
//! the person's LEFT: the nose moves towards image +x. A positive
//! [`Pose::pitch_deg`] tips the chin down (the first half of a nod): the nose
//! moves towards image +y.

use crate::ids;
use crate::warp::Mesh;

/// What the face is doing in one frame. All zero is the photo as it is.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Pose {
    /// 0 = eyes as in the photo, 1 = lids closed (both eyes).
    pub eye_closure: f32,
    /// 0 = mouth as in the photo, 1 = jaw fully dropped.
    pub jaw_open: f32,
    /// Head yaw in degrees, positive = towards the person's own left
    /// (nose to image +x).
    pub yaw_deg: f32,
    /// Head pitch in degrees, positive = chin down (nose to image +y).
    pub pitch_deg: f32,
}

/// How far the lids travel: the lids meet at this fraction of the gap above
/// the lower lid (upper lids travel most, as in a real blink). Next to the
/// corners they meet halfway, so the upper lid does not drop below the
/// corner itself.
const LID_MEET: f32 = 0.2;
const LID_MEET_CORNER: f32 = 0.5;
/// Gap left between the lids when closed, as a fraction of the open gap: a
/// hair's breadth, so the collapsed triangles keep their orientation.
const LID_RESIDUAL: f32 = 0.03;
/// Share of the upper lid's travel taken by the lid skin above it (second
/// and third rings), so the skin stretches down smoothly over the eye.
const UPPER_HALO2_SHARE: f32 = 0.35;
const UPPER_HALO3_SHARE: f32 = 0.1;
/// Share of the lower lid's travel taken by the ring below it.
const LOWER_HALO2_SHARE: f32 = 0.3;
/// Chin travel at full jaw drop, as a fraction of the mouth width (of at
/// most `MOUTH_WIDTH_CAP` face widths).
const JAW_DROP: f32 = 0.45;
const MOUTH_WIDTH_CAP: f32 = 0.38;
/// The lower lip next to the mouth corners moves this much of the chin
/// travel (the corners themselves stay with the upper lip: the lower lip comes
/// down with the jaw, and the seam points sit a fraction of a pixel from
/// upper-lip points, so moving them would fold the mesh).
const CORNER_SHARE: f32 = 0.1;
/// The upper lip's centre lifts by this much of the chin travel.
const UPPER_LIP_LIFT: f32 = 0.05;
/// Depth of the head's rotation centre behind the face, in face widths.
const PIVOT_DEPTH: f32 = 0.6;
/// The ring just outside the face oval (hair, ears, neck) follows the oval
/// by this share of its motion; the outer ring does not move at all.
const HEAD_RING_SHARE: f32 = 0.5;
const HEAD_RING_SCALE: f32 = 1.3;
const FIXED_RING_SCALE: f32 = 2.1;

/// A face ready to animate: rest landmarks, per-landmark motion rules and the
/// warp mesh over landmarks + head ring + fixed points.
#[derive(Clone, Debug)]
pub struct FaceRig {
    rest: Vec<[f32; 3]>,
    /// Depth used for the head rotation (see [`rotation_depths`]).
    rot_z: Vec<f32>,
    /// Landmark displacement at full eye closure.
    blink: Vec<[f32; 3]>,
    /// Landmark displacement at full jaw drop.
    jaw: Vec<[f32; 3]>,
    /// Rotation centre (image x, y and landmark z).
    pivot: [f32; 3],
    /// Face frame: `ex` along the eyes (image-left eye to image-right eye),
    /// `ey` perpendicular, pointing down the face.
    ex: [f32; 2],
    ey: [f32; 2],
    /// For each head-ring point, the oval landmark it follows.
    head_ring_follows: Vec<usize>,
    /// Depth given to all non-landmark control points: behind the face.
    far_depth: f32,
    pub mesh: Mesh,
    /// Face width (cheek to cheek), pixels.
    pub face_width: f32,
}

fn sub2(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0] - b[0], a[1] - b[1]]
}
fn dot2(a: [f32; 2], b: [f32; 2]) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}
fn xy(p: [f32; 3]) -> [f32; 2] {
    [p[0], p[1]]
}

/// Even-odd point-in-polygon test.
fn inside(poly: &[[f32; 2]], p: [f32; 2]) -> bool {
    let mut inside = false;
    let n = poly.len();
    for i in 0..n {
        let a = poly[i];
        let b = poly[(i + n - 1) % n];
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// Closed polygon from two contours that share their end points: `a`
/// forward, then `b` backward without the shared ends.
pub(crate) fn ring_polygon(pts: &[[f32; 3]], a: &[usize], b: &[usize]) -> Vec<[f32; 2]> {
    a.iter()
        .chain(b[1..b.len() - 1].iter().rev())
        .map(|&i| xy(pts[i]))
        .collect()
}

fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Depths to rotate the landmarks with. The mesh's depth at the face's
/// silhouette is ragged: where the head is slightly turned in the photo,
/// cheek points (nearer) sit a pixel outside oval points (farther back,
/// hidden behind them). Rotating the true depths would pull those hidden oval
/// points out from behind the cheek on the near side, revealing strips the
/// photo has no texture for and giving the outline a sawtooth. So a point
/// outside the oval, or within 2 % of the face width inside it, is treated
/// as no nearer than the oval beside it.
fn rotation_depths(rest: &[[f32; 3]], face_width: f32) -> Vec<f32> {
    let oval: Vec<[f32; 3]> = ids::FACE_OVAL.iter().map(|&i| rest[i]).collect();
    let poly: Vec<[f32; 2]> = oval.iter().map(|&q| xy(q)).collect();
    let near = 0.02 * face_width;
    rest.iter()
        .enumerate()
        .map(|(i, r)| {
            if ids::FACE_OVAL.contains(&i) {
                return r[2];
            }
            // Nearest point on the closed oval polyline, and its depth.
            let p = xy(*r);
            let mut best = (f32::INFINITY, 0.0);
            for k in 0..oval.len() {
                let a = oval[k];
                let b = oval[(k + 1) % oval.len()];
                let ab = sub2(xy(b), xy(a));
                let len2 = dot2(ab, ab).max(1e-9);
                let t = (dot2(sub2(p, xy(a)), ab) / len2).clamp(0.0, 1.0);
                let c = [a[0] + t * ab[0], a[1] + t * ab[1]];
                let d = dot2(sub2(p, c), sub2(p, c)).sqrt();
                if d < best.0 {
                    best = (d, a[2] + t * (b[2] - a[2]));
                }
            }
            if !inside(&poly, p) || best.0 < near {
                r[2].max(best.1)
            } else {
                r[2]
            }
        })
        .collect()
}

impl FaceRig {
    /// Builds the rig for one face in a `width × height` photo.
    ///
    /// Panics unless `landmarks` has the 468 FaceMesh points.
    pub fn new(landmarks: &[[f32; 3]], width: u32, height: u32) -> FaceRig {
        assert_eq!(
            landmarks.len(),
            ids::NUM_LANDMARKS,
            "expected the 468 FaceMesh landmarks"
        );
        let rest = landmarks.to_vec();
        let n = rest.len();
        let p = |i: usize| rest[i];

        let eye_vec = sub2(
            xy(p(ids::EYE_OUTER_CORNERS[1])),
            xy(p(ids::EYE_OUTER_CORNERS[0])),
        );
        let len = dot2(eye_vec, eye_vec).sqrt();
        let ex = [eye_vec[0] / len, eye_vec[1] / len];
        let ey = [-ex[1], ex[0]];
        let face_width = dot2(sub2(xy(p(ids::CHEEKS[1])), xy(p(ids::CHEEKS[0]))), ex).abs();

        // --- Blink: each upper-lid point travels to meet its lower partner.
        let mut blink = vec![[0.0f32; 3]; n];
        for eye in ids::EYES {
            for k in 0..7 {
                let u = eye.upper_lid[k];
                let l = eye.lower_lid[k + 1];
                let gap = [0, 1, 2].map(|c| p(u)[c] - p(l)[c]);
                let meet = if k == 0 || k == 6 {
                    LID_MEET_CORNER
                } else {
                    LID_MEET
                };
                let du = gap.map(|g| (meet + LID_RESIDUAL - 1.0) * g);
                let dl = gap.map(|g| meet * g);
                blink[u] = du;
                blink[l] = dl;
                blink[eye.upper_halo2[k]] = du.map(|d| d * UPPER_HALO2_SHARE);
                blink[eye.upper_halo3[k]] = du.map(|d| d * UPPER_HALO3_SHARE);
                blink[eye.lower_halo2[k + 1]] = dl.map(|d| d * LOWER_HALO2_SHARE);
            }
        }

        // --- Jaw drop, graded: lower lip and chin most, cheeks less, upper
        // lip and everything above the mouth corners not at all.
        let mouth_c = {
            let a = xy(p(ids::UPPER_LIP_INNER));
            let b = xy(p(ids::LOWER_LIP_INNER));
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
        };
        let half_mouth = dot2(
            sub2(xy(p(ids::MOUTH_CORNERS[1])), xy(p(ids::MOUTH_CORNERS[0]))),
            ex,
        )
        .abs()
            / 2.0;
        let chin_down = dot2(sub2(xy(p(ids::CHIN)), mouth_c), ey);
        let lip_bottom = dot2(sub2(xy(p(ids::LOWER_LIP_OUTER)), mouth_c), ey) / chin_down;
        let upper_lip = ring_polygon(&rest, &ids::LIPS_OUTER_UPPER, &ids::LIPS_INNER_UPPER);
        let lower_lip = ring_polygon(&rest, &ids::LIPS_OUTER_LOWER, &ids::LIPS_INNER_LOWER);
        // A wide smile would otherwise open into a yawn.
        let drop = JAW_DROP * (2.0 * half_mouth).min(MOUTH_WIDTH_CAP * face_width);
        let corners: Vec<usize> = ids::LIP_CORNER_SEAMS.iter().flatten().copied().collect();
        let is_upper = |i: usize| {
            ids::LIPS_OUTER_UPPER.contains(&i)
                || ids::LIPS_INNER_UPPER.contains(&i)
                || inside(&upper_lip, xy(p(i)))
        };
        let is_lower = |i: usize| {
            ids::LIPS_OUTER_LOWER.contains(&i)
                || ids::LIPS_INNER_LOWER.contains(&i)
                || inside(&lower_lip, xy(p(i)))
        };
        let mut jaw = vec![[0.0f32; 3]; n];
        for (i, d) in jaw.iter_mut().enumerate() {
            let q = sub2(xy(p(i)), mouth_c);
            // Across, in half mouth widths; down, 0 = lips, 1 = chin.
            let a = dot2(q, ex) / half_mouth;
            let b = dot2(q, ey) / chin_down;
            // Across the mouth: 1 in the middle, 0 at the corners, with a
            // finite slope there so the opening is almond-shaped with pointed
            // corners, not a box.
            let arch = (1.0 - a * a).max(0.0);
            let down = if corners.contains(&i) {
                0.0
            } else if is_upper(i) {
                // The upper lip lifts a little, which rounds the opening.
                -UPPER_LIP_LIFT * arch
            } else if is_lower(i) {
                // The lower lip rides on the jaw; towards the corners it is
                // tied to the upper lip and moves less.
                CORNER_SHARE + (1.0 - CORNER_SHARE) * arch
            } else {
                let vertical = smoothstep(0.0, lip_bottom, b);
                let lateral = 1.0 / (1.0 + ((a.abs() - 0.8).max(0.0) / 1.4).powi(2));
                vertical * lateral
            };
            // Down the face and slightly back (the jaw swings on its hinge).
            let down = down * drop;
            *d = [ey[0] * down, ey[1] * down, 0.25 * down.max(0.0)];
        }

        // --- Rotation centre: between the cheeks, behind the face.
        let cheeks_mid = {
            let a = p(ids::CHEEKS[0]);
            let b = p(ids::CHEEKS[1]);
            [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
        };
        let pivot = [cheeks_mid[0], cheeks_mid[1], PIVOT_DEPTH * face_width];

        // --- Control points: landmarks, a head ring that half-follows the
        // oval, and a fixed ring plus the frame (and beyond) that keep the
        // background still.
        let oval: Vec<[f32; 2]> = ids::FACE_OVAL.iter().map(|&i| xy(p(i))).collect();
        let oc = {
            let s = oval
                .iter()
                .fold([0.0, 0.0], |acc, q| [acc[0] + q[0], acc[1] + q[1]]);
            [s[0] / oval.len() as f32, s[1] / oval.len() as f32]
        };
        let mut points: Vec<[f32; 2]> = rest.iter().map(|&q| xy(q)).collect();
        let mut head_ring_follows = Vec::new();
        for (k, q) in oval.iter().enumerate() {
            points.push([
                oc[0] + (q[0] - oc[0]) * HEAD_RING_SCALE,
                oc[1] + (q[1] - oc[1]) * HEAD_RING_SCALE,
            ]);
            head_ring_follows.push(ids::FACE_OVAL[k]);
        }
        for q in oval.iter().step_by(2) {
            points.push([
                oc[0] + (q[0] - oc[0]) * FIXED_RING_SCALE,
                oc[1] + (q[1] - oc[1]) * FIXED_RING_SCALE,
            ]);
        }
        let (w, h) = (width as f32, height as f32);
        for (fx, fy) in [
            (0.0, 0.0),
            (0.5, 0.0),
            (1.0, 0.0),
            (0.0, 0.5),
            (1.0, 0.5),
            (0.0, 1.0),
            (0.5, 1.0),
            (1.0, 1.0),
        ] {
            points.push([fx * w, fy * h]);
        }
        // Far corners so the hull covers the frame even if a ring point
        // falls outside it.
        let big = 4.0 * w.max(h);
        for (fx, fy) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)] {
            points.push([w / 2.0 + fx * big, h / 2.0 + fy * big]);
        }

        let mut rig = FaceRig {
            rot_z: rotation_depths(&rest, face_width),
            far_depth: pivot[2] + face_width,
            rest,
            blink,
            jaw,
            pivot,
            ex,
            ey,
            head_ring_follows,
            mesh: Mesh::new(points),
            face_width,
        };
        rig.blink = rig.unfold(rig.blink.clone());
        rig.jaw = rig.unfold(rig.jaw.clone());
        rig
    }

    /// Removes folds from an expression's displacement field. Near the eye
    /// and mouth corners the photo's landmarks can sit a fraction of a pixel
    /// apart, and a lid or lip point moving past its neighbour would turn a
    /// triangle over and tear the texture. Each folded triangle's corners
    /// are pulled towards their common motion (a locally rigid move never
    /// folds), which keeps the expression's overall travel; if that does not
    /// settle, the corners' motion is shrunk instead. Checked at quarter
    /// steps of the intensity, as the area is quadratic in it.
    fn unfold(&self, mut disp: Vec<[f32; 3]>) -> Vec<[f32; 3]> {
        let n = disp.len();
        for round in 0..200 {
            let mut folded = Vec::new();
            for k in [0.25f32, 0.5, 0.75, 1.0] {
                let posed: Vec<[f32; 3]> = self
                    .rest
                    .iter()
                    .zip(&disp)
                    .map(|(r, d)| [0, 1, 2].map(|c| r[c] + k * d[c]))
                    .collect();
                let (dst, _) = self.targets(&posed);
                folded.extend(self.mesh.flipped(&dst));
            }
            folded.sort_unstable();
            folded.dedup();
            if folded.is_empty() {
                break;
            }
            for t in folded {
                let v: Vec<usize> = self.mesh.triangles[t]
                    .iter()
                    .map(|&i| i as usize)
                    .filter(|&i| i < n)
                    .collect();
                if round < 150 {
                    // Non-landmark corners (rings) count as not moving.
                    let mut mean = [0.0f32; 3];
                    for &i in &v {
                        for c in 0..3 {
                            mean[c] += disp[i][c] / 3.0;
                        }
                    }
                    for &i in &v {
                        for c in 0..3 {
                            disp[i][c] += 0.5 * (mean[c] - disp[i][c]);
                        }
                    }
                } else {
                    for &i in &v {
                        disp[i] = disp[i].map(|x| x * 0.8);
                    }
                }
            }
        }
        disp
    }

    /// The rest landmarks.
    pub fn rest(&self) -> &[[f32; 3]] {
        &self.rest
    }

    /// The 468 landmarks in `pose`: expression first (lids, jaw), then the
    /// rigid head rotation about the pivot behind the face, projected
    /// orthographically (x, y image pixels; z rotated depth).
    pub fn landmarks(&self, pose: &Pose) -> Vec<[f32; 3]> {
        if *pose == Pose::default() {
            // Exactly the photo's landmarks, without rounding noise.
            return self.rest.clone();
        }
        self.rest
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut q = *r;
                for (c, v) in q.iter_mut().enumerate() {
                    *v += pose.eye_closure * self.blink[i][c] + pose.jaw_open * self.jaw[i][c];
                }
                // Turned about the depth the rotation uses for this point.
                let depth = self.rot_z[i] - r[2];
                let p = self.project(pose, [q[0], q[1], q[2] + depth]);
                [p[0], p[1], p[2] - depth]
            })
            .collect()
    }

    /// A rigid point of the head (rest-pose coordinates, like the
    /// landmarks; `p[2]` the depth it turns about) moved by `pose`'s yaw and
    /// pitch, as the landmarks are ([`FaceRig::landmarks`]); expressions do
    /// not move it. For things worn on the head (glasses).
    pub fn project(&self, pose: &Pose, p: [f32; 3]) -> [f32; 3] {
        let (sy, cy) = pose.yaw_deg.to_radians().sin_cos();
        let (sp, cp) = pose.pitch_deg.to_radians().sin_cos();
        let [px, py, pz] = self.pivot;
        let d = [p[0] - px, p[1] - py];
        let u = dot2(d, self.ex);
        let v = dot2(d, self.ey);
        let w = p[2] - pz;
        // Yaw about the face's vertical axis: points in front of the pivot
        // (w < 0) move towards +u for a positive yaw.
        let u1 = u * cy - w * sy;
        let w1 = u * sy + w * cy;
        // Pitch about the across axis: points in front move down.
        let v2 = v * cp - w1 * sp;
        let w2 = v * sp + w1 * cp;
        [
            px + u1 * self.ex[0] + v2 * self.ey[0],
            py + u1 * self.ex[1] + v2 * self.ey[1],
            pz + w2,
        ]
    }

    /// Mesh control-point targets and depths for posed `landmarks`.
    pub fn targets(&self, landmarks: &[[f32; 3]]) -> (Vec<[f32; 2]>, Vec<f32>) {
        let n = self.rest.len();
        let mut dst = Vec::with_capacity(self.mesh.src.len());
        let mut depth = Vec::with_capacity(self.mesh.src.len());
        for q in landmarks {
            dst.push([q[0], q[1]]);
            depth.push(q[2]);
        }
        for (k, &follow) in self.head_ring_follows.iter().enumerate() {
            let s = self.mesh.src[n + k];
            let d = sub2(xy(landmarks[follow]), xy(self.rest[follow]));
            dst.push([s[0] + HEAD_RING_SHARE * d[0], s[1] + HEAD_RING_SHARE * d[1]]);
            depth.push(self.far_depth);
        }
        for &s in &self.mesh.src[n + self.head_ring_follows.len()..] {
            dst.push(s);
            depth.push(self.far_depth);
        }
        (dst, depth)
    }
}
