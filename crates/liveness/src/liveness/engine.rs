//! The challenge state machine over analysed frames.

use super::actions::{Action, ActionDetector, ActionEvent, Step};
use super::planar::{planar_residual, FLAT_RESIDUAL};
use super::prompts::Toward;
use super::sequence::{
    self, face_square, sample_square, Keyframe, SequenceFrame, SequenceRecorder, FRONTAL_SIDE,
    MAX_GAP_MS,
};
use super::signals::{self, Signals};
use super::{flash, prompts, Challenge, FaceBox, LivenessPhase, LivenessUpdate, RejectReason};
use crate::face::quality::{self, QualityIssue};
use crate::face::{Analysis, FaceAnalyzer, FaceError, FaceObservation};
use image::RgbImage;
use lifecert_domain::i18n::{Language, Message};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Good frames needed to learn the neutral face.
const CALIBRATION_FRAMES: usize = 8;
/// Repeat the spoken prompt after this long without progress (and never
/// while the person is doing what was asked, nor once the capture is over).
const REPEAT_PROMPT_MS: u64 = 8000;
/// A picture problem must last this long before it is shown (no flicker).
const HINT_AFTER_MS: u64 = 600;
/// How long the phone keeps filming after the last action (see `act`).
const TAIL_MS: u64 = 400;
/// certd's start marks as a share of the phone's. certd measures the same
/// movement on the uploaded 160 px JPEG crops, and reads it smaller: a blink
/// at 0.31 on the phone is 0.26 on its crop, and a shallow blink (lids 65 %
/// shut) the phone accepts at 0.16 was refused at the server. The phone
/// asks for a clear action; certd accepts the same action as the crops show
/// it. The attacks are stopped by other checks (planar movement, the screen's
/// colours, one face throughout), not by how large an action is.
const SERVER_START_SHARE: f32 = 0.8;
/// Blinks lose most on the crops: a shallow blink the phone reads at 0.16
/// read at or just under 0.12 on certd, so 80 % of the mark left it to chance
/// (a detector box 0.0001 px off decided it). 65 % keeps the start 2.4 times
/// the rest noise (about 0.04) and above the end mark.
const SERVER_BLINK_START_SHARE: f32 = 0.65;
/// Two head movements that moved like a flat picture: stop.
const MAX_FLAT_MOVES: u32 = 2;
/// The frontal cone the neutral face is learnt in (docs/liveness.md, "The
/// frontal cone"): the yaw signal at about 20 degrees (0.57-0.62 at +20,
/// 0.40-0.52 at -20 on clipgen clips of known yaw). Every action is then
/// measured from the person's own neutral.
const CONE_YAW: f32 = 0.6;
/// Absolute head pitch (degrees, [`signals::head_pitch`]) the cone allows,
/// chin up (negative) and chin down (positive).
const CONE_PITCH_DEG: f32 = 20.0;
/// Once outside the cone, back in only well inside it, so the hint does not
/// flicker at its edge.
const CONE_BACK: f32 = 0.85;
/// Once told to move closer (or further), the hint holds until the face is
/// this much inside the range, so the distance converges instead of
/// bouncing on the limit.
const DISTANCE_MARGIN: f32 = 1.15;
/// Light the person may be unable to change (a dim room, the only chair with
/// its back to a window): after saying so this long, carry on as long as the
/// face is still measured and not this dark.
const LIGHT_PATIENCE_MS: u64 = 3000;
const LIGHT_FLOOR_LUMA: f32 = 20.0;
/// Per-frame costs kept for [`LivenessEngine::analysis_times`] (a minute at 15 fps).
const MAX_FRAME_COSTS: usize = 1024;

/// A completed action as observed, whether or not the challenge asked for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub event: ActionEvent,
    /// Head movements only: residual of the best planar fit (share of face width).
    pub planar_residual: Option<f32>,
    /// Counted as a step of the challenge.
    pub accepted: bool,
}

/// The engine's verdict over everything it saw.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub passed: bool,
    pub reason: Option<RejectReason>,
    pub observed: Vec<Observed>,
}

/// What one analysed frame cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameCost {
    /// Wall time of face analysis, quality and liveness (not decoding).
    pub elapsed: Duration,
    /// Whether the eyes were measured on this frame (the attention mesh ran
    /// instead of the plain mesh, see [`LivenessEngine::push`]).
    pub eyes: bool,
}

/// The frontal picture being considered: a sharper crop of the same square as
/// its sequence frame, at camera time `t_ms`.
struct Candidate {
    t_ms: u64,
    crop: RgbImage,
}

/// Where the engine runs. On the phone it guides the person and records the
/// face sequence; on the server it re-judges an uploaded sequence, where the
/// picture-quality hints (distance, light, blur: advice for the person, and
/// meaningless on a face crop) do not gate anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Phone,
    Server,
}

pub struct LivenessEngine {
    /// `None` on the server, which runs its own analyser ([`Self::observe`]).
    analyzer: Option<FaceAnalyzer>,
    mode: Mode,
    challenge: Challenge,
    language: Language,
    phase: LivenessPhase,
    reject: Option<RejectReason>,
    frame: u32,
    calibration: Vec<(Signals, Vec<[f32; 3]>)>,
    baseline: Option<(Signals, Vec<[f32; 3]>)>,
    detectors: Vec<ActionDetector>,
    /// Landmarks at the latest peak of each head movement, for the planar check.
    peak_points: Vec<Option<Vec<[f32; 3]>>>,
    next_step: usize,
    step_started_frame: u32,
    observed: Vec<Observed>,
    flat_moves: u32,
    frontal: Option<(f32, Candidate)>,
    /// This frame would make a better frontal picture (its score): taken only
    /// if the frame is recorded (certd checks the frontal is a copy of a
    /// sequence frame).
    frontal_pending: Option<f32>,
    /// The face sequence that is uploaded (phone only).
    recorder: Option<SequenceRecorder>,
    /// Something happened on this frame that the server must see too (an
    /// action's start, peak or end).
    key_frame: bool,
    last_t_ms: u64,
    frame_size: [u32; 2],
    /// The nonce's screen colours, unless the person turned them off.
    flash: Option<[usize; flash::SEGMENTS]>,
    /// Camera time the neutral face (and the colours) began.
    calibration_started_ms: Option<u64>,
    /// Camera time the last action was done (the tail runs from there).
    done_ms: Option<u64>,
    prev_centre: Option<[f32; 2]>,
    issue_since: Option<(QualityIssue, u64)>,
    last_prompt_key: String,
    last_spoken_ms: u64,
    /// Last time the person was seen doing what the prompt asks (moving
    /// towards the cone or the right distance, calibrating, doing the step).
    progress_ms: u64,
    /// How far the current picture problem is from fixed, at best so far.
    issue_gap: Option<(QualityIssue, f32)>,
    /// Which way to move into the frontal cone, while outside it.
    cone_hint: Option<Toward>,
    /// Poor light was reported for long enough and is now put up with.
    light_tolerated: bool,
    /// Camera times of the first and the latest frame of poor light, while
    /// the light has not been good for [`LIGHT_PATIENCE_MS`] since.
    poor_light: Option<(u64, u64)>,
    face_ever_seen: bool,
    analysis_times: Vec<FrameCost>,
}

impl LivenessEngine {
    pub fn new(challenge: Challenge, language: Language) -> Result<Self, FaceError> {
        Ok(Self::with(
            Some(FaceAnalyzer::new()?),
            Mode::Phone,
            challenge,
            language,
        ))
    }

    /// The server's judge of an uploaded sequence: the caller analyses each
    /// crop with its own analyser and hands the result to [`Self::observe`].
    pub fn judge(challenge: Challenge) -> Self {
        Self::with(None, Mode::Server, challenge, Language::En)
    }

    fn with(
        analyzer: Option<FaceAnalyzer>,
        mode: Mode,
        challenge: Challenge,
        language: Language,
    ) -> Self {
        let plan = flash::schedule(&challenge.nonce);
        LivenessEngine {
            analyzer,
            mode,
            challenge,
            language,
            phase: LivenessPhase::FindingFace,
            reject: None,
            frame: 0,
            calibration: vec![],
            baseline: None,
            detectors: Action::ALL
                .iter()
                .map(|a| ActionDetector::new(*a))
                .collect(),
            peak_points: vec![None; Action::ALL.len()],
            next_step: 0,
            step_started_frame: 0,
            observed: vec![],
            flat_moves: 0,
            frontal: None,
            frontal_pending: None,
            recorder: (mode == Mode::Phone).then(SequenceRecorder::default),
            key_frame: false,
            last_t_ms: 0,
            frame_size: [0, 0],
            flash: Some(plan),
            calibration_started_ms: None,
            done_ms: None,
            prev_centre: None,
            issue_since: None,
            last_prompt_key: String::new(),
            last_spoken_ms: 0,
            progress_ms: 0,
            issue_gap: None,
            cone_hint: None,
            light_tolerated: false,
            poor_light: None,
            face_ever_seen: false,
            analysis_times: vec![],
        }
    }

    /// Turns the screen colours off (photosensitivity) or on, before the
    /// capture starts. The server judges the sequence the same way.
    pub fn set_flash(&mut self, on: bool) {
        self.flash = on.then(|| flash::schedule(&self.challenge.nonce));
    }

    pub fn set_language(&mut self, language: Language) {
        self.language = language;
        self.last_prompt_key.clear();
    }

    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    pub fn phase(&self) -> LivenessPhase {
        self.phase
    }

    /// What analysing each recent frame cost (models and liveness, not
    /// decoding): at least the last [`MAX_FRAME_COSTS`] / 2 frames.
    pub fn analysis_times(&self) -> &[FrameCost] {
        &self.analysis_times
    }

    /// Every action seen so far, asked for or not.
    pub fn observed(&self) -> &[Observed] {
        &self.observed
    }

    /// One camera frame, upright and un-mirrored, taken at `t_ms`.
    ///
    /// The eyes (the attention mesh, dearer than the plain mesh) are measured
    /// only on frames whose eye openness is used: see [`Self::wants_eyes`].
    pub fn push(&mut self, img: &RgbImage, t_ms: u64) -> Result<LivenessUpdate, FaceError> {
        if matches!(self.phase, LivenessPhase::Passed | LivenessPhase::Rejected) {
            return Ok(self.update(None, None, t_ms));
        }
        let started = Instant::now();
        let eyes = self.wants_eyes();
        let analyzer = self.analyzer.as_mut().ok_or_else(|| {
            FaceError::Load("this engine judges uploads: it has no analyser".into())
        })?;
        analyzer.set_eyes(eyes);
        let analysis = analyzer.analyze(img)?;
        let out = self.observe(img, analysis, t_ms);
        // Bounded: a phone may film for minutes; tools read a clip's worth.
        if self.analysis_times.len() >= MAX_FRAME_COSTS {
            self.analysis_times.drain(..MAX_FRAME_COSTS / 2);
        }
        self.analysis_times.push(FrameCost {
            elapsed: started.elapsed(),
            eyes,
        });
        Ok(out)
    }

    /// One frame that was already analysed (with the eyes measured when
    /// [`Self::wants_eyes`] said so).
    pub fn observe(&mut self, img: &RgbImage, analysis: Analysis, t_ms: u64) -> LivenessUpdate {
        if matches!(self.phase, LivenessPhase::Passed | LivenessPhase::Rejected) {
            return self.update(None, None, t_ms);
        }
        let frame = self.frame;
        self.frame += 1;
        self.last_t_ms = t_ms;
        self.frame_size = [img.width(), img.height()];
        match analysis {
            Analysis::NoFace => {
                self.no_face(t_ms);
                self.update(Some(QualityIssue::NoFace), None, t_ms)
            }
            Analysis::Face(obs) => self.face(img, &obs, frame, t_ms),
        }
    }

    /// Eye openness is used while learning the neutral face (it is the blink
    /// baseline, and the frontal picture wants open eyes) and while a blink is
    /// the step asked for. Turns, nods and mouths need the mesh only, so on
    /// their frames the eyes are not measured, blinks are not seen, and the
    /// trace says so (no eye openness) instead of guessing.
    pub fn wants_eyes(&self) -> bool {
        match self.phase {
            LivenessPhase::FindingFace | LivenessPhase::Calibrating => true,
            LivenessPhase::Acting => {
                self.challenge.actions.get(self.next_step) == Some(&Action::Blink)
            }
            LivenessPhase::Passed | LivenessPhase::Rejected => false,
        }
    }

    fn no_face(&mut self, t_ms: u64) {
        // Half-done actions do not survive losing the face.
        self.detectors.iter_mut().for_each(ActionDetector::reset);
        self.prev_centre = None;
        if self.phase == LivenessPhase::Calibrating {
            self.calibration.clear();
            self.calibration_started_ms = None;
            self.phase = LivenessPhase::FindingFace;
            if let Some(r) = self.recorder.as_mut() {
                r.clear();
            }
        }
        self.restart_if_sequence_broken(t_ms);
    }

    /// The server accepts one face tracked without cuts: a face lost for
    /// longer than it allows, or a sequence grown past its size, starts the
    /// capture again from the neutral face (the person is told, and nothing
    /// fails: a slow person simply goes round again).
    fn restart_if_sequence_broken(&mut self, t_ms: u64) {
        let Some(r) = self.recorder.as_ref() else {
            return;
        };
        let lost = r
            .since_last(t_ms)
            .is_some_and(|gap| gap >= MAX_GAP_MS * 4 / 5);
        if !(lost || r.is_full()) {
            return;
        }
        self.phase = LivenessPhase::FindingFace;
        self.calibration.clear();
        self.calibration_started_ms = None;
        self.done_ms = None;
        self.baseline = None;
        self.detectors.iter_mut().for_each(ActionDetector::reset);
        self.peak_points.iter_mut().for_each(|p| *p = None);
        self.next_step = 0;
        self.observed.clear();
        self.frontal = None;
        self.last_prompt_key.clear();
        if let Some(r) = self.recorder.as_mut() {
            r.clear();
        }
        // Flat moves are kept: going round again does not wash out a spoof.
    }

    fn face(
        &mut self,
        img: &RgbImage,
        obs: &FaceObservation,
        frame: u32,
        t_ms: u64,
    ) -> LivenessUpdate {
        self.face_ever_seen = true;
        self.restart_if_sequence_broken(t_ms);
        self.key_frame = false;
        let phase_before = self.phase;
        let s = signals::measure(obs);
        let m = quality::measure(img, obs, self.prev_centre);
        let b = obs.bbox;
        self.prev_centre = Some([(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0]);
        let mut issue = match self.mode {
            Mode::Phone => {
                let q = self.hold_distance(quality::assess(img, obs, &m), m.face_share);
                self.tolerate_light(q, m.face_luma, t_ms)
            }
            Mode::Server => (obs.faces_seen > 1).then_some(QualityIssue::MultipleFaces),
        };
        let was_outside = self.cone_hint.take().is_some();
        if self.baseline.is_none() && issue.is_none() {
            self.cone_hint = outside_cone(&s, was_outside);
            if self.cone_hint.is_some() {
                issue = Some(QualityIssue::TurnedAway);
            }
        }
        self.note_issue_progress(issue, &s, m.face_share, t_ms);
        let face_box = Some(FaceBox {
            x: b[0] / img.width() as f32,
            y: b[1] / img.height() as f32,
            width: (b[2] - b[0]) / img.width() as f32,
            height: (b[3] - b[1]) / img.height() as f32,
        });

        match self.phase {
            LivenessPhase::FindingFace | LivenessPhase::Calibrating => {
                if issue.is_none() {
                    self.phase = LivenessPhase::Calibrating;
                    let since = t_ms - *self.calibration_started_ms.get_or_insert(t_ms);
                    self.progress_ms = t_ms;
                    self.calibration.push((s, obs.mesh.points.clone()));
                    self.consider_frontal(&s, m.sharpness);
                    // With the light check on, the neutral face lasts until
                    // every colour was shown.
                    let colours_done = self.flash.is_none() || since >= flash::FLASH_MS;
                    if self.calibration.len() >= CALIBRATION_FRAMES && colours_done {
                        self.finish_calibration(frame);
                    }
                }
            }
            LivenessPhase::Acting => {
                // Motion blur and movement come with turning and nodding; the
                // other problems make the frame untrustworthy.
                let blocking = issue
                    .filter(|q| !matches!(q, QualityIssue::Blurry | QualityIssue::MovingTooMuch));
                if blocking.is_none() {
                    self.act(obs, &s, m.sharpness, frame, t_ms);
                } else {
                    self.detectors.iter_mut().for_each(ActionDetector::reset);
                }
            }
            LivenessPhase::Passed | LivenessPhase::Rejected => {}
        }
        self.record(img, obs, t_ms, phase_before);
        self.update(issue, face_box, t_ms)
    }

    /// Adds this frame to the uploaded sequence when it is due: at the dense
    /// rate while a blink is asked for and where something happened (so the
    /// server sees what the phone saw), at the neutral rate while the neutral
    /// face and the screen colours are learnt, the steady rate otherwise.
    fn record(
        &mut self,
        img: &RgbImage,
        obs: &FaceObservation,
        t_ms: u64,
        phase_before: LivenessPhase,
    ) {
        let frontal = self.frontal_pending.take();
        let Some(rec) = self.recorder.as_mut() else {
            return;
        };
        // The sequence starts with the first frame of the neutral face.
        if rec.is_empty() && self.phase != LivenessPhase::Calibrating {
            return;
        }
        let blinking = phase_before == LivenessPhase::Acting
            && self.challenge.actions.get(self.next_step) == Some(&Action::Blink);
        let dense =
            blinking || self.phase != phase_before || self.key_frame || self.done_ms.is_some();
        let interval = if dense {
            sequence::DENSE_INTERVAL_MS
        } else if matches!(
            phase_before,
            LivenessPhase::FindingFace | LivenessPhase::Calibrating
        ) {
            sequence::NEUTRAL_INTERVAL_MS
        } else {
            sequence::STEADY_INTERVAL_MS
        };
        // Encoding a JPEG of an in-memory crop does not fail; if it ever did,
        // the frame is simply not in the sequence (nor the frontal picture).
        if rec.due(t_ms, interval) && rec.record(img, obs, t_ms).is_ok() {
            // Cropped only now: most frames are not recorded.
            if let Some(score) = frontal {
                self.frontal = Some((score, Candidate::of(img, obs, t_ms)));
            }
        }
    }

    /// Keeps a distance hint until the face is [`DISTANCE_MARGIN`] inside the
    /// range (hysteresis).
    fn hold_distance(&self, issue: Option<QualityIssue>, face_share: f32) -> Option<QualityIssue> {
        if issue.is_some() {
            return issue;
        }
        match self.issue_since {
            Some((QualityIssue::TooFar, _))
                if face_share < quality::MIN_FACE_SHARE * DISTANCE_MARGIN =>
            {
                Some(QualityIssue::TooFar)
            }
            Some((QualityIssue::TooClose, _))
                if face_share > quality::MAX_FACE_SHARE / DISTANCE_MARGIN =>
            {
                Some(QualityIssue::TooClose)
            }
            _ => issue,
        }
    }

    /// Poor light is reported for [`LIGHT_PATIENCE_MS`]; after that, while
    /// the face is still found and not black, the capture goes on.
    fn tolerate_light(
        &mut self,
        issue: Option<QualityIssue>,
        face_luma: f32,
        t_ms: u64,
    ) -> Option<QualityIssue> {
        let light = matches!(
            issue,
            Some(QualityIssue::TooDark | QualityIssue::Backlit | QualityIssue::TooBright)
        );
        // The patience runs from the first poor frame: a face whose light
        // sits at the limit crosses it back and forth with the sensor's
        // noise, and a frame or two over it do not fix the room. Only light
        // that stays good as long as the patience ends the count.
        if light {
            let first = self.poor_light.map_or(t_ms, |(first, _)| first);
            self.poor_light = Some((first, t_ms));
        } else if self
            .poor_light
            .is_some_and(|(_, last)| t_ms.saturating_sub(last) >= LIGHT_PATIENCE_MS)
        {
            self.poor_light = None;
        }
        if !light || face_luma < LIGHT_FLOOR_LUMA {
            return issue;
        }
        if !self.light_tolerated {
            match self.poor_light {
                Some((first, _)) if t_ms.saturating_sub(first) >= LIGHT_PATIENCE_MS => {
                    self.light_tolerated = true;
                }
                _ => return issue,
            }
        }
        None
    }

    /// Counts a picture problem getting better (the face coming into the
    /// cone, nearer to the right distance) as progress, so its hint is not
    /// repeated while the person is fixing it.
    fn note_issue_progress(
        &mut self,
        issue: Option<QualityIssue>,
        s: &Signals,
        face_share: f32,
        t_ms: u64,
    ) {
        let gap = match issue {
            Some(QualityIssue::TooFar) => {
                Some(quality::MIN_FACE_SHARE * DISTANCE_MARGIN - face_share)
            }
            Some(QualityIssue::TooClose) => {
                Some(face_share - quality::MAX_FACE_SHARE / DISTANCE_MARGIN)
            }
            Some(QualityIssue::TurnedAway) => {
                Some((s.yaw.abs() / CONE_YAW).max(s.pitch_deg.abs() / CONE_PITCH_DEG))
            }
            _ => None,
        };
        self.issue_gap = match (issue, gap, self.issue_gap) {
            (Some(q), Some(g), Some((prev, best))) if prev == q => {
                // A real step towards the goal, not noise.
                if g < best - 0.02 {
                    self.progress_ms = t_ms;
                    Some((q, g))
                } else {
                    Some((q, best))
                }
            }
            (Some(q), Some(g), _) => Some((q, g)),
            _ => None,
        };
    }

    fn finish_calibration(&mut self, frame: u32) {
        let median = |f: fn(&Signals) -> f32| {
            let mut v: Vec<f32> = self.calibration.iter().map(|(s, _)| f(s)).collect();
            v.sort_by(f32::total_cmp);
            v[v.len() / 2]
        };
        // Calibration frames all measure the eyes (`wants_eyes`); take the
        // median of those that did all the same.
        let mut eyes: Vec<f32> = self
            .calibration
            .iter()
            .filter_map(|(s, _)| s.eye_open)
            .collect();
        eyes.sort_by(f32::total_cmp);
        let base = Signals {
            eye_open: eyes.get(eyes.len() / 2).copied(),
            mouth_open: median(|s| s.mouth_open),
            mouth_height: median(|s| s.mouth_height),
            yaw: median(|s| s.yaw),
            pitch: median(|s| s.pitch),
            pitch_deg: median(|s| s.pitch_deg),
        };
        // The neutral landmarks: the calibration frame nearest the median pose.
        let (chosen, points) = self
            .calibration
            .iter()
            .min_by(|a, b| {
                let d = |s: &Signals| (s.yaw - base.yaw).abs() + (s.pitch - base.pitch).abs();
                d(&a.0).total_cmp(&d(&b.0))
            })
            .expect("calibration frames")
            .clone();
        // A face resting chin down shows a shut eye as less closed.
        let blink = super::actions::blink_marks(chosen.pitch_deg);
        for d in &mut self.detectors {
            let mut m = match d.action {
                Action::Blink => blink,
                a => super::actions::marks(a),
            };
            if self.mode == Mode::Server {
                m.start *= match d.action {
                    Action::Blink => SERVER_BLINK_START_SHARE,
                    _ => SERVER_START_SHARE,
                };
            }
            d.set_marks(m);
        }
        self.baseline = Some((base, points));
        self.calibration.clear();
        self.phase = LivenessPhase::Acting;
        self.step_started_frame = frame + 1;
    }

    fn act(&mut self, obs: &FaceObservation, s: &Signals, sharpness: f32, frame: u32, t_ms: u64) {
        // Copy only the signals: the neutral landmarks stay borrowed (per-frame path).
        let base = self.baseline.as_ref().expect("acting after calibration").0;
        let wanted = self.challenge.actions.get(self.next_step).copied();
        let neutral = Action::ALL.iter().all(|a| {
            super::actions::deviation(*a, s, &base)
                .is_none_or(|d| d < 0.5 * super::actions::marks(*a).end)
        });
        if neutral {
            self.consider_frontal(s, sharpness);
        }
        for i in 0..self.detectors.len() {
            let action = self.detectors[i].action;
            match self.detectors[i].step(frame, t_ms, s, &base) {
                Step::Idle => {}
                Step::Active { new_peak } => {
                    // Doing the step, or coming back from a head movement:
                    // the prompt need not be said again.
                    if Some(action) == wanted || action.moves_head() {
                        self.progress_ms = t_ms;
                    }
                    if new_peak && action.moves_head() {
                        self.peak_points[i] = Some(obs.mesh.points.clone());
                    }
                    if new_peak && Some(action) == wanted {
                        self.key_frame = true;
                    }
                }
                Step::Completed(event) => {
                    let residual = action
                        .moves_head()
                        .then(|| {
                            let neutral = &self.baseline.as_ref().expect("calibrated").1;
                            self.peak_points[i]
                                .take()
                                .map(|p| planar_residual(neutral, &p))
                        })
                        .flatten();
                    let flat = residual.is_some_and(|r| r < FLAT_RESIDUAL);
                    if flat {
                        self.flat_moves += 1;
                    }
                    let accepted = !flat
                        && Some(action) == wanted
                        && event.start_frame >= self.step_started_frame;
                    self.key_frame = true;
                    if accepted {
                        self.next_step += 1;
                        self.step_started_frame = frame + 1;
                        self.last_prompt_key.clear();
                    }
                    self.observed.push(Observed {
                        event,
                        planar_residual: residual,
                        accepted,
                    });
                }
            }
        }
        if self.flat_moves >= MAX_FLAT_MOVES {
            self.phase = LivenessPhase::Rejected;
            self.reject = Some(RejectReason::SpoofSuspected);
        } else if self.next_step >= self.challenge.actions.len() {
            // The phone films a short tail after the last action, so certd,
            // which measures the same frames a little differently, sees the
            // action end too; certd passes as soon as it has seen it.
            match (self.mode, self.done_ms) {
                (Mode::Server, _) => self.phase = LivenessPhase::Passed,
                (Mode::Phone, None) => self.done_ms = Some(t_ms),
                (Mode::Phone, Some(done)) if t_ms.saturating_sub(done) >= TAIL_MS => {
                    self.phase = LivenessPhase::Passed
                }
                (Mode::Phone, Some(_)) => {}
            }
        }
    }

    fn consider_frontal(&mut self, s: &Signals, sharpness: f32) {
        // Sharp, eyes open, facing the camera. Frames whose eyes were not
        // measured (steps other than blink) are not candidates.
        let Some(eye_open) = s.eye_open else {
            return;
        };
        let score = sharpness * eye_open / (1.0 + 5.0 * s.yaw.abs());
        // The server has no use for a frontal picture: it takes the phone's.
        if self.mode == Mode::Phone && self.frontal.as_ref().is_none_or(|(best, _)| score > *best) {
            self.frontal_pending = Some(score);
        }
    }

    fn update(
        &mut self,
        issue: Option<QualityIssue>,
        face_box: Option<FaceBox>,
        t_ms: u64,
    ) -> LivenessUpdate {
        let l = self.language;
        let total = self.challenge.actions.len() as u32;
        let done = (self.next_step as u32).min(total);
        let wanted = self.challenge.actions.get(self.next_step).copied();
        // Debounce picture problems, except losing the face or a second face.
        let shown_issue = match (issue, self.issue_since) {
            (None, _) => {
                self.issue_since = None;
                None
            }
            (Some(q), Some((prev, since))) if prev == q => (t_ms.saturating_sub(since)
                >= HINT_AFTER_MS
                || matches!(q, QualityIssue::NoFace | QualityIssue::MultipleFaces))
            .then_some(q),
            (Some(q), _) => {
                self.issue_since = Some((q, t_ms));
                matches!(q, QualityIssue::NoFace | QualityIssue::MultipleFaces).then_some(q)
            }
        };
        let prompt: Message = match self.phase {
            LivenessPhase::Passed => prompts::passed(l),
            LivenessPhase::Rejected => {
                prompts::rejection(l, self.reject.unwrap_or(RejectReason::ActionsMissing))
            }
            _ if shown_issue.is_some()
                && !(self.phase == LivenessPhase::Acting
                    && matches!(
                        shown_issue,
                        Some(QualityIssue::Blurry | QualityIssue::MovingTooMuch)
                    )) =>
            {
                match (shown_issue, self.cone_hint) {
                    (Some(QualityIssue::TurnedAway), Some(t)) => prompts::toward_front(l, t),
                    (q, _) => prompts::quality_hint(l, q.expect("checked")),
                }
            }
            LivenessPhase::FindingFace | LivenessPhase::Calibrating => prompts::hold_still(l),
            LivenessPhase::Acting => {
                let turned = self
                    .detectors
                    .iter()
                    .any(|d| d.action.moves_head() && d.is_active());
                match wanted {
                    // Any head movement still under way: back to the front first.
                    Some(_) if turned => prompts::back_to_front(l),
                    Some(a) => prompts::action_prompt(l, a),
                    None => prompts::passed(l),
                }
            }
        };
        // Said once when it changes; said again only after a long while
        // without progress, and never once the capture is over.
        let over = matches!(self.phase, LivenessPhase::Passed | LivenessPhase::Rejected);
        let quiet_since = self.last_spoken_ms.max(self.progress_ms);
        let speak = if prompt.key != self.last_prompt_key
            || (!over && t_ms.saturating_sub(quiet_since) >= REPEAT_PROMPT_MS)
        {
            self.last_prompt_key = prompt.key.clone();
            self.last_spoken_ms = t_ms;
            true
        } else {
            false
        };
        let progress = match self.phase {
            LivenessPhase::Passed => 1.0,
            LivenessPhase::FindingFace => 0.0,
            LivenessPhase::Calibrating => {
                0.1 * self.calibration.len() as f32 / CALIBRATION_FRAMES as f32
            }
            _ => 0.1 + 0.9 * done as f32 / total.max(1) as f32,
        };
        LivenessUpdate {
            phase: self.phase,
            prompt,
            speak,
            action: if self.phase == LivenessPhase::Acting {
                wanted
            } else {
                None
            },
            done_steps: done,
            total_steps: total,
            progress,
            quality: shown_issue,
            face_box,
            reject_reason: self.reject,
            screen_colour: match (self.phase, self.flash, self.calibration_started_ms) {
                (LivenessPhase::Calibrating, Some(plan), Some(start)) => {
                    flash::colour_at(&plan, t_ms.saturating_sub(start))
                }
                _ => None,
            },
        }
    }

    /// The verdict over everything pushed so far; a capture that ends before the
    /// challenge is done is rejected with the reason.
    pub fn verdict(&self) -> Verdict {
        let (passed, reason) = match self.phase {
            LivenessPhase::Passed => (true, None),
            LivenessPhase::Rejected => (false, self.reject),
            _ if !self.face_ever_seen => (false, Some(RejectReason::NoFace)),
            _ if self.flat_moves > 0 => (false, Some(RejectReason::SpoofSuspected)),
            _ => (false, Some(RejectReason::ActionsMissing)),
        };
        Verdict {
            passed,
            reason,
            observed: self.observed.clone(),
        }
    }

    /// What a passed capture recorded, for `Evidence::of` (module `evidence`);
    /// `None` before it passed or when something is missing.
    pub fn recording(&self) -> Option<Recording<'_>> {
        if self.phase != LivenessPhase::Passed {
            return None;
        }
        let rec = self.recorder.as_ref()?;
        let (_, frontal) = self.frontal.as_ref()?;
        let origin = rec.origin_ms()?;
        Some(Recording {
            challenge: &self.challenge,
            baseline: self.baseline.as_ref().map(|b| b.0).unwrap_or_default(),
            duration_ms: self.last_t_ms.saturating_sub(origin),
            frame_size: self.frame_size,
            flash: self.flash.is_some(),
            frontal: Keyframe {
                t_ms: rec.relative(frontal.t_ms),
                image: frontal.crop.clone(),
            },
            sequence: rec.frames(),
            action_spans: self
                .observed
                .iter()
                .map(|o| (rec.relative(o.event.start_ms), rec.relative(o.event.end_ms)))
                .collect(),
        })
    }
}

/// What a passed capture recorded (sequence times are from its first crop).
pub struct Recording<'a> {
    pub challenge: &'a Challenge,
    /// The neutral face's signals.
    pub baseline: Signals,
    /// From the first crop to the last frame pushed.
    pub duration_ms: u64,
    pub frame_size: [u32; 2],
    pub flash: bool,
    pub frontal: Keyframe,
    pub sequence: &'a [SequenceFrame],
    /// Start and end of every observed action.
    pub action_spans: Vec<(u64, u64)>,
}

/// Which way to move into the frontal cone, if outside it. A face that was
/// outside comes back in only well inside ([`CONE_BACK`]), so the hint does
/// not flicker at the edge.
pub(crate) fn outside_cone(s: &Signals, was_outside: bool) -> Option<Toward> {
    let k = if was_outside { CONE_BACK } else { 1.0 };
    let yaw = s.yaw / (k * CONE_YAW);
    let pitch = s.pitch_deg / (k * CONE_PITCH_DEG);
    if yaw.abs().max(pitch.abs()) <= 1.0 {
        return None;
    }
    // The larger excess first: one instruction at a time.
    Some(if yaw.abs() >= pitch.abs() {
        // Nose towards the image's right: the person is turned to their own
        // left, so the way back is to their right.
        if yaw > 0.0 {
            Toward::TheirRight
        } else {
            Toward::TheirLeft
        }
    } else if pitch > 0.0 {
        Toward::Up
    } else {
        Toward::Down
    })
}

impl Candidate {
    /// The face square of this frame at [`FRONTAL_SIDE`].
    fn of(img: &RgbImage, obs: &FaceObservation, t_ms: u64) -> Self {
        Candidate {
            t_ms,
            crop: sample_square(img, face_square(obs), FRONTAL_SIDE),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::face::geometry::Roi;
    use crate::face::mesh::Mesh;

    /// Grace Hopper's 468 landmarks as MediaPipe found them (the fixture).
    fn neutral() -> Vec<[f32; 3]> {
        let all: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/fixtures/faces/reference_landmarks.json"
            ))
            .unwrap(),
        )
        .unwrap();
        let face = all["images"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["file"] == "grace_hopper.jpg")
            .unwrap()["faces"][0]
            .clone();
        face["landmarks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let v: Vec<f32> = p
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect();
                [v[0], v[1], v[2]]
            })
            .collect()
    }

    fn seen(points: Vec<[f32; 3]>) -> Analysis {
        let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
        for p in &points {
            for k in 0..2 {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        let size = (hi[0] - lo[0]).max(hi[1] - lo[1]);
        Analysis::Face(Box::new(FaceObservation {
            mesh: Mesh {
                points,
                presence: 1.0,
                roi: Roi {
                    cx: (lo[0] + hi[0]) / 2.0,
                    cy: (lo[1] + hi[1]) / 2.0,
                    size: size * 1.5,
                    angle: 0.0,
                },
            },
            eyes: None,
            faces_seen: 1,
            bbox: [lo[0], lo[1], hi[0], hi[1]],
        }))
    }

    /// The landmarks of a print of the face turned away about a vertical
    /// axis, close to the camera: one plane-to-plane map (x / (1 + g x)
    /// about the nose), which makes the near cheek wider than the far one,
    /// so the nose looks shifted between them as in a turn.
    fn print_turned(points: &[[f32; 3]], g: f32) -> Vec<[f32; 3]> {
        let [nx, ny, _] = points[crate::face::mesh::idx::NOSE_TIP];
        points
            .iter()
            .map(|p| {
                let (x, y) = (p[0] - nx, p[1] - ny);
                let w = 1.0 + g * x;
                [nx + x / w, ny + y / w, p[2]]
            })
            .collect()
    }

    #[test]
    fn a_print_turned_like_a_head_is_refused_as_flat_not_counted_as_turns() {
        let face = neutral();
        let picture = RgbImage::from_pixel(800, 800, image::Rgb([120, 110, 100]));
        let mut engine = LivenessEngine::judge(Challenge {
            actions: vec![Action::TurnLeft, Action::TurnRight],
            nonce: "nonce".into(),
        });
        engine.set_flash(false);
        let mut t = 0;
        let mut show = |engine: &mut LivenessEngine, points: Vec<[f32; 3]>| {
            engine.observe(&picture, seen(points), t);
            t += 66;
        };
        for _ in 0..12 {
            show(&mut engine, face.clone());
        }
        assert_eq!(engine.phase(), LivenessPhase::Acting);
        // Turned one way, back, the other way, back: each a strong "turn".
        let ramp: Vec<f32> = (0..=8)
            .chain((0..8).rev())
            .map(|k| k as f32 / 8.0)
            .collect();
        for sign in [1.0f32, -1.0] {
            for &k in &ramp {
                show(&mut engine, print_turned(&face, sign * 0.004 * k));
            }
            for _ in 0..6 {
                show(&mut engine, face.clone());
            }
        }
        let turns: Vec<&Observed> = engine
            .observed()
            .iter()
            .filter(|o| o.event.action.moves_head())
            .collect();
        assert!(
            turns.len() >= 2,
            "the print must read as turns for this test to mean anything: {:?}",
            engine.observed()
        );
        assert!(turns.iter().all(|o| !o.accepted), "{turns:?}");
        assert_eq!(engine.phase(), LivenessPhase::Rejected);
        assert_eq!(engine.verdict().reason, Some(RejectReason::SpoofSuspected));
    }
}
