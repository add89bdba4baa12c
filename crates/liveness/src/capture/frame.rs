//! Camera frames as the platforms deliver them, turned into the upright,
//! un-mirrored RGB picture the face models expect.
//!
//! Android's CameraX gives YUV_420_888 (three planes with row and pixel
//! strides; NV21 is the same with interleaved chroma) and a rotation; iOS gives
//! BGRA with a row stride. Every size and stride is checked before a byte is
//! read, so a corrupt or mismatched buffer is an error, never a crash.

use image::RgbImage;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PixelFormat {
    Rgba,
    /// iOS `kCVPixelFormatType_32BGRA`.
    Bgra,
    Rgb,
    /// Y plane then interleaved V/U (Android NV21): `row_stride` is the Y row
    /// stride, the chroma rows follow the Y plane with the same stride.
    Nv21,
    /// Android YUV_420_888 as three planes packed one after another: Y
    /// (`row_stride`), then U and V with `chroma_row_stride` and
    /// `chroma_pixel_stride` (1 = planar I420, 2 = semi-planar).
    Yuv420 {
        chroma_row_stride: u32,
        chroma_pixel_stride: u32,
        u_offset: u32,
        v_offset: u32,
    },
}

/// How to read a buffer of pixels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FrameInfo {
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next (for YUV: of the Y plane).
    pub row_stride: u32,
    pub format: PixelFormat,
    /// Clockwise degrees to turn the picture upright: 0, 90, 180 or 270.
    pub rotation: u32,
    /// The buffer is mirrored (a front camera preview): un-mirror it, so
    /// "left" and "right" are the person's own.
    pub mirrored: bool,
    /// Capture time in milliseconds (any monotonic clock).
    pub timestamp_ms: u64,
}

/// Why a frame was not analysed: public (it crosses the FFI), so no variant
/// carries internal detail; that goes to the log where the error is made.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum CaptureError {
    /// The shell described the buffer wrongly (an integration bug): the
    /// capture goes on with the next frame.
    #[error("frame size {width}x{height} is not usable")]
    BadSize { width: u32, height: u32 },
    #[error("row stride {row_stride} is too small for width {width}")]
    BadStride { row_stride: u32, width: u32 },
    #[error("buffer has {actual} bytes, the frame needs {needed}")]
    BufferTooSmall { needed: u64, actual: u64 },
    #[error("rotation {degrees} is not 0, 90, 180 or 270")]
    BadRotation { degrees: u32 },
    /// A recorded picture (replay, device farm) is not a PNG or JPEG.
    #[error("the picture could not be read")]
    Undecodable,
    /// The face check cannot run on this phone: the capture has ended and
    /// the app shows how to certify another way.
    #[error("the face check cannot run")]
    EngineUnavailable,
    /// No capture is running (a frame after the capture ended): drop it.
    #[error("no capture is running")]
    NotCapturing,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl CaptureError {
    /// What to show and say, if the person should hear of it at all.
    pub fn describe(
        &self,
        language: lifecert_domain::i18n::Language,
    ) -> lifecert_domain::i18n::Message {
        use lifecert_domain::{i18n::Message, tr};
        match self {
            CaptureError::EngineUnavailable => Message::same(
                "capture.unavailable",
                tr!(
                    language,
                    "这部手机无法完成刷脸认证。请到社保经办机构或社区服务站认证,行动不便的可申请上门认证",
                    "這部手機無法完成刷臉認證。請到社保經辦機構或社區服務站認證,行動不便的可申請上門認證",
                    "This phone cannot run the face check. Please certify at the social insurance office or a community service centre; if you cannot get there, ask for a home visit"
                ),
            ),
            _ => Message::same(
                "capture.error",
                tr!(
                    language,
                    "摄像头画面出了问题,请重试",
                    "攝像頭畫面出了問題,請重試",
                    "Something went wrong with the camera picture. Please try again"
                ),
            ),
        }
    }
}

/// Frames larger than this on either side are refused (no phone camera
/// preview is bigger; it keeps a bad header from allocating gigabytes).
const MAX_SIDE: u32 = 8192;

impl FrameInfo {
    fn check(&self, len: usize) -> Result<(), CaptureError> {
        let (w, h) = (self.width, self.height);
        if w < 16 || h < 16 || w > MAX_SIDE || h > MAX_SIDE {
            return Err(CaptureError::BadSize {
                width: w,
                height: h,
            });
        }
        if !matches!(self.rotation, 0 | 90 | 180 | 270) {
            return Err(CaptureError::BadRotation {
                degrees: self.rotation,
            });
        }
        let bpp = match self.format {
            PixelFormat::Rgba | PixelFormat::Bgra => 4,
            PixelFormat::Rgb => 3,
            PixelFormat::Nv21 | PixelFormat::Yuv420 { .. } => 1,
        };
        if u64::from(self.row_stride) < u64::from(w) * bpp {
            return Err(CaptureError::BadStride {
                row_stride: self.row_stride,
                width: w,
            });
        }
        let stride = u64::from(self.row_stride);
        let rows = |n: u32, stride: u64, last_row: u64| {
            if n == 0 {
                0
            } else {
                (u64::from(n) - 1) * stride + last_row
            }
        };
        let needed = match self.format {
            PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb => {
                rows(h, stride, u64::from(w) * bpp)
            }
            PixelFormat::Nv21 => {
                stride * u64::from(h) + rows(h.div_ceil(2), stride, u64::from(w.div_ceil(2)) * 2)
            }
            PixelFormat::Yuv420 {
                chroma_row_stride,
                chroma_pixel_stride,
                u_offset,
                v_offset,
            } => {
                let (cw, ch) = (u64::from(w.div_ceil(2)), h.div_ceil(2));
                if chroma_pixel_stride == 0
                    || chroma_pixel_stride > 4
                    || u64::from(chroma_row_stride) < (cw - 1) * u64::from(chroma_pixel_stride) + 1
                {
                    return Err(CaptureError::BadStride {
                        row_stride: chroma_row_stride,
                        width: w,
                    });
                }
                let plane = rows(
                    ch,
                    u64::from(chroma_row_stride),
                    (cw - 1) * u64::from(chroma_pixel_stride) + 1,
                );
                let y = rows(h, stride, u64::from(w));
                y.max(u64::from(u_offset) + plane)
                    .max(u64::from(v_offset) + plane)
            }
        };
        if (len as u64) < needed {
            return Err(CaptureError::BufferTooSmall {
                needed,
                actual: len as u64,
            });
        }
        Ok(())
    }
}

/// Turns camera buffers into upright, un-mirrored RGB in one pass, into one
/// buffer reused from frame to frame: a capture allocates no full frame per
/// frame (rotation and mirroring happen while converting, not after).
pub struct FrameConverter {
    img: RgbImage,
}

impl Default for FrameConverter {
    fn default() -> Self {
        FrameConverter {
            img: RgbImage::new(0, 0),
        }
    }
}

impl FrameConverter {
    /// The frame upright and as the person sees themselves un-mirrored, valid
    /// until the next call.
    pub fn convert(&mut self, pixels: &[u8], info: &FrameInfo) -> Result<&RgbImage, CaptureError> {
        info.check(pixels.len())?;
        let (w, h, stride) = (info.width, info.height, info.row_stride as usize);
        let (uw, uh) = if info.rotation % 180 == 90 {
            (h, w)
        } else {
            (w, h)
        };
        if self.img.dimensions() != (uw, uh) {
            self.img = RgbImage::new(uw, uh);
        }
        let (rotation, mirrored) = (info.rotation, info.mirrored);
        // Where source pixel (x, y) lands: un-mirror, then turn clockwise.
        let place = move |x: u32, y: u32| -> usize {
            let x = if mirrored { w - 1 - x } else { x };
            let (dx, dy) = match rotation {
                90 => (h - 1 - y, x),
                180 => (w - 1 - x, h - 1 - y),
                270 => (y, w - 1 - x),
                _ => (x, y),
            };
            (dy as usize * uw as usize + dx as usize) * 3
        };
        let out: &mut [u8] = &mut self.img;
        match info.format {
            PixelFormat::Rgba | PixelFormat::Bgra | PixelFormat::Rgb => {
                let bpp = if info.format == PixelFormat::Rgb {
                    3
                } else {
                    4
                };
                let bgr = info.format == PixelFormat::Bgra;
                for y in 0..h {
                    let src = &pixels[y as usize * stride..];
                    for x in 0..w {
                        let s = &src[x as usize * bpp..x as usize * bpp + 3];
                        let i = place(x, y);
                        out[i..i + 3].copy_from_slice(&if bgr {
                            [s[2], s[1], s[0]]
                        } else {
                            [s[0], s[1], s[2]]
                        });
                    }
                }
            }
            PixelFormat::Nv21 => {
                let uv = &pixels[stride * h as usize..];
                yuv_into(out, w, h, place, pixels, stride, |x, y| {
                    let i = (y / 2) * stride + (x / 2) * 2;
                    (uv[i + 1], uv[i])
                });
            }
            PixelFormat::Yuv420 {
                chroma_row_stride,
                chroma_pixel_stride,
                u_offset,
                v_offset,
            } => {
                let (crs, cps) = (chroma_row_stride as usize, chroma_pixel_stride as usize);
                let (uo, vo) = (u_offset as usize, v_offset as usize);
                yuv_into(out, w, h, place, pixels, stride, |x, y| {
                    let i = (y / 2) * crs + (x / 2) * cps;
                    (pixels[uo + i], pixels[vo + i])
                });
            }
        }
        Ok(&self.img)
    }
}

/// One frame as a new picture (tools and tests; a capture uses [`FrameConverter`]).
pub fn to_rgb(pixels: &[u8], info: &FrameInfo) -> Result<RgbImage, CaptureError> {
    let mut c = FrameConverter::default();
    c.convert(pixels, info)?;
    Ok(c.img)
}

/// BT.601 limited-range YUV to RGB, as Android cameras produce, each pixel
/// written where `place` puts it.
fn yuv_into(
    out: &mut [u8],
    w: u32,
    h: u32,
    place: impl Fn(u32, u32) -> usize,
    luma: &[u8],
    stride: usize,
    chroma: impl Fn(usize, usize) -> (u8, u8),
) {
    let c = |f: f32| f.round().clamp(0.0, 255.0) as u8;
    for y in 0..h {
        for x in 0..w {
            let (xs, ys) = (x as usize, y as usize);
            let yy = (luma[ys * stride + xs] as f32 - 16.0) * 1.164;
            let (u, v) = chroma(xs, ys);
            let (u, v) = (u as f32 - 128.0, v as f32 - 128.0);
            let i = place(x, y);
            out[i..i + 3].copy_from_slice(&[
                c(yy + 1.596 * v),
                c(yy - 0.392 * u - 0.813 * v),
                c(yy + 2.017 * u),
            ]);
        }
    }
}

/// Decodes an encoded image (PNG, JPEG) into RGB.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, CaptureError> {
    image::load_from_memory(bytes)
        .map(|i| i.to_rgb8())
        .map_err(|e| {
            log::warn!("recorded picture not decoded: {e}");
            CaptureError::Undecodable
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(w: u32, h: u32, stride: u32, format: PixelFormat) -> FrameInfo {
        FrameInfo {
            width: w,
            height: h,
            row_stride: stride,
            format,
            rotation: 0,
            mirrored: false,
            timestamp_ms: 0,
        }
    }

    #[test]
    fn bgra_with_row_padding_becomes_rgb() {
        let (w, h, stride) = (16u32, 16u32, 80u32);
        let mut buf = vec![0u8; (stride * h) as usize];
        for y in 0..h as usize {
            for x in 0..w as usize {
                buf[y * stride as usize + x * 4..][..4].copy_from_slice(&[10, 20, 30, 255]);
            }
        }
        let img = to_rgb(&buf, &info(w, h, stride, PixelFormat::Bgra)).unwrap();
        assert_eq!(img.get_pixel(5, 7).0, [30, 20, 10]);
    }

    #[test]
    fn nv21_grey_and_colour_convert_like_bt601() {
        let (w, h) = (16u32, 16u32);
        let mut buf = vec![0u8; (w * h * 3 / 2) as usize];
        buf[..(w * h) as usize].fill(126); // grey luma
        for c in buf[(w * h) as usize..].chunks_mut(2) {
            c.copy_from_slice(&[240, 90]); // V high, U low: red
        }
        let img = to_rgb(&buf, &info(w, h, w, PixelFormat::Nv21)).unwrap();
        let p = img.get_pixel(3, 3).0;
        assert!(p[0] > 200 && p[1] < 100 && p[2] < 100, "{p:?}");
    }

    #[test]
    fn planar_yuv420_matches_nv21_of_the_same_picture() {
        let (w, h) = (16u32, 16u32);
        let n = (w * h) as usize;
        let mut nv21 = vec![0u8; n * 3 / 2];
        let mut i420 = vec![0u8; n * 3 / 2];
        for i in 0..n {
            nv21[i] = (i * 7 % 256) as u8;
            i420[i] = nv21[i];
        }
        for i in 0..n / 4 {
            let (u, v) = ((i * 13 % 256) as u8, (i * 29 % 256) as u8);
            nv21[n + 2 * i] = v;
            nv21[n + 2 * i + 1] = u;
            i420[n + i] = u;
            i420[n + n / 4 + i] = v;
        }
        let planar = PixelFormat::Yuv420 {
            chroma_row_stride: w / 2,
            chroma_pixel_stride: 1,
            u_offset: n as u32,
            v_offset: (n + n / 4) as u32,
        };
        assert_eq!(
            to_rgb(&nv21, &info(w, h, w, PixelFormat::Nv21)).unwrap(),
            to_rgb(&i420, &info(w, h, w, planar)).unwrap()
        );
    }

    #[test]
    fn rotation_and_mirroring_make_the_picture_upright_and_unmirrored() {
        let (w, h) = (32u32, 16u32);
        let mut buf = vec![0u8; (w * h * 3) as usize];
        buf[..3].copy_from_slice(&[255, 0, 0]); // red top-left
        let mut i = info(w, h, w * 3, PixelFormat::Rgb);
        i.rotation = 90;
        let img = to_rgb(&buf, &i).unwrap();
        assert_eq!((img.width(), img.height()), (16, 32));
        assert_eq!(
            img.get_pixel(15, 0).0,
            [255, 0, 0],
            "top-left turns to top-right"
        );
        i.rotation = 0;
        i.mirrored = true;
        assert_eq!(to_rgb(&buf, &i).unwrap().get_pixel(31, 0).0, [255, 0, 0]);
    }

    #[test]
    fn one_pass_conversion_matches_flip_then_rotate_for_every_orientation() {
        let (w, h) = (23u32, 17u32);
        let src = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([x as u8 * 11, y as u8 * 15, (x * y) as u8])
        });
        let mut c = FrameConverter::default();
        for mirrored in [false, true] {
            for rotation in [0, 90, 180, 270] {
                let mut i = info(w, h, w * 3, PixelFormat::Rgb);
                (i.rotation, i.mirrored) = (rotation, mirrored);
                let mut want = src.clone();
                if mirrored {
                    image::imageops::flip_horizontal_in_place(&mut want);
                }
                let want = match rotation {
                    90 => image::imageops::rotate90(&want),
                    180 => image::imageops::rotate180(&want),
                    270 => image::imageops::rotate270(&want),
                    _ => want,
                };
                // The same converter each time: its buffer follows the shape.
                let got = c.convert(src.as_raw(), &i).unwrap();
                assert_eq!(got, &want, "rotation {rotation}, mirrored {mirrored}");
            }
        }
    }

    #[test]
    fn corrupt_or_mismatched_buffers_are_errors() {
        let rgba = |w, h, s| info(w, h, s, PixelFormat::Rgba);
        assert_eq!(
            to_rgb(&[0; 100], &rgba(16, 16, 64)),
            Err(CaptureError::BufferTooSmall {
                needed: 1024,
                actual: 100
            })
        );
        assert_eq!(
            to_rgb(&[0; 4096], &rgba(16, 16, 32)),
            Err(CaptureError::BadStride {
                row_stride: 32,
                width: 16
            })
        );
        assert_eq!(
            to_rgb(&[], &rgba(0, 16, 0)),
            Err(CaptureError::BadSize {
                width: 0,
                height: 16
            })
        );
        assert_eq!(
            to_rgb(&[], &rgba(100_000, 16, 400_000)),
            Err(CaptureError::BadSize {
                width: 100_000,
                height: 16
            })
        );
        let mut bad = rgba(16, 16, 64);
        bad.rotation = 45;
        assert_eq!(
            to_rgb(&[0; 1024], &bad),
            Err(CaptureError::BadRotation { degrees: 45 })
        );
        let planar = PixelFormat::Yuv420 {
            chroma_row_stride: 8,
            chroma_pixel_stride: 1,
            u_offset: 256,
            v_offset: 1_000_000,
        };
        assert!(matches!(
            to_rgb(&[0; 384], &info(16, 16, 16, planar)),
            Err(CaptureError::BufferTooSmall { .. })
        ));
        assert!(matches!(
            decode(b"not a jpeg"),
            Err(CaptureError::Undecodable)
        ));
    }
}
