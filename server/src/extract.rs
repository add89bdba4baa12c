//! Request extractors whose failures are [`ApiError`]s, shared by the
//! handlers (and below `http`, which only routes to them).

use crate::error::ApiError;
use axum::extract::FromRequest;

/// JSON bodies whose every rejection (bad JSON, wrong types, too big) is an
/// [`ApiError`] with a code, never axum's plain-text answer.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Body<T>(pub T);
