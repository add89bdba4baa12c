//! The journey without a shell, a server or a thread: each test feeds the
//! reducer events and answers and checks the screen, the effects and what is
//! said. One test per screen transition and per problem kind.

use super::*;
use lifecert_domain::api::{Binding, ErrorBody, Receipt};
use lifecert_domain::rules::calendar::CertificationStatus;

/// Waits for one of the app's async calls (the runner's tests).
pub(crate) fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

const ME: &str = "p-me";
const MOTHER: &str = "p-mother";

fn status(kind: StatusKind, open: bool) -> CertificationStatus {
    CertificationStatus {
        kind,
        next_due: Some(CalendarDate::new(2027, 6, 30)),
        suspended_from: None,
        back_pay_months: 0,
        extra_proof_needed: false,
        certified_by: None,
        online_open_today: open,
        messages: vec![Message::same("status.due", "请在2027年6月30日前认证")],
    }
}

fn person(id: &str, name: &str, kind: StatusKind) -> PersonView {
    PersonView {
        person_id: id.into(),
        name: name.into(),
        id_masked: "110105********002X".into(),
        template_enrolled: true,
        status: status(kind, true),
        contact: None,
    }
}

fn home_with(mother: PersonView, state: BindingState) -> Home {
    Home {
        me: person(ME, "赵桂兰", StatusKind::Due),
        account_verified: true,
        relatives: vec![Binding {
            binding_id: "b-1".into(),
            relation: "母亲".into(),
            state,
            person: mother,
        }],
        requests: vec![],
    }
}

fn home() -> Home {
    home_with(
        person(MOTHER, "陈秀华", StatusKind::Due),
        BindingState::Active,
    )
}

fn api_error(status: u16, code: &str) -> NetError {
    NetError::Api {
        status,
        body: ErrorBody {
            code: code.into(),
            message: "server words".into(),
            retry_after_s: None,
        },
    }
}

fn started() -> Started {
    Started {
        certification_id: "c-1".into(),
        nonce: "n-1".into(),
        actions: vec![
            lifecert_domain::challenge::Action::Blink,
            lifecert_domain::challenge::Action::TurnLeft,
        ],
        expires_at_ms: 1,
    }
}

fn record(outcome: Outcome, subject: &str) -> CertificationRecord {
    CertificationRecord {
        certification_id: "c-1".into(),
        subject_person_id: subject.into(),
        subject_name: "赵桂兰".into(),
        actor_person_id: ME.into(),
        started_ms: 1_780_000_000_000,
        decided_ms: Some(1_780_000_060_000),
        outcome,
        reason: None,
        advice: None,
        receipt: None::<Receipt>,
        attestation_level: None,
        review_by: None,
    }
}

fn frame(phase: LivenessPhase, speak: bool) -> LivenessUpdate {
    LivenessUpdate {
        phase,
        prompt: Message::same("prompt.blink", "请眨眨眼"),
        speak,
        action: None,
        done_steps: 0,
        total_steps: 2,
        progress: 0.0,
        quality: None,
        face_box: None,
        reject_reason: None,
        screen_colour: None,
    }
}

fn send(m: &mut Model, e: Event) -> Vec<Effect> {
    update(m, Msg::Event(e))
}

/// certd decided an upload.
fn uploaded(
    m: &mut Model,
    record: CertificationRecord,
    receipt: Option<ReceiptClaims>,
) -> Vec<Effect> {
    update(m, Msg::Uploaded { record, receipt })
}

/// certd sent the challenge for `who`.
fn challenge_arrives(m: &mut Model, who: &str) -> Vec<Effect> {
    update(
        m,
        Msg::Started {
            person_id: who.into(),
            result: Ok(started()),
        },
    )
}

fn calls(effects: &[Effect]) -> Vec<Request> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn spoken(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Speak(w) => Some(w.iter().map(|m| m.key.clone()).collect::<Vec<_>>()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn rendered(effects: &[Effect]) -> &AppView {
    match effects.first() {
        Some(Effect::Render(v)) => v.as_ref(),
        other => panic!("every update starts with a render, got {other:?}"),
    }
}

fn logged_in() -> Model {
    let mut m = Model::new(Language::ZhHans, false, true, true);
    update(&mut m, Msg::Home(Ok(home())));
    m
}

/// Logged in, `who` chosen and consent given: waiting for the challenge.
fn consenting(who: &str) -> Model {
    let mut m = logged_in();
    send(
        &mut m,
        Event::Select {
            person_id: who.into(),
        },
    );
    send(&mut m, Event::GiveConsent);
    m
}

/// Logged in, consent given for `who`, challenge received.
fn at_camera(who: &str) -> Model {
    let mut m = consenting(who);
    challenge_arrives(&mut m, who);
    m
}

fn capturing() -> Model {
    let mut m = at_camera(ME);
    send(&mut m, Event::CameraReady);
    m
}

fn uploading() -> Model {
    let mut m = capturing();
    update(&mut m, Msg::Frame(frame(LivenessPhase::Passed, true)));
    m
}

#[test]
fn start_without_a_saved_session_stays_on_welcome_and_calls_nothing() {
    let mut m = Model::new(Language::ZhHans, false, true, false);
    let fx = send(&mut m, Event::Start);
    assert!(calls(&fx).is_empty());
    assert_eq!(rendered(&fx).screen, Screen::Welcome);
    assert_eq!(spoken(&fx), vec!["instruction.welcome".to_string()]);
}

#[test]
fn start_with_a_saved_session_loads_home_then_sends_everything_queued() {
    let mut m = Model::new(Language::ZhHans, false, true, true);
    let fx = send(&mut m, Event::Start);
    assert_eq!(calls(&fx), vec![Request::Home]);
    assert!(rendered(&fx).busy);
    let fx = update(&mut m, Msg::Home(Ok(home())));
    assert!(matches!(rendered(&fx).screen, Screen::Home { .. }));
    assert!(fx.contains(&Effect::Drain { all: true }));
    // A later refresh does not drain again.
    send(&mut m, Event::RefreshHome);
    let fx = update(&mut m, Msg::Home(Ok(home())));
    assert!(!fx.iter().any(|e| matches!(e, Effect::Drain { .. })));
}

#[test]
fn start_whose_saved_session_is_gone_falls_back_to_welcome_quietly() {
    let mut m = Model::new(Language::ZhHans, false, true, true);
    send(&mut m, Event::Start);
    let fx = update(&mut m, Msg::Home(Err(api_error(401, "session_expired"))));
    let v = rendered(&fx);
    assert_eq!(v.screen, Screen::Welcome);
    assert!(!v.busy && v.problem.is_none());
    assert!(!m.has_session);
}

#[test]
fn register_and_log_in_screens_open_and_back_returns_to_welcome() {
    let mut m = Model::new(Language::En, false, true, false);
    let fx = send(&mut m, Event::ShowRegister);
    assert_eq!(rendered(&fx).screen, Screen::Register);
    assert!(rendered(&fx).can_go_back);
    let fx = send(&mut m, Event::Back);
    assert_eq!(rendered(&fx).screen, Screen::Welcome);
    let fx = send(&mut m, Event::ShowLogIn);
    assert_eq!(rendered(&fx).screen, Screen::LogIn);
}

#[test]
fn registering_logs_in_with_the_same_id_and_password() {
    let mut m = Model::new(Language::ZhHans, false, true, false);
    send(&mut m, Event::ShowRegister);
    let fx = send(
        &mut m,
        Event::Register {
            name: "赵桂兰".into(),
            id_number: "11010519491231002X".into(),
            password: "abc12345".into(),
            mobile: "13800138000".into(),
            mobile_again: "13800138000".into(),
            terms_accepted: true,
        },
    );
    assert!(matches!(&calls(&fx)[..], [Request::Register(r)] if r.terms_accepted));
    let fx = update(
        &mut m,
        Msg::Registered {
            result: Ok(()),
            id_number: "11010519491231002X".into(),
            password: "abc12345".into(),
        },
    );
    assert_eq!(
        calls(&fx),
        vec![Request::LogIn {
            id_number: "11010519491231002X".into(),
            password: "abc12345".into()
        }]
    );
}

#[test]
fn logging_in_shows_home_and_then_sends_what_was_saved_while_logged_out() {
    let mut m = Model::new(Language::ZhHans, false, true, false);
    send(&mut m, Event::ShowLogIn);
    let fx = send(
        &mut m,
        Event::LogIn {
            id_number: "x".into(),
            password: "y".into(),
        },
    );
    assert!(rendered(&fx).busy);
    let fx = update(&mut m, Msg::LoggedIn(Ok(())));
    assert_eq!(calls(&fx), vec![Request::Home]);
    assert!(m.has_session);
    let fx = update(&mut m, Msg::Home(Ok(home())));
    let v = rendered(&fx);
    assert!(matches!(v.screen, Screen::Home { .. }) && !v.can_go_back && !v.busy);
    assert!(fx.contains(&Effect::Drain { all: true }));
}

/// Every kind of problem a call can end in: the screen stays (or goes to
/// log-in for an expired session), the problem is shown in the person's
/// words and said once.
#[test]
fn every_problem_kind_from_a_call_is_shown_and_said_in_the_persons_language() {
    let cases: Vec<(NetError, ProblemKind)> = vec![
        (NetError::Offline("dns".into()), ProblemKind::Offline),
        (
            api_error(401, "session_expired"),
            ProblemKind::SessionExpired,
        ),
        (
            api_error(401, "wrong_credentials"),
            ProblemKind::WrongPassword,
        ),
        (api_error(429, "locked_out"), ProblemKind::LockedOut),
        (
            api_error(400, "invalid_id_number"),
            ProblemKind::InvalidInput,
        ),
        (api_error(409, "account_exists"), ProblemKind::AccountExists),
        (api_error(403, "not_in_scope"), ProblemKind::NotInScope),
        (api_error(403, "no_template"), ProblemKind::NoTemplate),
        (
            api_error(403, "maintenance_day"),
            ProblemKind::MaintenanceDay,
        ),
        (
            api_error(403, "benefit_stopped"),
            ProblemKind::BenefitStopped,
        ),
        (
            api_error(403, "not_your_relative"),
            ProblemKind::NotYourRelative,
        ),
        (api_error(422, "face_mismatch"), ProblemKind::FaceMismatch),
        (api_error(503, "internal"), ProblemKind::ServerBusy),
        (
            api_error(410, "challenge_expired"),
            ProblemKind::AttemptExpired,
        ),
        (
            NetError::Protocol("garbage".into()),
            ProblemKind::ServerBusy,
        ),
        (api_error(400, "something_new"), ProblemKind::Other),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (error, kind) in cases {
        let mut m = Model::new(Language::En, false, true, false);
        send(&mut m, Event::ShowLogIn);
        send(
            &mut m,
            Event::LogIn {
                id_number: "x".into(),
                password: "y".into(),
            },
        );
        let fx = update(&mut m, Msg::LoggedIn(Err(error.clone())));
        let v = rendered(&fx);
        let problem = v.problem.as_ref().expect("a problem is shown");
        assert_eq!(problem.kind, kind, "{error:?}");
        assert!(!v.busy);
        assert_eq!(v.screen, Screen::LogIn, "{error:?}");
        assert!(
            !problem.message.display.contains("dns")
                && !problem.message.display.contains("garbage")
        );
        assert!(
            spoken(&fx).contains(&problem.message.key),
            "{kind:?} is said"
        );
        // Said once: another render of the same problem says nothing.
        let fx = send(&mut m, Event::SetLargeText { on: true });
        assert!(spoken(&fx).is_empty(), "{kind:?} said twice");
        seen.insert(format!("{kind:?}"));
    }
    // Not from a call: a_phone_that_cannot_run_the_face_check_says_how_else_to_certify.
    seen.insert(format!("{:?}", ProblemKind::CaptureUnavailable));
    let all = [
        ProblemKind::Offline,
        ProblemKind::SessionExpired,
        ProblemKind::WrongPassword,
        ProblemKind::LockedOut,
        ProblemKind::InvalidInput,
        ProblemKind::AccountExists,
        ProblemKind::NotInScope,
        ProblemKind::NoTemplate,
        ProblemKind::MaintenanceDay,
        ProblemKind::BenefitStopped,
        ProblemKind::NotYourRelative,
        ProblemKind::FaceMismatch,
        ProblemKind::ServerBusy,
        ProblemKind::CaptureUnavailable,
        ProblemKind::AttemptExpired,
        ProblemKind::Other,
    ];
    // Exhaustive: a new kind fails to compile here until it has a case.
    for k in all {
        match k {
            ProblemKind::Offline
            | ProblemKind::SessionExpired
            | ProblemKind::WrongPassword
            | ProblemKind::LockedOut
            | ProblemKind::InvalidInput
            | ProblemKind::AccountExists
            | ProblemKind::NotInScope
            | ProblemKind::NoTemplate
            | ProblemKind::MaintenanceDay
            | ProblemKind::BenefitStopped
            | ProblemKind::NotYourRelative
            | ProblemKind::FaceMismatch
            | ProblemKind::ServerBusy
            | ProblemKind::CaptureUnavailable
            | ProblemKind::AttemptExpired
            | ProblemKind::Other => assert!(seen.contains(&format!("{k:?}")), "{k:?}"),
        }
    }
}

#[test]
fn an_expired_session_on_any_screen_goes_to_log_in_and_drops_the_session() {
    let mut m = logged_in();
    send(&mut m, Event::ShowRecords);
    let fx = update(&mut m, Msg::Records(Err(api_error(401, "session_expired"))));
    let v = rendered(&fx);
    assert_eq!(v.screen, Screen::LogIn);
    assert!(!v.can_go_back, "nothing behind the log-in");
    assert_eq!(
        v.problem.as_ref().unwrap().kind,
        ProblemKind::SessionExpired
    );
    assert!(!m.has_session);
    // Uploads wait for the next log-in.
    assert!(!send(&mut m, Event::RetryUploads)
        .iter()
        .any(|e| matches!(e, Effect::Drain { .. })));
}

#[test]
fn every_message_of_the_rules_reaches_the_card_not_only_the_first() {
    let mut h = home();
    h.me.status.messages = vec![
        Message::same("status.suspended", "待遇已暂停"),
        Message::same("status.extra_proof", "超过24个月未认证,需补充材料"),
        Message::same("status.back_pay", "认证后补发3个月"),
    ];
    let mut m = Model::new(Language::ZhHans, false, true, true);
    let fx = update(&mut m, Msg::Home(Ok(h)));
    let Screen::Home { me, relatives, .. } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(me.status.key, "status.suspended");
    assert_eq!(
        me.notes.iter().map(|n| n.key.as_str()).collect::<Vec<_>>(),
        ["status.extra_proof", "status.back_pay"]
    );
    assert!(relatives[0].notes.is_empty());
    // A relative still waiting to agree shows nothing of theirs.
    let mut h = home_with(
        person(MOTHER, "陈秀华", StatusKind::Due),
        BindingState::Pending,
    );
    h.relatives[0]
        .person
        .status
        .messages
        .push(Message::same("status.x", "x"));
    update(&mut m, Msg::Home(Ok(h)));
    let Screen::Home { relatives, .. } = &m.screen else {
        panic!()
    };
    assert!(relatives[0].notes.is_empty() && relatives[0].binding_pending);
}

#[test]
fn choose_who_lists_me_first_then_relatives() {
    let mut m = logged_in();
    let fx = send(&mut m, Event::ChooseWho);
    let Screen::ChooseWho { people } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(
        people
            .iter()
            .map(|p| p.person_id.as_str())
            .collect::<Vec<_>>(),
        [ME, MOTHER]
    );
    assert!(people.iter().all(|p| p.can_certify));
}

#[test]
fn selecting_someone_who_can_certify_asks_for_consent_naming_them() {
    let mut m = logged_in();
    let fx = send(
        &mut m,
        Event::Select {
            person_id: MOTHER.into(),
        },
    );
    let Screen::Consent { subject, points } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(subject.person_id, MOTHER);
    assert!(points.iter().any(|p| p.display.contains("陈秀华")));
}

#[test]
fn selecting_someone_who_cannot_certify_today_says_why_without_calling_certd() {
    let pending = home_with(
        person(MOTHER, "陈秀华", StatusKind::Due),
        BindingState::Pending,
    );
    let mut not_in_scope = home();
    not_in_scope.relatives[0].person.status = status(StatusKind::NotInScope, true);
    let mut stopped = home();
    stopped.relatives[0].person.status = status(StatusKind::Stopped, true);
    let mut closed = home();
    closed.relatives[0].person.status = status(StatusKind::Due, false);
    let mut no_template = home();
    no_template.relatives[0].person.template_enrolled = false;
    for (h, kind) in [
        (pending, ProblemKind::NotYourRelative),
        (not_in_scope, ProblemKind::NotInScope),
        (stopped, ProblemKind::BenefitStopped),
        (closed, ProblemKind::MaintenanceDay),
        (no_template, ProblemKind::NoTemplate),
    ] {
        let mut m = Model::new(Language::ZhHans, false, true, true);
        update(&mut m, Msg::Home(Ok(h)));
        let fx = send(
            &mut m,
            Event::Select {
                person_id: MOTHER.into(),
            },
        );
        assert!(calls(&fx).is_empty());
        let Screen::Blocked { problem, .. } = &rendered(&fx).screen else {
            panic!("{kind:?}")
        };
        assert_eq!(problem.kind, kind);
        assert!(spoken(&fx).contains(&problem.message.key), "{kind:?} said");
    }
}

#[test]
fn consent_shows_the_template_photo_then_the_challenge_before_the_camera() {
    let mut m = logged_in();
    send(
        &mut m,
        Event::Select {
            person_id: ME.into(),
        },
    );
    let fx = send(&mut m, Event::GiveConsent);
    assert!(matches!(
        rendered(&fx).screen,
        Screen::TemplatePreview {
            template_photo: None,
            ..
        }
    ));
    let me = || ME.to_string();
    assert_eq!(
        calls(&fx),
        vec![
            Request::Start { person_id: me() },
            Request::Template { person_id: me() }
        ]
    );
    let photo = vec![0xFF, 0xD8, 1, 2];
    let fx = update(
        &mut m,
        Msg::Template {
            person_id: me(),
            result: Ok(photo.clone()),
        },
    );
    assert!(
        matches!(&rendered(&fx).screen, Screen::TemplatePreview { template_photo: Some(p), .. } if *p == photo)
    );
    let fx = challenge_arrives(&mut m, ME);
    let Screen::CameraPermission {
        actions,
        template_photo,
        ..
    } = &rendered(&fx).screen
    else {
        panic!()
    };
    assert_eq!(actions, &started().actions);
    assert_eq!(
        template_photo.as_ref(),
        Some(&photo),
        "still shown with the steps"
    );
    // Another person's photo never shows; a photo that could not be had
    // shows nothing and says nothing (the name card is enough).
    let mut m = consenting(MOTHER);
    let fx = update(
        &mut m,
        Msg::Template {
            person_id: me(),
            result: Ok(photo.clone()),
        },
    );
    assert!(matches!(
        rendered(&fx).screen,
        Screen::TemplatePreview {
            template_photo: None,
            ..
        }
    ));
    let fx = update(
        &mut m,
        Msg::Template {
            person_id: MOTHER.into(),
            result: Err(api_error(404, "no_template")),
        },
    );
    assert!(rendered(&fx).problem.is_none() && spoken(&fx).is_empty());
}

#[test]
fn certd_refusing_to_start_shows_why_and_a_network_failure_keeps_the_screen() {
    let mut m = consenting(ME);
    let fx = update(
        &mut m,
        Msg::Started {
            person_id: ME.into(),
            result: Err(api_error(403, "maintenance_day")),
        },
    );
    assert!(
        matches!(&rendered(&fx).screen, Screen::Blocked { problem, .. } if problem.kind == ProblemKind::MaintenanceDay)
    );

    let mut m = consenting(ME);
    let fx = update(
        &mut m,
        Msg::Started {
            person_id: ME.into(),
            result: Err(NetError::Offline("down".into())),
        },
    );
    let v = rendered(&fx);
    assert!(matches!(v.screen, Screen::TemplatePreview { .. }));
    assert_eq!(v.problem.as_ref().unwrap().kind, ProblemKind::Offline);
    // Retry asks again for the same person.
    let fx = send(&mut m, Event::Retry);
    assert_eq!(
        calls(&fx),
        vec![Request::Start {
            person_id: ME.into()
        }]
    );
}

#[test]
fn declining_consent_returns_home_and_forgets_who_was_chosen() {
    let mut m = logged_in();
    send(
        &mut m,
        Event::Select {
            person_id: MOTHER.into(),
        },
    );
    let fx = send(&mut m, Event::DeclineConsent);
    assert!(matches!(rendered(&fx).screen, Screen::Home { .. }));
    assert!(m.subject.is_none());
    assert!(calls(&fx).is_empty());
}

#[test]
fn camera_ready_starts_the_capture_on_the_servers_nonce_and_says_the_first_prompt() {
    let mut m = at_camera(ME);
    let fx = send(&mut m, Event::CameraReady);
    assert!(fx.contains(&Effect::StartCapture {
        challenge: Challenge {
            actions: started().actions,
            nonce: "n-1".into()
        },
        expires_at_ms: started().expires_at_ms,
    }));
    assert!(matches!(rendered(&fx).screen, Screen::Capture { .. }));
    assert_eq!(spoken(&fx), vec!["instruction.capture".to_string()]);
}

#[test]
fn capture_prompts_are_said_only_when_the_engine_flags_them() {
    let mut m = capturing();
    let fx = update(&mut m, Msg::Frame(frame(LivenessPhase::Acting, true)));
    assert_eq!(spoken(&fx), vec!["prompt.blink".to_string()]);
    let fx = update(&mut m, Msg::Frame(frame(LivenessPhase::Acting, false)));
    assert!(spoken(&fx).is_empty(), "not repeated while the person acts");
    assert!(
        matches!(&rendered(&fx).screen, Screen::Capture { update, .. } if update.phase == LivenessPhase::Acting)
    );
}

#[test]
fn a_passed_capture_uploads_for_that_attempt_and_person() {
    let mut m = capturing();
    let fx = update(&mut m, Msg::Frame(frame(LivenessPhase::Passed, true)));
    assert!(fx.contains(&Effect::QueueEvidence {
        certification_id: "c-1".into(),
        person_id: ME.into()
    }));
    assert!(matches!(rendered(&fx).screen, Screen::Uploading { .. }));
    // A late frame after the pass changes nothing and queues nothing twice.
    let fx = update(&mut m, Msg::Frame(frame(LivenessPhase::Passed, true)));
    assert!(!fx.iter().any(|e| matches!(e, Effect::QueueEvidence { .. })));
    assert!(matches!(rendered(&fx).screen, Screen::Uploading { .. }));
}

#[test]
fn a_rejected_capture_stops_the_camera_and_offers_a_retry() {
    let mut m = capturing();
    let fx = update(&mut m, Msg::Frame(frame(LivenessPhase::Rejected, true)));
    assert!(fx.contains(&Effect::StopCapture));
    let Screen::Result {
        kind,
        advice,
        message,
        ..
    } = &rendered(&fx).screen
    else {
        panic!()
    };
    assert_eq!(*kind, ResultKind::Failed);
    assert_eq!(message.key, "prompt.blink");
    assert!(advice.is_some());
    assert!(m.started.is_none(), "the attempt is used up");
}

#[test]
fn a_phone_that_cannot_run_the_face_check_says_how_else_to_certify() {
    let mut m = capturing();
    let fx = update(&mut m, Msg::CaptureUnavailable);
    assert!(fx.contains(&Effect::StopCapture));
    let Screen::Blocked { problem, .. } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(problem.kind, ProblemKind::CaptureUnavailable);
    assert_eq!(problem.message.key, "capture.unavailable");
    assert!(spoken(&fx).contains(&"capture.unavailable".to_string()));
}

#[test]
fn leaving_the_capture_with_back_stops_the_camera() {
    let mut m = capturing();
    let fx = send(&mut m, Event::Back);
    assert!(fx.contains(&Effect::StopCapture));
    assert!(!matches!(rendered(&fx).screen, Screen::Capture { .. }));
    assert!(m.started.is_none());
}

#[test]
fn queued_evidence_is_sent_and_a_failure_to_save_or_build_it_is_said() {
    let mut m = uploading();
    let fx = update(&mut m, Msg::EvidenceQueued(Ok(())));
    assert!(fx.contains(&Effect::Drain { all: false }));
    for (problem, key) in [
        (EvidenceProblem::NotSaved, "storage.full"),
        (EvidenceProblem::NotBuilt, "evidence.failed"),
    ] {
        let mut m = uploading();
        let fx = update(&mut m, Msg::EvidenceQueued(Err(problem)));
        let Screen::Result { kind, message, .. } = &rendered(&fx).screen else {
            panic!()
        };
        assert_eq!((*kind, message.key.as_str()), (ResultKind::Failed, key));
    }
}

#[test]
fn certds_answer_shows_passed_with_a_verified_receipt_in_review_or_failed() {
    let claims = ReceiptClaims {
        certification_id: "c-1".into(),
        subject_person_id: ME.into(),
        subject_id_masked: "x".into(),
        certified_on: CalendarDate::new(2027, 1, 5),
        next_due: Some(CalendarDate::new(2028, 1, 31)),
        issued_ms: 1,
    };
    let mut m = uploading();
    let mut passed = record(Outcome::Passed, ME);
    passed.receipt = Some(Receipt {
        claims: "Y2xhaW1z".into(),
        signature: "c2ln".into(),
        kid: Some("k1".into()),
    });
    let fx = uploaded(&mut m, passed.clone(), Some(claims));
    assert!(calls(&fx).contains(&Request::HomeData), "statuses refresh");
    let Screen::Result {
        kind,
        receipt_verified,
        next_due,
        ..
    } = &rendered(&fx).screen
    else {
        panic!()
    };
    assert_eq!(*kind, ResultKind::Passed);
    assert!(*receipt_verified);
    assert_eq!(*next_due, Some(CalendarDate::new(2028, 1, 31)));
    assert!(
        matches!(&rendered(&fx).screen, Screen::Result { receipt_code: Some(c), .. } if c == "LCR1.Y2xhaW1z.c2ln.k1"),
        "the verified receipt as a QR line"
    );

    let mut m = uploading();
    let fx = uploaded(&mut m, passed, None);
    assert!(
        matches!(
            &rendered(&fx).screen,
            Screen::Result {
                receipt_verified: false,
                receipt_code: None,
                ..
            }
        ),
        "a receipt that did not verify is neither 'verified' nor shown as a code"
    );

    for (outcome, kind) in [
        (Outcome::PendingReview, ResultKind::PendingReview),
        (Outcome::Failed, ResultKind::Failed),
    ] {
        let mut m = uploading();
        let fx = uploaded(&mut m, record(outcome, ME), None);
        assert!(matches!(&rendered(&fx).screen, Screen::Result { kind: k, .. } if *k == kind));
    }
}

#[test]
fn upload_progress_moves_on_the_screen_and_is_said_once_a_quarter() {
    let mut m = uploading();
    let mut progress = |sent| {
        update(
            &mut m,
            Msg::UploadProgress {
                sent,
                total: 400_000,
            },
        )
    };
    let fx = progress(10_000);
    assert!(matches!(
        rendered(&fx).screen,
        Screen::Uploading {
            sent_bytes: 10_000,
            total_bytes: 400_000,
            ..
        }
    ));
    assert!(spoken(&fx).is_empty(), "'sending' was said already");
    assert_eq!(spoken(&progress(120_000)), ["upload.25"]);
    let fx = progress(130_000);
    assert!(spoken(&fx).is_empty(), "not again within the quarter");
    assert!(matches!(
        rendered(&fx).screen,
        Screen::Uploading {
            sent_bytes: 130_000,
            ..
        }
    ));
    assert_eq!(spoken(&progress(200_000)), ["upload.50"]);
    let fx = progress(400_000);
    assert_eq!(spoken(&fx), ["upload.checking"]);
    assert_eq!(rendered(&fx).instruction.key, "upload.checking");
}

#[test]
fn an_answer_for_someone_else_does_not_replace_the_screen() {
    let mut m = uploading();
    let fx = uploaded(&mut m, record(Outcome::Passed, MOTHER), None);
    assert!(matches!(rendered(&fx).screen, Screen::Uploading { .. }));
}

#[test]
fn no_network_during_the_upload_says_the_certification_is_kept_on_the_phone() {
    let mut m = uploading();
    let fx = update(&mut m, Msg::UploadDeferred);
    let Screen::QueuedOffline { message, .. } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(message.key, "net.offline");
    assert!(spoken(&fx).contains(&"net.offline".to_string()));
    // The answer arrives later (network back): the result replaces it.
    let fx = uploaded(&mut m, record(Outcome::Passed, ME), None);
    assert!(matches!(rendered(&fx).screen, Screen::Result { .. }));
}

#[test]
fn an_upload_certd_refuses_for_good_ends_in_a_failed_result_with_its_reason() {
    let mut m = uploading();
    let fx = update(
        &mut m,
        Msg::UploadRefused(api_error(409, "already_decided")),
    );
    let Screen::Result { kind, message, .. } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(*kind, ResultKind::Failed);
    assert_eq!(message.key, "api.already_decided");
    // A session that expired meanwhile: to log-in; the evidence stays queued.
    let mut m = uploading();
    let fx = update(
        &mut m,
        Msg::UploadRefused(api_error(401, "session_expired")),
    );
    assert_eq!(rendered(&fx).screen, Screen::LogIn);
}

#[test]
fn an_attempt_that_expired_before_upload_asks_the_steps_again_instead_of_failing() {
    let mut m = uploading();
    let fx = update(
        &mut m,
        Msg::UploadRefused(api_error(410, "challenge_expired")),
    );
    assert!(
        !matches!(rendered(&fx).screen, Screen::Result { .. }),
        "no failed result"
    );
    assert_eq!(
        calls(&fx),
        vec![Request::Start {
            person_id: ME.into()
        }]
    );
    // The new steps come with a word on why.
    let fx = challenge_arrives(&mut m, ME);
    let v = rendered(&fx);
    assert!(matches!(v.screen, Screen::CameraPermission { .. }));
    let p = v.problem.as_ref().expect("why the steps are new");
    assert_eq!(
        (p.kind, p.message.key.as_str()),
        (ProblemKind::AttemptExpired, "attempt.renewed")
    );
    assert!(spoken(&fx).contains(&"attempt.renewed".to_string()));
    // Shown once: the next challenge (a later retry) comes without it.
    let fx = challenge_arrives(&mut m, ME);
    assert!(rendered(&fx).problem.is_none());
}

#[test]
fn a_capture_starting_on_a_stale_challenge_gets_new_steps_not_a_refusal_later() {
    let mut m = capturing();
    let fx = update(&mut m, Msg::AttemptStale);
    assert!(fx.contains(&Effect::StopCapture));
    assert_eq!(
        calls(&fx),
        vec![Request::Start {
            person_id: ME.into()
        }]
    );
    let fx = challenge_arrives(&mut m, ME);
    assert_eq!(
        rendered(&fx).problem.as_ref().map(|p| p.kind),
        Some(ProblemKind::AttemptExpired)
    );
    // Not capturing (the person left): nothing happens.
    let mut m = logged_in();
    let fx = update(&mut m, Msg::AttemptStale);
    assert!(calls(&fx).is_empty() && !fx.contains(&Effect::StopCapture));
    assert!(matches!(m.screen, Screen::Home { .. }));
}

#[test]
fn an_interrupted_camera_goes_back_to_the_same_steps_and_says_so() {
    let mut m = capturing();
    let fx = send(&mut m, Event::CameraInterrupted);
    assert!(fx.contains(&Effect::StopCapture));
    let v = rendered(&fx);
    let Screen::CameraPermission { actions, .. } = &v.screen else {
        panic!("{:?}", v.screen)
    };
    assert_eq!(*actions, started().actions, "the same challenge");
    assert_eq!(
        v.problem.as_ref().map(|p| p.message.key.as_str()),
        Some("attempt.interrupted")
    );
    assert!(calls(&fx).is_empty(), "no new challenge needed");
    // Ready again: the capture restarts on the same nonce.
    let fx = send(&mut m, Event::CameraReady);
    assert!(fx
        .iter()
        .any(|e| matches!(e, Effect::StartCapture { challenge, .. } if challenge.nonce == "n-1")));
    // Outside a capture it does nothing.
    let mut m = logged_in();
    let fx = send(&mut m, Event::CameraInterrupted);
    assert!(calls(&fx).is_empty() && !fx.contains(&Effect::StopCapture));
    assert!(matches!(m.screen, Screen::Home { .. }));
}

#[test]
fn records_kept_on_the_phone_show_without_a_network_and_say_so() {
    let mut m = logged_in();
    send(&mut m, Event::ShowRecords);
    let fx = update(
        &mut m,
        Msg::KeptRecords {
            rows: vec![(record(Outcome::Passed, ME), true)],
            me: None,
        },
    );
    let v = rendered(&fx);
    let Screen::Records { rows } = &v.screen else {
        panic!("{:?}", v.screen)
    };
    assert!(rows[0].receipt_verified);
    let p = v.problem.as_ref().expect("why they may not be the latest");
    assert_eq!(
        (p.kind, p.message.key.as_str()),
        (ProblemKind::Offline, "records.kept")
    );
    assert!(!v.busy);
}

#[test]
fn records_show_who_certified_and_whether_each_receipt_checked_out() {
    let mut m = logged_in();
    let fx = send(&mut m, Event::ShowRecords);
    assert_eq!(calls(&fx), vec![Request::Records]);
    let mut for_mother = record(Outcome::Failed, MOTHER);
    for_mother.advice = Some("请本人重新认证".into());
    let fx = update(
        &mut m,
        Msg::Records(Ok(vec![
            (record(Outcome::Passed, ME), true),
            (for_mother, false),
        ])),
    );
    let Screen::Records { rows } = &rendered(&fx).screen else {
        panic!()
    };
    assert_eq!(rows.len(), 2);
    assert!(rows[0].receipt_verified && !rows[1].receipt_verified);
    assert_eq!(rows[0].kind, ResultKind::Passed);
    assert_eq!(rows[1].kind, ResultKind::Failed);
    assert!(rows[1].by.display.contains("赵桂兰"), "{:?}", rows[1].by);
    assert!(rows[1].advice.is_some());
}

#[test]
fn a_binding_request_is_accepted_and_a_relative_added_then_home_reloads() {
    let mut m = logged_in();
    let fx = send(
        &mut m,
        Event::AcceptRequest {
            binding_id: "b-9".into(),
        },
    );
    assert_eq!(
        calls(&fx),
        vec![Request::Accept {
            binding_id: "b-9".into()
        }]
    );
    assert_eq!(
        calls(&update(&mut m, Msg::Accepted(Ok(())))),
        vec![Request::Home]
    );
    send(&mut m, Event::ShowAddRelative);
    let fx = send(
        &mut m,
        Event::AddRelative {
            name: "陈秀华".into(),
            id_number: "x".into(),
            relation: "母亲".into(),
        },
    );
    assert!(matches!(&calls(&fx)[..], [Request::Bind(b)] if b.relation == "母亲"));
    assert_eq!(
        calls(&update(&mut m, Msg::Bound(Ok(())))),
        vec![Request::Home]
    );
    let fx = update(&mut m, Msg::Bound(Err(api_error(409, "already_bound"))));
    assert!(matches!(rendered(&fx).screen, Screen::AddRelative));
    assert!(rendered(&fx).problem.is_some());
}

#[test]
fn the_outbox_count_shows_on_home_as_it_changes() {
    let mut m = logged_in();
    let fx = update(&mut m, Msg::Queued(2));
    assert!(matches!(
        rendered(&fx).screen,
        Screen::Home {
            queued_uploads: 2,
            ..
        }
    ));
    send(&mut m, Event::RefreshHome);
    let fx = update(&mut m, Msg::Home(Ok(home())));
    assert!(matches!(
        rendered(&fx).screen,
        Screen::Home {
            queued_uploads: 2,
            ..
        }
    ));
    // Statuses refreshed after an upload update home without leaving it.
    let mut changed = home();
    changed.me.status = status(StatusKind::UpToDate, true);
    let fx = update(&mut m, Msg::HomeData(Ok(changed)));
    assert!(
        matches!(&rendered(&fx).screen, Screen::Home { me, .. } if me.status_kind == StatusKind::UpToDate)
    );
}

#[test]
fn retry_uploads_sends_everything_now_only_with_a_session() {
    let mut m = logged_in();
    assert!(send(&mut m, Event::RetryUploads).contains(&Effect::Drain { all: true }));
    let mut m = Model::new(Language::ZhHans, false, true, false);
    assert!(!send(&mut m, Event::RetryUploads)
        .iter()
        .any(|e| matches!(e, Effect::Drain { .. })));
}

#[test]
fn settings_are_saved_and_a_new_language_is_spoken_in_that_language() {
    let mut m = logged_in();
    let fx = send(&mut m, Event::ShowSettings);
    assert_eq!(rendered(&fx).screen, Screen::Settings);
    let fx = send(
        &mut m,
        Event::SetLanguage {
            language: Language::En,
        },
    );
    assert!(fx.contains(&Effect::SaveSettings {
        language: Language::En,
        large_text: false,
        voice_on: true
    }));
    assert!(fx.contains(&Effect::CaptureLanguage(Language::En)));
    let words: Vec<&Message> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Speak(w) => Some(w),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        !words.is_empty() && words.iter().all(|w| w.speech.is_ascii()),
        "{words:?}"
    );
    let fx = send(&mut m, Event::SetLargeText { on: true });
    assert!(rendered(&fx).large_text);
    assert!(fx.contains(&Effect::SaveSettings {
        language: Language::En,
        large_text: true,
        voice_on: true
    }));
}

#[test]
fn with_voice_off_nothing_is_said_and_turning_it_off_stops_talking() {
    let mut m = logged_in();
    let fx = send(&mut m, Event::SetVoice { on: false });
    assert!(
        fx.contains(&Effect::Speak(vec![])),
        "stop what is being said"
    );
    let fx = send(&mut m, Event::ShowSettings);
    assert!(spoken(&fx).is_empty());
    send(&mut m, Event::Back);
    send(
        &mut m,
        Event::Select {
            person_id: ME.into(),
        },
    );
    send(&mut m, Event::GiveConsent);
    challenge_arrives(&mut m, ME);
    let fx = send(&mut m, Event::CameraReady);
    assert!(!fx.iter().any(|e| matches!(e, Effect::Speak(_))));
}

#[test]
fn a_screen_instruction_is_said_once_not_on_every_render() {
    let mut m = Model::new(Language::ZhHans, false, true, false);
    let fx = send(&mut m, Event::ShowLogIn);
    assert_eq!(spoken(&fx), vec!["instruction.login".to_string()]);
    let fx = send(&mut m, Event::SetLargeText { on: true });
    assert!(spoken(&fx).is_empty());
}

#[test]
fn logging_out_returns_to_welcome_and_forgets_home() {
    let mut m = logged_in();
    let fx = send(&mut m, Event::LogOut);
    assert_eq!(calls(&fx), vec![Request::LogOut]);
    let fx = update(&mut m, Msg::LoggedOut);
    assert_eq!(rendered(&fx).screen, Screen::Welcome);
    assert!(m.home.is_none() && !m.has_session && !rendered(&fx).can_go_back);
}

#[test]
fn a_son_corrects_his_mothers_address_a_refusal_keeps_the_form_and_a_save_updates_home() {
    use lifecert_domain::rules::contact::Contact;
    let mut m = logged_in();
    let fx = send(
        &mut m,
        Event::ShowContact {
            person_id: MOTHER.into(),
        },
    );
    let Screen::Contact {
        subject,
        current,
        saved: false,
    } = &rendered(&fx).screen
    else {
        panic!("{:?}", rendered(&fx).screen);
    };
    assert_eq!(
        (subject.person_id.as_str(), current),
        (MOTHER, &Contact::default())
    );
    assert_eq!(spoken(&fx), vec!["instruction.contact".to_string()]);
    let typed = Contact {
        address: "广东省佛山市禅城区祖庙路1号".into(),
        post_code: "52800".into(),
        mobile: "13800138000".into(),
    };
    let fx = send(
        &mut m,
        Event::SaveContact {
            address: typed.address.clone(),
            post_code: typed.post_code.clone(),
            mobile: typed.mobile.clone(),
        },
    );
    assert_eq!(
        calls(&fx),
        vec![Request::SaveContact {
            person_id: MOTHER.into(),
            contact: typed.clone(),
        }]
    );
    // Refused: the same screen, with the rule's words (spoken), nothing saved.
    let fx = update(
        &mut m,
        Msg::ContactSaved {
            person_id: MOTHER.into(),
            result: Err(api_error(422, "invalid_post_code")),
        },
    );
    let v = rendered(&fx);
    assert!(matches!(v.screen, Screen::Contact { saved: false, .. }));
    assert_eq!(
        v.problem.as_ref().map(|p| p.kind),
        Some(ProblemKind::InvalidInput)
    );
    assert_eq!(v.problem.as_ref().unwrap().message.display, "server words");
    assert!(!v.busy);
    // Accepted as certd normalised it: saved, said, and on Home's data.
    let kept = Contact {
        post_code: "528000".into(),
        ..typed
    };
    let fx = update(
        &mut m,
        Msg::ContactSaved {
            person_id: MOTHER.into(),
            result: Ok(kept.clone()),
        },
    );
    let v = rendered(&fx);
    assert_eq!(
        v.screen,
        Screen::Contact {
            subject: subject_card(&m, MOTHER),
            current: kept.clone(),
            saved: true
        }
    );
    assert!(v.problem.is_none());
    assert_eq!(spoken(&fx), vec!["instruction.contact_saved".to_string()]);
    assert_eq!(
        m.home.as_ref().unwrap().relatives[0].person.contact,
        Some(kept.clone())
    );
    // Opened again, the form starts from what the agency now keeps.
    send(&mut m, Event::Back);
    let fx = send(
        &mut m,
        Event::ShowContact {
            person_id: MOTHER.into(),
        },
    );
    assert!(matches!(&rendered(&fx).screen, Screen::Contact { current, .. } if *current == kept));
}

fn subject_card(m: &Model, who: &str) -> PersonCard {
    match &m.screen {
        Screen::Contact { subject, .. } if subject.person_id == who => subject.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_result_in_review_says_the_working_day_to_look_again_on_the_result_and_in_the_records() {
    let mut m = uploading();
    let by = CalendarDate::new(2026, 2, 25);
    let mut r = record(Outcome::PendingReview, ME);
    r.reason = Some("borderline_match".into());
    r.advice = Some("请过几天在认证记录中查看结果。".into());
    r.review_by = Some(by);
    let fx = uploaded(&mut m, r.clone(), None);
    let Screen::Result { advice, kind, .. } = &rendered(&fx).screen else {
        panic!("{:?}", rendered(&fx).screen);
    };
    assert_eq!(*kind, ResultKind::PendingReview);
    let advice = advice.as_ref().expect("when to look again");
    assert_eq!(advice.key, "result.review_by");
    assert!(
        advice.display.contains("2026年2月25日"),
        "{}",
        advice.display
    );
    let fx = update(&mut m, Msg::Records(Ok(vec![(r, false)])));
    let Screen::Records { rows } = &rendered(&fx).screen else {
        panic!("{:?}", rendered(&fx).screen);
    };
    assert!(rows[0]
        .advice
        .as_ref()
        .is_some_and(|a| a.display.contains("2026年2月25日")));
}
