//! The storage crate as the services use it: its queries and connections,
//! and `Db`, which runs them off the async workers.

use std::ops::Deref;

pub use kiosk_store::*;

use crate::error::CoreError;

/// The store (its pool and backend), with its work run off the async
/// workers; cheap to clone.
#[derive(Clone)]
pub struct Db(pub Store);

impl Deref for Db {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.0
    }
}

impl Db {
    /// Runs blocking database work off the async workers. Pool exhaustion and
    /// a lost database answer 503 after the pool's bounded wait.
    pub async fn run<T, F>(&self, f: F) -> Result<T, CoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, CoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.run_as(f).await
    }

    /// Like `run`, inside one write transaction (see `write_transaction`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, CoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, CoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.write_as(f).await
    }

    /// `run` for a caller whose work answers its own error type, one a
    /// `CoreError` converts into (the HTTP layer's).
    pub async fn run_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<CoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| E::from(CoreError::unavailable(e)))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            E::from(CoreError::internal(anyhow::anyhow!(
                "blocking task failed: {e}"
            )))
        })?
    }

    /// `write` for a caller with its own error type (see `run_as`).
    pub async fn write_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<CoreError> + From<diesel::result::Error> + Send + 'static,
    {
        self.run_as(move |conn| write_transaction(conn, f)).await
    }
}
