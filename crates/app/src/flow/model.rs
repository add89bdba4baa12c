//! The journey as a reducer: `update(model, msg) -> effects`. Pure: no
//! network, no disk, no threads, no clock. The runner (`runner.rs`) carries
//! out the effects and feeds their answers back in as messages, so every
//! screen transition here is tested with no shell and no server.
//!
//! What to say is decided here too ([`Effect::Speak`]): a screen's
//! instruction when it changes, a problem when one appears, and on the
//! capture screen each prompt the engine flags. Shells only speak.

use super::texts;
use super::view::{AppView, BindingRequestCard, PersonCard, RecordRow, ResultKind, Screen};
use crate::session::{offline_message, NetError, Problem, ProblemKind};
use lifecert_domain::api::{
    self, BindingState, CertificationRecord, Code, Home, Outcome, PersonView, ReceiptClaims,
    Started,
};
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::rules::calendar::StatusKind;
use lifecert_domain::rules::contact::Contact;
use lifecert_domain::rules::date::CalendarDate;
use lifecert_liveness::capture::frame::CaptureError;
use lifecert_liveness::liveness::{Challenge, LivenessPhase, LivenessUpdate};

/// What a person does, as the shell reports it: the one way into the journey.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Event {
    /// The app opened: home if a saved session still works, else welcome.
    Start,
    ShowRegister,
    ShowLogIn,
    Back,
    /// The register form; every check happens on certd with the shared rules.
    Register {
        name: String,
        id_number: String,
        password: String,
        mobile: String,
        mobile_again: String,
        terms_accepted: bool,
    },
    LogIn {
        id_number: String,
        password: String,
    },
    /// Ends the session on certd and forgets the tokens on the phone.
    LogOut,
    RefreshHome,
    ChooseWho,
    ShowAddRelative,
    AddRelative {
        name: String,
        id_number: String,
        relation: String,
    },
    /// I agree that this person may certify for me.
    AcceptRequest {
        binding_id: String,
    },
    /// Who to certify: the consent page, or why it cannot be done today.
    Select {
        person_id: String,
    },
    GiveConsent,
    DeclineConsent,
    /// The camera is open: the liveness prompts start.
    CameraReady,
    /// The camera stopped during the capture (the app went to the
    /// background, a call, another app took the camera): back to the camera
    /// screen with the same steps, to start again when the person is ready.
    CameraInterrupted,
    /// Try again for the same person (after a failure or an expired attempt).
    Retry,
    ShowRecords,
    /// Correct this person's address, post code and phone (from Home or a result).
    ShowContact {
        person_id: String,
    },
    /// The contact form as typed; certd checks it with the shared rules.
    SaveContact {
        address: String,
        post_code: String,
        mobile: String,
    },
    ShowSettings,
    SetLanguage {
        language: Language,
    },
    SetLargeText {
        on: bool,
    },
    SetVoice {
        on: bool,
    },
    /// Send what waits in the offline queue now (the network is back, or the
    /// person asked).
    RetryUploads,
}

/// A call to certd the runner makes; its answer comes back as a [`Msg`].
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// Home, replacing the screen with it.
    Home,
    /// Home's data only (statuses changed after an upload): the screen stays.
    HomeData,
    Register(api::RegisterRequest),
    LogIn {
        id_number: String,
        password: String,
    },
    LogOut,
    Bind(api::BindRequest),
    Accept {
        binding_id: String,
    },
    Start {
        person_id: String,
    },
    /// The person's template photo, small (to show before the scan).
    Template {
        person_id: String,
    },
    /// The records, each with whether its receipt checked out.
    Records,
    SaveContact {
        person_id: String,
        contact: Contact,
    },
}

/// What the runner does for the reducer.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Tell the observers about the new view (boxed: views are large,
    /// the other effects small).
    Render(Box<AppView>),
    /// Say these words now, replacing whatever is being said; empty: stop.
    Speak(Vec<Message>),
    Call(Request),
    /// Start the liveness engine on this challenge (frames go to it),
    /// unless it expires (`expires_at_ms`, certd's clock) too soon to finish.
    StartCapture {
        challenge: Challenge,
        expires_at_ms: u64,
    },
    StopCapture,
    /// The running capture's prompts in another language.
    CaptureLanguage(Language),
    /// Build, sign and queue the passed capture's evidence for this attempt.
    QueueEvidence {
        certification_id: String,
        person_id: String,
    },
    /// Send due items of the outbox (`all`: now, whatever their backoff).
    Drain {
        all: bool,
    },
    SaveSettings {
        language: Language,
        large_text: bool,
        voice_on: bool,
    },
}

/// Why a passed capture's evidence did not reach the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvidenceProblem {
    /// Built but not saved: the phone's storage is full or failing.
    NotSaved,
    /// Could not be built (over budget, an encoding failure).
    NotBuilt,
}

/// Everything the reducer reacts to: the person's events and the answers
/// to its effects.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Event(Event),
    Home(Result<Home, NetError>),
    HomeData(Result<Home, NetError>),
    Registered {
        result: Result<(), NetError>,
        id_number: String,
        password: String,
    },
    LoggedIn(Result<(), NetError>),
    LoggedOut,
    Bound(Result<(), NetError>),
    Accepted(Result<(), NetError>),
    Started {
        person_id: String,
        result: Result<Started, NetError>,
    },
    Template {
        person_id: String,
        result: Result<Vec<u8>, NetError>,
    },
    /// Each record with whether its receipt is signed by the agency for it.
    Records(Result<Vec<(CertificationRecord, bool)>, NetError>),
    /// certd's answer to `SaveContact`: the details as it keeps them.
    ContactSaved {
        person_id: String,
        result: Result<Contact, NetError>,
    },
    /// No network: the records kept on the phone, each receipt checked here
    /// with the kept keys.
    KeptRecords {
        rows: Vec<(CertificationRecord, bool)>,
        /// Whose records (id, name), for when Home is not loaded either.
        me: Option<(String, String)>,
    },
    /// One analysed frame of the running capture.
    Frame(LivenessUpdate),
    /// The face check cannot run on this phone.
    CaptureUnavailable,
    EvidenceQueued(Result<(), EvidenceProblem>),
    /// Bytes of the evidence sent so far.
    UploadProgress {
        sent: u64,
        total: u64,
    },
    /// certd decided an upload; `receipt`: its verified receipt, if any.
    Uploaded {
        record: CertificationRecord,
        receipt: Option<ReceiptClaims>,
    },
    /// The network failed: the item waits in the outbox.
    UploadDeferred,
    /// certd refused an upload for good (retrying cannot help).
    UploadRefused(NetError),
    /// How many certifications wait in the outbox.
    Queued(u32),
    /// The capture was to start on a challenge that expires too soon to finish.
    AttemptStale,
}

/// The state the shells' screens are drawn from.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub screen: Screen,
    pub back: Vec<Screen>,
    pub language: Language,
    pub large_text: bool,
    pub voice_on: bool,
    pub busy: bool,
    pub problem: Option<Problem>,
    pub home: Option<Home>,
    pub subject: Option<PersonCard>,
    pub started: Option<Started>,
    /// A session is saved (tokens): uploads may be sent.
    pub has_session: bool,
    /// The chosen person's template photo (their id, the JPEG).
    pub template_photo: Option<(String, Vec<u8>)>,
    /// Certifications waiting in the outbox.
    pub queued: u32,
    /// Shown on the next camera screen (why the steps are asked again).
    pub note: Option<Problem>,
    /// Start: the first home after opening the app sends what waits.
    draining_after_home: bool,
    /// What was last said, so the same words are not said twice.
    said_instruction: Option<String>,
    said_problem: Option<String>,
}

impl Model {
    pub fn new(language: Language, large_text: bool, voice_on: bool, has_session: bool) -> Model {
        Model {
            screen: Screen::Welcome,
            back: vec![],
            language,
            large_text,
            voice_on,
            busy: false,
            problem: None,
            home: None,
            subject: None,
            started: None,
            has_session,
            template_photo: None,
            queued: 0,
            note: None,
            draining_after_home: false,
            said_instruction: None,
            said_problem: None,
        }
    }

    pub fn view(&self) -> AppView {
        let key = screen_key(&self.screen);
        let lang = self.language;
        let instruction = match &self.screen {
            Screen::Capture { update, .. } => update.prompt.clone(),
            Screen::QueuedOffline { message, .. } | Screen::Result { message, .. } => {
                message.clone()
            }
            Screen::Blocked { problem, .. } => problem.message.clone(),
            Screen::Uploading {
                sent_bytes,
                total_bytes,
                ..
            } if *total_bytes > 0 => texts::upload_progress(lang, *sent_bytes, *total_bytes),
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

    /// A failed call: session problems go to log-in, others stay on the screen.
    fn fail(&mut self, e: &NetError) {
        let problem = e.problem(self.language);
        self.busy = false;
        self.draining_after_home = false;
        if problem.kind == ProblemKind::SessionExpired {
            self.has_session = false;
            self.reset_to(Screen::LogIn);
        }
        self.problem = Some(problem);
    }

    fn home_screen(&self, h: &Home) -> Screen {
        home_screen(self.language, h, self.queued)
    }

    fn person(&self, person_id: &str) -> Option<(PersonView, PersonCard)> {
        let lang = self.language;
        let h = self.home.as_ref()?;
        if h.me.person_id == person_id {
            return Some((
                h.me.clone(),
                card(lang, &h.me, texts::self_relation(lang), false),
            ));
        }
        h.relatives
            .iter()
            .find(|b| b.person.person_id == person_id)
            .map(|b| (b.person.clone(), relative_card(lang, b)))
    }

    /// Whose phone: the logged-in person's id and name, once Home is loaded.
    pub fn me(&self) -> Option<(String, String)> {
        self.home
            .as_ref()
            .map(|h| (h.me.person_id.clone(), h.me.name.clone()))
    }

    /// The template photo, if it is the subject's.
    fn photo_of(&self, subject: &PersonCard) -> Option<Vec<u8>> {
        self.template_photo
            .as_ref()
            .filter(|(id, _)| *id == subject.person_id)
            .map(|(_, jpeg)| jpeg.clone())
    }

    fn busy_with(&mut self, request: Request) -> Vec<Effect> {
        self.busy = true;
        vec![Effect::Call(request)]
    }

    /// What to say after a change: the new screen's instruction, a new
    /// problem, or the capture prompt the engine flags. Nothing twice.
    fn speech(&mut self, view: &AppView) -> Option<Vec<Message>> {
        let instruction = match &view.screen {
            // The prompt is the instruction here; the engine says when to repeat it.
            Screen::Capture { update, .. } => update.speak.then(|| update.prompt.clone()),
            _ if self.said_instruction.as_deref() != Some(view.instruction.key.as_str()) => {
                Some(view.instruction.clone())
            }
            _ => None,
        };
        self.said_instruction = Some(view.instruction.key.clone());
        let problem = view
            .problem
            .as_ref()
            .map(|p| p.message.clone())
            .filter(|m| self.said_problem.as_deref() != Some(m.key.as_str()));
        // A running call re-arms it, so the same problem twice is said twice.
        self.said_problem = if view.busy {
            None
        } else {
            view.problem.as_ref().map(|p| p.message.key.clone())
        };
        if !self.voice_on {
            return None;
        }
        let words: Vec<Message> = problem
            .into_iter()
            .chain(instruction)
            .filter(|m| !m.speech.trim().is_empty())
            .collect();
        (!words.is_empty()).then_some(words)
    }
}

/// The reducer: applies `msg`, and returns what the runner must do: the new
/// view, then the words to say with it (if any), then the work.
pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    let voice_was_on = model.voice_on;
    let work = apply(model, msg);
    let view = model.view();
    let speech = model.speech(&view);
    let mut effects = vec![Effect::Render(Box::new(view))];
    if let Some(words) = speech {
        effects.push(Effect::Speak(words));
    } else if voice_was_on && !model.voice_on {
        effects.push(Effect::Speak(vec![]));
    }
    effects.extend(work);
    effects
}

fn apply(m: &mut Model, msg: Msg) -> Vec<Effect> {
    let lang = m.language;
    match msg {
        Msg::Event(e) => event(m, e),
        Msg::Home(Ok(home)) => {
            m.busy = false;
            m.reset_to(m.home_screen(&home));
            m.home = Some(home);
            if std::mem::take(&mut m.draining_after_home) {
                return vec![Effect::Drain { all: true }];
            }
            vec![]
        }
        Msg::Home(Err(e)) => {
            if std::mem::take(&mut m.draining_after_home) && m.screen == Screen::Welcome {
                // The saved session no longer works: start from welcome.
                m.busy = false;
                if e.problem(lang).kind == ProblemKind::SessionExpired {
                    m.has_session = false;
                }
                return vec![];
            }
            m.fail(&e);
            vec![]
        }
        Msg::HomeData(Ok(home)) => {
            if matches!(m.screen, Screen::Home { .. }) && !m.busy {
                m.screen = m.home_screen(&home);
            }
            m.home = Some(home);
            vec![]
        }
        Msg::HomeData(Err(_)) => vec![],
        Msg::Registered {
            result: Ok(()),
            id_number,
            password,
        } => vec![Effect::Call(Request::LogIn {
            id_number,
            password,
        })],
        Msg::LoggedIn(Ok(())) => {
            m.has_session = true;
            // Anything saved while logged out goes up once home is shown.
            m.draining_after_home = true;
            vec![Effect::Call(Request::Home)]
        }
        Msg::Bound(Ok(())) | Msg::Accepted(Ok(())) => vec![Effect::Call(Request::Home)],
        Msg::Registered { result: Err(e), .. }
        | Msg::LoggedIn(Err(e))
        | Msg::Bound(Err(e))
        | Msg::Accepted(Err(e))
        | Msg::Records(Err(e)) => {
            m.fail(&e);
            vec![]
        }
        Msg::LoggedOut => {
            m.has_session = false;
            m.home = None;
            m.subject = None;
            m.busy = false;
            m.reset_to(Screen::Welcome);
            vec![]
        }
        Msg::Started { person_id, result } => {
            let note = m.note.take();
            let Some(subject) = m.subject.clone().filter(|s| s.person_id == person_id) else {
                m.busy = false;
                return vec![];
            };
            match result {
                Ok(started) => {
                    m.busy = false;
                    let actions = started.actions.clone();
                    m.started = Some(started);
                    let template_photo = m.photo_of(&subject);
                    m.go(Screen::CameraPermission {
                        subject,
                        actions,
                        template_photo,
                    });
                    m.problem = note;
                }
                Err(e)
                    if !e.is_transient() && e.problem(lang).kind != ProblemKind::SessionExpired =>
                {
                    m.busy = false;
                    let problem = e.problem(lang);
                    m.go(Screen::Blocked { subject, problem });
                }
                Err(e) => m.fail(&e),
            }
            vec![]
        }
        Msg::Template {
            person_id,
            result: Ok(jpeg),
        } => {
            if let Screen::TemplatePreview {
                subject,
                template_photo,
            }
            | Screen::CameraPermission {
                subject,
                template_photo,
                ..
            } = &mut m.screen
            {
                if subject.person_id == person_id {
                    *template_photo = Some(jpeg.clone());
                }
            }
            m.template_photo = Some((person_id, jpeg));
            vec![]
        }
        // The photo is a courtesy: without it the name card still shows.
        Msg::Template { result: Err(_), .. } => vec![],
        Msg::KeptRecords { rows, me } => {
            let effects = show_records(m, &rows, me);
            // Shown with why they may not be the latest.
            m.problem = Some(Problem {
                kind: ProblemKind::Offline,
                message: texts::records_kept(lang),
                retry_after_s: None,
            });
            effects
        }
        Msg::Records(Ok(records)) => show_records(m, &records, None),
        Msg::ContactSaved { person_id, result } => {
            m.busy = false;
            match result {
                Ok(contact) => {
                    m.problem = None;
                    // Home shows the new details without another call.
                    if let Some(h) = &mut m.home {
                        let me = std::iter::once(&mut h.me);
                        let relatives = h.relatives.iter_mut().map(|b| &mut b.person);
                        for p in me.chain(relatives).filter(|p| p.person_id == person_id) {
                            p.contact = Some(contact.clone());
                        }
                    }
                    if let Screen::Contact {
                        subject,
                        current,
                        saved,
                    } = &mut m.screen
                    {
                        if subject.person_id == person_id {
                            (*current, *saved) = (contact, true);
                        }
                    }
                }
                // The form stays as typed, with what to correct.
                Err(e) => m.fail(&e),
            }
            vec![]
        }
        Msg::Frame(update) => frame(m, update),
        Msg::CaptureUnavailable => {
            m.started = None;
            m.busy = false;
            if let Some(subject) = m.subject.clone() {
                m.go(Screen::Blocked {
                    subject,
                    problem: Problem {
                        kind: ProblemKind::CaptureUnavailable,
                        message: CaptureError::EngineUnavailable.describe(lang),
                        retry_after_s: None,
                    },
                });
            }
            vec![Effect::StopCapture]
        }
        Msg::EvidenceQueued(Ok(())) => vec![Effect::Drain { all: false }],
        Msg::EvidenceQueued(Err(problem)) => {
            if let Some(subject) = m.subject.clone() {
                let message = match problem {
                    EvidenceProblem::NotSaved => texts::storage_full(lang),
                    EvidenceProblem::NotBuilt => texts::evidence_not_built(lang),
                };
                m.busy = false;
                m.reset_to(failed_result(lang, subject, Some(message)));
            }
            vec![]
        }
        Msg::Uploaded { record, receipt } => {
            show_result(m, &record, receipt);
            // The statuses (and so the reminders) changed.
            vec![Effect::Call(Request::HomeData)]
        }
        Msg::UploadProgress { sent, total } => {
            if let Screen::Uploading {
                sent_bytes,
                total_bytes,
                ..
            } = &mut m.screen
            {
                (*sent_bytes, *total_bytes) = (sent.min(total), total);
            }
            vec![]
        }
        Msg::UploadDeferred => {
            if let Screen::Uploading { subject, .. } = &m.screen {
                let subject = subject.clone();
                m.go(Screen::QueuedOffline {
                    subject,
                    message: offline_message(lang),
                });
            }
            vec![]
        }
        Msg::UploadRefused(e) if e.problem(lang).kind == ProblemKind::SessionExpired => {
            // The evidence stays in the outbox; it goes up after the next log-in.
            m.fail(&e);
            vec![]
        }
        Msg::UploadRefused(e) if e.problem(lang).kind == ProblemKind::AttemptExpired => {
            // Too slow is not a failure: new steps, and a word on why.
            renew_attempt(m)
        }
        Msg::AttemptStale if matches!(m.screen, Screen::Capture { .. }) => {
            let mut effects = vec![Effect::StopCapture];
            effects.extend(renew_attempt(m));
            effects
        }
        // The person left the capture meanwhile: nothing to renew.
        Msg::AttemptStale => vec![],
        Msg::UploadRefused(e) => {
            // Decided or invalid: say why and let the person start again.
            if let Some(subject) = m.subject.clone() {
                let problem = e.problem(lang);
                m.busy = false;
                m.reset_to(failed_result(lang, subject, Some(problem.message)));
            }
            vec![]
        }
        Msg::Queued(n) => {
            m.queued = n;
            if let Screen::Home { queued_uploads, .. } = &mut m.screen {
                *queued_uploads = n;
            }
            vec![]
        }
    }
}

fn event(m: &mut Model, e: Event) -> Vec<Effect> {
    let lang = m.language;
    match e {
        Event::Start => {
            if !m.has_session {
                return vec![];
            }
            m.draining_after_home = true;
            m.busy_with(Request::Home)
        }
        Event::ShowRegister => {
            m.go(Screen::Register);
            vec![]
        }
        Event::ShowLogIn => {
            m.go(Screen::LogIn);
            vec![]
        }
        Event::Back => {
            let mut effects = vec![];
            if matches!(m.screen, Screen::Capture { .. }) {
                m.started = None;
                effects.push(Effect::StopCapture);
            }
            if let Some(prev) = m.back.pop() {
                m.screen = prev;
                m.problem = None;
            }
            effects
        }
        Event::Register {
            name,
            id_number,
            password,
            mobile,
            mobile_again,
            terms_accepted,
        } => m.busy_with(Request::Register(api::RegisterRequest {
            name,
            id_number,
            password,
            mobile,
            mobile_again,
            terms_accepted,
        })),
        Event::LogIn {
            id_number,
            password,
        } => m.busy_with(Request::LogIn {
            id_number,
            password,
        }),
        Event::LogOut => m.busy_with(Request::LogOut),
        Event::RefreshHome => m.busy_with(Request::Home),
        Event::ChooseWho => {
            if let Screen::Home { me, relatives, .. } = &m.screen {
                let mut people = vec![me.clone()];
                people.extend(relatives.iter().cloned());
                m.go(Screen::ChooseWho { people });
            }
            vec![]
        }
        Event::ShowAddRelative => {
            m.go(Screen::AddRelative);
            vec![]
        }
        Event::AddRelative {
            name,
            id_number,
            relation,
        } => m.busy_with(Request::Bind(api::BindRequest {
            name,
            id_number,
            relation,
        })),
        Event::AcceptRequest { binding_id } => m.busy_with(Request::Accept { binding_id }),
        Event::Select { person_id } => {
            let Some((view, card)) = m.person(&person_id) else {
                return vec![];
            };
            m.subject = Some(card.clone());
            match blocked_reason(&card, &view) {
                Some(kind) => m.go(Screen::Blocked {
                    subject: card,
                    problem: problem_for(kind, lang, &view),
                }),
                None => m.go(Screen::Consent {
                    points: texts::consent_points(lang, &card.name),
                    subject: card,
                }),
            }
            vec![]
        }
        Event::GiveConsent => {
            let Some(subject) = m.subject.clone() else {
                return vec![];
            };
            m.go(Screen::TemplatePreview {
                template_photo: m.photo_of(&subject),
                subject: subject.clone(),
            });
            let mut effects = m.busy_with(Request::Start {
                person_id: subject.person_id.clone(),
            });
            if m.photo_of(&subject).is_none() {
                effects.push(Effect::Call(Request::Template {
                    person_id: subject.person_id,
                }));
            }
            effects
        }
        Event::DeclineConsent => {
            m.subject = None;
            if let Some(h) = m.home.clone() {
                m.reset_to(m.home_screen(&h));
            }
            vec![]
        }
        Event::CameraReady => {
            let (Some(started), Some(subject)) = (m.started.clone(), m.subject.clone()) else {
                return vec![];
            };
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
            m.go(Screen::Capture { subject, update });
            vec![Effect::StartCapture {
                challenge: Challenge {
                    actions: started.actions,
                    nonce: started.nonce,
                },
                expires_at_ms: started.expires_at_ms,
            }]
        }
        Event::CameraInterrupted => {
            let (Screen::Capture { subject, .. }, Some(started)) = (&m.screen, &m.started) else {
                return vec![];
            };
            let screen = Screen::CameraPermission {
                subject: subject.clone(),
                actions: started.actions.clone(),
                template_photo: m.photo_of(subject),
            };
            m.go(screen);
            m.problem = Some(steps_again(texts::camera_interrupted(lang)));
            vec![Effect::StopCapture]
        }
        Event::Retry => match m.subject.clone() {
            Some(subject) => m.busy_with(Request::Start {
                person_id: subject.person_id,
            }),
            None => vec![],
        },
        Event::ShowRecords => m.busy_with(Request::Records),
        Event::ShowContact { person_id } => {
            let Some((view, subject)) = m.person(&person_id) else {
                return vec![];
            };
            m.go(Screen::Contact {
                subject,
                current: view.contact.unwrap_or_default(),
                saved: false,
            });
            vec![]
        }
        Event::SaveContact {
            address,
            post_code,
            mobile,
        } => {
            let Screen::Contact { subject, .. } = &m.screen else {
                return vec![];
            };
            let person_id = subject.person_id.clone();
            m.busy_with(Request::SaveContact {
                person_id,
                contact: Contact {
                    address,
                    post_code,
                    mobile,
                },
            })
        }
        Event::ShowSettings => {
            m.go(Screen::Settings);
            vec![]
        }
        Event::SetLanguage { language } => {
            m.language = language;
            // The words said so far were in the other language.
            m.said_instruction = None;
            vec![Effect::CaptureLanguage(language), save_settings(m)]
        }
        Event::SetLargeText { on } => {
            m.large_text = on;
            vec![save_settings(m)]
        }
        Event::SetVoice { on } => {
            m.voice_on = on;
            vec![save_settings(m)]
        }
        Event::RetryUploads => {
            if m.has_session {
                vec![Effect::Drain { all: true }]
            } else {
                vec![] // Logged out: the queue waits for the next log-in.
            }
        }
    }
}

fn save_settings(m: &Model) -> Effect {
    Effect::SaveSettings {
        language: m.language,
        large_text: m.large_text,
        voice_on: m.voice_on,
    }
}

/// The records page; `kept_me`: whose phone, when Home is not loaded.
fn show_records(
    m: &mut Model,
    records: &[(CertificationRecord, bool)],
    kept_me: Option<(String, String)>,
) -> Vec<Effect> {
    let (me, my_name) = m.me().or(kept_me).unwrap_or_default();
    let rows = records
        .iter()
        .map(|(r, verified)| record_row(m.language, r, *verified, &me, &my_name))
        .collect();
    m.busy = false;
    m.go(Screen::Records { rows });
    vec![]
}

/// Why the camera screen asks for the steps again: nothing failed.
fn steps_again(message: Message) -> Problem {
    Problem {
        kind: ProblemKind::AttemptExpired,
        message,
        retry_after_s: None,
    }
}

/// A fresh challenge for the same person, shown with why the steps are new.
fn renew_attempt(m: &mut Model) -> Vec<Effect> {
    let Some(subject) = m.subject.clone() else {
        return vec![];
    };
    m.started = None;
    m.note = Some(steps_again(texts::attempt_renewed(m.language)));
    m.busy_with(Request::Start {
        person_id: subject.person_id,
    })
}

/// One analysed frame: the capture screen follows it until it passes (then
/// the evidence is queued) or is rejected.
fn frame(m: &mut Model, update: LivenessUpdate) -> Vec<Effect> {
    let Screen::Capture { subject, .. } = &m.screen else {
        return vec![]; // A late frame after the capture ended.
    };
    let subject = subject.clone();
    match update.phase {
        LivenessPhase::Passed => {
            let Some(started) = m.started.take() else {
                return vec![Effect::StopCapture];
            };
            m.go(Screen::Uploading {
                subject: subject.clone(),
                sent_bytes: 0,
                total_bytes: 0,
            });
            vec![Effect::QueueEvidence {
                certification_id: started.certification_id,
                person_id: subject.person_id,
            }]
        }
        LivenessPhase::Rejected => {
            m.started = None;
            m.reset_to(failed_result(m.language, subject, Some(update.prompt)));
            vec![Effect::StopCapture]
        }
        _ => {
            m.screen = Screen::Capture { subject, update };
            vec![]
        }
    }
}

fn show_result(m: &mut Model, r: &CertificationRecord, receipt: Option<ReceiptClaims>) {
    let lang = m.language;
    let showing = matches!(&m.screen, Screen::Uploading { subject, .. } | Screen::QueuedOffline { subject, .. } if subject.person_id == r.subject_person_id);
    let Some(subject) = m.subject.clone().filter(|_| showing) else {
        return;
    };
    let verified = receipt.is_some();
    let receipt_code = r.receipt.as_ref().filter(|_| verified).map(|x| x.to_text());
    let next_due = receipt.and_then(|c| c.next_due);
    let advice = advice_of(
        lang,
        r,
        &format!("api.{}", r.reason.clone().unwrap_or_default()),
    );
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
    m.busy = false;
    m.reset_to(Screen::Result {
        subject,
        kind,
        message,
        advice,
        receipt_verified: verified,
        receipt_code,
        next_due,
    });
}

/// The failed result for `subject`: `message`, or the usual words.
fn failed_result(lang: Language, subject: PersonCard, message: Option<Message>) -> Screen {
    Screen::Result {
        message: message.unwrap_or_else(|| texts::failed(lang, &subject.name)),
        subject,
        kind: ResultKind::Failed,
        advice: Some(texts::retry_advice(lang)),
        receipt_verified: false,
        receipt_code: None,
        next_due: None,
    }
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
        Screen::Contact { saved: false, .. } => "contact",
        Screen::Contact { saved: true, .. } => "contact_saved",
        Screen::Settings => "settings",
    }
}

fn card(lang: Language, p: &PersonView, relation: Message, pending: bool) -> PersonCard {
    let can = !pending
        && p.template_enrolled
        && p.status.online_open_today
        && !matches!(p.status.kind, StatusKind::NotInScope | StatusKind::Stopped);
    let (status, notes) = match p.status.messages.split_first() {
        _ if pending => (texts::pending_binding(lang), vec![]),
        Some((main, notes)) => (main.clone(), notes.to_vec()),
        None => (texts::msg("status.none", String::new()), vec![]),
    };
    PersonCard {
        person_id: p.person_id.clone(),
        name: p.name.clone(),
        id_masked: p.id_masked.clone(),
        relation,
        status_kind: p.status.kind,
        status,
        notes,
        next_due: p.status.next_due,
        template_enrolled: p.template_enrolled,
        binding_pending: pending,
        can_certify: can,
    }
}

fn relative_card(lang: Language, b: &api::Binding) -> PersonCard {
    card(
        lang,
        &b.person,
        texts::msg("relation", b.relation.clone()),
        b.state == BindingState::Pending,
    )
}

fn home_screen(lang: Language, h: &Home, queued: u32) -> Screen {
    Screen::Home {
        me: card(lang, &h.me, texts::self_relation(lang), false),
        relatives: h.relatives.iter().map(|b| relative_card(lang, b)).collect(),
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

/// What to do about a record: in review, the day to look again (rather than
/// "in a few days"); else certd's advice, as message `key`.
fn advice_of(lang: Language, r: &CertificationRecord, key: &str) -> Option<Message> {
    match r.review_by {
        Some(by) => Some(texts::look_again(lang, by)),
        None => r.advice.clone().map(|a| texts::msg(key, a)),
    }
}

fn record_row(
    lang: Language,
    r: &CertificationRecord,
    verified: bool,
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
    let day =
        lifecert_domain::rules::date::china_date_of_ms(r.decided_ms.unwrap_or(r.started_ms) as i64)
            .unwrap_or(CalendarDate::new(1970, 1, 1));
    RecordRow {
        certification_id: r.certification_id.clone(),
        subject_name: r.subject_name.clone(),
        by: texts::by_whom(lang, by_self, &actor),
        date: day,
        kind,
        summary: texts::record_summary(lang, kind),
        advice: advice_of(lang, r, "record.advice"),
        receipt_verified: verified,
        receipt_code: r.receipt.as_ref().filter(|_| verified).map(|x| x.to_text()),
    }
}

#[cfg(test)]
pub(crate) mod tests;
