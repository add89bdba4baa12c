//! What a shell draws: plain records and enums, rebuilt by the core after
//! every action. Every text is a [`Message`] (display + speech).

use crate::session::Problem;
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::rules::calendar::StatusKind;
use lifecert_domain::rules::contact::Contact;
use lifecert_domain::rules::date::CalendarDate;
use lifecert_liveness::liveness::LivenessUpdate;

/// One person on the home and "who" screens.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PersonCard {
    pub person_id: String,
    pub name: String,
    pub id_masked: String,
    /// "本人" / relation to me ("母亲").
    pub relation: Message,
    pub status_kind: StatusKind,
    /// The rules' main sentence about this person today (with the due date).
    pub status: Message,
    /// The rules' other notes, in order: online certification closed today,
    /// extra proof needed after 24 months, back pay owed, already certified by
    /// big-data comparison. Each is shown with the card (screen readers read
    /// it with the card too).
    pub notes: Vec<Message>,
    pub next_due: Option<CalendarDate>,
    pub template_enrolled: bool,
    /// Waiting for the relative's agreement: cannot certify yet.
    pub binding_pending: bool,
    /// Whether "certify" should be offered for this person now.
    pub can_certify: bool,
}

/// Someone asking to certify for me (亲情服务), waiting for my agreement.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BindingRequestCard {
    pub binding_id: String,
    pub from_name: String,
    pub relation: String,
    pub message: Message,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ResultKind {
    Passed,
    Failed,
    PendingReview,
}

/// One line of the records page.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RecordRow {
    pub certification_id: String,
    pub subject_name: String,
    /// "本人" or "由王建国代办" (by a relative).
    pub by: Message,
    pub date: CalendarDate,
    pub kind: ResultKind,
    /// Passed / failed / in review, in words (never colour alone).
    pub summary: Message,
    pub advice: Option<Message>,
    /// A receipt came with it and its signature checked out.
    pub receipt_verified: bool,
    /// The verified receipt as one line, for a QR code (`receipt_qr_png`).
    pub receipt_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Screen {
    Welcome,
    Register,
    LogIn,
    Home {
        me: PersonCard,
        relatives: Vec<PersonCard>,
        requests: Vec<BindingRequestCard>,
        /// Certifications saved on the phone, waiting for the network.
        queued_uploads: u32,
        /// The account is only registered: the person should certify
        /// themselves first (or go to a counter); adding or agreeing to
        /// relatives waits until then. None once verified.
        verify_first: Option<Message>,
    },
    ChooseWho {
        people: Vec<PersonCard>,
    },
    AddRelative,
    /// PIPL: separate consent for processing the face, and what leaves the phone.
    Consent {
        subject: PersonCard,
        points: Vec<Message>,
    },
    /// The template on file (模板照片) will be compared: shown small, with
    /// the name, so the right person is certified.
    TemplatePreview {
        subject: PersonCard,
        /// certd's small grey JPEG of the template, once it arrives.
        template_photo: Option<Vec<u8>>,
    },
    /// The shell must ask for the camera, then send `CameraReady`.
    CameraPermission {
        subject: PersonCard,
        /// The steps ahead, in order, so the screen can show them before starting.
        actions: Vec<lifecert_liveness::liveness::Action>,
        template_photo: Option<Vec<u8>>,
    },
    Capture {
        subject: PersonCard,
        update: LivenessUpdate,
    },
    Uploading {
        subject: PersonCard,
        /// Bytes of the evidence handed to the network so far, of all of
        /// them (0 of 0 until the upload starts): for a progress bar.
        sent_bytes: u64,
        total_bytes: u64,
    },
    QueuedOffline {
        subject: PersonCard,
        message: Message,
    },
    Result {
        subject: PersonCard,
        kind: ResultKind,
        message: Message,
        /// What to do next (retry, go to the police station, look again later).
        advice: Option<Message>,
        receipt_verified: bool,
        /// The verified receipt as one line, for a QR code the person can
        /// show at a counter (`receipt_qr_png`); `None` until verified.
        receipt_code: Option<String>,
        next_due: Option<CalendarDate>,
    },
    /// Certification cannot start for this person today, and why.
    Blocked {
        subject: PersonCard,
        problem: Problem,
    },
    Records {
        rows: Vec<RecordRow>,
    },
    /// Address, post code and phone of `subject`, to correct (the shell's
    /// fields start from `current` and send `SaveContact`); `saved` once
    /// certd took them.
    Contact {
        subject: PersonCard,
        current: Contact,
        saved: bool,
    },
    Settings,
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AppView {
    pub screen: Screen,
    /// The screen's title and its spoken form.
    pub title: Message,
    /// The main instruction on this screen, to show big and to speak.
    pub instruction: Message,
    pub language: Language,
    pub large_text: bool,
    pub voice_on: bool,
    /// A network call is running: show a spinner, keep the buttons.
    pub busy: bool,
    pub problem: Option<Problem>,
    pub can_go_back: bool,
}
