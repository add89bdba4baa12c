//! A desktop webcam as the frame source, for developers (feature `camera`).
//! nokhwa has no Android backend: phones always push frames through the FFI.

use image::RgbImage;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{CameraIndex, RequestedFormat, RequestedFormatType};
use nokhwa::Camera;

pub struct DesktopCamera {
    camera: Camera,
    started: std::time::Instant,
}

impl DesktopCamera {
    pub fn open(index: u32) -> Result<Self, String> {
        let format =
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestFrameRate);
        let mut camera =
            Camera::new(CameraIndex::Index(index), format).map_err(|e| e.to_string())?;
        camera.open_stream().map_err(|e| e.to_string())?;
        Ok(DesktopCamera {
            camera,
            started: std::time::Instant::now(),
        })
    }

    /// The next frame, un-mirrored as the camera sees the person, with its time in ms.
    pub fn frame(&mut self) -> Result<(u64, RgbImage), String> {
        let buffer = self.camera.frame().map_err(|e| e.to_string())?;
        let img = buffer
            .decode_image::<RgbFormat>()
            .map_err(|e| e.to_string())?;
        let (w, h) = (img.width(), img.height());
        let img = RgbImage::from_raw(w, h, img.into_raw()).ok_or("camera frame size mismatch")?;
        Ok((self.started.elapsed().as_millis() as u64, img))
    }
}
