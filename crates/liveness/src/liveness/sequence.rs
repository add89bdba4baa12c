//! The face over the whole capture: small square face crops at a steady rate,
//! with their timestamps and where each crop sat in the camera frame. This is
//! what certd re-judges with the same liveness engine (the capture travels,
//! not a few stills), recorded by the engine as frames come. Each crop is JPEG-encoded as it is recorded, so
//! a long capture holds kilobytes, not raw frames.

use crate::face::{geometry, FaceObservation};
use image::RgbImage;
use serde::{Deserialize, Serialize};

/// Side of a sequence crop. The face fills about two thirds of it (~105 px
/// across), enough for the mesh and the eye heads (which resample to 192 and
/// 64 px) and for dlib's 150 px chip.
pub const SEQUENCE_SIDE: u32 = 160;
/// Side of the frontal picture matched against the template (dlib wants
/// ~150 px of face): the same square as its sequence frame, sharper.
pub const FRONTAL_SIDE: u32 = 240;
/// The crop is this many face widths across (face plus hair and chin).
pub const CROP_SCALE: f32 = 1.5;
/// JPEG quality of sequence crops: 5-7 KB each at 160 px on a noisy sensor.
pub const SEQUENCE_QUALITY: u8 = 65;
/// While no blink is asked for, one crop per this many ms (about 8 fps):
/// turns, nods and mouths last half a second or more.
pub const STEADY_INTERVAL_MS: u64 = 120;
/// While the neutral face and the screen's colours are learnt, one crop per
/// this many ms (10 fps): three crops in each colour's 300 ms after its
/// change settles, which is what the light check averages; more would cost
/// certd a mesh each and tell it nothing new.
pub const NEUTRAL_INTERVAL_MS: u64 = 100;
/// When every frame counts (blinks, the frames where an action starts or
/// ends), at most one crop per this many ms (about 16 fps): a blink's closed
/// eyes last 100-150 ms; a 30 fps camera would double the upload for nothing.
pub const DENSE_INTERVAL_MS: u64 = 60;
/// The longest time between two crops the server accepts. Frames without a
/// face are not recorded, so this is also the longest the face may be lost.
pub const MAX_GAP_MS: u64 = 1000;
/// The slowest rate certd accepts, as the median interval between crops: a
/// camera's recording, not a few stills spread over the capture. Where
/// something happens (the neutral face and the screen's colours at the
/// start, each action) the crops stay at their full rate however long the
/// capture; only the waiting between them is thinned to fit the upload
/// budget ([`crate::evidence::Evidence::build`]), so a slow person's 40 s
/// capture still fits and still passes.
pub const MAX_MEDIAN_INTERVAL_MS: u64 = 600;
/// The most crops in one capture (a slow capture starts its sequence again
/// from the neutral face rather than exceed it): ~45 s at the steady rate.
pub const MAX_FRAMES: usize = 360;
/// The fewest crops a passed capture can have: the neutral face plus moves.
pub const MIN_FRAMES: usize = 12;

/// One crop of the sequence as it is uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SequenceFrame {
    /// Milliseconds since the first crop of the sequence.
    pub t_ms: u64,
    /// The square crop in camera-frame pixels: `[x, y, side]` (top left, side).
    pub rect: [f32; 3],
    #[serde(with = "lifecert_domain::api::b64")]
    pub jpeg: Vec<u8>,
}

/// The median time between consecutive crops (0 for fewer than two): the
/// rate [`MAX_MEDIAN_INTERVAL_MS`] bounds, as the phone thins and as certd
/// checks.
pub fn median_interval(frames: &[SequenceFrame]) -> u64 {
    let mut d: Vec<u64> = frames
        .windows(2)
        .map(|w| w[1].t_ms.saturating_sub(w[0].t_ms))
        .collect();
    d.sort_unstable();
    d.get(d.len() / 2).copied().unwrap_or(0)
}

/// The square around a face that both the sequence crop and the frontal use.
pub fn face_square(obs: &FaceObservation) -> [f32; 3] {
    let b = obs.bbox;
    let side = (b[2] - b[0]).max(b[3] - b[1]) * CROP_SCALE;
    let (cx, cy) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
    [cx - side / 2.0, cy - side / 2.0, side]
}

/// `rect` of `img` resampled to `n` x `n` (bilinear; black outside the frame).
/// Runs on every recorded frame, so in fixed point: each column's source
/// pixel and weight (in 1/256ths) are worked out once, each row's too, and
/// blended as the face crops are (`geometry::bilinear_at`). Within one grey
/// level of the exact bilinear value (the weights' rounding moves a sample
/// by at most 1/512 of the step between neighbours).
pub fn sample_square(img: &RgbImage, rect: [f32; 3], n: u32) -> RgbImage {
    let scale = rect[2] / n as f32;
    let raw = img.as_raw();
    // A source coordinate's whole part and fraction (0..=256), for output index `o`.
    let at = |origin: f32, o: u32| {
        let s = origin + (o as f32 + 0.5) * scale - 0.5;
        let whole = s.floor();
        (whole as i32, ((s - whole) * 256.0 + 0.5) as i32)
    };
    let columns: Vec<(i32, i32)> = (0..n).map(|ox| at(rect[0], ox)).collect();
    let (w, h) = (img.width() as i32, img.height() as i32);
    let inner = ((w - 1).max(0) as u32, (h - 1).max(0) as u32);
    let stride = 3 * w as usize;
    let mut out = RgbImage::new(n, n);
    for (oy, row) in out.chunks_exact_mut(3 * n as usize).enumerate() {
        let (y0, fy) = at(rect[1], oy as u32);
        for (p, &(x0, fx)) in row.chunks_exact_mut(3).zip(&columns) {
            // Weights sum to 65536: the result is at most 255 * 65536.
            let mut acc = [0; 3];
            geometry::bilinear_at(raw, w, h, stride, inner, (x0, y0), (fx, fy), &mut acc);
            for (o, a) in p.iter_mut().zip(acc) {
                *o = ((a + 32768) >> 16) as u8;
            }
        }
    }
    out
}

/// Baseline JPEG with colour at half resolution (4:2:0, as cameras write
/// them): the screen-colour check averages colour over parts of the face and
/// the face match reads mostly brightness, and it costs 0.18 ms a 160 px
/// crop against 0.30 at full colour resolution, with smaller uploads.
pub fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, JpegError> {
    let too_big = || JpegError(format!("{}x{} is too big", img.width(), img.height()));
    let (w, h) = (
        u16::try_from(img.width()).map_err(|_| too_big())?,
        u16::try_from(img.height()).map_err(|_| too_big())?,
    );
    let mut jpeg = Vec::with_capacity(img.as_raw().len() / 8);
    let mut enc = jpeg_encoder::Encoder::new(&mut jpeg, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(img.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| JpegError(e.to_string()))?;
    Ok(jpeg)
}

/// A picture that could not be encoded (in memory this is only a size over
/// 65535 px).
#[derive(Debug, thiserror::Error)]
#[error("JPEG encoding: {0}")]
pub struct JpegError(String);

/// Records the sequence during a capture (phone side).
#[derive(Default)]
pub struct SequenceRecorder {
    frames: Vec<SequenceFrame>,
    /// Camera time of the first crop (the sequence's zero).
    origin_ms: Option<u64>,
    last_ms: Option<u64>,
}

impl SequenceRecorder {
    /// Whether a frame at `t_ms` should be recorded, at most one per
    /// `interval` ms (one of the rates above).
    pub fn due(&self, t_ms: u64, interval: u64) -> bool {
        self.last_ms
            .is_none_or(|l| t_ms.saturating_sub(l) >= interval)
    }

    /// Milliseconds since the last recorded crop, if any.
    pub fn since_last(&self, t_ms: u64) -> Option<u64> {
        self.last_ms.map(|l| t_ms.saturating_sub(l))
    }

    pub fn is_full(&self) -> bool {
        self.frames.len() >= MAX_FRAMES
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Crops the face square out of `img`, encodes it and keeps it.
    /// Returns the square, for a frontal picture of the same frame.
    pub fn record(
        &mut self,
        img: &RgbImage,
        obs: &FaceObservation,
        t_ms: u64,
    ) -> Result<[f32; 3], JpegError> {
        let rect = face_square(obs);
        let crop = sample_square(img, rect, SEQUENCE_SIDE);
        let jpeg = encode_jpeg(&crop, SEQUENCE_QUALITY)?;
        let origin = *self.origin_ms.get_or_insert(t_ms);
        self.frames.push(SequenceFrame {
            t_ms: t_ms.saturating_sub(origin),
            rect: rect.map(|v| (v * 10.0).round() / 10.0),
            jpeg,
        });
        self.last_ms = Some(t_ms);
        Ok(rect)
    }

    /// Sequence time of a camera time.
    pub fn relative(&self, t_ms: u64) -> u64 {
        t_ms.saturating_sub(self.origin_ms.unwrap_or(t_ms))
    }

    /// Camera time of the sequence's first crop.
    pub fn origin_ms(&self) -> Option<u64> {
        self.origin_ms
    }

    pub fn frames(&self) -> &[SequenceFrame] {
        &self.frames
    }

    pub fn clear(&mut self) {
        *self = SequenceRecorder::default();
    }
}

/// The frontal picture of one sequence frame, kept in memory until the
/// evidence is built.
#[derive(Clone, Debug)]
pub struct Keyframe {
    /// Sequence time of the frame it was taken from.
    pub t_ms: u64,
    pub image: RgbImage,
}

#[cfg(test)]
mod tests {
    use super::sample_square;
    use image::{Rgb, RgbImage};

    /// The sampler as first written: every tap in floats, rounded once.
    fn reference(img: &RgbImage, rect: [f32; 3], n: u32) -> RgbImage {
        let (w, h) = (img.width() as i64, img.height() as i64);
        let scale = rect[2] / n as f32;
        let px = |x: i64, y: i64| -> [f32; 3] {
            if x < 0 || y < 0 || x >= w || y >= h {
                return [0.0; 3];
            }
            img.get_pixel(x as u32, y as u32).0.map(|v| v as f32)
        };
        RgbImage::from_fn(n, n, |ox, oy| {
            let sy = rect[1] + (oy as f32 + 0.5) * scale - 0.5;
            let sx = rect[0] + (ox as f32 + 0.5) * scale - 0.5;
            let (y0, fy) = (sy.floor() as i64, sy - sy.floor());
            let (x0, fx) = (sx.floor() as i64, sx - sx.floor());
            let (a, b, c, d) = (
                px(x0, y0),
                px(x0 + 1, y0),
                px(x0, y0 + 1),
                px(x0 + 1, y0 + 1),
            );
            Rgb([0, 1, 2].map(|k| {
                let top = a[k] + (b[k] - a[k]) * fx;
                let bottom = c[k] + (d[k] - c[k]) * fx;
                (top + (bottom - top) * fy).round().clamp(0.0, 255.0) as u8
            }))
        })
    }

    #[test]
    fn the_sequence_sampler_is_within_one_grey_level_of_exact_bilinear_inside_and_over_the_edges() {
        let mut state = 7u32;
        let img = RgbImage::from_fn(97, 83, |_, _| {
            Rgb([0; 3].map(|_: u8| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            }))
        });
        for rect in [
            [10.3, 7.7, 50.2],
            [-12.6, -5.1, 120.0],
            [60.9, 40.2, 55.5],
            [0.0, 0.0, 97.0],
            [-3.0, 70.5, 20.0],
        ] {
            for n in [16, 33, 160] {
                let (got, want) = (sample_square(&img, rect, n), reference(&img, rect, n));
                let diffs: Vec<i32> = got
                    .as_raw()
                    .iter()
                    .zip(want.as_raw())
                    .map(|(a, b)| (*a as i32 - *b as i32).abs())
                    .collect();
                assert!(diffs.iter().all(|&d| d <= 1), "{rect:?} {n}");
                // Rounding, not a bias: most values are exact.
                let exact = diffs.iter().filter(|&&d| d == 0).count();
                assert!(exact * 10 > diffs.len() * 8, "{rect:?} {n}: {exact} exact");
            }
        }
    }

    #[test]
    fn a_recorded_crop_decodes_nearly_as_close_to_the_face_as_images_encoder_made_it() {
        let photo = image::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/faces/grace_hopper.jpg"
        ))
        .unwrap()
        .to_rgb8();
        let crop = sample_square(&photo, [60.0, 40.0, 400.0], super::SEQUENCE_SIDE);
        let error = |jpeg: &[u8]| {
            let back = image::load_from_memory(jpeg).unwrap().to_rgb8();
            assert_eq!(back.dimensions(), crop.dimensions());
            let sum: f64 = back
                .as_raw()
                .iter()
                .zip(crop.as_raw())
                .map(|(a, b)| (*a as f64 - *b as f64).abs())
                .sum();
            sum / crop.as_raw().len() as f64
        };
        let ours = super::encode_jpeg(&crop, super::SEQUENCE_QUALITY).unwrap();
        let mut theirs = Vec::new();
        crop.write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut theirs,
            super::SEQUENCE_QUALITY,
        ))
        .unwrap();
        let (e_ours, e_theirs) = (error(&ours), error(&theirs));
        // The same quality and tables, colour at half resolution: a little
        // less faithful on this colourful picture (brightness is not
        // subsampled), and smaller.
        assert!(e_ours <= e_theirs * 1.25, "{e_ours} against {e_theirs}");
        assert!(
            ours.len() < theirs.len(),
            "{} against {}",
            ours.len(),
            theirs.len()
        );
        // The face's colour, which the screen-colour check averages, is kept.
        let back = image::load_from_memory(&ours).unwrap().to_rgb8();
        let mean = |img: &RgbImage, k: usize| {
            let v = img.as_raw().iter().skip(k).step_by(3);
            v.map(|&v| v as f64).sum::<f64>() / (img.as_raw().len() / 3) as f64
        };
        for k in 0..3 {
            let (a, b) = (mean(&back, k), mean(&crop, k));
            assert!((a - b).abs() < 1.0, "channel {k}: {a} against {b}");
        }
    }
}
