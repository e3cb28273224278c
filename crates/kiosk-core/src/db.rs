//! The storage crate as the services use it: its queries and connections,
//! and `Db`, which runs them off the async workers.

pub use kiosk_store::*;

use crate::error::CoreError;

/// The pool and what it was built from; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub backend: Backend,
}

impl Db {
    /// Runs blocking database work off the async workers. Pool exhaustion and
    /// a lost database answer 503 after the pool's bounded wait.
    pub async fn run<T, F>(&self, f: F) -> Result<T, CoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, CoreError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(CoreError::unavailable)?;
            f(&mut conn)
        })
        .await
        .map_err(|e| CoreError::internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Like `run`, inside one write transaction (see `write_transaction`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, CoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, CoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| write_transaction(conn, f)).await
    }
}
