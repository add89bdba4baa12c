//! `lifecert-demo`: the whole app journey through the same `LifeCertApp`
//! object the phones use, against certd (in-process on a temporary SQLite
//! file, or a running one with `--server`), with the replay camera. Prints
//! every screen as a shell would show and speak it; exits 0 only if every
//! step of the journey went as it should.

#[path = "../../tests/support/replay.rs"]
mod replay;

use lifecert_app::flow::view::{AppView, ResultKind, Screen};
use lifecert_app::flow::{AppConfig, AppObserver, Event, LifeCertApp};
use lifecert_app::storage::FileSecureStore;
use lifecert_domain::i18n::{Language, Message};
use replay::block;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

/// The whole journey: log in, certify yourself, a son certifies his mother,
/// records. Starts certd in-process unless --server is given.
#[derive(clap::Parser)]
#[command(name = "lifecert-demo", version)]
struct Args {
    /// A running certd (`certd demo`) instead of the in-process one.
    #[arg(long)]
    server: Option<String>,
    /// Language of the screens: zh-hans, zh-hant or en.
    #[arg(long, default_value = "zh-hans")]
    lang: String,
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let lang = match args.lang.as_str() {
        "zh-hans" => Language::ZhHans,
        "zh-hant" => Language::ZhHant,
        "en" => Language::En,
        other => {
            eprintln!("--lang {other}: expected zh-hans, zh-hant or en");
            return ExitCode::from(2);
        }
    };
    run(args.server, lang)
}

const PASSWORD: &str = "lifecert2026";
const MOBILE: &str = "13800138000";

/// Prints each new screen once (capture prompts when they change).
struct Printer {
    last: Mutex<String>,
}

impl AppObserver for Printer {
    fn on_view(&self, v: AppView) {
        let line = describe(&v);
        let mut last = self.last.lock().unwrap();
        if *last != line {
            println!("{line}");
            *last = line;
        }
    }

    /// What the core decided to say, as the phone's text-to-speech would.
    fn on_speak(&self, words: Vec<Message>) {
        for w in words {
            println!("      🔊 {}", w.speech);
        }
    }
}

fn describe(v: &AppView) -> String {
    let busy = if v.busy { " …" } else { "" };
    let mut out = format!("  ▸ [{}]{busy} {}", v.title.display, v.instruction.display);
    match &v.screen {
        Screen::Home {
            me,
            relatives,
            requests,
            queued_uploads,
            verify_first,
        } => {
            if let Some(m) = verify_first {
                out.push_str(&format!(
                    "
      ☝ {}",
                    m.display
                ));
            }
            for p in std::iter::once(me).chain(relatives) {
                out.push_str(&format!(
                    "\n      {}（{}）: {}",
                    p.name, p.relation.display, p.status.display
                ));
                for n in &p.notes {
                    out.push_str(&format!("\n        · {}", n.display));
                }
            }
            for r in requests {
                out.push_str(&format!("\n      ✉ {}", r.message.display));
            }
            if *queued_uploads > 0 {
                out.push_str(&format!("\n      ⏳ {queued_uploads}"));
            }
        }
        Screen::Consent { points, .. } => {
            for p in points {
                out.push_str(&format!("\n      • {}", p.display));
            }
        }
        Screen::CameraPermission {
            actions,
            template_photo,
            ..
        } => {
            let names: Vec<&str> = actions.iter().map(|a| a.name()).collect();
            out.push_str(&format!("\n      steps: {}", names.join(" → ")));
            if let Some(jpeg) = template_photo {
                let size = image::load_from_memory(jpeg)
                    .map(|i| format!("{}x{}, grey", i.width(), i.height()))
                    .unwrap_or_else(|_| "unreadable".into());
                out.push_str(&format!(
                    "\n      template photo (模板照片) shown: {} bytes, {size}",
                    jpeg.len()
                ));
            }
        }
        Screen::Result {
            advice: Some(a),
            receipt_verified,
            ..
        } => {
            out.push_str(&format!(
                "\n      {} (receipt verified: {receipt_verified})",
                a.display
            ));
        }
        Screen::Result {
            receipt_verified, ..
        } => out.push_str(&format!("\n      receipt verified: {receipt_verified}")),
        Screen::Blocked { problem, .. } => out.push_str(&format!("\n      {:?}", problem.kind)),
        Screen::Contact { current, .. } => out.push_str(&format!(
            "\n      {} / {} / {}",
            current.address, current.post_code, current.mobile
        )),
        Screen::Records { rows } => {
            for r in rows {
                out.push_str(&format!(
                    "\n      {:04}-{:02}-{:02}  {}  {}  {}{}",
                    r.date.year,
                    r.date.month,
                    r.date.day,
                    r.subject_name,
                    r.by.display,
                    r.summary.display,
                    if r.receipt_verified { "  🔏" } else { "" }
                ));
            }
        }
        _ => {}
    }
    if let Some(p) = &v.problem {
        out.push_str(&format!("\n      ⚠ {}", p.message.display));
    }
    out
}

fn new_app(url: &str, dir: &std::path::Path, lang: Language) -> Result<Arc<LifeCertApp>, String> {
    let store = FileSecureStore::new(dir.join("keys").to_string_lossy().into()).as_secure_store();
    let app = LifeCertApp::new(
        AppConfig {
            server_url: url.into(),
            storage_dir: dir.to_string_lossy().into(),
            language: lang,
            receipt_public_key: None,
        },
        store,
    )
    .map_err(|e| e.to_string())?;
    // Dropping the subscription handle does not end it; it lasts as long as the app.
    let _ = app.subscribe(Arc::new(Printer {
        last: Mutex::new(String::new()),
    }));
    Ok(app)
}

fn sign_in(app: &LifeCertApp, who: (&str, &str)) -> Result<AppView, String> {
    app.send(Event::ShowRegister);
    let v = block(app.send_and_wait(Event::Register {
        name: who.0.into(),
        id_number: who.1.into(),
        password: PASSWORD.into(),
        mobile: MOBILE.into(),
        mobile_again: MOBILE.into(),
        terms_accepted: true,
    }));
    if matches!(v.screen, Screen::Home { .. }) {
        return Ok(v);
    }
    // Already registered (a second run against the same server): log in.
    app.send(Event::ShowLogIn);
    let v = block(app.send_and_wait(Event::LogIn {
        id_number: who.1.into(),
        password: PASSWORD.into(),
    }));
    match v.screen {
        Screen::Home { .. } => Ok(v),
        _ => Err(format!("could not log in {}: {:?}", who.0, v.problem)),
    }
}

/// Who -> consent -> challenge -> replay camera -> upload -> result.
fn certify(app: &LifeCertApp, person_id: &str, photo: &str) -> Result<AppView, String> {
    app.send(Event::ChooseWho);
    app.send(Event::Select {
        person_id: person_id.into(),
    });
    let v = block(app.send_and_wait(Event::GiveConsent));
    println!("      (replay camera: {photo})");
    replay::capture(app, v, photo)
}

/// After her result she corrects her address and phone (as Beijing's and
/// Foshan's apps allow): a post code typed with a letter O is refused in her
/// language, and nothing she typed is lost.
fn update_contact(app: &LifeCertApp, person_id: &str) -> Result<(), String> {
    app.send(Event::ShowContact {
        person_id: person_id.into(),
    });
    let form = |post_code: &str| Event::SaveContact {
        address: "北京市东城区和平里街道 3号楼2单元501".into(),
        post_code: post_code.into(),
        mobile: "139 1234 5678".into(),
    };
    let v = block(app.send_and_wait(form("1OOO13")));
    if v.problem.is_none() {
        return Err("a post code with letters was accepted".into());
    }
    let v = block(app.send_and_wait(form("100013")));
    match &v.screen {
        Screen::Contact { saved: true, .. } => {
            block(app.send_and_wait(Event::Back));
            Ok(())
        }
        other => Err(format!("contact update: {other:?} {:?}", v.problem)),
    }
}

fn expect(v: &AppView, kind: ResultKind, what: &str) -> Result<(), String> {
    show_receipt(v);
    match &v.screen {
        Screen::Result { kind: k, .. } if *k == kind => Ok(()),
        other => Err(format!("{what}: expected {kind:?}, got {other:?}")),
    }
}

/// A passed result's receipt as a counter would scan it: the QR code's line,
/// and the QR code as a PNG in the temporary folder.
fn show_receipt(v: &AppView) {
    let Screen::Result {
        receipt_code: Some(code),
        ..
    } = &v.screen
    else {
        return;
    };
    let png = std::env::temp_dir().join(format!("lifecert-receipt-{}.png", std::process::id()));
    let written = std::fs::write(&png, lifecert_app::receipts::receipt_qr_png(code.clone()));
    println!("      receipt QR: {code}");
    if written.is_ok() {
        println!("      receipt QR picture: {}", png.display());
    }
}

fn my_id(v: &AppView) -> String {
    match &v.screen {
        Screen::Home { me, .. } => me.person_id.clone(),
        _ => String::new(),
    }
}

fn run(server: Option<String>, lang: Language) -> ExitCode {
    let tmp = std::env::temp_dir().join(format!("lifecert-demo-{}", std::process::id()));
    let result = (|| -> Result<(), String> {
        let (in_process, url) = match server {
            Some(url) => (None, url),
            None => {
                let s = InProcessServer::start(&tmp.join("certd"))?;
                let url = s.url.clone();
                (Some(s), url)
            }
        };
        println!("LifeCert demo against {url}\n");
        use certd::agency::{DEMO_MOTHER, DEMO_PENSIONER, DEMO_SON};

        println!("1. {} certifies herself on her own phone", DEMO_PENSIONER.0);
        let app = new_app(&url, &tmp.join("phone-1"), lang)?;
        let home = sign_in(&app, DEMO_PENSIONER)?;
        let v = certify(&app, &my_id(&home), "grace_hopper.jpg")?;
        expect(&v, ResultKind::Passed, "self certification")?;
        update_contact(&app, &my_id(&home))?;
        if let Some(s) = &in_process {
            println!("\n   the agency's export: certd contact-changes");
            for line in s.contact_changes()?.lines() {
                println!("      {line}");
            }
        }
        block(app.send_and_wait(Event::ShowRecords));
        for r in app.reminders() {
            println!("      ⏰ {} → {}", r.notify_on.day, r.message.display);
        }

        println!(
            "\n2. {} certifies his mother {} on his phone",
            DEMO_SON.0, DEMO_MOTHER.0
        );
        let son = new_app(&url, &tmp.join("phone-2"), lang)?;
        sign_in(&son, DEMO_SON)?;
        // He draws no pension, so there is no photo to match his face
        // against: staff verify his account at the counter, ID card in hand.
        match &in_process {
            Some(s) => {
                println!("\n   at the counter: certd verify-account {}", DEMO_SON.1);
                s.verify_account(DEMO_SON.1)?;
                block(son.send_and_wait(Event::RefreshHome));
            }
            None => println!(
                "\n   (the agency must run `certd verify-account {}` for the son first)",
                DEMO_SON.1
            ),
        }
        son.send(Event::ShowAddRelative);
        let v = block(son.send_and_wait(Event::AddRelative {
            name: DEMO_MOTHER.0.into(),
            id_number: DEMO_MOTHER.1.into(),
            relation: relation(lang).into(),
        }));
        let Screen::Home { relatives, .. } = &v.screen else {
            return Err(format!("add relative: {:?}", v.problem));
        };
        let mother = relatives
            .iter()
            .find(|r| r.name == DEMO_MOTHER.0)
            .ok_or("relative not listed")?
            .person_id
            .clone();
        // She agrees in her own app (at an agency counter, `certd approve-binding` does the same).
        println!("\n   {} agrees on her own phone", DEMO_MOTHER.0);
        let her = new_app(&url, &tmp.join("phone-3"), lang)?;
        let v = sign_in(&her, DEMO_MOTHER)?;
        // Her account is hers once her face matched: she certifies herself first.
        let v = certify(&her, &my_id(&v), "astronaut.jpg")?;
        expect(&v, ResultKind::Passed, "her own certification")?;
        let v = block(her.send_and_wait(Event::RefreshHome));
        let Screen::Home { requests, .. } = &v.screen else {
            return Err("mother's home".into());
        };
        let request = requests
            .first()
            .ok_or("no binding request shown to the mother")?
            .binding_id
            .clone();
        block(her.send_and_wait(Event::AcceptRequest {
            binding_id: request,
        }));
        println!("\n   back on {}'s phone", DEMO_SON.0);
        block(son.send_and_wait(Event::RefreshHome));
        let v = certify(&son, &mother, "astronaut.jpg")?;
        expect(&v, ResultKind::Passed, "proxy certification")?;
        block(son.send_and_wait(Event::ShowRecords));
        println!("\nThe whole journey worked.");
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("demo failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn relation(lang: Language) -> &'static str {
    match lang {
        Language::En => "mother",
        _ => "母亲",
    }
}

/// certd on a temporary SQLite file, served from a runtime of its own.
struct InProcessServer {
    rt: tokio::runtime::Runtime,
    state: certd::AppState,
    url: String,
}

impl InProcessServer {
    fn start(dir: &std::path::Path) -> Result<InProcessServer, String> {
        let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        // Demo mode, as `certd demo`: the desktop's software key is accepted
        // and its records say `software`.
        let config = certd::config::Config {
            data: dir.to_path_buf(),
            attestation: certd::config::AttestationConfig {
                mode: certd::config::AttestationMode::SoftwareAllowed,
                ..Default::default()
            },
            ..Default::default()
        };
        let (state, listener) = rt.block_on(async {
            let state = certd::AppState::open(config).await?;
            certd::agency::seed_demo(&state, &replay::fixtures()).await?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| e.to_string())?;
            Ok::<_, String>((state, listener))
        })?;
        let url = format!(
            "http://{}",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        rt.spawn(certd::serve(state.clone(), listener));
        Ok(InProcessServer { rt, state, url })
    }

    /// What `certd contact-changes` prints for the agency's counter staff.
    fn contact_changes(&self) -> Result<String, String> {
        self.rt
            .block_on(certd::contact::changes_since(&self.state, 0))
            .map(|c| certd::contact::to_csv(&c))
            .map_err(|e| e.to_string())
    }

    /// What `certd verify-account` does at the counter.
    fn verify_account(&self, id_number: &str) -> Result<(), String> {
        self.rt
            .block_on(certd::agency::verify_account(&self.state, id_number))
    }
}
