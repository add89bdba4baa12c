//! Talking to certd: one HTTP client (reqwest + rustls) and the login session
//! (tokens kept in the platform's [`SecureStore`], refreshed when they expire).
//!
//! Errors come in two tiers: [`NetError`] keeps the internal detail for logs;
//! [`Problem`] is what a screen can act on, with its message in the user's
//! language.

use crate::storage::SecureStore;
use lifecert_domain::api::{self, Code, ErrorBody, Tokens};
use lifecert_domain::i18n::{Language, Message};
use lifecert_domain::tr;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKENS_KEY: &str = "session.tokens";

/// Internal: what went wrong on the wire, with detail for logs.
#[derive(Clone, Debug, PartialEq)]
pub enum NetError {
    /// No answer: no network, DNS, refused, timed out, or the connection died.
    Offline(String),
    /// The server answered with an error body.
    Api { status: u16, body: ErrorBody },
    /// The server answered something we cannot read.
    Protocol(String),
}

/// What a screen can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ProblemKind {
    Offline,
    SessionExpired,
    WrongPassword,
    LockedOut,
    InvalidInput,
    AccountExists,
    NotInScope,
    NoTemplate,
    MaintenanceDay,
    BenefitStopped,
    NotYourRelative,
    FaceMismatch,
    ServerBusy,
    /// The face check cannot run on this phone: certify another way.
    CaptureUnavailable,
    /// The attempt's time ran out (or the camera was interrupted): the same
    /// steps again, or new ones, are on the camera screen; nothing failed.
    AttemptExpired,
    /// Anything else (the message says what to do).
    Other,
}

/// A problem to show: what kind (for the screen's logic) and the words.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: Message,
    /// Seconds to wait before trying again, when the server said.
    pub retry_after_s: Option<u64>,
}

impl NetError {
    /// The server's own code, if it answered with one.
    pub fn code(&self) -> Option<Code> {
        match self {
            NetError::Api { body, .. } => Code::parse(&body.code),
            _ => None,
        }
    }

    pub fn problem(&self, lang: Language) -> Problem {
        let (kind, message, retry) = match self {
            NetError::Offline(_) => (ProblemKind::Offline, offline_message(lang), None),
            NetError::Protocol(_) => (ProblemKind::ServerBusy, Code::Internal.message(lang), None),
            NetError::Api { status, body } => {
                let code = Code::parse(&body.code);
                let kind = match code {
                    Some(Code::SessionExpired) => ProblemKind::SessionExpired,
                    Some(Code::WrongCredentials) => ProblemKind::WrongPassword,
                    Some(Code::LockedOut) => ProblemKind::LockedOut,
                    Some(
                        Code::InvalidIdNumber
                        | Code::InvalidName
                        | Code::InvalidMobile
                        | Code::InvalidAddress
                        | Code::InvalidPostCode
                        | Code::WeakPassword
                        | Code::TermsNotAccepted
                        | Code::NameMismatch
                        | Code::NotInRoster,
                    ) => ProblemKind::InvalidInput,
                    Some(Code::AccountExists) => ProblemKind::AccountExists,
                    Some(Code::NotInScope) => ProblemKind::NotInScope,
                    Some(Code::NoTemplate) => ProblemKind::NoTemplate,
                    Some(Code::MaintenanceDay) => ProblemKind::MaintenanceDay,
                    Some(Code::BenefitStopped) => ProblemKind::BenefitStopped,
                    Some(Code::NotYourRelative) => ProblemKind::NotYourRelative,
                    Some(Code::FaceMismatch) => ProblemKind::FaceMismatch,
                    Some(Code::ChallengeExpired) => ProblemKind::AttemptExpired,
                    _ if *status >= 500 || *status == 429 => ProblemKind::ServerBusy,
                    _ => ProblemKind::Other,
                };
                // Our own words when we know the code (they match the language
                // setting even if the server answered in another).
                let message = match code {
                    Some(c)
                        if !matches!(
                            c,
                            Code::InvalidIdNumber
                                | Code::InvalidName
                                | Code::InvalidMobile
                                | Code::InvalidAddress
                                | Code::InvalidPostCode
                                | Code::MaintenanceDay
                        ) =>
                    {
                        c.message(lang)
                    }
                    _ => Message {
                        key: format!("api.{}", body.code),
                        display: body.message.clone(),
                        speech: body.message.clone(),
                    },
                };
                (kind, message, body.retry_after_s)
            }
        };
        Problem {
            kind,
            message,
            retry_after_s: retry,
        }
    }

    /// Worth retrying later with the same request (nothing was decided).
    pub fn is_transient(&self) -> bool {
        match self {
            NetError::Offline(_) | NetError::Protocol(_) => true,
            NetError::Api { status, .. } => *status >= 500 || *status == 429,
        }
    }
}

pub fn offline_message(lang: Language) -> Message {
    let text = tr!(lang, "网络连接不上。您的认证资料已安全保存在手机上，有网络时会自动上传。", "網路連接不上。您的認證資料已安全保存在手機上，有網路時會自動上傳。", "No connection. Your certification is saved safely on the phone and will be sent when the network is back.");
    Message {
        key: "net.offline".into(),
        speech: text.clone(),
        display: text,
    }
}

/// A successful answer's JSON (an empty body is `null`).
fn json<T: DeserializeOwned>((status, bytes): (u16, Vec<u8>)) -> Result<T, NetError> {
    let bytes = if bytes.is_empty() {
        &b"null"[..]
    } else {
        &bytes[..]
    };
    serde_json::from_slice(bytes).map_err(|e| NetError::Protocol(format!("{status}: {e}")))
}

/// The HTTP side of the app: every call certd offers.
pub struct ApiClient {
    http: reqwest::Client,
    base: String,
    store: Arc<dyn SecureStore>,
    tokens: Mutex<Option<Tokens>>,
    /// Serialises refreshes: a refresh token is single-use.
    refreshing: tokio::sync::Mutex<()>,
}

impl ApiClient {
    pub fn new(base_url: &str, store: Arc<dyn SecureStore>) -> Result<ApiClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()?;
        let tokens = store
            .get(TOKENS_KEY.into())
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Ok(ApiClient {
            http,
            base: base_url.trim_end_matches('/').to_string(),
            store,
            tokens: Mutex::new(tokens),
            refreshing: tokio::sync::Mutex::new(()),
        })
    }

    pub fn tokens(&self) -> Option<Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_tokens(&self, t: Option<Tokens>) {
        match &t {
            Some(t) => {
                let _ = self.store.put(
                    TOKENS_KEY.into(),
                    serde_json::to_vec(t).expect("plain data"),
                );
            }
            None => {
                let _ = self.store.delete(TOKENS_KEY.into());
            }
        }
        *self.tokens.lock().unwrap_or_else(|e| e.into_inner()) = t;
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The status and body of a success, or the error the server gave.
    async fn read_raw(
        res: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<(u16, Vec<u8>), NetError> {
        let res = res.map_err(|e| NetError::Offline(e.to_string()))?;
        let status = res.status().as_u16();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| NetError::Offline(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok((status, bytes.to_vec()));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(NetError::Api { status, body }),
            Err(_) if status >= 500 => Err(NetError::Api {
                status,
                body: ErrorBody {
                    code: "internal".into(),
                    message: String::from_utf8_lossy(&bytes).into(),
                    retry_after_s: None,
                },
            }),
            Err(e) => Err(NetError::Protocol(format!("{status}: {e}"))),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
        lang: Language,
    ) -> Result<T, NetError> {
        json(self.send_raw(rb, lang).await?)
    }

    async fn send_raw(
        &self,
        rb: reqwest::RequestBuilder,
        lang: Language,
    ) -> Result<(u16, Vec<u8>), NetError> {
        Self::read_raw(
            rb.header(reqwest::header::ACCEPT_LANGUAGE, lang_tag(lang))
                .send()
                .await,
        )
        .await
    }

    /// A call with the access token; on `session_expired` refreshes once and retries.
    async fn authed<T: DeserializeOwned>(
        &self,
        lang: Language,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<T, NetError> {
        json(self.authed_raw(lang, make).await?)
    }

    async fn authed_raw(
        &self,
        lang: Language,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<(u16, Vec<u8>), NetError> {
        let expired = |e: &NetError| e.code() == Some(Code::SessionExpired);
        let token = self.tokens().map(|t| t.access_token).unwrap_or_default();
        match self
            .send_raw(make(&self.http).bearer_auth(&token), lang)
            .await
        {
            Err(e) if expired(&e) => {
                self.refresh(lang, &token).await?;
                let token = self.tokens().map(|t| t.access_token).unwrap_or_default();
                self.send_raw(make(&self.http).bearer_auth(token), lang)
                    .await
            }
            other => other,
        }
    }

    /// Swaps the refresh token for a new pair (once, even if several calls
    /// found the access token expired at the same time).
    async fn refresh(&self, lang: Language, stale_access: &str) -> Result<(), NetError> {
        let _guard = self.refreshing.lock().await;
        let Some(current) = self.tokens() else {
            return Err(session_expired(lang));
        };
        if current.access_token != stale_access {
            return Ok(()); // Someone else refreshed while we waited.
        }
        let req = api::RefreshRequest {
            refresh_token: current.refresh_token,
        };
        match self
            .send::<Tokens>(
                self.http.post(self.url("/v1/sessions/refresh")).json(&req),
                lang,
            )
            .await
        {
            Ok(t) => {
                self.set_tokens(Some(t));
                Ok(())
            }
            Err(e) if !e.is_transient() => {
                self.set_tokens(None);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    pub async fn register(
        &self,
        req: &api::RegisterRequest,
        lang: Language,
    ) -> Result<api::AccountCreated, NetError> {
        self.send(self.http.post(self.url("/v1/accounts")).json(req), lang)
            .await
    }

    /// A single-use challenge for the hardware key to attest (before login).
    pub async fn attestation_challenge(
        &self,
        lang: Language,
    ) -> Result<api::AttestationChallenge, NetError> {
        self.send(self.http.post(self.url("/v1/attestation/challenges")), lang)
            .await
    }

    pub async fn login(&self, req: &api::LoginRequest, lang: Language) -> Result<Tokens, NetError> {
        let t: Tokens = self
            .send(self.http.post(self.url("/v1/sessions")).json(req), lang)
            .await?;
        self.set_tokens(Some(t.clone()));
        Ok(t)
    }

    pub async fn logout(&self, lang: Language) {
        let _: Result<serde_json::Value, _> = self
            .authed(lang, |c| c.delete(self.url("/v1/sessions")))
            .await;
        self.set_tokens(None);
    }

    pub async fn home(&self, lang: Language) -> Result<api::Home, NetError> {
        self.authed(lang, |c| c.get(self.url("/v1/home"))).await
    }

    pub async fn bind(
        &self,
        req: &api::BindRequest,
        lang: Language,
    ) -> Result<api::Binding, NetError> {
        self.authed(lang, |c| c.post(self.url("/v1/relatives")).json(req))
            .await
    }

    pub async fn accept_binding(&self, binding_id: &str, lang: Language) -> Result<(), NetError> {
        let _: serde_json::Value = self
            .authed(lang, |c| {
                c.post(self.url(&format!("/v1/relatives/{binding_id}/accept")))
            })
            .await?;
        Ok(())
    }

    pub async fn start(&self, subject: &str, lang: Language) -> Result<api::Started, NetError> {
        let req = api::StartRequest {
            subject_person_id: subject.into(),
        };
        self.authed(lang, |c| c.post(self.url("/v1/certifications")).json(&req))
            .await
    }

    /// `progress(sent, total)` is called as each chunk of the body is handed
    /// to the connection.
    pub async fn upload(
        &self,
        certification_id: &str,
        idempotency_key: &str,
        body: &[u8],
        signature_b64: &str,
        lang: Language,
        progress: Arc<dyn Fn(u64, u64) + Send + Sync>,
    ) -> Result<api::CertificationRecord, NetError> {
        let body: Arc<[u8]> = body.into();
        self.authed(lang, |c| {
            c.put(self.url(&format!("/v1/certifications/{certification_id}/evidence")))
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::CONTENT_LENGTH, body.len())
                .header(api::IDEMPOTENCY_HEADER, idempotency_key)
                .header(api::SIGNATURE_HEADER, signature_b64)
                .body(chunked(body.clone(), progress.clone()))
        })
        .await
    }

    /// The person's template photo, small (a JPEG), to show before the scan.
    pub async fn template(&self, person_id: &str, lang: Language) -> Result<Vec<u8>, NetError> {
        let url = self.url(&format!("/v1/people/{person_id}/template"));
        Ok(self.authed_raw(lang, |c| c.get(url.clone())).await?.1)
    }

    /// Corrects a person's address, post code and phone; certd answers with
    /// them as it keeps them (normalised), or with the field to correct.
    pub async fn save_contact(
        &self,
        person_id: &str,
        contact: &lifecert_domain::rules::contact::Contact,
        lang: Language,
    ) -> Result<lifecert_domain::rules::contact::Contact, NetError> {
        let url = self.url(&format!("/v1/people/{person_id}/contact"));
        self.authed(lang, |c| c.put(url.clone()).json(contact))
            .await
    }

    pub async fn records(&self, lang: Language) -> Result<api::Records, NetError> {
        self.authed(lang, |c| c.get(self.url("/v1/records"))).await
    }

    /// Every receipt key the server publishes (a receipt names its own by `kid`).
    pub async fn receipt_keys(&self, lang: Language) -> Result<Vec<api::ReceiptKey>, NetError> {
        let k: api::ReceiptKeys = self
            .send(self.http.get(self.url("/v1/receipt-keys")), lang)
            .await?;
        Ok(k.keys)
    }

    pub async fn receipt_key(&self, lang: Language) -> Result<Vec<u8>, NetError> {
        let k: api::ReceiptKey = self
            .send(self.http.get(self.url("/v1/receipt-key")), lang)
            .await?;
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(k.public_key)
            .map_err(|e| NetError::Protocol(e.to_string()))
    }
}

fn session_expired(lang: Language) -> NetError {
    NetError::Api {
        status: 401,
        body: ErrorBody {
            code: Code::SessionExpired.as_str().into(),
            message: Code::SessionExpired.message(lang).display,
            retry_after_s: None,
        },
    }
}

pub fn lang_tag(lang: Language) -> &'static str {
    match lang {
        Language::ZhHans => "zh-Hans",
        Language::ZhHant => "zh-Hant",
        Language::En => "en",
    }
}

/// Upload chunks: small enough that a slow rural link shows progress every
/// second or so, big enough not to matter on a fast one.
const UPLOAD_CHUNK: usize = 16 * 1024;

/// `body` as a stream of chunks, reporting each one as it is taken.
fn chunked(body: Arc<[u8]>, progress: Arc<dyn Fn(u64, u64) + Send + Sync>) -> reqwest::Body {
    let total = body.len();
    let chunks = (0..total.div_ceil(UPLOAD_CHUNK)).map(move |i| {
        let end = ((i + 1) * UPLOAD_CHUNK).min(total);
        progress(end as u64, total as u64);
        Ok::<_, std::io::Error>(body[i * UPLOAD_CHUNK..end].to_vec())
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}
