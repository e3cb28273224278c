use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db;
use crate::error::ApiResult;
use crate::state::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// The process can serve: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state.db.run(|conn| Ok(db::ping(conn)?)).await?;
    Ok(HttpResponse::Ok().json(json!({ "status": "ready" })))
}

/// The public keys that verify access and decision tokens.
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(state.keys.jwks())
}
