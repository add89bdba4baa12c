//! What the person wears or how their eyes rest: glasses with a window's
//! reflection in the lenses, a beard, a head scarf, narrow older eyes.
//!
//! The beard and the scarf are drawn on the photo before the warp, so they
//! are part of the face's texture and move with it (the beard stretches with
//! the jaw; the scarf turns with the face, its outer folds half-following as
//! the hair does). Glasses are rigid and do not blink: they are drawn on
//! every frame from 3D points placed in front of the eyes and moved with the
//! head's rotation ([`FaceRig::project`]), and their reflection of a window
//! slides across the lenses as the head turns or nods. Narrow eyes are a
//! resting lid closure: the neutral frames are posed with the lids part-way
//! down, and a blink closes the rest.

use crate::ids;
use crate::motion::{FaceRig, Pose};
use crate::mouth::{polygon_sd, seg_dist};
use crate::warp::Image3;
use serde::{Deserialize, Serialize};

/// What the person looks like beyond the photo. All off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Appearance {
    /// Dark frames with a bridge and temple arms; tinted lenses with a
    /// bright window reflection partly over each eye.
    pub glasses: bool,
    /// A dark, textured beard over the chin, the jaw and the upper lip
    /// (a moustache); the lips stay visible.
    pub beard: bool,
    /// A cloth scarf over the hair, the top of the forehead and the sides
    /// of the face down to the jaw line; the face from the brows to the
    /// chin stays visible.
    pub head_scarf: bool,
    /// Resting lid closure (0..1 of a blink): narrow older eyes rest at
    /// 0.35-0.45, and a blink closes the rest.
    pub rest_eye_closure: f32,
}

impl Appearance {
    /// Glasses only.
    pub const fn glasses() -> Self {
        Appearance {
            glasses: true,
            beard: false,
            head_scarf: false,
            rest_eye_closure: 0.0,
        }
    }

    /// A beard only.
    pub const fn beard() -> Self {
        Appearance {
            glasses: false,
            beard: true,
            head_scarf: false,
            rest_eye_closure: 0.0,
        }
    }

    /// A head scarf only.
    pub const fn head_scarf() -> Self {
        Appearance {
            glasses: false,
            beard: false,
            head_scarf: true,
            rest_eye_closure: 0.0,
        }
    }

    /// Narrow eyes resting `closure` (0..1) shut.
    pub const fn narrow_eyes(closure: f32) -> Self {
        Appearance {
            glasses: false,
            beard: false,
            head_scarf: false,
            rest_eye_closure: closure,
        }
    }

    /// Is anything drawn on the photo before the warp?
    pub fn paints_photo(&self) -> bool {
        self.beard || self.head_scarf
    }

    /// The lid closure of a frame whose blink is at `blink` (0..1): the
    /// resting closure, plus that share of what is left.
    pub fn eye_closure(&self, blink: f32) -> f32 {
        let rest = self.rest_eye_closure.clamp(0.0, 0.95);
        rest + (1.0 - rest) * blink
    }
}

// ---------------------------------------------------------------- drawing

fn sub2(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0] - b[0], a[1] - b[1]]
}
fn dot2(a: [f32; 2], b: [f32; 2]) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}
fn norm2(a: [f32; 2]) -> f32 {
    dot2(a, a).sqrt()
}
fn xy(p: [f32; 3]) -> [f32; 2] {
    [p[0], p[1]]
}
fn smoothstep(e0: f32, e1: f32, x: f32) -> f32 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn blend(px: &mut [f32; 3], colour: [f32; 3], alpha: f32) {
    if alpha <= 0.0 {
        return;
    }
    let a = alpha.min(1.0);
    for c in 0..3 {
        px[c] += (colour[c] - px[c]) * a;
    }
}

/// A deterministic hash of a lattice point, in [0, 1).
fn hash(x: i32, y: i32, seed: u32) -> f32 {
    let mut h = (x as u32).wrapping_mul(0x8da6_b343)
        ^ (y as u32).wrapping_mul(0xd816_3841)
        ^ seed.wrapping_mul(0xcb1a_b31f);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    (h & 0x00ff_ffff) as f32 / 16_777_216.0
}

/// Smooth value noise in [0, 1) at lattice spacing 1.
fn value_noise(x: f32, y: f32, seed: u32) -> f32 {
    let (fx, fy) = (x.floor(), y.floor());
    let (ix, iy) = (fx as i32, fy as i32);
    let (ax, ay) = (x - fx, y - fy);
    let (sx, sy) = (ax * ax * (3.0 - 2.0 * ax), ay * ay * (3.0 - 2.0 * ay));
    let top = hash(ix, iy, seed) + (hash(ix + 1, iy, seed) - hash(ix, iy, seed)) * sx;
    let bottom =
        hash(ix, iy + 1, seed) + (hash(ix + 1, iy + 1, seed) - hash(ix, iy + 1, seed)) * sx;
    top + (bottom - top) * sy
}

/// Pixel box `[x0, x1) × [y0, y1)` around `pts`, grown by `margin`, in `img`.
fn pixel_box(img: &Image3, pts: &[[f32; 2]], margin: f32) -> (usize, usize, usize, usize) {
    let min_x = pts.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min) - margin;
    let max_x = pts.iter().map(|p| p[0]).fold(f32::NEG_INFINITY, f32::max) + margin;
    let min_y = pts.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min) - margin;
    let max_y = pts.iter().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max) + margin;
    let x0 = min_x.floor().max(0.0) as usize;
    let y0 = min_y.floor().max(0.0) as usize;
    let x1 = (max_x.ceil().max(0.0) as usize).min(img.width);
    let y1 = (max_y.ceil().max(0.0) as usize).min(img.height);
    (x0, x1, y0, y1)
}

/// The face's own frame in the photo: origin, `ex` along the eye line
/// (image-left eye to image-right eye), `ey` down the face; the face's width
/// cheek to cheek.
struct FaceFrame {
    ex: [f32; 2],
    ey: [f32; 2],
    width: f32,
}

impl FaceFrame {
    fn of(lm: &[[f32; 3]]) -> FaceFrame {
        let e = sub2(
            xy(lm[ids::EYE_OUTER_CORNERS[1]]),
            xy(lm[ids::EYE_OUTER_CORNERS[0]]),
        );
        let l = norm2(e);
        let ex = [e[0] / l, e[1] / l];
        let ey = [-ex[1], ex[0]];
        let width = dot2(sub2(xy(lm[ids::CHEEKS[1]]), xy(lm[ids::CHEEKS[0]])), ex).abs();
        FaceFrame { ex, ey, width }
    }

    /// `p` relative to `origin`, in the face frame (across, down).
    fn uv(&self, p: [f32; 2], origin: [f32; 2]) -> [f32; 2] {
        let d = sub2(p, origin);
        [dot2(d, self.ex), dot2(d, self.ey)]
    }
}

// ------------------------------------------------------------------ beard

/// Beard hair: a dark brown-grey, and how much skin shows through it.
const BEARD_COLOUR: [f32; 3] = [58.0, 47.0, 41.0];
const BEARD_COVER: f32 = 0.88;

/// Paints a full beard on the photo (rest landmarks `lm`): chin, jaw and
/// cheeks below a line from the sideburns to the mouth corners, and a
/// moustache between the nose and the upper lip. The lips themselves (inside
/// the outer lip contour) are left as they are.
pub fn paint_beard(img: &mut Image3, lm: &[[f32; 3]], seed: u64) {
    let f = FaceFrame::of(lm);
    let origin = xy(lm[2]); // below the nose
    let chin = f.uv(xy(lm[ids::CHIN]), origin)[1].max(1.0);
    let half_w = f.width / 2.0;
    let mouth_a = ids::MOUTH_CORNERS
        .iter()
        .map(|&i| f.uv(xy(lm[i]), origin)[0].abs())
        .fold(0.0f32, f32::max)
        / half_w;
    let mouth_b = ids::MOUTH_CORNERS
        .iter()
        .map(|&i| f.uv(xy(lm[i]), origin)[1])
        .sum::<f32>()
        / 2.0
        / chin;
    let oval: Vec<[f32; 2]> = ids::FACE_OVAL.iter().map(|&i| xy(lm[i])).collect();
    let lips = crate::motion::ring_polygon(lm, &ids::LIPS_OUTER_UPPER, &ids::LIPS_OUTER_LOWER);
    let (x0, x1, y0, y1) = pixel_box(img, &oval, 0.06 * f.width);
    let seed = seed as u32 ^ 0xbea2d;
    // Soft edges: a few percent of the face's width, broken up by clumps.
    let edge = 0.03 * f.width;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let [u, v] = f.uv(p, origin);
            let a = u.abs() / half_w;
            let b = v / chin;
            // The upper edge, in units of the nose-to-chin height below the
            // nose: the moustache just under the nose over the mouth's width,
            // the cheek line from the mouth corners up to the sideburns.
            // Past the mouth corners the moustache curves down into the beard.
            let cheek_t = ((a - mouth_a) / (1.0 - mouth_a).max(0.1)).clamp(0.0, 1.0);
            let cheek = mouth_b + 0.02 + (-0.3 - mouth_b) * cheek_t;
            let moustache = 0.07 + (cheek - 0.07) * smoothstep(0.8 * mouth_a, 1.1 * mouth_a, a);
            let top = moustache.min(cheek);
            let clump = value_noise(u / (0.05 * f.width), v / (0.05 * f.width), seed);
            let below_top = (b - top) * chin + (clump - 0.5) * edge;
            // Inside the face outline, a little past the jaw.
            let in_face = polygon_sd(&oval, p) + 0.04 * f.width + (clump - 0.5) * edge;
            let out_of_lips = -polygon_sd(&lips, p);
            let cover = smoothstep(-edge / 2.0, edge / 2.0, below_top)
                * smoothstep(0.0, edge, in_face)
                * smoothstep(0.0, 1.5, out_of_lips);
            if cover <= 0.0 {
                continue;
            }
            // Strands along the face's length, clumps, single hairs.
            let strand = value_noise(u / 1.3, v / 6.0, seed ^ 0x51);
            let fine = hash(x as i32, y as i32, seed ^ 0x77);
            let shade = 0.55 + 0.5 * strand + 0.3 * clump + 0.25 * (fine - 0.5);
            let colour = BEARD_COLOUR.map(|c| c * shade);
            let alpha = cover * BEARD_COVER * (0.8 + 0.2 * strand);
            blend(&mut img.data[y * img.width + x], colour, alpha);
        }
    }
}

// ------------------------------------------------------------- head scarf

/// A navy cotton scarf.
const SCARF_COLOUR: [f32; 3] = [52.0, 66.0, 104.0];

/// Paints a head scarf on the photo: over the hair and the head around the
/// face, the top of the forehead and the sides of the face down to the jaw
/// line, and the neck below the chin. Left open: the face oval from a little
/// above the brows to the chin, its sides brought in by 14 % of the face's
/// half-width.
pub fn paint_head_scarf(img: &mut Image3, lm: &[[f32; 3]], seed: u64) {
    let f = FaceFrame::of(lm);
    let oval: Vec<[f32; 2]> = ids::FACE_OVAL.iter().map(|&i| xy(lm[i])).collect();
    let centre = {
        let s = oval
            .iter()
            .fold([0.0, 0.0], |a, q| [a[0] + q[0], a[1] + q[1]]);
        [s[0] / oval.len() as f32, s[1] / oval.len() as f32]
    };
    let uv_oval: Vec<[f32; 2]> = oval.iter().map(|&q| f.uv(q, centre)).collect();
    let top = uv_oval.iter().map(|q| q[1]).fold(f32::INFINITY, f32::min);
    let bottom = uv_oval
        .iter()
        .map(|q| q[1])
        .fold(f32::NEG_INFINITY, f32::max);
    let half_w = f.width / 2.0;
    let height = bottom - top;
    // The brows' top edge (the eye model's brow contour) and the opening's
    // top edge a little above it.
    let brow = [105, 334, 107, 336, 70, 300]
        .iter()
        .map(|&i| f.uv(xy(lm[i]), centre)[1])
        .fold(f32::INFINITY, f32::min);
    let open_top = brow - 0.3 * (brow - top);
    // The oval's upper half squashed down to the forehead line, its sides
    // brought in.
    let squash = (open_top / top.min(-1.0)).clamp(0.0, 1.0);
    let opening: Vec<[f32; 2]> = uv_oval
        .iter()
        .map(|q| [q[0] * 0.86, if q[1] < 0.0 { q[1] * squash } else { q[1] }])
        .collect();
    // The head: an ellipse around the face and hair, and the drape below
    // it, widening towards the shoulders.
    let (ru, rv, vc) = (1.4 * half_w, 0.8 * height, -0.12 * height);
    let corners: Vec<[f32; 2]> = [
        [-1.2 * ru, vc - 1.2 * rv],
        [1.2 * ru, vc - 1.2 * rv],
        [-1.6 * ru, bottom + height],
        [1.6 * ru, bottom + height],
    ]
    .iter()
    .map(|q| {
        [
            centre[0] + q[0] * f.ex[0] + q[1] * f.ey[0],
            centre[1] + q[0] * f.ex[1] + q[1] * f.ey[1],
        ]
    })
    .collect();
    let (x0, x1, y0, y1) = pixel_box(img, &corners, 0.0);
    let seed = seed as u32 ^ 0x5ca2f;
    let edge = 0.02 * f.width;
    for y in y0..y1 {
        for x in x0..x1 {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let [u, v] = f.uv(p, centre);
            let du = u / ru;
            let dv = (v - vc) / rv;
            let head_r = if v > vc {
                // Below the ellipse's middle the drape falls, widening.
                du.abs() / (1.0 + 0.5 * smoothstep(bottom, bottom + 0.6 * height, v))
                    + smoothstep(bottom + 0.7 * height, bottom + height, v)
            } else {
                (du * du + dv * dv).sqrt()
            };
            let in_head = (1.0 - head_r) * ru;
            let in_opening = polygon_sd(&opening, [u, v]);
            let cover = smoothstep(-edge, edge, in_head) * smoothstep(edge, -edge, in_opening);
            if cover <= 0.0 {
                continue;
            }
            // Folds radiating round the face, a weave, and shade towards
            // the cloth's edge.
            let angle = v.atan2(u);
            let folds = (angle * 9.0
                + 6.0 * value_noise(u / (0.2 * f.width), v / (0.2 * f.width), seed))
            .sin();
            let weave = hash(x as i32, y as i32, seed ^ 0x3) - 0.5;
            let crease = value_noise(u / (0.06 * f.width), v / (0.06 * f.width), seed ^ 0x9);
            let shade = 0.85 + 0.15 * folds + 0.12 * (crease - 0.5) + 0.1 * weave;
            let rim = smoothstep(0.0, 0.05 * f.width, -in_opening);
            let colour = SCARF_COLOUR.map(|c| c * shade * (0.8 + 0.2 * rim));
            blend(&mut img.data[y * img.width + x], colour, cover);
        }
    }
}

// ---------------------------------------------------------------- glasses

/// Frame colour (dark acetate), lens tint (a multiply and an added sheen),
/// the window's reflection.
const FRAME_COLOUR: [f32; 3] = [26.0, 22.0, 22.0];
const LENS_TINT: [f32; 3] = [0.9, 0.92, 0.95];
const LENS_SHEEN: f32 = 8.0;
const GLARE_COLOUR: [f32; 3] = [255.0, 255.0, 252.0];
const GLARE_ALPHA: f32 = 0.95;
/// Superellipse exponent of the lens outline (2 = ellipse, larger = squarer).
const LENS_SHAPE: f32 = 3.0;

/// One lens, rigid with the head: 3D centre and half-axes (rest pose,
/// landmark coordinates).
#[derive(Clone, Copy, Debug)]
struct Lens {
    centre: [f32; 3],
    half_x: [f32; 3],
    half_y: [f32; 3],
    /// Which way is the temple: -1 the image-left lens, +1 the image-right.
    side: f32,
    /// Where the temple arm meets the side of the head.
    hinge_end: [f32; 3],
}

/// Glasses fitted to one face: the rigid 3D geometry, drawn per frame.
#[derive(Clone, Debug)]
pub struct Glasses {
    lenses: [Lens; 2],
    /// Rim, bridge and arm thickness, pixels.
    rim: f32,
    bridge: f32,
    arm: f32,
}

fn add3(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
fn scale3(a: [f32; 3], k: f32) -> [f32; 3] {
    a.map(|v| v * k)
}
fn sub3(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn dot3(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn unit3(a: [f32; 3]) -> [f32; 3] {
    scale3(a, 1.0 / dot3(a, a).sqrt().max(1e-6))
}

impl Glasses {
    /// Fits glasses to the rest landmarks: each lens centred on its eye a
    /// little low, 1.6 eye widths wide and 1.2 high, in the face's plane
    /// (its across and down axes from the landmarks' 3D positions, so a
    /// photo taken turned gets glasses turned with it) a tenth of the face's
    /// width in front of the eye corners.
    pub fn fit(lm: &[[f32; 3]]) -> Glasses {
        let ax = unit3(sub3(
            lm[ids::EYE_OUTER_CORNERS[1]],
            lm[ids::EYE_OUTER_CORNERS[0]],
        ));
        let down = sub3(lm[ids::CHIN], lm[ids::FOREHEAD]);
        let ay = unit3(sub3(down, scale3(ax, dot3(down, ax))));
        // Towards the camera: -(ax × ay) (z grows away from the camera).
        let cross = [
            ax[1] * ay[2] - ax[2] * ay[1],
            ax[2] * ay[0] - ax[0] * ay[2],
            ax[0] * ay[1] - ax[1] * ay[0],
        ];
        let front = scale3(cross, -1.0);
        let f = FaceFrame::of(lm);
        let mut eye_w = 0.0;
        let lenses = [(0usize, -1.0f32), (1, 1.0)].map(|(k, side)| {
            let eye = ids::EYES[k];
            let pts: Vec<[f32; 3]> = eye
                .lower_lid
                .iter()
                .chain(eye.upper_lid.iter())
                .map(|&i| lm[i])
                .collect();
            let c = scale3(
                pts.iter().fold([0.0; 3], |a, &p| add3(a, p)),
                1.0 / pts.len() as f32,
            );
            let w = norm2(sub2(xy(lm[eye.lower_lid[0]]), xy(lm[eye.lower_lid[8]])));
            eye_w += w / 2.0;
            let centre = add3(add3(c, scale3(ay, 0.1 * w)), scale3(front, 0.1 * f.width));
            // The side of the head at the lens's height: the face outline's
            // point on this side nearest to it, a little behind.
            let hinge_end = ids::FACE_OVAL
                .iter()
                .map(|&i| lm[i])
                .filter(|q| dot3(sub3(*q, c), ax) * side > 0.0)
                .min_by(|a, b| {
                    let da = dot3(sub3(*a, c), ay).abs();
                    let db = dot3(sub3(*b, c), ay).abs();
                    da.total_cmp(&db)
                })
                .unwrap_or(c);
            Lens {
                centre,
                half_x: scale3(ax, 0.8 * w),
                half_y: scale3(ay, 0.6 * w),
                side,
                hinge_end: add3(hinge_end, scale3(front, -0.03 * f.width)),
            }
        });
        // Lenses that would overlap over the nose are narrowed to leave a
        // bridge of a quarter of an eye's width.
        let mut lenses = lenses;
        let gap = {
            let d = dot3(sub3(lenses[1].centre, lenses[0].centre), ax);
            d - 2.0 * 0.8 * eye_w
        };
        if gap < 0.25 * eye_w {
            let d = dot3(sub3(lenses[1].centre, lenses[0].centre), ax);
            let half = ((d - 0.25 * eye_w) / 2.0).max(0.3 * eye_w);
            for l in &mut lenses {
                l.half_x = scale3(ax, half);
            }
        }
        Glasses {
            lenses,
            rim: 0.12 * eye_w,
            bridge: 0.1 * eye_w,
            arm: 0.09 * eye_w,
        }
    }

    /// Draws the glasses on a frame whose head is in `pose` (the rig's
    /// rotation; expressions do not move glasses), shifted by `shift`
    /// (the frame's jitter).
    pub fn draw(&self, img: &mut Image3, rig: &FaceRig, pose: &Pose, shift: [f32; 2]) {
        let proj = |p: [f32; 3]| {
            let q = rig.project(pose, p);
            [q[0] + shift[0], q[1] + shift[1]]
        };
        // The window's reflection sits up and towards the outer side of each
        // lens and slides against the head's movement: a turn of 25 degrees
        // moves it a quarter of the lens across, a nod of 20 a quarter down.
        let slide = [-pose.yaw_deg / 25.0 * 0.25, -pose.pitch_deg / 20.0 * 0.25];
        for lens in &self.lenses {
            let c = proj(lens.centre);
            let a = sub2(proj(add3(lens.centre, lens.half_x)), c);
            let b = sub2(proj(add3(lens.centre, lens.half_y)), c);
            let det = a[0] * b[1] - a[1] * b[0];
            if det.abs() < 1e-3 {
                continue;
            }
            // Pixel -> lens coordinates (s across, t down; the rim at 1).
            let to_lens = |p: [f32; 2]| {
                let d = sub2(p, c);
                [
                    (d[0] * b[1] - d[1] * b[0]) / det,
                    (a[0] * d[1] - a[1] * d[0]) / det,
                ]
            };
            let outline: Vec<[f32; 2]> = (0..24)
                .map(|k| {
                    let t = k as f32 / 24.0 * std::f32::consts::TAU;
                    [
                        c[0] + a[0] * t.cos() + b[0] * t.sin(),
                        c[1] + a[1] * t.cos() + b[1] * t.sin(),
                    ]
                })
                .collect();
            let glare_c = [0.3 * lens.side + slide[0], -0.3 + slide[1]];
            let (x0, x1, y0, y1) = pixel_box(img, &outline, self.rim + 2.0);
            for y in y0..y1 {
                for x in x0..x1 {
                    let p = [x as f32 + 0.5, y as f32 + 0.5];
                    let [s, t] = to_lens(p);
                    let r = (s.abs().powf(LENS_SHAPE) + t.abs().powf(LENS_SHAPE))
                        .powf(1.0 / LENS_SHAPE);
                    // Pixels from the rim's centre line, along this direction.
                    let radius = if r > 1e-4 {
                        norm2([(a[0] * s + b[0] * t) / r, (a[1] * s + b[1] * t) / r])
                    } else {
                        norm2(a)
                    };
                    let d = (r - 1.0) * radius;
                    let o = y * img.width + x;
                    if d < 0.0 {
                        // Through the lens: tint, then the window.
                        let inside = smoothstep(0.0, 1.0, -d);
                        let px = &mut img.data[o];
                        for (ch, v) in px.iter_mut().enumerate() {
                            let tinted = *v * LENS_TINT[ch] + LENS_SHEEN;
                            *v += (tinted - *v) * inside;
                        }
                        let g = glare(s - glare_c[0], t - glare_c[1]);
                        blend(px, GLARE_COLOUR, g * GLARE_ALPHA * inside);
                    }
                    let rim = smoothstep(self.rim / 2.0 + 0.75, self.rim / 2.0 - 0.75, d.abs());
                    // A little light on the rim's upper edge.
                    let lit = if t < 0.0 && d < 0.0 { 1.25 } else { 1.0 };
                    blend(&mut img.data[o], FRAME_COLOUR.map(|v| v * lit), rim);
                }
            }
        }
        // The bridge over the nose, from lens to lens at the rims' upper
        // inner corners, and the temple arms from the outer rims back to the
        // sides of the head.
        let rim_point = |lens: &Lens, angle_deg: f32| {
            let t = angle_deg.to_radians();
            add3(
                add3(lens.centre, scale3(lens.half_x, t.cos())),
                scale3(lens.half_y, -t.sin()),
            )
        };
        let [l, r] = &self.lenses;
        let bl = rim_point(l, 25.0);
        let br = rim_point(r, 155.0);
        let mid = scale3(add3(bl, br), 0.5);
        let mid = add3(mid, scale3(unit3(l.half_y), -0.15 * norm3(l.half_y)));
        let bridge = [proj(bl), proj(mid), proj(br)];
        self.stroke(img, &bridge, self.bridge);
        for lens in &self.lenses {
            let start = rim_point(lens, if lens.side < 0.0 { 160.0 } else { 20.0 });
            let arm = [proj(start), proj(lens.hinge_end)];
            self.stroke(img, &arm, self.arm);
        }
    }

    /// A dark polyline `width` pixels thick.
    fn stroke(&self, img: &mut Image3, pts: &[[f32; 2]], width: f32) {
        let (x0, x1, y0, y1) = pixel_box(img, pts, width + 2.0);
        for y in y0..y1 {
            for x in x0..x1 {
                let p = [x as f32 + 0.5, y as f32 + 0.5];
                let d = pts
                    .windows(2)
                    .map(|w| seg_dist(p, w[0], w[1]))
                    .fold(f32::INFINITY, f32::min);
                let alpha = smoothstep(width / 2.0 + 0.75, width / 2.0 - 0.75, d);
                blend(&mut img.data[y * img.width + x], FRAME_COLOUR, alpha);
            }
        }
    }
}

fn norm3(a: [f32; 3]) -> f32 {
    dot3(a, a).sqrt()
}

/// A window's reflection in lens coordinates relative to its centre: a
/// rounded pane 0.5 wide and 0.45 high with soft edges, split by a darker
/// cross of glazing bars. 0 outside, 1 on the glass.
fn glare(s: f32, t: f32) -> f32 {
    let (hw, hh) = (0.25, 0.22);
    let pane = smoothstep(0.05, -0.02, s.abs() - hw) * smoothstep(0.05, -0.02, t.abs() - hh);
    let bars =
        1.0 - 0.55 * smoothstep(0.035, 0.015, s.abs()).max(smoothstep(0.035, 0.015, t.abs()));
    pane * bars
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eye_closure_rests_part_way_and_a_blink_closes_the_rest() {
        let a = Appearance::narrow_eyes(0.4);
        assert_eq!(a.eye_closure(0.0), 0.4);
        assert!((a.eye_closure(1.0) - 1.0).abs() < 1e-6);
        assert!((a.eye_closure(0.5) - 0.7).abs() < 1e-6);
        assert_eq!(Appearance::default().eye_closure(0.3), 0.3);
    }

    #[test]
    fn appearance_is_off_by_default_in_json() {
        let a: Appearance = serde_json::from_str("{}").unwrap();
        assert_eq!(a, Appearance::default());
        let b: Appearance = serde_json::from_str(r#"{"glasses": true}"#).unwrap();
        assert_eq!(b, Appearance::glasses());
    }

    #[test]
    fn noise_is_deterministic_and_in_range() {
        for k in 0..200 {
            let (x, y) = (k as f32 * 0.37, k as f32 * 0.91);
            let n = value_noise(x, y, 7);
            assert!((0.0..1.0).contains(&n));
            assert_eq!(n, value_noise(x, y, 7));
        }
        assert_ne!(hash(1, 2, 3), hash(2, 1, 3));
    }
}
