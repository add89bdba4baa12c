//! Is the face a flat picture? When a real head turns or nods, points at
//! different depths (nose tip, cheeks, chin) shift by different amounts, which
//! no plane can do. A photo moved in front of the camera, however it is tilted,
//! moves its points by one homography. So: fit the best homography from the
//! neutral landmarks to those at the peak of a head movement, and measure what
//! it cannot explain.

/// Rigid points of the face (no lids, no lips): outline, forehead, brows, eye
/// corners and the nose, which gives the depth.
pub const RIGID: [usize; 30] = [
    10, 109, 338, 67, 297, 152, 148, 377, 234, 454, 93, 323, 132, 361, 172, 397, 1, 4, 5, 6, 168,
    195, 98, 327, 33, 133, 362, 263, 70, 300,
];

/// Residual under this share of the face width: the motion is a plane's.
pub const FLAT_RESIDUAL: f32 = 0.012;

/// Root-mean-square distance, as a share of the face width, between `to` and
/// `from` mapped by the best-fitting homography (over the [`RIGID`] points).
pub fn planar_residual(from: &[[f32; 3]], to: &[[f32; 3]]) -> f32 {
    let src: Vec<[f64; 2]> = RIGID
        .iter()
        .map(|&i| [from[i][0] as f64, from[i][1] as f64])
        .collect();
    let dst: Vec<[f64; 2]> = RIGID
        .iter()
        .map(|&i| [to[i][0] as f64, to[i][1] as f64])
        .collect();
    let width = {
        let xs = src.iter().map(|p| p[0]);
        xs.clone().fold(f64::MIN, f64::max) - xs.fold(f64::MAX, f64::min)
    }
    .max(1.0);
    let Some(h) = fit_homography(&src, &dst) else {
        return f32::MAX;
    };
    let sq: f64 = src
        .iter()
        .zip(&dst)
        .map(|(s, d)| {
            let p = apply(&h, *s);
            (p[0] - d[0]).powi(2) + (p[1] - d[1]).powi(2)
        })
        .sum();
    ((sq / src.len() as f64).sqrt() / width) as f32
}

fn apply(h: &[f64; 9], p: [f64; 2]) -> [f64; 2] {
    let w = h[6] * p[0] + h[7] * p[1] + h[8];
    [
        (h[0] * p[0] + h[1] * p[1] + h[2]) / w,
        (h[3] * p[0] + h[4] * p[1] + h[5]) / w,
    ]
}

/// Centre and scale points to mean 0 and mean distance sqrt(2) (Hartley), which
/// keeps the least-squares system well conditioned.
fn normaliser(pts: &[[f64; 2]]) -> [f64; 3] {
    let n = pts.len() as f64;
    let (mx, my) = (
        pts.iter().map(|p| p[0]).sum::<f64>() / n,
        pts.iter().map(|p| p[1]).sum::<f64>() / n,
    );
    let d = pts
        .iter()
        .map(|p| ((p[0] - mx).powi(2) + (p[1] - my).powi(2)).sqrt())
        .sum::<f64>()
        / n;
    let s = if d > 0.0 {
        std::f64::consts::SQRT_2 / d
    } else {
        1.0
    };
    [s, -s * mx, -s * my]
}

/// Least-squares homography (h33 = 1) from at least 4 point pairs.
pub fn fit_homography(src: &[[f64; 2]], dst: &[[f64; 2]]) -> Option<[f64; 9]> {
    if src.len() < 4 || src.len() != dst.len() {
        return None;
    }
    let (ns, nd) = (normaliser(src), normaliser(dst));
    let norm = |t: &[f64; 3], p: &[f64; 2]| [t[0] * p[0] + t[1], t[0] * p[1] + t[2]];
    // Normal equations A^T A x = A^T b of the 8-unknown linear system.
    let mut ata = [[0f64; 8]; 8];
    let mut atb = [0f64; 8];
    for (s, d) in src.iter().zip(dst) {
        let [x, y] = norm(&ns, s);
        let [u, v] = norm(&nd, d);
        for (row, rhs) in [
            ([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u),
            ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v),
        ] {
            for i in 0..8 {
                atb[i] += row[i] * rhs;
                for j in 0..8 {
                    ata[i][j] += row[i] * row[j];
                }
            }
        }
    }
    let x = solve8(ata, atb)?;
    let hn = [x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], 1.0];
    // Undo the normalisations: H = Td^-1 * Hn * Ts.
    let ts = [[ns[0], 0.0, ns[1]], [0.0, ns[0], ns[2]], [0.0, 0.0, 1.0]];
    let td_inv = [
        [1.0 / nd[0], 0.0, -nd[1] / nd[0]],
        [0.0, 1.0 / nd[0], -nd[2] / nd[0]],
        [0.0, 0.0, 1.0],
    ];
    let hm = [
        [hn[0], hn[1], hn[2]],
        [hn[3], hn[4], hn[5]],
        [hn[6], hn[7], hn[8]],
    ];
    let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
        let mut c = [[0f64; 3]; 3];
        for i in 0..3 {
            for j in 0..3 {
                c[i][j] = (0..3).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        c
    };
    let h = mul(td_inv, mul(hm, ts));
    Some([
        h[0][0], h[0][1], h[0][2], h[1][0], h[1][1], h[1][2], h[2][0], h[2][1], h[2][2],
    ])
}

/// Gaussian elimination with partial pivoting.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..8 {
            let f = a[row][col] / pivot_row[col];
            for (v, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *v -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0f64; 8];
    for row in (0..8).rev() {
        let s: f64 = (row + 1..8).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face-like cloud: points on an ellipse plus a nose sticking out (z).
    fn head() -> Vec<[f32; 3]> {
        (0..468)
            .map(|i| {
                let t = i as f32 * 0.37;
                let r = 40.0 + (i % 7) as f32 * 5.0;
                let (x, y) = (200.0 + r * t.cos(), 220.0 + 1.3 * r * t.sin());
                let z = if [1, 4, 5, 195].contains(&i) {
                    -35.0
                } else {
                    -(i % 11) as f32 * 2.0
                };
                [x, y, z]
            })
            .collect()
    }

    #[test]
    fn a_tilted_and_moved_plane_fits_a_homography_exactly() {
        let from = head();
        let h = [1.05, 0.08, 12.0, -0.03, 0.97, -7.0, 0.0004, -0.0002, 1.0];
        let to: Vec<[f32; 3]> = from
            .iter()
            .map(|p| {
                let q = apply(&h, [p[0] as f64, p[1] as f64]);
                [q[0] as f32, q[1] as f32, 0.0]
            })
            .collect();
        assert!(planar_residual(&from, &to) < 1e-4);
    }

    #[test]
    fn a_turning_head_leaves_a_residual_no_plane_explains() {
        let from = head();
        let (cx, a) = (200.0f32, 25f32.to_radians());
        // Yaw about a vertical axis 60 px behind the face: depth makes parallax.
        let to: Vec<[f32; 3]> = from
            .iter()
            .map(|p| {
                let (x, z) = (p[0] - cx, p[2] + 60.0);
                [
                    cx + x * a.cos() + z * a.sin(),
                    p[1],
                    -x * a.sin() + z * a.cos(),
                ]
            })
            .collect();
        let r = planar_residual(&from, &to);
        assert!(r > FLAT_RESIDUAL, "residual {r}");
    }
}
