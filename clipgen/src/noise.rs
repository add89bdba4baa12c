//! Camera realism, deterministic from a seed: a small hand/camera jitter, a
//! slight brightness flicker (auto-exposure hunting) and Gaussian sensor
//! noise. Without them every neutral frame would be bit-identical, which no
//! real camera produces and which a liveness engine could key on.

use crate::warp::Image3;

/// Strength of the per-frame camera effects.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NoiseParams {
    /// Standard deviation of the frame-to-frame jitter step, pixels.
    pub jitter_px: f32,
    /// Hard limit of the jitter offset from the rest position, pixels.
    pub jitter_max_px: f32,
    /// Standard deviation of the brightness gain around 1 (0.01 = 1 %).
    pub flicker: f32,
    /// Standard deviation of the per-pixel sensor noise, 8-bit levels.
    pub sensor_sigma: f32,
}

impl Default for NoiseParams {
    fn default() -> Self {
        NoiseParams {
            jitter_px: 0.35,
            jitter_max_px: 1.0,
            flicker: 0.012,
            sensor_sigma: 2.0,
        }
    }
}

impl NoiseParams {
    /// No jitter, no flicker, no noise: frames are exact warps.
    pub fn none() -> Self {
        NoiseParams {
            jitter_px: 0.0,
            jitter_max_px: 0.0,
            flicker: 0.0,
            sensor_sigma: 0.0,
        }
    }
}

/// A standard normal sample (Box–Muller).
pub(crate) fn gauss(rng: &mut fastrand::Rng) -> f32 {
    let u1 = rng.f32().max(1e-7);
    let u2 = rng.f32();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Per-frame global effects for a whole clip.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameNoise {
    /// Whole-frame offset in pixels.
    pub jitter: [f32; 2],
    /// Brightness gain.
    pub gain: f32,
}

/// Smooth random walks (AR(1), so the camera drifts rather than teleports)
/// for the jitter and the gain of `frames` frames.
pub fn frame_noise(params: &NoiseParams, seed: u64, frames: usize) -> Vec<FrameNoise> {
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x6a09_e667_f3bc_c908);
    let mut j = [0.0f32; 2];
    let mut g = 0.0f32;
    let lim = params.jitter_max_px;
    (0..frames)
        .map(|_| {
            for c in &mut j {
                *c = (0.75 * *c + params.jitter_px * gauss(&mut rng)).clamp(-lim, lim);
            }
            // Scaled so the stationary standard deviation is `flicker`.
            g = 0.8 * g + 0.6 * params.flicker * gauss(&mut rng);
            FrameNoise {
                jitter: j,
                gain: 1.0 + g,
            }
        })
        .collect()
}

/// Applies the gain and adds sensor noise in place. Noise comes from a
/// table of normal samples indexed by a fast per-frame RNG, which is much
/// cheaper than a Box–Muller per pixel and just as good to the eye.
pub fn apply_sensor(img: &mut Image3, gain: f32, sigma: f32, seed: u64, frame: usize) {
    let mut rng = fastrand::Rng::with_seed(
        seed.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ (frame as u64).wrapping_mul(0xbf58_476d_1ce4_e5b9),
    );
    const TABLE: usize = 4096;
    let table: Vec<f32> = (0..TABLE).map(|_| gauss(&mut rng) * sigma).collect();
    let mut state = rng.u64(..) | 1;
    for px in &mut img.data {
        // xorshift64: three table indices per pixel from one step.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let s = state;
        for (c, v) in px.iter_mut().enumerate() {
            let idx = ((s >> (c * 12)) as usize) & (TABLE - 1);
            *v = *v * gain + table[idx];
        }
    }
}
