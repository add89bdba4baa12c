//! The records page's last answer from certd, with the agency's receipt keys,
//! kept on the phone so the records (and whether each receipt is genuine) can
//! be shown without a network: a pensioner at a bank counter with no signal
//! still has her proof. Kept through the platform's key store (encrypted),
//! and forgotten at log-out, as another person may use the phone next.

use super::SecureStore;
use lifecert_domain::api::{self, CertificationRecord, ReceiptKey};
use serde::{Deserialize, Serialize};

const KEY: &str = "records.kept";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeptRecords {
    pub records: Vec<CertificationRecord>,
    /// The receipt keys the records were checked with (fetched or pinned).
    pub keys: Vec<ReceiptKey>,
    /// Whose phone: person id and name, so "本人" reads right when Home
    /// could not be loaded either.
    #[serde(default)]
    pub me: Option<(String, String)>,
}

impl KeptRecords {
    /// Each record with whether its receipt is the agency's, for this very
    /// certification, checked here and now with the kept keys (never taken
    /// on trust from when they were saved).
    pub fn verified(&self) -> Vec<(CertificationRecord, bool)> {
        self.records
            .iter()
            .map(|r| {
                let ok = r
                    .receipt
                    .as_ref()
                    .and_then(|receipt| api::verify_receipt_with(receipt, &self.keys))
                    .is_some_and(|c| {
                        c.certification_id == r.certification_id
                            && c.subject_person_id == r.subject_person_id
                    });
                (r.clone(), ok)
            })
            .collect()
    }
}

/// Best effort: a store that refuses only means no records offline.
pub fn save(store: &dyn SecureStore, kept: &KeptRecords) {
    let bytes = serde_json::to_vec(kept).expect("plain data");
    if let Err(e) = store.put(KEY.into(), bytes) {
        log::warn!("records not kept on the phone: {e}");
    }
}

/// What was kept, if anything readable.
pub fn load(store: &dyn SecureStore) -> Option<KeptRecords> {
    let bytes = store.get(KEY.into()).ok()??;
    serde_json::from_slice(&bytes).ok()
}

pub fn forget(store: &dyn SecureStore) {
    let _ = store.delete(KEY.into());
}
