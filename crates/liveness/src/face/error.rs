//! Why face analysis could not run. Internal: the detail is for logs; callers
//! turn it into a public error a screen can act on (the capture engine is
//! unavailable), never into text for the person.

/// The face models failed.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum FaceError {
    /// A model in this build would not load or compile: a broken build or a
    /// device that cannot run it. Retrying will not help.
    #[error("face model would not load: {0}")]
    Load(String),
    /// A model failed on a frame.
    #[error("face model failed on a frame: {0}")]
    Run(String),
}

/// `FaceError::Load` with a formatted detail.
macro_rules! load_error {
    ($($t:tt)*) => { $crate::face::error::FaceError::Load(format!($($t)*)) };
}

/// `FaceError::Run` with a formatted detail.
macro_rules! run_error {
    ($($t:tt)*) => { $crate::face::error::FaceError::Run(format!($($t)*)) };
}

pub(crate) use {load_error, run_error};
