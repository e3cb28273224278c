//! On PostgreSQL, every replica listens on `kiosk_invalidate` with a
//! connection of its own, on a thread of its own (diesel's notification
//! poll does not block), and applies what other replicas publish. After a
//! lost connection it reconnects, drops the article and member caches and
//! reloads the catalogue, since notifications sent meanwhile are lost (a
//! key revocation missed meanwhile lasts at most the key cache's ten
//! seconds).

use std::sync::Weak;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::{Caches, Invalidation, CHANNEL};
use crate::db::DbConnection;

const POLL: Duration = Duration::from_millis(50);
const PING_EVERY: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Listens (blocking, so nothing published after start-up is missed), then
/// hands the connection to the listener thread; it ends when the caches go.
pub fn start(database_url: String, caches: Weak<Caches>) -> anyhow::Result<()> {
    let conn = listen(&database_url)?;
    std::thread::Builder::new()
        .name("kiosk-invalidations".into())
        .spawn(move || run(&database_url, &caches, conn))?;
    Ok(())
}

fn run(url: &str, caches: &Weak<Caches>, conn: DbConnection) {
    let mut backoff = Duration::from_millis(100);
    let mut first = true;
    let mut ready = Some(conn);
    while caches.strong_count() > 0 {
        match ready.take().map_or_else(|| listen(url), Ok) {
            Ok(conn) => {
                backoff = Duration::from_millis(100);
                if !first {
                    tracing::info!("invalidation listener reconnected; dropping caches");
                }
                let reason = serve(conn, caches, !first);
                first = false;
                if let Err(e) = reason {
                    tracing::warn!(error = %e, "invalidation listener lost its connection");
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "invalidation listener cannot connect");
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn listen(url: &str) -> anyhow::Result<DbConnection> {
    let mut conn = PgConnection::establish(url)?;
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    Ok(DbConnection::Pg(conn))
}

/// Applies notifications until the connection fails or the caches go.
fn serve(mut conn: DbConnection, caches: &Weak<Caches>, resync: bool) -> anyhow::Result<()> {
    if resync {
        let Some(caches) = caches.upgrade() else {
            return Ok(());
        };
        caches.articles.clear();
        caches.members.clear();
        caches.catalogue.reload(&mut conn)?;
    }
    let mut last_ping = Instant::now();
    loop {
        std::thread::sleep(POLL);
        let Some(caches) = caches.upgrade() else {
            return Ok(());
        };
        let mut reload = false;
        if let DbConnection::Pg(pg) = &mut conn {
            for notification in pg.notifications_iter() {
                match Invalidation::parse(&notification?.payload) {
                    Some(Invalidation::Catalogue) => reload = true,
                    Some(inv) => caches.forget(&inv),
                    None => tracing::warn!("unknown invalidation payload"),
                }
            }
        }
        if reload {
            caches.catalogue.reload(&mut conn)?;
        }
        if last_ping.elapsed() > PING_EVERY {
            conn.batch_execute("SELECT 1")?;
            last_ping = Instant::now();
        }
    }
}
