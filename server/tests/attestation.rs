//! Device keys certd believes (issue 11, part 3), over HTTP against an
//! in-process certd: Android Keystore and App Attest logins with chains the
//! tests build themselves (roots written to files, as an agency installs
//! Google's and Apple's), single-use challenges, the production policy that
//! refuses software keys and non-release apps, and the record's level.

use base64::Engine as _;
use certd::config::{AndroidAppConfig, AttestationConfig, AttestationMode, Config};
use certd::{agency, AppState};
use lifecert_attest::testing::{AndroidChain, AppleCa, AppleSpec, KeyDescriptionSpec, TestKey};
use lifecert_domain::api::*;
use reqwest::StatusCode;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const PENSIONER: (&str, &str) = agency::DEMO_PENSIONER;
const PACKAGE: &str = "org.lifecert.app";
const RELEASE: [u8; 32] = [0x5a; 32];
const APP_ID: &str = "ABCDE12345.org.lifecert.app";

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Server {
    url: String,
    http: reqwest::Client,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A certd with `mode`, trusting `android_root` and `apple_root` (DER files).
async fn server(mode: AttestationMode, android_root: &[u8], apple_root: &[u8]) -> Server {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let dir = std::env::temp_dir().join(format!("certd-attest-{}", certd::db::new_id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("google-root.der"), android_root).unwrap();
    std::fs::write(dir.join("apple-root.der"), apple_root).unwrap();
    let hex: String = RELEASE.iter().map(|b| format!("{b:02X}:")).collect();
    let config = Config {
        data: dir.clone(),
        attestation: AttestationConfig {
            mode,
            android_roots: vec![dir.join("google-root.der")],
            android_apps: vec![AndroidAppConfig {
                package: PACKAGE.into(),
                signing_digests: vec![hex.trim_end_matches(':').into()],
            }],
            android_revoked: None,
            apple_roots: vec![dir.join("apple-root.der")],
            apple_app_ids: vec![APP_ID.into()],
        },
        ..Config::default()
    };
    let state = AppState::open(config).await.unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces");
    agency::seed_demo(&state, &fixtures).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(certd::serve(state, listener));
    let srv = Server {
        url,
        http: reqwest::Client::new(),
        dir,
    };
    let (s, _) = srv
        .post(
            "/v1/accounts",
            json!({"name": PENSIONER.0, "id_number": PENSIONER.1, "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": true}),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    srv
}

impl Server {
    async fn post(&self, path: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
        let mut rb = self
            .http
            .post(format!("{}{path}", self.url))
            .header("accept-language", "en")
            .json(&body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let res = rb.send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn challenge(&self) -> Vec<u8> {
        let (s, b) = self
            .post("/v1/attestation/challenges", json!({}), None)
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        B64.decode(b["challenge"].as_str().unwrap()).unwrap()
    }

    async fn login(&self, key: &[u8], attestation: Option<Value>) -> (StatusCode, Value) {
        let mut body = json!({"id_number": PENSIONER.1, "password": "abc12345", "device_public_key": B64.encode(key)});
        if let Some(a) = attestation {
            body["attestation"] = a;
        }
        self.post("/v1/sessions", body, None).await
    }

    /// Starts a certification and uploads `body` signed with `sig`: the
    /// status tells whether the signature passed (`422`: the placeholder body
    /// is not evidence) or not (`401 bad_signature`).
    async fn start(&self, token: &str) -> String {
        let (s, b) = self
            .post(
                "/v1/certifications",
                json!({"subject_person_id": self.me(token).await}),
                Some(token),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        b["certification_id"].as_str().unwrap().into()
    }

    async fn me(&self, token: &str) -> String {
        let res = self
            .http
            .get(format!("{}/v1/home", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let b: Value = res.json().await.unwrap();
        b["me"]["person_id"].as_str().unwrap().into()
    }

    async fn upload(
        &self,
        token: &str,
        cert: &str,
        body: &[u8],
        sig: &[u8],
    ) -> (StatusCode, Value) {
        let res = self
            .http
            .put(format!("{}/v1/certifications/{cert}/evidence", self.url))
            .bearer_auth(token)
            .header(IDEMPOTENCY_HEADER, certd::db::new_id())
            .header(SIGNATURE_HEADER, B64.encode(sig))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn record(&self, token: &str, cert: &str) -> Value {
        let res = self
            .http
            .get(format!("{}/v1/certifications/{cert}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        res.json().await.unwrap()
    }
}

fn code(b: &Value) -> &str {
    b["code"].as_str().unwrap_or("")
}

/// The vendors' CAs of a test: certd trusts their roots; each phone's key
/// is issued under them.
struct Vendors {
    google: AndroidChain,
    apple: AppleCa,
}

fn vendors() -> Vendors {
    Vendors {
        google: AndroidChain::new(&KeyDescriptionSpec::tee(b"-", PACKAGE, RELEASE), now_s()),
        apple: AppleCa::new(now_s()),
    }
}

async fn certd(mode: AttestationMode, v: &Vendors) -> Server {
    server(mode, &v.google.root, &v.apple.root).await
}

fn android_proof(challenge: &[u8], chain: &[Vec<u8>]) -> Value {
    json!({"challenge": B64.encode(challenge), "proof": {"kind": "android_keystore", "chain": chain.iter().map(|c| B64.encode(c)).collect::<Vec<_>>()}})
}

fn apple_spec(challenge: &[u8]) -> AppleSpec {
    AppleSpec {
        app_id: APP_ID.into(),
        challenge: challenge.to_vec(),
        development: false,
        counter: 0,
    }
}

fn token(b: &Value) -> String {
    b["access_token"].as_str().unwrap().into()
}

/// A placeholder body: it passes or fails the signature check, then is
/// refused as evidence (the liveness tests live in api.rs).
const BODY: &[u8] = b"{\"not\":\"evidence\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attested_android_key_logs_in_and_only_its_signatures_are_accepted() {
    let v = vendors();
    let srv = certd(AttestationMode::Required, &v).await;
    let challenge = srv.challenge().await;
    let (chain, key) = v.google.new_leaf(
        &KeyDescriptionSpec::tee(&challenge, PACKAGE, RELEASE),
        now_s(),
    );
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&challenge, &chain)))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let t = token(&b);
    let refresh = b["refresh_token"].as_str().unwrap().to_string();
    let cert = srv.start(&t).await;
    // Another key's signature (even a valid P-256 one) is refused...
    let (s, b) = srv
        .upload(&t, &cert, BODY, &TestKey::p256().sign(BODY))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "bad_signature"));
    // ...the attested key's passes the signature check (and the placeholder
    // body is then refused as evidence).
    let (s, b) = srv.upload(&t, &cert, BODY, &key.sign(BODY)).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    assert_eq!(srv.record(&t, &cert).await["attestation_level"], "tee");
    // The refreshed session keeps the attested key and its level.
    let (s, b) = srv
        .post(
            "/v1/sessions/refresh",
            json!({"refresh_token": refresh}),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let t2 = token(&b);
    let (s, b) = srv
        .upload(&t2, &cert, BODY, &TestKey::p256().sign(BODY))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "bad_signature"));
    let (s, b) = srv.upload(&t2, &cert, BODY, &key.sign(BODY)).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    assert_eq!(srv.record(&t2, &cert).await["attestation_level"], "tee");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_reused_challenge_is_refused() {
    let v = vendors();
    let srv = certd(AttestationMode::Required, &v).await;
    // A challenge certd never issued (the chain itself is genuine).
    let made_up = [7u8; 32];
    let (chain, key) = v.google.new_leaf(
        &KeyDescriptionSpec::tee(&made_up, PACKAGE, RELEASE),
        now_s(),
    );
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&made_up, &chain)))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
    // A chain made for one issued challenge, presented with another.
    let issued = srv.challenge().await;
    let other = srv.challenge().await;
    let (chain, key) = v
        .google
        .new_leaf(&KeyDescriptionSpec::tee(&issued, PACKAGE, RELEASE), now_s());
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&other, &chain)))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
    // Used once: the second login with the same challenge and chain fails.
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&issued, &chain)))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&issued, &chain)))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_to_an_unknown_root_or_for_another_key_is_refused() {
    let v = vendors();
    let srv = certd(AttestationMode::Required, &v).await;
    let challenge = srv.challenge().await;
    // A complete, well-formed chain under a root the agency did not install.
    let forged = AndroidChain::new(
        &KeyDescriptionSpec::tee(&challenge, PACKAGE, RELEASE),
        now_s(),
    );
    let (s, b) = srv
        .login(
            &forged.key.spki(),
            Some(android_proof(&challenge, &forged.chain)),
        )
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
    // A genuine chain, but the session key claimed is another one.
    let challenge = srv.challenge().await;
    let (chain, _) = v.google.new_leaf(
        &KeyDescriptionSpec::tee(&challenge, PACKAGE, RELEASE),
        now_s(),
    );
    let (s, b) = srv
        .login(
            &TestKey::p256().spki(),
            Some(android_proof(&challenge, &chain)),
        )
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
}

/// The app's software key (desktop, emulator, tests).
fn software_key() -> Ed25519KeyPair {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_software_keys_and_builds_that_are_not_the_release() {
    let v = vendors();
    let srv = certd(AttestationMode::Required, &v).await;
    let ed = software_key();
    let (s, b) = srv.login(ed.public_key().as_ref(), None).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_required"),
        "{b}"
    );
    assert!(b["message"].as_str().unwrap().contains("official app"));
    // A software-level Keystore attestation (an emulator, a rooted phone).
    let challenge = srv.challenge().await;
    let mut soft = KeyDescriptionSpec::tee(&challenge, PACKAGE, RELEASE);
    soft.attestation_level = 0;
    soft.keymaster_level = 0;
    let (chain, key) = v.google.new_leaf(&soft, now_s());
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&challenge, &chain)))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
    // Our package signed with a debug key.
    let challenge = srv.challenge().await;
    let (chain, key) = v.google.new_leaf(
        &KeyDescriptionSpec::tee(&challenge, PACKAGE, [0x11; 32]),
        now_s(),
    );
    let (s, b) = srv
        .login(&key.spki(), Some(android_proof(&challenge, &chain)))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "app_not_genuine"),
        "{b}"
    );
    // An iOS build from Xcode (App Attest development environment).
    let challenge = srv.challenge().await;
    let mut dev = apple_spec(&challenge);
    dev.development = true;
    let a = v.apple.attest(&dev, now_s(), |_| {});
    let (s, b) = srv
        .login(&a.key_id, Some(json!({"challenge": B64.encode(&challenge), "proof": {"kind": "app_attest", "attestation_object": B64.encode(&a.object)}})))
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "app_not_genuine"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_mode_accepts_a_software_key_and_the_record_says_software() {
    let v = vendors();
    let srv = certd(AttestationMode::SoftwareAllowed, &v).await;
    let ed = software_key();
    let (s, b) = srv.login(ed.public_key().as_ref(), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let t = token(&b);
    let cert = srv.start(&t).await;
    assert_eq!(srv.record(&t, &cert).await.get("attestation_level"), None);
    let (s, b) = srv.upload(&t, &cert, BODY, ed.sign(BODY).as_ref()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    assert_eq!(srv.record(&t, &cert).await["attestation_level"], "software");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_attest_logs_in_signs_uploads_with_assertions_and_a_replay_is_refused() {
    let v = vendors();
    let srv = certd(AttestationMode::Required, &v).await;
    let challenge = srv.challenge().await;
    let a = v.apple.attest(&apple_spec(&challenge), now_s(), |_| {});
    let (s, b) = srv
        .login(&a.key_id, Some(json!({"challenge": B64.encode(&challenge), "proof": {"kind": "app_attest", "attestation_object": B64.encode(&a.object)}})))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let t = token(&b);
    let cert = srv.start(&t).await;
    let first = a.assertion(APP_ID, BODY, 1);
    let (s, b) = srv.upload(&t, &cert, BODY, &first).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    assert_eq!(
        srv.record(&t, &cert).await["attestation_level"],
        "app-attest"
    );
    // The same assertion again: its counter is used up.
    let (s, b) = srv.upload(&t, &cert, BODY, &first).await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "bad_signature"));
    // An assertion over another body does not verify.
    let (s, b) = srv
        .upload(&t, &cert, BODY, &a.assertion(APP_ID, b"{}", 2))
        .await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "bad_signature"));
    // The next login with the same key: an assertion over a new challenge.
    let challenge = srv.challenge().await;
    let proof = |n| json!({"challenge": B64.encode(&challenge), "proof": {"kind": "app_attest_assertion", "assertion": B64.encode(a.assertion(APP_ID, &challenge, n))}});
    let (s, b) = srv.login(&a.key_id, Some(proof(1))).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
    let challenge2 = srv.challenge().await;
    let proof2 = json!({"challenge": B64.encode(&challenge2), "proof": {"kind": "app_attest_assertion", "assertion": B64.encode(a.assertion(APP_ID, &challenge2, 2))}});
    let (s, b) = srv.login(&a.key_id, Some(proof2)).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A key never attested here cannot log in with assertions.
    let stranger = v.apple.attest(&apple_spec(b"elsewhere"), now_s(), |_| {});
    let challenge3 = srv.challenge().await;
    let proof3 = json!({"challenge": B64.encode(&challenge3), "proof": {"kind": "app_attest_assertion", "assertion": B64.encode(stranger.assertion(APP_ID, &challenge3, 1))}});
    let (s, b) = srv.login(&stranger.key_id, Some(proof3)).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "attestation_invalid"),
        "{b}"
    );
}

/// The Android shell's `KeystoreDeviceKey` as the tests can have it: each
/// attestation is a new key issued under the test vendor's root.
struct TestPhoneKey {
    vendors: std::sync::Arc<Vendors>,
    key: std::sync::Mutex<Option<TestKey>>,
}

impl lifecert_app::upload::PlatformKey for TestPhoneKey {
    fn kind(&self) -> lifecert_app::upload::PlatformKeyKind {
        lifecert_app::upload::PlatformKeyKind::AndroidKeystore
    }
    fn attest(
        &self,
        challenge: Vec<u8>,
    ) -> Result<lifecert_app::upload::AttestedKey, lifecert_app::upload::PlatformKeyError> {
        let (chain, key) = self.vendors.google.new_leaf(
            &KeyDescriptionSpec::tee(&challenge, PACKAGE, RELEASE),
            now_s(),
        );
        let public_key = key.spki();
        *self.key.lock().unwrap() = Some(key);
        Ok(lifecert_app::upload::AttestedKey {
            public_key,
            proof: lifecert_app::upload::PlatformProof::AndroidChain { chain },
        })
    }
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, lifecert_app::upload::PlatformKeyError> {
        Ok(self.key.lock().unwrap().as_ref().unwrap().sign(&message))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_logs_in_with_the_phones_attested_key_where_its_software_key_is_refused() {
    use lifecert_app::flow::view::Screen;
    use lifecert_app::flow::{AppConfig, Event, LifeCertApp};
    let v = std::sync::Arc::new(vendors());
    let srv = certd(AttestationMode::Required, &v).await;
    let app = |dir: &std::path::Path,
               key: Option<std::sync::Arc<dyn lifecert_app::upload::PlatformKey>>| {
        let store =
            lifecert_app::storage::FileSecureStore::new(dir.join("keys").to_string_lossy().into())
                .as_secure_store();
        LifeCertApp::with_platform_key(
            AppConfig {
                server_url: srv.url.clone(),
                storage_dir: dir.to_string_lossy().into(),
                language: lifecert_domain::i18n::Language::En,
                receipt_public_key: None,
            },
            store,
            key,
        )
        .unwrap()
    };
    let desktop = app(&srv.dir.join("desktop"), None);
    let view = desktop
        .send_and_wait(Event::LogIn {
            id_number: PENSIONER.1.into(),
            password: "abc12345".into(),
        })
        .await;
    assert!(!matches!(view.screen, Screen::Home { .. }), "{view:?}");
    let phone_key = std::sync::Arc::new(TestPhoneKey {
        vendors: v.clone(),
        key: std::sync::Mutex::new(None),
    });
    let phone = app(&srv.dir.join("phone"), Some(phone_key.clone()));
    let view = phone
        .send_and_wait(Event::LogIn {
            id_number: PENSIONER.1.into(),
            password: "abc12345".into(),
        })
        .await;
    assert!(matches!(view.screen, Screen::Home { .. }), "{view:?}");
    assert!(
        phone_key.key.lock().unwrap().is_some(),
        "the core asked the shell to attest"
    );
}
