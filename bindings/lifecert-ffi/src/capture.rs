//! A liveness capture without the app (feature `testing`): the Kotlin tests
//! and device farms check the engine through it. It makes its own challenge,
//! which a real certification never accepts: only certd's nonce counts.

use lifecert_domain::i18n::{Language, Message};
use lifecert_liveness::capture::frame::{decode, to_rgb, CaptureError, FrameInfo};
use lifecert_liveness::evidence::Evidence;
use lifecert_liveness::liveness::{
    prompts, Action, Challenge, LivenessEngine, LivenessUpdate, RejectReason,
};
use std::sync::{Arc, Mutex, MutexGuard};

/// Blink plus two of the others in a random order, with a random nonce: for
/// tests and device farms (certd never accepts a nonce it did not issue).
#[uniffi::export]
pub fn local_challenge() -> Challenge {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut bytes = [0u8; 16];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("system randomness");
    let mut others = vec![
        Action::OpenMouth,
        Action::TurnLeft,
        Action::TurnRight,
        Action::Nod,
    ];
    let mut actions = vec![Action::Blink];
    for b in &bytes[..2] {
        actions.push(others.remove(*b as usize % others.len()));
    }
    let k = bytes[2] as usize % actions.len();
    actions.swap(0, k);
    Challenge {
        actions,
        nonce: bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// The end of a capture: passed or why not, and the evidence's size.
#[derive(uniffi::Record, Clone, Debug, PartialEq)]
pub struct CaptureOutcome {
    pub passed: bool,
    pub reason: Option<RejectReason>,
    pub message: Message,
    /// Bytes of evidence ready to upload (0 when not passed).
    pub evidence_bytes: u64,
}

/// One liveness capture: the shell pushes every camera frame and draws the
/// update it gets back. Frames are analysed synchronously on the caller's
/// thread (a camera analysis thread, never the UI thread); nothing here touches
/// the network.
#[derive(uniffi::Object)]
pub struct LivenessSession {
    engine: Mutex<LivenessEngine>,
}

impl LivenessSession {
    fn engine(&self) -> MutexGuard<'_, LivenessEngine> {
        // A panic while holding the lock cannot leave the engine half-updated
        // in a way that matters more than losing the capture; keep going.
        self.engine.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[uniffi::export]
impl LivenessSession {
    #[uniffi::constructor]
    pub fn new(challenge: Challenge, language: Language) -> Result<Arc<Self>, CaptureError> {
        let engine = LivenessEngine::new(challenge, language).map_err(engine_unavailable)?;
        Ok(Arc::new(LivenessSession {
            engine: Mutex::new(engine),
        }))
    }

    /// A raw camera frame (CameraX YUV/NV21, iOS BGRA, RGBA), read in place.
    pub fn push_frame(
        &self,
        pixels: &[u8],
        info: FrameInfo,
    ) -> Result<LivenessUpdate, CaptureError> {
        let img = to_rgb(pixels, &info)?;
        self.engine()
            .push(&img, info.timestamp_ms)
            .map_err(engine_unavailable)
    }

    /// An encoded picture (PNG/JPEG), upright and un-mirrored: the device-farm
    /// mode feeds recorded frames this way.
    pub fn push_encoded(
        &self,
        image: &[u8],
        timestamp_ms: u64,
    ) -> Result<LivenessUpdate, CaptureError> {
        let img = decode(image)?;
        self.engine()
            .push(&img, timestamp_ms)
            .map_err(engine_unavailable)
    }

    pub fn set_language(&self, language: Language) {
        self.engine().set_language(language);
    }

    /// Ends the capture: passed, or rejected with what to tell the person.
    pub fn finish(&self, language: Language) -> CaptureOutcome {
        let engine = self.engine();
        let verdict = engine.verdict();
        let evidence_bytes = Evidence::of(&engine, 0)
            .map(|e| e.to_json().len() as u64)
            .unwrap_or(0);
        let message = match verdict.reason {
            None => prompts::passed(language),
            Some(r) => prompts::rejection(language, r),
        };
        CaptureOutcome {
            passed: verdict.passed,
            reason: verdict.reason,
            message,
            evidence_bytes,
        }
    }
}

fn engine_unavailable(e: lifecert_liveness::face::FaceError) -> CaptureError {
    log::error!("liveness engine: {e}");
    CaptureError::EngineUnavailable
}
