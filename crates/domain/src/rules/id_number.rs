//! Resident identity card numbers (GB 11643-1999, 公民身份号码).
//!
//! 18 characters: a 6-digit address code, the birth date as YYYYMMDD, a 3-digit
//! sequence whose last digit is odd for men and even for women, and an
//! ISO 7064 MOD 11-2 check character (0-9 or X).

use super::date::CalendarDate;
use super::fold_ascii_and_strip_spaces;
use crate::i18n::{Language, Message};
use crate::tr;
use chrono::Datelike;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Gender {
    Male,
    Female,
}

/// A checked resident ID number and what it says about its holder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResidentId {
    /// The canonical form: 18 ASCII characters, check character upper-case.
    pub number: String,
    /// The 6-digit address code of the place of first registration.
    pub region_code: String,
    pub birth_date: CalendarDate,
    pub sequence: u16,
    pub gender: Gender,
    /// Age in whole years on the `today` the number was checked against.
    pub age: u32,
}

/// Why an ID number was refused. Each variant tells the person what to fix.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum IdNumberError {
    #[error("an ID number has 18 characters, this one has {length}")]
    WrongLength { length: u32 },
    /// `position` counts from 1, as a person counts.
    #[error("character {position} ({character:?}) cannot appear there")]
    BadCharacter { position: u32, character: String },
    #[error("{code} is not a region code")]
    UnknownRegion { code: String },
    #[error("the birth date {digits} does not exist")]
    ImpossibleBirthDate { digits: String },
    #[error("the birth date {digits} is in the future")]
    BirthDateInFuture { digits: String },
    #[error("the check character should be {expected}, not {found}")]
    ChecksumMismatch { expected: String, found: String },
}

/// First two digits of mainland provinces, Taiwan (71) and the Hong Kong, Macau and
/// Taiwan residence permits (81, 82, 83).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The ISO 7064 MOD 11-2 check character for the first 17 digits.
pub fn id_check_character(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Checks an ID number as a person typed it (spaces, full-width digits and a
/// lower-case x are accepted) against `today`, the date in China.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn parse_resident_id(input: String, today: CalendarDate) -> Result<ResidentId, IdNumberError> {
    let folded = fold_ascii_and_strip_spaces(&input).to_ascii_uppercase();
    let chars: Vec<char> = folded.chars().collect();
    if chars.len() != 18 {
        return Err(IdNumberError::WrongLength {
            length: chars.len() as u32,
        });
    }
    for (i, &c) in chars.iter().enumerate() {
        let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
        if !ok {
            return Err(IdNumberError::BadCharacter {
                position: i as u32 + 1,
                character: c.to_string(),
            });
        }
    }
    let bytes = folded.as_bytes();
    let digits = |r: std::ops::Range<usize>| &folded[r];
    let num = |r: std::ops::Range<usize>| digits(r).parse::<u32>().expect("checked digits");

    let province = num(0..2) as u8;
    if !PROVINCES.contains(&province) {
        return Err(IdNumberError::UnknownRegion {
            code: digits(0..6).to_owned(),
        });
    }

    let birth_digits = digits(6..14).to_owned();
    let (year, month, day) = (num(6..10) as i32, num(10..12) as u8, num(12..14) as u8);
    let birth = CalendarDate::new(year, month, day);
    let birth_naive = match birth.to_naive() {
        Some(d) if year >= 1900 => d,
        _ => {
            return Err(IdNumberError::ImpossibleBirthDate {
                digits: birth_digits,
            })
        }
    };
    if birth > today {
        return Err(IdNumberError::BirthDateInFuture {
            digits: birth_digits,
        });
    }

    let first17: &[u8; 17] = bytes[..17].try_into().expect("18 ASCII characters");
    let expected = id_check_character(first17);
    if chars[17] != expected {
        return Err(IdNumberError::ChecksumMismatch {
            expected: expected.to_string(),
            found: chars[17].to_string(),
        });
    }

    let sequence = num(14..17) as u16;
    Ok(ResidentId {
        number: folded.clone(),
        region_code: digits(0..6).to_owned(),
        birth_date: birth,
        sequence,
        gender: if sequence % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        },
        age: age_on(birth_naive, today),
    })
}

fn age_on(birth: chrono::NaiveDate, today: CalendarDate) -> u32 {
    let Some(today) = today.to_naive() else {
        return 0;
    };
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl IdNumberError {
    /// What to tell the person, in their language.
    pub fn describe(&self, language: Language) -> Message {
        let l = language;
        match self {
            IdNumberError::WrongLength { length } => Message::same(
                "id.wrong_length",
                tr!(l,
                    "身份证号码应为18位,您输入了{}位,请核对。",
                    "身分證號碼應為18位,您輸入了{}位,請核對。",
                    "An ID number has 18 characters; you entered {}. Please check it.",
                    length),
            ),
            IdNumberError::BadCharacter { position, character } => {
                let display = tr!(l,
                    "第{}位“{}”不对:身份证号码只有数字,最后一位可以是X。",
                    "第{}位「{}」不對:身分證號碼只有數字,最後一位可以是X。",
                    "Character {} (\"{}\") is wrong: an ID number has only digits, and the last one may be X.",
                    position, character);
                let speech = tr!(l,
                    "第{}位不对。身份证号码只有数字,最后一位可以是字母艾克斯。",
                    "第{}位不對。身分證號碼只有數字,最後一位可以是字母艾克斯。",
                    "Character {} is wrong. An ID number has only digits, and the last one may be the letter X.",
                    position);
                Message::new("id.bad_character", display, speech)
            }
            IdNumberError::UnknownRegion { code } => Message::same(
                "id.unknown_region",
                tr!(l,
                    "前6位{}不是有效的地区代码,请核对身份证。",
                    "前6位{}不是有效的地區代碼,請核對身分證。",
                    "The first 6 digits, {}, are not a region code. Please check the ID card.",
                    code),
            ),
            IdNumberError::ImpossibleBirthDate { digits } => Message::same(
                "id.impossible_birth_date",
                tr!(l,
                    "第7到14位是出生日期,{}不是真实的日期,请核对。",
                    "第7到14位是出生日期,{}不是真實的日期,請核對。",
                    "Digits 7 to 14 are the date of birth, and {} is not a real date. Please check.",
                    digits),
            ),
            IdNumberError::BirthDateInFuture { digits } => Message::same(
                "id.birth_date_in_future",
                tr!(l,
                    "出生日期{}还没到,请核对第7到14位。",
                    "出生日期{}還沒到,請核對第7到14位。",
                    "The date of birth {} is in the future. Please check digits 7 to 14.",
                    digits),
            ),
            IdNumberError::ChecksumMismatch { .. } => Message::same(
                "id.checksum_mismatch",
                tr!(l,
                    "身份证号码有一位输错了,请对照身份证逐位核对。",
                    "身分證號碼有一位輸錯了,請對照身分證逐位核對。",
                    "One of the characters is mistyped. Please compare each one with the ID card."),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: CalendarDate = CalendarDate {
        year: 2026,
        month: 11,
        day: 22,
    };

    /// Builds a valid number from its first 17 digits.
    fn with_check(first17: &str) -> String {
        let b: &[u8; 17] = first17.as_bytes().try_into().unwrap();
        format!("{first17}{}", id_check_character(b))
    }

    #[test]
    fn accepts_the_published_sample_number_with_x_check_character() {
        // The example number of GB 11643-1999 itself.
        let id = parse_resident_id("11010519491231002X".into(), TODAY).unwrap();
        assert_eq!(id.region_code, "110105");
        assert_eq!(id.birth_date, CalendarDate::new(1949, 12, 31));
        assert_eq!(id.gender, Gender::Female);
        assert_eq!(id.age, 76);
    }

    #[test]
    fn accepts_lower_case_x_full_width_digits_and_spaces() {
        for typed in [
            "11010519491231002x",
            "110105 19491231 002X",
            "１１０１０５１９４９１２３１００２ｘ",
        ] {
            let id = parse_resident_id(typed.into(), TODAY).unwrap();
            assert_eq!(id.number, "11010519491231002X", "typed {typed:?}");
        }
    }

    #[test]
    fn gender_comes_from_the_seventeenth_digit() {
        let male = with_check("44052419800101001");
        let female = with_check("44052419800101002");
        assert_eq!(parse_resident_id(male, TODAY).unwrap().gender, Gender::Male);
        assert_eq!(
            parse_resident_id(female, TODAY).unwrap().gender,
            Gender::Female
        );
    }

    #[test]
    fn each_malformation_has_its_own_error() {
        let table: Vec<(String, IdNumberError)> = vec![
            (
                "1101051949123100".into(),
                IdNumberError::WrongLength { length: 16 },
            ),
            ("".into(), IdNumberError::WrongLength { length: 0 }),
            (
                "110105194912310029X".into(),
                IdNumberError::WrongLength { length: 19 },
            ),
            (
                "1101051949123100XX".into(),
                IdNumberError::BadCharacter {
                    position: 17,
                    character: "X".into(),
                },
            ),
            (
                "11010519491231002Y".into(),
                IdNumberError::BadCharacter {
                    position: 18,
                    character: "Y".into(),
                },
            ),
            (
                "11O10519491231002X".into(),
                IdNumberError::BadCharacter {
                    position: 3,
                    character: "O".into(),
                },
            ),
            (
                with_check("99010519491231002"),
                IdNumberError::UnknownRegion {
                    code: "990105".into(),
                },
            ),
            (
                with_check("11010519490229002"),
                IdNumberError::ImpossibleBirthDate {
                    digits: "19490229".into(),
                },
            ),
            (
                with_check("11010519491301002"),
                IdNumberError::ImpossibleBirthDate {
                    digits: "19491301".into(),
                },
            ),
            (
                with_check("11010518991231002"),
                IdNumberError::ImpossibleBirthDate {
                    digits: "18991231".into(),
                },
            ),
            (
                with_check("11010520261123002"),
                IdNumberError::BirthDateInFuture {
                    digits: "20261123".into(),
                },
            ),
            (
                "110105194912310021".into(),
                IdNumberError::ChecksumMismatch {
                    expected: "X".into(),
                    found: "1".into(),
                },
            ),
        ];
        for (input, expected) in table {
            assert_eq!(
                parse_resident_id(input.clone(), TODAY),
                Err(expected),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn leap_day_births_are_real_and_age_counts_from_them() {
        let id = parse_resident_id(with_check("32010219600229005"), TODAY).unwrap();
        assert_eq!(id.birth_date, CalendarDate::new(1960, 2, 29));
        assert_eq!(id.age, 66);
        // Turning 60 on 2020-02-29, not a day earlier.
        let d = |y, m, dd| CalendarDate::new(y, m, dd);
        let born = chrono::NaiveDate::from_ymd_opt(1960, 2, 29).unwrap();
        assert_eq!(age_on(born, d(2020, 2, 28)), 59);
        assert_eq!(age_on(born, d(2020, 2, 29)), 60);
        assert_eq!(age_on(born, d(2021, 2, 28)), 60);
    }

    #[test]
    fn born_today_is_accepted_with_age_zero() {
        let id = parse_resident_id(with_check("31011520261122001"), TODAY).unwrap();
        assert_eq!(id.age, 0);
    }

    #[test]
    fn every_error_speaks_all_three_languages() {
        let errors = [
            IdNumberError::WrongLength { length: 3 },
            IdNumberError::BadCharacter {
                position: 2,
                character: "a".into(),
            },
            IdNumberError::UnknownRegion {
                code: "990000".into(),
            },
            IdNumberError::ImpossibleBirthDate {
                digits: "19490230".into(),
            },
            IdNumberError::BirthDateInFuture {
                digits: "20990101".into(),
            },
            IdNumberError::ChecksumMismatch {
                expected: "1".into(),
                found: "2".into(),
            },
        ];
        for e in errors {
            let texts: Vec<Message> = [Language::ZhHans, Language::ZhHant, Language::En]
                .map(|l| e.describe(l))
                .into();
            assert!(texts
                .iter()
                .all(|m| !m.display.is_empty() && !m.speech.is_empty()));
            assert_ne!(
                texts[0].display, texts[1].display,
                "{e:?} zh-Hant is not zh-Hans"
            );
            assert!(texts[2].display.is_ascii(), "{e:?} English is English");
            assert!(texts.iter().all(|m| m.key == texts[0].key));
        }
    }
}
