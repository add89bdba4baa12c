//! One eye's lid contour and iris, and how open it is (for blinks). The
//! attention mesh gives both eyes (`attention.rs`); the plain FaceMesh
//! under-reports closed eyes (MediaPipe issues #965, #1919), so blinks are
//! measured on these refined lids only.

/// One eye: 16 lid points (0..8 lower lid corner to corner, 9..15 upper lid) and
/// 5 iris points (centre first), in image pixels.
#[derive(Clone, Debug)]
pub struct Eye {
    pub lids: [[f32; 2]; 16],
    pub iris: [[f32; 2]; 5],
}

impl Eye {
    /// Lid gap over eye width: about 0.15-0.3 open, near 0 closed. The upper
    /// point k+8 sits above the lower point k for k = 1..7.
    pub fn openness(&self) -> f32 {
        let d = |a: [f32; 2], b: [f32; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
        let width = d(self.lids[0], self.lids[8]).max(1e-3);
        let gaps: f32 = (1..=7).map(|k| d(self.lids[k + 8], self.lids[k])).sum();
        gaps / 7.0 / width
    }
}
