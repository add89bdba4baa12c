//! Attacker tests: each builds a genuine-looking attestation, changes the one
//! thing an attacker would, and expects the check that stops it by name.

mod android;
mod apple;

/// 2026-09-21: a fixed "now" so validity dates are exact.
pub const NOW: i64 = 1_790_000_000;
