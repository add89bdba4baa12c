//! Person names as they are really written on Chinese ID cards and permits:
//! Han names (王秀英), minority names joined by a middle dot (阿依古丽·买买提),
//! and Latin names of foreign permanent residents (SMITH JOHN, O'Neil-Brown).

use crate::i18n::{Language, Message};
use crate::tr;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NameScript {
    Han,
    Latin,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PersonName {
    /// The canonical form to send and compare: Han names without spaces and with
    /// U+00B7 as the dot; Latin names with single spaces.
    pub value: String,
    pub script: NameScript,
}

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("a name needs at least {min} characters")]
    TooShort { min: u32 },
    #[error("a name has at most {max} characters")]
    TooLong { max: u32 },
    #[error("{character:?} cannot be part of a name")]
    BadCharacter { character: String },
    #[error("a middle dot must stand between two parts of the name")]
    MisplacedDot,
    #[error("Chinese characters and Latin letters are mixed")]
    MixedScripts,
}

// Minority names run long (e.g. 卡斯木江·阿不都热合曼·买买提明); ID cards print up to
// about 30 Han characters, and machine-readable Latin names up to 60 letters.
const HAN_MAX: usize = 30;
const LATIN_MAX: usize = 60;

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF | 0x3007)
}

/// The dots people type for the name separator: middle dot, bullet, katakana dot,
/// full-width full stop, hyphenation point.
fn is_dot(c: char) -> bool {
    matches!(
        c,
        '\u{00B7}' | '\u{2022}' | '\u{30FB}' | '\u{FF0E}' | '\u{2027}' | '\u{FF65}'
    )
}

/// Checks and normalises a name as typed.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn normalize_person_name(input: String) -> Result<PersonName, NameError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(NameError::Empty);
    }
    let has_han = trimmed.chars().any(is_han);
    let has_latin = trimmed.chars().any(|c| c.is_ascii_alphabetic());
    match (has_han, has_latin) {
        (true, true) => Err(NameError::MixedScripts),
        (true, false) => han_name(trimmed),
        _ => latin_name(trimmed),
    }
}

fn han_name(s: &str) -> Result<PersonName, NameError> {
    let mut value = String::new();
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        if is_han(c) {
            value.push(c);
        } else if is_dot(c) || c == '.' {
            value.push('\u{00B7}');
        } else {
            return Err(NameError::BadCharacter {
                character: c.to_string(),
            });
        }
    }
    if value.starts_with('\u{00B7}')
        || value.ends_with('\u{00B7}')
        || value.contains("\u{00B7}\u{00B7}")
    {
        return Err(NameError::MisplacedDot);
    }
    let len = value.chars().count();
    if len < 2 {
        return Err(NameError::TooShort { min: 2 });
    }
    if len > HAN_MAX {
        return Err(NameError::TooLong {
            max: HAN_MAX as u32,
        });
    }
    Ok(PersonName {
        value,
        script: NameScript::Han,
    })
}

fn latin_name(s: &str) -> Result<PersonName, NameError> {
    let words: Vec<&str> = s.split_whitespace().collect();
    for c in s.chars().filter(|c| !c.is_whitespace()) {
        let ok = c.is_ascii_alphabetic() || matches!(c, '-' | '\'' | '.' | ',');
        if !ok {
            return Err(NameError::BadCharacter {
                character: c.to_string(),
            });
        }
    }
    let value = words.join(" ");
    let letters = value.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if letters < 2 {
        return Err(NameError::TooShort { min: 2 });
    }
    if value.chars().count() > LATIN_MAX {
        return Err(NameError::TooLong {
            max: LATIN_MAX as u32,
        });
    }
    Ok(PersonName {
        value,
        script: NameScript::Latin,
    })
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl NameError {
    pub fn describe(&self, language: Language) -> Message {
        let l = language;
        let (key, text) = match self {
            NameError::Empty => (
                "name.empty",
                tr!(l, "请输入姓名。", "請輸入姓名。", "Please enter the name."),
            ),
            NameError::TooShort { min } => (
                "name.too_short",
                tr!(l, "姓名至少{}个字,请按身份证填写。", "姓名至少{}個字,請按身分證填寫。",
                    "A name has at least {} letters. Please write it as on the ID card.", min),
            ),
            NameError::TooLong { max } => (
                "name.too_long",
                tr!(l, "姓名最多{}个字,请按身份证填写。", "姓名最多{}個字,請按身分證填寫。",
                    "A name has at most {} characters. Please write it as on the ID card.", max),
            ),
            NameError::BadCharacter { character } => (
                "name.bad_character",
                tr!(l, "姓名里不能有“{}”,请按身份证填写。", "姓名裡不能有「{}」,請按身分證填寫。",
                    "\"{}\" cannot be part of a name. Please write it as on the ID card.", character),
            ),
            NameError::MisplacedDot => (
                "name.misplaced_dot",
                tr!(l, "姓名中间的圆点要写在两段名字之间。", "姓名中間的圓點要寫在兩段名字之間。",
                    "The middle dot goes between two parts of the name."),
            ),
            NameError::MixedScripts => (
                "name.mixed_scripts",
                tr!(l, "姓名请全部用汉字,或全部用英文字母。", "姓名請全部用漢字,或全部用英文字母。",
                    "Please write the name either all in Chinese characters or all in Latin letters."),
            ),
        };
        Message::same(key, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> PersonName {
        normalize_person_name(input.into()).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn han_names_lose_spaces_and_keep_rare_characters() {
        assert_eq!(ok("王秀英").value, "王秀英");
        assert_eq!(ok(" 王 秀英 ").value, "王秀英");
        // 𠇔 is in CJK extension B: real names use characters outside the BMP.
        assert_eq!(ok("李𠇔").value, "李𠇔");
        assert_eq!(ok("王〇").value, "王〇");
        assert_eq!(ok("王秀英").script, NameScript::Han);
    }

    #[test]
    fn minority_name_dots_of_every_keyboard_become_one_middle_dot() {
        for typed in [
            "阿依古丽·买买提",
            "阿依古丽•买买提",
            "阿依古丽・买买提",
            "阿依古丽．买买提",
            "阿依古丽.买买提",
        ] {
            assert_eq!(ok(typed).value, "阿依古丽\u{00B7}买买提", "typed {typed:?}");
        }
    }

    #[test]
    fn latin_names_of_foreign_residents_are_accepted() {
        assert_eq!(ok("  SMITH   JOHN ").value, "SMITH JOHN");
        assert_eq!(ok("O'Neil-Brown, Mary Ann").script, NameScript::Latin);
    }

    #[test]
    fn malformed_names_are_refused_with_the_reason() {
        let table = [
            ("", NameError::Empty),
            ("   ", NameError::Empty),
            ("王", NameError::TooShort { min: 2 }),
            ("J", NameError::TooShort { min: 2 }),
            ("·阿依古丽", NameError::MisplacedDot),
            ("阿依古丽··买买提", NameError::MisplacedDot),
            ("阿依古丽·", NameError::MisplacedDot),
            ("王Li", NameError::MixedScripts),
            (
                "王秀英1",
                NameError::BadCharacter {
                    character: "1".into(),
                },
            ),
            (
                "John3",
                NameError::BadCharacter {
                    character: "3".into(),
                },
            ),
            (
                "王😀",
                NameError::BadCharacter {
                    character: "😀".into(),
                },
            ),
        ];
        for (input, expected) in table {
            assert_eq!(
                normalize_person_name(input.into()),
                Err(expected),
                "input {input:?}"
            );
        }
        let long = "王".repeat(31);
        assert_eq!(
            normalize_person_name(long),
            Err(NameError::TooLong { max: 30 })
        );
    }
}
