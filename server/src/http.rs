//! The router: routes, body limits, JSON errors for every rejection, and the
//! OpenAPI document served at `/openapi.json`.

use crate::error::{localize, ApiError};
use crate::{accounts, attestation, certify, contact, receipts, relatives, templates, AppState};
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use lifecert_domain::api::MAX_EVIDENCE_BYTES;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Bearer;
impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "certd: LifeCert reference certification server", version = "1"),
    paths(
        attestation::challenge,
        accounts::register, accounts::login, accounts::refresh, accounts::logout,
        relatives::home, relatives::bind, relatives::accept, relatives::unbind, templates::thumbnail, contact::update,
        certify::start, certify::upload, certify::get_one, certify::records,
        receipts::public_key, receipts::public_keys_route,
    ),
    components(schemas(lifecert_domain::api::ErrorBody)),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document serialises")
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/v1/attestation/challenges", post(attestation::challenge))
        .route("/v1/accounts", post(accounts::register))
        .route(
            "/v1/sessions",
            post(accounts::login).delete(accounts::logout),
        )
        .route("/v1/sessions/refresh", post(accounts::refresh))
        .route("/v1/home", get(relatives::home))
        .route("/v1/people/{person_id}/template", get(templates::thumbnail))
        .route("/v1/people/{person_id}/contact", put(contact::update))
        .route("/v1/relatives", post(relatives::bind))
        .route(
            "/v1/relatives/{binding_id}",
            axum::routing::delete(relatives::unbind),
        )
        .route("/v1/relatives/{binding_id}/accept", post(relatives::accept))
        .route("/v1/certifications", post(certify::start))
        .route(
            "/v1/certifications/{certification_id}",
            get(certify::get_one),
        )
        .route(
            "/v1/certifications/{certification_id}/evidence",
            put(certify::upload),
        )
        .route("/v1/records", get(certify::records))
        .route("/v1/receipt-key", get(receipts::public_key))
        .route("/v1/receipt-keys", get(receipts::public_keys_route))
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    openapi_json(),
                )
            }),
        )
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"ok": true})) }),
        )
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                lifecert_domain::api::Code::BadRequest,
            )
        })
        .layer(DefaultBodyLimit::max(MAX_EVIDENCE_BYTES))
        .layer(axum::middleware::from_fn(localize))
        .with_state(state)
}
