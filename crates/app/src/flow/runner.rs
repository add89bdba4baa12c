//! [`LifeCertApp`]: runs the reducer ([`super::model`]) and carries out its
//! effects on the core's tokio runtime. The shells send [`Event`]s and camera
//! frames in; views and words to speak come out through [`AppObserver`].
//!
//! Locks, in order: `delivery`, then `model`, then `capture`; `capture` is
//! never held while dispatching. `view()` takes `model` only, briefly: it never waits on the
//! network, the face models, the disk or an observer.

use super::model::{self, Effect, EvidenceProblem, Model, Msg, Request};
use super::settings;
use super::view::{AppView, Screen};
use super::{AppConfig, AppObserver, Event, SetupError};
use crate::session::{ApiClient, NetError, ProblemKind};
use crate::storage::kept_records::{self, KeptRecords};
use crate::storage::SecureStore;
use crate::upload::platform_key::{login_fields, PlatformKey, PlatformKeyError, SessionSigner};
use crate::upload::queue::{Outbox, PendingUpload};
use crate::upload::signing::DeviceKey;

use lifecert_domain::api::{self, CertificationRecord, ReceiptClaims};
use lifecert_domain::i18n::Language;
use lifecert_liveness::capture::frame::{CaptureError, FrameConverter, FrameInfo};
use lifecert_liveness::evidence::Evidence;
use lifecert_liveness::liveness::LivenessEngine;
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Store entry naming the key the saved session signs with.
const SIGNER_ENTRY: &str = "session.signer";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A capture rarely takes a minute; less left than this and it may expire.
const CAPTURE_NEEDS_MS: i64 = 60_000;
/// Younger than this, a challenge is used whatever the clocks say.
const FRESH_CHALLENGE: std::time::Duration = std::time::Duration::from_secs(30);

pub(crate) fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct LifeCertApp {
    core: Arc<Core>,
    runtime: Option<tokio::runtime::Runtime>,
}

struct Core {
    model: Mutex<Model>,
    /// Held while changes are handed to the observers, so they see them in
    /// the order they happened.
    delivery: Mutex<()>,
    /// Messages waiting for the reducer (see `dispatch`).
    inbox: Mutex<std::collections::VecDeque<Msg>>,
    /// The running capture, apart from `model` so that analysing a frame
    /// (tens of ms) never blocks `view()`.
    capture: Mutex<Option<Capture>>,
    /// When the current challenge reached the phone (see `StartCapture`).
    challenge_arrived: Mutex<Option<std::time::Instant>>,
    observers: Mutex<Vec<(u64, Arc<dyn AppObserver>)>>,
    next_observer: AtomicU64,
    runtime: tokio::runtime::Handle,
    /// Effects still running (for `settle`).
    in_flight: AtomicUsize,
    idle: tokio::sync::Notify,
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
    /// Only one save of the settings at a time.
    saving: Mutex<()>,
    /// Extra time building evidence takes (tests: a slow phone).
    #[cfg(feature = "testing")]
    evidence_delay_ms: AtomicU64,
    /// Only one drain of the queue at a time: the same item never goes twice.
    sending: tokio::sync::Mutex<()>,
}

/// A running capture: the engine, and the one buffer camera frames are
/// converted into (the per-frame path allocates no frame).
struct Capture {
    engine: LivenessEngine,
    frames: FrameConverter,
}

thread_local! {
    /// The apps this thread is handing changes to their observers for.
    static DELIVERING: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Marks this thread as delivering for one app until dropped (even if an
/// observer panics).
struct Delivering(usize);

impl Delivering {
    fn enter(core: usize) -> Delivering {
        DELIVERING.with_borrow_mut(|d| d.push(core));
        Delivering(core)
    }
}

impl Drop for Delivering {
    fn drop(&mut self) {
        DELIVERING.with_borrow_mut(|d| d.retain(|&c| c != self.0));
    }
}

impl Drop for LifeCertApp {
    fn drop(&mut self) {
        // Never block (or panic) when the last reference goes on an async thread.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Stops the observer it was returned for; dropping it does not.
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Subscription {
    core: std::sync::Weak<Core>,
    id: u64,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Subscription {
    pub fn cancel(&self) {
        if let Some(core) = self.core.upgrade() {
            lock(&core.observers).retain(|(i, _)| *i != self.id);
        }
    }
}

impl Core {
    /// Runs the reducer on `msg` and carries out what it asks. Changes reach
    /// the observers in order, one thread at a time; an observer may call back
    /// into the app (`send` from `on_view`): its message waits in the inbox
    /// and this thread delivers it next, instead of deadlocking.
    fn dispatch(self: &Arc<Self>, msg: Msg) {
        lock(&self.inbox).push_back(msg);
        let me = Arc::as_ptr(self) as usize;
        if DELIVERING.with_borrow(|d| d.contains(&me)) {
            return; // Called from one of our observers: the loop below takes it.
        }
        let delivery = lock(&self.delivery);
        let _delivering = Delivering::enter(me);
        let mut work = vec![];
        loop {
            let Some(msg) = lock(&self.inbox).pop_front() else {
                break;
            };
            let effects = model::update(&mut lock(&self.model), msg);
            let observers: Vec<_> = lock(&self.observers)
                .iter()
                .map(|(_, o)| o.clone())
                .collect();
            for effect in effects {
                match effect {
                    Effect::Render(view) => {
                        observers.iter().for_each(|o| o.on_view((*view).clone()))
                    }
                    Effect::Speak(words) => {
                        observers.iter().for_each(|o| o.on_speak(words.clone()))
                    }
                    other => work.push(other),
                }
            }
        }
        drop(_delivering);
        drop(delivery);
        for effect in work {
            self.execute(effect);
        }
    }

    fn lang(&self) -> Language {
        lock(&self.model).language
    }

    /// Runs `f` on the runtime, counted until it ends (see `settle`).
    fn spawn(self: &Arc<Self>, f: impl Future<Output = ()> + Send + 'static) {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let core = self.clone();
        self.runtime.spawn(async move {
            f.await;
            if core.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
                core.idle.notify_waiters();
            }
        });
    }

    fn execute(self: &Arc<Self>, effect: Effect) {
        match effect {
            Effect::Render(_) | Effect::Speak(_) => unreachable!("delivered in dispatch"),
            Effect::Call(request) => {
                let core = self.clone();
                self.spawn(async move {
                    let answer = core.call(request).await;
                    core.dispatch(answer);
                });
            }
            Effect::StartCapture {
                challenge,
                expires_at_ms,
            } => {
                // Too little time left to finish (the person waited on the
                // camera screen, the app was away): new steps, not a capture
                // certd would refuse as expired. A challenge that just
                // arrived is never renewed, so a phone whose clock is off
                // cannot loop.
                let left_ms = expires_at_ms as i64 - now_ms() as i64;
                let age = lock(&self.challenge_arrived).map(|t| t.elapsed());
                if left_ms < CAPTURE_NEEDS_MS && age.is_some_and(|a| a > FRESH_CHALLENGE) {
                    self.dispatch(Msg::AttemptStale);
                    return;
                }
                let core = self.clone();
                self.spawn(async move {
                    // Loading the face models takes a moment: not on the UI thread.
                    let lang = core.lang();
                    let made =
                        tokio::task::spawn_blocking(move || LivenessEngine::new(challenge, lang))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|made| made.map_err(|e| e.to_string()));
                    match made {
                        Ok(engine) => {
                            // Not if the person left the capture meanwhile.
                            let model = lock(&core.model);
                            if matches!(model.screen, Screen::Capture { .. }) {
                                *lock(&core.capture) = Some(Capture {
                                    engine,
                                    frames: FrameConverter::default(),
                                });
                            }
                        }
                        Err(e) => {
                            log::error!("liveness engine: {e}");
                            core.dispatch(Msg::CaptureUnavailable);
                        }
                    }
                });
            }
            Effect::StopCapture => *lock(&self.capture) = None,
            Effect::CaptureLanguage(language) => {
                if let Some(c) = lock(&self.capture).as_mut() {
                    c.engine.set_language(language);
                }
            }
            Effect::QueueEvidence {
                certification_id,
                person_id,
            } => {
                let Some(Capture { engine, .. }) = lock(&self.capture).take() else {
                    self.dispatch(Msg::EvidenceQueued(Err(EvidenceProblem::NotBuilt)));
                    return;
                };
                let core = self.clone();
                self.spawn(async move {
                    let queueing = core.clone();
                    let queued = tokio::task::spawn_blocking(move || {
                        queueing.queue_evidence(&engine, certification_id, person_id)
                    })
                    .await
                    .unwrap_or(Err(EvidenceProblem::NotBuilt));
                    core.dispatch(Msg::Queued(core.outbox.len() as u32));
                    core.dispatch(Msg::EvidenceQueued(queued));
                });
            }
            Effect::Drain { all } => {
                let core = self.clone();
                self.spawn(async move {
                    // "Now" means now: the person asked, so skip the backoff.
                    core.drain(if all { u64::MAX } else { now_ms() }).await;
                });
            }
            Effect::SaveSettings { .. } => {
                let core = self.clone();
                self.spawn(async move {
                    let _ = tokio::task::spawn_blocking(move || {
                        // Saves run one at a time and each writes the newest
                        // choices, so the last to finish is never stale.
                        let _one_at_a_time = lock(&core.saving);
                        let m = lock(&core.model);
                        let now = settings::Settings {
                            language: m.language,
                            large_text: m.large_text,
                            voice_on: m.voice_on,
                        };
                        drop(m);
                        settings::save(core.store.as_ref(), now)
                    })
                    .await;
                });
            }
        }
    }

    /// Builds, signs and saves a passed capture's evidence (blocking: JPEG,
    /// signature, `sync_all`); no lock is held.
    fn queue_evidence(
        &self,
        engine: &LivenessEngine,
        certification_id: String,
        person_id: String,
    ) -> Result<(), EvidenceProblem> {
        #[cfg(feature = "testing")]
        std::thread::sleep(std::time::Duration::from_millis(
            self.evidence_delay_ms.load(Ordering::Relaxed),
        ));
        let evidence = Evidence::of(engine, now_ms()).map_err(|e| {
            log::error!("evidence of a passed capture: {e}");
            EvidenceProblem::NotBuilt
        })?;
        let body = evidence.to_json();
        let signature = self.device_key.sign(&body);
        PendingUpload::new(certification_id, person_id, body, signature, now_ms())
            .and_then(|item| self.outbox.enqueue(item))
            .map_err(|e| {
                log::error!("outbox: {e}");
                EvidenceProblem::NotSaved
            })
    }

    /// One certd call, answered as the reducer's message.
    async fn call(self: &Arc<Self>, request: Request) -> Msg {
        let lang = self.lang();
        match request {
            Request::Home => Msg::Home(self.api.home(lang).await),
            Request::HomeData => Msg::HomeData(self.api.home(lang).await),
            Request::Register(req) => Msg::Registered {
                result: self.api.register(&req, lang).await.map(|_| ()),
                id_number: req.id_number,
                password: req.password,
            },
            Request::LogIn {
                id_number,
                password,
            } => Msg::LoggedIn(self.log_in(id_number, password).await),
            Request::LogOut => {
                self.api.logout(lang).await;
                // The next person on this phone does not see these.
                kept_records::forget(self.store.as_ref());
                Msg::LoggedOut
            }
            Request::Bind(req) => Msg::Bound(self.api.bind(&req, lang).await.map(|_| ())),
            Request::Accept { binding_id } => {
                Msg::Accepted(self.api.accept_binding(&binding_id, lang).await)
            }
            Request::Start { person_id } => {
                let result = self.api.start(&person_id, lang).await;
                *lock(&self.challenge_arrived) = Some(std::time::Instant::now());
                Msg::Started { result, person_id }
            }
            Request::Template { person_id } => Msg::Template {
                result: self.api.template(&person_id, lang).await,
                person_id,
            },
            Request::Records => match self.api.records(lang).await {
                Ok(r) => {
                    let mut rows = Vec::with_capacity(r.records.len());
                    for rec in &r.records {
                        let verified = self.verified(rec).await.is_some();
                        rows.push((rec.clone(), verified));
                    }
                    // Kept for when there is no network, with the keys to check them.
                    let keys = lock(&self.receipt_keys).clone().unwrap_or_default();
                    let me = lock(&self.model).me();
                    let kept = KeptRecords {
                        records: r.records,
                        keys,
                        me,
                    };
                    kept_records::save(self.store.as_ref(), &kept);
                    Msg::Records(Ok(rows))
                }
                Err(e @ NetError::Offline(_)) => match kept_records::load(self.store.as_ref()) {
                    Some(kept) => Msg::KeptRecords {
                        rows: kept.verified(),
                        me: kept.me,
                    },
                    None => Msg::Records(Err(e)),
                },
                Err(e) => Msg::Records(Err(e)),
            },
            Request::SaveContact { person_id, contact } => Msg::ContactSaved {
                result: self.api.save_contact(&person_id, &contact, lang).await,
                person_id,
            },
        }
    }

    /// Logs in with the phone's hardware key when it has one, else the
    /// software key; the key the server registered signs this session.
    async fn log_in(&self, id_number: String, password: String) -> Result<(), NetError> {
        let lang = self.lang();
        let (device_public_key, attestation, mut signer) = match self.attest_platform_key().await {
            Some((key, public, att)) => (public, Some(att), SessionSigner::Platform(key)),
            None => (
                self.device_key.public_key_b64(),
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
        let mut result = self.api.login(&req, lang).await;
        // A server that cannot check this phone's proof (a demo certd without
        // the vendors' roots) may still take the software key; a production
        // server refuses that too, with its own message.
        let refused_proof = |e: &NetError| {
            matches!(
                e.code(),
                Some(api::Code::AttestationInvalid | api::Code::AppNotGenuine)
            )
        };
        if req.attestation.is_some() && result.as_ref().err().is_some_and(refused_proof) {
            req.device_public_key = self.device_key.public_key_b64();
            req.attestation = None;
            signer = SessionSigner::Software;
            let software = self.api.login(&req, lang).await;
            // Production: say why the phone's proof failed, not that one is needed.
            if !matches!(&software, Err(e) if e.code() == Some(api::Code::AttestationRequired)) {
                result = software;
            }
        }
        result?;
        // Kept, so that after a restart the saved session signs with the key
        // the server registered.
        let mark: &[u8] = match signer {
            SessionSigner::Platform(_) => b"platform",
            SessionSigner::Software => b"software",
        };
        let _ = self.store.put(SIGNER_ENTRY.into(), mark.to_vec());
        *lock(&self.signer) = signer;
        Ok(())
    }

    /// The hardware key proven for a fresh server challenge, or `None` when
    /// the shell has no key or it cannot make one now (the software key is
    /// used and the server's policy decides).
    async fn attest_platform_key(
        &self,
    ) -> Option<(Arc<dyn PlatformKey>, String, api::KeyAttestation)> {
        use base64::Engine as _;
        let key = self.platform_key.clone()?;
        let challenge = self.api.attestation_challenge(self.lang()).await.ok()?;
        let challenge = base64::engine::general_purpose::STANDARD
            .decode(challenge.challenge)
            .ok()?;
        let k = key.clone();
        let c = challenge.clone();
        let attested: Result<_, PlatformKeyError> =
            tokio::task::spawn_blocking(move || k.attest(c))
                .await
                .ok()?;
        let (public, attestation) = login_fields(&challenge, &attested.ok()?);
        Some((key, public, attestation))
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
    async fn verified(&self, r: &CertificationRecord) -> Option<ReceiptClaims> {
        let receipt = r.receipt.as_ref()?;
        let keys = self.receipt_keys(receipt.kid.as_deref()).await?;
        api::verify_receipt_with(receipt, &keys).filter(|c| {
            c.certification_id == r.certification_id && c.subject_person_id == r.subject_person_id
        })
    }

    /// Sends every due item of the queue, oldest first. An item leaves the
    /// queue only once the server has answered for it.
    /// `due_by` is normally now; `u64::MAX` sends everything, backoff or not.
    async fn drain(self: &Arc<Self>, due_by: u64) {
        if self.api.tokens().is_none() {
            return; // Logged out: the queue waits for the next log-in.
        }
        let _one_at_a_time = self.sending.lock().await;
        let lang = self.lang();
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
            let answer = self
                .api
                .upload(
                    &item.certification_id,
                    &item.idempotency_key,
                    &item.body,
                    &sig,
                    lang,
                    self.progress_reporter(),
                )
                .await;
            match answer {
                Ok(record) => {
                    let _ = self.outbox.remove(&item.idempotency_key);
                    let receipt = self.verified(&record).await;
                    self.dispatch(Msg::Queued(self.outbox.len() as u32));
                    self.dispatch(Msg::Uploaded { record, receipt });
                }
                Err(e) if e.is_transient() => {
                    let _ = self.outbox.record_failure(
                        &item.idempotency_key,
                        now_ms(),
                        &format!("{e:?}"),
                    );
                    self.dispatch(Msg::UploadDeferred);
                }
                Err(e) if e.problem(lang).kind == ProblemKind::SessionExpired => {
                    // Keep the evidence; it goes up after the next log-in.
                    self.dispatch(Msg::UploadRefused(e));
                    break;
                }
                Err(e) => {
                    log::warn!("upload refused for good: {e:?}");
                    let _ = self.outbox.remove(&item.idempotency_key);
                    self.dispatch(Msg::Queued(self.outbox.len() as u32));
                    self.dispatch(Msg::UploadRefused(e));
                }
            }
        }
    }

    /// Tells the reducer how far an upload got, every 5 percent.
    fn progress_reporter(self: &Arc<Self>) -> Arc<dyn Fn(u64, u64) + Send + Sync> {
        let core = Arc::downgrade(self);
        let reported = AtomicU64::new(u64::MAX);
        Arc::new(move |sent, total| {
            let step = sent * 20 / total.max(1);
            if reported.swap(step, Ordering::Relaxed) != step {
                if let Some(core) = core.upgrade() {
                    core.dispatch(Msg::UploadProgress { sent, total });
                }
            }
        })
    }

    /// One frame of the running capture, converted into the capture's buffer
    /// (`None`: an already upright picture); the screen follows through the
    /// reducer. The one path from the camera to the engine.
    fn on_frame(self: &Arc<Self>, frame: Frame<'_>, t_ms: u64) -> Result<(), CaptureError> {
        let pushed = {
            let mut capture = lock(&self.capture);
            let Some(c) = capture.as_mut() else {
                return Err(CaptureError::NotCapturing);
            };
            let pushed = match frame {
                Frame::Camera(pixels, info) => {
                    let img = c.frames.convert(pixels, info)?;
                    c.engine.push(img, t_ms)
                }
                #[cfg(feature = "testing")]
                Frame::Upright(img) => c.engine.push(img, t_ms),
            };
            if pushed.is_err() {
                *capture = None;
            }
            pushed
        };
        match pushed {
            Ok(update) => {
                self.dispatch(Msg::Frame(update));
                Ok(())
            }
            Err(e) => {
                log::error!("liveness engine: {e}");
                self.dispatch(Msg::CaptureUnavailable);
                Err(CaptureError::EngineUnavailable)
            }
        }
    }
}

/// A frame on its way to the engine.
enum Frame<'a> {
    /// A platform camera buffer.
    Camera(&'a [u8], &'a FrameInfo),
    /// A decoded upright picture (replays and device farms).
    #[cfg(feature = "testing")]
    Upright(&'a image::RgbImage),
}

impl LifeCertApp {
    fn make(
        config: AppConfig,
        store: Arc<dyn SecureStore>,
        platform_key: Option<Arc<dyn PlatformKey>>,
    ) -> Result<Arc<Self>, SetupError> {
        let storage = |e: &dyn std::fmt::Display| {
            log::error!("app storage: {e}");
            SetupError::Storage
        };
        let network = |e: &dyn std::fmt::Display| {
            log::error!("app network client: {e}");
            SetupError::Network
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("lifecert-core")
            .enable_all()
            .build()
            .map_err(|e| network(&e))?;
        let device_key = DeviceKey::load_or_create(store.as_ref()).map_err(|e| storage(&e))?;
        let outbox = Outbox::open_with_store(
            std::path::Path::new(&config.storage_dir)
                .join("outbox")
                .as_path(),
            store.as_ref(),
        )
        .map_err(|e| storage(&e))?;
        let api = ApiClient::new(&config.server_url, store.clone()).map_err(|e| network(&e))?;
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
        let mut model = Model::new(
            // A choice the person made wins over the shell's locale guess.
            saved.map_or(config.language, |s| s.language),
            saved.is_some_and(|s| s.large_text),
            saved.is_none_or(|s| s.voice_on),
            api.tokens().is_some(),
        );
        model.queued = outbox.len() as u32;
        let core = Arc::new(Core {
            model: Mutex::new(model),
            delivery: Mutex::new(()),
            inbox: Mutex::new(std::collections::VecDeque::new()),
            capture: Mutex::new(None),
            challenge_arrived: Mutex::new(None),
            observers: Mutex::new(vec![]),
            next_observer: AtomicU64::new(1),
            runtime: runtime.handle().clone(),
            in_flight: AtomicUsize::new(0),
            idle: tokio::sync::Notify::new(),
            api,
            store,
            device_key,
            platform_key,
            signer: Mutex::new(signer),
            outbox,
            receipt_keys_pinned: pinned.is_some(),
            receipt_keys: Mutex::new(pinned),
            saving: Mutex::new(()),
            #[cfg(feature = "testing")]
            evidence_delay_ms: AtomicU64::new(0),
            sending: tokio::sync::Mutex::new(()),
        });
        // Retries the offline queue in the background, following its backoff.
        let weak = Arc::downgrade(&core);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                let Some(core) = weak.upgrade() else { break };
                if !core.outbox.due(now_ms()).is_empty() {
                    core.drain(now_ms()).await;
                }
            }
        });
        Ok(Arc::new(LifeCertApp {
            core,
            runtime: Some(runtime),
        }))
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl LifeCertApp {
    /// Creates the app. `store` is the platform's key store (Android Keystore,
    /// iOS Keychain; `FileSecureStore` on desktops and in tests).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(config: AppConfig, store: Arc<dyn SecureStore>) -> Result<Arc<Self>, SetupError> {
        Self::make(config, store, None)
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
        Self::make(config, store, platform_key)
    }

    /// What to draw now.
    pub fn view(&self) -> AppView {
        lock(&self.core.model).view()
    }

    /// The one way in: what the person did. Returns at once; the new view
    /// (and any words to say) reach the observers, now and as calls finish.
    pub fn send(&self, event: Event) {
        self.core.dispatch(Msg::Event(event));
    }

    /// `observer` gets every view from now on, starting with the current one.
    pub fn subscribe(&self, observer: Arc<dyn AppObserver>) -> Arc<Subscription> {
        let id = self.core.next_observer.fetch_add(1, Ordering::Relaxed);
        lock(&self.core.observers).push((id, observer.clone()));
        observer.on_view(self.view());
        Arc::new(Subscription {
            core: Arc::downgrade(&self.core),
            id,
        })
    }

    /// A raw camera frame (CameraX YUV/NV21, iOS BGRA), on the camera thread.
    /// The capture screen follows through the observer. An error is for the
    /// log: a malformed frame is dropped; `EngineUnavailable` has already
    /// moved the screen on.
    pub fn push_frame(&self, pixels: &[u8], info: FrameInfo) -> Result<(), CaptureError> {
        self.core
            .on_frame(Frame::Camera(pixels, &info), info.timestamp_ms)
    }

    /// Certifications saved on the phone, waiting to be sent.
    pub fn queued_uploads(&self) -> u32 {
        self.core.outbox.len() as u32
    }

    /// Local notifications to schedule: 30, 7 and 1 days before each due date.
    pub fn reminders(&self) -> Vec<crate::reminders::Reminder> {
        let m = lock(&self.core.model);
        let Some(h) = &m.home else { return vec![] };
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
            m.language,
        )
    }
}

/// Hooks for tests and device farms (feature `testing`, never in a release
/// build): recorded pictures instead of the camera, and waiting for the
/// effects of an event to finish.
#[cfg(feature = "testing")]
#[cfg_attr(feature = "uniffi", uniffi::export)]
impl LifeCertApp {
    /// An encoded upright picture (replays and device-farm clips).
    pub fn push_encoded(&self, image: &[u8], timestamp_ms: u64) -> Result<(), CaptureError> {
        let img = lifecert_liveness::capture::frame::decode(image)?;
        self.core.on_frame(Frame::Upright(&img), timestamp_ms)
    }

    /// Waits until every call, capture start and upload under way has
    /// finished, and returns the view then.
    pub async fn settle(&self) -> AppView {
        let core = self.core.clone();
        let wait = async move {
            loop {
                let idle = core.idle.notified();
                if core.in_flight.load(Ordering::SeqCst) == 0 {
                    break;
                }
                idle.await;
            }
        };
        // On the core's runtime: the caller may not be on a tokio one.
        let _ = self
            .runtime
            .as_ref()
            .expect("runtime lives as long as the app")
            .spawn(wait)
            .await;
        self.view()
    }

    /// Makes building, signing and queueing evidence take `ms` longer (a slow
    /// phone), to show that nothing else waits for it.
    pub fn slow_down_evidence(&self, ms: u64) {
        self.core.evidence_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// `send`, then `settle`.
    pub async fn send_and_wait(&self, event: Event) -> AppView {
        self.send(event);
        self.settle().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::test_support::MemoryStore;
    use crate::storage::StoreError;
    use std::time::{Duration, Instant};

    /// A platform key store that takes its time writing (a busy Keystore).
    struct SlowStore(MemoryStore);

    impl SecureStore for SlowStore {
        fn get(&self, key: String) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.get(key)
        }
        fn put(&self, key: String, value: Vec<u8>) -> Result<(), StoreError> {
            std::thread::sleep(Duration::from_millis(800));
            self.0.put(key, value)
        }
        fn delete(&self, key: String) -> Result<(), StoreError> {
            self.0.delete(key)
        }
    }

    /// Goes back as soon as it is shown the settings: an observer that calls
    /// into the app from `on_view`.
    struct BackFromSettings(std::sync::OnceLock<std::sync::Weak<LifeCertApp>>);

    impl AppObserver for BackFromSettings {
        fn on_view(&self, view: AppView) {
            if view.screen == super::super::view::Screen::Settings {
                if let Some(app) = self.0.get().and_then(|a| a.upgrade()) {
                    app.send(Event::Back);
                }
            }
        }
        fn on_speak(&self, _: Vec<lifecert_domain::i18n::Message>) {}
    }

    #[test]
    fn an_observer_may_send_an_event_from_inside_on_view() {
        let dir = std::env::temp_dir().join(format!("lifecert-reentry-{}", std::process::id()));
        let config = AppConfig {
            server_url: "http://127.0.0.1:9".into(),
            storage_dir: dir.to_string_lossy().into(),
            language: Language::ZhHans,
            receipt_public_key: None,
        };
        let app = LifeCertApp::new(config, Arc::new(MemoryStore::default())).unwrap();
        let observer = Arc::new(BackFromSettings(std::sync::OnceLock::new()));
        let _ = observer.0.set(Arc::downgrade(&app));
        let _subscription = app.subscribe(observer);
        let (done, finished) = std::sync::mpsc::channel();
        let sender = app.clone();
        std::thread::spawn(move || {
            sender.send(Event::ShowSettings);
            let _ = done.send(sender.view());
        });
        let view = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("send returned: no deadlock");
        assert_eq!(
            view.screen,
            super::super::view::Screen::Welcome,
            "the observer's Back ran"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn taps_and_view_never_wait_on_a_slow_key_store() {
        let dir = std::env::temp_dir().join(format!("lifecert-slow-{}", std::process::id()));
        let store = Arc::new(SlowStore(MemoryStore::default()));
        let config = AppConfig {
            server_url: "http://127.0.0.1:9".into(),
            storage_dir: dir.to_string_lossy().into(),
            language: Language::ZhHans,
            receipt_public_key: None,
        };
        let app = LifeCertApp::new(config, store.clone()).unwrap();
        let started = Instant::now();
        app.send(Event::SetLargeText { on: true });
        let view = app.view();
        let waited = started.elapsed();
        assert!(view.large_text, "the change shows at once");
        assert!(
            waited < Duration::from_millis(200),
            "waited {waited:?} for the store"
        );
        // It is saved all the same, off the caller's thread.
        super::super::model::tests::block(app.settle());
        assert!(store.0.get("settings".into()).unwrap().is_some());
        let _ = std::fs::remove_dir_all(dir);
    }
}
