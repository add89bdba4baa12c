//! certd's HTTP API on its own (in-process, real SQLite, real models):
//! validation, error bodies, lockout, isolation between people, idempotent
//! uploads, signatures, and the agency tools.

use base64::Engine as _;
use certd::config::Config;
use certd::{agency, AppState};
use lifecert::api::*;
use lifecert::evidence::{Evidence, EvidenceImage};
use lifecert::liveness::engine::Verdict;
use lifecert::liveness::{Action, RejectReason};
use reqwest::StatusCode;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const PENSIONER: (&str, &str) = agency::DEMO_PENSIONER;
const MOTHER: (&str, &str) = agency::DEMO_MOTHER;
const SON: (&str, &str) = agency::DEMO_SON;

struct Server {
    url: String,
    state: AppState,
    http: reqwest::Client,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// SQLite by default; with `CERTD_TEST_POSTGRES=postgres://user@host/db` (an
/// account that may create databases) every test gets a fresh PostgreSQL
/// database instead, so the same tests cover both back-ends.
async fn database_url() -> Option<String> {
    let admin = std::env::var("CERTD_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.is_empty())?;
    let name = format!("certd_test_{}", certd::db::new_id());
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("PostgreSQL for the tests");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    Some(format!(
        "{}/{name}",
        admin.rsplit_once('/').expect("URL with a database").0
    ))
}

/// The local folder by default; with `CERTD_TEST_S3=http://host:port` (an
/// S3-compatible server) every test gets a fresh bucket there instead.
async fn s3(id: &str) -> Option<certd::store::S3Config> {
    let endpoint = std::env::var("CERTD_TEST_S3")
        .ok()
        .filter(|v| !v.is_empty())?;
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "certd-test"),
        ("AWS_SECRET_ACCESS_KEY", "certd-test"),
    ] {
        if std::env::var_os(k).is_none() {
            std::env::set_var(k, v);
        }
    }
    let bucket = format!("certd-{id}");
    let r = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    Some(certd::store::S3Config {
        bucket,
        region: "us-east-1".into(),
        endpoint: Some(endpoint),
        allow_http: true,
    })
}

async fn server() -> Server {
    // certd's own log (internal errors) shows with the failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let id = certd::db::new_id();
    let dir = std::env::temp_dir().join(format!("certd-api-{id}"));
    let config = Config {
        data: dir.clone(),
        database_url: database_url().await,
        s3: s3(&id).await,
        // Test mode: the app's software key (attestation has its own tests).
        attestation: certd::config::AttestationConfig {
            mode: certd::config::AttestationMode::SoftwareAllowed,
            ..Default::default()
        },
        ..Config::default()
    };
    let state = AppState::open(config).await.unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/faces");
    agency::seed_demo(&state, &fixtures).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(certd::serve(state.clone(), listener));
    Server {
        url,
        state,
        http: reqwest::Client::new(),
        _dir: TempDir(dir),
    }
}

struct Session {
    token: String,
    person_id: String,
    key: Ed25519KeyPair,
}

impl Server {
    async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
        token: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
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
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, serde_json::Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    async fn register(&self, who: (&str, &str)) -> (StatusCode, serde_json::Value) {
        self.post(
            "/v1/accounts",
            json!({"name": who.0, "id_number": who.1, "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": true}),
            None,
        )
        .await
    }

    /// Registers `who`, then logs in with a new device key.
    async fn account(&self, who: (&str, &str)) -> Session {
        self.register(who).await;
        self.login(who).await
    }

    /// `by` starts a certification of `subject` (themself or a bound relative).
    async fn start(&self, subject: &Session, by: &Session) -> (StatusCode, serde_json::Value) {
        self.post(
            "/v1/certifications",
            json!({"subject_person_id": subject.person_id}),
            Some(&by.token),
        )
        .await
    }

    async fn login(&self, who: (&str, &str)) -> Session {
        let doc = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        let (s, b) = self
            .post("/v1/sessions", json!({"id_number": who.1, "password": "abc12345", "device_public_key": B64.encode(key.public_key().as_ref())}), None)
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        Session {
            token: b["access_token"].as_str().unwrap().into(),
            person_id: b["person_id"].as_str().unwrap().into(),
            key,
        }
    }

    async fn upload(
        &self,
        s: &Session,
        cert: &str,
        key: &str,
        body: &[u8],
        sig: &[u8],
    ) -> (StatusCode, serde_json::Value) {
        let res = self
            .http
            .put(format!("{}/v1/certifications/{cert}/evidence", self.url))
            .bearer_auth(&s.token)
            .header(IDEMPOTENCY_HEADER, key)
            .header(SIGNATURE_HEADER, B64.encode(sig))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

fn evidence(started: &serde_json::Value, passed: bool, jpeg: Vec<u8>) -> Vec<u8> {
    let actions: Vec<Action> = serde_json::from_value(started["actions"].clone()).unwrap();
    let img = EvidenceImage {
        action: None,
        t_ms: 0,
        width: 10,
        height: 10,
        jpeg,
        landmarks: vec![],
    };
    Evidence {
        format: 1,
        engine: "test".into(),
        nonce: started["nonce"].as_str().unwrap().into(),
        challenge: actions,
        verdict: Verdict {
            passed,
            reason: if passed {
                None
            } else {
                Some(RejectReason::ActionsMissing)
            },
            observed: vec![],
        },
        baseline: [Some(0.0); 4],
        frontal: img,
        keyframes: vec![],
        trace: vec![],
    }
    .to_json()
}

fn code(b: &serde_json::Value) -> &str {
    b["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn registration_refuses_bad_input_with_a_code_and_a_message_in_the_asked_language() {
    let srv = server().await;
    let base = json!({"name": PENSIONER.0, "id_number": PENSIONER.1, "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": true});
    let cases = [
        (
            "id_number",
            json!("110105194812090024"),
            "invalid_id_number",
        ),
        ("mobile_again", json!("13800138001"), "invalid_mobile"),
        ("password", json!("short"), "weak_password"),
        ("terms_accepted", json!(false), "terms_not_accepted"),
        ("name", json!("赵桂芬"), "name_mismatch"),
    ];
    for (field, value, expected) in cases {
        let mut body = base.clone();
        body[field] = value;
        let (s, b) = srv.post("/v1/accounts", body, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {b}");
        assert_eq!(code(&b), expected, "{field}");
        assert!(
            b["message"].as_str().unwrap().is_ascii(),
            "English asked: {b}"
        );
    }
    assert_eq!(srv.register(PENSIONER).await.0, StatusCode::CREATED);
    let (s, b) = srv.register(PENSIONER).await;
    assert_eq!((s, code(&b)), (StatusCode::CONFLICT, "account_exists"));
}

#[tokio::test]
async fn malformed_json_wrong_types_and_huge_bodies_get_json_4xx_never_5xx() {
    let srv = server().await;
    let send = |body: Vec<u8>| {
        srv.http
            .post(format!("{}/v1/accounts", srv.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    for (body, expected) in [
        (b"{".to_vec(), StatusCode::BAD_REQUEST),
        (br#"{"name": 5}"#.to_vec(), StatusCode::BAD_REQUEST),
        (vec![b' '; 2 * 1024 * 1024], StatusCode::PAYLOAD_TOO_LARGE),
    ] {
        let res = send(body).await.unwrap();
        assert_eq!(res.status(), expected);
        let b: serde_json::Value = res.json().await.unwrap();
        assert!(b["code"].is_string() && b["message"].is_string(), "{b}");
    }
    let res = srv
        .http
        .get(format!("{}/v1/nowhere", srv.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["code"],
        "not_found"
    );
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_a_while() {
    let srv = server().await;
    srv.register(PENSIONER).await;
    let key = B64.encode([7u8; 32]);
    for i in 0..5 {
        let (s, b) = srv.post("/v1/sessions", json!({"id_number": PENSIONER.1, "password": "wrong1234", "device_public_key": key}), None).await;
        let expected = if i < 4 {
            "wrong_credentials"
        } else {
            "locked_out"
        };
        assert_eq!(code(&b), expected, "attempt {i}: {s}");
    }
    // Even the right password waits now.
    let (s, b) = srv
        .post(
            "/v1/sessions",
            json!({"id_number": PENSIONER.1, "password": "abc12345", "device_public_key": key}),
            None,
        )
        .await;
    assert_eq!((s, code(&b)), (StatusCode::TOO_MANY_REQUESTS, "locked_out"));
    assert!(b["retry_after_s"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn nobody_reads_or_acts_on_another_persons_data() {
    let srv = server().await;
    let a = srv.account(PENSIONER).await;
    let b = srv.account(MOTHER).await;
    let (s, started) = srv.start(&b, &a).await;
    assert_eq!(
        (s, code(&started)),
        (StatusCode::FORBIDDEN, "not_your_relative")
    );
    let (s, _) = srv
        .get(&format!("/v1/records?person_id={}", b.person_id), &a.token)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, b_started) = srv.start(&b, &b).await;
    let b_cert = b_started["certification_id"].as_str().unwrap();
    assert_eq!(
        srv.get(&format!("/v1/certifications/{b_cert}"), &a.token)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let body = evidence(&b_started, false, vec![]);
    let (s, _) = srv
        .upload(&a, b_cert, "k1", &body, a.key.sign(&body).as_ref())
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv.get("/v1/home", "not-a-token").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_upload_is_signed_bound_to_its_challenge_and_idempotent() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (s, started) = srv.start(&me, &me).await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let n = started["actions"].as_array().unwrap().len();
    assert!((2..=3).contains(&n));
    let cert = started["certification_id"].as_str().unwrap();

    // Signed by another key: refused, nothing recorded.
    let body = evidence(&started, true, b"not a jpeg".to_vec());
    let other = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let (s, b) = srv
        .upload(&me, cert, "k1", &body, other.sign(&body).as_ref())
        .await;
    assert_eq!((s, code(&b)), (StatusCode::UNAUTHORIZED, "bad_signature"));
    // A corrupt JPEG: a clear 4xx, never a 5xx.
    let (s, b) = srv
        .upload(&me, cert, "k1", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    // Another challenge's nonce.
    let mut wrong = started.clone();
    wrong["nonce"] = json!("00");
    let body = evidence(&wrong, true, vec![]);
    let (s, b) = srv
        .upload(&me, cert, "k1", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );

    // The app's own verdict was "not passed": decided as failed, once.
    let body = evidence(&started, false, vec![]);
    let (s, first) = srv
        .upload(&me, cert, "k2", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    assert_eq!(first["outcome"], "failed");
    assert_eq!(first["reason"], "actions_not_seen");
    let (s, again) = srv
        .upload(&me, cert, "k2", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(
        (s, &again),
        (StatusCode::OK, &first),
        "a retry gets the same answer"
    );
    let (s, b) = srv
        .upload(&me, cert, "k3", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!((s, code(&b)), (StatusCode::CONFLICT, "already_decided"));
    // The evidence is kept, byte for byte, in the configured store.
    let kept = srv
        .state
        .store
        .get(&format!("evidence/{}/{cert}.json", me.person_id))
        .await
        .unwrap();
    assert_eq!(kept, body);
    let (_, records) = srv.get("/v1/records", &me.token).await;
    assert_eq!(records["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn binding_needs_the_relatives_agreement_and_guessing_is_rate_limited() {
    let srv = server().await;
    let son = srv.account(SON).await;
    let mother = srv.account(MOTHER).await;
    let (s, b) = srv
        .post(
            "/v1/relatives",
            json!({"name": "陈秀英", "id_number": MOTHER.1, "relation": "母亲"}),
            Some(&son.token),
        )
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "not_in_roster"),
        "a wrong name reveals nothing"
    );
    let (s, binding) = srv
        .post(
            "/v1/relatives",
            json!({"name": MOTHER.0, "id_number": MOTHER.1, "relation": "母亲"}),
            Some(&son.token),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{binding}");
    assert_eq!(binding["state"], "pending");
    let (s, _) = srv.start(&mother, &son).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "pending is not agreed");
    let (_, home) = srv.get("/v1/home", &mother.token).await;
    let request = home["requests"][0]["binding_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, _) = srv
        .post(
            &format!("/v1/relatives/{request}/accept"),
            json!({}),
            Some(&son.token),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "only the relative can agree");
    let (s, _) = srv
        .post(
            &format!("/v1/relatives/{request}/accept"),
            json!({}),
            Some(&mother.token),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = srv.start(&mother, &son).await;
    assert_eq!(s, StatusCode::CREATED);
    for _ in 0..8 {
        srv.post(
            "/v1/relatives",
            json!({"name": "张三", "id_number": "11010519491231002X", "relation": "父亲"}),
            Some(&son.token),
        )
        .await;
    }
    let (s, b) = srv
        .post(
            "/v1/relatives",
            json!({"name": "张三", "id_number": "11010519491231002X", "relation": "父亲"}),
            Some(&son.token),
        )
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}

#[tokio::test]
async fn agency_tools_import_check_every_line_and_big_data_changes_status() {
    let srv = server().await;
    let bad = "name,id_number,category,region,benefit_start\n张三,11010519491231002X,enterprise,110105,2010-01\n李四,110105194912310021,enterprise,110105,2010-13\n";
    let errors = agency::import_roster(&srv.state, bad).await.unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        certd::people::by_id_number(&srv.state, "11010519491231002X")
            .await
            .unwrap()
            .is_none(),
        "nothing imported"
    );

    let big = format!(
        "id_number,date,kind\n{},2026-01-05,alive\n{},2026-02-01,death\n",
        PENSIONER.1, MOTHER.1
    );
    assert_eq!(agency::import_big_data(&srv.state, &big).await.unwrap(), 2);
    let lang = lifecert::i18n::Language::En;
    let p = certd::people::by_id_number(&srv.state, PENSIONER.1)
        .await
        .unwrap()
        .unwrap();
    let s = certd::people::status(&srv.state, &p, lang).await.unwrap();
    assert_eq!(
        s.certified_by,
        Some(lifecert::rules::calendar::CertificationMethod::BigData)
    );
    let m = certd::people::by_id_number(&srv.state, MOTHER.1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        certd::people::status(&srv.state, &m, lang)
            .await
            .unwrap()
            .kind,
        lifecert::rules::calendar::StatusKind::Stopped
    );
    let report = agency::report(&srv.state).await.unwrap();
    assert_eq!(report.get("stopped"), Some(&1));
    assert!(
        report.get("certified").is_some_and(|&n| n >= 1),
        "{report:?}"
    );
    let people: usize = report
        .iter()
        .filter(|(k, _)| *k != "pending_review")
        .map(|(_, n)| n)
        .sum();
    assert_eq!(people, 3, "every demo pensioner counted once: {report:?}");
}

#[test]
fn the_committed_openapi_document_is_the_served_one() {
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.json"),
    )
    .unwrap();
    assert_eq!(
        committed.trim(),
        certd::http::openapi_json().trim(),
        "run `cargo run -p lifecert-server --bin certd -- openapi > server/openapi.json`"
    );
}

#[tokio::test]
async fn the_third_failure_in_a_cycle_goes_to_review_and_a_reviewer_can_pass_it_with_a_receipt() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let mut outcomes = Vec::new();
    for i in 0..3 {
        let (_, started) = srv.start(&me, &me).await;
        let cert = started["certification_id"].as_str().unwrap().to_string();
        let body = evidence(&started, false, vec![]);
        let (s, rec) = srv
            .upload(
                &me,
                &cert,
                &format!("key-{i}"),
                &body,
                me.key.sign(&body).as_ref(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{rec}");
        outcomes.push((
            cert,
            rec["outcome"].as_str().unwrap().to_string(),
            rec["reason"].clone(),
        ));
    }
    assert_eq!(outcomes[0].1, "failed");
    assert_eq!(outcomes[1].1, "failed");
    assert_eq!(outcomes[2].1, "pending_review");
    assert_eq!(outcomes[2].2, "too_many_failures");
    let queue = agency::review_queue(&srv.state).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].certification_id, outcomes[2].0);
    agency::decide(&srv.state, &outcomes[2].0, true)
        .await
        .unwrap();
    assert!(
        agency::decide(&srv.state, &outcomes[2].0, true)
            .await
            .is_err(),
        "decided once"
    );
    let (_, rec) = srv
        .get(&format!("/v1/certifications/{}", outcomes[2].0), &me.token)
        .await;
    assert_eq!(rec["outcome"], "passed");
    let receipt: Receipt = serde_json::from_value(rec["receipt"].clone()).unwrap();
    let (_, key) = srv.get("/v1/receipt-key", &me.token).await;
    let key = B64.decode(key["public_key"].as_str().unwrap()).unwrap();
    let claims = verify_receipt(&receipt, &key).expect("a receipt signed by the server");
    assert_eq!(claims.subject_person_id, me.person_id);
}
