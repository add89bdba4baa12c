//! Shared by the server's examples: real captures (the phone's engine over a
//! clipgen clip of grace_hopper.jpg) standing in for the app's uploads.

#[path = "../../../tests/support/replay.rs"]
#[allow(dead_code)]
mod replay;

use lifecert_liveness::evidence::Evidence;
use lifecert_liveness::liveness::Action;

/// What the app uploads after grace_hopper.jpg did `actions` (with `nonce`),
/// the capture ending at `wall_ms` (Unix ms).
pub fn capture(actions: &[Action], nonce: &str, wall_ms: u64) -> Evidence {
    replay::evidence("grace_hopper.jpg", actions, nonce, wall_ms)
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}
