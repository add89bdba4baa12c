//! dlib's face chip (see chip.cpp): the aligned 150x150 picture certd's
//! ResNet embeds.

use super::resnet::CHIP;
use image::RgbImage;
use std::ffi::{c_int, c_long};

extern "C" {
    fn certd_face_chip(
        rgb: *const u8,
        width: c_long,
        height: c_long,
        parts: *const c_long,
        chip: *mut u8,
    ) -> c_int;
}

/// The chip aligned on dlib's five landmarks (outer and inner eye corners,
/// then the base of the nose), RGB; None if dlib could not cut it.
pub fn face_chip(img: &RgbImage, parts: &[[c_long; 2]; 5]) -> Option<Vec<u8>> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 || img.as_raw().len() < w * h * 3 {
        return None;
    }
    let mut chip = vec![0u8; CHIP * CHIP * 3];
    // SAFETY: `img` holds w*h RGB pixels (checked above), `parts` ten longs
    // and `chip` 150*150*3 bytes, as certd_face_chip reads and writes them;
    // it catches every C++ exception.
    let status = unsafe {
        certd_face_chip(
            img.as_raw().as_ptr(),
            w as c_long,
            h as c_long,
            parts.as_ptr().cast(),
            chip.as_mut_ptr(),
        )
    };
    (status == 0).then_some(chip)
}
