//! certd's HTTP API on its own (in-process, real SQLite, real models):
//! validation, error bodies, lockout, isolation between people, idempotent
//! uploads, signatures, and the agency tools.

use base64::Engine as _;
use certd::config::Config;
use certd::{agency, AppState};
use lifecert_domain::api::*;
use lifecert_liveness::evidence::{Evidence, EvidenceImage};
use lifecert_liveness::liveness::engine::Verdict;
use lifecert_liveness::liveness::{Action, RejectReason};
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
    server_with(|_| {}).await
}

/// A server whose config `tune` adjusts first. Tests play several clients
/// through `X-Forwarded-For` (as if certd sat behind a proxy).
async fn server_with(tune: impl FnOnce(&mut Config)) -> Server {
    // certd's own log (internal errors) shows with the failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let id = certd::db::new_id();
    let dir = std::env::temp_dir().join(format!("certd-api-{id}"));
    let mut config = Config {
        data: dir.clone(),
        database_url: database_url().await,
        s3: s3(&id).await,
        trust_forwarded_for: true,
        // Test mode: the app's software key (attestation has its own tests).
        attestation: certd::config::AttestationConfig {
            mode: certd::config::AttestationMode::SoftwareAllowed,
            ..Default::default()
        },
        ..Config::default()
    };
    tune(&mut config);
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

    async fn put(
        &self,
        path: &str,
        body: serde_json::Value,
        token: &str,
    ) -> (StatusCode, serde_json::Value) {
        let res = self
            .http
            .put(format!("{}{path}", self.url))
            .header("accept-language", "en")
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
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
        t_ms: 0,
        width: 10,
        height: 10,
        jpeg,
    };
    Evidence {
        format: lifecert_liveness::evidence::FORMAT_VERSION,
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
        started_at_ms: 0,
        frame_size: [640, 480],
        flash: true,
        frontal: img,
        sequence: vec![],
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
    // Both are who they say (at the counter): the son may ask, she may agree.
    agency::verify_account(&srv.state, SON.1).await.unwrap();
    agency::verify_account(&srv.state, MOTHER.1).await.unwrap();
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
    let lang = lifecert_domain::i18n::Language::En;
    let p = certd::people::by_id_number(&srv.state, PENSIONER.1)
        .await
        .unwrap()
        .unwrap();
    let s = certd::people::status(&srv.state, &p, lang).await.unwrap();
    assert_eq!(
        s.certified_by,
        Some(lifecert_domain::rules::calendar::CertificationMethod::BigData)
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
        lifecert_domain::rules::calendar::StatusKind::Stopped
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
async fn failures_the_server_never_judged_stay_out_of_review_and_a_reviewer_can_pass_one() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let mut certs = Vec::new();
    for i in 0..4 {
        let (_, started) = srv.start(&me, &me).await;
        let cert = started["certification_id"].as_str().unwrap().to_string();
        // The app's own "not passed": nothing for the server to judge.
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
        assert_eq!(
            rec["outcome"], "failed",
            "attempt {i}: junk never goes to a person"
        );
        certs.push(cert);
    }
    assert!(agency::review_queue(&srv.state).await.unwrap().is_empty());
    // A judged borderline case waits for a reviewer (set here directly until
    // the tests can make real borderline evidence), who passes it.
    sqlx::query(
        "UPDATE certifications SET outcome = 'review', reason = 'borderline_match' WHERE id = $1",
    )
    .bind(&certs[3])
    .execute(&srv.state.db)
    .await
    .unwrap();
    let queue = agency::review_queue(&srv.state).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].certification_id, certs[3]);
    // While it waits, the record says by which working day staff decide: the
    // default region's 5 (the ministry's), holidays skipped.
    let (_, rec) = srv
        .get(&format!("/v1/certifications/{}", certs[3]), &me.token)
        .await;
    let by: lifecert_domain::rules::date::CalendarDate =
        serde_json::from_value(rec["review_by"].clone()).expect("a review date");
    let today = lifecert_domain::rules::date::today_in_china();
    assert_eq!(
        by,
        lifecert_domain::rules::working_days::add_working_days(today, 5)
    );
    agency::decide(&srv.state, &certs[3], true).await.unwrap();
    assert!(
        agency::decide(&srv.state, &certs[3], true).await.is_err(),
        "decided once"
    );
    let (_, rec) = srv
        .get(&format!("/v1/certifications/{}", certs[3]), &me.token)
        .await;
    assert_eq!(rec["outcome"], "passed");
    assert!(
        rec.get("review_by").is_none(),
        "decided: no date to wait for"
    );
    let receipt: Receipt = serde_json::from_value(rec["receipt"].clone()).unwrap();
    let (_, key) = srv.get("/v1/receipt-key", &me.token).await;
    let key = B64.decode(key["public_key"].as_str().unwrap()).unwrap();
    let claims = verify_receipt(&receipt, &key).expect("a receipt signed by the server");
    assert_eq!(claims.subject_person_id, me.person_id);
    // The reviewer saw her own face: her account is verified now.
    let (_, home) = srv.get("/v1/home", &me.token).await;
    assert_eq!(home["account_verified"], true);
}

// ---- Issue 13: accounts only their owner can open; a server that holds under abuse.

/// A POST from client `ip` (through the trusted `X-Forwarded-For`), with
/// owned arguments so that many can run at once.
async fn post_from(
    http: reqwest::Client,
    url: String,
    ip: String,
    path: &'static str,
    body: serde_json::Value,
    token: Option<String>,
) -> (StatusCode, serde_json::Value) {
    let mut rb = http
        .post(format!("{url}{path}"))
        .header("accept-language", "en")
        .header("x-forwarded-for", ip)
        .json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let res = rb.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(serde_json::Value::Null))
}

impl Server {
    async fn login_from(
        &self,
        ip: &str,
        id_number: &str,
        password: &str,
        device: [u8; 32],
    ) -> (StatusCode, serde_json::Value) {
        post_from(
            self.http.clone(),
            self.url.clone(),
            ip.into(),
            "/v1/sessions",
            json!({"id_number": id_number, "password": password, "device_public_key": B64.encode(device)}),
            None,
        )
        .await
    }

    async fn register_from(
        &self,
        ip: &str,
        name: &str,
        id_number: &str,
    ) -> (StatusCode, serde_json::Value) {
        post_from(
            self.http.clone(),
            self.url.clone(),
            ip.into(),
            "/v1/accounts",
            json!({"name": name, "id_number": id_number, "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": true}),
            None,
        )
        .await
    }

    /// Binds `who` as `by`'s relative (a pending request).
    async fn bind(&self, by: &Session, who: (&str, &str)) -> (StatusCode, serde_json::Value) {
        self.post(
            "/v1/relatives",
            json!({"name": who.0, "id_number": who.1, "relation": "母亲"}),
            Some(&by.token),
        )
        .await
    }
}

/// A valid resident ID number (with its check character) from 17 digits.
fn id_number(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!(
        "{first17}{}",
        "10X98765432".as_bytes()[(sum % 11) as usize] as char
    )
}

fn status_code(answers: &[(StatusCode, serde_json::Value)]) -> Vec<(u16, String, bool)> {
    answers
        .iter()
        .map(|(s, b)| (s.as_u16(), code(b).to_string(), b["retry_after_s"].is_u64()))
        .collect()
}

#[tokio::test]
async fn forty_concurrent_guesses_at_one_account_get_five_password_checks_at_most() {
    let srv = server().await;
    srv.register(PENSIONER).await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let password = if i == 20 { "abc12345" } else { "wrong1234" };
        set.spawn(post_from(
            srv.http.clone(),
            srv.url.clone(),
            "10.0.0.9".into(),
            "/v1/sessions",
            json!({"id_number": PENSIONER.1, "password": password, "device_public_key": B64.encode([7u8; 32])}),
            None,
        ));
    }
    let mut checked = 0;
    while let Some(r) = set.join_next().await {
        let (s, b) = r.unwrap();
        assert!(
            s == StatusCode::OK
                || s == StatusCode::UNAUTHORIZED
                || s == StatusCode::TOO_MANY_REQUESTS,
            "{s} {b}"
        );
        // Refused without a check: locked_out. (The fifth wrong check also
        // answers locked_out, so this counts at most the checks.)
        if code(&b) != "locked_out" {
            checked += 1;
        }
    }
    assert!(
        checked <= 5,
        "{checked} passwords checked against a limit of 5"
    );
}

#[tokio::test]
async fn a_stranger_who_knows_the_id_number_cannot_lock_the_owner_out_of_their_phone() {
    let srv = server_with(|c| c.login_failures_per_account = 8).await;
    srv.register(PENSIONER).await;
    let phone = [1u8; 32];
    let (s, _) = srv
        .login_from("10.1.1.1", PENSIONER.1, "abc12345", phone)
        .await;
    assert_eq!(s, StatusCode::OK, "the owner's phone, once");
    // A stranger guesses from one address: locked out after five.
    let mut answers = Vec::new();
    for _ in 0..6 {
        answers.push(
            srv.login_from("10.6.6.6", PENSIONER.1, "wrong1234", [6u8; 32])
                .await,
        );
    }
    assert_eq!(code(&answers[3].1), "wrong_credentials");
    assert_eq!(code(&answers[4].1), "locked_out");
    assert_eq!(code(&answers[5].1), "locked_out");
    let (s, b) = srv
        .login_from("10.6.6.6", PENSIONER.1, "abc12345", [6u8; 32])
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "locked_out"),
        "even the right password, from the guesser"
    );
    // The owner, elsewhere, still gets in.
    let (s, b) = srv
        .login_from("10.1.1.2", PENSIONER.1, "abc12345", phone)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // A guesser with many addresses hits the account-wide limit (8)...
    for i in 0..3 {
        srv.login_from(&format!("10.6.7.{i}"), PENSIONER.1, "wrong1234", [6u8; 32])
            .await;
    }
    let (s, b) = srv
        .login_from("10.6.8.1", PENSIONER.1, "abc12345", [8u8; 32])
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "locked_out"),
        "a new device waits now"
    );
    // ...which does not hold the phone the owner has logged in with before.
    let (s, b) = srv
        .login_from("10.1.1.3", PENSIONER.1, "abc12345", phone)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
}

#[tokio::test]
async fn a_client_guessing_across_many_accounts_is_throttled_on_its_own() {
    let srv = server_with(|c| c.login_failures_per_client = 3).await;
    srv.register(PENSIONER).await;
    for (i, seq) in ["001", "002", "003"].iter().enumerate() {
        let (s, b) = srv
            .login_from(
                "10.7.7.7",
                &id_number(&format!("11010519500101{seq}")),
                "wrong1234",
                [7u8; 32],
            )
            .await;
        let expected = if i < 2 {
            "wrong_credentials"
        } else {
            "locked_out"
        };
        assert_eq!(code(&b), expected, "{s}");
    }
    let (s, b) = srv
        .login_from("10.7.7.7", PENSIONER.1, "abc12345", [7u8; 32])
        .await;
    assert_eq!((s, code(&b)), (StatusCode::TOO_MANY_REQUESTS, "locked_out"));
    let (s, b) = srv
        .login_from("10.8.8.8", PENSIONER.1, "abc12345", [8u8; 32])
        .await;
    assert_eq!(s, StatusCode::OK, "another client is not held: {b}");
}

#[tokio::test]
async fn known_and_unknown_id_numbers_answer_alike_and_lock_alike() {
    let srv = server().await;
    srv.register(PENSIONER).await;
    let unknown = id_number("11010519500101123");
    let mut known_answers = Vec::new();
    let mut unknown_answers = Vec::new();
    for _ in 0..6 {
        known_answers.push(
            srv.login_from("10.4.4.1", PENSIONER.1, "wrong1234", [4u8; 32])
                .await,
        );
        unknown_answers.push(
            srv.login_from("10.4.4.2", &unknown, "wrong1234", [4u8; 32])
                .await,
        );
    }
    assert_eq!(status_code(&known_answers), status_code(&unknown_answers));
    assert_eq!(
        code(&unknown_answers[5].1),
        "locked_out",
        "unknown numbers lock too"
    );
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

#[tokio::test]
async fn log_ins_take_as_long_whether_or_not_the_id_number_has_an_account() {
    let srv = server().await;
    srv.register(PENSIONER).await;
    let unknown = id_number("11010519500101123");
    let (mut known, mut absent) = (Vec::new(), Vec::new());
    // Interleaved, each from its own client (no lockout), after a warm-up:
    // the medians must be close (the same queries and one argon2 each).
    for i in 0..25 {
        let t = std::time::Instant::now();
        srv.login_from(&format!("10.5.1.{i}"), PENSIONER.1, "wrong1234", [5u8; 32])
            .await;
        let k = t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        srv.login_from(&format!("10.5.2.{i}"), &unknown, "wrong1234", [5u8; 32])
            .await;
        let u = t.elapsed().as_secs_f64();
        if i >= 3 {
            known.push(k);
            absent.push(u);
        }
    }
    let (k, u) = (median(known), median(absent));
    let ratio = k.max(u) / k.min(u);
    assert!(
        ratio < 1.5,
        "known {:.1} ms, unknown {:.1} ms",
        k * 1e3,
        u * 1e3
    );
}

/// CPU time of the calling thread so far.
fn thread_cpu() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// One runtime thread (the test's own, `current_thread`) runs certd and the
// clients: every CPU second spent on it during the flood is work the async
// runtime did. argon2 on it would cost 24 hashes of that thread's CPU and
// make /healthz queue behind them; off the runtime the hashes run on the
// blocking pool and the runtime thread only routes requests.
#[tokio::test]
async fn argon2_runs_off_the_async_runtime_so_healthz_answers_during_a_login_flood() {
    let srv = server().await;
    // What one verification costs, on this thread, to scale the bound.
    let before = thread_cpu();
    assert!(!certd::auth::verify_password(
        "wrong1234",
        &srv.state.dummy_hash
    ));
    let one_hash = thread_cpu() - before;

    let started = std::time::Instant::now();
    let cpu_started = thread_cpu();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..24 {
        set.spawn(post_from(
            srv.http.clone(),
            srv.url.clone(),
            format!("10.9.0.{i}"),
            "/v1/sessions",
            json!({"id_number": id_number(&format!("110105195001019{i:02}")), "password": "wrong1234", "device_public_key": B64.encode([9u8; 32])}),
            None,
        ));
    }
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let t = std::time::Instant::now();
    let res = srv
        .http
        .get(format!("{}/healthz", srv.url))
        .send()
        .await
        .unwrap();
    let health = t.elapsed();
    assert_eq!(res.status(), StatusCode::OK);
    while let Some(r) = set.join_next().await {
        assert_eq!(r.unwrap().0, StatusCode::UNAUTHORIZED);
    }
    let runtime_cpu = thread_cpu() - cpu_started;
    let flood = started.elapsed();
    assert!(
        runtime_cpu < one_hash * 6,
        "the runtime thread spent {runtime_cpu:?} on 24 log-ins (one hash: {one_hash:?})"
    );
    assert!(
        health * 3 < flood,
        "/healthz took {health:?} during a flood of {flood:?}"
    );
}

#[tokio::test]
async fn registration_name_checks_are_limited_per_client_and_per_id_number() {
    let srv = server().await;
    for _ in 0..5 {
        let (s, b) = srv.register_from("10.2.2.2", "赵桂芬", PENSIONER.1).await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::UNPROCESSABLE_ENTITY, "name_mismatch")
        );
    }
    let (s, b) = srv
        .register_from("10.2.2.2", PENSIONER.0, PENSIONER.1)
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "this client is done guessing"
    );
    let (s, b) = srv
        .register_from("10.3.3.3", PENSIONER.0, PENSIONER.1)
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "so is this ID number, from anywhere"
    );
    let (s, b) = srv.register_from("10.2.2.2", MOTHER.0, MOTHER.1).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "the client, for any ID number"
    );
    let (s, b) = srv.register_from("10.3.3.3", MOTHER.0, MOTHER.1).await;
    assert_eq!(s, StatusCode::CREATED, "others register as usual: {b}");
}

#[tokio::test]
async fn an_unverified_account_acts_in_nobodys_name_until_verified() {
    let srv = server().await;
    let son = srv.account(SON).await;
    let mother = srv.account(MOTHER).await;
    let (_, home) = srv.get("/v1/home", &son.token).await;
    assert_eq!(home["account_verified"], false);
    let (s, b) = srv.bind(&son, MOTHER).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "account_not_verified")
    );

    agency::verify_account(&srv.state, SON.1).await.unwrap();
    let (_, home) = srv.get("/v1/home", &son.token).await;
    assert_eq!(home["account_verified"], true);
    let (s, binding) = srv.bind(&son, MOTHER).await;
    assert_eq!(s, StatusCode::CREATED, "{binding}");
    let id = binding["binding_id"].as_str().unwrap();
    // The mother's account is only registered: her agreement waits.
    let (s, b) = srv
        .post(
            &format!("/v1/relatives/{id}/accept"),
            json!({}),
            Some(&mother.token),
        )
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::FORBIDDEN, "account_not_verified")
    );
    // She may still certify herself (that is how she verifies).
    assert_eq!(srv.start(&mother, &mother).await.0, StatusCode::CREATED);
    assert_eq!(srv.start(&mother, &son).await.0, StatusCode::FORBIDDEN);
    // At the counter she agrees in person.
    agency::approve_binding(&srv.state, SON.1, MOTHER.1)
        .await
        .unwrap();
    assert_eq!(srv.start(&mother, &son).await.0, StatusCode::CREATED);

    // A counter approval needs a verified requester too.
    let pensioner = srv.account(PENSIONER).await;
    sqlx::query("INSERT INTO bindings (id, requester_id, relative_id, relation, state, created_ms) VALUES ('b2', $1, $2, 'x', 'pending', 0)")
        .bind(&pensioner.person_id)
        .bind(&mother.person_id)
        .execute(&srv.state.db)
        .await
        .unwrap();
    assert!(agency::approve_binding(&srv.state, PENSIONER.1, MOTHER.1)
        .await
        .is_err());
}

#[tokio::test]
async fn a_roster_import_never_adopts_an_unverified_account() {
    let srv = server().await;
    let squatted = ("张三", id_number("11010519500101456").leak() as &str);
    let verified = ("李四", id_number("11010519500101789").leak() as &str);
    assert_eq!(srv.register(squatted).await.0, StatusCode::CREATED);
    srv.register(verified).await;
    agency::verify_account(&srv.state, verified.1)
        .await
        .unwrap();
    let roster = format!(
        "name,id_number,category,region,benefit_start\n{},{},enterprise_pension,110105,2010-01\n{},{},enterprise_pension,110105,2010-01\n",
        squatted.0, squatted.1, verified.0, verified.1
    );
    agency::import_roster(&srv.state, &roster).await.unwrap();
    let (s, _) = srv
        .login_from("10.1.2.3", squatted.1, "abc12345", [1u8; 32])
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the squatter's account is gone"
    );
    assert_eq!(
        srv.register(squatted).await.0,
        StatusCode::CREATED,
        "the pensioner registers afresh"
    );
    let (s, _) = srv
        .login_from("10.1.2.3", verified.1, "abc12345", [1u8; 32])
        .await;
    assert_eq!(s, StatusCode::OK, "a verified account stays");
}

#[tokio::test]
async fn a_pending_binding_shows_nothing_about_the_person() {
    let srv = server().await;
    let son = srv.account(SON).await;
    let mother = srv.account(MOTHER).await;
    agency::verify_account(&srv.state, SON.1).await.unwrap();
    let (_, own) = srv.get("/v1/home", &mother.token).await;
    let due = own["me"]["status"]["next_due"].clone();
    assert!(!due.is_null(), "{own}");
    let (_, binding) = srv.bind(&son, MOTHER).await;
    let (_, home) = srv.get("/v1/home", &son.token).await;
    for shown in [&binding["person"], &home["relatives"][0]["person"]] {
        assert!(shown["status"]["next_due"].is_null(), "{shown}");
        assert!(shown["status"]["suspended_from"].is_null(), "{shown}");
        assert_eq!(shown["template_enrolled"], false);
        assert!(!shown.to_string().contains(&due.to_string()), "{shown}");
    }
    agency::approve_binding(&srv.state, SON.1, MOTHER.1)
        .await
        .unwrap();
    let (_, home) = srv.get("/v1/home", &son.token).await;
    assert_eq!(
        home["relatives"][0]["person"]["status"]["next_due"], due,
        "shown once agreed"
    );
}

#[tokio::test]
async fn forty_concurrent_binds_are_held_to_the_daily_limit() {
    let srv = server().await;
    let son = srv.account(SON).await;
    agency::verify_account(&srv.state, SON.1).await.unwrap();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..40 {
        set.spawn(post_from(
            srv.http.clone(),
            srv.url.clone(),
            "10.0.0.1".into(),
            "/v1/relatives",
            json!({"name": "张三", "id_number": "11010519491231002X", "relation": "父亲"}),
            Some(son.token.clone()),
        ));
    }
    let mut processed = 0;
    while let Some(r) = set.join_next().await {
        if r.unwrap().0 != StatusCode::TOO_MANY_REQUESTS {
            processed += 1;
        }
    }
    assert_eq!(processed, 10, "processed against a limit of 10");
}

#[tokio::test]
async fn an_upload_after_the_relative_unbound_or_after_a_death_is_refused() {
    let srv = server().await;
    let son = srv.account(SON).await;
    let mother = srv.account(MOTHER).await;
    agency::verify_account(&srv.state, SON.1).await.unwrap();
    let (_, binding) = srv.bind(&son, MOTHER).await;
    agency::approve_binding(&srv.state, SON.1, MOTHER.1)
        .await
        .unwrap();
    let (_, started) = srv.start(&mother, &son).await;
    let cert = started["certification_id"].as_str().unwrap();
    let res = srv
        .http
        .delete(format!(
            "{}/v1/relatives/{}",
            srv.url,
            binding["binding_id"].as_str().unwrap()
        ))
        .bearer_auth(&son.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let body = evidence(&started, false, vec![]);
    let (s, b) = srv
        .upload(&son, cert, "k1", &body, son.key.sign(&body).as_ref())
        .await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "not_your_relative"));

    let me = srv.account(PENSIONER).await;
    let (_, started) = srv.start(&me, &me).await;
    let cert = started["certification_id"].as_str().unwrap();
    let death = format!("id_number,date,kind\n{},2026-02-01,death\n", PENSIONER.1);
    agency::import_big_data(&srv.state, &death).await.unwrap();
    let body = evidence(&started, false, vec![]);
    let (s, b) = srv
        .upload(&me, cert, "k2", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!((s, code(&b)), (StatusCode::CONFLICT, "benefit_stopped"));
    let (_, records) = srv.get("/v1/records", &me.token).await;
    assert_eq!(
        records["records"].as_array().unwrap().len(),
        0,
        "nothing decided"
    );
}

/// Starts a certification of `me` by `me` and returns (started, certification id).
async fn started(srv: &Server, me: &Session) -> (serde_json::Value, String) {
    let (s, started) = srv.start(me, me).await;
    assert_eq!(s, StatusCode::CREATED, "{started}");
    let id = started["certification_id"].as_str().unwrap().to_string();
    (started, id)
}

#[tokio::test]
async fn of_two_concurrent_uploads_only_the_winners_evidence_is_stored() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    for round in 0..4 {
        let (started, cert) = started(&srv, &me).await;
        // Two different bodies for one challenge (the second carries a byte more).
        let bodies = [
            evidence(&started, false, vec![]),
            evidence(&started, false, vec![1]),
        ];
        let mut set = tokio::task::JoinSet::new();
        for (i, body) in bodies.iter().enumerate() {
            let (http, url, token) = (srv.http.clone(), srv.url.clone(), me.token.clone());
            let (cert, body, sig) = (
                cert.clone(),
                body.clone(),
                me.key.sign(body).as_ref().to_vec(),
            );
            set.spawn(async move {
                let res = http
                    .put(format!("{url}/v1/certifications/{cert}/evidence"))
                    .bearer_auth(token)
                    .header(IDEMPOTENCY_HEADER, format!("key-{round}-{i}"))
                    .header(SIGNATURE_HEADER, B64.encode(sig))
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let s = res.status();
                (i, s, res.json::<serde_json::Value>().await.unwrap())
            });
        }
        let mut winners = Vec::new();
        while let Some(r) = set.join_next().await {
            let (i, s, b) = r.unwrap();
            if s == StatusCode::OK {
                winners.push(i);
            } else {
                assert_eq!(s, StatusCode::CONFLICT, "{b}");
                assert!(
                    ["upload_in_progress", "already_decided"].contains(&code(&b)),
                    "{b}"
                );
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        let kept = srv
            .state
            .store
            .get(&format!("evidence/{}/{cert}.json", me.person_id))
            .await
            .unwrap();
        assert_eq!(kept, bodies[winners[0]], "round {round}: the winner's body");
    }
}

#[tokio::test]
async fn an_expired_challenge_and_an_earlier_challenges_evidence_are_refused() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    // Evidence made for one challenge, offered to the next: its nonce is wrong.
    let (first, _) = started(&srv, &me).await;
    let (second, cert2) = started(&srv, &me).await;
    let old = evidence(&first, false, vec![]);
    let (s, b) = srv
        .upload(&me, &cert2, "reused", &old, me.key.sign(&old).as_ref())
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "evidence_invalid")
    );
    // A challenge past its time: 410, and it stays expired.
    sqlx::query("UPDATE certifications SET expires_ms = $1 WHERE id = $2")
        .bind(1_i64)
        .bind(&cert2)
        .execute(&srv.state.db)
        .await
        .unwrap();
    let body = evidence(&second, false, vec![]);
    for key in ["late-1", "late-2"] {
        let (s, b) = srv
            .upload(&me, &cert2, key, &body, me.key.sign(&body).as_ref())
            .await;
        assert_eq!(
            (s, code(&b)),
            (StatusCode::GONE, "challenge_expired"),
            "{key}"
        );
    }
}

#[tokio::test]
async fn the_template_photo_is_shown_small_grey_and_only_to_the_person_or_their_relatives() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let get = |who: Option<&Session>, person: &str| {
        let mut req = srv
            .http
            .get(format!("{}/v1/people/{person}/template", srv.url));
        if let Some(s) = who {
            req = req.bearer_auth(&s.token);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status();
            (status, res.bytes().await.unwrap().to_vec())
        }
    };
    let (s, jpeg) = get(Some(&me), &me.person_id).await;
    assert_eq!(s, StatusCode::OK);
    let img = image::load_from_memory(&jpeg).unwrap();
    assert_eq!(img.color(), image::ColorType::L8, "grey");
    assert!(
        img.width() <= 120 && img.height() <= 160,
        "{}x{}",
        img.width(),
        img.height()
    );
    assert!(jpeg.len() < 20_000, "{} bytes", jpeg.len());
    // Nobody else: not a stranger, not without a session.
    let stranger = srv.account(SON).await;
    let (s, b) = get(Some(&stranger), &me.person_id).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let b: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(code(&b), "not_your_relative");
    assert_eq!(get(None, &me.person_id).await.0, StatusCode::UNAUTHORIZED);
    // No template yet: said so, with its code.
    let none = srv.account(agency::DEMO_NO_TEMPLATE).await;
    let (s, b) = get(Some(&none), &none.person_id).await;
    let b: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!((s, code(&b)), (StatusCode::NOT_FOUND, "no_template"));
}

#[tokio::test]
async fn an_idempotency_key_of_another_certification_gets_409_with_a_code() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (first, cert1) = started(&srv, &me).await;
    let body = evidence(&first, false, vec![]);
    let (s, _) = srv
        .upload(&me, &cert1, "same-key", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(s, StatusCode::OK);
    let (second, cert2) = started(&srv, &me).await;
    let body = evidence(&second, false, vec![]);
    let (s, b) = srv
        .upload(&me, &cert2, "same-key", &body, me.key.sign(&body).as_ref())
        .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "idempotency_key_reused")
    );
}

#[tokio::test]
async fn ten_concurrent_uploads_with_one_key_make_one_record() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (started, cert) = started(&srv, &me).await;
    let body = evidence(&started, false, vec![]);
    let sig = me.key.sign(&body).as_ref().to_vec();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (http, url, token) = (srv.http.clone(), srv.url.clone(), me.token.clone());
        let (cert, body, sig) = (cert.clone(), body.clone(), sig.clone());
        set.spawn(async move {
            // The outbox's way: retry what is worth retrying (429).
            loop {
                let res = http
                    .put(format!("{url}/v1/certifications/{cert}/evidence"))
                    .bearer_auth(&token)
                    .header(IDEMPOTENCY_HEADER, "one-key")
                    .header(SIGNATURE_HEADER, B64.encode(&sig))
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                let s = res.status();
                let b: serde_json::Value = res.json().await.unwrap();
                if s != StatusCode::TOO_MANY_REQUESTS {
                    return (s, b);
                }
                assert_eq!(code(&b), "upload_in_progress");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        });
    }
    let mut answers = Vec::new();
    while let Some(r) = set.join_next().await {
        answers.push(r.unwrap());
    }
    assert!(
        answers
            .iter()
            .all(|a| a == &answers[0] && a.0 == StatusCode::OK),
        "{answers:?}"
    );
    let (_, records) = srv.get("/v1/records", &me.token).await;
    assert_eq!(records["records"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_certification_left_verifying_by_a_dead_server_is_taken_over_by_a_retry() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (started, cert) = started(&srv, &me).await;
    let body = evidence(&started, false, vec![]);
    let sig = me.key.sign(&body);
    // A certd claimed it and died (its claim is older than the lease).
    let claim = |age_ms: i64| {
        sqlx::query("UPDATE certifications SET outcome = 'verifying', idempotency_key = 'k-dead', claimed_ms = $1 WHERE id = $2")
            .bind(certd::db::now_ms() - age_ms)
            .bind(cert.clone())
            .execute(&srv.state.db)
    };
    claim(1000).await.unwrap();
    let (s, b) = srv.upload(&me, &cert, "k-other", &body, sig.as_ref()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "upload_in_progress"),
        "a live claim holds"
    );
    let (s, b) = srv.upload(&me, &cert, "k-dead", &body, sig.as_ref()).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "upload_in_progress"),
        "its own retry waits"
    );
    claim(certd::config::Config::default().upload_claim_lease_s as i64 * 1000 + 1000)
        .await
        .unwrap();
    let (s, b) = srv.upload(&me, &cert, "k-dead", &body, sig.as_ref()).await;
    assert_eq!(
        s,
        StatusCode::OK,
        "the retry after the restart is decided: {b}"
    );
    assert_eq!(b["outcome"], "failed");
}

#[tokio::test]
async fn starting_certifications_is_limited_per_person_and_day() {
    let srv = server_with(|c| c.certifications_per_day = 3).await;
    let me = srv.account(PENSIONER).await;
    for _ in 0..3 {
        assert_eq!(srv.start(&me, &me).await.0, StatusCode::CREATED);
    }
    let (s, b) = srv.start(&me, &me).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}

#[tokio::test]
async fn an_oversized_evidence_body_gets_413_as_json() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (_, cert) = started(&srv, &me).await;
    let body = vec![b' '; MAX_EVIDENCE_BYTES + 1];
    let (s, b) = srv.upload(&me, &cert, "k", &body, &[0; 64]).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::PAYLOAD_TOO_LARGE, "evidence_too_large")
    );
    assert!(b["message"].is_string());
}

/// A certd process, killed when dropped.
struct Process(std::process::Child);
impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `certd <command>` on `data` (and `database`, if given) and waits
/// until it answers.
async fn certd_process(
    command: &str,
    data: &std::path::Path,
    database: Option<&str>,
    s3: Option<&certd::store::S3Config>,
) -> (Process, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Test mode: the app's software key (attestation has its own tests).
    std::fs::create_dir_all(data).unwrap();
    let config = data.join(format!("certd-{port}.toml"));
    std::fs::write(&config, "[attestation]\nmode = \"software-allowed\"\n").unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_certd"));
    cmd.arg("--config")
        .arg(&config)
        .arg(command)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(data)
        .env("CERTD_LOG", "warn")
        .stdout(std::process::Stdio::null());
    if let Some(url) = database {
        cmd.env("CERTD_DATABASE_URL", url);
    }
    if let Some(s3) = s3 {
        cmd.env("CERTD_S3_BUCKET", &s3.bucket)
            .env("CERTD_S3_REGION", &s3.region)
            .env(
                "CERTD_S3_ENDPOINT",
                s3.endpoint.as_deref().unwrap_or_default(),
            );
    }
    let process = Process(cmd.spawn().unwrap());
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if let Ok(r) = reqwest::get(format!("{url}/healthz")).await {
            if r.status().is_success() {
                return (process, url);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("certd {command} did not start");
}

/// PUTs evidence, retrying while the same upload is in progress elsewhere.
async fn put_evidence(
    http: reqwest::Client,
    url: String,
    token: String,
    cert: String,
    key: String,
    body: Vec<u8>,
    sig: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    loop {
        let res = http
            .put(format!("{url}/v1/certifications/{cert}/evidence"))
            .bearer_auth(&token)
            .header(IDEMPOTENCY_HEADER, &key)
            .header(SIGNATURE_HEADER, B64.encode(&sig))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let s = res.status();
        let b: serde_json::Value = res.json().await.unwrap();
        if s != StatusCode::TOO_MANY_REQUESTS {
            return (s, b);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_certd_processes_on_one_database_and_store_make_one_record_of_one_upload() {
    let data = std::env::temp_dir().join(format!("certd-two-{}", certd::db::new_id()));
    let _cleanup = TempDir(data.clone());
    let database = database_url().await;
    // One bucket too when the tests have an S3-compatible server.
    let bucket = s3(&certd::db::new_id()).await;
    let (_a, a) = certd_process("demo", &data, database.as_deref(), bucket.as_ref()).await;
    let (_b, b) = certd_process("serve", &data, database.as_deref(), bucket.as_ref()).await;
    // The store as both processes see it (the same sealing keys, in `data`).
    let sealer =
        std::sync::Arc::new(certd::seal::Sealer::open(&data.join("evidence-keys")).unwrap());
    let store = match &bucket {
        Some(cfg) => certd::store::ObjectStore::s3(cfg, sealer),
        None => certd::store::ObjectStore::open(&data.join("objects"), sealer),
    }
    .unwrap();
    let http = reqwest::Client::new();
    let post = |url: &str, path: &str, body: serde_json::Value, token: Option<&str>| {
        let mut rb = http.post(format!("{url}{path}")).json(&body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        async move {
            let res = rb.send().await.unwrap();
            (res.status(), res.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Registered through one, logged in through the other.
    let (s, _) = post(&a, "/v1/accounts", json!({"name": PENSIONER.0, "id_number": PENSIONER.1, "password": "abc12345", "mobile": "13800138000", "mobile_again": "13800138000", "terms_accepted": true}), None).await;
    assert_eq!(s, StatusCode::CREATED);
    let key = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let (s, tokens) = post(&b, "/v1/sessions", json!({"id_number": PENSIONER.1, "password": "abc12345", "device_public_key": B64.encode(key.public_key().as_ref())}), None).await;
    assert_eq!(s, StatusCode::OK, "{tokens}");
    let token = tokens["access_token"].as_str().unwrap().to_string();
    let person = tokens["person_id"].as_str().unwrap().to_string();
    let evidence_dir = format!("evidence/{person}");

    for (round, same_key) in [(0, true), (1, false)] {
        let (s, started) = post(
            &a,
            "/v1/certifications",
            json!({"subject_person_id": person}),
            Some(&token),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{started}");
        let cert = started["certification_id"].as_str().unwrap().to_string();
        let body = evidence(&started, false, vec![]);
        let sig = key.sign(&body).as_ref().to_vec();
        // The same upload sent to both at once (or, in round 1, two uploads).
        let mut set = tokio::task::JoinSet::new();
        for (i, url) in [&a, &b].into_iter().enumerate() {
            let k = if same_key {
                format!("k{round}")
            } else {
                format!("k{round}-{i}")
            };
            set.spawn(put_evidence(
                http.clone(),
                url.clone(),
                token.clone(),
                cert.clone(),
                k,
                body.clone(),
                sig.clone(),
            ));
        }
        let mut answers = Vec::new();
        while let Some(r) = set.join_next().await {
            answers.push(r.unwrap());
        }
        let ok: Vec<_> = answers.iter().filter(|a| a.0 == StatusCode::OK).collect();
        if same_key {
            assert_eq!(ok.len(), 2, "{answers:?}");
            assert_eq!(ok[0], ok[1], "one answer");
        } else {
            assert_eq!(ok.len(), 1, "{answers:?}");
        }
        let kept = store
            .get(&format!("{evidence_dir}/{cert}.json"))
            .await
            .unwrap();
        assert_eq!(kept, body);
    }
    let res = http
        .get(format!("{b}/v1/records"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let records: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        records["records"].as_array().unwrap().len(),
        2,
        "one record per certification"
    );
    assert_eq!(
        store.list(&evidence_dir).await.unwrap().len(),
        2,
        "one stored evidence each, no orphans"
    );
    if bucket.is_none() {
        assert_eq!(
            std::fs::read_dir(data.join("objects/tmp")).unwrap().count(),
            0
        );
    }
}

#[tokio::test]
async fn receipts_name_their_key_which_lives_outside_the_database_and_survives_rotation() {
    let srv = server().await;
    let me = srv.account(PENSIONER).await;
    let (started, cert) = started(&srv, &me).await;
    let body = evidence(&started, false, vec![]);
    srv.upload(&me, &cert, "k", &body, me.key.sign(&body).as_ref())
        .await;
    // Passed by a reviewer: a receipt signed by the current key, k1.
    sqlx::query("UPDATE certifications SET outcome = 'review' WHERE id = $1")
        .bind(&cert)
        .execute(&srv.state.db)
        .await
        .unwrap();
    agency::decide(&srv.state, &cert, true).await.unwrap();
    let (_, rec) = srv
        .get(&format!("/v1/certifications/{cert}"), &me.token)
        .await;
    let receipt: Receipt = serde_json::from_value(rec["receipt"].clone()).unwrap();
    assert_eq!(receipt.kid.as_deref(), Some("k1"));

    let dir = certd::receipts::keys_dir(&srv.state.config);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("k1.pk8"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "readable by certd's user only");
    }
    let in_db: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_keys")
        .fetch_one(&srv.state.db)
        .await
        .unwrap();
    assert_eq!(in_db, 0, "no key in the database");

    assert_eq!(certd::receipts::rotate(&dir).unwrap(), "k2");
    let next = certd::receipts::load_or_create_key(&srv.state.db, &dir)
        .await
        .unwrap();
    assert_eq!(next.kid, "k2", "a restarted certd signs with the new key");
    let res = srv
        .http
        .get(format!("{}/v1/receipt-keys", srv.url))
        .send()
        .await
        .unwrap();
    let keys: ReceiptKeys = res.json().await.unwrap();
    assert_eq!(keys.keys.len(), 2);
    assert!(
        verify_receipt_with(&receipt, &keys.keys).is_some(),
        "the old receipt still verifies"
    );
    assert!(
        verify_receipt_with(&receipt, &keys.keys[1..]).is_none(),
        "with its own key only"
    );

    // A key an earlier certd kept in the database moves out as k1.
    let legacy = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
    sqlx::query("INSERT INTO server_keys (name, value) VALUES ('receipt', $1)")
        .bind(B64.encode(legacy.as_ref()))
        .execute(&srv.state.db)
        .await
        .unwrap();
    let fresh = dir.with_file_name("receipt-keys-moved");
    let moved = certd::receipts::load_or_create_key(&srv.state.db, &fresh)
        .await
        .unwrap();
    assert_eq!(moved.kid, "k1");
    assert_eq!(
        std::fs::read(fresh.join("k1.pk8")).unwrap(),
        legacy.as_ref()
    );
    let in_db: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM server_keys")
        .fetch_one(&srv.state.db)
        .await
        .unwrap();
    assert_eq!(in_db, 0, "and leaves the database");
}

#[tokio::test]
async fn evidence_is_sealed_at_rest_and_deleted_after_the_audit_period_unless_under_review() {
    let srv = server_with(|c| c.evidence_retention_days = 30).await;
    let me = srv.account(PENSIONER).await;
    let mut certs = Vec::new();
    for i in 0..2 {
        let (started, cert) = started(&srv, &me).await;
        let body = evidence(&started, false, vec![]);
        let (s, b) = srv
            .upload(
                &me,
                &cert,
                &format!("k{i}"),
                &body,
                me.key.sign(&body).as_ref(),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        certs.push((cert, body));
    }
    let key = |cert: &str| format!("evidence/{}/{cert}.json", me.person_id);
    for (cert, body) in &certs {
        // A copy of the folder or bucket holds neither the JSON nor its nonce.
        let stored = srv.state.store.get_sealed(&key(cert)).await.unwrap();
        assert!(serde_json::from_slice::<serde_json::Value>(&stored).is_err());
        let nonce = serde_json::from_slice::<serde_json::Value>(body).unwrap()["nonce"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(!stored.windows(nonce.len()).any(|w| w == nonce.as_bytes()));
        // The agency's auditor opens it.
        assert_eq!(
            &certd::retention::evidence(&srv.state, cert).await.unwrap(),
            body
        );
    }
    // The second waits for a reviewer.
    sqlx::query("UPDATE certifications SET outcome = 'review' WHERE id = $1")
        .bind(&certs[1].0)
        .execute(&srv.state.db)
        .await
        .unwrap();
    let day = 24 * 3600 * 1000;
    let now = certd::db::now_ms();
    assert_eq!(
        certd::retention::purge(&srv.state, now + 29 * day)
            .await
            .unwrap(),
        0,
        "within the audit period"
    );
    assert_eq!(
        certd::retention::purge(&srv.state, now + 31 * day)
            .await
            .unwrap(),
        1,
        "the decided one, after it"
    );
    assert_eq!(
        srv.state
            .store
            .list(&format!("evidence/{}", me.person_id))
            .await
            .unwrap(),
        [key(&certs[1].0)],
        "evidence under review is kept"
    );
    let gone = certd::retention::evidence(&srv.state, &certs[0].0)
        .await
        .unwrap_err();
    assert!(gone.contains("audit period"), "{gone}");
    // The record stays; a second purge finds nothing more.
    let (_, records) = srv.get("/v1/records", &me.token).await;
    assert!(records["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["certification_id"] == certs[0].0.as_str()));
    assert_eq!(
        certd::retention::purge(&srv.state, now + 31 * day)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn contact_details_are_checked_kept_per_change_shown_to_who_may_act_and_exported() {
    let srv = server().await;
    let son = srv.account(SON).await;
    let mother = srv.account(MOTHER).await;
    let stranger = srv.account(PENSIONER).await;
    agency::verify_account(&srv.state, SON.1).await.unwrap();
    agency::verify_account(&srv.state, MOTHER.1).await.unwrap();
    let path = format!("/v1/people/{}/contact", mother.person_id);
    let form = |post_code: &str| json!({"address": "  北京市东城区和平里街道\u{3000}3号楼 ", "post_code": post_code, "mobile": "+86 139-1234-5678"});
    // Her own update, normalised as the shared rules say.
    let (s, kept) = srv.put(&path, form("１０００１３"), &mother.token).await;
    assert_eq!(s, StatusCode::OK, "{kept}");
    assert_eq!(
        kept,
        json!({"address": "北京市东城区和平里街道 3号楼", "post_code": "100013", "mobile": "13912345678"})
    );
    // A malformed field: its own code, the rule's words, nothing kept.
    let (s, b) = srv.put(&path, form("10001"), &mother.token).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_post_code")
    );
    assert!(
        b["message"].as_str().unwrap().contains("you entered 5"),
        "{b}"
    );
    let bad_address = json!({"address": "北京", "post_code": "100013", "mobile": "13912345678"});
    let (s, b) = srv.put(&path, bad_address, &mother.token).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_address")
    );
    // Nobody else: not a stranger, not the son before she agrees.
    let (s, b) = srv.put(&path, form("100013"), &stranger.token).await;
    assert_eq!((s, code(&b)), (StatusCode::FORBIDDEN, "not_your_relative"));
    let (_, binding) = srv
        .post(
            "/v1/relatives",
            json!({"name": MOTHER.0, "id_number": MOTHER.1, "relation": "母亲"}),
            Some(&son.token),
        )
        .await;
    let (s, _) = srv.put(&path, form("100013"), &son.token).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a pending binding acts for nobody"
    );
    let (_, son_home) = srv.get("/v1/home", &son.token).await;
    assert!(
        son_home["relatives"][0]["person"].get("contact").is_none(),
        "{son_home}"
    );
    let id = binding["binding_id"].as_str().unwrap();
    srv.post(
        &format!("/v1/relatives/{id}/accept"),
        json!({}),
        Some(&mother.token),
    )
    .await;
    // Agreed: her son corrects it; a spreadsheet formula stays text in the export.
    let by_son = json!({"address": "=HYPERLINK(\"http://x\"),广东省佛山市", "post_code": "528000", "mobile": "13800138000"});
    let (s, b) = srv.put(&path, by_son, &son.token).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    let (_, son_home) = srv.get("/v1/home", &son.token).await;
    assert_eq!(
        son_home["relatives"][0]["person"]["contact"]["post_code"],
        "528000"
    );
    let (_, her_home) = srv.get("/v1/home", &mother.token).await;
    assert_eq!(her_home["me"]["contact"]["post_code"], "528000");
    let (s, _) = srv
        .put(
            "/v1/people/no-such-person/contact",
            form("100013"),
            &son.token,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an unknown id is not yours either"
    );
    let csv = certd::contact::to_csv(&certd::contact::changes_since(&srv.state, 0).await.unwrap());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].contains(&format!(
            "{},{},北京市东城区和平里街道 3号楼,100013,13912345678,{}",
            MOTHER.1, MOTHER.0, MOTHER.1
        )),
        "{csv}"
    );
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"http://x\"\"),广东省佛山市\",528000"),
        "{csv}"
    );
    assert!(lines[2].ends_with(SON.1), "{csv}");
    // Ten accepted changes a day for one person, then a wait.
    for _ in 2..certd::contact::MAX_CHANGES_PER_DAY {
        let (s, _) = srv.put(&path, form("100013"), &mother.token).await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, b) = srv.put(&path, form("100013"), &son.token).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
}
