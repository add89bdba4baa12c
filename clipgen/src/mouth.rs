//! The inside of an opened mouth. The warp can only stretch the lips' own
//! texture across the gap, which looks like pink rubber; a real open mouth
//! shows a dark cavity, so after warping we paint the polygon between the
//! inner upper and inner lower lip contours dark, with a soft edge.

use crate::ids;
use crate::motion::ring_polygon;
use crate::warp::Image3;

/// Cavity colours: near the lips (some light gets in) and deep inside.
const EDGE_COLOUR: [f32; 3] = [92.0, 42.0, 42.0];
const DEEP_COLOUR: [f32; 3] = [28.0, 11.0, 12.0];

/// Distance from `p` to segment `a`–`b`.
pub(crate) fn seg_dist(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let ap = [p[0] - a[0], p[1] - a[1]];
    let len2 = ab[0] * ab[0] + ab[1] * ab[1];
    let t = if len2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let d = [ap[0] - t * ab[0], ap[1] - t * ab[1]];
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

/// Signed distance from `p` to the closed polygon `poly` (positive inside).
pub(crate) fn polygon_sd(poly: &[[f32; 2]], p: [f32; 2]) -> f32 {
    let n = poly.len();
    let mut inside = false;
    let mut dist = f32::INFINITY;
    for i in 0..n {
        let a = poly[i];
        let b = poly[(i + n - 1) % n];
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let xc = a[0] + (p[1] - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            if p[0] < xc {
                inside = !inside;
            }
        }
        dist = dist.min(seg_dist(p, a, b));
    }
    if inside {
        dist
    } else {
        -dist
    }
}

/// Paints the mouth cavity of posed `landmarks` (already including any frame
/// shift) into `img`. `strength` (0..1) fades the paint in as the mouth
/// starts to open, so a barely parted mouth keeps its own look.
pub fn paint_mouth(img: &mut Image3, landmarks: &[[f32; 3]], strength: f32) {
    if strength <= 0.0 {
        return;
    }
    let poly = ring_polygon(landmarks, &ids::LIPS_INNER_UPPER, &ids::LIPS_INNER_LOWER);
    let gap = {
        let a = landmarks[ids::UPPER_LIP_INNER];
        let b = landmarks[ids::LOWER_LIP_INNER];
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    };
    let min_x = poly.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min) - 2.0;
    let max_x = poly.iter().map(|p| p[0]).fold(f32::NEG_INFINITY, f32::max) + 2.0;
    let min_y = poly.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min) - 2.0;
    let max_y = poly.iter().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max) + 2.0;
    let x0 = min_x.floor().max(0.0) as usize;
    let y0 = min_y.floor().max(0.0) as usize;
    let x1 = (max_x.ceil().max(0.0) as usize).min(img.width);
    let y1 = (max_y.ceil().max(0.0) as usize).min(img.height);
    for y in y0..y1 {
        for x in x0..x1 {
            let p = [x as f32 + 0.5, y as f32 + 0.5];
            let sd = polygon_sd(&poly, p);
            // Soft edge: 0 half a pixel outside, 1 one pixel inside.
            let t = ((sd + 0.5) / 1.5).clamp(0.0, 1.0);
            let alpha = t * t * (3.0 - 2.0 * t) * strength;
            if alpha <= 0.0 {
                continue;
            }
            let depth = (sd / (0.3 * gap).max(1.0)).clamp(0.0, 1.0);
            let o = y * img.width + x;
            for c in 0..3 {
                let cavity = EDGE_COLOUR[c] + (DEEP_COLOUR[c] - EDGE_COLOUR[c]) * depth;
                img.data[o][c] += (cavity - img.data[o][c]) * alpha;
            }
        }
    }
}
