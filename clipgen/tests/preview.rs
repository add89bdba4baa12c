mod common;
use common::*;
use lifecert_clipgen::{preview, render, Action, ClipScript};

/// Writes `target/clipgen-preview.png`: one row per action (and attack) for
/// Grace Hopper and the astronaut, to look at by eye.
#[test]
fn writes_preview_sheet() {
    let mut clips = Vec::new();
    for (file, face) in [("grace_hopper.jpg", 0), ("astronaut.jpg", 0)] {
        let (photo, lm) = fixture(file, face);
        for a in [
            Action::Blink,
            Action::MouthOpen,
            Action::TurnLeft,
            Action::TurnRight,
            Action::Nod,
            Action::PlanarMotion,
        ] {
            clips.push(render(&photo, &lm, &ClipScript::single(a)));
        }
    }
    let refs: Vec<_> = clips.iter().collect();
    let sheet = preview(&refs, 7, 150);
    let path = repo().join("target/clipgen-preview.png");
    sheet.save(&path).unwrap();
    assert!(path.exists());
}
