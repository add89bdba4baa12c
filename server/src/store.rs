//! Where evidence and template photos are kept: a local folder by default, or
//! an S3-compatible bucket (through the `object_store` crate) when the config
//! has an `[s3]` section. Local objects are written to a temporary file,
//! flushed to disk and renamed, so a crash leaves the whole object or none of
//! it; an S3 PUT is atomic by itself. Every object is sealed (`seal`) before
//! it is written and opened after it is read. Objects never reach the logs.

pub use crate::config::S3Config;
use crate::seal::Sealer;
use object_store::aws::AmazonS3Builder;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
enum Backend {
    Local {
        root: PathBuf,
    },
    S3 {
        store: Arc<dyn object_store::ObjectStore>,
    },
}

#[derive(Clone)]
pub struct ObjectStore {
    backend: Backend,
    sealer: Arc<Sealer>,
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Local { root } => write!(f, "local folder {}", root.display())?,
            Backend::S3 { store } => write!(f, "{store}")?,
        }
        write!(f, ", {:?}", self.sealer)
    }
}

fn check_key(key: &str) -> std::io::Result<()> {
    let ok = !key.is_empty()
        && key
            .split('/')
            .all(|p| !p.is_empty() && p != "." && p != "..")
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if ok {
        Ok(())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "bad object key",
        ))
    }
}

fn io(e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string())
        }
        other => std::io::Error::other(other.to_string()),
    }
}

impl ObjectStore {
    pub fn open(root: &Path, sealer: Arc<Sealer>) -> std::io::Result<ObjectStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(ObjectStore {
            backend: Backend::Local {
                root: root.to_path_buf(),
            },
            sealer,
        })
    }

    pub fn s3(cfg: &S3Config, sealer: Arc<Sealer>) -> std::io::Result<ObjectStore> {
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_allow_http(cfg.allow_http);
        if let Some(endpoint) = &cfg.endpoint {
            b = b.with_endpoint(endpoint);
        }
        Ok(ObjectStore {
            backend: Backend::S3 {
                store: Arc::new(b.build().map_err(io)?),
            },
            sealer,
        })
    }

    /// Seals `bytes` and stores them under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        check_key(key)?;
        let sealed = self.sealer.seal(key, &bytes)?;
        match &self.backend {
            Backend::Local { root } => {
                let (root, key) = (root.clone(), key.to_string());
                tokio::task::spawn_blocking(move || put_local(&root, &key, &sealed))
                    .await
                    .map_err(std::io::Error::other)?
            }
            Backend::S3 { store } => {
                store
                    .put(&object_store::path::Path::from(key), sealed.into())
                    .await
                    .map_err(io)?;
                Ok(())
            }
        }
    }

    /// The object under `key`, opened.
    pub async fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        let sealed = self.get_sealed(key).await?;
        self.sealer.unseal(key, &sealed)
    }

    /// The object's bytes as stored (sealed): what a copy of the bucket holds.
    pub async fn get_sealed(&self, key: &str) -> std::io::Result<Vec<u8>> {
        check_key(key)?;
        match &self.backend {
            Backend::Local { root } => tokio::fs::read(root.join(key)).await,
            Backend::S3 { store } => {
                let got = store
                    .get(&object_store::path::Path::from(key))
                    .await
                    .map_err(io)?;
                Ok(got.bytes().await.map_err(io)?.to_vec())
            }
        }
    }

    /// Deletes the object; one already gone is not an error (a purge that
    /// was interrupted runs again).
    pub async fn delete(&self, key: &str) -> std::io::Result<()> {
        check_key(key)?;
        let done = match &self.backend {
            Backend::Local { root } => tokio::fs::remove_file(root.join(key)).await,
            Backend::S3 { store } => store
                .delete(&object_store::path::Path::from(key))
                .await
                .map_err(io),
        };
        match done {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// The keys of the objects under `prefix` (a folder), sorted.
    pub async fn list(&self, prefix: &str) -> std::io::Result<Vec<String>> {
        check_key(prefix)?;
        let mut out = match &self.backend {
            Backend::Local { root } => {
                let (root, prefix) = (root.clone(), prefix.to_string());
                tokio::task::spawn_blocking(move || list_local(&root, &prefix))
                    .await
                    .map_err(std::io::Error::other)??
            }
            Backend::S3 { store } => {
                use futures_util::TryStreamExt as _;
                let prefix = object_store::path::Path::from(prefix);
                store
                    .list(Some(&prefix))
                    .map_ok(|m| m.location.to_string())
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(io)?
            }
        };
        out.sort();
        Ok(out)
    }
}

fn list_local(root: &Path, prefix: &str) -> std::io::Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(prefix)];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            other => other?,
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    Ok(out)
}

fn put_local(root: &Path, key: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = root.join(key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = root.join("tmp").join(crate::db::new_id());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn objects_round_trip_and_keys_cannot_escape_the_root() {
        let dir = std::env::temp_dir().join(format!("certd-store-{}", crate::db::new_id()));
        let sealer = Arc::new(Sealer::open(&dir.join("keys")).unwrap());
        let store = ObjectStore::open(&dir.join("objects"), sealer).unwrap();
        store
            .put("evidence/abc.json", b"{}".to_vec())
            .await
            .unwrap();
        assert_eq!(store.get("evidence/abc.json").await.unwrap(), b"{}");
        assert!(store.put("../escape", b"x".to_vec()).await.is_err());
        assert!(store.put("/etc/passwd", b"x".to_vec()).await.is_err());
        assert!(store.get("evidence/missing").await.is_err());
        // Sealed on disk, listed, deleted (twice: a purge may run again).
        let on_disk = std::fs::read(dir.join("objects/evidence/abc.json")).unwrap();
        assert_ne!(on_disk, b"{}");
        assert_eq!(store.list("evidence").await.unwrap(), ["evidence/abc.json"]);
        store.delete("evidence/abc.json").await.unwrap();
        store.delete("evidence/abc.json").await.unwrap();
        assert!(store.list("evidence").await.unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
