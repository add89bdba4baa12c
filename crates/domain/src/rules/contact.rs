//! The contact details a pensioner may update while certifying (Beijing and
//! Foshan offer it): postal address, post code and phone. One rule for the
//! app and certd, so a form the app accepts is one certd accepts.

use super::{fold_ascii_and_strip_spaces, normalize_mobile, MobileError};
use crate::i18n::{Language, Message};
use crate::tr;
use serde::{Deserialize, Serialize};

/// An address shorter than this cannot name a street ("北京市东城区" is 6).
pub const ADDRESS_MIN_CHARS: usize = 6;
/// Longer than any real mainland address with building and room, and short
/// enough for the agency's letter envelopes.
pub const ADDRESS_MAX_CHARS: usize = 120;

/// A person's contact details as the agency keeps them (normalised).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Postal address, one line (province, city, district, street, building).
    pub address: String,
    /// Six digits.
    pub post_code: String,
    /// A mainland mobile number, 11 digits.
    pub mobile: String,
}

/// What is wrong with a contact form; each names the field to correct.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum ContactError {
    #[error("the address has {chars} characters, fewer than {ADDRESS_MIN_CHARS}")]
    AddressTooShort { chars: usize },
    #[error("the address has {chars} characters, more than {ADDRESS_MAX_CHARS}")]
    AddressTooLong { chars: usize },
    #[error("{character:?} cannot be part of an address")]
    AddressBadCharacter { character: char },
    #[error("a post code has 6 digits, this one has {length}")]
    PostCodeWrongLength { length: usize },
    #[error("{character:?} cannot be part of a post code")]
    PostCodeBadCharacter { character: char },
    #[error("no mainland post code starts with {prefix}")]
    PostCodeUnknownArea { prefix: String },
    #[error("mobile: {0}")]
    Mobile(#[from] MobileError),
}

impl ContactError {
    /// The field a form should point at.
    pub fn field(&self) -> ContactField {
        match self {
            ContactError::AddressTooShort { .. }
            | ContactError::AddressTooLong { .. }
            | ContactError::AddressBadCharacter { .. } => ContactField::Address,
            ContactError::PostCodeWrongLength { .. }
            | ContactError::PostCodeBadCharacter { .. }
            | ContactError::PostCodeUnknownArea { .. } => ContactField::PostCode,
            ContactError::Mobile(_) => ContactField::Mobile,
        }
    }
}

impl ContactError {
    /// What to tell the person, naming the field and how to fix it.
    pub fn describe(&self, language: Language) -> Message {
        let l = language;
        let (key, text) = match self {
            ContactError::AddressTooShort { .. } => (
                "contact.address_too_short",
                tr!(l, "地址太短，请写完整：省、市、区、街道和门牌号。", "地址太短，請寫完整：省、市、區、街道和門牌號。", "The address is too short: please write it in full, with province, city, district, street and number."),
            ),
            ContactError::AddressTooLong { chars } => (
                "contact.address_too_long",
                tr!(l, "地址最多120个字，您写了{}个字。", "地址最多120個字，您寫了{}個字。", "An address has at most 120 characters; this one has {}.", chars),
            ),
            ContactError::AddressBadCharacter { .. } => (
                "contact.address_bad_character",
                tr!(l, "地址里有不能使用的符号，请只写文字、数字和常用标点。", "地址裡有不能使用的符號，請只寫文字、數字和常用標點。", "The address contains a symbol that cannot be used: please write only words, numbers and common punctuation."),
            ),
            ContactError::PostCodeWrongLength { length } => (
                "contact.post_code_length",
                tr!(l, "邮政编码是6位数字，您输入了{}位。", "郵政編碼是6位數字，您輸入了{}位。", "A post code has 6 digits; you entered {}.", length),
            ),
            ContactError::PostCodeBadCharacter { character } => (
                "contact.post_code_character",
                tr!(l, "邮政编码只有数字，不能有“{}”。", "郵政編碼只有數字，不能有「{}」。", "A post code has only digits, not \"{}\".", character),
            ),
            ContactError::PostCodeUnknownArea { prefix } => (
                "contact.post_code_area",
                tr!(l, "没有以{}开头的内地邮政编码，请核对。", "沒有以{}開頭的內地郵政編碼，請核對。", "No mainland post code starts with {}; please check it.", prefix),
            ),
            ContactError::Mobile(e) => return e.describe(l),
        };
        Message {
            key: key.into(),
            speech: text.clone(),
            display: text,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactField {
    Address,
    PostCode,
    Mobile,
}

/// Checks and normalises a contact form as typed: white space at the ends
/// and runs of spaces in the address folded, full-width digits in the post
/// code and the mobile read as digits.
pub fn normalize_contact(form: &Contact) -> Result<Contact, ContactError> {
    Ok(Contact {
        address: normalize_address(&form.address)?,
        post_code: normalize_post_code(&form.post_code)?,
        mobile: normalize_mobile(form.mobile.clone())?,
    })
}

fn normalize_address(input: &str) -> Result<String, ContactError> {
    // Ideographic spaces and line breaks typed by input methods become one space.
    let address = input.split_whitespace().collect::<Vec<_>>().join(" ");
    // Control and format characters (bidi overrides, zero-width) could make
    // an envelope or the agency's export read differently from the screen.
    if let Some(c) = address
        .chars()
        .find(|c| c.is_control() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '<' | '>'))
    {
        return Err(ContactError::AddressBadCharacter { character: c });
    }
    let chars = address.chars().count();
    if chars < ADDRESS_MIN_CHARS {
        return Err(ContactError::AddressTooShort { chars });
    }
    if chars > ADDRESS_MAX_CHARS {
        return Err(ContactError::AddressTooLong { chars });
    }
    Ok(address)
}

fn normalize_post_code(input: &str) -> Result<String, ContactError> {
    let code = fold_ascii_and_strip_spaces(input);
    if let Some(c) = code.chars().find(|c| !c.is_ascii_digit()) {
        return Err(ContactError::PostCodeBadCharacter { character: c });
    }
    if code.len() != 6 {
        return Err(ContactError::PostCodeWrongLength { length: code.len() });
    }
    // The first two digits are the province's zone: 01 to 86 on the mainland
    // (10 Beijing, 20 Shanghai, 51-52 Guangdong, 85-86 Tibet).
    let zone: u32 = code[..2].parse().expect("two ASCII digits");
    if !(1..=86).contains(&zone) {
        return Err(ContactError::PostCodeUnknownArea {
            prefix: code[..2].to_string(),
        });
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(address: &str, post_code: &str, mobile: &str) -> Contact {
        Contact {
            address: address.into(),
            post_code: post_code.into(),
            mobile: mobile.into(),
        }
    }

    #[test]
    fn a_form_as_typed_on_a_phone_is_normalised() {
        let c = normalize_contact(&form(
            "  北京市东城区\u{3000}和平里街道 3号楼\n2单元501 ",
            "１０００１３",
            "+86 138-0013-8000",
        ))
        .unwrap();
        assert_eq!(c.address, "北京市东城区 和平里街道 3号楼 2单元501");
        assert_eq!(c.post_code, "100013");
        assert_eq!(c.mobile, "13800138000");
    }

    #[test]
    fn each_malformed_field_is_named() {
        let ok = ("广东省佛山市禅城区祖庙路1号", "528000", "13800138000");
        let cases = [
            (
                form("北京", ok.1, ok.2),
                ContactError::AddressTooShort { chars: 2 },
            ),
            (
                form(&"路".repeat(121), ok.1, ok.2),
                ContactError::AddressTooLong { chars: 121 },
            ),
            (
                form("北京市东城区\u{202E}路1号", ok.1, ok.2),
                ContactError::AddressBadCharacter {
                    character: '\u{202E}',
                },
            ),
            (
                form("北京市东城区<script>", ok.1, ok.2),
                ContactError::AddressBadCharacter { character: '<' },
            ),
            (
                form(ok.0, "52800", ok.2),
                ContactError::PostCodeWrongLength { length: 5 },
            ),
            (
                form(ok.0, "5280O0", ok.2),
                ContactError::PostCodeBadCharacter { character: 'O' },
            ),
            (
                form(ok.0, "999077", ok.2),
                ContactError::PostCodeUnknownArea {
                    prefix: "99".into(),
                },
            ),
            (
                form(ok.0, "000000", ok.2),
                ContactError::PostCodeUnknownArea {
                    prefix: "00".into(),
                },
            ),
            (
                form(ok.0, ok.1, "1380013800"),
                ContactError::Mobile(MobileError::WrongLength { length: 10 }),
            ),
        ];
        for (f, want) in cases {
            let got = normalize_contact(&f).unwrap_err();
            assert_eq!(got, want, "{f:?}");
        }
        assert_eq!(
            normalize_contact(&form(ok.0, ok.1, "12800138000"))
                .unwrap_err()
                .field(),
            ContactField::Mobile
        );
        assert!(normalize_contact(&form(ok.0, ok.1, ok.2)).is_ok());
    }

    #[test]
    fn every_problem_is_told_in_three_languages() {
        let problems = [
            ContactError::AddressTooShort { chars: 2 },
            ContactError::AddressTooLong { chars: 130 },
            ContactError::AddressBadCharacter { character: '<' },
            ContactError::PostCodeWrongLength { length: 5 },
            ContactError::PostCodeBadCharacter { character: 'O' },
            ContactError::PostCodeUnknownArea {
                prefix: "99".into(),
            },
        ];
        for p in problems {
            let [hans, hant, en] =
                [Language::ZhHans, Language::ZhHant, Language::En].map(|l| p.describe(l).display);
            assert!(hans != en && hant != en && !hans.is_empty(), "{p:?}");
        }
        assert!(ContactError::PostCodeWrongLength { length: 5 }
            .describe(Language::ZhHans)
            .display
            .contains('5'));
    }
}
