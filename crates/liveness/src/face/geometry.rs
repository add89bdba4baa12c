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
/// [0, 1], the face meshes' range.
pub const UNIT: Normalise = Normalise {
    scale: 1.0 / 255.0,
    offset: 0.0,
};

/// Samples an `n`×`n` crop of `roi` into `out` as planar RGB (NCHW, batch 1).
///
/// Each output pixel averages `k`×`k` bilinear samples, with `k` from the crop's
/// scale, so a big face shrunk to a small crop does not alias (the
/// reference implementation resized the iris model's crop with an
/// antialiasing filter; the quality check's sharpness crop uses it now).
/// Outside the image is black. `mirror` flips the crop horizontally.
pub fn crop_into(
    img: &RgbImage,
    roi: &Roi,
    n: usize,
    mirror: bool,
    norm: Normalise,
    out: &mut [f32],
) {
    let k = ((roi.size / n as f32).round() as usize).clamp(1, 4);
    crop_k(img, roi, n, mirror, norm, k, false, out);
}

/// Like [`crop_into`] with one bilinear sample per output pixel, which is how
/// MediaPipe warps the face-mesh crop (models/README.md, "Crop sampling"),
/// and interleaved RGB (HWC), as the mesh network takes it.
pub fn crop_bilinear_into(
    img: &RgbImage,
    roi: &Roi,
    n: usize,
    mirror: bool,
    norm: Normalise,
    out: &mut [f32],
) {
    crop_k(img, roi, n, mirror, norm, 1, true, out);
}

/// Fixed-point coordinates: 16 fractional bits (pictures up to 32767 px).
const FRAC_BITS: u32 = 16;
/// Bilinear weights: 0..=256 (8 bits, rounded). With 16 samples a pixel the
/// sum stays far below `i32::MAX` (16 x 255 x 2^16); the rounding moves a
/// sample by at most 1/512 of the step between neighbours on each axis.
const WEIGHT_BITS: u32 = 8;

/// Where a crop's samples fall in the picture, in fixed point: crop pixel
/// (u, v), sub-sample (sx, sy) of `k`x`k` sits at crop offset
/// (a, b) = step * (u + (sx + 0.5) / k, v + (sy + 0.5) / k) - size / 2, and at
/// image (cx + a c - b s, cy + a s + b c); pixel centres are at i + 0.5.
/// Moving one crop pixel right adds step * (c, s) (`du`), one down
/// step * (-s, c) (`dv`): each row starts from its own position, then steps
/// in fixed point.
struct Grid {
    /// Crop pixel (0, 0)'s sub-samples, minus half a pixel.
    taps: Vec<(f64, f64)>,
    du: (i32, i32),
    dv: (f64, f64),
}

impl Grid {
    fn new(roi: &Roi, n: usize, k: usize) -> Self {
        let step = (roi.size / n as f32) as f64;
        let (s, c) = (roi.angle as f64).sin_cos();
        let one = (1u32 << FRAC_BITS) as f64;
        let size = roi.size as f64;
        let taps = (0..k * k)
            .map(|t| {
                let a = step * ((t % k) as f64 + 0.5) / k as f64 - size * 0.5;
                let b = step * ((t / k) as f64 + 0.5) / k as f64 - size * 0.5;
                (
                    (roi.cx as f64 + a * c - b * s - 0.5) * one,
                    (roi.cy as f64 + a * s + b * c - 0.5) * one,
                )
            })
            .collect();
        Grid {
            taps,
            du: ((step * c * one) as i32, (step * s * one) as i32),
            dv: (-step * s * one, step * c * one),
        }
    }

    /// Row `v`'s first positions, one per sub-sample (saturating far outside
    /// the picture, where every sample is black).
    fn row(&self, v: usize, at: &mut [(i32, i32)]) {
        for (p, &(tx, ty)) in at.iter_mut().zip(&self.taps) {
            *p = (
                (tx + v as f64 * self.dv.0).floor() as i32,
                (ty + v as f64 * self.dv.1).floor() as i32,
            );
        }
    }
}

/// The luma (0..1) of an `n`x`n` crop of `roi`, each pixel the mean of
/// `k`x`k` picture pixels spread evenly over it ([`box_taps`]): a box
/// filter, so a big face shrunk does not alias, at a third of a
/// supersampled bilinear crop's cost (nearest pixels, one channel sum). The
/// quality check's sharpness runs on it every frame. Outside is black.
pub fn luma_box_into(img: &RgbImage, roi: &Roi, n: usize, out: &mut [f32]) {
    debug_assert_eq!(out.len(), n * n);
    let k = box_taps(roi.size / n as f32);
    let grid = Grid::new(roi, n, k);
    let (w, h) = (img.width(), img.height());
    let raw = img.as_raw();
    // Luma weights in 1/1024ths (Rec. 601: 0.299, 0.587, 0.114).
    const LUMA: [u32; 3] = [306, 601, 117];
    let scale = 1.0 / (1024.0 * 255.0 * (k * k) as f32);
    // The nearest pixel: a sample at fixed-point x - 0.5 rounds to x's pixel.
    let half = 1i32 << (FRAC_BITS - 1);
    let mut at = vec![(0i32, 0i32); k * k];
    for (v, row) in out.chunks_exact_mut(n).enumerate() {
        grid.row(v, &mut at);
        for o in row.iter_mut() {
            let mut sum = 0u32;
            for p in at.iter_mut() {
                let (x, y) = (
                    (p.0.saturating_add(half) >> FRAC_BITS) as u32,
                    (p.1.saturating_add(half) >> FRAC_BITS) as u32,
                );
                p.0 = p.0.saturating_add(grid.du.0);
                p.1 = p.1.saturating_add(grid.du.1);
                // Negative coordinates wrap to huge ones: outside, black.
                if x < w && y < h {
                    let i = 3 * (y * w + x) as usize;
                    sum += LUMA[0] * raw[i] as u32
                        + LUMA[1] * raw[i + 1] as u32
                        + LUMA[2] * raw[i + 2] as u32;
                }
            }
            *o = sum as f32 * scale;
        }
    }
}

/// Samples a side of [`luma_box_into`]'s pixels: one a picture pixel or
/// more, at least two (a single nearest pixel does not smooth as one
/// bilinear sample does, and shows steps as detail), at most four.
pub fn box_taps(scale: f32) -> usize {
    (scale.ceil() as usize).clamp(2, 4)
}

#[allow(clippy::too_many_arguments)]
fn crop_k(
    img: &RgbImage,
    roi: &Roi,
    n: usize,
    mirror: bool,
    norm: Normalise,
    k: usize,
    interleaved: bool,
    out: &mut [f32],
) {
    debug_assert_eq!(out.len(), 3 * n * n);
    let (w, h) = (img.width() as i32, img.height() as i32);
    let raw = img.as_raw();
    let stride = 3 * w as usize;
    let grid = Grid::new(roi, n, k);
    let ((du_x, du_y), (dv_x, dv_y)) = (grid.du, grid.dv);
    let weight = norm.scale / (k * k) as f32 / (1u32 << (2 * WEIGHT_BITS)) as f32;
    let black = norm.offset;
    // Where channel `ch` of crop pixel `i` goes.
    let (pixel_step, channel_step) = if interleaved { (3, 1) } else { (1, n * n) };
    let (inner_w, inner_h) = ((w - 1).max(0) as u32, (h - 1).max(0) as u32);
    if k == 1 && interleaved && !mirror {
        // The mesh's crop, every frame: the same sums as below, written in
        // order without the tap list (which cost as much as the sampling).
        let (tx, ty) = grid.taps[0];
        // A sample whose 2x2 footprint is inside the picture.
        let inner = |x: i64, y: i64| {
            x >= 0
                && y >= 0
                && (x >> FRAC_BITS) < inner_w as i64
                && (y >> FRAC_BITS) < inner_h as i64
        };
        let last = (n - 1) as i64;
        for (v, row) in out.chunks_exact_mut(3 * n).enumerate() {
            let mut x = (tx + v as f64 * dv_x).floor() as i32;
            let mut y = (ty + v as f64 * dv_y).floor() as i32;
            let end = (x as i64 + last * du_x as i64, y as i64 + last * du_y as i64);
            if inner(x as i64, y as i64) && inner(end.0, end.1) {
                // The row is a straight line between two samples inside, so
                // every sample on it is inside: no per-sample edge checks
                // (nearly every row of a face in the picture).
                for px in row.chunks_exact_mut(3) {
                    let (x0, y0) = ((x >> FRAC_BITS) as usize, (y >> FRAC_BITS) as usize);
                    let (fx, fy) = (weight_frac(x), weight_frac(y));
                    let i = 3 * (y0 * w as usize + x0);
                    for (o, v) in px.iter_mut().zip(bilinear_inside(raw, i, stride, fx, fy)) {
                        *o = v as f32 * weight + black;
                    }
                    x += du_x;
                    y += du_y;
                }
                continue;
            }
            for px in row.chunks_exact_mut(3) {
                let mut acc = [0i32; 3];
                bilinear_add(raw, w, h, stride, (inner_w, inner_h), x, y, &mut acc);
                x = x.saturating_add(du_x);
                y = y.saturating_add(du_y);
                for (o, a) in px.iter_mut().zip(acc) {
                    *o = a as f32 * weight + black;
                }
            }
        }
        return;
    }
    let mut at = vec![(0i32, 0i32); k * k];
    for v in 0..n {
        grid.row(v, &mut at);
        for uu in 0..n {
            let mut acc = [0i32; 3];
            for p in at.iter_mut() {
                let (x, y) = *p;
                p.0 = p.0.saturating_add(du_x);
                p.1 = p.1.saturating_add(du_y);
                bilinear_add(raw, w, h, stride, (inner_w, inner_h), x, y, &mut acc);
            }
            let u = if mirror { n - 1 - uu } else { uu };
            let i = (v * n + u) * pixel_step;
            for (ch, &a) in acc.iter().enumerate() {
                out[i + ch * channel_step] = a as f32 * weight + black;
            }
        }
    }
}

/// A fixed-point coordinate's fraction as a bilinear weight, rounded to
/// 0..=256 (256: all of the weight on the next pixel).
#[inline(always)]
fn weight_frac(v: i32) -> i32 {
    let f = v & ((1 << FRAC_BITS) - 1);
    (f + (1 << (FRAC_BITS - WEIGHT_BITS - 1))) >> (FRAC_BITS - WEIGHT_BITS)
}

/// The bilinear sample of the 2x2 pixels from byte `i` (top left) on, with
/// weights `fx`, `fy` (0..=256), scaled by `2^(2 * WEIGHT_BITS)`.
#[inline(always)]
fn bilinear_inside(raw: &[u8], i: usize, stride: usize, fx: i32, fy: i32) -> [i32; 3] {
    let (top, bottom) = (&raw[i..i + 6], &raw[i + stride..i + stride + 6]);
    let mut v = [0; 3];
    for ch in 0..3 {
        let (t0, b0) = (top[ch] as i32, bottom[ch] as i32);
        let t = (t0 << WEIGHT_BITS) + (top[ch + 3] as i32 - t0) * fx;
        let b = (b0 << WEIGHT_BITS) + (bottom[ch + 3] as i32 - b0) * fx;
        v[ch] = (t << WEIGHT_BITS) + (b - t) * fy;
    }
    v
}

/// Adds the bilinear sample at fixed-point `(x, y)` (outside the picture is
/// black), scaled by `2^(2 * WEIGHT_BITS)`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn bilinear_add(
    raw: &[u8],
    w: i32,
    h: i32,
    stride: usize,
    (inner_w, inner_h): (u32, u32),
    x: i32,
    y: i32,
    acc: &mut [i32; 3],
) {
    // An arithmetic shift floors, also below zero.
    let (x0, y0) = (x >> FRAC_BITS, y >> FRAC_BITS);
    let (fx, fy) = (weight_frac(x), weight_frac(y));
    bilinear_at(
        raw,
        w,
        h,
        stride,
        (inner_w, inner_h),
        (x0, y0),
        (fx, fy),
        acc,
    )
}

/// Adds the bilinear sample between pixel `(x0, y0)` and its right and lower
/// neighbours with weights `(fx, fy)` (0..=256; outside the picture is
/// black), scaled by `2^(2 * WEIGHT_BITS)`. `inner` is the picture's size
/// less one on each axis. The recorded crops' sampler uses it too.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn bilinear_at(
    raw: &[u8],
    w: i32,
    h: i32,
    stride: usize,
    (inner_w, inner_h): (u32, u32),
    (x0, y0): (i32, i32),
    (fx, fy): (i32, i32),
    acc: &mut [i32; 3],
) {
    if (x0 as u32) < inner_w && (y0 as u32) < inner_h {
        // The 2x2 footprint is inside: no per-tap checks.
        let i = 3 * (y0 * w + x0) as usize;
        for (a, v) in acc.iter_mut().zip(bilinear_inside(raw, i, stride, fx, fy)) {
            *a += v;
        }
        return;
    }
    let full = 1 << WEIGHT_BITS;
    for (dx, dy, wt) in [
        (0, 0, (full - fx) * (full - fy)),
        (1, 0, fx * (full - fy)),
        (0, 1, (full - fx) * fy),
        (1, 1, fx * fy),
    ] {
        let (xx, yy) = (x0 + dx, y0 + dy);
        if xx >= 0 && yy >= 0 && xx < w && yy < h && wt > 0 {
            let i = 3 * (yy * w + xx) as usize;
            acc[0] += raw[i] as i32 * wt;
            acc[1] += raw[i + 1] as i32 * wt;
            acc[2] += raw[i + 2] as i32 * wt;
        }
    }
}

/// The whole picture centred in a black square of its longer side, resized to
/// `n`×`n` into `out` (interleaved RGB, HWC, as the detector network takes
/// it) with a triangle filter widened by the
/// shrink factor: PIL's antialiased bilinear, which the detector's reference
/// pipeline uses (models/README.md §1). Separable, so it costs a few taps per
/// pixel and axis instead of a supersampled warp's many.
/// `scratch` holds the horizontal pass (a frame's height x `n` x RGB); the
/// caller keeps it from frame to frame so detection allocates nothing.
pub fn letterbox_into(
    img: &RgbImage,
    n: usize,
    norm: Normalise,
    out: &mut [f32],
    scratch: &mut Vec<f32>,
) {
    debug_assert_eq!(out.len(), 3 * n * n);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let side = w.max(h) as f32;
    let cols = resize_taps(w, side, n);
    let rows = resize_taps(h, side, n);
    let raw = img.as_raw();
    // Horizontal pass over the rows that some output row uses: h x n x RGB.
    scratch.clear();
    scratch.resize(h * n * 3, 0.0);
    let tmp = scratch;
    let mut used = vec![false; h];
    for t in &rows {
        for j in 0..t.weights.len() {
            used[t.first + j] = true;
        }
    }
    for y in (0..h).filter(|&y| used[y]) {
        let line = &raw[3 * w * y..3 * w * (y + 1)];
        let dst = &mut tmp[3 * n * y..3 * n * (y + 1)];
        for (o, t) in cols.iter().enumerate() {
            let mut acc = [0f32; 3];
            for (j, wt) in t.weights.iter().enumerate() {
                let p = &line[3 * (t.first + j)..3 * (t.first + j) + 3];
                acc[0] += p[0] as f32 * wt;
                acc[1] += p[1] as f32 * wt;
                acc[2] += p[2] as f32 * wt;
            }
            dst[3 * o..3 * o + 3].copy_from_slice(&acc);
        }
    }
    // Vertical pass into the output pixels.
    for (v, t) in rows.iter().enumerate() {
        for u in 0..n {
            let mut acc = [0f32; 3];
            for (j, wt) in t.weights.iter().enumerate() {
                let p = &tmp[3 * n * (t.first + j) + 3 * u..][..3];
                acc[0] += p[0] * wt;
                acc[1] += p[1] * wt;
                acc[2] += p[2] * wt;
            }
            let px = &mut out[3 * (v * n + u)..][..3];
            for (o, a) in px.iter_mut().zip(acc) {
                *o = a * norm.scale + norm.offset;
            }
        }
    }
}

/// One output pixel's taps along one axis: image pixels `first..` with weights.
struct Taps {
    first: usize,
    weights: Vec<f32>,
}

/// Triangle-filter taps for resizing an axis of `len` image pixels, centred
/// in a `side`-pixel span (black outside the image), to `n` pixels. As in PIL,
/// the weights are normalised over the span, so the padding darkens the
/// pixels next to it; taps outside the image are then dropped (black).
fn resize_taps(len: usize, side: f32, n: usize) -> Vec<Taps> {
    let scale = side / n as f32;
    let support = scale.max(1.0);
    // The span's left edge in image pixels.
    let start = (len as f32 - side) / 2.0;
    (0..n)
        .map(|o| {
            let centre = start + (o as f32 + 0.5) * scale;
            let lo = (centre - support).floor().max(start.floor()) as i64;
            let hi = (centre + support).ceil().min((start + side).ceil()) as i64;
            let mut total = 0f32;
            let mut kept = vec![];
            for i in lo..hi {
                let pc = i as f32 + 0.5;
                if pc < start || pc >= start + side {
                    continue;
                }
                let wt = (1.0 - ((pc - centre) / support).abs()).max(0.0);
                total += wt;
                if wt > 0.0 && i >= 0 && (i as usize) < len {
                    kept.push((i as usize, wt));
                }
            }
            let first = kept.first().map_or(0, |k| k.0);
            let mut weights = vec![0f32; kept.last().map_or(0, |k| k.0 + 1 - first)];
            for (i, wt) in kept {
                weights[i - first] = wt / total.max(1e-12);
            }
            Taps { first, weights }
        })
        .collect()
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

    /// The sampler as it was in floating point, every tap from scratch.
    fn reference_crop(img: &RgbImage, roi: &Roi, n: usize, mirror: bool, k: usize) -> Vec<f32> {
        let mut out = vec![0f32; 3 * n * n];
        let (w, h) = (img.width() as i32, img.height() as i32);
        let step = roi.size / n as f32;
        let (s, c) = roi.angle.sin_cos();
        for v in 0..n {
            for u in 0..n {
                let uu = if mirror { n - 1 - u } else { u };
                let mut acc = [0f32; 3];
                for sy in 0..k {
                    for sx in 0..k {
                        let a = step * (uu as f32 + (sx as f32 + 0.5) / k as f32) - roi.size * 0.5;
                        let b = step * (v as f32 + (sy as f32 + 0.5) / k as f32) - roi.size * 0.5;
                        let x = roi.cx + a * c - b * s - 0.5;
                        let y = roi.cy + a * s + b * c - 0.5;
                        let (x0, y0) = (x.floor(), y.floor());
                        let (fx, fy) = (x - x0, y - y0);
                        for (dx, dy, wt) in [
                            (0, 0, (1.0 - fx) * (1.0 - fy)),
                            (1, 0, fx * (1.0 - fy)),
                            (0, 1, (1.0 - fx) * fy),
                            (1, 1, fx * fy),
                        ] {
                            let (xx, yy) = (x0 as i32 + dx, y0 as i32 + dy);
                            if xx >= 0 && yy >= 0 && xx < w && yy < h {
                                let p = img.get_pixel(xx as u32, yy as u32).0;
                                for ch in 0..3 {
                                    acc[ch] += p[ch] as f32 * wt;
                                }
                            }
                        }
                    }
                }
                for ch in 0..3 {
                    out[ch * n * n + v * n + u] = acc[ch] / (k * k) as f32 / 255.0;
                }
            }
        }
        out
    }

    fn noise(w: u32, h: u32) -> RgbImage {
        let mut state = 12345u32;
        RgbImage::from_fn(w, h, |_, _| {
            let mut next = || {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            };
            image::Rgb([next(), next(), next()])
        })
    }

    /// Crops inside the picture, across its edges, rotated, tiny.
    const ROIS: [Roi; 4] = [
        Roi {
            cx: 48.0,
            cy: 40.0,
            size: 60.0,
            angle: 0.0,
        },
        Roi {
            cx: 20.0,
            cy: 70.0,
            size: 90.0,
            angle: 0.7,
        },
        Roi {
            cx: 60.0,
            cy: 30.0,
            size: 17.0,
            angle: -2.9,
        },
        Roi {
            cx: 50.0,
            cy: 45.0,
            size: 70.0,
            angle: 0.2,
        },
    ];

    #[test]
    fn fixed_point_sampler_matches_sampling_every_tap_in_floats() {
        let img = noise(97, 83);
        // Inside, across the edges, rotated, mirrored, with and without supersampling.
        for (roi, n, mirror) in [
            (ROIS[0], 32, false),
            (ROIS[1], 24, true),
            (ROIS[2], 16, false),
        ] {
            let k = ((roi.size / n as f32).round() as usize).clamp(1, 4);
            let mut out = vec![0f32; 3 * n * n];
            crop_into(&img, &roi, n, mirror, UNIT, &mut out);
            let want = reference_crop(&img, &roi, n, mirror, k);
            let diff = out
                .iter()
                .zip(&want)
                .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            // Fixed-point weights: within one grey level (1/255) of the floats.
            assert!(diff < 1.0 / 255.0, "k={k}: {diff}");
            crop_bilinear_into(&img, &roi, n, mirror, UNIT, &mut out);
            let want = reference_crop(&img, &roi, n, mirror, 1);
            // Interleaved (HWC) against the reference's planes.
            let plane = n * n;
            let diff = (0..3 * plane).fold(0f32, |m, i| {
                let (ch, p) = (i / plane, i % plane);
                m.max((out[p * 3 + ch] - want[i]).abs())
            });
            assert!(diff < 1.0 / 255.0, "k=1: {diff}");
        }
    }

    /// Luma of `k`x`k` nearest pixels per crop pixel, averaged, in floats.
    fn reference_luma_box(img: &RgbImage, roi: &Roi, n: usize, k: usize) -> Vec<f32> {
        let mut out = vec![0f32; n * n];
        for v in 0..n {
            for u in 0..n {
                let mut sum = 0f64;
                for t in 0..k * k {
                    let px = (u as f32 + ((t % k) as f32 + 0.5) / k as f32) * roi.size / n as f32;
                    let py = (v as f32 + ((t / k) as f32 + 0.5) / k as f32) * roi.size / n as f32;
                    let (x, y) = roi.to_image(px, py, roi.size);
                    let (x, y) = (x.floor() as i64, y.floor() as i64);
                    if x >= 0 && y >= 0 && x < img.width() as i64 && y < img.height() as i64 {
                        let p = img.get_pixel(x as u32, y as u32).0;
                        sum += (0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
                            / 255.0;
                    }
                }
                out[v * n + u] = (sum / (k * k) as f64) as f32;
            }
        }
        out
    }

    #[test]
    fn box_luma_crop_averages_the_nearest_pixels_like_floats() {
        let img = noise(97, 83);
        for (roi, n) in ROIS.into_iter().zip([16, 24, 16, 20]) {
            let k = box_taps(roi.size / n as f32);
            let mut out = vec![0f32; n * n];
            luma_box_into(&img, &roi, n, &mut out);
            let want = reference_luma_box(&img, &roi, n, k);
            // A sample exactly between two pixels may round the other way in
            // fixed point: allow one sample of k*k moved a whole grey level
            // range, on a few pixels; every other pixel within the luma
            // weights' rounding.
            let off = out
                .iter()
                .zip(&want)
                .filter(|(a, b)| (*a - *b).abs() > 2e-3)
                .count();
            assert!(off <= n * n / 50, "k={k}: {off} of {} pixels differ", n * n);
            let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
            assert!((mean(&out) - mean(&want)).abs() < 2e-3, "k={k}");
        }
    }

    #[test]
    fn box_luma_crop_does_not_alias_a_shrunk_checkerboard() {
        // A 1-px checkerboard shrunk 4x: 16 pixels a crop pixel, half white.
        let img = RgbImage::from_fn(256, 256, |x, y| {
            let v = if (x + y) % 2 == 0 { 255 } else { 0 };
            image::Rgb([v, v, v])
        });
        let roi = Roi {
            cx: 128.0,
            cy: 128.0,
            size: 128.0,
            angle: 0.0,
        };
        let mut out = vec![0f32; 32 * 32];
        luma_box_into(&img, &roi, 32, &mut out);
        for v in &out {
            assert!((v - 0.5).abs() < 0.01, "{v}");
        }
    }

    #[test]
    fn letterbox_is_flat_inside_black_outside_and_centred() {
        // 640x480 grey: rows 80..560 of the 640 square hold the picture.
        let img = RgbImage::from_pixel(640, 480, image::Rgb([200, 100, 50]));
        let n = 128;
        let mut out = vec![0f32; 3 * n * n];
        letterbox_into(&img, n, UNIT, &mut out, &mut Vec::new());
        let at = |ch: usize, u: usize, v: usize| out[3 * (v * n + u) + ch];
        // Picture rows 16..112 of 128, padding rows 0..16 and 112..128.
        for u in [0, 5, 64, 127] {
            assert!((at(0, u, 64) - 200.0 / 255.0).abs() < 1e-4);
            assert!((at(2, u, 20) - 50.0 / 255.0).abs() < 1e-4);
            assert!(at(1, u, 10).abs() < 1e-6 && at(1, u, 120).abs() < 1e-6);
        }
        // The rows at the picture's edge are half picture, half padding.
        assert!((at(0, 64, 16) - at(0, 64, 111)).abs() < 1e-4);
        assert!(at(0, 64, 15) < at(0, 64, 16) && at(0, 64, 16) <= 200.0 / 255.0);
    }

    #[test]
    fn letterbox_averages_like_an_area_filter_when_shrinking() {
        // A 1-px checkerboard shrunk 4x becomes flat grey, not aliased stripes.
        let img = RgbImage::from_fn(512, 512, |x, y| {
            let v = if (x + y) % 2 == 0 { 255 } else { 0 };
            image::Rgb([v, v, v])
        });
        let n = 128;
        let mut out = vec![0f32; 3 * n * n];
        letterbox_into(&img, n, UNIT, &mut out, &mut Vec::new());
        for v in &out[3 * n..3 * (n * n - n)] {
            assert!((v - 0.5).abs() < 0.02, "{v}");
        }
    }

    #[test]
    fn iou_of_identical_disjoint_and_half_overlapping_boxes() {
        let a = [0.0, 0.0, 2.0, 2.0];
        assert_eq!(iou(&a, &a), 1.0);
        assert_eq!(iou(&a, &[3.0, 3.0, 4.0, 4.0]), 0.0);
        assert!((iou(&a, &[1.0, 0.0, 3.0, 2.0]) - 1.0 / 3.0).abs() < 1e-6);
    }
}
