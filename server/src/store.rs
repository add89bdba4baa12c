//! Where evidence and template photos are kept: a local folder by default, or
//! an S3-compatible bucket (through the `object_store` crate) when the config
//! has an `[s3]` section. Local objects are written to a temporary file,
//! flushed to disk and renamed, so a crash leaves the whole object or none of
//! it; an S3 PUT is atomic by itself. Objects never reach the logs.

use object_store::aws::AmazonS3Builder;
use serde::Deserialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An S3-compatible bucket. Credentials come from the usual
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` environment variables.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// For S3-compatible stores (MinIO, Ceph, a cloud's own): their URL.
    pub endpoint: Option<String>,
    /// Plain HTTP to the endpoint (a store on the same private network).
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

#[derive(Clone)]
pub enum ObjectStore {
    Local {
        root: PathBuf,
    },
    S3 {
        store: Arc<dyn object_store::ObjectStore>,
    },
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ObjectStore::Local { root } => write!(f, "local folder {}", root.display()),
            ObjectStore::S3 { store } => write!(f, "{store}"),
        }
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
    pub fn open(root: &Path) -> std::io::Result<ObjectStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(ObjectStore::Local {
            root: root.to_path_buf(),
        })
    }

    pub fn s3(cfg: &S3Config) -> std::io::Result<ObjectStore> {
        let mut b = AmazonS3Builder::from_env()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region)
            .with_allow_http(cfg.allow_http);
        if let Some(endpoint) = &cfg.endpoint {
            b = b.with_endpoint(endpoint);
        }
        Ok(ObjectStore::S3 {
            store: Arc::new(b.build().map_err(io)?),
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        check_key(key)?;
        match self {
            ObjectStore::Local { root } => {
                let (root, key) = (root.clone(), key.to_string());
                tokio::task::spawn_blocking(move || put_local(&root, &key, &bytes))
                    .await
                    .map_err(std::io::Error::other)?
            }
            ObjectStore::S3 { store } => {
                store
                    .put(&object_store::path::Path::from(key), bytes.into())
                    .await
                    .map_err(io)?;
                Ok(())
            }
        }
    }

    pub async fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        check_key(key)?;
        match self {
            ObjectStore::Local { root } => tokio::fs::read(root.join(key)).await,
            ObjectStore::S3 { store } => {
                let got = store
                    .get(&object_store::path::Path::from(key))
                    .await
                    .map_err(io)?;
                Ok(got.bytes().await.map_err(io)?.to_vec())
            }
        }
    }
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
        let store = ObjectStore::open(&dir).unwrap();
        store
            .put("evidence/abc.json", b"{}".to_vec())
            .await
            .unwrap();
        assert_eq!(store.get("evidence/abc.json").await.unwrap(), b"{}");
        assert!(store.put("../escape", b"x".to_vec()).await.is_err());
        assert!(store.put("/etc/passwd", b"x".to_vec()).await.is_err());
        assert!(store.get("evidence/missing").await.is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
