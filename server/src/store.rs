//! Where evidence and template photos are kept: a local folder by default.
//! Each object is written to a temporary file, flushed to disk and renamed, so
//! a crash leaves either the whole object or none of it. Objects never reach
//! the logs.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct ObjectStore {
    root: PathBuf,
}

impl ObjectStore {
    pub fn open(root: &Path) -> std::io::Result<ObjectStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(ObjectStore {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> Result<PathBuf, std::io::Error> {
        let ok = !key.is_empty()
            && key
                .split('/')
                .all(|p| !p.is_empty() && p != "." && p != "..")
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        if !ok {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "bad object key",
            ));
        }
        Ok(self.root.join(key))
    }

    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.root.join("tmp").join(crate::db::new_id());
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        if let Some(dir) = path.parent() {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    }

    pub fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.path(key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip_and_keys_cannot_escape_the_root() {
        let dir = std::env::temp_dir().join(format!("certd-store-{}", crate::db::new_id()));
        let store = ObjectStore::open(&dir).unwrap();
        store.put("evidence/abc.json", b"{}").unwrap();
        assert_eq!(store.get("evidence/abc.json").unwrap(), b"{}");
        assert!(store.put("../escape", b"x").is_err());
        assert!(store.put("/etc/passwd", b"x").is_err());
        assert!(store.get("evidence/missing").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
