//! Kiosk's storage: one diesel connection type over PostgreSQL and SQLite,
//! chosen by the database URL's scheme, behind an r2d2 pool; the schema,
//! the migrations and every query. Query functions are synchronous and take
//! `&mut DbConnection`, so they compose inside one transaction; the HTTP
//! layer runs them off its async workers. Depends on the domain crate for
//! its types, on nothing above it.

/// Runs a query `MultiConnection` cannot compile (`ON CONFLICT`,
/// `RETURNING`) on whichever backend `conn` is: the query is written once
/// and compiled for each, with `c` the backend's own connection.
macro_rules! on_each_backend {
    ($conn:expr, |$c:ident| $query:expr) => {
        match $conn {
            $crate::DbConnection::Pg($c) => $query,
            $crate::DbConnection::Sqlite($c) => $query,
        }
    };
}

pub mod api_keys;
pub mod articles;
pub mod audit;
pub mod billing;
pub mod entitlements;
pub mod lifecycle_events;
pub mod members;
pub mod meters;
pub mod meters_batch;
pub mod plans;
mod prepared;
pub mod publishers;
pub mod schema;
pub mod sessions;
pub mod signing_keys;
pub mod stripe_events;
pub mod subscriptions;
pub mod trials;

use std::time::Duration;

use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// Where to connect, parsed from the configured URL so that the backend is
/// chosen by scheme (a refused PostgreSQL connection then reports its real
/// cause instead of "invalid connection url").
#[derive(Clone)]
pub struct DbTarget {
    pub backend: Backend,
    url: String,
}

impl DbTarget {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                url: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .context("the database URL must start with sqlite:// or postgres://")?;
        anyhow::ensure!(!path.is_empty(), "the SQLite database URL names no file");
        Ok(Self {
            backend: Backend::Sqlite,
            url: path.to_owned(),
        })
    }

    /// The SQLite file this URL names (`None` on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<&str> {
        (self.backend == Backend::Sqlite).then_some(self.url.as_str())
    }

    fn connect(&self, statement_timeout: Duration) -> ConnectionResult<DbConnection> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                let millis = statement_timeout.as_millis();
                conn.batch_execute(&format!(
                    "SET statement_timeout = {millis}; SET lock_timeout = {millis}; SET TIME ZONE 'UTC';"
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                let millis = statement_timeout.as_millis();
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {millis}; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                ))
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

pub struct Manager {
    target: DbTarget,
    statement_timeout: Duration,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        self.target
            .connect(self.statement_timeout)
            .map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// The pool and what it was built from; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub pool: Pool,
    pub backend: Backend,
}

impl Store {
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Self> {
        let target = DbTarget::parse(url)?;
        let backend = target.backend;
        let manager = Manager {
            target,
            statement_timeout: timeout,
        };
        let pool = r2d2::Pool::builder()
            .max_size(pool_size.max(1))
            // No background connects: a process (the CLI) may exit while
            // r2d2 would still be opening a replacement inside libpq.
            .min_idle(Some(0))
            .connection_timeout(timeout)
            .build(manager)
            .context("could not open the database")?;
        Ok(Self { pool, backend })
    }

    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get().context("could not open the database")?;
        run_migrations(&mut conn)
    }
}

/// One transaction that may write. On SQLite it starts with `BEGIN IMMEDIATE`
/// so that a read-then-write never fails on a lock upgrade; the closure must
/// not open transactions of its own.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Pg(_) => conn.transaction(f),
        DbConnection::Sqlite(_) => {
            conn.batch_execute("BEGIN IMMEDIATE")?;
            match f(conn) {
                Ok(value) => match conn.batch_execute("COMMIT") {
                    Ok(()) => Ok(value),
                    Err(e) => {
                        let _ = conn.batch_execute("ROLLBACK");
                        Err(e.into())
                    }
                },
                Err(e) => {
                    let _ = conn.batch_execute("ROLLBACK");
                    Err(e)
                }
            }
        }
    }
}

fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<()> {
    match conn {
        DbConnection::Pg(pg) => {
            // Replicas starting together take turns.
            pg.batch_execute("SELECT pg_advisory_lock(7365420011)")?;
            let result = pg
                .run_pending_migrations(PG_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
            pg.batch_execute("SELECT pg_advisory_unlock(7365420011)")?;
            result
        }
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(|e| anyhow::anyhow!("migration failed: {e}")),
    }
}

/// Is the database answering? For `/readyz`.
pub fn ping(conn: &mut DbConnection) -> QueryResult<()> {
    conn.batch_execute("SELECT 1")
}

/// True when an insert failed on a UNIQUE constraint.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
