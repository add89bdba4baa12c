//! The person's display choices (language, large text, voice), kept across
//! app restarts: an elderly user who turned on large text once should never
//! have to find the switch again. Stored through the platform's key store, the
//! one persistence the shells already give the core.

use crate::storage::SecureStore;
use lifecert_domain::i18n::Language;
use serde::{Deserialize, Serialize};

const KEY: &str = "settings";

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub language: Language,
    pub large_text: bool,
    pub voice_on: bool,
}

/// The saved choices, or `None` on first start (or if they cannot be read:
/// then the defaults apply and the next change saves afresh).
pub fn load(store: &dyn SecureStore) -> Option<Settings> {
    let bytes = store.get(KEY.into()).ok()??;
    serde_json::from_slice(&bytes).ok()
}

/// Best effort: a store that refuses keeps the choice for this run only,
/// which is better than refusing to change the text size.
pub fn save(store: &dyn SecureStore, settings: Settings) {
    let bytes = serde_json::to_vec(&settings).expect("plain data");
    if let Err(e) = store.put(KEY.into(), bytes) {
        eprintln!("lifecert: settings not saved: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::FileSecureStore;

    #[test]
    fn saved_settings_come_back_and_unreadable_ones_mean_defaults() {
        let dir = std::env::temp_dir().join(format!("lifecert-settings-{}", std::process::id()));
        let store = FileSecureStore::new(dir.to_string_lossy().into()).as_secure_store();
        let store = store.as_ref();
        assert_eq!(load(store), None);
        let s = Settings {
            language: Language::En,
            large_text: true,
            voice_on: false,
        };
        save(store, s);
        assert_eq!(load(store), Some(s));
        store.put(KEY.into(), b"{not json".to_vec()).unwrap();
        assert_eq!(load(store), None);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn large_text_voice_and_language_survive_an_app_restart() {
        use crate::flow::{AppConfig, Event, LifeCertApp};
        let dir = std::env::temp_dir().join(format!("lifecert-restart-{}", std::process::id()));
        let open = |language| {
            let store = FileSecureStore::new(dir.to_string_lossy().into()).as_secure_store();
            let config = AppConfig {
                server_url: "http://127.0.0.1:9".into(),
                storage_dir: dir.to_string_lossy().into(),
                language,
                receipt_public_key: None,
            };
            LifeCertApp::new(config, store).unwrap()
        };
        let app = open(Language::ZhHans);
        let first = app.view();
        assert!(!first.large_text && first.voice_on && first.language == Language::ZhHans);
        app.send(Event::SetLargeText { on: true });
        app.send(Event::SetVoice { on: false });
        app.send(Event::SetLanguage {
            language: Language::ZhHant,
        });
        crate::flow::model::tests::block(app.settle());
        drop(app);
        // The phone's locale says English, but she chose Traditional Chinese.
        let again = open(Language::En).view();
        assert!(again.large_text, "large text kept");
        assert!(!again.voice_on, "voice choice kept");
        assert_eq!(again.language, Language::ZhHant);
        let _ = std::fs::remove_dir_all(dir);
    }
}
