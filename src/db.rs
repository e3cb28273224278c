//! The storage crate as the HTTP layer uses it: its queries and
//! connections, and `Db`, the core's database handle whose work answers
//! API errors.

use std::ops::Deref;
use std::time::Duration;

pub use kiosk_store::*;

use crate::error::ApiError;

/// The core's handle (it dereferences to it, for the services), running
/// work whose errors are the HTTP layer's. Cheap to clone.
#[derive(Clone)]
pub struct Db(pub kiosk_core::db::Db);

impl Deref for Db {
    type Target = kiosk_core::db::Db;

    fn deref(&self) -> &kiosk_core::db::Db {
        &self.0
    }
}

impl Db {
    pub fn connect(url: &str, pool_size: u32, timeout: Duration) -> anyhow::Result<Self> {
        let store = Store::connect(url, pool_size, timeout)?;
        Ok(Self(kiosk_core::db::Db(store)))
    }

    /// Runs blocking database work off the async workers. Pool exhaustion and
    /// a lost database answer 503 after the pool's bounded wait.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.0.run_as(f).await
    }

    /// Like `run`, inside one write transaction (see `write_transaction`).
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.0.write_as(f).await
    }
}
