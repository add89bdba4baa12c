//! End-to-end journeys: the app core (`LifeCertApp`, the object the shells
//! hold) against a real `certd` process on a temporary SQLite database, with
//! the replay camera (real photos animated by clipgen) in place of a phone
//! camera. Runs as a test of the server package so Cargo builds `certd` first.

#[path = "../support/replay.rs"]
mod replay;

use lifecert_app::flow::view::{AppView, ResultKind, Screen};
use lifecert_app::flow::{AppConfig, Event, LifeCertApp};
use lifecert_app::session::ProblemKind;
use lifecert_app::storage::FileSecureStore;
use lifecert_domain::i18n::Language;
use replay::block;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const PENSIONER: (&str, &str) = ("赵桂兰", "110105194812090023");
const MOTHER: (&str, &str) = ("陈秀华", "440604195303150026");
const NO_TEMPLATE: (&str, &str) = ("刘淑珍", "330502195207200026");
const SON: (&str, &str) = ("王建国", "110105197506010017");
const PASSWORD: &str = "lifecert2026";
const MOBILE: &str = "13800138000";

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lifecert-e2e-{tag}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        % 1_000_000_007
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A real certd process with its own data folder.
struct Certd {
    child: Option<Child>,
    data: PathBuf,
    port: u16,
    config: Option<PathBuf>,
    env: Vec<(String, String)>,
}

impl Certd {
    fn start() -> Certd {
        Self::start_with(None, vec![])
    }

    fn start_with(config_toml: Option<&str>, env: Vec<(&str, &str)>) -> Certd {
        let data = temp_dir("certd");
        let config = config_toml.map(|t| {
            let p = data.join("certd.toml");
            std::fs::write(&p, t).unwrap();
            p
        });
        let mut c = Certd {
            child: None,
            data,
            port: free_port(),
            config,
            env: env
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        c.launch();
        c
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `certd demo`: seeds the sample roster and templates (idempotent), then serves.
    fn launch(&mut self) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certd"));
        cmd.arg("demo")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data")
            .arg(&self.data);
        if let Some(c) = &self.config {
            cmd.arg("--config").arg(c);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("certd starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening on") {
                    let _ = tx.send(());
                }
                if std::env::var_os("CERTD_TEST_LOG").is_some() {
                    eprintln!("[certd] {line}");
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(120))
            .expect("certd listens");
        self.child = Some(child);
    }

    /// Whether the process has ended on its own.
    fn died(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_some())
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap(); // SIGKILL: no shutdown code runs.
            c.wait().unwrap();
        }
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(Command::new("kill")
            .arg(sig)
            .arg(&pid)
            .status()
            .unwrap()
            .success());
    }

    /// An agency tool on the same data (the server may be running).
    /// An agency command's success and what it printed (stdout, then stderr).
    fn try_agency(&self, args: &[&str]) -> (bool, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_certd"));
        cmd.args(args).arg("--data").arg(&self.data);
        if let Some(c) = &self.config {
            cmd.arg("--config").arg(c);
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text.into_owned())
    }

    fn agency(&self, args: &[&str]) -> String {
        let (ok, out) = self.try_agency(args);
        assert!(ok, "certd {args:?}: {out}");
        out
    }
}

impl Drop for Certd {
    fn drop(&mut self) {
        self.kill9();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

fn app(url: &str, dir: &Path) -> Arc<LifeCertApp> {
    let store = FileSecureStore::new(dir.join("keys").to_string_lossy().into()).as_secure_store();
    LifeCertApp::new(
        AppConfig {
            server_url: url.into(),
            storage_dir: dir.to_string_lossy().into(),
            language: Language::ZhHans,
            receipt_public_key: None,
        },
        store,
    )
    .unwrap()
}

fn register_and_log_in(app: &LifeCertApp, who: (&str, &str)) -> AppView {
    app.send(Event::ShowRegister);
    let v = block(app.send_and_wait(Event::Register {
        name: who.0.into(),
        id_number: who.1.into(),
        password: PASSWORD.into(),
        mobile: MOBILE.into(),
        mobile_again: MOBILE.into(),
        terms_accepted: true,
    }));
    assert!(
        matches!(v.screen, Screen::Home { .. }),
        "after register: {:?}",
        v
    );
    v
}

/// Home -> who -> consent -> challenge; returns the CameraPermission view,
/// which shows the person's template photo, small and grey.
fn begin(app: &LifeCertApp, person_id: &str) -> AppView {
    app.send(Event::ChooseWho);
    app.send(Event::Select {
        person_id: person_id.into(),
    });
    let v = app.view();
    if !matches!(v.screen, Screen::Consent { .. }) {
        return v;
    }
    let v = block(app.send_and_wait(Event::GiveConsent));
    if let Screen::CameraPermission { template_photo, .. } = &v.screen {
        let photo = template_photo
            .as_ref()
            .expect("the template photo is shown");
        let img = image::load_from_memory(photo).expect("a picture");
        assert_eq!(img.color(), image::ColorType::L8);
    }
    v
}

/// Begins, then films `photo` doing the challenge and waits for the answer.
fn certify(app: &LifeCertApp, person_id: &str, photo: &str) -> AppView {
    let v = begin(app, person_id);
    replay::capture(app, v, photo).unwrap()
}

fn me(v: &AppView) -> String {
    match &v.screen {
        Screen::Home { me, .. } => me.person_id.clone(),
        other => panic!("not home: {other:?}"),
    }
}

fn result_kind(v: &AppView) -> ResultKind {
    match &v.screen {
        Screen::Result { kind, .. } => *kind,
        other => panic!("no result: {other:?} ({:?})", v.problem),
    }
}

/// The screens a shell was told to draw (each once in a row), and the
/// words it was told to say.
#[derive(Default)]
struct Screens(std::sync::Mutex<Vec<String>>, std::sync::Mutex<Vec<String>>);

impl lifecert_app::flow::AppObserver for Screens {
    fn on_view(&self, v: AppView) {
        let name = format!("{:?}", v.screen)
            .split([' ', '{', '('])
            .next()
            .unwrap()
            .to_string();
        let mut seen = self.0.lock().unwrap();
        if seen.last() != Some(&name) {
            seen.push(name);
        }
    }

    fn on_speak(&self, words: Vec<lifecert_domain::i18n::Message>) {
        self.1
            .lock()
            .unwrap()
            .extend(words.into_iter().map(|w| w.key));
    }
}

#[test]
fn a_pensioner_certifies_herself_and_sees_a_verified_receipt_in_records() {
    let certd = Certd::start();
    let dir = temp_dir("app");
    let app = app(&certd.url(), &dir);
    let screens = Arc::new(Screens::default());
    let subscription = app.subscribe(screens.clone());
    let home = register_and_log_in(&app, PENSIONER);
    assert!(
        matches!(
            &home.screen,
            Screen::Home {
                verify_first: Some(_),
                ..
            }
        ),
        "a new account is asked to certify its owner first"
    );
    let v = certify(&app, &me(&home), "grace_hopper.jpg");
    let seen = screens.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "Welcome",
            "Register",
            "Home",
            "ChooseWho",
            "Consent",
            "TemplatePreview",
            "CameraPermission",
            "Capture",
            "Uploading",
            "Result"
        ],
        "the states a shell draws, in order"
    );
    subscription.cancel();
    // The upload's progress was said as it went, ending with "being checked".
    let said = screens.1.lock().unwrap().clone();
    let progress: Vec<_> = said.iter().filter(|k| k.starts_with("upload.")).collect();
    assert_eq!(
        progress,
        ["upload.25", "upload.50", "upload.75", "upload.checking"],
        "{said:?}"
    );
    assert_eq!(result_kind(&v), ResultKind::Passed, "{v:?}");
    // The receipt as a QR code's line checks out at the agency, offline;
    // one changed character does not.
    let Screen::Result {
        receipt_code: Some(code),
        ..
    } = &v.screen
    else {
        panic!("a passed result carries its receipt code: {v:?}")
    };
    let (ok, out) = certd.try_agency(&["verify-receipt", code]);
    assert!(ok && out.contains(&me(&home)), "{out}");
    assert!(!lifecert_app::receipts::receipt_qr_png(code.clone()).is_empty());
    let mut forged: Vec<char> = code.chars().collect();
    let i = forged.len() / 3;
    forged[i] = if forged[i] == 'A' { 'B' } else { 'A' };
    let (ok, out) = certd.try_agency(&["verify-receipt", &forged.into_iter().collect::<String>()]);
    assert!(!ok && out.contains("NOT VALID"), "{out}");
    if let Screen::Result {
        receipt_verified,
        next_due,
        ..
    } = &v.screen
    {
        assert!(receipt_verified);
        assert!(
            next_due.is_some(),
            "a rolling cycle gives the next due date"
        );
    }
    let records = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &records.screen else {
        panic!("{records:?}")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, ResultKind::Passed);
    assert!(rows[0].receipt_verified);
    assert_eq!(app.queued_uploads(), 0);
    // Her face matched her template: the account is verified, no more notice.
    let home = block(app.send_and_wait(Event::RefreshHome));
    assert!(
        matches!(
            &home.screen,
            Screen::Home {
                verify_first: None,
                ..
            }
        ),
        "{home:?}"
    );
}

#[test]
fn a_son_certifies_his_mother_once_she_agrees_and_a_strangers_face_fails() {
    let certd = Certd::start();
    let dir = temp_dir("son");
    let app = app(&certd.url(), &dir);
    register_and_log_in(&app, SON);
    // He draws no pension (no photo to match): staff verify him at the counter.
    certd.agency(&["verify-account", SON.1]);
    block(app.send_and_wait(Event::RefreshHome));
    app.send(Event::ShowAddRelative);
    let v = block(app.send_and_wait(Event::AddRelative {
        name: MOTHER.0.into(),
        id_number: MOTHER.1.into(),
        relation: "母亲".into(),
    }));
    let Screen::Home { relatives, .. } = &v.screen else {
        panic!("{v:?}")
    };
    assert!(relatives[0].binding_pending && !relatives[0].can_certify);
    let mother = relatives[0].person_id.clone();

    // Not agreed yet: no proxy certification.
    let blocked = begin(&app, &mother);
    assert!(
        matches!(&blocked.screen, Screen::Blocked { problem, .. } if problem.kind == ProblemKind::NotYourRelative),
        "{blocked:?}"
    );

    // She agrees at the counter (she has no phone).
    certd.agency(&[
        "approve-binding",
        "--requester",
        SON.1,
        "--relative",
        MOTHER.1,
    ]);
    block(app.send_and_wait(Event::RefreshHome));

    // The son holds his own face to the phone: wrong person.
    let wrong = certify(&app, &mother, "grace_hopper.jpg");
    assert_eq!(result_kind(&wrong), ResultKind::Failed);
    if let Screen::Result { advice, .. } = &wrong.screen {
        let advice = advice
            .as_ref()
            .expect("advice on what to do")
            .display
            .clone();
        assert!(advice.contains("人脸与身份信息不匹配"), "{advice}");
    }
    block(app.send_and_wait(Event::RefreshHome));
    let right = certify(&app, &mother, "astronaut.jpg");
    assert_eq!(result_kind(&right), ResultKind::Passed, "{right:?}");

    let records = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &records.screen else {
        panic!()
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].kind, ResultKind::Passed, "newest first");
    assert_eq!(rows[1].kind, ResultKind::Failed);
    assert!(rows.iter().all(|r| r.subject_name == MOTHER.0));
}

#[test]
fn the_screen_never_waits_while_evidence_is_built_signed_and_queued() {
    let certd = Certd::start();
    let dir = temp_dir("slow");
    let app = app(&certd.url(), &dir);
    let home = register_and_log_in(&app, PENSIONER);
    let v = begin(&app, &me(&home));
    let actions = replay::challenge(&v).expect("challenge");
    // A slow phone: the evidence takes two seconds more to build and queue.
    app.slow_down_evidence(2000);
    block(app.send_and_wait(Event::CameraReady));
    let started = std::time::Instant::now();
    replay::feed(&app, &replay::clip("grace_hopper.jpg", &actions));
    let fed = started.elapsed();
    // The last frame (the one that passed) returned at once, and the screen
    // can be drawn and tapped while the evidence is still being queued.
    let t = std::time::Instant::now();
    let v = app.view();
    app.send(Event::SetLargeText { on: true });
    let waited = t.elapsed();
    assert!(matches!(v.screen, Screen::Uploading { .. }), "{v:?}");
    assert!(
        waited < Duration::from_millis(200),
        "view and a tap waited {waited:?}"
    );
    assert_eq!(app.queued_uploads(), 0, "still being queued");
    let v = block(app.settle());
    assert!(
        started.elapsed() >= Duration::from_millis(2000),
        "the evidence took its time ({fed:?} to feed)"
    );
    assert_eq!(result_kind(&v), ResultKind::Passed, "{v:?}");
    assert!(v.large_text);
}

#[test]
fn a_session_survives_an_app_restart_and_logging_out_ends_it_on_the_server_and_the_phone() {
    let certd = Certd::start();
    let dir = temp_dir("session");
    let app = app(&certd.url(), &dir);
    register_and_log_in(&app, PENSIONER);
    drop(app);
    // Opened again: straight to home, no password asked.
    let app = self::app(&certd.url(), &dir);
    let v = block(app.send_and_wait(Event::Start));
    assert!(matches!(v.screen, Screen::Home { .. }), "{v:?}");
    let keys = FileSecureStore::new(dir.join("keys").to_string_lossy().into());
    let stored = |keys: &FileSecureStore| {
        use lifecert_app::storage::SecureStore;
        keys.get("session.tokens".into()).unwrap()
    };
    let tokens: lifecert_domain::api::Tokens =
        serde_json::from_slice(&stored(&keys).expect("tokens kept")).unwrap();

    let v = block(app.send_and_wait(Event::LogOut));
    assert_eq!(v.screen, Screen::Welcome);
    assert!(stored(&keys).is_none(), "the phone forgot the tokens");
    // The server ended the session: neither token works any more.
    let http = reqwest::Client::new();
    let home = block(
        http.get(format!("{}/v1/home", certd.url()))
            .bearer_auth(&tokens.access_token)
            .send(),
    )
    .unwrap();
    assert_eq!(home.status(), 401);
    let refresh = block(
        http.post(format!("{}/v1/sessions/refresh", certd.url()))
            .json(&serde_json::json!({ "refresh_token": tokens.refresh_token }))
            .send(),
    )
    .unwrap();
    assert_eq!(refresh.status(), 401);
    drop(app);
    // And opened again, it asks to log in.
    let app = self::app(&certd.url(), &dir);
    let v = block(app.send_and_wait(Event::Start));
    assert_eq!(v.screen, Screen::Welcome);
}

#[test]
fn records_and_their_receipts_show_without_a_network_after_a_restart_until_log_out() {
    let mut certd = Certd::start();
    let dir = temp_dir("kept");
    let app = app(&certd.url(), &dir);
    let home = register_and_log_in(&app, PENSIONER);
    let v = certify(&app, &me(&home), "grace_hopper.jpg");
    assert_eq!(result_kind(&v), ResultKind::Passed, "{v:?}");
    let online = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows: seen_online } = online.screen else {
        panic!("{online:?}")
    };
    drop(app);
    // No server (and no receipt keys in memory): the phone opens again.
    certd.kill9();
    let app = self::app(&certd.url(), &dir);
    block(app.send_and_wait(Event::Start));
    let v = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &v.screen else {
        panic!("the kept records, not an error: {v:?}")
    };
    let key = |r: &lifecert_app::flow::view::RecordRow| {
        (
            r.certification_id.clone(),
            r.kind,
            r.receipt_verified,
            r.receipt_code.clone(),
            r.by.key.clone(),
        )
    };
    assert_eq!(
        rows.iter().map(key).collect::<Vec<_>>(),
        seen_online.iter().map(key).collect::<Vec<_>>(),
        "the same certifications as online"
    );
    assert!(rows[0].receipt_verified && rows[0].receipt_code.is_some());
    let problem = v.problem.as_ref().expect("why they may not be the latest");
    assert_eq!(problem.message.key, "records.kept");
    // A receipt changed on the phone is not shown as verified.
    let keys = FileSecureStore::new(dir.join("keys").to_string_lossy().into());
    {
        use lifecert_app::storage::kept_records;
        let mut kept = kept_records::load(keys.as_ref()).expect("kept");
        let receipt = kept.records[0].receipt.as_mut().unwrap();
        receipt.signature = receipt.signature.chars().rev().collect();
        kept_records::save(keys.as_ref(), &kept);
        assert!(!kept.verified()[0].1, "a forged receipt does not check out");
    }
    let v = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &v.screen else {
        panic!("{v:?}")
    };
    assert!(!rows[0].receipt_verified);
    // Logging out forgets them: the next person on this phone sees nothing.
    block(app.send_and_wait(Event::LogOut));
    assert!(lifecert_app::storage::kept_records::load(keys.as_ref()).is_none());
}

#[test]
fn not_in_scope_no_template_and_maintenance_day_each_block_with_their_reason() {
    // A campaign for benefits started before 2000: the demo pensioners are out of scope.
    let today = lifecert_domain::rules::date::today_in_china();
    let config = format!(
        "[policies.default]\nschedule = \"campaign\"\nopens = \"2000-01-01\"\ncloses = \"2099-12-31\"\nscope_cutoff = \"1999-12-31\"\n\n[policies.33]\nschedule = \"rolling\"\n\n[policies.44]\nschedule = \"rolling\"\nmaintenance_days = [{}]\n",
        today.day
    );
    let certd = Certd::start_with(Some(&config), vec![]);
    let dir = temp_dir("blocked");

    let cases = [
        (PENSIONER, ProblemKind::NotInScope),
        (NO_TEMPLATE, ProblemKind::NoTemplate),
        (MOTHER, ProblemKind::MaintenanceDay),
    ];
    for (who, expected) in cases {
        let app = app(&certd.url(), &dir.join(who.1));
        let home = register_and_log_in(&app, who);
        let v = begin(&app, &me(&home));
        match &v.screen {
            Screen::Blocked { problem, .. } => {
                assert_eq!(problem.kind, expected, "{}", who.0);
                assert!(!problem.message.display.is_empty() && !problem.message.speech.is_empty());
            }
            other => panic!("{}: expected {expected:?}, got {other:?}", who.0),
        }
    }
}

#[test]
fn evidence_saved_while_offline_goes_up_once_when_the_server_is_back() {
    let mut certd = Certd::start();
    let dir = temp_dir("offline");
    let app = app(&certd.url(), &dir);
    let home = register_and_log_in(&app, PENSIONER);
    let v = begin(&app, &me(&home));
    let actions = replay::challenge(&v).expect("challenge");
    certd.kill9();
    block(app.send_and_wait(Event::CameraReady));
    replay::feed(&app, &replay::clip("grace_hopper.jpg", &actions));
    let v = block(app.settle());
    assert!(matches!(v.screen, Screen::QueuedOffline { .. }), "{v:?}");
    assert_eq!(app.queued_uploads(), 1);

    // The app restarts too: the queue is on disk, encrypted.
    drop(app);
    let app = self::app(&certd.url(), &dir);
    certd.launch();
    assert_eq!(app.queued_uploads(), 1);
    block(app.send_and_wait(Event::RetryUploads));
    assert_eq!(app.queued_uploads(), 0);
    // Nothing goes twice: the records below hold exactly one certification.
    block(app.send_and_wait(Event::RetryUploads));
    block(app.send_and_wait(Event::Start));
    let records = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &records.screen else {
        panic!("{records:?}")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, ResultKind::Passed);
}

#[test]
fn an_upload_cut_off_by_a_server_crash_is_retried_with_the_same_key_and_counted_once() {
    let mut certd = Certd::start();
    let dir = temp_dir("crash");
    let app = app(&certd.url(), &dir);
    let home = register_and_log_in(&app, PENSIONER);
    let v = begin(&app, &me(&home));
    let actions = replay::challenge(&v).expect("challenge");
    // Freeze the server so the upload is in flight when it dies.
    certd.signal("-STOP");
    block(app.send_and_wait(Event::CameraReady));
    replay::feed(&app, &replay::clip("grace_hopper.jpg", &actions));
    std::thread::sleep(Duration::from_millis(1500));
    certd.kill9();
    let v = block(app.settle());
    assert!(matches!(v.screen, Screen::QueuedOffline { .. }), "{v:?}");
    certd.launch();
    assert_eq!(app.queued_uploads(), 1);
    block(app.send_and_wait(Event::RetryUploads));
    assert_eq!(app.queued_uploads(), 0);
    let records = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &records.screen else {
        panic!()
    };
    assert_eq!(rows.len(), 1, "one record, however many tries");
    assert_eq!(rows[0].kind, ResultKind::Passed);
}

#[test]
fn an_upload_whose_server_dies_after_judging_it_and_before_committing_is_counted_once() {
    // certd reads, judges and stores the evidence, then dies before the
    // record is committed (debug builds honour CERTD_CRASH_BEFORE_COMMIT).
    // Its hold on the certification lapses after 2 s here (120 by default).
    let mut certd = Certd::start_with(
        Some("upload_claim_lease_s = 2\n"),
        vec![("CERTD_CRASH_BEFORE_COMMIT", "1")],
    );
    let dir = temp_dir("commit-crash");
    let app = app(&certd.url(), &dir);
    let home = register_and_log_in(&app, PENSIONER);
    let v = begin(&app, &me(&home));
    let actions = replay::challenge(&v).expect("challenge");
    block(app.send_and_wait(Event::CameraReady));
    replay::feed(&app, &replay::clip("grace_hopper.jpg", &actions));
    let v = block(app.settle());
    assert!(matches!(v.screen, Screen::QueuedOffline { .. }), "{v:?}");
    assert!(certd.died(), "certd crashed at the commit");
    assert_eq!(app.queued_uploads(), 1, "the evidence stays on the phone");
    // Back up (without the crash): the same item, with the same key, once.
    certd.kill9();
    certd.env.clear();
    certd.launch();
    // While the dead certd's hold lasts, the retry is told to wait and keeps
    // the evidence; once it lapses, the same upload goes through.
    block(app.send_and_wait(Event::RetryUploads));
    std::thread::sleep(Duration::from_millis(2500));
    block(app.send_and_wait(Event::RetryUploads));
    assert_eq!(app.queued_uploads(), 0);
    let records = block(app.send_and_wait(Event::ShowRecords));
    let Screen::Records { rows } = &records.screen else {
        panic!("{records:?}")
    };
    assert_eq!(rows.len(), 1, "one record of one capture");
    assert_eq!(rows[0].kind, ResultKind::Passed);
}

#[test]
fn an_expired_access_token_is_refreshed_without_asking_the_user_again() {
    let certd = Certd::start_with(None, vec![("CERTD_ACCESS_TOKEN_TTL_S", "1")]);
    let dir = temp_dir("refresh");
    let app = app(&certd.url(), &dir);
    register_and_log_in(&app, PENSIONER);
    std::thread::sleep(Duration::from_millis(2100));
    let v = block(app.send_and_wait(Event::RefreshHome));
    assert!(matches!(v.screen, Screen::Home { .. }), "{v:?}");
    assert!(v.problem.is_none());
}
