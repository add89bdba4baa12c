//! Glasses, beard, head scarf and narrow eyes change the pixels where they
//! should and nowhere else, and stay on the face as it moves.

mod common;

use common::fixture;
use image::RgbImage;
use lifecert_clipgen::{ids, render, Action, Appearance, Clip, ClipScript, NoiseParams};

/// `action` alone (no lead-in), without camera noise, wearing `look`.
fn clip(action: Action, seconds: f32, look: Appearance) -> Clip {
    let (photo, lm) = fixture("grace_hopper.jpg", 0);
    let script = ClipScript::new()
        .then_for(action, seconds)
        .with_noise(NoiseParams::none())
        .with_appearance(look);
    render(&photo, &lm, &script)
}

fn rest_frame(look: Appearance) -> (RgbImage, Vec<[f32; 3]>) {
    let c = clip(Action::Neutral, 0.07, look);
    (c.frames[0].clone(), c.truth.frames[0].landmarks.clone())
}

/// Pixel box around landmarks `idx`, grown by `grow` times its size.
fn bbox(lm: &[[f32; 3]], idx: &[usize], grow: f32) -> [u32; 4] {
    let xs = idx.iter().map(|&i| lm[i][0]);
    let ys = idx.iter().map(|&i| lm[i][1]);
    let (x0, x1) = xs.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = ys.fold((f32::MAX, f32::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (gx, gy) = ((x1 - x0) * grow, (y1 - y0) * grow);
    [
        (x0 - gx).max(0.0) as u32,
        (y0 - gy).max(0.0) as u32,
        (x1 + gx) as u32,
        (y1 + gy) as u32,
    ]
}

/// A small square box around point `p`.
fn around(p: [f32; 2], half: f32) -> [u32; 4] {
    [
        (p[0] - half) as u32,
        (p[1] - half) as u32,
        (p[0] + half) as u32,
        (p[1] + half) as u32,
    ]
}

/// Mean absolute difference per channel over box `b`.
fn diff(a: &RgbImage, b: &RgbImage, bx: [u32; 4]) -> f64 {
    let (mut s, mut n) = (0.0, 0);
    for y in bx[1]..bx[3] {
        for x in bx[0]..bx[2] {
            let (p, q) = (a.get_pixel(x, y), b.get_pixel(x, y));
            for c in 0..3 {
                s += (p[c] as f64 - q[c] as f64).abs();
            }
            n += 3;
        }
    }
    s / n.max(1) as f64
}

/// Mean and standard deviation of the luma over box `b`.
fn luma_stats(a: &RgbImage, bx: [u32; 4]) -> (f64, f64) {
    let v: Vec<f64> = (bx[1]..bx[3])
        .flat_map(|y| (bx[0]..bx[2]).map(move |x| (x, y)))
        .map(|(x, y)| {
            let p = a.get_pixel(x, y);
            0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
        })
        .collect();
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64;
    (m, var.sqrt())
}

fn eyes(lm: &[[f32; 3]], grow: f32) -> [[u32; 4]; 2] {
    ids::EYES.map(|e| {
        let idx: Vec<usize> = e.lower_lid.iter().chain(&e.upper_lid).copied().collect();
        bbox(lm, &idx, grow)
    })
}

fn mouth(lm: &[[f32; 3]]) -> [u32; 4] {
    let idx: Vec<usize> = ids::LIPS_OUTER_UPPER
        .iter()
        .chain(&ids::LIPS_OUTER_LOWER)
        .copied()
        .collect();
    bbox(lm, &idx, 0.1)
}

fn mid(lm: &[[f32; 3]], a: usize, b: usize, k: f32) -> [f32; 2] {
    [
        lm[a][0] + (lm[b][0] - lm[a][0]) * k,
        lm[a][1] + (lm[b][1] - lm[a][1]) * k,
    ]
}

/// Pixels brighter than `level` in every channel, in box `b`.
fn bright(a: &RgbImage, bx: [u32; 4], level: u8) -> usize {
    (bx[1]..bx[3])
        .flat_map(|y| (bx[0]..bx[2]).map(move |x| (x, y)))
        .filter(|&(x, y)| a.get_pixel(x, y).0.iter().all(|&c| c > level))
        .count()
}

#[test]
fn glasses_cover_the_eyes_with_frames_and_a_window_glare_and_leave_the_mouth() {
    let (plain, lm) = rest_frame(Appearance::default());
    let (worn, _) = rest_frame(Appearance::glasses());
    for eye in eyes(&lm, 0.5) {
        assert!(
            diff(&plain, &worn, eye) > 15.0,
            "{eye:?}: {}",
            diff(&plain, &worn, eye)
        );
        // The window's reflection: near-white pixels the bare eye does not have.
        assert!(
            bright(&worn, eye, 225) > bright(&plain, eye, 225) + 20,
            "{eye:?}: {} vs {}",
            bright(&worn, eye, 225),
            bright(&plain, eye, 225)
        );
    }
    assert_eq!(diff(&plain, &worn, mouth(&lm)), 0.0);
    let chin = around(mid(&lm, ids::LOWER_LIP_OUTER, ids::CHIN, 0.5), 6.0);
    assert_eq!(diff(&plain, &worn, chin), 0.0);
}

#[test]
fn glasses_stay_on_the_eyes_of_a_turned_head_and_their_glare_moves() {
    let plain = clip(Action::TurnLeft, 1.6, Appearance::default());
    let worn = clip(Action::TurnLeft, 1.6, Appearance::glasses());
    let peak = plain.truth.segments[0].peak.unwrap()[0];
    let lm = &plain.truth.frames[peak].landmarks;
    for eye in eyes(lm, 0.5) {
        assert!(diff(&plain.frames[peak], &worn.frames[peak], eye) > 15.0);
    }
    assert_eq!(
        diff(&plain.frames[peak], &worn.frames[peak], mouth(lm)),
        0.0
    );
    // The reflection does not sit at the same place on the lens: its
    // brightest pixels move relative to the eye by more than the eye moved.
    let centroid = |img: &RgbImage, bx: [u32; 4]| {
        let pts: Vec<(f32, f32)> = (bx[1]..bx[3])
            .flat_map(|y| (bx[0]..bx[2]).map(move |x| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0.iter().all(|&c| c > 225))
            .map(|(x, y)| (x as f32, y as f32))
            .collect();
        assert!(pts.len() > 20, "{} glare pixels", pts.len());
        let n = pts.len() as f32;
        (
            pts.iter().map(|p| p.0).sum::<f32>() / n,
            pts.iter().map(|p| p.1).sum::<f32>() / n,
        )
    };
    let lm0 = &plain.truth.frames[0].landmarks;
    let eye_x = |lm: &[[f32; 3]]| (lm[33][0] + lm[133][0]) / 2.0;
    let box0 = eyes(lm0, 0.6)[0];
    let boxp = eyes(lm, 0.6)[0];
    let g0 = centroid(&worn.frames[0], box0).0 - eye_x(lm0);
    let gp = centroid(&worn.frames[peak], boxp).0 - eye_x(lm);
    assert!((g0 - gp).abs() > 1.5, "glare at {g0:.1} then {gp:.1} px");
}

#[test]
fn a_beard_darkens_chin_jaw_and_upper_lip_with_texture_and_leaves_eyes_and_lips() {
    let (plain, lm) = rest_frame(Appearance::default());
    let (worn, _) = rest_frame(Appearance::beard());
    let chin = around(mid(&lm, ids::LOWER_LIP_OUTER, ids::CHIN, 0.6), 8.0);
    let upper_lip = around(mid(&lm, 2, 0, 0.5), 2.0);
    let jaw = around(mid(&lm, 172, 152, 0.3), 6.0);
    for (what, b) in [("chin", chin), ("upper lip", upper_lip), ("jaw", jaw)] {
        let (before, _) = luma_stats(&plain, b);
        let (after, _) = luma_stats(&worn, b);
        assert!(after < before - 30.0, "{what}: {before:.0} -> {after:.0}");
    }
    // Textured, not a flat fill.
    let (_, sd) = luma_stats(&worn, chin);
    assert!(sd > 6.0, "beard luma sd {sd:.1}");
    for eye in eyes(&lm, 0.5) {
        assert_eq!(diff(&plain, &worn, eye), 0.0);
    }
    // The lips' inner edge (and the lips) are left.
    let inner = around(
        mid(&lm, ids::UPPER_LIP_INNER, ids::LOWER_LIP_INNER, 0.5),
        3.0,
    );
    assert_eq!(diff(&plain, &worn, inner), 0.0);
}

#[test]
fn a_head_scarf_covers_hair_forehead_top_and_face_sides_not_the_face() {
    let (plain, lm) = rest_frame(Appearance::default());
    let (worn, _) = rest_frame(Appearance::head_scarf());
    let above = {
        let f = lm[ids::FOREHEAD];
        let c = lm[ids::CHIN];
        [f[0] - 0.15 * (c[0] - f[0]), f[1] - 0.15 * (c[1] - f[1])]
    };
    // Hair above the forehead, the forehead's top, the face's sides.
    for (what, p) in [
        ("hair", above),
        ("forehead top", mid(&lm, ids::FOREHEAD, 9, 0.1)),
        ("side", mid(&lm, ids::CHEEKS[0], ids::NOSE_TIP, 0.04)),
        ("side", mid(&lm, ids::CHEEKS[1], ids::NOSE_TIP, 0.04)),
        ("jaw side", mid(&lm, 172, ids::NOSE_TIP, 0.02)),
    ] {
        let b = around(p, 3.0);
        assert!(
            diff(&plain, &worn, b) > 20.0,
            "{what} at {p:?}: {}",
            diff(&plain, &worn, b)
        );
    }
    // The face from the brows to the chin.
    for eye in eyes(&lm, 0.3) {
        assert_eq!(diff(&plain, &worn, eye), 0.0);
    }
    assert_eq!(diff(&plain, &worn, mouth(&lm)), 0.0);
    let nose = around([lm[ids::NOSE_TIP][0], lm[ids::NOSE_TIP][1]], 8.0);
    assert_eq!(diff(&plain, &worn, nose), 0.0);
    let chin = around(mid(&lm, ids::LOWER_LIP_OUTER, ids::CHIN, 0.5), 4.0);
    assert_eq!(diff(&plain, &worn, chin), 0.0);
}

#[test]
fn narrow_eyes_rest_part_closed_and_a_blink_shuts_them() {
    let gap = |lm: &[[f32; 3]]| {
        ids::LID_CENTRE_PAIRS
            .iter()
            .map(|&(u, l)| (lm[l][1] - lm[u][1]).abs())
            .sum::<f32>()
    };
    let plain = clip(Action::Blink, 0.5, Appearance::default());
    let narrow = clip(Action::Blink, 0.5, Appearance::narrow_eyes(0.4));
    let open = gap(&plain.truth.frames[0].landmarks);
    let rest = gap(&narrow.truth.frames[0].landmarks);
    assert!(
        (0.5..0.7).contains(&(rest / open)),
        "resting gap {rest:.1} of {open:.1}"
    );
    assert!((narrow.truth.frames[0].pose.eye_closure - 0.4).abs() < 1e-6);
    let peak = narrow.truth.segments[0].peak.unwrap()[0];
    let shut = gap(&narrow.truth.frames[peak].landmarks);
    assert!(shut < 0.1 * open, "blink leaves {shut:.1} of {open:.1}");
    // Only the eyes change.
    let (a, b) = (&plain.frames[0], &narrow.frames[0]);
    let lm = &plain.truth.frames[0].landmarks;
    for eye in eyes(lm, 0.2) {
        assert!(diff(a, b, eye) > 3.0, "{}", diff(a, b, eye));
    }
    assert_eq!(diff(a, b, mouth(lm)), 0.0);
}
