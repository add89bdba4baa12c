//! Plays a folder of frames (`frame_000.png`, `frame_001.jpg`, ... in name
//! order) at a given fps as if it were the camera: the input of the tests and
//! of the apps' device-farm mode, where no live face is in front of the phone.

use super::frame::{decode, CaptureError};
use image::RgbImage;
use std::path::{Path, PathBuf};

pub struct Replay {
    files: Vec<PathBuf>,
    fps: f32,
    next: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read the folder {0}: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("no frame_NNN.png or .jpg files in {0}")]
    Empty(PathBuf),
    #[error("fps must be between 1 and 120, not {0}")]
    BadFps(f32),
    #[error("{0}: {1}")]
    Frame(PathBuf, CaptureError),
}

impl Replay {
    pub fn open(dir: &Path, fps: f32) -> Result<Replay, ReplayError> {
        if !(1.0..=120.0).contains(&fps) {
            return Err(ReplayError::BadFps(fps));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ReplayError::Folder(dir.to_owned(), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_frame(p))
            .collect();
        if files.is_empty() {
            return Err(ReplayError::Empty(dir.to_owned()));
        }
        files.sort();
        Ok(Replay {
            files,
            fps,
            next: 0,
        })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

fn is_frame(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    name.starts_with("frame_") && matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg"))
}

impl Iterator for Replay {
    /// The frame's timestamp in ms and its picture (or why it could not be read).
    type Item = (u64, Result<RgbImage, ReplayError>);

    fn next(&mut self) -> Option<Self::Item> {
        let path = self.files.get(self.next)?.clone();
        let t_ms = (self.next as f64 * 1000.0 / self.fps as f64).round() as u64;
        self.next += 1;
        let img = std::fs::read(&path)
            .map_err(|e| {
                log::warn!("{}: {e}", path.display());
                CaptureError::Undecodable
            })
            .and_then(|b| decode(&b))
            .map_err(|e| ReplayError::Frame(path, e));
        Some((t_ms, img))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plays_frames_in_name_order_with_timestamps_and_reports_a_corrupt_one() {
        let dir = std::env::temp_dir().join(format!("lifecert-replay-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (i, shade) in [(0u8, 10u8), (1, 20), (2, 30)] {
            RgbImage::from_pixel(16, 16, image::Rgb([shade; 3]))
                .save(dir.join(format!("frame_{i:03}.png")))
                .unwrap();
        }
        std::fs::write(dir.join("frame_003.jpg"), b"garbage").unwrap();
        std::fs::write(dir.join("notes.txt"), b"ignored").unwrap();
        let frames: Vec<_> = Replay::open(&dir, 10.0).unwrap().collect();
        assert_eq!(frames.len(), 4);
        assert_eq!(
            frames.iter().map(|f| f.0).collect::<Vec<_>>(),
            vec![0, 100, 200, 300]
        );
        assert_eq!(frames[1].1.as_ref().unwrap().get_pixel(0, 0).0, [20; 3]);
        assert!(matches!(frames[3].1, Err(ReplayError::Frame(..))));
        assert!(matches!(
            Replay::open(&dir, 0.0),
            Err(ReplayError::BadFps(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            Replay::open(&dir, 10.0),
            Err(ReplayError::Folder(..))
        ));
    }
}
