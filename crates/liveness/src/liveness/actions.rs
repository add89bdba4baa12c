//! One detector per action. Each compares the signals with the person's own
//! neutral face (older eyes are often half-closed; dentures change mouths) and
//! uses hysteresis (a high mark to start, a low mark to end) so one blink
//! counts once however the numbers flicker.

use super::signals::Signals;
pub use lifecert_domain::challenge::Action;
use serde::{Deserialize, Serialize};

/// How far from neutral counts as doing the action (`start`) and as back to
/// neutral (`end`), in the units of [`deviation`].
#[derive(Clone, Copy, Debug)]
pub struct Marks {
    pub start: f32,
    pub end: f32,
}

pub fn marks(action: Action) -> Marks {
    match action {
        // Share of the person's own open-eye gap that closed. The eye model sees
        // a shut eye behind glasses or in a wrinkled lid as only partly closed
        // (a 20-25 % drop on the fixtures, against +-3 % noise), so the mark is low
        // and the pose and mouth gates below keep other movements out.
        Action::Blink => Marks {
            start: 0.15,
            end: 0.07,
        },
        // Growth of the mouth's height (over its width) as a share of the
        // person's own neutral: a third taller to start. The clipgen faces
        // reach +0.4 to +1.3 at a full jaw drop (+0.38 the least: a smile
        // showing the teeth, resting 15 degrees to one side), rest within
        // +-0.11, and other actions and a photo moved as a plane reach +0.21
        // away from a turn (turns are kept out by the pose gate).
        Action::OpenMouth => Marks {
            start: 0.3,
            end: 0.15,
        },
        // Nose shift between the cheeks.
        Action::TurnLeft | Action::TurnRight => Marks {
            start: 0.25,
            end: 0.12,
        },
        // Nose drop between eye line and chin (head tipping down).
        Action::Nod => Marks {
            start: NOD_START,
            end: NOD_START / 2.0,
        },
    }
}

/// The blink's marks for a person whose neutral head rests `neutral_pitch_deg`
/// chin down ([`super::signals::head_pitch`]). Seen from above, the eye model
/// reads a shut eye as less closed still: at 16 degrees chin down
/// (clipgen's `grace_hopper.jpg` at +12 from the camera) a full blink drops
/// the openness by 13-14 % against +-4 % at rest, under the frontal start
/// mark. The start mark goes from 0.15 at 5 degrees down to 0.10 at 20
/// degrees (the frontal cone's edge), the end mark with it; a face resting
/// level or chin up keeps the frontal marks.
pub fn blink_marks(neutral_pitch_deg: f32) -> Marks {
    let frontal = marks(Action::Blink);
    let down = ((neutral_pitch_deg - 5.0) / 15.0).clamp(0.0, 1.0);
    let k = 1.0 - down / 3.0;
    Marks {
        start: frontal.start * k,
        end: frontal.end * k,
    }
}

/// How far the face is from neutral in the direction of `action` (positive =
/// doing it); `None` when the frame or the baseline lacks the signal (eye
/// openness on frames where the eyes were not measured).
pub fn deviation(action: Action, s: &Signals, base: &Signals) -> Option<f32> {
    Some(match action {
        Action::Blink => 1.0 - s.eye_open? / base.eye_open?.max(1e-3),
        // Relative to the person's own neutral mouth: lips that part over
        // teeth already showing at rest (a smile, dentures) open less in
        // absolute terms than closed lips do, but as much for their size.
        Action::OpenMouth => s.mouth_height / base.mouth_height.max(MIN_MOUTH_HEIGHT) - 1.0,
        Action::TurnLeft => s.yaw - base.yaw,
        Action::TurnRight => base.yaw - s.yaw,
        // Down only: an opening jaw lengthens the face and lowers this ratio.
        // Or the depth pitch, scaled so that 10 degrees chin down is the
        // start mark: single-action clips of the four faces nod 12-23
        // degrees (12 under a head scarf, whose ratio stays under the mark),
        // while open mouths (a beard too), blinks, turns and a photo moved
        // as a plane stay within 3.1 degrees of their first frame.
        Action::Nod => (s.pitch - base.pitch).max((s.pitch_deg - base.pitch_deg) * NOD_PER_DEGREE),
    })
}

/// The nod's depth pitch in the units of its ratio: 10 degrees is the start mark.
const NOD_PER_DEGREE: f32 = NOD_START / 10.0;

/// The nod's start mark (a rise of the nose ratio).
const NOD_START: f32 = 0.08;

/// A floor for the neutral mouth's height (over its width) the open mouth is
/// measured against: lips are never thinner than this at rest, so a mesh
/// glitch in the neutral face cannot make any twitch look like an opening.
const MIN_MOUTH_HEIGHT: f32 = 0.12;

/// Blinks and mouths are judged only with the head near neutral: a turned or
/// lowered head makes eyes look shut and mouths look open.
fn pose_allows(action: Action, s: &Signals, base: &Signals) -> bool {
    let (dy, dp) = ((s.yaw - base.yaw).abs(), (s.pitch - base.pitch).abs());
    let mouth = s.mouth_open - base.mouth_open;
    match action {
        // A dropping jaw narrows the eyes a little too.
        Action::Blink => dy < 0.12 && dp < 0.04 && mouth < 0.1,
        Action::OpenMouth => dy < 0.15,
        Action::Nod => dy < 0.15,
        Action::TurnLeft | Action::TurnRight => true,
    }
}

/// A completed action: frame indices and times of its start, peak and end.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionEvent {
    pub action: Action,
    pub start_frame: u32,
    pub peak_frame: u32,
    pub end_frame: u32,
    pub start_ms: u64,
    pub end_ms: u64,
    pub peak_deviation: f32,
}

/// What one frame did to a detector.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    Idle,
    /// Under way; `new_peak` when this frame is the furthest from neutral so far.
    Active {
        new_peak: bool,
    },
    Completed(ActionEvent),
}

#[derive(Clone, Debug)]
pub struct ActionDetector {
    pub action: Action,
    marks: Marks,
    active: Option<ActionEvent>,
}

impl ActionDetector {
    pub fn new(action: Action) -> Self {
        ActionDetector {
            action,
            marks: marks(action),
            active: None,
        }
    }

    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Marks set for this person's neutral face (see [`blink_marks`]).
    pub fn set_marks(&mut self, m: Marks) {
        self.marks = m;
    }

    pub fn reset(&mut self) {
        self.active = None;
    }

    /// One frame. A frame without this action's signal (no eye openness) ends
    /// nothing and starts nothing: the detector forgets a half-done action.
    pub fn step(&mut self, frame: u32, t_ms: u64, s: &Signals, base: &Signals) -> Step {
        let m = self.marks;
        let Some(d) = deviation(self.action, s, base) else {
            self.active = None;
            return Step::Idle;
        };
        match &mut self.active {
            None if d > m.start && pose_allows(self.action, s, base) => {
                self.active = Some(ActionEvent {
                    action: self.action,
                    start_frame: frame,
                    peak_frame: frame,
                    end_frame: frame,
                    start_ms: t_ms,
                    end_ms: t_ms,
                    peak_deviation: d,
                });
                Step::Active { new_peak: true }
            }
            None => Step::Idle,
            Some(ev) if d < m.end => {
                ev.end_frame = frame;
                ev.end_ms = t_ms;
                let done = ev.clone();
                self.active = None;
                Step::Completed(done)
            }
            Some(ev) => {
                let new_peak = d > ev.peak_deviation;
                if new_peak {
                    ev.peak_deviation = d;
                    ev.peak_frame = frame;
                }
                Step::Active { new_peak }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(eye: f32, mouth: f32, yaw: f32, pitch: f32) -> Signals {
        Signals {
            eye_open: Some(eye),
            mouth_open: mouth,
            // Closed lips 0.25 thick, plus the gap.
            mouth_height: 0.25 + mouth,
            yaw,
            pitch,
            pitch_deg: 0.0,
        }
    }

    #[test]
    fn a_flickering_blink_counts_once_with_hysteresis() {
        let base = s(0.2, 0.02, 0.0, 0.5);
        let mut det = ActionDetector::new(Action::Blink);
        // open, closing, flicker around the start mark, closed, opening, open.
        let eyes = [
            0.2, 0.18, 0.16, 0.175, 0.16, 0.05, 0.06, 0.12, 0.19, 0.2, 0.2,
        ];
        let mut done = vec![];
        for (i, e) in eyes.iter().enumerate() {
            if let Step::Completed(ev) =
                det.step(i as u32, i as u64 * 66, &s(*e, 0.02, 0.0, 0.5), &base)
            {
                done.push(ev);
            }
        }
        assert_eq!(done.len(), 1);
        assert_eq!(
            (done[0].start_frame, done[0].peak_frame, done[0].end_frame),
            (2, 5, 8)
        );
    }

    #[test]
    fn half_closed_eyes_at_rest_are_the_persons_own_neutral() {
        // An older person's neutral openness is 0.1: a drop to 0.09 is no blink,
        // a drop to 0.07 is.
        let base = s(0.1, 0.02, 0.0, 0.5);
        let mut det = ActionDetector::new(Action::Blink);
        assert_eq!(det.step(0, 0, &s(0.09, 0.02, 0.0, 0.5), &base), Step::Idle);
        assert!(matches!(
            det.step(1, 66, &s(0.07, 0.02, 0.0, 0.5), &base),
            Step::Active { .. }
        ));
    }

    #[test]
    fn turns_follow_the_persons_own_left_and_right() {
        let base = s(0.2, 0.02, 0.05, 0.5);
        let toward_image_right = s(0.2, 0.02, 0.45, 0.5);
        assert!(
            deviation(Action::TurnLeft, &toward_image_right, &base).unwrap()
                > marks(Action::TurnLeft).start
        );
        assert!(deviation(Action::TurnRight, &toward_image_right, &base).unwrap() < 0.0);
    }

    #[test]
    fn frames_without_eyes_neither_blink_nor_finish_a_blink() {
        let base = s(0.2, 0.02, 0.0, 0.5);
        let no_eyes = Signals {
            eye_open: None,
            ..s(0.0, 0.02, 0.0, 0.5)
        };
        let mut det = ActionDetector::new(Action::Blink);
        assert_eq!(det.step(0, 0, &no_eyes, &base), Step::Idle);
        assert!(matches!(
            det.step(1, 66, &s(0.05, 0.02, 0.0, 0.5), &base),
            Step::Active { .. }
        ));
        // The eyes go unmeasured mid-blink: the half-done blink is dropped, and
        // opening eyes afterwards complete nothing.
        assert_eq!(det.step(2, 133, &no_eyes, &base), Step::Idle);
        assert!(!det.is_active());
        assert_eq!(det.step(3, 200, &s(0.2, 0.02, 0.0, 0.5), &base), Step::Idle);
        // Other actions do not need the eyes.
        let mut turn = ActionDetector::new(Action::TurnLeft);
        let turned = Signals {
            yaw: 0.4,
            ..no_eyes
        };
        assert!(matches!(
            turn.step(0, 0, &turned, &base),
            Step::Active { .. }
        ));
    }

    #[test]
    fn eyes_that_look_shut_in_a_turned_head_are_not_a_blink() {
        let base = s(0.2, 0.02, 0.0, 0.5);
        let mut det = ActionDetector::new(Action::Blink);
        assert_eq!(det.step(0, 0, &s(0.05, 0.02, 0.4, 0.5), &base), Step::Idle);
    }

    #[test]
    fn action_names_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(a));
        }
        assert_eq!(Action::from_name("wink"), None);
    }
}
