//! Where frames come from: the phone's camera through the FFI (`frame`), a
//! folder of recorded frames (`replay`), or a desktop webcam (`camera`).

#[cfg(feature = "camera")]
pub mod camera;
pub mod frame;
pub mod replay;
