//! Getting evidence to the agency: the per-install signing key and the
//! offline outbox that holds signed evidence until the server acknowledges it.
//! (The HTTP layer that drains the outbox lives elsewhere.)

pub mod platform_key;
pub mod queue;
pub mod signing;

pub use platform_key::*;
pub use queue::*;
pub use signing::*;
