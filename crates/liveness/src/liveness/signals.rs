//! The four numbers the action detectors watch, from one frame's landmarks.
//! Each is a ratio of distances on the face, so it does not depend on how far
//! the person holds the phone; each is measured in the face's own frame (eye
//! line level), so a tilted phone does not look like a turn.

use crate::face::mesh::idx;
use crate::face::FaceObservation;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// Mean lid gap over eye width of both eyes (about 0.15-0.3 open, ~0 shut),
    /// from the attention mesh's refined lids; `None` on frames where the eyes
    /// were not measured (the engine measures them only while calibrating and
    /// while a blink is asked for).
    pub eye_open: Option<f32>,
    /// Inner-lip gap over mouth width (about 0 closed, 0.3+ wide open).
    pub mouth_open: f32,
    /// Outer-lip height (top of the upper lip to the bottom of the lower
    /// lip, centre line) over mouth width: the lips' thickness plus any gap.
    /// About 0.25 for closed lips, 0.4 for a smile showing the teeth, 0.6
    /// wide open. The open-mouth action is measured on it relative to the
    /// person's own neutral (`actions::deviation`), because on a face whose
    /// teeth show at rest the mesh already reads a lip gap, and a dropping
    /// jaw adds to it less than it does to closed lips.
    #[serde(default)]
    pub mouth_height: f32,
    /// Where the nose sits between the cheeks: 0 facing the camera, positive when
    /// the nose moves toward the image's right, i.e. the person turns to THEIR
    /// left (frames are the camera's un-mirrored view).
    pub yaw: f32,
    /// Nose height between the eye line and the chin: grows when the head tips down.
    pub pitch: f32,
    /// The head's pitch from the mesh's depth ([`head_pitch`], degrees, chin
    /// down positive). A nod is also measured on it: where a head scarf
    /// covers the forehead and the face's sides, the nose-between-eyes-and-
    /// chin ratio moves less (0.062-0.088 on clipgen's scarf clips against
    /// 0.10 without), while the depth pitch still moves 12 degrees.
    #[serde(default)]
    pub pitch_deg: f32,
}

fn sub(a: [f32; 2], b: [f32; 2]) -> [f32; 2] {
    [a[0] - b[0], a[1] - b[1]]
}
fn len(a: [f32; 2]) -> f32 {
    (a[0] * a[0] + a[1] * a[1]).sqrt()
}

pub fn measure(obs: &FaceObservation) -> Signals {
    let m = &obs.mesh;
    let l = m.xy(idx::EYE_OUTER_IMAGE_LEFT);
    let r = m.xy(idx::EYE_OUTER_IMAGE_RIGHT);
    let roll = (r[1] - l[1]).atan2(r[0] - l[0]);
    let (s, c) = roll.sin_cos();
    // Into the face frame: u along the eye line, v down the face.
    let face = |i: usize| {
        let p = m.xy(i);
        [p[0] * c + p[1] * s, -p[0] * s + p[1] * c]
    };
    let nose = face(idx::NOSE_TIP);
    let (cl, cr) = (face(idx::CHEEK_IMAGE_LEFT), face(idx::CHEEK_IMAGE_RIGHT));
    let width = (cr[0] - cl[0]).abs().max(1.0);
    let yaw = ((nose[0] - cl[0]) - (cr[0] - nose[0])) / width;

    let eyes_v = (face(idx::EYE_OUTER_IMAGE_LEFT)[1] + face(idx::EYE_OUTER_IMAGE_RIGHT)[1]) / 2.0;
    let chin_v = face(idx::CHIN)[1];
    let pitch = (nose[1] - eyes_v) / (chin_v - eyes_v).abs().max(1.0);

    let mouth_w = len(sub(m.xy(idx::MOUTH_RIGHT), m.xy(idx::MOUTH_LEFT))).max(1.0);
    let mouth_open = len(sub(m.xy(idx::LOWER_LIP_INNER), m.xy(idx::UPPER_LIP_INNER))) / mouth_w;
    let mouth_height = len(sub(m.xy(idx::LOWER_LIP_OUTER), m.xy(idx::UPPER_LIP_OUTER))) / mouth_w;

    Signals {
        eye_open: obs
            .eyes
            .as_ref()
            .map(|[l, r]| (l.openness() + r.openness()) / 2.0),
        mouth_open,
        mouth_height,
        yaw,
        pitch,
        pitch_deg: head_pitch(obs),
    }
}

/// Absolute head pitch in degrees (positive: chin down), from the mesh's
/// depth: the tilt of the forehead-to-chin line out of the image plane.
/// The frontal cone reads it, the blink marks follow the neutral face's,
/// and a nod counts it against the neutral face beside [`Signals::pitch`].
/// The line leans back by about 9 degrees on frontal photos (7.3 and 9.1 on
/// the fixtures) and moves about 1.1 degrees per degree of pitch (clipgen
/// clips of known pitch).
pub fn head_pitch(obs: &FaceObservation) -> f32 {
    const FRONTAL_LEAN_DEG: f32 = 9.0;
    let p = &obs.mesh.points;
    let (f, c) = (p[idx::FOREHEAD], p[idx::CHIN]);
    (c[2] - f[2]).atan2(c[1] - f[1]).to_degrees() - FRONTAL_LEAN_DEG
}
