//! Light from the phone's screen falling on the scene: what the camera sees
//! while the app fills the screen with a colour (the light check). Reflected
//! light adds to each pixel in proportion to the pixel's own brightness
//! (albedo) and falls off from the middle of the picture, where the face is
//! and which the screen is nearest to.

use image::RgbImage;

/// The face at a typical 30 cm in a room gains this share of the screen
/// colour's intensity; the edges of the picture (farther, and background)
/// get a third of it.
pub const ROOM_STRENGTH: f32 = 0.12;

/// `img` lit by a screen showing `colour` at `strength` (see [`ROOM_STRENGTH`]).
pub fn reflect(img: &mut RgbImage, colour: [u8; 3], strength: f32) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let light = colour.map(|c| c as f32 / 255.0);
    let r2 = (w * w + h * h) / 4.0;
    for (x, y, p) in img.enumerate_pixels_mut() {
        let (dx, dy) = (x as f32 - w / 2.0, y as f32 - h / 2.0);
        let falloff = 1.0 - (2.0 / 3.0) * ((dx * dx + dy * dy) / r2).min(1.0);
        for (v, l) in p.0.iter_mut().zip(light) {
            *v = (*v as f32 * (1.0 + strength * falloff * l))
                .round()
                .min(255.0) as u8;
        }
    }
}
