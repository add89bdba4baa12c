//! The template photo (模板照片) a person is matched against, shown small
//! before the face scan as the ministry's app does, so a son sees he is about
//! to certify the right mother. Only to the person or a relative who may act
//! for them; grey, small and striped, so a screenshot is no use as a photo.

use crate::auth::Caller;
use crate::error::ApiError;
use crate::{access, AppState};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use image::{GrayImage, ImageFormat};
use lifecert_domain::api::{Code, ErrorBody};
use sqlx::Row;

/// The thumbnail fits in this box (portrait, like an ID photo).
const SIDE: (u32, u32) = (120, 160);

#[utoipa::path(get, path = "/v1/people/{person_id}/template", tag = "people", security(("bearer" = [])),
    params(("person_id" = String, Path, description = "the person being certified")),
    responses(
        (status = 200, description = "a small grey watermarked JPEG", content_type = "image/jpeg", body = Vec<u8>),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    Path(person_id): Path<String>,
) -> Result<Response, ApiError> {
    if !access::may_act_for(&state, &caller.person_id, &person_id).await? {
        return Err(ApiError::new(StatusCode::FORBIDDEN, Code::NotYourRelative));
    }
    let key: Option<String> = sqlx::query("SELECT template_key FROM persons WHERE id = $1")
        .bind(&person_id)
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(ApiError::not_found)?
        .try_get("template_key")?;
    let key = key.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, Code::NoTemplate))?;
    let photo = state.store.get(&key).await.map_err(ApiError::internal)?;
    let jpeg = tokio::task::spawn_blocking(move || small_grey_striped(&photo))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        jpeg,
    )
        .into_response())
}

/// The photo as a thumbnail: grey, at most [`SIDE`], with light diagonal
/// stripes across the face.
fn small_grey_striped(photo: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let grey = image::load_from_memory(photo)?.to_luma8();
    let mut small: GrayImage = image::imageops::thumbnail(
        &grey,
        SIDE.0
            .min(grey.width() * SIDE.1 / grey.height().max(1))
            .max(1),
        SIDE.1
            .min(grey.height() * SIDE.0 / grey.width().max(1))
            .max(1),
    );
    for (x, y, p) in small.enumerate_pixels_mut() {
        if (x + y) % 12 < 2 {
            p.0[0] = p.0[0] / 2 + 128;
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    small.write_to(&mut out, ImageFormat::Jpeg)?;
    Ok(out.into_inner())
}
