//! [`SecureStore`]: small secrets by name (the device signing key, the outbox
//! key), implemented by each platform, and [`FileSecureStore`] for desktops.

use super::sealed::{self, KEY_LEN};
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::tr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Why a secure store could not answer.
#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum StoreError {
    /// The store cannot be reached now (keystore locked or failing, disk error);
    /// trying again later may work.
    #[error("secure storage is unavailable: {detail}")]
    Unavailable { detail: String },
    /// A stored value exists but cannot be trusted (changed, truncated, or
    /// encrypted under a key that is gone); trying again will not help.
    #[error("a stored value is corrupt: {detail}")]
    Corrupt { detail: String },
}

/// A foreign implementation threw something that is not a `StoreError`:
/// treat it as the store being unavailable rather than crashing.
#[cfg(feature = "uniffi")]
impl From<uniffi::UnexpectedUniFFICallbackError> for StoreError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        StoreError::Unavailable { detail: e.reason }
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl StoreError {
    /// What to tell the person, in their language.
    pub fn describe(&self, language: Language) -> Message {
        let l = language;
        match self {
            StoreError::Unavailable { .. } => Message::same(
                "store.unavailable",
                tr!(l,
                    "手机的安全存储暂时无法使用,请稍后再试。如果一直这样,请重新启动手机。",
                    "手機的安全儲存暫時無法使用,請稍後再試。如果一直這樣,請重新啟動手機。",
                    "The phone's secure storage is not available right now. Please try again later. If this keeps happening, please restart the phone."),
            ),
            StoreError::Corrupt { .. } => Message::same(
                "store.corrupt",
                tr!(l,
                    "本机保存的资料已损坏,无法读取。请重新打开应用;如果仍然不行,请联系社保经办机构。",
                    "本機保存的資料已損壞,無法讀取。請重新打開應用;如果仍然不行,請聯繫社保經辦機構。",
                    "Information saved on this phone is damaged and cannot be read. Please reopen the app. If it still does not work, please contact the social insurance office."),
            ),
        }
    }
}

/// Small secrets by name, kept by the platform: the Android Keystore (values
/// wrapped by a non-exportable key) or the iOS Keychain. Keys are short ASCII
/// names chosen by the core, e.g. `device.ed25519.pkcs8`.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait SecureStore: Send + Sync {
    /// The value stored under `key`, or `None` if there is none.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: String, value: Vec<u8>) -> Result<(), StoreError>;
    /// Removes `key`; removing a key that does not exist is not an error.
    fn delete(&self, key: String) -> Result<(), StoreError>;
}

const MASTER_KEY_FILE: &str = "master.key";
const VALUE_MAGIC: &[u8; 4] = b"LCS1";
const VALUE_EXT: &str = "sec";

/// A [`SecureStore`] in a folder, for desktop tools and tests: one file per
/// key, named by the SHA-256 of the key name, each value AES-256-GCM encrypted
/// with a fresh random nonce and the key name as associated data (so a file
/// copied over another key's file does not decrypt). The 32-byte master key is
/// `<dir>/master.key`, created on first use with mode 0600.
///
/// **Protection is limited.** The master key sits next to the data, so this
/// only keeps values from being read by someone who copies some of the files
/// or glances at them; anyone who can read the whole folder can decrypt
/// everything. The phones do not use this: their shells implement
/// [`SecureStore`] over the Android Keystore and the iOS Keychain.
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct FileSecureStore {
    dir: PathBuf,
    master: Mutex<Option<[u8; KEY_LEN]>>,
}

fn unavailable(what: &str, path: &Path, e: io::Error) -> StoreError {
    StoreError::Unavailable {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

impl FileSecureStore {
    /// A store in `dir`; nothing is created until the first write.
    pub fn open(dir: impl Into<PathBuf>) -> Self {
        FileSecureStore {
            dir: dir.into(),
            master: Mutex::new(None),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn value_path(&self, key: &str) -> PathBuf {
        let digest = ring::digest::digest(&ring::digest::SHA256, key.as_bytes());
        self.dir
            .join(format!("{}.{VALUE_EXT}", sealed::hex(digest.as_ref())))
    }

    /// The master key, read from `master.key` or created there on first use.
    fn master_key(&self) -> Result<[u8; KEY_LEN], StoreError> {
        let mut cached = self.master.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = *cached {
            return Ok(k);
        }
        let path = self.dir.join(MASTER_KEY_FILE);
        let key = match fs::read(&path) {
            Ok(bytes) => parse_master_key(&bytes, &path)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                sealed::create_private_dir(&self.dir)
                    .map_err(|e| unavailable("cannot create", &self.dir, e))?;
                let fresh =
                    sealed::random_array::<KEY_LEN>().map_err(|_| StoreError::Unavailable {
                        detail: "no system randomness for the master key".into(),
                    })?;
                // Another store on the same folder may have won the race:
                // then use its key, never overwrite it.
                if sealed::write_new_atomic(&path, &fresh)
                    .map_err(|e| unavailable("cannot create", &path, e))?
                {
                    fresh
                } else {
                    let bytes =
                        fs::read(&path).map_err(|e| unavailable("cannot read", &path, e))?;
                    parse_master_key(&bytes, &path)?
                }
            }
            Err(e) => return Err(unavailable("cannot read", &path, e)),
        };
        *cached = Some(key);
        Ok(key)
    }
}

fn parse_master_key(bytes: &[u8], path: &Path) -> Result<[u8; KEY_LEN], StoreError> {
    bytes.try_into().map_err(|_| StoreError::Corrupt {
        detail: format!(
            "{} has {} bytes, a master key has {KEY_LEN}",
            path.display(),
            bytes.len()
        ),
    })
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl FileSecureStore {
    /// A store in the folder `dir` (created on first write).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(dir: String) -> Arc<Self> {
        Arc::new(FileSecureStore::open(dir))
    }

    /// This store as the [`SecureStore`] interface, for functions that take one.
    pub fn as_secure_store(self: Arc<Self>) -> Arc<dyn SecureStore> {
        self
    }
}

impl SecureStore for FileSecureStore {
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.value_path(&key);
        let blob = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unavailable("cannot read", &path, e)),
        };
        let master = self.master_key()?;
        sealed::open(&master, VALUE_MAGIC, key.as_bytes(), &blob)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                detail: format!("value of {key:?} ({}): {e}", path.display()),
            })
    }

    fn put(&self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
        let master = self.master_key()?;
        let blob = sealed::seal(&master, VALUE_MAGIC, key.as_bytes(), &value).map_err(|_| {
            StoreError::Unavailable {
                detail: "encryption failed (no system randomness?)".into(),
            }
        })?;
        let path = self.value_path(&key);
        sealed::write_atomic(&path, &blob).map_err(|e| unavailable("cannot write", &path, e))
    }

    fn delete(&self, key: String) -> Result<(), StoreError> {
        let path = self.value_path(&key);
        match fs::remove_file(&path) {
            Ok(()) => {
                sealed::sync_dir(&self.dir).map_err(|e| unavailable("cannot sync", &self.dir, e))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable("cannot delete", &path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_support::TestDir;

    fn value_files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == VALUE_EXT))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn round_trip_get_put_replace_delete() {
        let dir = TestDir::new("store");
        let store = FileSecureStore::open(dir.path());
        assert_eq!(store.get("a".into()).unwrap(), None);
        store.put("a".into(), b"first".to_vec()).unwrap();
        assert_eq!(store.get("a".into()).unwrap().unwrap(), b"first");
        store.put("a".into(), b"second".to_vec()).unwrap();
        assert_eq!(store.get("a".into()).unwrap().unwrap(), b"second");
        store.put("empty".into(), Vec::new()).unwrap();
        assert_eq!(store.get("empty".into()).unwrap().unwrap(), b"");
        store.delete("a".into()).unwrap();
        assert_eq!(store.get("a".into()).unwrap(), None);
        store.delete("a".into()).unwrap(); // deleting twice is fine
        assert_eq!(value_files(dir.path()).len(), 1, "only `empty` is left");
    }

    #[test]
    fn values_survive_reopening_the_store() {
        let dir = TestDir::new("store");
        FileSecureStore::open(dir.path())
            .put("device.key".into(), vec![1, 2, 3])
            .unwrap();
        let reopened = FileSecureStore::open(dir.path());
        assert_eq!(
            reopened.get("device.key".into()).unwrap().unwrap(),
            [1, 2, 3]
        );
    }

    #[test]
    fn files_hold_neither_the_value_nor_the_key_name() {
        let dir = TestDir::new("store");
        let store = FileSecureStore::open(dir.path());
        store
            .put("outbox.key".into(), b"PLAINTEXT-MARKER".to_vec())
            .unwrap();
        for entry in fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(!name.contains("outbox"), "{name}");
            let bytes = fs::read(&path).unwrap();
            assert!(!bytes.windows(16).any(|w| w == b"PLAINTEXT-MARKER"));
        }
    }

    #[test]
    fn a_changed_byte_reads_as_corrupt_not_as_other_data() {
        let dir = TestDir::new("store");
        let store = FileSecureStore::open(dir.path());
        store.put("k".into(), b"value".to_vec()).unwrap();
        let path = value_files(dir.path()).remove(0);
        let original = fs::read(&path).unwrap();
        for i in [0, 5, original.len() / 2, original.len() - 1] {
            let mut bytes = original.clone();
            bytes[i] ^= 0x01;
            fs::write(&path, &bytes).unwrap();
            assert!(
                matches!(store.get("k".into()), Err(StoreError::Corrupt { .. })),
                "byte {i}"
            );
        }
        fs::write(&path, &original[..10]).unwrap();
        assert!(matches!(
            store.get("k".into()),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_value_copied_over_another_key_does_not_decrypt() {
        let dir = TestDir::new("store");
        let store = FileSecureStore::open(dir.path());
        store
            .put("alice".into(), b"alice's secret".to_vec())
            .unwrap();
        store.put("bob".into(), b"bob's secret".to_vec()).unwrap();
        let alice = store.value_path("alice");
        let bob = store.value_path("bob");
        fs::copy(&alice, &bob).unwrap();
        assert!(matches!(
            store.get("bob".into()),
            Err(StoreError::Corrupt { .. })
        ));
        assert_eq!(
            store.get("alice".into()).unwrap().unwrap(),
            b"alice's secret"
        );
    }

    #[test]
    fn a_lost_or_short_master_key_is_reported_as_corrupt() {
        let dir = TestDir::new("store");
        FileSecureStore::open(dir.path())
            .put("k".into(), b"v".to_vec())
            .unwrap();
        let master = dir.path().join(MASTER_KEY_FILE);
        fs::write(&master, [1u8; 5]).unwrap();
        let store = FileSecureStore::open(dir.path());
        assert!(matches!(
            store.get("k".into()),
            Err(StoreError::Corrupt { .. })
        ));
        // A new master key cannot open values sealed under the old one.
        fs::remove_file(&master).unwrap();
        let store = FileSecureStore::open(dir.path());
        assert!(matches!(
            store.get("k".into()),
            Err(StoreError::Corrupt { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn master_key_and_values_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TestDir::new("store");
        let sub = dir.path().join("nested");
        let store = FileSecureStore::open(&sub);
        store.put("k".into(), b"v".to_vec()).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&sub.join(MASTER_KEY_FILE)), 0o600);
        assert_eq!(fs::read(sub.join(MASTER_KEY_FILE)).unwrap().len(), 32);
        assert_eq!(mode(&store.value_path("k")), 0o600);
        assert_eq!(mode(&sub), 0o700);
    }

    #[test]
    fn two_stores_racing_on_a_new_folder_agree_on_one_master_key() {
        let dir = TestDir::new("store");
        let path = dir.path().join("fresh");
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let s = FileSecureStore::open(&path);
                    s.put(format!("k{i}"), vec![i]).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let store = FileSecureStore::open(&path);
        for i in 0..8u8 {
            assert_eq!(store.get(format!("k{i}")).unwrap().unwrap(), [i]);
        }
        let leftovers = fs::read_dir(&path)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
    }

    #[cfg(feature = "uniffi")]
    #[test]
    fn unexpected_foreign_errors_become_unavailable() {
        let e: StoreError = uniffi::UnexpectedUniFFICallbackError::new("boom").into();
        assert!(matches!(e, StoreError::Unavailable { ref detail } if detail == "boom"));
    }

    #[test]
    fn errors_are_described_in_three_languages() {
        for e in [
            StoreError::Unavailable { detail: "x".into() },
            StoreError::Corrupt { detail: "x".into() },
        ] {
            let texts: Vec<String> = [Language::ZhHans, Language::ZhHant, Language::En]
                .into_iter()
                .map(|l| e.describe(l).display)
                .collect();
            assert!(texts.iter().all(|t| !t.is_empty()));
            assert_ne!(texts[0], texts[1]);
            assert_ne!(texts[1], texts[2]);
        }
    }
}
