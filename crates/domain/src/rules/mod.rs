//! The certification rules of the domain (`shared/domain.md`), pure and shared by
//! the app core and the agency server: who a person is (ID number, name, mobile)
//! and where they stand in the certification calendar.

pub mod calendar;
pub mod contact;
pub mod date;
pub mod id_number;
pub mod mobile;
pub mod name;
pub mod working_days;

pub use calendar::*;
pub use contact::*;
pub use date::*;
pub use id_number::*;
pub use mobile::*;
pub use name::*;
pub use working_days::*;

/// Folds what phone keyboards and Chinese input methods type instead of ASCII
/// (full-width digits and letters, ideographic spaces) into ASCII, and drops
/// white space, so "１１０１０５ １９４９…ｘ" is read like "110105 1949…x".
pub(crate) fn fold_ascii_and_strip_spaces(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| match c {
            c if c.is_whitespace() => None,
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
            c => Some(c),
        })
        .collect()
}
