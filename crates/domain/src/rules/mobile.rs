//! Mainland mobile numbers, and the "type it twice" check of the registration form.

use super::fold_ascii_and_strip_spaces;
use crate::i18n::{Language, Message};
use crate::tr;

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum MobileError {
    #[error("a mobile number has 11 digits, this one has {length}")]
    WrongLength { length: u32 },
    #[error("{character:?} cannot be part of a mobile number")]
    BadCharacter { character: String },
    #[error("a mainland mobile number starts with 13 to 19")]
    NotMainlandMobile,
    #[error("the two numbers typed are not the same")]
    Mismatch,
}

/// Normalises a mainland mobile number as typed ("+86 138-0013-8000",
/// full-width digits) to its 11 digits.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn normalize_mobile(input: String) -> Result<String, MobileError> {
    let folded: String = fold_ascii_and_strip_spaces(&input)
        .chars()
        .filter(|c| !matches!(c, '-' | '(' | ')'))
        .collect();
    let digits = folded
        .strip_prefix("+86")
        .or_else(|| folded.strip_prefix("0086"))
        .or_else(|| folded.strip_prefix("86").filter(|rest| rest.len() == 11))
        .unwrap_or(&folded);
    if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
        return Err(MobileError::BadCharacter {
            character: c.to_string(),
        });
    }
    if digits.len() != 11 {
        return Err(MobileError::WrongLength {
            length: digits.len() as u32,
        });
    }
    let b = digits.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(MobileError::NotMainlandMobile);
    }
    Ok(digits.to_owned())
}

/// The registration form's two mobile fields: both must be valid and the same.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn confirm_mobile(first: String, second: String) -> Result<String, MobileError> {
    let a = normalize_mobile(first)?;
    let b = normalize_mobile(second).map_err(|_| MobileError::Mismatch)?;
    if a == b {
        Ok(a)
    } else {
        Err(MobileError::Mismatch)
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl MobileError {
    pub fn describe(&self, language: Language) -> Message {
        let l = language;
        let (key, text) = match self {
            MobileError::WrongLength { length } => (
                "mobile.wrong_length",
                tr!(
                    l,
                    "手机号码是11位数字,您输入了{}位。",
                    "手機號碼是11位數字,您輸入了{}位。",
                    "A mobile number has 11 digits; you entered {}.",
                    length
                ),
            ),
            MobileError::BadCharacter { character } => (
                "mobile.bad_character",
                tr!(
                    l,
                    "手机号码里只能有数字,不能有“{}”。",
                    "手機號碼裡只能有數字,不能有「{}」。",
                    "A mobile number has only digits, not \"{}\".",
                    character
                ),
            ),
            MobileError::NotMainlandMobile => (
                "mobile.not_mainland",
                tr!(
                    l,
                    "请填写以13到19开头的大陆手机号码。",
                    "請填寫以13到19開頭的大陸手機號碼。",
                    "Please enter a mainland China mobile number starting with 13 to 19."
                ),
            ),
            MobileError::Mismatch => (
                "mobile.mismatch",
                tr!(
                    l,
                    "两次输入的手机号码不一样,请再输一次。",
                    "兩次輸入的手機號碼不一樣,請再輸一次。",
                    "The two mobile numbers are not the same. Please type it again."
                ),
            ),
        };
        Message::same(key, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_ways_people_write_a_mobile_number() {
        for typed in [
            "13800138000",
            "138 0013 8000",
            "+86 138-0013-8000",
            "8613800138000",
            "008613800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(
                normalize_mobile(typed.into()).as_deref(),
                Ok("13800138000"),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn refuses_malformed_numbers_with_the_reason() {
        let table = [
            ("1380013800", MobileError::WrongLength { length: 10 }),
            ("138001380001", MobileError::WrongLength { length: 12 }),
            (
                "1380013800a",
                MobileError::BadCharacter {
                    character: "a".into(),
                },
            ),
            ("12800138000", MobileError::NotMainlandMobile),
            ("02588888888", MobileError::NotMainlandMobile),
        ];
        for (input, expected) in table {
            assert_eq!(normalize_mobile(input.into()), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn typed_twice_must_match_after_normalising() {
        assert_eq!(
            confirm_mobile("13800138000".into(), "138 0013 8000".into()).as_deref(),
            Ok("13800138000")
        );
        assert_eq!(
            confirm_mobile("13800138000".into(), "13800138001".into()),
            Err(MobileError::Mismatch)
        );
        assert_eq!(
            confirm_mobile("13800138000".into(), "".into()),
            Err(MobileError::Mismatch)
        );
        // The first field's own fault is reported before any mismatch.
        assert_eq!(
            confirm_mobile("1380".into(), "13800138000".into()),
            Err(MobileError::WrongLength { length: 4 })
        );
    }
}
