//! The offline outbox: signed evidence waiting to upload. It survives app
//! restarts (one encrypted file per item), retries with exponential backoff,
//! and keeps each item under its idempotency key, so an item is queued once and
//! the server can recognise a retry of a request it already accepted.
//!
//! Files: `<dir>/<idempotency key>.item`, each AES-256-GCM sealed with the
//! idempotency key as associated data (an item file renamed to another key does
//! not open). Unreadable files are moved to `<dir>/quarantine/` and reported,
//! never deleted and never in the way of the other items.
//!
//! The directory is read once, in [`Outbox::open`]; after that the outbox keeps
//! its items in memory and writes every change through to disk. Open one
//! `Outbox` per directory per process and share it (it is `Sync`).

use crate::storage::sealed::{self, KEY_LEN};
use crate::storage::{SecureStore, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The store entry holding the outbox's 32-byte encryption key.
pub const OUTBOX_KEY_NAME: &str = "outbox.key";
pub const QUARANTINE_DIR: &str = "quarantine";
const ITEM_EXT: &str = "item";
const ITEM_MAGIC: &[u8; 4] = b"LCQ1";

/// First retry after 15 s, doubling each failure, never more than 30 min.
pub const FIRST_RETRY_MS: u64 = 15_000;
pub const MAX_RETRY_MS: u64 = 30 * 60_000;
/// Each delay is shortened by a random 0-10 %, so phones that failed together
/// (a server outage) do not all retry in the same second.
pub const JITTER_PERMILLE_MAX: u64 = 100;
/// `last_error` is cut to this many characters.
pub const MAX_ERROR_CHARS: usize = 500;

/// One upload waiting for the server's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpload {
    /// 32 lower-case hex characters (128 random bits); sent with every
    /// attempt so the server accepts the upload at most once.
    pub idempotency_key: String,
    pub certification_id: String,
    /// Whose certification: an opaque person id.
    pub subject: String,
    /// The evidence JSON.
    #[serde(with = "b64")]
    pub body: Vec<u8>,
    /// The device key's signature of `body`.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    pub created_ms: u64,
    pub attempts: u32,
    /// Not to be sent before this time (ms since the Unix epoch).
    pub next_attempt_ms: u64,
    pub last_error: Option<String>,
}

use lifecert_domain::api::b64;

/// A fresh idempotency key: 128 bits from the system CSPRNG as 32 hex characters.
pub fn new_idempotency_key() -> Result<String, QueueError> {
    sealed::random_array::<16>()
        .map(|b| sealed::hex(&b))
        .map_err(|_| QueueError::Crypto {
            detail: "no system randomness for an idempotency key".into(),
        })
}

/// Whether `key` has the shape of an idempotency key (and so is a safe file name).
pub fn is_idempotency_key(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl PendingUpload {
    /// A new item with a fresh idempotency key, due at once.
    pub fn new(
        certification_id: String,
        subject: String,
        body: Vec<u8>,
        signature: Vec<u8>,
        now_ms: u64,
    ) -> Result<Self, QueueError> {
        Ok(PendingUpload {
            idempotency_key: new_idempotency_key()?,
            certification_id,
            subject,
            body,
            signature,
            created_ms: now_ms,
            attempts: 0,
            next_attempt_ms: now_ms,
            last_error: None,
        })
    }
}

#[derive(thiserror::Error, Clone, Debug, PartialEq, Eq)]
pub enum QueueError {
    #[error("outbox storage failed: {detail}")]
    Io { detail: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{key:?} is not an idempotency key (32 lower-case hex characters)")]
    InvalidKey { key: String },
    #[error("no queued upload has the idempotency key {key}")]
    NotFound { key: String },
    #[error("outbox encryption failed: {detail}")]
    Crypto { detail: String },
}

fn io_error(what: &str, path: &Path, e: io::Error) -> QueueError {
    QueueError::Io {
        detail: format!("{what} {}: {e}", path.display()),
    }
}

/// An item file that could not be read and was moved aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantined {
    /// The file's name in the outbox folder.
    pub file: String,
    /// Where it is now (`None` if moving it failed too; it is skipped anyway).
    pub moved_to: Option<PathBuf>,
    pub reason: String,
}

/// The delay before retry number `attempts` (1 = after the first failure):
/// 15 s, 30 s, 1 min, 2 min, ... capped at 30 min, shortened by
/// `jitter_permille` thousandths (at most [`JITTER_PERMILLE_MAX`]).
pub fn retry_delay_ms(attempts: u32, jitter_permille: u64) -> u64 {
    if attempts == 0 {
        return 0;
    }
    let doublings = (attempts - 1).min(32);
    let base = FIRST_RETRY_MS
        .saturating_mul(1u64 << doublings)
        .min(MAX_RETRY_MS);
    base - base * jitter_permille.min(JITTER_PERMILLE_MAX) / 1000
}

fn random_jitter_permille() -> u64 {
    sealed::random_array::<2>()
        .map(|b| u64::from(u16::from_le_bytes(b)) % (JITTER_PERMILLE_MAX + 1))
        .unwrap_or(0)
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

/// The offline outbox. Every method takes `&self`; an internal lock
/// serialises changes.
pub struct Outbox {
    dir: PathBuf,
    key: [u8; KEY_LEN],
    items: Mutex<BTreeMap<String, PendingUpload>>,
    quarantined: Vec<Quarantined>,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("dir", &self.dir)
            .field("len", &self.len())
            .field("quarantined", &self.quarantined.len())
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Opens (creating if needed) the outbox in `dir`, encrypted under `key`.
    /// Unreadable item files are quarantined (see [`Outbox::quarantined`]);
    /// temporary files left by a crash mid-write are removed.
    pub fn open(dir: &Path, key: [u8; KEY_LEN]) -> Result<Outbox, QueueError> {
        sealed::create_private_dir(dir).map_err(|e| io_error("cannot create", dir, e))?;
        let mut items = BTreeMap::new();
        let mut quarantined = Vec::new();
        let entries = fs::read_dir(dir).map_err(|e| io_error("cannot list", dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error("cannot list", dir, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if sealed::is_temp_name(&name) {
                let _ = fs::remove_file(&path);
                continue;
            }
            let Some(stem) = name.strip_suffix(&format!(".{ITEM_EXT}")) else {
                continue; // the quarantine folder, or files that are not ours
            };
            match read_item(&key, stem, &path) {
                Ok(item) => {
                    items.insert(stem.to_owned(), item);
                }
                Err(reason) => quarantined.push(quarantine(dir, &path, &name, reason.to_string())),
            }
        }
        Ok(Outbox {
            dir: dir.to_owned(),
            key,
            items: Mutex::new(items),
            quarantined,
        })
    }

    /// [`Outbox::open`] with the key kept in `store` under [`OUTBOX_KEY_NAME`],
    /// a random one created there on first use.
    pub fn open_with_store(dir: &Path, store: &dyn SecureStore) -> Result<Outbox, QueueError> {
        let key = match store.get(OUTBOX_KEY_NAME.into())? {
            Some(bytes) => bytes
                .as_slice()
                .try_into()
                .map_err(|_| StoreError::Corrupt {
                    detail: format!(
                        "{OUTBOX_KEY_NAME} has {} bytes, an outbox key has {KEY_LEN}",
                        bytes.len()
                    ),
                })?,
            None => {
                let fresh = sealed::random_array::<KEY_LEN>().map_err(|_| QueueError::Crypto {
                    detail: "no system randomness for the outbox key".into(),
                })?;
                store.put(OUTBOX_KEY_NAME.into(), fresh.to_vec())?;
                fresh
            }
        };
        Outbox::open(dir, key)
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, PendingUpload>> {
        // Changes reach the disk before the map, so the map is never ahead of
        // the files even if a holder panicked.
        self.items.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn item_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.{ITEM_EXT}"))
    }

    fn write(&self, item: &PendingUpload) -> Result<(), QueueError> {
        let json = serde_json::to_vec(item).map_err(|e| QueueError::Io {
            detail: format!("cannot serialise an item: {e}"),
        })?;
        let blob = sealed::seal(
            &self.key,
            ITEM_MAGIC,
            item.idempotency_key.as_bytes(),
            &json,
        )
        .map_err(|_| QueueError::Crypto {
            detail: "encryption failed (no system randomness?)".into(),
        })?;
        let path = self.item_path(&item.idempotency_key);
        sealed::write_atomic(&path, &blob).map_err(|e| io_error("cannot write", &path, e))
    }

    /// Queues `item`, on disk before this returns. An item whose idempotency
    /// key is already queued is left as it is (with its attempts and backoff):
    /// the same upload is never queued twice.
    pub fn enqueue(&self, item: PendingUpload) -> Result<(), QueueError> {
        if !is_idempotency_key(&item.idempotency_key) {
            return Err(QueueError::InvalidKey {
                key: item.idempotency_key,
            });
        }
        let mut items = self.lock();
        if items.contains_key(&item.idempotency_key) {
            return Ok(());
        }
        self.write(&item)?;
        items.insert(item.idempotency_key.clone(), item);
        Ok(())
    }

    /// Every queued item, oldest first.
    pub fn list(&self) -> Vec<PendingUpload> {
        let mut all: Vec<PendingUpload> = self.lock().values().cloned().collect();
        all.sort_by(|a, b| {
            (a.created_ms, &a.idempotency_key).cmp(&(b.created_ms, &b.idempotency_key))
        });
        all
    }

    /// The items whose next attempt is due at `now_ms`, oldest first.
    pub fn due(&self, now_ms: u64) -> Vec<PendingUpload> {
        let mut all = self.list();
        all.retain(|i| i.next_attempt_ms <= now_ms);
        all
    }

    /// When the next item becomes due, for scheduling a background job.
    pub fn next_due_ms(&self) -> Option<u64> {
        self.lock().values().map(|i| i.next_attempt_ms).min()
    }

    /// Records a failed attempt at `now_ms`: one more attempt, the error kept,
    /// the next attempt put off by [`retry_delay_ms`].
    pub fn record_failure(&self, key: &str, now_ms: u64, error: &str) -> Result<(), QueueError> {
        let mut items = self.lock();
        let Some(current) = items.get(key) else {
            return Err(QueueError::NotFound {
                key: key.to_owned(),
            });
        };
        let mut updated = current.clone();
        updated.attempts = updated.attempts.saturating_add(1);
        updated.next_attempt_ms =
            now_ms.saturating_add(retry_delay_ms(updated.attempts, random_jitter_permille()));
        updated.last_error = Some(truncate_chars(error, MAX_ERROR_CHARS));
        self.write(&updated)?;
        items.insert(key.to_owned(), updated);
        Ok(())
    }

    /// Drops an item once the server has acknowledged it. Removing an item
    /// that is not queued (an acknowledgement seen twice) is not an error.
    pub fn remove(&self, key: &str) -> Result<(), QueueError> {
        if !is_idempotency_key(key) {
            return Err(QueueError::InvalidKey {
                key: key.to_owned(),
            });
        }
        let mut items = self.lock();
        let path = self.item_path(key);
        match fs::remove_file(&path) {
            Ok(()) => {
                sealed::sync_dir(&self.dir).map_err(|e| io_error("cannot sync", &self.dir, e))?
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("cannot delete", &path, e)),
        }
        items.remove(key);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Item files found unreadable when the outbox was opened.
    pub fn quarantined(&self) -> &[Quarantined] {
        &self.quarantined
    }
}

/// Why an item file was quarantined.
#[derive(Debug, thiserror::Error)]
enum Unreadable {
    #[error("the file name is not an idempotency key")]
    BadName,
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Sealed(sealed::OpenError),
    #[error("not an outbox item: {0}")]
    NotAnItem(#[from] serde_json::Error),
    #[error("the item inside has the idempotency key {0}")]
    OtherKey(String),
}

fn read_item(key: &[u8; KEY_LEN], stem: &str, path: &Path) -> Result<PendingUpload, Unreadable> {
    if !is_idempotency_key(stem) {
        return Err(Unreadable::BadName);
    }
    let blob = fs::read(path)?;
    let json = sealed::open(key, ITEM_MAGIC, stem.as_bytes(), &blob).map_err(Unreadable::Sealed)?;
    let item: PendingUpload = serde_json::from_slice(&json)?;
    if item.idempotency_key != stem {
        return Err(Unreadable::OtherKey(item.idempotency_key));
    }
    Ok(item)
}

fn quarantine(dir: &Path, path: &Path, name: &str, reason: String) -> Quarantined {
    let qdir = dir.join(QUARANTINE_DIR);
    let moved = sealed::create_private_dir(&qdir).and_then(|()| {
        let mut target = qdir.join(name);
        if target.exists() {
            let suffix = sealed::random_array::<4>()
                .map(|b| sealed::hex(&b))
                .unwrap_or_default();
            target = qdir.join(format!("{name}.{suffix}"));
        }
        fs::rename(path, &target)?;
        Ok(target)
    });
    Quarantined {
        file: name.to_owned(),
        moved_to: moved.as_ref().ok().cloned(),
        reason: match moved {
            Ok(_) => reason,
            Err(e) => format!("{reason}; could not move it aside: {e}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_support::{MemoryStore, TestDir};

    const KEY: [u8; 32] = [42; 32];

    fn item(created_ms: u64, body: &[u8]) -> PendingUpload {
        PendingUpload::new(
            "cert-2026-001".into(),
            "person-7".into(),
            body.to_vec(),
            vec![9; 64],
            created_ms,
        )
        .unwrap()
    }

    fn item_files(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == ITEM_EXT))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn idempotency_keys_are_32_hex_and_distinct() {
        let a = new_idempotency_key().unwrap();
        let b = new_idempotency_key().unwrap();
        assert!(is_idempotency_key(&a), "{a}");
        assert_ne!(a, b);
        assert!(!is_idempotency_key("../../etc/passwd0000000000000000"));
        assert!(!is_idempotency_key(&a.to_uppercase()));
        assert!(!is_idempotency_key(&a[..31]));
    }

    #[test]
    fn items_survive_reopening_the_outbox() {
        let dir = TestDir::new("outbox");
        let (a, b) = (item(1_000, b"{\"a\":1}"), item(2_000, b"{\"b\":2}"));
        {
            let outbox = Outbox::open(dir.path(), KEY).unwrap();
            outbox.enqueue(b.clone()).unwrap();
            outbox.enqueue(a.clone()).unwrap();
            outbox
                .record_failure(&b.idempotency_key, 3_000, "HTTP 503")
                .unwrap();
        }
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let list = outbox.list();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0], a, "oldest first");
        assert_eq!(list[1].idempotency_key, b.idempotency_key);
        assert_eq!(list[1].body, b.body);
        assert_eq!(list[1].attempts, 1);
        assert_eq!(list[1].last_error.as_deref(), Some("HTTP 503"));
        assert!(outbox.quarantined().is_empty());
    }

    #[test]
    fn backoff_doubles_from_15_seconds_and_caps_at_30_minutes() {
        let expected_s = [0, 15, 30, 60, 120, 240, 480, 960, 1800, 1800];
        for (attempts, s) in expected_s.into_iter().enumerate() {
            assert_eq!(
                retry_delay_ms(attempts as u32, 0),
                s * 1000,
                "attempt {attempts}"
            );
        }
        assert_eq!(retry_delay_ms(u32::MAX, 0), MAX_RETRY_MS);
        assert_eq!(
            retry_delay_ms(1, 100),
            13_500,
            "jitter shortens by up to 10 %"
        );
        assert_eq!(retry_delay_ms(1, 5_000), 13_500, "jitter is clamped");
        assert_eq!(retry_delay_ms(40, 100), MAX_RETRY_MS * 9 / 10);
    }

    #[test]
    fn due_respects_backoff() {
        let dir = TestDir::new("outbox");
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let it = item(1_000, b"{}");
        let key = it.idempotency_key.clone();
        outbox.enqueue(it).unwrap();
        assert!(outbox.due(999).is_empty(), "not before it was created");
        assert_eq!(outbox.due(1_000).len(), 1);

        outbox.record_failure(&key, 10_000, "timeout").unwrap();
        assert!(
            outbox.due(10_000 + 13_499).is_empty(),
            "first retry waits >= 13.5 s"
        );
        assert_eq!(outbox.due(10_000 + 15_000).len(), 1, "and <= 15 s");
        let next = outbox.next_due_ms().unwrap();
        assert!(
            (10_000 + 13_500..=10_000 + 15_000).contains(&next),
            "{next}"
        );

        outbox.record_failure(&key, 30_000, "timeout").unwrap();
        assert!(
            outbox.due(30_000 + 26_999).is_empty(),
            "second retry waits >= 27 s"
        );
        assert_eq!(outbox.due(30_000 + 30_000).len(), 1);

        for _ in 0..20 {
            outbox.record_failure(&key, 100_000, "down").unwrap();
        }
        let it = &outbox.list()[0];
        assert_eq!(it.attempts, 22);
        assert!(it.next_attempt_ms <= 100_000 + MAX_RETRY_MS, "capped");
        assert!(it.next_attempt_ms >= 100_000 + MAX_RETRY_MS * 9 / 10);
    }

    #[test]
    fn due_lists_oldest_first() {
        let dir = TestDir::new("outbox");
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        for t in [5_000, 1_000, 3_000] {
            outbox.enqueue(item(t, b"{}")).unwrap();
        }
        let times: Vec<u64> = outbox.due(10_000).iter().map(|i| i.created_ms).collect();
        assert_eq!(times, [1_000, 3_000, 5_000]);
    }

    #[test]
    fn removed_items_stay_gone_after_reopen() {
        let dir = TestDir::new("outbox");
        let (a, b) = (item(1, b"a"), item(2, b"b"));
        {
            let outbox = Outbox::open(dir.path(), KEY).unwrap();
            outbox.enqueue(a.clone()).unwrap();
            outbox.enqueue(b.clone()).unwrap();
            outbox.remove(&a.idempotency_key).unwrap();
            outbox.remove(&a.idempotency_key).unwrap(); // acknowledged twice
            assert_eq!(outbox.len(), 1);
        }
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        assert_eq!(outbox.list(), [b]);
        assert_eq!(item_files(dir.path()).len(), 1);
    }

    #[test]
    fn a_corrupt_file_is_quarantined_and_the_others_still_load() {
        let dir = TestDir::new("outbox");
        let items = [item(1, b"one"), item(2, b"two"), item(3, b"three")];
        {
            let outbox = Outbox::open(dir.path(), KEY).unwrap();
            for it in &items {
                outbox.enqueue(it.clone()).unwrap();
            }
        }
        let victim = dir
            .path()
            .join(format!("{}.item", items[1].idempotency_key));
        let mut bytes = fs::read(&victim).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        fs::write(&victim, &bytes).unwrap();
        // Also garbage under a valid-looking name, and a crash leftover.
        let garbage = dir.path().join(format!("{}.item", "0".repeat(32)));
        fs::write(&garbage, b"garbage").unwrap();
        fs::write(dir.path().join(".x.item.0011.tmp"), b"half").unwrap();

        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let keys: Vec<String> = outbox
            .list()
            .into_iter()
            .map(|i| i.idempotency_key)
            .collect();
        assert_eq!(
            keys,
            [
                items[0].idempotency_key.clone(),
                items[2].idempotency_key.clone()
            ]
        );
        let mut quarantined: Vec<&str> = outbox
            .quarantined()
            .iter()
            .map(|q| q.file.as_str())
            .collect();
        quarantined.sort();
        let victim_name = format!("{}.item", items[1].idempotency_key);
        let garbage_name = format!("{}.item", "0".repeat(32));
        let mut expected = vec![victim_name.as_str(), garbage_name.as_str()];
        expected.sort();
        assert_eq!(quarantined, expected);
        for q in outbox.quarantined() {
            assert!(q.moved_to.as_ref().unwrap().exists(), "{q:?}");
        }
        assert!(!victim.exists() && !garbage.exists());
        assert_eq!(
            item_files(dir.path()).len(),
            2,
            "temp file cleaned, bad ones moved"
        );

        // Reopening finds nothing new to quarantine.
        let again = Outbox::open(dir.path(), KEY).unwrap();
        assert!(again.quarantined().is_empty());
        assert_eq!(again.len(), 2);
    }

    #[test]
    fn an_item_renamed_to_another_key_does_not_open() {
        let dir = TestDir::new("outbox");
        let (a, b) = (item(1, b"a"), item(2, b"b"));
        {
            let outbox = Outbox::open(dir.path(), KEY).unwrap();
            outbox.enqueue(a.clone()).unwrap();
            outbox.enqueue(b.clone()).unwrap();
        }
        let path = |k: &str| dir.path().join(format!("{k}.item"));
        fs::copy(path(&a.idempotency_key), path(&b.idempotency_key)).unwrap();
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        assert_eq!(outbox.list(), [a]);
        assert_eq!(outbox.quarantined().len(), 1);
    }

    #[test]
    fn the_wrong_key_quarantines_instead_of_panicking() {
        let dir = TestDir::new("outbox");
        Outbox::open(dir.path(), KEY)
            .unwrap()
            .enqueue(item(1, b"x"))
            .unwrap();
        let outbox = Outbox::open(dir.path(), [1; 32]).unwrap();
        assert!(outbox.is_empty());
        assert_eq!(outbox.quarantined().len(), 1);
    }

    #[test]
    fn files_on_disk_do_not_contain_the_plaintext() {
        let dir = TestDir::new("outbox");
        let body = br#"{"subject":"PLAINTEXT-EVIDENCE-MARKER","frames":[1,2,3]}"#;
        let it = item(1, body);
        let encoded = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(body)
        };
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        outbox.enqueue(it.clone()).unwrap();
        outbox
            .record_failure(&it.idempotency_key, 5, "err")
            .unwrap();
        let needles: [&[u8]; 4] = [
            b"PLAINTEXT-EVIDENCE-MARKER",
            encoded.as_bytes(),
            b"cert-2026-001",
            b"person-7",
        ];
        let files = item_files(dir.path());
        assert_eq!(files.len(), 1);
        for file in files {
            let bytes = fs::read(&file).unwrap();
            for needle in needles {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} found in {}",
                    String::from_utf8_lossy(needle),
                    file.display()
                );
            }
        }
    }

    #[test]
    fn enqueueing_the_same_idempotency_key_twice_keeps_one_item() {
        let dir = TestDir::new("outbox");
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let it = item(1, b"first");
        outbox.enqueue(it.clone()).unwrap();
        outbox
            .record_failure(&it.idempotency_key, 10, "503")
            .unwrap();
        let mut again = it.clone();
        again.body = b"second".to_vec();
        outbox.enqueue(again).unwrap();
        assert_eq!(outbox.len(), 1);
        let kept = &outbox.list()[0];
        assert_eq!(kept.body, b"first");
        assert_eq!(kept.attempts, 1, "backoff state is not reset");
        drop(outbox);
        assert_eq!(Outbox::open(dir.path(), KEY).unwrap().len(), 1);
        assert_eq!(item_files(dir.path()).len(), 1);
    }

    #[test]
    fn bad_keys_are_refused_before_touching_the_disk() {
        let dir = TestDir::new("outbox");
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let mut it = item(1, b"x");
        it.idempotency_key = "../escape".into();
        assert!(matches!(
            outbox.enqueue(it),
            Err(QueueError::InvalidKey { .. })
        ));
        assert!(matches!(
            outbox.remove("../x"),
            Err(QueueError::InvalidKey { .. })
        ));
        assert!(matches!(
            outbox.record_failure(&"a".repeat(32), 1, "e"),
            Err(QueueError::NotFound { .. })
        ));
        assert!(item_files(dir.path()).is_empty());
    }

    #[test]
    fn long_errors_are_cut_on_a_character_boundary() {
        let dir = TestDir::new("outbox");
        let outbox = Outbox::open(dir.path(), KEY).unwrap();
        let it = item(1, b"x");
        outbox.enqueue(it.clone()).unwrap();
        outbox
            .record_failure(&it.idempotency_key, 2, &"服务器错误".repeat(200))
            .unwrap();
        let err = outbox.list()[0].last_error.clone().unwrap();
        assert_eq!(err.chars().count(), MAX_ERROR_CHARS);
    }

    #[test]
    fn the_key_from_a_secure_store_is_created_once_and_reused() {
        let dir = TestDir::new("outbox");
        let store = MemoryStore::default();
        let it = item(1, b"x");
        Outbox::open_with_store(dir.path(), &store)
            .unwrap()
            .enqueue(it.clone())
            .unwrap();
        assert_eq!(
            store.get(OUTBOX_KEY_NAME.into()).unwrap().unwrap().len(),
            32
        );
        assert_eq!(
            Outbox::open_with_store(dir.path(), &store).unwrap().list(),
            [it]
        );

        store.put(OUTBOX_KEY_NAME.into(), vec![1; 7]).unwrap();
        assert!(matches!(
            Outbox::open_with_store(dir.path(), &store),
            Err(QueueError::Store(StoreError::Corrupt { .. }))
        ));
    }

    #[test]
    fn concurrent_enqueues_from_many_threads_all_land() {
        let dir = TestDir::new("outbox");
        let outbox = std::sync::Arc::new(Outbox::open(dir.path(), KEY).unwrap());
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let outbox = outbox.clone();
                std::thread::spawn(move || {
                    for i in 0..5 {
                        outbox.enqueue(item(t * 10 + i, b"{}")).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(outbox.len(), 40);
        assert_eq!(Outbox::open(dir.path(), KEY).unwrap().len(), 40);
    }
}
