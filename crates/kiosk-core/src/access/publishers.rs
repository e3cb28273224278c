//! Finding a publisher in the catalogue. A miss re-reads the catalogue only
//! when the database knows the publisher (one written behind this
//! replica's back), so unknown slugs cost one small read, not a reload.

use std::sync::Arc;

use crate::cache::catalogue::PublisherInfo;
use crate::cache::Caches;
use crate::db::publishers;
use crate::db::Db;
use crate::error::{CoreError, CoreResult};

pub async fn by_id(db: &Db, caches: &Arc<Caches>, id: &str) -> CoreResult<Arc<PublisherInfo>> {
    if let Some(p) = caches.catalogue.get().publisher(id) {
        return Ok(p);
    }
    let id_owned = id.to_owned();
    reload_if(db, caches, move |conn| publishers::find(conn, &id_owned)).await?;
    caches
        .catalogue
        .get()
        .publisher(id)
        .ok_or_else(|| CoreError::not_found("No such publisher."))
}

pub async fn by_slug(db: &Db, caches: &Arc<Caches>, slug: &str) -> CoreResult<Arc<PublisherInfo>> {
    if let Some(p) = caches.catalogue.get().publisher_by_slug(slug) {
        return Ok(p);
    }
    let slug_owned = slug.to_owned();
    reload_if(db, caches, move |conn| {
        publishers::find_by_slug(conn, &slug_owned)
    })
    .await?;
    caches
        .catalogue
        .get()
        .publisher_by_slug(slug)
        .ok_or_else(|| CoreError::not_found("No such publisher."))
}

async fn reload_if<F>(db: &Db, caches: &Arc<Caches>, find: F) -> CoreResult<()>
where
    F: FnOnce(&mut crate::db::DbConnection) -> diesel::QueryResult<Option<publishers::Publisher>>
        + Send
        + 'static,
{
    let caches = caches.clone();
    db.run(move |conn| {
        if find(conn)?.is_some() {
            caches.catalogue.reload(conn)?;
        }
        Ok(())
    })
    .await
}
