//! Scene light: a dim room, or a bright window behind the person. Applied
//! after the warp and before the sensor noise, so a dim frame keeps the same
//! noise in absolute levels (and so a worse signal-to-noise ratio), as a
//! real sensor does.

use crate::ids;
use crate::script::Lighting;
use crate::warp::Image3;

/// Backlit: the window's colour, how far the background goes towards it,
/// and what the face keeps of its light when exposed for the window.
const WINDOW: [f32; 3] = [242.0, 244.0, 238.0];
const WINDOW_MIX: f32 = 0.8;
const FACE_KEEP: f32 = 0.5;
/// The head (face, hair, ears) is an ellipse this much larger than the face
/// oval's box, with a soft edge of this share of its size.
const HEAD_SCALE: f32 = 1.25;
const HEAD_EDGE: f32 = 0.15;

/// Relights `img` in place; `landmarks` are the frame's face points (the
/// head region for [`Lighting::Backlit`]).
pub fn apply(img: &mut Image3, lighting: Lighting, landmarks: &[[f32; 3]]) {
    match lighting {
        Lighting::Normal => {}
        Lighting::Dim(k) => {
            for px in &mut img.data {
                for v in px.iter_mut() {
                    *v *= k;
                }
            }
        }
        Lighting::Backlit => {
            let (mut x0, mut x1, mut y0, mut y1) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
            for &i in &ids::FACE_OVAL {
                let p = landmarks[i];
                x0 = x0.min(p[0]);
                x1 = x1.max(p[0]);
                y0 = y0.min(p[1]);
                y1 = y1.max(p[1]);
            }
            let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
            let (rx, ry) = ((x1 - x0) / 2.0 * HEAD_SCALE, (y1 - y0) / 2.0 * HEAD_SCALE);
            for y in 0..img.height {
                for x in 0..img.width {
                    let dx = (x as f32 + 0.5 - cx) / rx;
                    let dy = (y as f32 + 0.5 - cy) / ry;
                    let r = (dx * dx + dy * dy).sqrt();
                    // 1 inside the head, 0 outside, smooth in between.
                    let t = ((1.0 + HEAD_EDGE - r) / (2.0 * HEAD_EDGE)).clamp(0.0, 1.0);
                    let head = t * t * (3.0 - 2.0 * t);
                    let px = &mut img.data[y * img.width + x];
                    for c in 0..3 {
                        let bg = px[c] + (WINDOW[c] - px[c]) * WINDOW_MIX;
                        let face = px[c] * FACE_KEEP;
                        px[c] = bg + (face - bg) * head;
                    }
                }
            }
        }
    }
}
