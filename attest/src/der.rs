//! A minimal strict DER reader: just what X.509 certificates and the
//! attestation extensions need. Written here rather than taken from a general
//! ASN.1 crate because Android's KeyDescription uses context tags above 30
//! ([704], [709]), which the small DER crates do not read.

use crate::AttestError;

pub const BOOLEAN: u8 = 0x01;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const ENUMERATED: u8 = 0x0a;
pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;

/// One element's identifier: class + constructed bits of the first octet, and
/// the tag number (which may exceed 30).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub class_bits: u8,
    pub number: u32,
}

impl Tag {
    /// A universal tag written as its single identifier octet (e.g. `SEQUENCE`).
    pub fn universal(octet: u8) -> Tag {
        Tag {
            class_bits: octet & 0xe0,
            number: (octet & 0x1f) as u32,
        }
    }
    /// `[n]` context-specific, constructed (EXPLICIT tagging).
    pub fn explicit(number: u32) -> Tag {
        Tag {
            class_bits: 0xa0,
            number,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Element<'a> {
    pub tag: Tag,
    pub value: &'a [u8],
    /// Header and value together, as they appear in the input.
    pub raw: &'a [u8],
}

pub fn malformed(what: &str) -> AttestError {
    AttestError::Malformed(what.to_string())
}

#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Reader { rest: input }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub fn peek_tag(&self) -> Option<Tag> {
        self.clone().read_any().ok().map(|e| e.tag)
    }

    pub fn read_any(&mut self) -> Result<Element<'a>, AttestError> {
        let input = self.rest;
        let bad = || malformed("DER element");
        let (&first, mut p) = input.split_first().ok_or_else(bad)?;
        let mut number = (first & 0x1f) as u32;
        if number == 0x1f {
            number = 0;
            loop {
                let (&b, q) = p.split_first().ok_or_else(bad)?;
                p = q;
                if number > (u32::MAX >> 7) {
                    return Err(bad());
                }
                number = (number << 7) | (b & 0x7f) as u32;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let (&len0, mut p2) = p.split_first().ok_or_else(bad)?;
        let len = if len0 < 0x80 {
            len0 as usize
        } else {
            let n = (len0 & 0x7f) as usize;
            if n == 0 || n > 4 || p2.len() < n {
                return Err(bad());
            }
            let mut l = 0usize;
            for &b in &p2[..n] {
                l = (l << 8) | b as usize;
            }
            // DER: the shortest length form.
            if l < 0x80 || p2[0] == 0 {
                return Err(bad());
            }
            p2 = &p2[n..];
            l
        };
        if p2.len() < len {
            return Err(bad());
        }
        let header = input.len() - p2.len();
        let el = Element {
            tag: Tag {
                class_bits: first & 0xe0,
                number,
            },
            value: &p2[..len],
            raw: &input[..header + len],
        };
        self.rest = &p2[len..];
        Ok(el)
    }

    /// The next element, which must carry `tag`.
    pub fn read(&mut self, tag: Tag, what: &str) -> Result<Element<'a>, AttestError> {
        let el = self.read_any().map_err(|_| malformed(what))?;
        if el.tag != tag {
            return Err(malformed(what));
        }
        Ok(el)
    }

    pub fn read_u(&mut self, octet: u8, what: &str) -> Result<&'a [u8], AttestError> {
        Ok(self.read(Tag::universal(octet), what)?.value)
    }

    /// The next element if it carries `tag`, else nothing consumed.
    pub fn optional(&mut self, tag: Tag) -> Result<Option<Element<'a>>, AttestError> {
        if self.peek_tag() == Some(tag) {
            self.read_any().map(Some)
        } else {
            Ok(None)
        }
    }

    pub fn finish(&self, what: &str) -> Result<(), AttestError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(malformed(what))
        }
    }
}

/// A small non-negative INTEGER or ENUMERATED value.
pub fn small_uint(value: &[u8], what: &str) -> Result<u64, AttestError> {
    if value.is_empty() || value.len() > 9 || value[0] & 0x80 != 0 {
        return Err(malformed(what));
    }
    let mut v: u64 = 0;
    for &b in value {
        if v > (u64::MAX >> 8) {
            return Err(malformed(what));
        }
        v = (v << 8) | b as u64;
    }
    Ok(v)
}

pub fn boolean(value: &[u8], what: &str) -> Result<bool, AttestError> {
    match value {
        [0x00] => Ok(false),
        [0xff] => Ok(true),
        _ => Err(malformed(what)),
    }
}

/// An OID in its dotted form, from its DER content octets.
pub fn oid_string(value: &[u8]) -> String {
    let mut parts: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in value {
        acc = (acc << 7) | (b & 0x7f) as u64;
        if b & 0x80 == 0 {
            if parts.is_empty() {
                let first = (acc / 40).min(2);
                parts.push(first);
                parts.push(acc - first * 40);
            } else {
                parts.push(acc);
            }
            acc = 0;
        }
    }
    parts
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(".")
}
