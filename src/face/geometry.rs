//! Rotated square crops: how every model sees the picture, and how its outputs
//! map back to image pixels (the MediaPipe ROI convention, see models/README.md).

use image::RgbImage;

/// A square region of interest in image pixels, rotated by `angle` radians
/// (positive = clockwise on screen, since y points down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Roi {
    pub cx: f32,
    pub cy: f32,
    pub size: f32,
    pub angle: f32,
}

impl Roi {
    /// A point in crop units (0..n on both axes) to image pixels.
    pub fn to_image(&self, px: f32, py: f32, n: f32) -> (f32, f32) {
        let a = self.size * (px / n - 0.5);
        let b = self.size * (py / n - 0.5);
        let (s, c) = self.angle.sin_cos();
        (self.cx + a * c - b * s, self.cy + a * s + b * c)
    }
}

/// Wraps an angle to [-pi, pi).
pub fn wrap_angle(a: f32) -> f32 {
    use std::f32::consts::PI;
    (a + PI).rem_euclid(2.0 * PI) - PI
}

/// How crop pixels become model inputs: `v = px * scale + offset`.
#[derive(Clone, Copy)]
pub struct Normalise {
    pub scale: f32,
    pub offset: f32,
}

/// [-1, 1], the detector's range.
pub const SIGNED: Normalise = Normalise {
    scale: 1.0 / 127.5,
    offset: -1.0,
};
/// [0, 1], the mesh's and the iris model's range.
pub const UNIT: Normalise = Normalise {
    scale: 1.0 / 255.0,
    offset: 0.0,
};

/// Samples an `n`×`n` crop of `roi` into `out` as planar RGB (NCHW, batch 1).
///
/// Each output pixel averages `k`×`k` bilinear samples, with `k` from the crop's
/// scale, so a big face shrunk to 128 px does not alias (the reference
/// implementation resizes with an antialiasing filter). Outside the image is black.
/// `mirror` flips the crop horizontally (the iris model only knows left eyes).
pub fn crop_into(
    img: &RgbImage,
    roi: &Roi,
    n: usize,
    mirror: bool,
    norm: Normalise,
    out: &mut [f32],
) {
    debug_assert_eq!(out.len(), 3 * n * n);
    let (w, h) = (img.width() as i32, img.height() as i32);
    let raw = img.as_raw();
    let step = roi.size / n as f32;
    let k = (step.round() as usize).clamp(1, 4);
    let (s, c) = roi.angle.sin_cos();
    let inv_k = 1.0 / k as f32;
    let weight = norm.scale / (k * k) as f32;
    let black = norm.offset;
    let plane = n * n;
    for v in 0..n {
        for u in 0..n {
            let uu = if mirror { n - 1 - u } else { u };
            let mut acc = [0f32; 3];
            for sy in 0..k {
                for sx in 0..k {
                    let a = step * (uu as f32 + (sx as f32 + 0.5) * inv_k) - roi.size * 0.5;
                    let b = step * (v as f32 + (sy as f32 + 0.5) * inv_k) - roi.size * 0.5;
                    // Image pixel centres sit at i + 0.5.
                    let x = roi.cx + a * c - b * s - 0.5;
                    let y = roi.cy + a * s + b * c - 0.5;
                    bilinear_add(raw, w, h, x, y, &mut acc);
                }
            }
            let i = v * n + u;
            out[i] = acc[0] * weight + black;
            out[plane + i] = acc[1] * weight + black;
            out[2 * plane + i] = acc[2] * weight + black;
        }
    }
}

#[inline]
fn bilinear_add(raw: &[u8], w: i32, h: i32, x: f32, y: f32, acc: &mut [f32; 3]) {
    let x0 = x.floor();
    let y0 = y.floor();
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i32, y0 as i32);
    let px = |xx: i32, yy: i32, wt: f32, acc: &mut [f32; 3]| {
        if xx >= 0 && yy >= 0 && xx < w && yy < h && wt > 0.0 {
            let i = 3 * (yy * w + xx) as usize;
            acc[0] += raw[i] as f32 * wt;
            acc[1] += raw[i + 1] as f32 * wt;
            acc[2] += raw[i + 2] as f32 * wt;
        }
    };
    px(x0, y0, (1.0 - fx) * (1.0 - fy), acc);
    px(x0 + 1, y0, fx * (1.0 - fy), acc);
    px(x0, y0 + 1, (1.0 - fx) * fy, acc);
    px(x0 + 1, y0 + 1, fx * fy, acc);
}

/// Intersection over union of two boxes `[xmin, ymin, xmax, ymax]`.
pub fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    let area = |r: &[f32; 4]| (r[2] - r[0]).max(0.0) * (r[3] - r[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union <= 0.0 {
        0.0
    } else {
        inter / union
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrotated_roi_maps_crop_corners_to_its_square() {
        let roi = Roi {
            cx: 100.0,
            cy: 50.0,
            size: 40.0,
            angle: 0.0,
        };
        assert_eq!(roi.to_image(0.0, 0.0, 192.0), (80.0, 30.0));
        assert_eq!(roi.to_image(192.0, 192.0, 192.0), (120.0, 70.0));
    }

    #[test]
    fn quarter_turn_roi_rotates_clockwise_on_screen() {
        let roi = Roi {
            cx: 0.0,
            cy: 0.0,
            size: 2.0,
            angle: std::f32::consts::FRAC_PI_2,
        };
        // The crop's right edge centre lands below the centre (y down).
        let (x, y) = roi.to_image(2.0, 1.0, 2.0);
        assert!(x.abs() < 1e-5 && (y - 1.0).abs() < 1e-5, "{x} {y}");
    }

    #[test]
    fn crop_of_a_flat_image_is_flat_and_outside_is_black() {
        let img = RgbImage::from_pixel(64, 64, image::Rgb([255, 0, 51]));
        let mut out = vec![0f32; 3 * 8 * 8];
        let inside = Roi {
            cx: 32.0,
            cy: 32.0,
            size: 32.0,
            angle: 0.3,
        };
        crop_into(&img, &inside, 8, false, UNIT, &mut out);
        assert!(out[..64].iter().all(|v| (v - 1.0).abs() < 1e-4));
        assert!(out[128..].iter().all(|v| (v - 0.2).abs() < 1e-4));
        let outside = Roi {
            cx: -500.0,
            cy: -500.0,
            size: 32.0,
            angle: 0.0,
        };
        crop_into(&img, &outside, 8, false, SIGNED, &mut out);
        assert!(out.iter().all(|v| (v + 1.0).abs() < 1e-6));
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = [0.0, 0.0, 2.0, 2.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[3.0, 3.0, 4.0, 4.0]), 0.0);
        assert!((iou(&a, &[1.0, 0.0, 3.0, 2.0]) - 1.0 / 3.0).abs() < 1e-6);
    }
}
