//! Clip scripts: a list of timed segments (an action or a rest) and how each
//! action's intensity evolves over its segment.

use crate::appearance::Appearance;
use crate::motion::Pose;
use crate::noise::NoiseParams;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// What the person (or the attacker) does in a segment.
///
/// Directions are the PERSON's: `TurnLeft` turns the head towards their own
/// left shoulder, which in the camera's un-mirrored view moves the nose to
/// the image's right (+x).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Face still (only camera jitter and noise).
    Neutral,
    /// Both eyes close and reopen.
    Blink,
    /// The jaw drops and the mouth opens, then closes.
    MouthOpen,
    /// Head turns to the person's own left (nose to image +x) and back.
    TurnLeft,
    /// Head turns to the person's own right (nose to image −x) and back.
    TurnRight,
    /// Head pitches down (chin down) and back up.
    Nod,
    /// Attack: the unaltered photo every frame, only sensor noise.
    StillPhoto,
    /// Attack: the whole photo moved as a flat plane (translation, in-plane
    /// rotation, out-of-plane tilt as a perspective homography).
    PlanarMotion,
}

impl Action {
    /// Live actions a challenge can ask for.
    pub const CHALLENGES: [Action; 5] = [
        Action::Blink,
        Action::MouthOpen,
        Action::TurnLeft,
        Action::TurnRight,
        Action::Nod,
    ];

    /// The name used in `truth.json` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Action::Neutral => "neutral",
            Action::Blink => "blink",
            Action::MouthOpen => "mouth_open",
            Action::TurnLeft => "turn_left",
            Action::TurnRight => "turn_right",
            Action::Nod => "nod",
            Action::StillPhoto => "still_photo",
            Action::PlanarMotion => "planar_motion",
        }
    }

    /// Parses a name or a short alias (`left`, `right`, `mouth`, `still`,
    /// `planar`, ...).
    pub fn parse(s: &str) -> Option<Action> {
        Some(
            match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
                "neutral" | "rest" | "pause" => Action::Neutral,
                "blink" => Action::Blink,
                "mouth" | "mouth_open" | "open_mouth" => Action::MouthOpen,
                "left" | "turn_left" => Action::TurnLeft,
                "right" | "turn_right" => Action::TurnRight,
                "nod" => Action::Nod,
                "still" | "still_photo" => Action::StillPhoto,
                "planar" | "planar_motion" => Action::PlanarMotion,
                _ => return None,
            },
        )
    }

    /// Is this a spoofing attack rather than a live action?
    pub fn is_attack(self) -> bool {
        matches!(self, Action::StillPhoto | Action::PlanarMotion)
    }

    /// Default segment length, seconds: the motion plus a little stillness
    /// on both sides.
    pub fn default_duration(self) -> f32 {
        match self {
            Action::Neutral => 0.6,
            Action::Blink => 0.5,
            Action::MouthOpen => 1.4,
            Action::TurnLeft | Action::TurnRight => 1.6,
            Action::Nod => 1.3,
            Action::StillPhoto | Action::PlanarMotion => 3.0,
        }
    }
}

/// One timed part of a script.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub action: Action,
    pub duration_s: f32,
}

/// Peak amplitudes of the live actions.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Amplitudes {
    /// Yaw at the peak of a turn, degrees.
    pub turn_deg: f32,
    /// Pitch at the bottom of a nod, degrees.
    pub nod_deg: f32,
    /// Jaw opening at the peak of `MouthOpen` (0..1 of the full drop).
    pub mouth: f32,
    /// Lid closure at the peak of a blink (0..1; older eyes often blink
    /// without shutting fully).
    #[serde(default = "full")]
    pub blink: f32,
}

fn full() -> f32 {
    1.0
}

impl Default for Amplitudes {
    fn default() -> Self {
        Amplitudes {
            turn_deg: 25.0,
            nod_deg: 18.0,
            mouth: 1.0,
            blink: 1.0,
        }
    }
}

/// The scene's light, applied to every frame before the sensor noise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lighting {
    /// The photo's own light.
    #[default]
    Normal,
    /// Everything scaled by this factor (a dim room: the sensor noise then
    /// weighs more, as in a real low-light frame).
    Dim(f32),
    /// A bright window behind the person: the background is pushed towards
    /// white and the face, exposed for the window, darkened.
    Backlit,
}

/// A whole clip: segments in order, frame rate, seed and camera effects.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipScript {
    pub segments: Vec<Segment>,
    pub fps: f32,
    pub seed: u64,
    pub noise: NoiseParams,
    pub amplitudes: Amplitudes,
    /// The person's resting head pose (yaw and pitch only): every live
    /// frame is posed relative to it, as a person who holds the phone a
    /// little to one side or below the face does everything from there.
    #[serde(default)]
    pub neutral: Pose,
    #[serde(default)]
    pub lighting: Lighting,
    /// Glasses, a beard, a head scarf, narrow eyes (all off by default).
    #[serde(default)]
    pub appearance: Appearance,
}

impl Default for ClipScript {
    fn default() -> Self {
        ClipScript {
            segments: Vec::new(),
            fps: 15.0,
            seed: 1,
            noise: NoiseParams::default(),
            amplitudes: Amplitudes::default(),
            neutral: Pose::default(),
            lighting: Lighting::Normal,
            appearance: Appearance::default(),
        }
    }
}

/// Rest before the first action of a clip, seconds: the app learns the
/// neutral face while the screen shows its colours (2 s, the light check),
/// then the person hears the first prompt and reacts.
pub const LEAD_IN_S: f32 = 2.6;
/// Rest between and after actions, seconds.
pub const GAP_S: f32 = 0.6;

impl ClipScript {
    /// An empty script at 15 fps, seed 1, default noise.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `action` with its default duration.
    pub fn then(self, action: Action) -> Self {
        self.then_for(action, action.default_duration())
    }

    /// Appends `action` lasting `seconds`.
    pub fn then_for(mut self, action: Action, seconds: f32) -> Self {
        assert!(seconds > 0.0, "segment duration must be positive");
        self.segments.push(Segment {
            action,
            duration_s: seconds,
        });
        self
    }

    pub fn with_fps(mut self, fps: f32) -> Self {
        assert!(fps > 0.0, "fps must be positive");
        self.fps = fps;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub fn with_noise(mut self, noise: NoiseParams) -> Self {
        self.noise = noise;
        self
    }

    /// Rests the head at `yaw_deg` (positive: towards the person's own
    /// left) and `pitch_deg` (positive: chin down) instead of the photo's pose.
    pub fn with_neutral(mut self, yaw_deg: f32, pitch_deg: f32) -> Self {
        self.neutral = Pose {
            yaw_deg,
            pitch_deg,
            ..Pose::default()
        };
        self
    }

    pub fn with_lighting(mut self, lighting: Lighting) -> Self {
        self.lighting = lighting;
        self
    }

    pub fn with_appearance(mut self, appearance: Appearance) -> Self {
        self.appearance = appearance;
        self
    }

    pub fn with_amplitudes(mut self, amplitudes: Amplitudes) -> Self {
        self.amplitudes = amplitudes;
        self
    }

    /// One live action between rests: `[Neutral 2.6 s, action, Neutral 0.6 s]`.
    /// For an attack, the attack alone for its default duration.
    pub fn single(action: Action) -> Self {
        if action.is_attack() {
            return Self::new().then(action);
        }
        Self::challenge(&[action])
    }

    /// A challenge sequence in the given order:
    /// `[Neutral 2.6 s, a1, Neutral 0.6 s, a2, Neutral 0.6 s, ...]`.
    pub fn challenge(actions: &[Action]) -> Self {
        let mut s = Self::new().then_for(Action::Neutral, LEAD_IN_S);
        for &a in actions {
            s = s.then(a).then_for(Action::Neutral, GAP_S);
        }
        s
    }

    /// Total length, seconds.
    pub fn duration_s(&self) -> f32 {
        self.segments.iter().map(|s| s.duration_s).sum()
    }

    /// Number of frames: `round(duration × fps)`, with the durations summed
    /// in f64 (a half frame rounds up).
    pub fn frame_count(&self) -> usize {
        self.segment_frames().last().map_or(0, |r| r.end)
    }

    /// Frame range of every segment. Boundaries are rounded cumulative
    /// times, so the ranges tile `0..frame_count()` with no drift.
    pub fn segment_frames(&self) -> Vec<Range<usize>> {
        let mut t = 0.0f64;
        let mut start = 0;
        self.segments
            .iter()
            .map(|s| {
                // Accumulated in f64 so that e.g. ten 0.1 s segments add up
                // to exactly 1 s worth of frames.
                t += s.duration_s as f64;
                let end = (t * self.fps as f64).round() as usize;
                let r = start..end;
                start = end;
                r
            })
            .collect()
    }

    /// Start time of every segment, seconds.
    pub(crate) fn segment_starts(&self) -> Vec<f32> {
        let mut t = 0.0;
        self.segments
            .iter()
            .map(|s| {
                let start = t;
                t += s.duration_s;
                start
            })
            .collect()
    }
}

/// Ease-in-out from 0 to 1 on `[0, 1]`.
fn ease(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    0.5 - 0.5 * (std::f32::consts::PI * x).cos()
}

/// Rise over `up`, hold over `hold`, fall over `down`, starting at `start`;
/// `t` in seconds.
fn envelope(t: f32, start: f32, up: f32, hold: f32, down: f32) -> f32 {
    let t = t - start;
    if t <= 0.0 {
        0.0
    } else if t < up {
        ease(t / up)
    } else if t <= up + hold {
        1.0
    } else if t < up + hold + down {
        1.0 - ease((t - up - hold) / down)
    } else {
        0.0
    }
}

/// Timing of a live action's motion: rise, hold, fall (seconds).
fn timing(action: Action) -> Option<(f32, f32, f32)> {
    Some(match action {
        // Lids close fast, stay shut briefly, reopen a little slower.
        Action::Blink => (0.10, 0.10, 0.15),
        Action::MouthOpen => (0.30, 0.50, 0.30),
        Action::TurnLeft | Action::TurnRight => (0.45, 0.40, 0.45),
        Action::Nod => (0.40, 0.20, 0.40),
        _ => return None,
    })
}

/// Intensity (0..1) of `action` at time `t` into a segment of `duration`
/// that starts at absolute time `seg_start`, for a clip at `fps`. The motion
/// is centred in the segment (compressed if the segment is too short) and
/// shifted by less than a frame so that the middle of the hold falls exactly
/// on a frame: a 100 ms blink hold is then never missed at 15 fps.
pub fn intensity(action: Action, t: f32, duration: f32, seg_start: f32, fps: f32) -> f32 {
    let Some((mut up, mut hold, mut down)) = timing(action) else {
        return 0.0;
    };
    let total = up + hold + down;
    if total > duration {
        let k = duration / total;
        up *= k;
        hold *= k;
        down *= k;
    }
    let slack = (duration - (up + hold + down)).max(0.0);
    let mut start = slack / 2.0;
    let mid_abs = seg_start + start + up + hold / 2.0;
    let snapped = (mid_abs * fps).round() / fps;
    let shifted = start + (snapped - mid_abs);
    if (0.0..=slack).contains(&shifted) {
        start = shifted;
    }
    envelope(t, start, up, hold, down)
}

/// The face pose of `action` at intensity `k`.
pub fn pose_for(action: Action, k: f32, amp: &Amplitudes) -> Pose {
    let mut pose = Pose::default();
    match action {
        Action::Blink => pose.eye_closure = k * amp.blink,
        Action::MouthOpen => pose.jaw_open = k * amp.mouth,
        Action::TurnLeft => pose.yaw_deg = k * amp.turn_deg,
        Action::TurnRight => pose.yaw_deg = -k * amp.turn_deg,
        Action::Nod => pose.pitch_deg = k * amp.nod_deg,
        _ => {}
    }
    pose
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_tile_the_frames_without_drift() {
        let mut s = ClipScript::new().with_fps(30.0);
        for _ in 0..10 {
            s = s.then_for(Action::Neutral, 0.1);
        }
        let r = s.segment_frames();
        assert_eq!(s.frame_count(), 30);
        assert!(r.iter().all(|g| g.len() == 3));
        assert_eq!(r.last().unwrap().end, 30);
    }

    #[test]
    fn blink_hold_lands_on_a_frame_at_any_start() {
        for fps in [10.0f32, 12.0, 15.0, 24.0, 30.0] {
            for k in 0..20 {
                let seg_start = 0.37 + k as f32 * 0.013;
                let d = Action::Blink.default_duration();
                let first = (seg_start * fps).ceil() as usize;
                let peak = (first..)
                    .take_while(|&i| (i as f32) / fps < seg_start + d)
                    .map(|i| {
                        intensity(Action::Blink, i as f32 / fps - seg_start, d, seg_start, fps)
                    })
                    .fold(0.0f32, f32::max);
                assert!(peak > 0.999, "fps {fps} start {seg_start}: peak {peak}");
            }
        }
    }

    #[test]
    fn intensity_rises_holds_and_returns_to_rest() {
        let d = Action::TurnLeft.default_duration();
        assert_eq!(intensity(Action::TurnLeft, 0.0, d, 0.0, 15.0), 0.0);
        assert_eq!(intensity(Action::TurnLeft, d / 2.0, d, 0.0, 15.0), 1.0);
        assert_eq!(intensity(Action::TurnLeft, d, d, 0.0, 15.0), 0.0);
        // A segment shorter than the motion compresses it.
        assert_eq!(intensity(Action::MouthOpen, 0.3, 0.6, 0.0, 15.0), 1.0);
        assert_eq!(intensity(Action::Neutral, 0.3, 0.6, 0.0, 15.0), 0.0);
    }

    #[test]
    fn directions_are_the_persons() {
        let amp = Amplitudes::default();
        assert!(pose_for(Action::TurnLeft, 1.0, &amp).yaw_deg > 0.0);
        assert!(pose_for(Action::TurnRight, 1.0, &amp).yaw_deg < 0.0);
        assert!(pose_for(Action::Nod, 1.0, &amp).pitch_deg > 0.0);
        for a in [
            Action::Neutral,
            Action::Blink,
            Action::MouthOpen,
            Action::TurnLeft,
            Action::TurnRight,
            Action::Nod,
            Action::StillPhoto,
            Action::PlanarMotion,
        ] {
            assert_eq!(Action::parse(a.name()), Some(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.name()));
        }
        assert_eq!(Action::parse("Left"), Some(Action::TurnLeft));
        assert_eq!(Action::parse("wink"), None);
    }
}
