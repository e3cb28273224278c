//! Builds the application: database, keys, state, HTTP server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{from_fn, DefaultHeaders};
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use chrono::Duration;

use crate::access::Access;
use crate::api;
use crate::auth::passwords::PasswordHasher;
use crate::auth::tokens::KeyStore;
use crate::billing::Billing;
use crate::cache::invalidate::Invalidator;
use crate::cache::{listener, Caches};
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::lifecycle::Lifecycle;
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// Like `build`, with the clock given (tests move time with it).
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let db = open_database(&settings).await?;
        let keys = {
            let (db, settings, now) = (db.clone(), settings.clone(), clock.now());
            tokio::task::spawn_blocking(move || -> anyhow::Result<KeyStore> {
                let mut conn = db.pool.get()?;
                KeyStore::load(
                    &mut conn,
                    &settings.issuer,
                    &settings.audience,
                    Duration::hours(settings.retired_key_visible_hours),
                    now,
                )
            })
            .await??
        };
        let caches = load_caches(&db, &settings).await?;
        crate::api::metrics::install();
        let passwords = PasswordHasher::new(&settings)?;
        let stripe = crate::billing::from_settings(&settings)?.map(Arc::new);
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("could not listen on {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let core_db = db.0.clone();
        let keys = Arc::new(keys);
        let access = Access::new(
            &settings,
            core_db.clone(),
            caches.clone(),
            keys.clone(),
            clock.clone(),
        )?;
        let invalidator = Invalidator {
            caches: caches.clone(),
            db: core_db.clone(),
        };
        let lifecycle = Lifecycle::new(
            &settings,
            core_db.clone(),
            stripe.clone(),
            invalidator.clone(),
            clock.clone(),
        );
        let billing = Billing {
            db: core_db.clone(),
            stripe,
            invalidator: invalidator.clone(),
            clock: clock.clone(),
            webhook_secret: settings.stripe_webhook_secret.clone(),
        };
        let state = web::Data::new(AppState {
            settings: settings.clone(),
            db,
            keys,
            passwords,
            limits: crate::auth::rate_limit::Limits::from_settings(&settings),
            clock,
            lifecycle,
            billing,
            caches,
            access,
            invalidator,
        });
        let server = serve(listener, state.clone())?;
        spawn_key_reloader(state.clone());
        crate::lifecycle::sweeper::spawn(state.lifecycle.clone());
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let (url, size, timeout) = (
        settings.database_url.clone(),
        settings.db_pool_size,
        settings.db_timeout(),
    );
    tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::connect(&url, size, timeout)?;
        db.migrate()?;
        Ok(db)
    })
    .await?
}

/// The catalogue read at start; on PostgreSQL, the listener that applies
/// other replicas' invalidations.
async fn load_caches(db: &Db, settings: &Settings) -> anyhow::Result<Arc<Caches>> {
    let caches = Arc::new(Caches::default());
    let (db, url, weak) = (
        db.clone(),
        settings.database_url.trim().to_owned(),
        Arc::downgrade(&caches),
    );
    let loaded = caches.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = db.pool.get()?;
        if db.backend == Backend::Postgres {
            listener::start(url, weak)?;
        }
        loaded.catalogue.reload(&mut conn)?;
        Ok(())
    })
    .await??;
    Ok(caches)
}

fn serve(listener: TcpListener, state: web::Data<AppState>) -> anyhow::Result<Server> {
    let max_body = state.settings.max_body_bytes;
    let body_read_timeout = std::time::Duration::from_secs(state.settings.body_read_timeout_secs);
    let workers = state.settings.workers;
    let mut server = HttpServer::new(move || {
        // Innermost first: the head limits answer inside DefaultHeaders,
        // so their refusals carry the security headers too.
        App::new()
            .wrap(from_fn(api::head_limits::refuse_oversized))
            .wrap(
                DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("X-Frame-Options", "DENY"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("Cache-Control", "no-store")),
            )
            .wrap(from_fn(crate::telemetry::request_span))
            .app_data(state.clone())
            .configure(|cfg| api::configure(cfg, max_body, body_read_timeout))
            .default_service(web::to(api::not_found))
    })
    .listen(listener)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// Picks up keys rotated by another process or replica.
fn spawn_key_reloader(state: web::Data<AppState>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = state.keys.reload(&state.db, state.now()).await {
                tracing::warn!(error = %e, "could not reload signing keys");
            }
        }
    });
}
