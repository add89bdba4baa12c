//! Evidence sealed at rest. Face pictures are sensitive personal data: every
//! object certd stores is encrypted with AES-256-GCM before it reaches the
//! folder or the bucket, under a key kept in a key folder (`e1.key`,
//! `e2.key`..., see `keyring`) that is neither in the database nor in the
//! bucket, so a copy of either alone reveals no face. The object's own name is
//! the associated data: a sealed object moved to another name (another
//! person's evidence) no longer opens. `certd rotate-evidence-key` adds a key;
//! new objects are sealed with it once certd restarts, older ones keep opening
//! with theirs.
//!
//! Layout: `LCS1`, kid length (1 byte), kid, 12-byte nonce, ciphertext + tag.

use crate::keyring::KeyFolder;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

const MAGIC: &[u8; 4] = b"LCS1";

pub struct Sealer {
    dir: PathBuf,
    current: String,
    keys: RwLock<HashMap<String, LessSafeKey>>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sealed with {} from {}",
            self.current,
            self.dir.display()
        )
    }
}

fn folder(dir: &Path) -> KeyFolder<'_> {
    KeyFolder {
        dir,
        prefix: "e",
        ext: "key",
        what: "evidence keys",
    }
}

fn new_key() -> Result<Vec<u8>, String> {
    let mut k = vec![0u8; AES_256_GCM.key_len()];
    SystemRandom::new()
        .fill(&mut k)
        .map_err(|_| "no randomness for an evidence key".to_string())?;
    Ok(k)
}

fn keys(
    dir: &Path,
    loaded: Vec<(String, Vec<u8>)>,
) -> Result<HashMap<String, LessSafeKey>, String> {
    loaded
        .into_iter()
        .map(|(kid, bytes)| {
            let key = UnboundKey::new(&AES_256_GCM, &bytes)
                .map_err(|_| format!("{}/{kid}.key: not a 32-byte key", dir.display()))?;
            Ok((kid, LessSafeKey::new(key)))
        })
        .collect()
}

fn bad(why: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("sealed object: {why}"),
    )
}

/// Where the keys live for `config`.
pub fn keys_dir(config: &crate::config::Config) -> PathBuf {
    config
        .evidence_keys
        .clone()
        .unwrap_or_else(|| config.data.join("evidence-keys"))
}

/// Adds the next key (`certd rotate-evidence-key`); returns its id.
pub fn rotate(dir: &Path) -> Result<String, String> {
    folder(dir).rotate(new_key)
}

impl Sealer {
    /// The keys in `dir`, making the first if there is none; the newest seals.
    pub fn open(dir: &Path) -> Result<Sealer, String> {
        let loaded = folder(dir).load_or_create(new_key)?;
        let current = loaded
            .last()
            .map(|k| k.0.clone())
            .ok_or("no evidence key")?;
        Ok(Sealer {
            dir: dir.to_path_buf(),
            current,
            keys: RwLock::new(keys(dir, loaded)?),
            rng: SystemRandom::new(),
        })
    }

    /// The id of the key new objects are sealed with.
    pub fn current(&self) -> &str {
        &self.current
    }

    pub fn seal(&self, name: &str, plain: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| std::io::Error::other("no randomness"))?;
        let mut out = Vec::with_capacity(plain.len() + 64);
        out.extend_from_slice(MAGIC);
        out.push(self.current.len() as u8);
        out.extend_from_slice(self.current.as_bytes());
        out.extend_from_slice(&nonce);
        let body = out.len();
        out.extend_from_slice(plain);
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = keys
            .get(&self.current)
            .ok_or_else(|| bad("no current key"))?;
        let mut sealed = out.split_off(body);
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(name.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| bad("sealing failed"))?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub fn unseal(&self, name: &str, sealed: &[u8]) -> std::io::Result<Vec<u8>> {
        let rest = sealed
            .strip_prefix(MAGIC)
            .ok_or_else(|| bad("not sealed"))?;
        let (&len, rest) = rest.split_first().ok_or_else(|| bad("truncated"))?;
        let len = len as usize;
        if rest.len() < len + NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(bad("truncated"));
        }
        let kid = std::str::from_utf8(&rest[..len]).map_err(|_| bad("key id"))?;
        let nonce: [u8; NONCE_LEN] = rest[len..len + NONCE_LEN]
            .try_into()
            .expect("length checked");
        let mut body = rest[len + NONCE_LEN..].to_vec();
        if !self
            .keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(kid)
        {
            // Sealed by a key another certd added since this one started.
            let fresh = keys(
                &self.dir,
                folder(&self.dir).load().map_err(std::io::Error::other)?,
            )
            .map_err(std::io::Error::other)?;
            *self.keys.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        }
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        let key = keys.get(kid).ok_or_else(|| bad("unknown key id"))?;
        let plain = key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut body,
            )
            .map_err(|_| bad("does not open with its key (changed, or moved from another name)"))?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        std::env::temp_dir().join(format!("certd-seal-{}", crate::db::new_id()))
    }

    #[test]
    fn sealed_objects_hide_their_bytes_and_open_only_under_their_own_name() {
        let d = dir();
        let s = Sealer::open(&d).unwrap();
        let plain = br#"{"frontal":"face pixels"}"#;
        let sealed = s.seal("evidence/p/c.json", plain).unwrap();
        assert!(!sealed.windows(4).any(|w| w == b"face"));
        assert_eq!(s.unseal("evidence/p/c.json", &sealed).unwrap(), plain);
        // Another person's name: refused.
        assert!(s.unseal("evidence/q/c.json", &sealed).is_err());
        // One bit changed: refused.
        let mut flipped = sealed.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(s.unseal("evidence/p/c.json", &flipped).is_err());
        // Plain bytes are not taken as sealed ones.
        assert!(s.unseal("evidence/p/c.json", plain).is_err());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn after_rotation_new_objects_use_the_new_key_and_old_ones_still_open() {
        let d = dir();
        let old = Sealer::open(&d).unwrap();
        let before = old.seal("evidence/a", b"one").unwrap();
        assert_eq!(rotate(&d).unwrap(), "e2");
        let new = Sealer::open(&d).unwrap();
        assert_eq!(new.current(), "e2");
        let after = new.seal("evidence/b", b"two").unwrap();
        assert_eq!(new.unseal("evidence/a", &before).unwrap(), b"one");
        // A certd started before the rotation reads what the new key sealed.
        assert_eq!(old.unseal("evidence/b", &after).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.join("e2.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
        }
        std::fs::remove_dir_all(d).unwrap();
    }
}
