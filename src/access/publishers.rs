//! Finding a publisher in the catalogue. A miss re-reads the catalogue only
//! when the database knows the publisher (one written behind this
//! replica's back), so unknown slugs cost one small read, not a reload.

use std::sync::Arc;

use crate::cache::catalogue::PublisherInfo;
use crate::db::publishers;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub async fn by_id(state: &AppState, id: &str) -> ApiResult<Arc<PublisherInfo>> {
    if let Some(p) = state.caches.catalogue.get().publisher(id) {
        return Ok(p);
    }
    let id_owned = id.to_owned();
    reload_if(state, move |conn| publishers::find(conn, &id_owned)).await?;
    state
        .caches
        .catalogue
        .get()
        .publisher(id)
        .ok_or_else(|| ApiError::not_found("No such publisher."))
}

pub async fn by_slug(state: &AppState, slug: &str) -> ApiResult<Arc<PublisherInfo>> {
    if let Some(p) = state.caches.catalogue.get().publisher_by_slug(slug) {
        return Ok(p);
    }
    let slug_owned = slug.to_owned();
    reload_if(state, move |conn| {
        publishers::find_by_slug(conn, &slug_owned)
    })
    .await?;
    state
        .caches
        .catalogue
        .get()
        .publisher_by_slug(slug)
        .ok_or_else(|| ApiError::not_found("No such publisher."))
}

async fn reload_if<F>(state: &AppState, find: F) -> ApiResult<()>
where
    F: FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<Option<publishers::Publisher>>
        + Send
        + 'static,
{
    let caches = state.caches.clone();
    state
        .db
        .run(move |conn| {
            if find(conn)?.is_some() {
                caches.catalogue.reload(conn)?;
            }
            Ok(())
        })
        .await
}
