//! A desktop webcam as the frame source, for developers (feature `camera`).
//! nokhwa has no Android backend: phones always push frames through the FFI.

use image::RgbImage;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{CameraIndex, RequestedFormat, RequestedFormatType};
use nokhwa::{Camera, NokhwaError};

pub struct DesktopCamera {
    camera: Camera,
    started: std::time::Instant,
}

impl DesktopCamera {
    pub fn open(index: u32) -> Result<Self, NokhwaError> {
        let format =
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut camera = Camera::new(CameraIndex::Index(index), format)?;
        camera.open_stream()?;
        Ok(DesktopCamera {
            camera,
            started: std::time::Instant::now(),
        })
    }

    /// The next frame, un-mirrored as the camera sees the person, with its time in ms.
    pub fn frame(&mut self) -> Result<(u64, RgbImage), NokhwaError> {
        let img = self.camera.frame()?.decode_image::<RgbFormat>()?;
        let (w, h) = (img.width(), img.height());
        let img = RgbImage::from_raw(w, h, img.into_raw())
            .ok_or_else(|| NokhwaError::GeneralError("camera frame size mismatch".into()))?;
        Ok((self.started.elapsed().as_millis() as u64, img))
    }
}
