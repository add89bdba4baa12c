//! The app's journey. [`model`] is the journey as a pure reducer (events in,
//! effects out, the view the shells draw); [`runner`] is [`LifeCertApp`], the
//! one object the shells hold, which carries out the effects (certd calls,
//! the camera's liveness engine, the outbox, speech) on the core's runtime.
//! Screens only draw [`view::AppView`] and say what [`AppObserver::on_speak`]
//! hands them; nothing here draws.

pub mod labels;
pub mod model;
pub mod runner;
mod settings;
pub mod texts;
pub mod view;

pub use model::Event;
pub use runner::{LifeCertApp, Subscription};

use lifecert_domain::i18n::{Language, Message};
use view::AppView;

/// Where the app talks to and keeps its files.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AppConfig {
    pub server_url: String,
    /// A private folder of the app (the offline queue lives here, encrypted).
    pub storage_dir: String,
    pub language: Language,
    /// The agency's receipt keys (base64, comma-separated), pinned in the app
    /// build. When absent the keys are fetched from the server and kept, and
    /// fetched again when a receipt names a key not seen yet.
    pub receipt_public_key: Option<String>,
}

/// Why the app could not be created (the detail is logged; the shell shows
/// its "could not start" page).
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum SetupError {
    /// The key store or the app's folder cannot be used.
    #[error("the app's storage cannot be used")]
    Storage,
    /// The HTTP client or the core's threads could not start.
    #[error("the app's network client could not start")]
    Network,
}

/// The shell's listener, called on a core thread, in order.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait AppObserver: Send + Sync {
    /// The new view after every change: draw it.
    fn on_view(&self, view: AppView);
    /// Say these words now (`Message::speech`, in order), replacing whatever
    /// is still being said; an empty list: stop talking. The core decides
    /// what and when; it sends nothing while the person turned voice off.
    fn on_speak(&self, words: Vec<Message>);
}
