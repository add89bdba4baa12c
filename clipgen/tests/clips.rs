//! Behaviour of the generated clips: geometry of the ground truth, pixels of
//! the frames, timing, determinism and the files written.

mod common;
use common::*;
use lifecert_clipgen::ids;
use lifecert_clipgen::warp::{self, Image3};
use lifecert_clipgen::*;

const GRACE: &str = "grace_hopper.jpg";

fn lid_gaps(lm: &[[f32; 3]]) -> [f32; 2] {
    ids::LID_CENTRE_PAIRS.map(|(u, l)| dist(lm[u], lm[l]))
}

fn lip_gap(lm: &[[f32; 3]]) -> f32 {
    dist(lm[ids::UPPER_LIP_INNER], lm[ids::LOWER_LIP_INNER])
}

fn face_width(lm: &[[f32; 3]]) -> f32 {
    dist(lm[ids::CHEEKS[0]], lm[ids::CHEEKS[1]])
}

fn peak_frames(clip: &Clip, action: Action) -> std::ops::Range<usize> {
    let seg = clip
        .truth
        .segments
        .iter()
        .find(|s| s.action == action)
        .unwrap();
    let [a, b] = seg.peak.expect("action reaches its peak");
    a..b
}

/// Landmarks of frame `i` with the camera jitter taken out.
fn unjittered(clip: &Clip, i: usize) -> Vec<[f32; 3]> {
    let f = &clip.truth.frames[i];
    f.landmarks
        .iter()
        .map(|p| [p[0] - f.jitter[0], p[1] - f.jitter[1], p[2]])
        .collect()
}

fn mean_abs_diff(a: &image::RgbImage, b: &image::RgbImage) -> f64 {
    let s: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| (*x as i32 - *y as i32).unsigned_abs() as u64)
        .sum();
    s as f64 / a.as_raw().len() as f64
}

#[test]
fn warp_with_zero_displacement_reproduces_the_image() {
    let (photo, lm) = fixture(GRACE, 0);
    let src = Image3::from_rgb(&photo);
    let rig = FaceRig::new(&lm, photo.width(), photo.height());
    // A thousandth of a pixel: every triangle counts as moved and is drawn.
    let dst: Vec<[f32; 2]> = rig
        .mesh
        .src
        .iter()
        .map(|p| [p[0] + 1e-3, p[1] + 1e-3])
        .collect();
    let depth = vec![0.0; dst.len()];
    let mut out = Image3::new(src.width, src.height, [255.0, 0.0, 255.0]);
    let stats = warp::warp_mesh(&src, &rig.mesh, &dst, &depth, [0.0, 0.0], &mut out);
    assert_eq!(stats.drawn, rig.mesh.triangles.len());
    assert_eq!(stats.folded, 0);
    let mut max = 0.0f32;
    let mut sum = 0.0f64;
    for (a, b) in out.data.iter().zip(&src.data) {
        for c in 0..3 {
            let d = (a[c] - b[c]).abs();
            max = max.max(d);
            sum += d as f64;
        }
    }
    let mean = sum / (3 * src.data.len()) as f64;
    assert!(max < 1.0, "max error {max}");
    assert!(mean < 0.02, "mean error {mean}");
}

#[test]
fn warp_by_whole_pixels_is_an_exact_shift() {
    let (photo, lm) = fixture(GRACE, 0);
    let src = Image3::from_rgb(&photo);
    let rig = FaceRig::new(&lm, photo.width(), photo.height());
    let dst: Vec<[f32; 2]> = rig
        .mesh
        .src
        .iter()
        .map(|p| [p[0] + 3.0, p[1] - 2.0])
        .collect();
    let depth = vec![0.0; dst.len()];
    let mut out = Image3::new(src.width, src.height, [0.0; 3]);
    warp::warp_mesh(&src, &rig.mesh, &dst, &depth, [0.0, 0.0], &mut out);
    for y in 10..src.height - 10 {
        for x in 10..src.width - 10 {
            let a = out.data[y * src.width + x];
            let b = src.data[(y + 2) * src.width + x - 3];
            for c in 0..3 {
                assert!((a[c] - b[c]).abs() < 0.05, "({x},{y}) {a:?} vs {b:?}");
            }
        }
    }
}

#[test]
fn neutral_clip_without_noise_is_the_photo() {
    let (photo, lm) = fixture(GRACE, 0);
    let script = ClipScript::new()
        .then_for(Action::Neutral, 0.2)
        .with_noise(NoiseParams::none());
    let clip = render(&photo, &lm, &script);
    assert_eq!(clip.frames.len(), 3);
    for f in &clip.frames {
        assert_eq!(f, &photo);
    }
    assert_eq!(clip.truth.frames[1].landmarks, lm);
}

#[test]
fn blink_closes_the_lids_and_neutral_frames_keep_them() {
    for (file, face) in ALL_FACES {
        let (photo, lm) = fixture(file, face);
        let rest = lid_gaps(&lm);
        let script = ClipScript::single(Action::Blink).with_noise(NoiseParams::none());
        let clip = render(&photo, &lm, &script);
        let peak = peak_frames(&clip, Action::Blink);
        assert!(!peak.is_empty());
        for i in peak {
            let gap = lid_gaps(&clip.truth.frames[i].landmarks);
            for e in 0..2 {
                assert!(
                    gap[e] < 0.06 * rest[e],
                    "{file}/{face} frame {i}: gap {gap:?} vs rest {rest:?}"
                );
            }
            // Every lid pair, not just the centre one.
            for eye in ids::EYES {
                for k in 0..7 {
                    let f = &clip.truth.frames[i].landmarks;
                    let open = dist(lm[eye.upper_lid[k]], lm[eye.lower_lid[k + 1]]);
                    let shut = dist(f[eye.upper_lid[k]], f[eye.lower_lid[k + 1]]);
                    // The pairs next to the corners may close a little less
                    // (the rig never folds the mesh there).
                    let limit = if k == 0 || k == 6 { 0.5 } else { 0.3 };
                    assert!(
                        shut <= limit * open + 0.05,
                        "{file}/{face} pair {k}: {shut} of {open}"
                    );
                }
            }
            // The mouth stays as it is.
            assert!((lip_gap(&clip.truth.frames[i].landmarks) - lip_gap(&lm)).abs() < 1e-3);
        }
        for (i, f) in clip.truth.frames.iter().enumerate() {
            if f.action.is_none() {
                let gap = lid_gaps(&f.landmarks);
                assert!(
                    (gap[0] - rest[0]).abs() < 1e-3 && (gap[1] - rest[1]).abs() < 1e-3,
                    "frame {i}"
                );
            }
        }
    }
}

#[test]
fn blink_changes_pixels_only_around_the_eyes() {
    let (photo, lm) = fixture(GRACE, 0);
    let script = ClipScript::single(Action::Blink).with_noise(NoiseParams::none());
    let clip = render(&photo, &lm, &script);
    let i = peak_frames(&clip, Action::Blink).start;
    let frame = &clip.frames[i];
    // Bounding box of the mesh triangles that touch a landmark that moves
    // in a blink, plus a pixel.
    let moved: Vec<usize> = (0..lm.len())
        .filter(|&k| dist(lm[k], clip.truth.frames[i].landmarks[k]) > 1e-4)
        .collect();
    assert!(moved.len() >= 28, "lids and their rings move");
    let rig = FaceRig::new(&lm, photo.width(), photo.height());
    let touched: Vec<[f32; 2]> = rig
        .mesh
        .triangles
        .iter()
        .filter(|t| t.iter().any(|&v| moved.contains(&(v as usize))))
        .flat_map(|t| t.map(|v| rig.mesh.src[v as usize]))
        .collect();
    let x0 = touched.iter().map(|p| p[0]).fold(f32::MAX, f32::min) - 1.0;
    let x1 = touched.iter().map(|p| p[0]).fold(f32::MIN, f32::max) + 1.0;
    let y0 = touched.iter().map(|p| p[1]).fold(f32::MAX, f32::min) - 1.0;
    let y1 = touched.iter().map(|p| p[1]).fold(f32::MIN, f32::max) + 1.0;
    // Two eyes' worth of area, not the face.
    assert!((x1 - x0) < 0.8 * face_width(&lm) && (y1 - y0) < 0.4 * face_width(&lm));
    let mut changed_inside = 0;
    for (x, y, p) in frame.enumerate_pixels() {
        let inside = (x as f32) >= x0 && (x as f32) <= x1 && (y as f32) >= y0 && (y as f32) <= y1;
        if inside {
            changed_inside += (p != photo.get_pixel(x, y)) as usize;
        } else {
            assert_eq!(
                p,
                photo.get_pixel(x, y),
                "pixel ({x},{y}) outside the eyes changed"
            );
        }
    }
    assert!(
        changed_inside > 300,
        "only {changed_inside} eye pixels changed"
    );
    // The dark iris is covered by lid skin: the eye gets lighter on average.
    let eye_mean = |img: &image::RgbImage, (u, l): (usize, usize)| {
        let cx = (lm[u][0] + lm[l][0]) / 2.0;
        let cy = (lm[u][1] + lm[l][1]) / 2.0;
        let mut s = 0.0;
        let mut n = 0.0;
        for y in (cy - 2.0) as u32..=(cy + 2.0) as u32 {
            for x in (cx - 2.0) as u32..=(cx + 2.0) as u32 {
                let p = img.get_pixel(x, y);
                s += (p[0] as f32 + p[1] as f32 + p[2] as f32) / 3.0;
                n += 1.0;
            }
        }
        s / n
    };
    for pair in ids::LID_CENTRE_PAIRS {
        assert!(
            eye_mean(frame, pair) > eye_mean(&photo, pair) + 15.0,
            "iris still visible at {pair:?}"
        );
    }
}

#[test]
fn mouth_opens_dark_and_leaves_the_eyes() {
    let clip = single_clip(GRACE, 0, Action::MouthOpen);
    let (_, lm) = fixture(GRACE, 0);
    let width = dist(lm[ids::MOUTH_CORNERS[0]], lm[ids::MOUTH_CORNERS[1]]);
    let peak = peak_frames(clip, Action::MouthOpen);
    for i in peak.clone() {
        let f = &clip.truth.frames[i].landmarks;
        assert!(
            lip_gap(f) > 0.35 * width,
            "lip gap {} of width {width}",
            lip_gap(f)
        );
        assert!(
            f[ids::CHIN][1] > lm[ids::CHIN][1] + 0.3 * width,
            "chin drops"
        );
        let g = lid_gaps(f);
        let r = lid_gaps(&lm);
        assert!((g[0] - r[0]).abs() < 1e-3 && (g[1] - r[1]).abs() < 1e-3);
    }
    // Inside the opened lips the frame is dark (the mouth cavity).
    let i = peak.start;
    let f = &clip.truth.frames[i].landmarks;
    let (cx, cy) = (
        (f[ids::UPPER_LIP_INNER][0] + f[ids::LOWER_LIP_INNER][0]) / 2.0,
        (f[ids::UPPER_LIP_INNER][1] + f[ids::LOWER_LIP_INNER][1]) / 2.0,
    );
    let mut s = 0.0;
    for dy in -3..=3 {
        for dx in -6..=6 {
            let p = clip.frames[i].get_pixel((cx as i32 + dx) as u32, (cy as i32 + dy) as u32);
            s += (p[0] as f32 + p[1] as f32 + p[2] as f32) / 3.0;
        }
    }
    let mean = s / 91.0;
    assert!(mean < 45.0, "cavity mean {mean}");
}

#[test]
fn turn_left_moves_the_nose_to_image_right_more_than_the_outline() {
    let clip = single_clip(GRACE, 0, Action::TurnLeft);
    let (_, lm) = fixture(GRACE, 0);
    let fw = face_width(&lm);
    let i = peak_frames(clip, Action::TurnLeft).start;
    assert!(clip.truth.frames[i].pose.yaw_deg > 20.0);
    let f = unjittered(clip, i);
    let dx = |k: usize| f[k][0] - lm[k][0];
    let nose = dx(ids::NOSE_TIP);
    assert!(nose > 0.25 * fw, "nose moved {nose} px of face width {fw}");
    for cheek in ids::CHEEKS {
        assert!(
            nose > dx(cheek) + 0.15 * fw,
            "nose {nose} vs cheek {cheek}: {}",
            dx(cheek)
        );
    }
    // The far (image-right) half compresses, the near half widens.
    let far = f[ids::CHEEKS[1]][0] - f[ids::NOSE_TIP][0];
    let far0 = lm[ids::CHEEKS[1]][0] - lm[ids::NOSE_TIP][0];
    let near = f[ids::NOSE_TIP][0] - f[ids::CHEEKS[0]][0];
    let near0 = lm[ids::NOSE_TIP][0] - lm[ids::CHEEKS[0]][0];
    assert!(
        far < 0.7 * far0 && near > 1.1 * near0,
        "far {far0}->{far}, near {near0}->{near}"
    );
    // Not an affine image motion: a 3-D rotation seen in 2-D.
    let rms = affine_rms(&lm, &f);
    assert!(rms > 0.02 * fw as f64, "affine fit rms {rms}");
}

#[test]
fn turn_right_is_the_mirror() {
    let clip = single_clip(GRACE, 0, Action::TurnRight);
    let (_, lm) = fixture(GRACE, 0);
    let i = peak_frames(clip, Action::TurnRight).start;
    assert!(clip.truth.frames[i].pose.yaw_deg < -20.0);
    let f = unjittered(clip, i);
    let nose = f[ids::NOSE_TIP][0] - lm[ids::NOSE_TIP][0];
    assert!(nose < -0.25 * face_width(&lm));
    for cheek in ids::CHEEKS {
        assert!(nose < f[cheek][0] - lm[cheek][0] - 0.15 * face_width(&lm));
    }
}

#[test]
fn nod_moves_the_nose_down_more_than_the_chin() {
    let clip = single_clip(GRACE, 0, Action::Nod);
    let (_, lm) = fixture(GRACE, 0);
    let i = peak_frames(clip, Action::Nod).start;
    assert!(clip.truth.frames[i].pose.pitch_deg > 12.0);
    let f = unjittered(clip, i);
    let dy = |k: usize| f[k][1] - lm[k][1];
    assert!(dy(ids::NOSE_TIP) > 0.1 * face_width(&lm));
    assert!(dy(ids::NOSE_TIP) > dy(ids::CHIN) + 0.05 * face_width(&lm));
    // Nose to chin shortens (foreshortening of the lower face).
    let nc = |p: &[[f32; 3]]| p[ids::CHIN][1] - p[ids::NOSE_TIP][1];
    assert!(nc(&f) < 0.9 * nc(&lm));
}

/// What a liveness engine measures, on the truth landmarks: each action must
/// show in its own clip and in no other.
#[test]
fn each_action_moves_only_its_own_feature() {
    let (_, lm) = fixture(GRACE, 0);
    let fw = face_width(&lm);
    let lids0 = lid_gaps(&lm);
    let lip0 = lip_gap(&lm);
    let mouth_w = dist(lm[ids::MOUTH_CORNERS[0]], lm[ids::MOUTH_CORNERS[1]]);
    let features = |p: &[[f32; 3]]| {
        let lids = lid_gaps(p);
        let closed = lids[0] < 0.3 * lids0[0] && lids[1] < 0.3 * lids0[1];
        let open = lip_gap(p) > lip0 + 0.3 * mouth_w;
        // Nose relative to the cheeks' midpoint, in face widths.
        let mid = (p[ids::CHEEKS[0]][0] + p[ids::CHEEKS[1]][0]) / 2.0;
        let mid0 = (lm[ids::CHEEKS[0]][0] + lm[ids::CHEEKS[1]][0]) / 2.0;
        let yaw = ((p[ids::NOSE_TIP][0] - mid) - (lm[ids::NOSE_TIP][0] - mid0)) / fw;
        let midy = (p[ids::FOREHEAD][1] + p[ids::CHIN][1]) / 2.0;
        let midy0 = (lm[ids::FOREHEAD][1] + lm[ids::CHIN][1]) / 2.0;
        let pitch = ((p[ids::NOSE_TIP][1] - midy) - (lm[ids::NOSE_TIP][1] - midy0)) / fw;
        [closed, open, yaw > 0.1, yaw < -0.1, pitch > 0.05]
    };
    for (k, action) in Action::CHALLENGES.into_iter().enumerate() {
        let clip = single_clip(GRACE, 0, action);
        let mut seen = [false; 5];
        for i in 0..clip.frames.len() {
            let f = features(&unjittered(clip, i));
            for j in 0..5 {
                seen[j] |= f[j];
                if f[j] {
                    assert_eq!(
                        clip.label(i),
                        Some(action),
                        "{action:?} frame {i} shows feature {j}"
                    );
                }
            }
        }
        for (j, s) in seen.iter().enumerate() {
            assert_eq!(*s, j == k, "{action:?}: feature {j} seen = {s}");
        }
    }
}

#[test]
fn expressions_never_fold_the_mesh() {
    for (file, face) in ALL_FACES {
        let (photo, lm) = fixture(file, face);
        let rig = FaceRig::new(&lm, photo.width(), photo.height());
        for step in 1..=20 {
            let k = step as f32 / 20.0;
            for pose in [
                Pose {
                    eye_closure: k,
                    ..Pose::default()
                },
                Pose {
                    jaw_open: k,
                    ..Pose::default()
                },
            ] {
                let (dst, _) = rig.targets(&rig.landmarks(&pose));
                let folded = rig.mesh.flipped(&dst);
                assert!(
                    folded.is_empty(),
                    "{file}/{face} {pose:?}: {} folds",
                    folded.len()
                );
            }
        }
    }
}

#[test]
fn planar_motion_is_exactly_a_homography_of_the_first_frame() {
    let clip = single_clip(GRACE, 0, Action::PlanarMotion);
    assert!(clip.truth.attack);
    let first = &clip.truth.frames[0].landmarks;
    let mut max_move = 0.0f32;
    let mut max_persp = 0.0f64;
    for (i, f) in clip.truth.frames.iter().enumerate() {
        let r = homography_residual(first, &f.landmarks);
        assert!(r < 0.01, "frame {i}: homography residual {r}");
        for (a, b) in first.iter().zip(&f.landmarks) {
            max_move = max_move.max(dist(*a, *b));
        }
        let h = f.homography.unwrap();
        max_persp = max_persp.max(h[2][0].abs().max(h[2][1].abs()));
        assert_eq!(f.action, Some(Action::PlanarMotion));
    }
    assert!(max_move > 30.0, "the print moves ({max_move} px)");
    assert!(
        max_persp > 1e-4,
        "with out-of-plane tilt (perspective {max_persp})"
    );
    // The pixels follow the same homography: the nose tip's neighbourhood
    // lands where the truth says.
    let (photo, lm) = fixture(GRACE, 0);
    let i = clip.frames.len() / 2;
    let q = clip.truth.frames[i].landmarks[ids::NOSE_TIP];
    let p = lm[ids::NOSE_TIP];
    let a = clip.frames[i].get_pixel(q[0] as u32, q[1] as u32);
    let b = photo.get_pixel(p[0] as u32, p[1] as u32);
    for c in 0..3 {
        assert!((a[c] as i32 - b[c] as i32).abs() < 40, "{a:?} vs {b:?}");
    }
}

#[test]
fn still_photo_is_the_photo_plus_sensor_noise() {
    let clip = single_clip(GRACE, 0, Action::StillPhoto);
    let (photo, lm) = fixture(GRACE, 0);
    assert!(clip.truth.attack);
    for (i, f) in clip.frames.iter().enumerate() {
        assert_eq!(clip.truth.frames[i].landmarks, lm);
        assert_eq!(clip.truth.frames[i].jitter, [0.0, 0.0]);
        let d = mean_abs_diff(f, &photo);
        assert!(d > 0.3 && d < 5.0, "frame {i}: mean diff {d}");
    }
    assert_ne!(
        clip.frames[0], clip.frames[1],
        "noise differs frame to frame"
    );
}

#[test]
fn live_frames_have_jitter_and_noise() {
    let clip = single_clip(GRACE, 0, Action::Blink);
    let j: Vec<[f32; 2]> = clip.truth.frames.iter().map(|f| f.jitter).collect();
    assert!(j.iter().all(|v| v[0].abs() <= 1.0 && v[1].abs() <= 1.0));
    assert!(j.iter().any(|v| v[0].abs() > 0.1), "some jitter");
    assert!(
        clip.truth
            .frames
            .iter()
            .any(|f| (f.gain - 1.0).abs() > 0.003),
        "some flicker"
    );
    assert_ne!(clip.frames[0], clip.frames[1]);
}

#[test]
fn frame_counts_follow_duration_times_fps() {
    let (photo, lm) = fixture("astronaut.jpg", 0);
    for (fps, script) in [
        (15.0, ClipScript::single(Action::Blink)),
        (10.0, ClipScript::challenge(&[Action::Blink, Action::Nod])),
        (
            24.0,
            ClipScript::new()
                .then_for(Action::Neutral, 0.3)
                .then_for(Action::MouthOpen, 0.7),
        ),
    ] {
        let script = script.with_fps(fps).with_noise(NoiseParams::none());
        let secs: f64 = script.segments.iter().map(|s| s.duration_s as f64).sum();
        let expect = (secs * fps as f64).round() as usize;
        assert_eq!(script.frame_count(), expect);
        let clip = render(&photo, &lm, &script);
        assert_eq!(clip.frames.len(), expect);
        assert_eq!(clip.truth.frames.len(), expect);
        assert_eq!(clip.truth.frame_count, expect);
        // Segments tile the clip, each about duration × fps long.
        let mut next = 0;
        for (s, seg) in clip.truth.segments.iter().zip(&script.segments) {
            assert_eq!(s.start, next);
            next = s.end;
            let want = seg.duration_s * fps;
            assert!(((s.end - s.start) as f32 - want).abs() <= 1.0);
            for i in s.start..s.end {
                let label = (s.action != Action::Neutral).then_some(s.action);
                assert_eq!(clip.label(i), label);
            }
        }
        assert_eq!(next, expect);
    }
}

#[test]
fn blink_timing_at_15_fps() {
    let clip = single_clip(GRACE, 0, Action::Blink);
    let seg = clip
        .truth
        .segments
        .iter()
        .find(|s| s.action == Action::Blink)
        .unwrap();
    let [m0, m1] = seg.moving.unwrap();
    let [p0, p1] = seg.peak.unwrap();
    // Close ~100 ms, hold ~100 ms, open ~150 ms: 350 ms is ~5 frames.
    assert!((3..=6).contains(&(m1 - m0)), "moving {m0}..{m1}");
    assert!(p1 > p0, "at least one fully closed frame");
    assert!(m0 >= seg.start && m1 <= seg.end);
}

#[test]
fn challenge_sequence_has_each_action_in_order() {
    let order = [Action::TurnRight, Action::Blink, Action::MouthOpen];
    let s = ClipScript::challenge(&order);
    let actions: Vec<Action> = s.segments.iter().map(|g| g.action).collect();
    assert_eq!(
        actions,
        [
            Action::Neutral,
            Action::TurnRight,
            Action::Neutral,
            Action::Blink,
            Action::Neutral,
            Action::MouthOpen,
            Action::Neutral
        ]
    );
    assert_eq!(
        s.segments[0].duration_s,
        lifecert_clipgen::script::LEAD_IN_S
    );
    assert_eq!(s.segments[2].duration_s, 0.6);
}

#[test]
fn same_seed_same_clip_other_seed_other_noise() {
    let (photo, lm) = fixture("astronaut.jpg", 0);
    let script = ClipScript::new()
        .then_for(Action::Neutral, 0.2)
        .then_for(Action::PlanarMotion, 0.6)
        .then_for(Action::Blink, 0.4)
        .with_seed(7);
    let a = render(&photo, &lm, &script);
    let b = render(&photo, &lm, &script);
    assert_eq!(a.frames, b.frames);
    assert_eq!(a.truth, b.truth);
    let c = render(&photo, &lm, &script.clone().with_seed(8));
    assert_ne!(a.frames[1], c.frames[1]);
    assert_ne!(a.truth.frames[1].jitter, c.truth.frames[1].jitter);
}

#[test]
fn write_dir_writes_frames_and_truth() {
    let clip = single_clip(GRACE, 0, Action::Blink);
    let dir = std::env::temp_dir().join(format!("clipgen-test-{}", std::process::id()));
    clip.write_dir(&dir).unwrap();
    let n = clip.frames.len();
    for i in 0..n {
        let f = image::open(dir.join(format!("frame_{i:03}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(f, clip.frames[i], "PNG is lossless");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap();
    assert_eq!(json["fps"], 15.0);
    assert_eq!(json["frame_count"].as_u64(), Some(n as u64));
    assert_eq!(json["frames"].as_array().unwrap().len(), n);
    assert_eq!(json["frames"][0]["action"], serde_json::Value::Null);
    assert_eq!(
        json["frames"][0]["landmarks"].as_array().unwrap().len(),
        468
    );
    let blink = &json["segments"][1];
    assert_eq!(blink["action"], "blink");
    let (s, e) = (
        blink["start"].as_u64().unwrap(),
        blink["end"].as_u64().unwrap(),
    );
    assert!(s < e);
    assert_eq!(json["frames"][s as usize]["action"], "blink");
    let back: Truth = serde_json::from_value(json).unwrap();
    assert_eq!(back.segments, clip.truth.segments);

    let jdir = dir.join("jpeg");
    clip.write_dir_as(&jdir, FrameFormat::Jpeg(90)).unwrap();
    let f = image::open(jdir.join("frame_000.jpg")).unwrap().to_rgb8();
    assert!(mean_abs_diff(&f, &clip.frames[0]) < 4.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reference_loading_errors() {
    let json = faces_dir().join("reference_landmarks.json");
    assert!(matches!(
        load_reference_landmarks(&json, "nobody.jpg", 0),
        Err(LoadError::NoImage(_))
    ));
    assert!(matches!(
        load_reference_landmarks(&json, "two_faces.jpg", 2),
        Err(LoadError::NoFace { faces: 2, .. })
    ));
    let raw = load_reference_landmarks(&json, GRACE, 0).unwrap();
    let refined = load_reference_landmarks_refined(&json, GRACE, 0).unwrap();
    assert_eq!(raw.len(), 468);
    assert_eq!(raw[ids::NOSE_TIP], refined[ids::NOSE_TIP]);
    assert_ne!(raw[159], refined[159], "eye contour replaces the mesh lids");
}

/// Writes `target/clipgen-preview.png` to look at by eye: one row per action
/// and attack, for Grace Hopper and the astronaut.
#[test]
fn writes_preview_sheet() {
    let mut rows = Vec::new();
    for (file, face) in [(GRACE, 0), ("astronaut.jpg", 0)] {
        for a in [
            Action::Blink,
            Action::MouthOpen,
            Action::TurnLeft,
            Action::TurnRight,
            Action::Nod,
            Action::PlanarMotion,
        ] {
            rows.push(single_clip(file, face, a));
        }
    }
    let sheet = preview(&rows, 7, 160);
    assert_eq!(sheet.dimensions(), (7 * 160, 12 * 160));
    let path = repo().join("target/clipgen-preview.png");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    sheet.save(&path).unwrap();
}
