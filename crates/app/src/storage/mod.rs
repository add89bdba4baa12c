//! Secrets and small values kept on the device, encrypted at rest.
//!
//! The phones keep them in the platform keystores: the shells implement
//! [`SecureStore`] over the Android Keystore and the iOS Keychain. Desktop
//! tools and tests use [`FileSecureStore`], files encrypted under a key file
//! that sits next to them (see its caveats).

pub mod kept_records;
pub(crate) mod sealed;
pub mod secure_store;

pub use secure_store::*;

#[cfg(test)]
pub(crate) mod test_support {
    use super::{SecureStore, StoreError};
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::Mutex;

    /// A fresh directory under the system temp dir, removed on drop.
    pub(crate) struct TestDir(PathBuf);

    impl TestDir {
        pub(crate) fn new(tag: &str) -> Self {
            let suffix = super::sealed::hex(&super::sealed::random_array::<8>().unwrap());
            let path = std::env::temp_dir().join(format!("lifecert-{tag}-{suffix}"));
            std::fs::create_dir_all(&path).unwrap();
            TestDir(path)
        }

        pub(crate) fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// What a shell's keystore looks like to the core, in memory.
    #[derive(Default)]
    pub(crate) struct MemoryStore(pub(crate) Mutex<HashMap<String, Vec<u8>>>);

    impl SecureStore for MemoryStore {
        fn get(&self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self.0.lock().unwrap().get(&key).cloned())
        }
        fn put(&self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
            self.0.lock().unwrap().insert(key, value);
            Ok(())
        }
        fn delete(&self, key: String) -> Result<(), StoreError> {
            self.0.lock().unwrap().remove(&key);
            Ok(())
        }
    }
}
