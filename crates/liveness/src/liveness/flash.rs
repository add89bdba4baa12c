//! Screen-light liveness (炫彩/光线活体): while the neutral face is learnt, the
//! screen shows a short sequence of soft colours derived from the challenge's
//! nonce, and the face reflects them. The server measures the colour of the
//! face in the uploaded sequence and checks that it changed the way this
//! nonce's colours say: frames recorded for another challenge carry another
//! challenge's colours. See docs/liveness.md for what it does not stop.
//!
//! Gentle on purpose: four colours of half a second each (2 changes a
//! second, under the 3 a second that photosensitivity guidance warns of),
//! soft tones, no white flashes; the person can turn it off (`flash` off in
//! the settings), and such a capture is marked so for the agency.

use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};

/// How long each colour is shown.
pub const SEGMENT_MS: u64 = 500;
/// How many colours one challenge shows.
pub const SEGMENTS: usize = 4;
/// The whole sequence, which is also the shortest neutral-face phase.
pub const FLASH_MS: u64 = SEGMENT_MS * SEGMENTS as u64;
/// Frames this soon after a colour change may still show the previous one
/// (display refresh and camera exposure).
pub const LAG_MS: u64 = 200;

/// One colour for the shell to fill the screen around the camera preview.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScreenColour {
    pub red: u8,
    pub green: u8,
    pub blue: u8,
}

const fn c(red: u8, green: u8, blue: u8) -> ScreenColour {
    ScreenColour { red, green, blue }
}

/// Soft red, green, blue and amber: distinct in chromaticity, none glaring.
pub const PALETTE: [ScreenColour; 4] = [
    c(235, 80, 80),
    c(70, 200, 110),
    c(80, 110, 240),
    c(240, 190, 60),
];

/// The palette indices this nonce shows, in order: no colour twice in a row,
/// at least three different ones, derived from the nonce so both sides agree.
pub fn schedule(nonce: &str) -> [usize; SEGMENTS] {
    let mut counter = 0u32;
    loop {
        let seed = format!("lifecert-flash/{counter}/{nonce}");
        let h = digest(&SHA256, seed.as_bytes());
        let mut out = [0usize; SEGMENTS];
        for (i, b) in h.as_ref()[..SEGMENTS].iter().enumerate() {
            out[i] = *b as usize % PALETTE.len();
        }
        let mut distinct = out.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        if out.windows(2).all(|w| w[0] != w[1]) && distinct.len() >= 3 {
            return out;
        }
        counter += 1;
    }
}

/// The colour to show `since_ms` after the neutral face began, if any.
pub fn colour_at(schedule: &[usize; SEGMENTS], since_ms: u64) -> Option<ScreenColour> {
    let k = (since_ms / SEGMENT_MS) as usize;
    schedule.get(k).map(|&i| PALETTE[i])
}

/// Mean RGB of the middle of the face box (cheeks, nose, forehead: skin,
/// not hair or background), on a sparse grid.
pub fn skin_mean(img: &image::RgbImage, bbox: [f32; 4]) -> [f32; 3] {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let (bw, bh) = (bbox[2] - bbox[0], bbox[3] - bbox[1]);
    let x0 = (bbox[0] + 0.25 * bw).clamp(0.0, w - 1.0) as u32;
    let x1 = (bbox[2] - 0.25 * bw).clamp(0.0, w - 1.0) as u32;
    let y0 = (bbox[1] + 0.2 * bh).clamp(0.0, h - 1.0) as u32;
    let y1 = (bbox[3] - 0.3 * bh).clamp(0.0, h - 1.0) as u32;
    let mut sum = [0f32; 3];
    let mut n = 0f32;
    for y in (y0..=y1).step_by(2) {
        for x in (x0..=x1).step_by(2) {
            let p = img.get_pixel(x, y).0;
            for k in 0..3 {
                sum[k] += p[k] as f32;
            }
            n += 1.0;
        }
    }
    sum.map(|v| v / n.max(1.0))
}

/// What the face's colour says about the screen's colours.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reflection {
    /// The face changed colour with this nonce's sequence (cosine score).
    Matches(f32),
    /// The face changed colour clearly, but not with this sequence: frames
    /// recorded under another challenge, or a screen in front of the camera.
    Contradicts(f32),
    /// Too little change to tell (bright daylight drowns the screen's light).
    Inconclusive,
}

/// Chromaticity change under which nothing is concluded (share of r+g+b).
pub const MIN_SIGNAL: f32 = 0.004;
/// Cosine between measured and expected changes needed to match.
pub const MATCH_SCORE: f32 = 0.5;

fn chroma(rgb: [f32; 3]) -> [f32; 3] {
    let s = (rgb[0] + rgb[1] + rgb[2]).max(1.0);
    rgb.map(|v| v / s)
}

/// Judges `samples` (sequence time, skin mean) of the first [`FLASH_MS`]
/// against the nonce's schedule.
pub fn judge(nonce: &str, samples: &[(u64, [f32; 3])]) -> Reflection {
    let plan = schedule(nonce);
    let mut seen = [[0f32; 3]; SEGMENTS];
    let mut count = [0f32; SEGMENTS];
    for &(t, rgb) in samples {
        let k = (t / SEGMENT_MS) as usize;
        if k >= SEGMENTS || t % SEGMENT_MS < LAG_MS {
            continue;
        }
        let ch = chroma(rgb);
        for j in 0..3 {
            seen[k][j] += ch[j];
        }
        count[k] += 1.0;
    }
    if count.contains(&0.0) {
        return Reflection::Inconclusive;
    }
    for k in 0..SEGMENTS {
        seen[k] = seen[k].map(|v| v / count[k]);
    }
    let expected: Vec<[f32; 3]> = plan
        .iter()
        .map(|&i| {
            let p = PALETTE[i];
            chroma([p.red as f32, p.green as f32, p.blue as f32])
        })
        .collect();
    let centre = |v: &[[f32; 3]]| -> Vec<f32> {
        let mean: [f32; 3] =
            std::array::from_fn(|j| v.iter().map(|x| x[j]).sum::<f32>() / v.len() as f32);
        v.iter()
            .flat_map(|x| (0..3).map(move |j| x[j] - mean[j]))
            .collect()
    };
    let (d, e) = (centre(&seen), centre(&expected));
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    // RMS change per segment and channel.
    let signal = norm(&d) / (d.len() as f32).sqrt();
    if signal < MIN_SIGNAL {
        return Reflection::Inconclusive;
    }
    let score = d.iter().zip(&e).map(|(a, b)| a * b).sum::<f32>() / (norm(&d) * norm(&e));
    if score >= MATCH_SCORE {
        Reflection::Matches(score)
    } else {
        Reflection::Contradicts(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_nonce_has_its_own_gentle_schedule_and_both_sides_derive_the_same() {
        let a = schedule("nonce-a");
        assert_eq!(a, schedule("nonce-a"));
        let others = (0..50)
            .filter(|i| schedule(&format!("nonce-{i}")) != a)
            .count();
        assert!(others >= 45, "schedules barely depend on the nonce");
        for i in 0..200 {
            let s = schedule(&format!("n{i}"));
            assert!(s.windows(2).all(|w| w[0] != w[1]), "{s:?}");
        }
    }

    /// Skin of a given base colour lit by each scheduled colour.
    fn lit(plan: &[usize; SEGMENTS], strength: f32) -> Vec<(u64, [f32; 3])> {
        let base = [180.0, 140.0, 120.0];
        (0..FLASH_MS / 66)
            .map(|i| {
                let t = i * 66;
                let p = PALETTE[plan[(t / SEGMENT_MS) as usize]];
                let light = [p.red, p.green, p.blue].map(|v| v as f32 / 255.0);
                (
                    t,
                    std::array::from_fn(|k| base[k] * (1.0 + strength * light[k])),
                )
            })
            .collect()
    }

    #[test]
    fn a_face_lit_by_this_nonces_colours_matches_and_another_nonces_contradicts() {
        let mine = lit(&schedule("mine"), 0.15);
        assert!(matches!(judge("mine", &mine), Reflection::Matches(_)));
        // The same frames judged for a nonce whose schedule differs.
        let other = (0..)
            .map(|i| format!("other-{i}"))
            .find(|n| {
                let (a, b) = (schedule(n), schedule("mine"));
                a.iter().zip(&b).filter(|(x, y)| x == y).count() == 0
            })
            .unwrap();
        assert!(
            matches!(judge(&other, &mine), Reflection::Contradicts(_)),
            "{:?}",
            judge(&other, &mine)
        );
    }

    #[test]
    fn a_face_whose_colour_does_not_change_is_inconclusive_not_a_failure() {
        let flat = lit(&schedule("mine"), 0.0);
        assert_eq!(judge("mine", &flat), Reflection::Inconclusive);
    }
}
