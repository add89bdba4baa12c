//! Every failure a client can see: a status, a stable code and a message in
//! the request's language. Internal detail goes to the log, never the body.

use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lifecert_domain::api::{Code, ErrorBody};
use lifecert_domain::i18n::{Language, Message};

pub struct ApiError {
    pub status: StatusCode,
    pub code: Code,
    /// A more precise message than the code's own (e.g. the ID checker's).
    pub message: Option<Box<dyn Fn(Language) -> Message + Send + Sync>>,
    pub retry_after_s: Option<u64>,
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.code.as_str())
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: Code) -> Self {
        ApiError {
            status,
            code,
            message: None,
            retry_after_s: None,
        }
    }
    pub fn bad(code: Code) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code)
    }
    pub fn conflict(code: Code) -> Self {
        Self::new(StatusCode::CONFLICT, code)
    }
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, Code::NotFound)
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, Code::SessionExpired)
    }
    pub fn too_many(code: Code, retry_after_s: u64) -> Self {
        ApiError {
            retry_after_s: Some(retry_after_s),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code)
        }
    }
    pub fn with_message(mut self, m: impl Fn(Language) -> Message + Send + Sync + 'static) -> Self {
        self.message = Some(Box::new(m));
        self
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal)
    }

    pub fn body(&self, lang: Language) -> ErrorBody {
        let message = match &self.message {
            Some(m) => m(lang).display,
            None => self.code.message(lang).display,
        };
        ErrorBody {
            code: self.code.as_str().into(),
            message,
            retry_after_s: self.retry_after_s,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::internal(format!("database: {e}"))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        let status = match e {
            JsonRejection::BytesRejection(_) => StatusCode::PAYLOAD_TOO_LARGE,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        };
        tracing::debug!("rejected body: {e}");
        let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
            Code::EvidenceTooLarge
        } else {
            Code::BadRequest
        };
        ApiError::new(status, code)
    }
}

impl From<BytesRejection> for ApiError {
    fn from(_: BytesRejection) -> Self {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::EvidenceTooLarge)
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::not_found()
    }
}

impl From<QueryRejection> for ApiError {
    fn from(_: QueryRejection) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, Code::BadRequest)
    }
}

/// The language a client asked for; zh-Hans unless it asks otherwise.
pub fn language(headers: &HeaderMap) -> Language {
    let accept = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let first = accept.split(',').next().unwrap_or("").trim();
    if first.starts_with("en") {
        Language::En
    } else if first.starts_with("zh-hant")
        || first.starts_with("zh-tw")
        || first.starts_with("zh-hk")
        || first.starts_with("zh-mo")
    {
        Language::ZhHant
    } else {
        Language::ZhHans
    }
}

/// Errors leave handlers without knowing the language; the `localize`
/// middleware renders them with the request's Accept-Language.
pub struct Pending(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut res = status.into_response();
        res.extensions_mut()
            .insert(std::sync::Arc::new(Pending(self)));
        res
    }
}

pub async fn localize(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let lang = language(req.headers());
    let res = next.run(req).await;
    let Some(pending) = res.extensions().get::<std::sync::Arc<Pending>>().cloned() else {
        return res;
    };
    let err = &pending.0;
    let mut out = (err.status, axum::Json(err.body(lang))).into_response();
    if let Some(s) = err.retry_after_s {
        out.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, s.into());
    }
    out
}
