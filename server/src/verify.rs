//! Verification of one uploaded evidence bundle, independent of HTTP and the
//! database: the signature, the challenge binding, the actions re-checked on
//! the keyframes with the core's own liveness code, the same person throughout,
//! and finally the face against the enrolled template.

use crate::attestation::{DeviceKey, KeyKind};
use crate::faces::{distance, FaceKit, FoundFace};
use lifecert::api::Code;
use lifecert::evidence::{Evidence, EvidenceImage};
use lifecert::liveness::actions::{deviation, marks};
use lifecert::liveness::planar::{planar_residual, FLAT_RESIDUAL};
use lifecert::liveness::signals::measure;
use lifecert::liveness::Action;

/// dlib distance under which the face is the template's person.
pub const MATCH: f64 = 0.5;
/// Between [`MATCH`] and this, a person at the agency decides.
pub const REVIEW: f64 = 0.6;
/// Keyframes vs the frontal face: looser, as turned heads embed less well.
pub const SAME_PERSON: f64 = 0.7;
/// The server accepts an action at half the app's start mark: JPEG and crops
/// move the numbers a little, and the app already saw the full movement.
pub const ACTION_SHARE: f32 = 0.5;

/// What the challenge asked, as stored when it was issued.
pub struct Issued<'a> {
    pub nonce: &'a str,
    pub actions: &'a [Action],
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Passed { distance: f64 },
    Failed { reason: Code, distance: Option<f64> },
    Review { reason: Code, distance: f64 },
}

/// The upload is not acceptable at all (a 4xx, nothing recorded).
#[derive(Debug, PartialEq)]
pub struct Refused(pub Code, pub String);

/// Checks `signature` over `body` with the session's device key. For App
/// Attest keys the signature is an assertion whose counter must exceed
/// `last_counter`; the new counter is returned for the caller to store.
pub fn check_signature(
    body: &[u8],
    signature: &[u8],
    key: &DeviceKey,
    apple: &lifecert_attest::apple::ApplePolicy,
    last_counter: u32,
) -> Result<Option<u32>, Refused> {
    let bad = |why: &str| {
        Refused(
            Code::BadSignature,
            format!("signature does not verify with the session's device key: {why}"),
        )
    };
    match key.kind {
        KeyKind::Ed25519 => {
            ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, &key.public_key)
                .verify(body, signature)
                .map_err(|_| bad("ed25519"))?;
            Ok(None)
        }
        KeyKind::EcdsaP256 => {
            if !lifecert_attest::android::verify_signature(&key.public_key, body, signature) {
                return Err(bad("ecdsa-p256"));
            }
            Ok(None)
        }
        KeyKind::AppAttest => lifecert_attest::apple::verify_assertion(
            signature,
            body,
            &key.public_key,
            apple,
            last_counter,
        )
        .map(Some)
        .map_err(|e| bad(e.name())),
    }
}

pub fn parse(body: &[u8], issued: &Issued) -> Result<Evidence, Refused> {
    let evidence = Evidence::from_json(body)
        .map_err(|e| Refused(Code::EvidenceInvalid, format!("evidence JSON: {e}")))?;
    if evidence.nonce != issued.nonce {
        return Err(Refused(
            Code::EvidenceInvalid,
            "nonce is not this challenge's".into(),
        ));
    }
    if evidence.challenge != issued.actions {
        return Err(Refused(
            Code::EvidenceInvalid,
            "actions differ from the challenge".into(),
        ));
    }
    Ok(evidence)
}

fn decode(img: &EvidenceImage) -> Result<image::RgbImage, Refused> {
    let decoded = image::load_from_memory_with_format(&img.jpeg, image::ImageFormat::Jpeg)
        .map_err(|e| Refused(Code::EvidenceInvalid, format!("keyframe JPEG: {e}")))?;
    if decoded.width() > 1024 || decoded.height() > 1024 {
        return Err(Refused(
            Code::EvidenceInvalid,
            "keyframe larger than 1024 px".into(),
        ));
    }
    Ok(decoded.to_rgb8())
}

/// Judges the evidence. `template` is the enrolled embedding.
pub fn judge(
    kit: &mut FaceKit,
    evidence: &Evidence,
    template: &[f64],
) -> Result<Decision, Refused> {
    let failed = |reason| {
        Ok(Decision::Failed {
            reason,
            distance: None,
        })
    };
    if !evidence.verdict.passed {
        return failed(Code::ActionsNotSeen);
    }
    // The eye heads run only where a blink is judged: on the frontal face
    // (the open-eye baseline) and on the blink keyframe.
    let blink = evidence.challenge.contains(&Action::Blink);
    let frontal_img = decode(&evidence.frontal)?;
    let frontal = match kit
        .find(&frontal_img, Some(&evidence.frontal.landmarks), blink)
        .map_err(internal)?
    {
        Some(f) => f,
        None => return failed(Code::FaceNotFound),
    };
    let base = measure(&frontal.observation);
    for &action in &evidence.challenge {
        let Some(kf) = evidence.keyframes.iter().find(|k| k.action == Some(action)) else {
            return failed(Code::ActionsNotSeen);
        };
        let img = decode(kf)?;
        let Some(found) = kit
            .find(&img, Some(&kf.landmarks), action == Action::Blink)
            .map_err(internal)?
        else {
            return failed(Code::FaceNotFound);
        };
        if !shows(action, &found, &frontal, &base) {
            return failed(Code::ActionsNotSeen);
        }
        if distance(&found.embedding, &frontal.embedding) > SAME_PERSON {
            return failed(Code::DifferentPeople);
        }
    }
    let d = distance(&frontal.embedding, template);
    Ok(if d < MATCH {
        Decision::Passed { distance: d }
    } else if d < REVIEW {
        Decision::Review {
            reason: Code::BorderlineMatch,
            distance: d,
        }
    } else {
        Decision::Failed {
            reason: Code::FaceMismatch,
            distance: Some(d),
        }
    })
}

/// Does this keyframe show `action` against the frontal face, and for head
/// movements, move like a head rather than a tilted photo?
fn shows(
    action: Action,
    kf: &FoundFace,
    frontal: &FoundFace,
    base: &lifecert::liveness::signals::Signals,
) -> bool {
    let s = measure(&kf.observation);
    // Blink keyframes and the frontal face of a blink challenge carry eyes.
    match deviation(action, &s, base) {
        Some(d) if d >= marks(action).start * ACTION_SHARE => {}
        _ => return false,
    }
    if action.moves_head() {
        let r = planar_residual(
            &frontal.observation.mesh.points,
            &kf.observation.mesh.points,
        );
        return r >= FLAT_RESIDUAL;
    }
    true
}

fn internal(e: String) -> Refused {
    Refused(Code::Internal, e)
}
