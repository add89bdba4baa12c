//! The app's journey as one object the shells hold ([`LifeCertApp`]): it keeps
//! the state, turns taps and camera frames into new states, talks to certd,
//! and tells the shell through an [`AppObserver`]. Screens only draw
//! [`AppView`]; nothing here draws.

pub mod labels;
mod settings;
pub mod texts;
pub mod view;

use crate::session::{ApiClient, NetError, Problem, ProblemKind};
use crate::storage::SecureStore;
use crate::upload::platform_key::{login_fields, PlatformKey, PlatformKeyError, SessionSigner};
use crate::upload::queue::{Outbox, PendingUpload};
use crate::upload::signing::DeviceKey;
use image::RgbImage;
use lifecert_domain::api::{self, CertificationRecord, Home, Outcome, PersonView, Started};
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::rules::calendar::StatusKind;
use lifecert_domain::rules::date::CalendarDate;
use lifecert_liveness::capture::frame::{to_rgb, CaptureError, FrameInfo};
use lifecert_liveness::evidence::Evidence;
use lifecert_liveness::liveness::{Challenge, LivenessEngine, LivenessPhase, LivenessUpdate};
use std::sync::{Arc, Mutex, MutexGuard};
use view::{AppView, BindingRequestCard, PersonCard, RecordRow, ResultKind, Screen};

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

/// Why the app could not be created.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum SetupError {
    #[error("storage: {detail}")]
    Storage { detail: String },
    #[error("network client: {detail}")]
    Network { detail: String },
}

/// The shell's listener: called on a core thread after every change.
#[cfg_attr(feature = "uniffi", uniffi::export(with_foreign))]
pub trait AppObserver: Send + Sync {
    fn on_view(&self, view: AppView);
}

/// Stops the observer it was returned for; dropping it does not.
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Subscription {
    shared: std::sync::Weak<Shared>,
    id: u64,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Subscription {
    pub fn cancel(&self) {
        if let Some(s) = self.shared.upgrade() {
            s.observers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(i, _)| *i != self.id);
        }
    }
}

struct State {
    screen: Screen,
    back: Vec<Screen>,
    language: Language,
    large_text: bool,
    voice_on: bool,
    busy: bool,
    problem: Option<Problem>,
    home: Option<Home>,
    subject: Option<PersonCard>,
    started: Option<Started>,
}

struct Shared {
    state: Mutex<State>,
    /// The running capture, apart from `state` so that analysing a frame
    /// (tens of ms) never blocks `view()` on the UI thread. Lock order:
    /// `capture` before `state`.
    capture: Mutex<Option<LivenessEngine>>,
    observers: Mutex<Vec<(u64, Arc<dyn AppObserver>)>>,
    next_observer: std::sync::atomic::AtomicU64,
    api: ApiClient,
    /// The platform key store: the device key, the outbox key, settings.
    store: Arc<dyn SecureStore>,
    device_key: DeviceKey,
    /// The shell's hardware key, if it has one (phones); see `PlatformKey`.
    platform_key: Option<Arc<dyn PlatformKey>>,
    /// The key the server registered at the last login.
    signer: Mutex<SessionSigner>,
    outbox: Outbox,
    /// The agency's receipt keys: pinned in the build, or fetched once.
    receipt_keys: Mutex<Option<Vec<api::ReceiptKey>>>,
    /// Pinned keys are the only ones trusted; fetched ones are refreshed when
    /// a receipt names a key not seen yet (after a rotation).
    receipt_keys_pinned: bool,
    /// Only one drain of the queue at a time: the same item never goes twice.
    sending: tokio::sync::Mutex<()>,
    uploads: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct LifeCertApp {
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for LifeCertApp {
    fn drop(&mut self) {
        // Never block (or panic) when the last reference goes on an async thread.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Aborts the spawned task when the caller stops waiting (a cancelled
/// Kotlin coroutine or Swift task).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);
impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn screen_key(s: &Screen) -> &'static str {
    match s {
        Screen::Welcome => "welcome",
        Screen::Register => "register",
        Screen::LogIn => "login",
        Screen::Home { .. } => "home",
        Screen::ChooseWho { .. } => "choose",
        Screen::AddRelative => "add_relative",
        Screen::Consent { .. } => "consent",
        Screen::TemplatePreview { .. } => "template",
        Screen::CameraPermission { .. } => "camera",
        Screen::Capture { .. } => "capture",
        Screen::Uploading { .. } => "uploading",
        Screen::QueuedOffline { .. } => "queued",
        Screen::Result { .. } => "result",
        Screen::Blocked { .. } => "blocked",
        Screen::Records { .. } => "records",
        Screen::Settings => "settings",
    }
}

impl State {
    fn view(&self) -> AppView {
        let key = screen_key(&self.screen);
        let lang = self.language;
        let instruction = match &self.screen {
            Screen::Capture { update, .. } => update.prompt.clone(),
            Screen::QueuedOffline { message, .. } | Screen::Result { message, .. } => {
                message.clone()
            }
            Screen::Blocked { problem, .. } => problem.message.clone(),
            _ => texts::instruction(lang, key),
        };
        AppView {
            screen: self.screen.clone(),
            title: texts::title(lang, key),
            instruction,
            language: lang,
            large_text: self.large_text,
            voice_on: self.voice_on,
            busy: self.busy,
            problem: self.problem.clone(),
            can_go_back: !self.back.is_empty(),
        }
    }

    fn go(&mut self, screen: Screen) {
        let old = std::mem::replace(&mut self.screen, screen);
        // Transient screens are not somewhere to come back to.
        if !matches!(
            old,
            Screen::Capture { .. } | Screen::Uploading { .. } | Screen::CameraPermission { .. }
        ) {
            self.back.push(old);
        }
        self.problem = None;
    }

    /// Replaces the whole stack (after log-in, after a result).
    fn reset_to(&mut self, screen: Screen) {
        self.back.clear();
        self.screen = screen;
        self.problem = None;
    }
}

fn card(lang: Language, p: &PersonView, relation: Message, pending: bool) -> PersonCard {
    let can = !pending
        && p.template_enrolled
        && p.status.online_open_today
        && !matches!(p.status.kind, StatusKind::NotInScope | StatusKind::Stopped);
    let status = if pending {
        texts::pending_binding(lang)
    } else {
        p.status
            .messages
            .first()
            .cloned()
            .unwrap_or_else(|| texts::msg("status.none", String::new()))
    };
    PersonCard {
        person_id: p.person_id.clone(),
        name: p.name.clone(),
        id_masked: p.id_masked.clone(),
        relation,
        status_kind: p.status.kind,
        status,
        next_due: p.status.next_due,
        template_enrolled: p.template_enrolled,
        binding_pending: pending,
        can_certify: can,
    }
}

fn home_screen(lang: Language, h: &Home, queued: u32) -> Screen {
    Screen::Home {
        me: card(lang, &h.me, texts::self_relation(lang), false),
        relatives: h
            .relatives
            .iter()
            .map(|b| {
                card(
                    lang,
                    &b.person,
                    texts::msg("relation", b.relation.clone()),
                    b.state == api::BindingState::Pending,
                )
            })
            .collect(),
        requests: h
            .requests
            .iter()
            .map(|b| BindingRequestCard {
                binding_id: b.binding_id.clone(),
                from_name: b.person.name.clone(),
                relation: b.relation.clone(),
                message: texts::binding_request(lang, &b.person.name, &b.relation),
            })
            .collect(),
        queued_uploads: queued,
        verify_first: (!h.account_verified).then(|| texts::verify_first(lang)),
    }
}

/// Why this person cannot start now, as the server would say it.
fn blocked_reason(c: &PersonCard, p: &PersonView) -> Option<ProblemKind> {
    if c.binding_pending {
        Some(ProblemKind::NotYourRelative)
    } else if matches!(p.status.kind, StatusKind::NotInScope) {
        Some(ProblemKind::NotInScope)
    } else if matches!(p.status.kind, StatusKind::Stopped) {
        Some(ProblemKind::BenefitStopped)
    } else if !p.status.online_open_today {
        Some(ProblemKind::MaintenanceDay)
    } else if !p.template_enrolled {
        Some(ProblemKind::NoTemplate)
    } else {
        None
    }
}

fn problem_for(kind: ProblemKind, lang: Language, p: &PersonView) -> Problem {
    use lifecert_domain::api::Code;
    let message = match kind {
        ProblemKind::NotYourRelative => texts::pending_binding(lang),
        ProblemKind::NotInScope => p
            .status
            .messages
            .first()
            .cloned()
            .unwrap_or_else(|| Code::NotInScope.message(lang)),
        ProblemKind::BenefitStopped => Code::BenefitStopped.message(lang),
        ProblemKind::MaintenanceDay => p
            .status
            .messages
            .last()
            .cloned()
            .unwrap_or_else(|| Code::MaintenanceDay.message(lang)),
        _ => Code::NoTemplate.message(lang),
    };
    Problem {
        kind,
        message,
        retry_after_s: None,
    }
}

impl Shared {
    fn notify(&self) {
        let view = lock(&self.state).view();
        let observers: Vec<_> = lock(&self.observers)
            .iter()
            .map(|(_, o)| o.clone())
            .collect();
        for o in observers {
            o.on_view(view.clone());
        }
    }

    fn update<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let r = f(&mut lock(&self.state));
        self.notify();
        r
    }

    fn lang(&self) -> Language {
        lock(&self.state).language
    }

    fn queued(&self) -> u32 {
        self.outbox.len() as u32
    }

    /// A failed call: session problems go to log-in, others stay on the screen.
    fn fail(&self, e: &NetError) {
        let lang = self.lang();
        let problem = e.problem(lang);
        self.update(|s| {
            s.busy = false;
            if problem.kind == ProblemKind::SessionExpired {
                s.reset_to(Screen::LogIn);
            }
            s.problem = Some(problem);
        });
    }

    async fn load_home(&self) -> Result<(), NetError> {
        let lang = self.lang();
        let home = self.api.home(lang).await?;
        let queued = self.queued();
        self.update(|s| {
            s.busy = false;
            s.reset_to(home_screen(lang, &home, queued));
            s.home = Some(home);
        });
        Ok(())
    }

    fn person(&self, person_id: &str) -> Option<(PersonView, PersonCard)> {
        let s = lock(&self.state);
        let lang = s.language;
        let h = s.home.as_ref()?;
        if h.me.person_id == person_id {
            return Some((
                h.me.clone(),
                card(lang, &h.me, texts::self_relation(lang), false),
            ));
        }
        h.relatives
            .iter()
            .find(|b| b.person.person_id == person_id)
            .map(|b| {
                (
                    b.person.clone(),
                    card(
                        lang,
                        &b.person,
                        texts::msg("relation", b.relation.clone()),
                        b.state == api::BindingState::Pending,
                    ),
                )
            })
    }

    async fn receipt_keys(&self, kid: Option<&str>) -> Option<Vec<api::ReceiptKey>> {
        let cached = lock(&self.receipt_keys).clone();
        if let Some(keys) = cached {
            let known = kid.is_none_or(|kid| keys.iter().any(|k| k.kid.as_deref() == Some(kid)));
            if known || self.receipt_keys_pinned {
                return Some(keys);
            }
        }
        let keys = self.api.receipt_keys(self.lang()).await.ok()?;
        *lock(&self.receipt_keys) = Some(keys.clone());
        Some(keys)
    }

    /// The receipt's claims, if it came with one signed by the agency's key
    /// (the one its `kid` names) for this very certification.
    async fn verified(&self, r: &CertificationRecord) -> Option<api::ReceiptClaims> {
        let receipt = r.receipt.as_ref()?;
        let keys = self.receipt_keys(receipt.kid.as_deref()).await?;
        api::verify_receipt_with(receipt, &keys).filter(|c| {
            c.certification_id == r.certification_id && c.subject_person_id == r.subject_person_id
        })
    }

    /// Sends every due item of the queue, oldest first. An item leaves the
    /// queue only once the server has answered for it.
    /// `due_by` is normally now; `u64::MAX` sends everything, backoff or not.
    async fn drain(&self, due_by: u64) -> usize {
        let _one_at_a_time = self.sending.lock().await;
        let lang = self.lang();
        let mut sent = 0;
        for item in self.outbox.due(due_by) {
            use base64::Engine as _;
            // A hardware key signs at send time: the session's key may have
            // changed since the capture (Android makes a new key per login),
            // and App Attest counters must rise in the order of sending.
            let signer = lock(&self.signer).clone();
            let signature = match signer {
                SessionSigner::Software => item.signature.clone(),
                SessionSigner::Platform(key) => {
                    let body = item.body.clone();
                    match tokio::task::spawn_blocking(move || key.sign(body)).await {
                        Ok(Ok(sig)) => sig,
                        // Left in the queue with its backoff; the next drain retries.
                        _ => {
                            let _ = self.outbox.record_failure(
                                &item.idempotency_key,
                                now_ms(),
                                "hardware key could not sign",
                            );
                            continue;
                        }
                    }
                }
            };
            let sig = base64::engine::general_purpose::STANDARD.encode(&signature);
            match self
                .api
                .upload(
                    &item.certification_id,
                    &item.idempotency_key,
                    &item.body,
                    &sig,
                    lang,
                )
                .await
            {
                Ok(record) => {
                    let _ = self.outbox.remove(&item.idempotency_key);
                    sent += 1;
                    self.show_result(&record).await;
                }
                Err(e) if e.is_transient() => {
                    let _ = self.outbox.record_failure(
                        &item.idempotency_key,
                        now_ms(),
                        &format!("{e:?}"),
                    );
                    let queued = self.queued();
                    self.update(|s| {
                        if let Screen::Uploading { subject } = &s.screen {
                            let subject = subject.clone();
                            s.go(Screen::QueuedOffline {
                                subject,
                                message: crate::session::offline_message(lang),
                            });
                        } else if let Screen::Home { queued_uploads, .. } = &mut s.screen {
                            *queued_uploads = queued;
                        }
                    });
                }
                Err(e) if e.problem(lang).kind == ProblemKind::SessionExpired => {
                    // Keep the evidence; it goes up after the next log-in.
                    self.fail(&e);
                    break;
                }
                Err(e) => {
                    // The server refused it for good (expired, decided, invalid):
                    // retrying cannot help, so say why and let the person start again.
                    let _ = self.outbox.remove(&item.idempotency_key);
                    let problem = e.problem(lang);
                    self.update(|s| {
                        if let Some(subject) = s.subject.clone() {
                            s.reset_to(Screen::Result {
                                subject,
                                kind: ResultKind::Failed,
                                message: problem.message.clone(),
                                advice: Some(texts::retry_advice(lang)),
                                receipt_verified: false,
                                next_due: None,
                            });
                        }
                    });
                }
            }
        }
        sent
    }

    async fn show_result(&self, r: &CertificationRecord) {
        let lang = self.lang();
        let claims = self.verified(r).await;
        let (verified, next_due) = (claims.is_some(), claims.and_then(|c| c.next_due));
        let advice = r
            .advice
            .clone()
            .map(|a| texts::msg(&format!("api.{}", r.reason.clone().unwrap_or_default()), a));
        let (kind, message) = match r.outcome {
            Outcome::Passed => (
                ResultKind::Passed,
                texts::passed(lang, &r.subject_name, next_due),
            ),
            Outcome::PendingReview => (
                ResultKind::PendingReview,
                texts::in_review(lang, &r.subject_name),
            ),
            _ => (ResultKind::Failed, texts::failed(lang, &r.subject_name)),
        };
        self.update(|s| {
            let showing = matches!(&s.screen, Screen::Uploading { subject } | Screen::QueuedOffline { subject, .. } if subject.person_id == r.subject_person_id);
            if showing {
                let subject = s.subject.clone().expect("a subject while uploading");
                s.busy = false;
                s.reset_to(Screen::Result { subject, kind, message, advice, receipt_verified: verified, next_due });
            }
        });
        // The statuses (and so the reminders) changed: refresh what home shows.
        if let Ok(home) = self.api.home(lang).await {
            lock(&self.state).home = Some(home);
        }
    }
}

pub(crate) fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

impl LifeCertApp {
    /// Runs `f` on the core's runtime; the caller may stop waiting at any time.
    async fn run<T: Send + 'static>(
        &self,
        f: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        let rt = self
            .runtime
            .as_ref()
            .expect("runtime lives as long as the app");
        let mut task = AbortOnDrop(rt.spawn(f));
        match (&mut task.0).await {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }

    fn view_now(&self) -> AppView {
        lock(&self.shared.state).view()
    }

    /// Applies a display choice, saves all three, and returns the new view.
    fn change_settings(&self, change: impl FnOnce(&mut State)) -> AppView {
        let now = self.shared.update(|s| {
            change(s);
            settings::Settings {
                language: s.language,
                large_text: s.large_text,
                voice_on: s.voice_on,
            }
        });
        settings::save(self.shared.store.as_ref(), now);
        self.view_now()
    }

    /// One frame of the running capture. The screen follows through the
    /// observer; a passed capture's evidence is built, signed and queued on
    /// the core's runtime, so neither this (camera) thread nor `view()` waits
    /// on encoding, signing or the disk.
    fn on_frame(&self, img: &RgbImage, t_ms: u64) -> Result<(), CaptureError> {
        let sh = &self.shared;
        let mut capture = lock(&sh.capture);
        let Some(engine) = capture.as_mut() else {
            return Err(CaptureError::NotCapturing);
        };
        let update = match engine.push(img, t_ms) {
            Ok(update) => update,
            Err(e) => {
                log::error!("liveness engine: {e}");
                *capture = None;
                drop(capture);
                sh.capture_unavailable();
                return Err(CaptureError::EngineUnavailable);
            }
        };
        match update.phase {
            LivenessPhase::Passed => {
                let engine = capture.take().expect("the capture that just passed");
                drop(capture);
                let (subject, started) = {
                    let mut s = lock(&sh.state);
                    (s.subject.clone(), s.started.take())
                };
                let subject = subject.expect("a subject while capturing");
                sh.update(|s| {
                    s.go(Screen::Uploading {
                        subject: subject.clone(),
                    })
                });
                let shared = sh.clone();
                let handle = self.runtime.as_ref().expect("runtime").spawn(async move {
                    let queueing = shared.clone();
                    let queued = tokio::task::spawn_blocking(move || {
                        queueing.queue_evidence(&engine, started, &subject.person_id)
                    })
                    .await
                    .unwrap_or(Err(EvidenceProblem::NotBuilt));
                    match queued {
                        Ok(()) => {
                            shared.drain(now_ms()).await;
                        }
                        Err(problem) => shared.evidence_failed(problem),
                    }
                });
                lock(&sh.uploads).push(handle);
            }
            LivenessPhase::Rejected => {
                *capture = None;
                drop(capture);
                let lang = sh.lang();
                sh.update(|s| {
                    s.started = None;
                    let subject = s.subject.clone().expect("a subject while capturing");
                    s.reset_to(failed_result(lang, subject, Some(update.prompt.clone())));
                });
            }
            _ => {
                drop(capture);
                sh.update(|s| {
                    let subject = s.subject.clone().expect("a subject while capturing");
                    s.screen = Screen::Capture { subject, update };
                });
            }
        }
        Ok(())
    }
}

/// Why a passed capture's evidence did not reach the outbox.
#[derive(Debug, Clone, Copy, PartialEq)]
enum EvidenceProblem {
    /// Built but not saved: the phone's storage is full or failing.
    NotSaved,
    /// Could not be built (over budget, an encoding failure, no challenge).
    NotBuilt,
}

/// The failed result for `subject`: `message`, or the usual words.
fn failed_result(lang: Language, subject: PersonCard, message: Option<Message>) -> Screen {
    Screen::Result {
        message: message.unwrap_or_else(|| texts::failed(lang, &subject.name)),
        subject,
        kind: ResultKind::Failed,
        advice: Some(texts::retry_advice(lang)),
        receipt_verified: false,
        next_due: None,
    }
}

impl Shared {
    /// Builds, signs and saves a passed capture's evidence (blocking: JPEG,
    /// signature, `sync_all`); no lock is held.
    fn queue_evidence(
        &self,
        engine: &LivenessEngine,
        started: Option<Started>,
        subject_id: &str,
    ) -> Result<(), EvidenceProblem> {
        let started = started.ok_or(EvidenceProblem::NotBuilt)?;
        let evidence = Evidence::of(engine, now_ms()).map_err(|e| {
            log::error!("evidence of a passed capture: {e}");
            EvidenceProblem::NotBuilt
        })?;
        let body = evidence.to_json();
        let signature = self.device_key.sign(&body);
        PendingUpload::new(
            started.certification_id,
            subject_id.to_string(),
            body,
            signature,
            now_ms(),
        )
        .and_then(|item| self.outbox.enqueue(item))
        .map_err(|e| {
            log::error!("outbox: {e}");
            EvidenceProblem::NotSaved
        })
    }

    /// The evidence could not be queued: say so and let the person try again.
    fn evidence_failed(&self, problem: EvidenceProblem) {
        let lang = self.lang();
        self.update(|s| {
            let Some(subject) = s.subject.clone() else {
                return;
            };
            s.busy = false;
            let message = match problem {
                EvidenceProblem::NotSaved => texts::storage_full(lang),
                EvidenceProblem::NotBuilt => texts::evidence_not_built(lang),
            };
            s.reset_to(failed_result(lang, subject, Some(message)));
        });
    }

    /// The face check cannot run on this phone: end the capture on a screen
    /// that says how else to certify.
    fn capture_unavailable(&self) {
        let lang = self.lang();
        self.update(|s| {
            s.started = None;
            s.busy = false;
            if let Some(subject) = s.subject.clone() {
                s.go(Screen::Blocked {
                    subject,
                    problem: Problem {
                        kind: ProblemKind::CaptureUnavailable,
                        message: CaptureError::EngineUnavailable.describe(lang),
                        retry_after_s: None,
                    },
                });
            }
        });
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl LifeCertApp {
    /// Creates the app. `store` is the platform's key store (Android Keystore,
    /// iOS Keychain; `FileSecureStore` on desktops and in tests).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(config: AppConfig, store: Arc<dyn SecureStore>) -> Result<Arc<Self>, SetupError> {
        Self::with_platform_key(config, store, None)
    }

    /// As [`LifeCertApp::new`], with the phone's hardware key (Android
    /// Keystore, App Attest) to log in and sign uploads with. Without one the
    /// core's software key is used, which a production server refuses.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn with_platform_key(
        config: AppConfig,
        store: Arc<dyn SecureStore>,
        platform_key: Option<Arc<dyn PlatformKey>>,
    ) -> Result<Arc<Self>, SetupError> {
        let storage = |e: String| SetupError::Storage { detail: e };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lifecert-core")
            .enable_all()
            .build()
            .map_err(|e| SetupError::Network {
                detail: e.to_string(),
            })?;
        let device_key =
            DeviceKey::load_or_create(store.as_ref()).map_err(|e| storage(e.to_string()))?;
        let outbox = Outbox::open_with_store(
            std::path::Path::new(&config.storage_dir)
                .join("outbox")
                .as_path(),
            store.as_ref(),
        )
        .map_err(|e| storage(e.to_string()))?;
        let api = ApiClient::new(&config.server_url, store.clone())
            .map_err(|e| SetupError::Network { detail: e })?;
        let pinned = config.receipt_public_key.as_deref().map(|k| {
            // Several keys may be pinned, separated by commas.
            k.split(',')
                .map(|k| api::ReceiptKey {
                    public_key: k.trim().to_string(),
                    kid: None,
                })
                .collect::<Vec<_>>()
        });
        let saved = settings::load(store.as_ref());
        let signer = match (&platform_key, store.get(SIGNER_ENTRY.into())) {
            (Some(key), Ok(Some(mark))) if mark == b"platform" => {
                SessionSigner::Platform(key.clone())
            }
            _ => SessionSigner::Software,
        };
        let shared = Arc::new(Shared {
            capture: Mutex::new(None),
            state: Mutex::new(State {
                screen: Screen::Welcome,
                back: vec![],
                // A choice the person made wins over the shell's locale guess.
                language: saved.map_or(config.language, |s| s.language),
                large_text: saved.is_some_and(|s| s.large_text),
                voice_on: saved.is_none_or(|s| s.voice_on),
                busy: false,
                problem: None,
                home: None,
                subject: None,
                started: None,
            }),
            observers: Mutex::new(vec![]),
            next_observer: std::sync::atomic::AtomicU64::new(1),
            api,
            store,
            device_key,
            platform_key,
            signer: Mutex::new(signer),
            outbox,
            receipt_keys_pinned: pinned.is_some(),
            receipt_keys: Mutex::new(pinned),
            sending: tokio::sync::Mutex::new(()),
            uploads: Mutex::new(vec![]),
        });
        // Retries the offline queue in the background, following its backoff.
        let weak = Arc::downgrade(&shared);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                let Some(shared) = weak.upgrade() else { break };
                if shared.api.tokens().is_some() && !shared.outbox.due(now_ms()).is_empty() {
                    shared.drain(now_ms()).await;
                }
            }
        });
        Ok(Arc::new(LifeCertApp {
            shared,
            runtime: Some(runtime),
        }))
    }

    pub fn view(&self) -> AppView {
        self.view_now()
    }

    pub fn subscribe(&self, observer: Arc<dyn AppObserver>) -> Arc<Subscription> {
        let id = self
            .shared
            .next_observer
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        lock(&self.shared.observers).push((id, observer.clone()));
        observer.on_view(self.view_now());
        Arc::new(Subscription {
            shared: Arc::downgrade(&self.shared),
            id,
        })
    }

    /// First screen: home if a saved session still works, else welcome.
    pub async fn start(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            if sh.api.tokens().is_some() {
                sh.update(|s| s.busy = true);
                if sh.load_home().await.is_ok() {
                    sh.drain(now_ms()).await;
                    return;
                }
                sh.update(|s| {
                    s.busy = false;
                    s.reset_to(Screen::Welcome);
                });
            }
        })
        .await;
        self.view_now()
    }

    pub fn show_register(&self) -> AppView {
        self.shared.update(|s| s.go(Screen::Register));
        self.view_now()
    }

    pub fn show_log_in(&self) -> AppView {
        self.shared.update(|s| s.go(Screen::LogIn));
        self.view_now()
    }

    pub fn back(&self) -> AppView {
        let mut capture = lock(&self.shared.capture);
        self.shared.update(|s| {
            if matches!(s.screen, Screen::Capture { .. }) {
                *capture = None;
                s.started = None;
            }
            if let Some(prev) = s.back.pop() {
                s.screen = prev;
                s.problem = None;
            }
        });
        self.view_now()
    }

    /// Register form: all checks happen on the server with the same rules.
    pub async fn register(
        &self,
        name: String,
        id_number: String,
        password: String,
        mobile: String,
        mobile_again: String,
        terms_accepted: bool,
    ) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.update(|s| s.busy = true);
            let req = api::RegisterRequest {
                name,
                id_number: id_number.clone(),
                password: password.clone(),
                mobile,
                mobile_again,
                terms_accepted,
            };
            match sh.api.register(&req, sh.lang()).await {
                Ok(_) => log_in(&sh, id_number, password).await,
                Err(e) => sh.fail(&e),
            }
        })
        .await;
        self.view_now()
    }

    pub async fn log_in(&self, id_number: String, password: String) -> AppView {
        let sh = self.shared.clone();
        self.run(async move { log_in(&sh, id_number, password).await })
            .await;
        self.view_now()
    }

    pub async fn log_out(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.api.logout(sh.lang()).await;
            sh.update(|s| {
                s.home = None;
                s.reset_to(Screen::Welcome);
            });
        })
        .await;
        self.view_now()
    }

    pub async fn refresh_home(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.update(|s| s.busy = true);
            if let Err(e) = sh.load_home().await {
                sh.fail(&e);
            }
        })
        .await;
        self.view_now()
    }

    /// "Start certification": me and my relatives, each with whether they can.
    pub fn choose_who(&self) -> AppView {
        self.shared.update(|s| {
            if let Screen::Home { me, relatives, .. } = &s.screen {
                let mut people = vec![me.clone()];
                people.extend(relatives.iter().cloned());
                s.go(Screen::ChooseWho { people });
            }
        });
        self.view_now()
    }

    pub fn show_add_relative(&self) -> AppView {
        self.shared.update(|s| s.go(Screen::AddRelative));
        self.view_now()
    }

    pub async fn add_relative(&self, name: String, id_number: String, relation: String) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.update(|s| s.busy = true);
            match sh
                .api
                .bind(
                    &api::BindRequest {
                        name,
                        id_number,
                        relation,
                    },
                    sh.lang(),
                )
                .await
            {
                Ok(_) => {
                    if let Err(e) = sh.load_home().await {
                        sh.fail(&e);
                    }
                }
                Err(e) => sh.fail(&e),
            }
        })
        .await;
        self.view_now()
    }

    /// I agree that this person may certify for me.
    pub async fn accept_request(&self, binding_id: String) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.update(|s| s.busy = true);
            match sh.api.accept_binding(&binding_id, sh.lang()).await {
                Ok(()) => {
                    if let Err(e) = sh.load_home().await {
                        sh.fail(&e);
                    }
                }
                Err(e) => sh.fail(&e),
            }
        })
        .await;
        self.view_now()
    }

    /// Picks who to certify: the consent page, or why it cannot be done.
    pub fn select(&self, person_id: String) -> AppView {
        let Some((view, card)) = self.shared.person(&person_id) else {
            return self.view_now();
        };
        let lang = self.shared.lang();
        self.shared.update(|s| {
            s.subject = Some(card.clone());
            match blocked_reason(&card, &view) {
                Some(kind) => s.go(Screen::Blocked {
                    subject: card.clone(),
                    problem: problem_for(kind, lang, &view),
                }),
                None => s.go(Screen::Consent {
                    points: texts::consent_points(lang, &card.name),
                    subject: card.clone(),
                }),
            }
        });
        self.view_now()
    }

    /// Consent given: the template notice, then the server's challenge.
    pub async fn give_consent(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            let Some(subject) = lock(&sh.state).subject.clone() else {
                return;
            };
            sh.update(|s| {
                s.busy = true;
                s.go(Screen::TemplatePreview {
                    subject: subject.clone(),
                });
            });
            start_challenge(&sh, subject).await;
        })
        .await;
        self.view_now()
    }

    /// Declined: nothing is processed; back home.
    pub fn decline_consent(&self) -> AppView {
        let queued = self.shared.queued();
        self.shared.update(|s| {
            s.subject = None;
            if let Some(h) = s.home.clone() {
                s.reset_to(home_screen(s.language, &h, queued));
            }
        });
        self.view_now()
    }

    /// The camera is open: start the liveness prompts.
    pub fn camera_ready(&self) -> AppView {
        let lang = self.shared.lang();
        let mut capture = lock(&self.shared.capture);
        let mut unavailable = false;
        self.shared.update(|s| {
            let (Some(started), Some(subject)) = (s.started.clone(), s.subject.clone()) else {
                return;
            };
            match LivenessEngine::new(
                Challenge {
                    actions: started.actions.clone(),
                    nonce: started.nonce.clone(),
                },
                lang,
            ) {
                Ok(engine) => {
                    let update = LivenessUpdate {
                        phase: LivenessPhase::FindingFace,
                        prompt: texts::instruction(lang, "capture"),
                        speak: true,
                        action: None,
                        done_steps: 0,
                        total_steps: started.actions.len() as u32,
                        progress: 0.0,
                        quality: None,
                        face_box: None,
                        reject_reason: None,
                        screen_colour: None,
                    };
                    *capture = Some(engine);
                    s.go(Screen::Capture { subject, update });
                }
                Err(e) => {
                    log::error!("liveness engine: {e}");
                    unavailable = true;
                }
            }
        });
        drop(capture);
        if unavailable {
            self.shared.capture_unavailable();
        }
        self.view_now()
    }

    /// A raw camera frame (CameraX YUV/NV21, iOS BGRA), on the camera thread.
    /// The capture screen follows through the observer. An error is for the
    /// log: a malformed frame is dropped; `EngineUnavailable` has already
    /// moved the screen on.
    pub fn push_frame(&self, pixels: &[u8], info: FrameInfo) -> Result<(), CaptureError> {
        let img = to_rgb(pixels, &info)?;
        self.on_frame(&img, info.timestamp_ms)
    }

    /// Sends what waits in the offline queue now (e.g. when the network is back).
    pub async fn retry_uploads(&self) -> u32 {
        let sh = self.shared.clone();
        self.run(async move {
            if sh.api.tokens().is_none() {
                return 0; // Logged out: the queue waits for the next log-in.
            }
            // "Now" means now: the person asked, so skip the backoff.
            sh.drain(u64::MAX).await as u32
        })
        .await
    }

    pub fn queued_uploads(&self) -> u32 {
        self.shared.queued()
    }

    /// Try again for the same person (after a failure or an expired attempt).
    pub async fn retry(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            let Some(subject) = lock(&sh.state).subject.clone() else {
                return;
            };
            sh.update(|s| s.busy = true);
            start_challenge(&sh, subject).await;
        })
        .await;
        self.view_now()
    }

    pub async fn show_records(&self) -> AppView {
        let sh = self.shared.clone();
        self.run(async move {
            sh.update(|s| s.busy = true);
            let lang = sh.lang();
            match sh.api.records(lang).await {
                Ok(r) => {
                    let me = lock(&sh.state)
                        .home
                        .as_ref()
                        .map(|h| h.me.person_id.clone())
                        .unwrap_or_default();
                    let my_name = lock(&sh.state)
                        .home
                        .as_ref()
                        .map(|h| h.me.name.clone())
                        .unwrap_or_default();
                    let mut rows = Vec::new();
                    for rec in &r.records {
                        rows.push(record_row(&sh, lang, rec, &me, &my_name).await);
                    }
                    sh.update(|s| {
                        s.busy = false;
                        s.go(Screen::Records { rows });
                    });
                }
                Err(e) => sh.fail(&e),
            }
        })
        .await;
        self.view_now()
    }

    pub fn show_settings(&self) -> AppView {
        self.shared.update(|s| s.go(Screen::Settings));
        self.view_now()
    }

    pub fn set_language(&self, language: Language) -> AppView {
        if let Some(e) = lock(&self.shared.capture).as_mut() {
            e.set_language(language);
        }
        self.change_settings(|s| s.language = language)
    }

    pub fn set_large_text(&self, on: bool) -> AppView {
        self.change_settings(|s| s.large_text = on)
    }

    pub fn set_voice(&self, on: bool) -> AppView {
        self.change_settings(|s| s.voice_on = on)
    }

    /// Local notifications to schedule: 30, 7 and 1 days before each due date.
    pub fn reminders(&self) -> Vec<crate::reminders::Reminder> {
        let s = lock(&self.shared.state);
        let Some(h) = &s.home else { return vec![] };
        let mut people = vec![];
        if let Some(d) = h.me.status.next_due {
            people.push((h.me.name.clone(), d));
        }
        for b in &h.relatives {
            if let Some(d) = b.person.status.next_due {
                people.push((b.person.name.clone(), d));
            }
        }
        crate::reminders::reminders(
            &people,
            lifecert_domain::rules::date::today_in_china(),
            s.language,
        )
    }
}

/// Hooks for tests and device farms (feature `testing`, never in a release
/// build): recorded pictures instead of the camera, and a wait for uploads.
#[cfg(feature = "testing")]
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl LifeCertApp {
    /// An encoded upright picture (replays and device-farm tests).
    pub fn push_encoded(&self, image: &[u8], timestamp_ms: u64) -> Result<(), CaptureError> {
        let img = lifecert_liveness::capture::frame::decode(image)?;
        self.on_frame(&img, timestamp_ms)
    }

    /// Waits until uploads started by a capture have had their answer (or
    /// were queued). For tests and the demo; shells follow the observer.
    pub async fn settle(&self) -> AppView {
        let handles: Vec<_> = lock(&self.shared.uploads).drain(..).collect();
        for h in handles {
            let _ = h.await;
        }
        self.view_now()
    }
}

/// Store entry naming the key the saved session signs with.
const SIGNER_ENTRY: &str = "session.signer";

/// The hardware key proven for a fresh server challenge, or `None` when the
/// shell has no key or it cannot make one now (the software key is used and
/// the server's policy decides).
async fn attest_platform_key(
    sh: &Arc<Shared>,
) -> Option<(Arc<dyn PlatformKey>, String, api::KeyAttestation)> {
    use base64::Engine as _;
    let key = sh.platform_key.clone()?;
    let challenge = sh.api.attestation_challenge(sh.lang()).await.ok()?;
    let challenge = base64::engine::general_purpose::STANDARD
        .decode(challenge.challenge)
        .ok()?;
    let k = key.clone();
    let c = challenge.clone();
    let attested: Result<_, PlatformKeyError> = tokio::task::spawn_blocking(move || k.attest(c))
        .await
        .ok()?;
    let (public, attestation) = login_fields(&challenge, &attested.ok()?);
    Some((key, public, attestation))
}

async fn log_in(sh: &Arc<Shared>, id_number: String, password: String) {
    sh.update(|s| s.busy = true);
    let platform = attest_platform_key(sh).await;
    let (device_public_key, attestation, signer) = match platform {
        Some((key, public, att)) => (public, Some(att), SessionSigner::Platform(key)),
        None => (
            sh.device_key.public_key_b64(),
            None,
            SessionSigner::Software,
        ),
    };
    let mut req = api::LoginRequest {
        id_number,
        password,
        device_public_key,
        attestation,
    };
    let mut result = sh.api.login(&req, sh.lang()).await;
    let mut signer = signer;
    // A server that cannot check this phone's proof (a demo certd without the
    // vendors' roots) may still take the software key; a production server
    // refuses that too, with its own message.
    let refused_proof = |e: &crate::session::NetError| {
        matches!(
            e.code(),
            Some(api::Code::AttestationInvalid | api::Code::AppNotGenuine)
        )
    };
    if req.attestation.is_some() && result.as_ref().err().is_some_and(refused_proof) {
        req.device_public_key = sh.device_key.public_key_b64();
        req.attestation = None;
        signer = SessionSigner::Software;
        let software = sh.api.login(&req, sh.lang()).await;
        // Production: say why the phone's proof failed, not that one is needed.
        if !matches!(&software, Err(e) if e.code() == Some(api::Code::AttestationRequired)) {
            result = software;
        }
    }
    match result {
        Ok(_) => {
            // Kept, so that after a restart the saved session signs with the
            // key the server registered.
            let mark: &[u8] = match signer {
                SessionSigner::Platform(_) => b"platform",
                SessionSigner::Software => b"software",
            };
            let _ = sh.store.put(SIGNER_ENTRY.into(), mark.to_vec());
            *lock(&sh.signer) = signer;
            match sh.load_home().await {
                Ok(()) => {
                    // Anything saved while logged out goes up now.
                    sh.drain(u64::MAX).await;
                }
                Err(e) => sh.fail(&e),
            }
        }
        Err(e) => sh.fail(&e),
    }
}

async fn start_challenge(sh: &Arc<Shared>, subject: PersonCard) {
    let lang = sh.lang();
    match sh.api.start(&subject.person_id, lang).await {
        Ok(started) => sh.update(|s| {
            s.busy = false;
            let actions = started.actions.clone();
            s.started = Some(started);
            s.go(Screen::CameraPermission { subject, actions });
        }),
        Err(e) if !e.is_transient() && e.problem(lang).kind != ProblemKind::SessionExpired => {
            let problem = e.problem(lang);
            sh.update(|s| {
                s.busy = false;
                s.go(Screen::Blocked { subject, problem });
            });
        }
        Err(e) => sh.fail(&e),
    }
}

async fn record_row(
    sh: &Shared,
    lang: Language,
    r: &CertificationRecord,
    me: &str,
    my_name: &str,
) -> RecordRow {
    let kind = match r.outcome {
        Outcome::Passed => ResultKind::Passed,
        Outcome::PendingReview => ResultKind::PendingReview,
        _ => ResultKind::Failed,
    };
    let by_self = r.actor_person_id == r.subject_person_id;
    let actor = if r.actor_person_id == me {
        my_name.to_string()
    } else {
        String::new()
    };
    let day = chrono::DateTime::from_timestamp_millis(r.decided_ms.unwrap_or(r.started_ms) as i64)
        .map(|t| {
            CalendarDate::from_naive(
                t.with_timezone(&lifecert_domain::rules::date::china_offset())
                    .date_naive(),
            )
        })
        .unwrap_or(CalendarDate::new(1970, 1, 1));
    RecordRow {
        certification_id: r.certification_id.clone(),
        subject_name: r.subject_name.clone(),
        by: texts::by_whom(lang, by_self, &actor),
        date: day,
        kind,
        summary: texts::record_summary(lang, kind),
        advice: r.advice.clone().map(|a| texts::msg("record.advice", a)),
        receipt_verified: sh.verified(r).await.is_some(),
    }
}
