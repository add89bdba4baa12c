//! Everything the capture screen shows and says, in three languages. Short,
//! plain, and one instruction at a time: these are read aloud to people in
//! their 70s and 80s.

use super::actions::Action;
use crate::face::quality::QualityIssue;
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::tr;

pub fn action_prompt(l: Language, a: Action) -> Message {
    let (key, text) = match a {
        Action::Blink => (
            "liveness.blink",
            tr!(l, "请眨眨眼", "請眨眨眼", "Please blink your eyes"),
        ),
        Action::OpenMouth => (
            "liveness.open_mouth",
            tr!(l, "请张张嘴", "請張張嘴", "Please open your mouth"),
        ),
        Action::TurnLeft => (
            "liveness.turn_left",
            tr!(
                l,
                "请慢慢向左转头",
                "請慢慢向左轉頭",
                "Please slowly turn your head to your left"
            ),
        ),
        Action::TurnRight => (
            "liveness.turn_right",
            tr!(
                l,
                "请慢慢向右转头",
                "請慢慢向右轉頭",
                "Please slowly turn your head to your right"
            ),
        ),
        Action::Nod => (
            "liveness.nod",
            tr!(l, "请点点头", "請點點頭", "Please nod your head"),
        ),
    };
    Message::same(key, text)
}

/// After a head movement, back to facing the phone before the next step.
pub fn back_to_front(l: Language) -> Message {
    Message::same(
        "liveness.back_to_front",
        tr!(
            l,
            "好的,请转回来,正对屏幕",
            "好的,請轉回來,正對屏幕",
            "Good. Now face the screen again"
        ),
    )
}

/// Which way the person should move the head to face the phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toward {
    /// Turn towards their own left shoulder.
    TheirLeft,
    TheirRight,
    /// Raise the chin.
    Up,
    /// Lower the chin.
    Down,
}

/// Outside the frontal cone before the neutral face is learnt: which way to
/// move, never just "turned away" (a person whose neck does not turn freely
/// must know which way is meant).
pub fn toward_front(l: Language, t: Toward) -> Message {
    let (key, text) = match t {
        Toward::TheirLeft => (
            "quality.turn_a_little_left",
            tr!(
                l,
                "请把头稍微向左转一点",
                "請把頭稍微向左轉一點",
                "Please turn your head a little to your left"
            ),
        ),
        Toward::TheirRight => (
            "quality.turn_a_little_right",
            tr!(
                l,
                "请把头稍微向右转一点",
                "請把頭稍微向右轉一點",
                "Please turn your head a little to your right"
            ),
        ),
        Toward::Up => (
            "quality.raise_head",
            tr!(
                l,
                "请把头稍微抬起来一点",
                "請把頭稍微抬起來一點",
                "Please raise your head a little"
            ),
        ),
        Toward::Down => (
            "quality.lower_head",
            tr!(
                l,
                "请把头稍微低下来一点",
                "請把頭稍微低下來一點",
                "Please lower your head a little"
            ),
        ),
    };
    Message::same(key, text)
}

pub fn hold_still(l: Language) -> Message {
    Message::same(
        "liveness.hold_still",
        tr!(
            l,
            "请正对屏幕,保持不动",
            "請正對屏幕,保持不動",
            "Please look straight at the screen and hold still"
        ),
    )
}

pub fn passed(l: Language) -> Message {
    Message::same(
        "liveness.passed",
        tr!(
            l,
            "动作完成,谢谢您",
            "動作完成,謝謝您",
            "All done. Thank you"
        ),
    )
}

pub fn quality_hint(l: Language, q: QualityIssue) -> Message {
    use QualityIssue::*;
    let (key, text) = match q {
        NoFace => (
            "quality.no_face",
            tr!(
                l,
                "请把脸放进框内",
                "請把臉放進框內",
                "Please put your face inside the frame"
            ),
        ),
        MultipleFaces => (
            "quality.multiple_faces",
            tr!(
                l,
                "画面里只能有一张脸,请其他人离开",
                "畫面裡只能有一張臉,請其他人離開",
                "Only one face, please: others step out of the picture"
            ),
        ),
        TooFar => (
            "quality.too_far",
            tr!(
                l,
                "请把手机拿近一点",
                "請把手機拿近一點",
                "Please hold the phone a little closer"
            ),
        ),
        TooClose => (
            "quality.too_close",
            tr!(
                l,
                "请把手机拿远一点",
                "請把手機拿遠一點",
                "Please hold the phone a little further away"
            ),
        ),
        NotCentred => (
            "quality.not_centred",
            tr!(
                l,
                "请把脸移到框的中间",
                "請把臉移到框的中間",
                "Please move your face to the middle of the frame"
            ),
        ),
        TurnedAway => (
            "quality.turned_away",
            tr!(
                l,
                "请正对屏幕",
                "請正對屏幕",
                "Please look straight at the screen"
            ),
        ),
        TooDark => (
            "quality.too_dark",
            tr!(
                l,
                "光线太暗,请到亮一点的地方",
                "光線太暗,請到亮一點的地方",
                "It is too dark. Please move to a brighter place"
            ),
        ),
        TooBright => (
            "quality.too_bright",
            tr!(
                l,
                "光线太强,请避开强光",
                "光線太強,請避開強光",
                "The light is too strong. Please move out of the glare"
            ),
        ),
        Backlit => (
            "quality.backlit",
            tr!(
                l,
                "请不要背对窗户或灯光",
                "請不要背對窗戶或燈光",
                "Please do not sit with a window or lamp behind you"
            ),
        ),
        Blurry => (
            "quality.blurry",
            tr!(
                l,
                "画面模糊,请拿稳手机",
                "畫面模糊,請拿穩手機",
                "The picture is blurred. Please hold the phone steady"
            ),
        ),
        MovingTooMuch => (
            "quality.moving",
            tr!(
                l,
                "请拿稳手机,不要晃动",
                "請拿穩手機,不要晃動",
                "Please hold the phone steady"
            ),
        ),
    };
    Message::same(key, text)
}

/// Why a capture was refused, and what to do about it.
pub fn rejection(l: Language, reason: super::RejectReason) -> Message {
    use super::RejectReason::*;
    let (key, text) = match reason {
        NoFace => ("liveness.rejected.no_face", tr!(l, "没有看到人脸,请重新开始", "沒有看到人臉,請重新開始", "No face was seen. Please start again")),
        ActionsMissing => (
            "liveness.rejected.actions_missing",
            tr!(l, "没有完成全部动作,请重新开始", "沒有完成全部動作,請重新開始", "Not all the steps were done. Please start again"),
        ),
        SpoofSuspected => (
            "liveness.rejected.spoof",
            tr!(l, "没有检测到真人,请本人正对手机重新认证", "沒有檢測到真人,請本人正對手機重新認證",
                "A live person was not detected. The person must face the phone themselves; please start again"),
        ),
    };
    Message::same(key, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_ISSUES: [QualityIssue; 11] = [
        QualityIssue::NoFace,
        QualityIssue::MultipleFaces,
        QualityIssue::TooFar,
        QualityIssue::TooClose,
        QualityIssue::NotCentred,
        QualityIssue::TurnedAway,
        QualityIssue::TooDark,
        QualityIssue::TooBright,
        QualityIssue::Backlit,
        QualityIssue::Blurry,
        QualityIssue::MovingTooMuch,
    ];

    #[test]
    fn every_picture_problem_has_its_own_words_to_show_and_say_in_three_languages() {
        // Exhaustive: a new issue fails to compile here until it is listed.
        for q in ALL_ISSUES {
            match q {
                QualityIssue::NoFace
                | QualityIssue::MultipleFaces
                | QualityIssue::TooFar
                | QualityIssue::TooClose
                | QualityIssue::NotCentred
                | QualityIssue::TurnedAway
                | QualityIssue::TooDark
                | QualityIssue::TooBright
                | QualityIssue::Backlit
                | QualityIssue::Blurry
                | QualityIssue::MovingTooMuch => {}
            }
        }
        let mut keys = std::collections::BTreeSet::new();
        for q in ALL_ISSUES {
            let [hans, hant, en] =
                [Language::ZhHans, Language::ZhHant, Language::En].map(|l| quality_hint(l, q));
            assert!(keys.insert(hans.key.clone()), "{q:?} shares its key");
            for m in [&hans, &hant, &en] {
                assert!(
                    !m.display.trim().is_empty() && !m.speech.trim().is_empty(),
                    "{q:?}"
                );
                assert_eq!(m.key, hans.key, "one key in every language");
            }
            assert!(en.speech.is_ascii(), "{q:?}: {}", en.speech);
            assert!(!hans.speech.is_ascii() && !hant.speech.is_ascii(), "{q:?}");
        }
        // Each in its own words, not one sentence for all.
        let texts: std::collections::BTreeSet<_> = ALL_ISSUES
            .iter()
            .map(|&q| quality_hint(Language::ZhHans, q).display)
            .collect();
        assert_eq!(texts.len(), ALL_ISSUES.len());
    }
}
