//! Scratch: zoomed crops of key frames, for tuning.
use image::RgbImage;
use lifecert_clipgen::warp::Image3;
use lifecert_clipgen::*;
use std::time::Instant;

fn crop(img: &RgbImage, cx: f32, cy: f32, side: f32, tile: u32) -> RgbImage {
    let src = Image3::from_rgb(img);
    let mut out = RgbImage::new(tile, tile);
    for y in 0..tile {
        for x in 0..tile {
            let sx = cx - side / 2.0 + (x as f32 + 0.5) / tile as f32 * side;
            let sy = cy - side / 2.0 + (y as f32 + 0.5) / tile as f32 * side;
            out.put_pixel(
                x,
                y,
                image::Rgb(
                    src.sample(sx, sy)
                        .map(|v| v.round().clamp(0.0, 255.0) as u8),
                ),
            );
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = args
        .get(1)
        .map(|s| s.as_str())
        .unwrap_or("grace_hopper.jpg");
    let face: usize = args.get(2).map(|s| s.parse().unwrap()).unwrap_or(0);
    let out = args
        .get(3)
        .map(|s| s.as_str())
        .unwrap_or("/tmp/inspect.png");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces");
    let photo = image::open(dir.join(file)).unwrap().to_rgb8();
    let lm = if std::env::var("RAW").is_ok() {
        load_reference_landmarks(&dir.join("reference_landmarks.json"), file, face).unwrap()
    } else {
        load_reference_landmarks_refined(&dir.join("reference_landmarks.json"), file, face).unwrap()
    };
    let rig = FaceRig::new(&lm, photo.width(), photo.height());
    let fw = rig.face_width;
    let tile: u32 = std::env::var("TILE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut rows: Vec<Vec<RgbImage>> = Vec::new();
    for a in [
        Action::Blink,
        Action::MouthOpen,
        Action::TurnLeft,
        Action::TurnRight,
        Action::Nod,
    ] {
        let script = ClipScript::single(a).with_noise(NoiseParams::none());
        let t = Instant::now();
        let clip = render(&photo, &lm, &script);
        let per = t.elapsed().as_secs_f64() * 1000.0 / clip.frames.len() as f64;
        let seg = clip.truth.segments.iter().find(|s| s.action == a).unwrap();
        let peak = seg.peak.unwrap()[0];
        let (cx, cy, side) = match a {
            Action::Blink => (
                (lm[33][0] + lm[133][0]) / 2.0,
                (lm[33][1] + lm[133][1]) / 2.0,
                fw * 0.35,
            ),
            Action::MouthOpen => (lm[14][0], lm[14][1] + fw * 0.15, fw * 0.8),
            _ => (lm[1][0], lm[1][1], fw * 1.9),
        };
        let mid = (seg.moving.unwrap()[0] + peak) / 2;
        let only: Option<String> = std::env::var("ONLY").ok();
        if let Some(o) = &only {
            if !format!("{a:?}").eq_ignore_ascii_case(o) {
                continue;
            }
        }
        let culled: usize = {
            let posed = &clip.truth.frames[peak].landmarks;
            let p: Vec<[f32; 3]> = posed
                .iter()
                .map(|q| {
                    [
                        q[0] - clip.truth.frames[peak].jitter[0],
                        q[1] - clip.truth.frames[peak].jitter[1],
                        q[2],
                    ]
                })
                .collect();
            let (dst, _) = rig.targets(&p);
            let f = rig.mesh.flipped(&dst);
            if std::env::var("FLIPS").is_ok() {
                for &t in &f {
                    println!("  flipped {:?}", rig.mesh.triangles[t]);
                }
            }
            f.len()
        };
        println!("{a:?}: {per:.1} ms/frame, peak {peak}, flipped at peak {culled}");
        let dots = std::env::var("DOTS").is_ok();
        let mk = |fi: usize| {
            let mut f = clip.frames[fi].clone();
            if dots {
                for (i, p) in clip.truth.frames[fi].landmarks.iter().enumerate() {
                    let (x, y) = (p[0] as u32, p[1] as u32);
                    if x < f.width() && y < f.height() {
                        let c = if [159usize, 145, 386, 374, 13, 14, 1].contains(&i) {
                            [255, 0, 0]
                        } else {
                            [0, 255, 0]
                        };
                        f.put_pixel(x, y, image::Rgb(c));
                    }
                }
            }
            crop(&f, cx, cy, side, tile)
        };
        rows.push(vec![mk(0), mk(mid), mk(peak)]);
    }
    let mut sheet = RgbImage::new(tile * 3, tile * rows.len() as u32);
    for (r, row) in rows.iter().enumerate() {
        for (c, im) in row.iter().enumerate() {
            image::imageops::replace(
                &mut sheet,
                im,
                (c as u32 * tile) as i64,
                (r as u32 * tile) as i64,
            );
        }
    }
    sheet.save(out).unwrap();
}
