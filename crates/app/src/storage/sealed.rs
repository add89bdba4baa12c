//! The two things every encrypted file of the core needs: AES-256-GCM sealing
//! bound to a header and a caller-chosen label, and atomic private writes.
//!
//! A sealed blob is `magic (4 bytes) || nonce (12) || ciphertext || tag (16)`;
//! the additional authenticated data is `magic || label`, so a blob only opens
//! under the label (key name, item id) it was sealed for.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

pub(crate) const KEY_LEN: usize = 32;
const MAGIC_LEN: usize = 4;
const TAG_LEN: usize = 16;

/// Why a sealed blob did not open. Each means "do not trust these bytes".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpenError {
    TooShort,
    WrongMagic,
    /// Wrong key, wrong label, or changed bytes: GCM cannot tell which.
    Authentication,
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpenError::TooShort => "too short to be a sealed value",
            OpenError::WrongMagic => "not a sealed value of this kind (unknown header)",
            OpenError::Authentication => {
                "failed authentication (changed, truncated, moved from another name, or another key)"
            }
        })
    }
}

pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], ring::error::Unspecified> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out)?;
    Ok(out)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

fn aead_key(key: &[u8; KEY_LEN]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("32 bytes is an AES-256 key"))
}

fn aad(magic: &[u8; MAGIC_LEN], label: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(MAGIC_LEN + label.len());
    v.extend_from_slice(magic);
    v.extend_from_slice(label);
    v
}

/// Encrypts `plaintext` under a fresh random nonce.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    magic: &[u8; MAGIC_LEN],
    label: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, ring::error::Unspecified> {
    let nonce_bytes = random_array::<NONCE_LEN>()?;
    let mut in_out = plaintext.to_vec();
    aead_key(key).seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce_bytes),
        Aad::from(aad(magic, label)),
        &mut in_out,
    )?;
    let mut out = Vec::with_capacity(MAGIC_LEN + NONCE_LEN + in_out.len());
    out.extend_from_slice(magic);
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&in_out);
    Ok(out)
}

/// Decrypts and authenticates a blob made by [`seal`] with the same magic and label.
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    magic: &[u8; MAGIC_LEN],
    label: &[u8],
    sealed: &[u8],
) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < MAGIC_LEN + NONCE_LEN + TAG_LEN {
        return Err(OpenError::TooShort);
    }
    let (head, rest) = sealed.split_at(MAGIC_LEN);
    if head != magic {
        return Err(OpenError::WrongMagic);
    }
    let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| OpenError::TooShort)?;
    let mut in_out = ciphertext.to_vec();
    let plain = aead_key(key)
        .open_in_place(nonce, Aad::from(aad(magic, label)), &mut in_out)
        .map_err(|_| OpenError::Authentication)?;
    Ok(plain.to_vec())
}

/// Creates `dir` (and parents), readable by the owner only on Unix.
pub(crate) fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens a new file that must not exist yet, mode 0600 on Unix.
fn create_new_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Flushes a directory entry change (rename, link, unlink) to disk.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Temporary names start with a dot and end in `.tmp`; left over only by a crash.
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Writes `bytes` to a new private temporary file beside `path` and syncs it.
fn write_temp(path: &Path, bytes: &[u8]) -> io::Result<std::path::PathBuf> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = random_array::<6>().map_err(|_| io::Error::other("no randomness"))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", hex(&suffix)));
    let result = (|| {
        let mut f = create_new_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the
/// new content, never a mix: temporary file, fsync, rename, fsync the folder.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = write_temp(path, bytes)?;
    if let Err(e) = fs::rename(&tmp, path) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Writes `bytes` to `path` only if nothing is there yet, atomically (the file
/// appears complete or not at all). Returns false when `path` already existed.
pub(crate) fn write_new_atomic(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    let tmp = write_temp(path, bytes)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            sync_dir(path.parent().unwrap_or(Path::new(".")))?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn sealed_blob_opens_only_with_its_key_label_and_magic() {
        let blob = seal(&KEY, b"TST1", b"label", b"secret").unwrap();
        assert_eq!(open(&KEY, b"TST1", b"label", &blob).unwrap(), b"secret");
        assert_eq!(
            open(&[8; 32], b"TST1", b"label", &blob),
            Err(OpenError::Authentication)
        );
        assert_eq!(
            open(&KEY, b"TST1", b"other", &blob),
            Err(OpenError::Authentication)
        );
        assert_eq!(
            open(&KEY, b"TST2", b"label", &blob),
            Err(OpenError::WrongMagic)
        );
        assert_eq!(
            open(&KEY, b"TST1", b"label", &blob[..20]),
            Err(OpenError::TooShort)
        );
    }

    #[test]
    fn two_seals_of_the_same_value_use_different_nonces() {
        let a = seal(&KEY, b"TST1", b"l", b"same").unwrap();
        let b = seal(&KEY, b"TST1", b"l", b"same").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn hex_is_lower_case_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
