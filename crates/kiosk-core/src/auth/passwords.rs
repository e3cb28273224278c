//! Argon2id password hashing on a bounded pool off the async workers. When
//! every slot and the waiting line are taken, callers wait a moment for a
//! place (`ADMISSION_WAIT`) and then get 503, rather than piling up behind
//! a flood of sign-ins.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::hash_pool::HashPool;
use crate::config::Settings;
use crate::domain::password::Password;
use crate::error::CoreError;

/// How long a sign-in or sign-up waits for a place in a full hashing line
/// before it is answered 503.
pub const ADMISSION_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Held from `admit` until the hash is done.
pub struct Admission(#[allow(dead_code)] OwnedSemaphorePermit);

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    pool: HashPool,
    admitted: Arc<Semaphore>,
    /// Verified against when the email is unknown, so that an unknown email
    /// costs the same time as a wrong password.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let params = Params::new(
            settings.argon2_memory_kib,
            settings.argon2_iterations,
            settings.argon2_parallelism,
            None,
        )
        .map_err(|e| anyhow::anyhow!("invalid Argon2 parameters: {e}"))?;
        let concurrency = settings.hash_concurrency();
        let dummy_hash = hash_with(&params, &crate::auth::secrets::random_token())?;
        Ok(Self {
            params,
            pool: HashPool::start(concurrency)?,
            admitted: Arc::new(Semaphore::new(concurrency + settings.hash_queue)),
            dummy_hash: Arc::new(dummy_hash),
        })
    }

    /// A place in the hashing line, taken before any other work so that a
    /// flood is turned away (503) as cheaply as possible. A caller that
    /// finds the line full waits up to `ADMISSION_WAIT` for a place: a
    /// reader who arrives at a busy moment still gets in, and a flood's
    /// connections are held back instead of being answered as fast as
    /// they ask (each waiter is a parked future, no thread and no CPU).
    pub async fn admit(&self) -> Result<Admission, CoreError> {
        if let Ok(permit) = self.admitted.clone().try_acquire_owned() {
            return Ok(Admission(permit));
        }
        match tokio::time::timeout(ADMISSION_WAIT, self.admitted.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Admission(permit)),
            _ => Err(CoreError::overloaded("password_hashing")),
        }
    }

    pub async fn hash(
        &self,
        admission: Admission,
        password: Password,
    ) -> Result<String, CoreError> {
        let params = self.params.clone();
        self.run(admission, move || {
            hash_with(&params, password.expose()).map_err(CoreError::internal)
        })
        .await
    }

    /// Checks `password` against `stored`, or against the dummy hash when
    /// there is no stored hash; the latter always answers false.
    pub async fn verify(
        &self,
        admission: Admission,
        password: Password,
        stored: Option<String>,
    ) -> Result<bool, CoreError> {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let matched = self
            .run(admission, move || {
                let parsed = PasswordHash::new(&phc)
                    .map_err(|e| CoreError::internal(anyhow::anyhow!("{e}")))?;
                Ok(Argon2::default()
                    .verify_password(password.expose().as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(known && matched)
    }

    async fn run<T, F>(&self, admission: Admission, work: F) -> Result<T, CoreError>
    where
        F: FnOnce() -> Result<T, CoreError> + Send + 'static,
        T: Send + 'static,
    {
        let _admission = admission;
        self.pool
            .run(work)
            .await
            .ok_or_else(|| CoreError::internal(anyhow::anyhow!("the hashing pool stopped")))?
    }
}

fn hash_with(params: &Params, password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    Ok(argon2
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .to_string())
}
