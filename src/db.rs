//! The storage crate as the service uses it: its queries and connections,
//! and `Db`, which runs them off the async workers and answers their
//! failures as API errors.

use std::time::Duration;

pub use kiosk_store::*;

use crate::error::ApiError;

/// The pool and what it was built from; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub backend: Backend,
}

impl Db {
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Self> {
        let Store { pool, backend } = Store::connect(url, pool_size, timeout)?;
        Ok(Self { pool, backend })
    }

    pub fn migrate(&self) -> anyhow::Result<()> {
        Store {
            pool: self.pool.clone(),
            backend: self.backend,
        }
        .migrate()
    }

    /// Runs blocking database work off the async workers. Pool exhaustion and
    /// a lost database answer 503 after the pool's bounded wait.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(ApiError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Like `run`, inside one write transaction (see `write_transaction`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }
}
