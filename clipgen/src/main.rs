//! `clipgen`: renders a liveness test clip from one photo and its FaceMesh
//! landmarks into a folder of frames plus `truth.json`.

use clap::Parser;
use lifecert_clipgen::{
    load_reference_landmarks, load_reference_landmarks_refined, preview, render, Action,
    Appearance, ClipScript, FrameFormat, NoiseParams,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "clipgen",
    about = "Animate a still face photo into a liveness test clip (frames + truth.json)",
    after_help = "Actions: blink, mouth, left, right, nod (and neutral), each optionally \
                  NAME:SECONDS. `left` is the PERSON's left: the nose moves to the image's \
                  right. The script gets 2.6 s of rest before and 0.6 s after each action.\n\
                  Example: clipgen --photo tests/fixtures/faces/grace_hopper.jpg \
                  --landmarks tests/fixtures/faces/reference_landmarks.json \
                  --script blink,left,mouth --out target/clip"
)]
struct Args {
    /// The face photo (the file name is looked up in the landmarks JSON).
    #[arg(long)]
    photo: PathBuf,
    /// reference_landmarks.json with this photo's FaceMesh landmarks.
    #[arg(long)]
    landmarks: PathBuf,
    /// Which face of the photo (order of the JSON).
    #[arg(long, default_value_t = 0)]
    face: usize,
    /// Use the raw face mesh; by default the eye points are replaced by the
    /// iris model's eye contours, which follow the real lid edges.
    #[arg(long)]
    raw_mesh: bool,
    /// Comma-separated live actions, e.g. blink,left,mouth.
    #[arg(long, conflicts_with = "attack")]
    script: Option<String>,
    /// An attack clip instead: still | planar.
    #[arg(long)]
    attack: Option<String>,
    /// Attack clip length, seconds.
    #[arg(long, default_value_t = 3.0)]
    duration: f32,
    #[arg(long, default_value_t = 15.0)]
    fps: f32,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Turn off jitter, flicker and sensor noise.
    #[arg(long)]
    no_noise: bool,
    /// The person wears glasses (dark frames; the lenses reflect a window).
    #[arg(long)]
    glasses: bool,
    /// The person has a full beard.
    #[arg(long)]
    beard: bool,
    /// The person wears a head scarf (hair, forehead top and the face's
    /// sides covered).
    #[arg(long)]
    head_scarf: bool,
    /// Narrow eyes: the lids rest this share of a blink closed (0..0.95,
    /// e.g. 0.4); a blink closes the rest.
    #[arg(long, default_value_t = 0.0)]
    rest_eye_closure: f32,
    /// Write JPEG frames at this quality instead of PNG.
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
    jpeg: Option<u8>,
    /// Also write a contact sheet of the clip to this PNG.
    #[arg(long)]
    preview: Option<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

fn build_script(args: &Args) -> Result<ClipScript, String> {
    let script = if let Some(attack) = &args.attack {
        let action = match Action::parse(attack) {
            Some(a) if a.is_attack() => a,
            _ => return Err(format!("unknown attack {attack:?} (still | planar)")),
        };
        if args.duration <= 0.0 {
            return Err("--duration must be positive".into());
        }
        ClipScript::new().then_for(action, args.duration)
    } else {
        let list = args
            .script
            .as_deref()
            .ok_or("give --script ACTIONS or --attack still|planar")?;
        let mut s =
            ClipScript::new().then_for(Action::Neutral, lifecert_clipgen::script::LEAD_IN_S);
        for item in list.split(',').filter(|i| !i.trim().is_empty()) {
            let (name, secs) = match item.split_once(':') {
                Some((n, d)) => {
                    let d: f32 = d
                        .trim()
                        .parse()
                        .map_err(|_| format!("bad duration in {item:?}"))?;
                    if d <= 0.0 {
                        return Err(format!("bad duration in {item:?}"));
                    }
                    (n, Some(d))
                }
                None => (item, None),
            };
            let action = Action::parse(name).ok_or_else(|| format!("unknown action {name:?}"))?;
            if action.is_attack() {
                return Err(format!("{name:?} is an attack: use --attack"));
            }
            s = s.then_for(action, secs.unwrap_or(action.default_duration()));
            if action != Action::Neutral {
                s = s.then_for(Action::Neutral, lifecert_clipgen::script::GAP_S);
            }
        }
        s
    };
    if !(args.fps > 0.0 && args.fps <= 240.0) {
        return Err("--fps must be in (0, 240]".into());
    }
    let noise = if args.no_noise {
        NoiseParams::none()
    } else {
        NoiseParams::default()
    };
    if !(0.0..=0.95).contains(&args.rest_eye_closure) {
        return Err("--rest-eye-closure must be in [0, 0.95]".into());
    }
    let appearance = Appearance {
        glasses: args.glasses,
        beard: args.beard,
        head_scarf: args.head_scarf,
        rest_eye_closure: args.rest_eye_closure,
    };
    Ok(script
        .with_appearance(appearance)
        .with_fps(args.fps)
        .with_seed(args.seed)
        .with_noise(noise))
}

fn run(args: &Args) -> Result<(), String> {
    let script = build_script(args)?;
    let photo = image::open(&args.photo)
        .map_err(|e| format!("{}: {e}", args.photo.display()))?
        .to_rgb8();
    let file_name = args
        .photo
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("photo path has no file name")?;
    let lm = if args.raw_mesh {
        load_reference_landmarks(&args.landmarks, file_name, args.face)
    } else {
        load_reference_landmarks_refined(&args.landmarks, file_name, args.face)
    }
    .map_err(|e| e.to_string())?;
    let clip = render(&photo, &lm, &script);
    let format = args.jpeg.map_or(FrameFormat::Png, FrameFormat::Jpeg);
    clip.write_dir_as(&args.out, format)
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    if let Some(path) = &args.preview {
        preview(&[&clip], 8, 160)
            .save(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!(
        "{} frames at {} fps -> {}",
        clip.frames.len(),
        script.fps,
        args.out.display()
    );
    for s in &clip.truth.segments {
        println!(
            "  {:>13} frames {:>3}..{:<3}",
            s.action.name(),
            s.start,
            s.end
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("clipgen: {e}");
            ExitCode::FAILURE
        }
    }
}
