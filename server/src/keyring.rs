//! Folders of numbered secret keys kept outside the database: receipt
//! signing keys (`k1.pk8`, `k2.pk8`...) and evidence sealing keys (`e1.key`,
//! `e2.key`...). The folder and its files are readable by certd's user only;
//! a key file is written once and never changed; the highest number is the
//! current key. Rotation adds the next number and keeps the earlier ones, so
//! what they signed or sealed stays verifiable or readable. Several certd
//! processes may share a folder: a key is created with a hard link, which
//! fails if another process made that number first (then both use theirs).

use std::io::Write;
use std::path::{Path, PathBuf};

/// One kind of key in one folder: files `<prefix><n>.<ext>`.
pub struct KeyFolder<'a> {
    pub dir: &'a Path,
    pub prefix: &'static str,
    pub ext: &'static str,
    /// What the keys are for, in error messages.
    pub what: &'static str,
}

impl KeyFolder<'_> {
    pub fn err(&self, e: std::io::Error) -> String {
        format!("{} in {}: {e}", self.what, self.dir.display())
    }

    pub fn kid(&self, n: u32) -> String {
        format!("{}{n}", self.prefix)
    }

    fn number(&self, name: &str) -> Option<u32> {
        name.strip_suffix(self.ext)?
            .strip_suffix('.')?
            .strip_prefix(self.prefix)?
            .parse()
            .ok()
    }

    /// Creates the folder, private to certd's user.
    pub fn create(&self) -> Result<(), String> {
        std::fs::create_dir_all(self.dir).map_err(|e| self.err(e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The key files, by number.
    pub fn files(&self) -> Result<Vec<(u32, PathBuf)>, String> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(self.dir).map_err(|e| self.err(e))? {
            let entry = entry.map_err(|e| self.err(e))?;
            if let Some(n) = entry.file_name().to_str().and_then(|s| self.number(s)) {
                out.push((n, entry.path()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Writes `bytes` as key number `n` unless that number exists: to a
    /// private temporary file, then hard-linked into place. False if it existed.
    pub fn write(&self, n: u32, bytes: &[u8]) -> Result<bool, String> {
        let io = || -> std::io::Result<bool> {
            let tmp = self.dir.join(format!(".tmp-{}", crate::db::new_id()));
            {
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
                let mut f = opts.open(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
            let linked =
                std::fs::hard_link(&tmp, self.dir.join(format!("{}.{}", self.kid(n), self.ext)));
            std::fs::remove_file(&tmp)?;
            match linked {
                Ok(()) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(e),
            }
        };
        io().map_err(|e| self.err(e))
    }

    /// Adds the next key made by `make`; returns its id.
    pub fn rotate(&self, make: impl Fn() -> Result<Vec<u8>, String>) -> Result<String, String> {
        loop {
            let next = self.files()?.last().map_or(1, |k| k.0 + 1);
            if self.write(next, &make()?)? {
                return Ok(self.kid(next));
            }
        }
    }

    /// Every key as (id, bytes), oldest first; the first one is made by
    /// `make` if the folder has none.
    pub fn load_or_create(
        &self,
        make: impl Fn() -> Result<Vec<u8>, String>,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.create()?;
        if self.files()?.is_empty() {
            self.write(1, &make()?)?;
        }
        self.load()
    }

    /// Every key as (id, bytes), oldest first.
    pub fn load(&self) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.files()?
            .into_iter()
            .map(|(n, path)| Ok((self.kid(n), std::fs::read(&path).map_err(|e| self.err(e))?)))
            .collect()
    }
}
