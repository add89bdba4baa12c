//! Image warps: a piecewise-affine warp over a triangle mesh (with a depth
//! test, so a turned head can hide its own far cheek) and a full-frame
//! homography (the photo moved as a flat plane).
//!
//! Coordinates are image pixels with pixel `(i, j)` covering
//! `[i, i+1) × [j, j+1)`, so its centre is `(i + 0.5, j + 0.5)`: the same
//! convention as the FaceMesh landmarks in `models/README.md`.

use image::RgbImage;

/// A float RGB image (0..255 per channel), the working format of the warps.
#[derive(Clone, Debug, PartialEq)]
pub struct Image3 {
    pub width: usize,
    pub height: usize,
    pub data: Vec<[f32; 3]>,
}

impl Image3 {
    pub fn new(width: usize, height: usize, fill: [f32; 3]) -> Self {
        Image3 {
            width,
            height,
            data: vec![fill; width * height],
        }
    }

    pub fn from_rgb(img: &RgbImage) -> Self {
        let data = img
            .pixels()
            .map(|p| [p[0] as f32, p[1] as f32, p[2] as f32])
            .collect();
        Image3 {
            width: img.width() as usize,
            height: img.height() as usize,
            data,
        }
    }

    /// Rounds and clamps to 8 bits.
    pub fn to_rgb(&self) -> RgbImage {
        let mut out = RgbImage::new(self.width as u32, self.height as u32);
        for (dst, src) in out.pixels_mut().zip(&self.data) {
            for c in 0..3 {
                dst[c] = src[c].round().clamp(0.0, 255.0) as u8;
            }
        }
        out
    }

    /// Bilinear sample at continuous image coordinates (pixel centres at
    /// `i + 0.5`); outside the image the border pixels are extended.
    #[inline]
    pub fn sample(&self, x: f32, y: f32) -> [f32; 3] {
        let fx = (x - 0.5).clamp(0.0, (self.width - 1) as f32);
        let fy = (y - 0.5).clamp(0.0, (self.height - 1) as f32);
        let x0 = fx as usize;
        let y0 = fy as usize;
        let x1 = (x0 + 1).min(self.width - 1);
        let y1 = (y0 + 1).min(self.height - 1);
        let ax = fx - x0 as f32;
        let ay = fy - y0 as f32;
        let p00 = self.data[y0 * self.width + x0];
        let p10 = self.data[y0 * self.width + x1];
        let p01 = self.data[y1 * self.width + x0];
        let p11 = self.data[y1 * self.width + x1];
        let mut out = [0.0; 3];
        for c in 0..3 {
            let top = p00[c] + (p10[c] - p00[c]) * ax;
            let bottom = p01[c] + (p11[c] - p01[c]) * ax;
            out[c] = top + (bottom - top) * ay;
        }
        out
    }
}

/// A triangulation of the rest positions of the control points.
#[derive(Clone, Debug)]
pub struct Mesh {
    /// Rest (source) positions.
    pub src: Vec<[f32; 2]>,
    /// Triangles as indices into `src`.
    pub triangles: Vec<[u32; 3]>,
}

impl Mesh {
    /// Delaunay-triangulates `points` (at least 3, not all collinear).
    pub fn new(points: Vec<[f32; 2]>) -> Mesh {
        let pts: Vec<delaunator::Point> = points
            .iter()
            .map(|p| delaunator::Point {
                x: p[0] as f64,
                y: p[1] as f64,
            })
            .collect();
        let tri = delaunator::triangulate(&pts);
        let triangles = tri
            .triangles
            .chunks_exact(3)
            .map(|t| [t[0] as u32, t[1] as u32, t[2] as u32])
            // Slivers of (near-)collinear rest points carry no texture and
            // would only make the flip test noisy.
            .filter(|t| signed_area2(&points, t).abs() > 1e-6)
            .collect();
        Mesh {
            src: points,
            triangles,
        }
    }

    /// Triangles whose orientation in `dst` is opposite to the rest pose or
    /// that collapsed to (almost) nothing: these are not drawn.
    pub fn flipped(&self, dst: &[[f32; 2]]) -> Vec<usize> {
        self.triangles
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                let a_src = signed_area2(&self.src, t);
                let a_dst = signed_area2(dst, t);
                a_src * a_dst <= 0.0
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Twice the signed area of triangle `t` over `pts`.
#[inline]
pub fn signed_area2(pts: &[[f32; 2]], t: &[u32; 3]) -> f32 {
    let a = pts[t[0] as usize];
    let b = pts[t[1] as usize];
    let c = pts[t[2] as usize];
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// Counts of what a mesh warp did, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarpStats {
    /// Triangles that moved and were rasterised.
    pub drawn: usize,
    /// Of those, triangles whose orientation flipped (a fold: the surface
    /// turned away, or a sliver seen edge-on in the photo turned towards
    /// the camera). The depth test decides what shows.
    pub folded: usize,
    /// Triangles that collapsed to nothing (not drawn).
    pub collapsed: usize,
}

/// Shifts the whole image by `shift` pixels (output(p) = src(p − shift)).
/// This is the background of a mesh warp: everything the mesh leaves still.
pub fn shift_image(src: &Image3, shift: [f32; 2], out: &mut Image3) {
    assert_eq!((src.width, src.height), (out.width, out.height));
    if shift == [0.0, 0.0] {
        out.data.copy_from_slice(&src.data);
        return;
    }
    for y in 0..out.height {
        let sy = y as f32 + 0.5 - shift[1];
        for x in 0..out.width {
            let sx = x as f32 + 0.5 - shift[0];
            out.data[y * out.width + x] = src.sample(sx, sy);
        }
    }
}

/// Piecewise-affine backward warp: every triangle of `mesh` is drawn at its
/// `dst` position (plus `shift`) with the texture of its rest position,
/// sampled bilinearly. Triangles whose three corners did not move are
/// skipped: `out` must already hold `src` shifted by `shift` (see
/// [`shift_image`]), which is what they would draw.
///
/// `depth` (one per control point, smaller = nearer the camera) resolves
/// overlaps: when a head turns, the near cheek slides over the far one.
/// Folded triangles are still drawn and left to the depth test: culling them
/// would punch holes where a sliver that was edge-on in the photo (the
/// cheek at the silhouette) turns towards the camera, and the unwarped photo
/// would show through as a jagged old outline.
pub fn warp_mesh(
    src: &Image3,
    mesh: &Mesh,
    dst: &[[f32; 2]],
    depth: &[f32],
    shift: [f32; 2],
    out: &mut Image3,
) -> WarpStats {
    assert_eq!(dst.len(), mesh.src.len());
    assert_eq!(depth.len(), mesh.src.len());
    let (w, h) = (out.width, out.height);
    let mut zbuf = vec![f32::INFINITY; w * h];
    let mut stats = WarpStats::default();
    for t in &mesh.triangles {
        let idx = t.map(|i| i as usize);
        let moved = idx.iter().any(|&i| {
            let (s, d) = (mesh.src[i], dst[i]);
            (d[0] - s[0]).abs() > 1e-4 || (d[1] - s[1]).abs() > 1e-4
        });
        if !moved {
            continue;
        }
        let a_src = signed_area2(&mesh.src, t);
        let a_dst = signed_area2(dst, t);
        if a_dst.abs() < 1e-6 {
            stats.collapsed += 1;
            continue;
        }
        stats.drawn += 1;
        if a_src * a_dst < 0.0 {
            stats.folded += 1;
        }
        let v = idx.map(|i| [dst[i][0] + shift[0], dst[i][1] + shift[1]]);
        let s = idx.map(|i| mesh.src[i]);
        let z = idx.map(|i| depth[i]);

        // Barycentric coordinates as affine functions of the pixel centre:
        // l_k(p) = ax[k]·x + ay[k]·y + a0[k].
        let inv = 1.0 / a_dst;
        let mut ax = [0.0f32; 3];
        let mut ay = [0.0f32; 3];
        let mut a0 = [0.0f32; 3];
        for k in 0..3 {
            let p = v[(k + 1) % 3];
            let q = v[(k + 2) % 3];
            // Edge function of edge p→q, positive on the side of v[k].
            ax[k] = -(q[1] - p[1]) * inv;
            ay[k] = (q[0] - p[0]) * inv;
            a0[k] = ((q[1] - p[1]) * p[0] - (q[0] - p[0]) * p[1]) * inv;
        }
        let min_x = v.iter().map(|p| p[0]).fold(f32::INFINITY, f32::min);
        let max_x = v.iter().map(|p| p[0]).fold(f32::NEG_INFINITY, f32::max);
        let min_y = v.iter().map(|p| p[1]).fold(f32::INFINITY, f32::min);
        let max_y = v.iter().map(|p| p[1]).fold(f32::NEG_INFINITY, f32::max);
        let x_lo = (min_x - 0.5).floor().max(0.0) as usize;
        let y_lo = (min_y - 0.5).floor().max(0.0) as usize;
        let x_hi = ((max_x - 0.5).ceil().max(-1.0) as i64).min(w as i64 - 1);
        let y_hi = ((max_y - 0.5).ceil().max(-1.0) as i64).min(h as i64 - 1);
        if x_hi < x_lo as i64 || y_hi < y_lo as i64 {
            continue;
        }
        const EPS: f32 = -1e-4;
        for y in y_lo..=y_hi as usize {
            let py = y as f32 + 0.5;
            for x in x_lo..=x_hi as usize {
                let px = x as f32 + 0.5;
                let l0 = ax[0] * px + ay[0] * py + a0[0];
                let l1 = ax[1] * px + ay[1] * py + a0[1];
                let l2 = 1.0 - l0 - l1;
                if l0 < EPS || l1 < EPS || l2 < EPS {
                    continue;
                }
                let zz = l0 * z[0] + l1 * z[1] + l2 * z[2];
                let o = y * w + x;
                if zz >= zbuf[o] {
                    continue;
                }
                zbuf[o] = zz;
                let sx = l0 * s[0][0] + l1 * s[1][0] + l2 * s[2][0];
                let sy = l0 * s[0][1] + l1 * s[1][1] + l2 * s[2][1];
                out.data[o] = src.sample(sx, sy);
            }
        }
    }
    stats
}

/// A 3×3 projective transform of image points (row-major, f64 so that chains
/// of them stay exact to well under a thousandth of a pixel).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography(pub [[f64; 3]; 3]);

impl Homography {
    pub const IDENTITY: Homography =
        Homography([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);

    pub fn translation(dx: f64, dy: f64) -> Homography {
        Homography([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])
    }

    /// `self ∘ other`: apply `other` first.
    pub fn then_after(&self, other: &Homography) -> Homography {
        let (a, b) = (&self.0, &other.0);
        let mut m = [[0.0; 3]; 3];
        for (i, row) in m.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate() {
                *cell = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        Homography(m)
    }

    /// Maps a point; `None` if it goes to or behind infinity.
    pub fn apply(&self, x: f64, y: f64) -> Option<[f64; 2]> {
        let m = &self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        if w <= 1e-12 {
            return None;
        }
        Some([
            (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
            (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
        ])
    }

    /// Local area scale of the map at `(x, y)` (|det| of its Jacobian).
    pub fn area_scale(&self, x: f64, y: f64) -> f64 {
        let m = &self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        (det / (w * w * w)).abs()
    }

    pub fn inverse(&self) -> Homography {
        let m = &self.0;
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        assert!(det.abs() > 1e-15, "singular homography");
        let c = |r0: usize, r1: usize, c0: usize, c1: usize| {
            m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
        };
        let adj = [
            [c(1, 2, 1, 2), -c(0, 2, 1, 2), c(0, 1, 1, 2)],
            [-c(1, 2, 0, 2), c(0, 2, 0, 2), -c(0, 1, 0, 2)],
            [c(1, 2, 0, 1), -c(0, 2, 0, 1), c(0, 1, 0, 1)],
        ];
        Homography(adj.map(|row| row.map(|v| v / det)))
    }
}

/// Draws `src` through the homography `h` (source → output). Output pixels
/// that do not see the photo show `surround` (what is behind a hand-held
/// print), with a one-pixel soft edge.
pub fn warp_homography(src: &Image3, h: &Homography, surround: [f32; 3], out: &mut Image3) {
    let inv = h.inverse();
    let (sw, sh) = (src.width as f64, src.height as f64);
    for y in 0..out.height {
        for x in 0..out.width {
            let o = y * out.width + x;
            let Some([sx, sy]) = inv.apply(x as f64 + 0.5, y as f64 + 0.5) else {
                out.data[o] = surround;
                continue;
            };
            let edge = sx.min(sw - sx).min(sy).min(sh - sy);
            let cover = (edge + 0.5).clamp(0.0, 1.0) as f32;
            if cover <= 0.0 {
                out.data[o] = surround;
                continue;
            }
            let c = src.sample(sx as f32, sy as f32);
            out.data[o] = [0, 1, 2].map(|k| c[k] * cover + surround[k] * (1.0 - cover));
        }
    }
}
