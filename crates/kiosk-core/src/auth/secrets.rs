//! Random secrets and their stored form. Secrets here carry 256 bits of
//! entropy, so a plain SHA-256 is a sufficient stored form.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// 32 random bytes from the operating system, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS generator failing is not something a request can recover from.
    #[allow(clippy::expect_used)]
    getrandom::getrandom(&mut bytes).expect("the operating system's random generator failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn sha256_hex(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_distinct_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
    }

    #[test]
    fn comparison_is_exact() {
        let h = sha256_hex("secret");
        assert!(constant_time_eq(&h, &sha256_hex("secret")));
        assert!(!constant_time_eq(&h, &sha256_hex("Secret")));
        assert!(!constant_time_eq(&h, &h[..10]));
    }
}
