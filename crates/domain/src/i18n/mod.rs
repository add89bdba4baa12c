//! Languages and the text a screen shows and a voice speaks.
//!
//! Every user-facing string in the core comes out as a [`Message`]: a stable key
//! (for UI tests and analytics-free logging), the display text, and the text to
//! speak. Speech differs from display where symbols read badly aloud
//! (an "X" check digit, the middle dot in minority names, dates).

use serde::{Deserialize, Serialize};

/// The languages the core speaks. Simplified for the mainland, Traditional for
/// Hong Kong, Macau and Taiwan residents and families, English for foreign
/// residents and their relatives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Language {
    #[default]
    ZhHans,
    ZhHant,
    En,
}

impl Language {
    /// BCP-47 tag, for the shells' text-to-speech engines.
    pub fn tag(self) -> &'static str {
        match self {
            Language::ZhHans => "zh-Hans",
            Language::ZhHant => "zh-Hant",
            Language::En => "en",
        }
    }

    /// Picks the text for this language from a (simplified, traditional, english) triple.
    pub fn pick<'a>(self, zh_hans: &'a str, zh_hant: &'a str, en: &'a str) -> &'a str {
        match self {
            Language::ZhHans => zh_hans,
            Language::ZhHant => zh_hant,
            Language::En => en,
        }
    }
}

/// One piece of user-facing text, ready to show and to speak.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Message {
    /// Stable identifier, e.g. `id.checksum_mismatch`; never translated.
    pub key: String,
    pub display: String,
    pub speech: String,
}

impl Message {
    /// A message whose spoken form is the displayed one.
    pub fn same(key: &str, text: impl Into<String>) -> Self {
        let text = text.into();
        Message {
            key: key.to_owned(),
            speech: text.clone(),
            display: text,
        }
    }

    pub fn new(key: &str, display: impl Into<String>, speech: impl Into<String>) -> Self {
        Message {
            key: key.to_owned(),
            display: display.into(),
            speech: speech.into(),
        }
    }
}

/// `tr!(lang, "简体", "繁體", "English")`: picks one text by language; with format
/// arguments after the texts, each text is a format string using them.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $hans:literal, $hant:literal, $en:literal $(,)?) => {
        String::from($lang.pick($hans, $hant, $en))
    };
    ($lang:expr, $hans:literal, $hant:literal, $en:literal, $($arg:tt)+) => {
        match $lang {
            $crate::i18n::Language::ZhHans => format!($hans, $($arg)+),
            $crate::i18n::Language::ZhHant => format!($hant, $($arg)+),
            $crate::i18n::Language::En => format!($en, $($arg)+),
        }
    };
}

/// A date as people say it: "2024年3月5日" / "5 March 2024".
pub fn say_date(lang: Language, year: i32, month: u32, day: u32) -> String {
    match lang {
        Language::ZhHans | Language::ZhHant => format!("{year}年{month}月{day}日"),
        Language::En => format!(
            "{day} {} {year}",
            MONTHS_EN[(month as usize).clamp(1, 12) - 1]
        ),
    }
}

/// A month as people say it: "2024年3月" / "March 2024".
pub fn say_month(lang: Language, year: i32, month: u32) -> String {
    match lang {
        Language::ZhHans | Language::ZhHant => format!("{year}年{month}月"),
        Language::En => format!("{} {year}", MONTHS_EN[(month as usize).clamp(1, 12) - 1]),
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tr_picks_each_language_and_formats_arguments() {
        assert_eq!(tr!(Language::ZhHant, "简", "繁", "en"), "繁");
        assert_eq!(tr!(Language::En, "{}个", "{}個", "{} items", 3), "3 items");
        assert_eq!(tr!(Language::ZhHans, "{}个", "{}個", "{} items", 3), "3个");
    }

    #[test]
    fn dates_are_spoken_in_each_language() {
        assert_eq!(say_date(Language::ZhHans, 2020, 2, 29), "2020年2月29日");
        assert_eq!(say_date(Language::En, 2020, 2, 29), "29 February 2020");
        assert_eq!(say_month(Language::En, 2019, 3), "March 2019");
    }
}
