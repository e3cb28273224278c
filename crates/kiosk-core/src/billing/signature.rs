//! Stripe's webhook signature: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`,
//! where each `v1` is HMAC-SHA256 of `"<t>.<raw body>"` under the endpoint's
//! signing secret. Several `v1` values appear while a secret is being
//! rolled; any one matching is enough. `v0` (a legacy scheme) is never
//! trusted.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far the signed timestamp may be from now, either way.
pub const TOLERANCE_SECS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing")]
    Missing,
    #[error("the Stripe-Signature header is malformed")]
    Malformed,
    #[error("the Stripe-Signature header carries no v1 signature")]
    NoV1,
    #[error("the signed timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks `header` against `body` and `secret` at `now`.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secret: &str,
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let (timestamp, signatures) = parse(header)?;
    if signatures.is_empty() {
        return Err(SignatureError::NoV1);
    }
    let t: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if (now.timestamp() - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = signed_payload_mac(secret, timestamp, body)?;
    let matched = signatures.iter().any(|candidate| {
        hex::decode(candidate).is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok())
    });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The `t` value and every `v1` value; other schemes are skipped.
fn parse(header: &str) -> Result<(&str, Vec<&str>), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',') {
        let (key, value) = item
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match key {
            "t" if timestamp.is_none() && is_digits(value) => timestamp = Some(value),
            "t" => return Err(SignatureError::Malformed),
            "v1" => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    Ok((timestamp, signatures))
}

fn is_digits(value: &str) -> bool {
    !value.is_empty() && value.len() <= 12 && value.bytes().all(|b| b.is_ascii_digit())
}

fn signed_payload_mac(
    secret: &str,
    timestamp: &str,
    body: &[u8],
) -> Result<Hmac<Sha256>, SignatureError> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Mismatch)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// A `Stripe-Signature` value for `body` signed at `t`, as Stripe builds it
/// (for tests and local tooling).
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    let hex = signed_payload_mac(secret, &t.to_string(), body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("t={t},v1={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &str = "whsec_test";

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000, 0).single().expect("valid")
    }

    fn v1(secret: &str, t: i64, body: &[u8]) -> String {
        sign(secret, t, body)
            .split_once(",v1=")
            .map(|(_, s)| s.to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn signature_table() {
        let body = br#"{"id":"evt_1"}"#;
        let t = now().timestamp();
        let good = v1(SECRET, t, body);
        let other = v1("whsec_other", t, body);
        use SignatureError::*;
        let rows: Vec<(Option<String>, Result<(), SignatureError>)> = vec![
            (Some(sign(SECRET, t, body)), Ok(())),
            (Some(format!("t={t},v1={other},v1={good}")), Ok(())),
            (Some(format!("t={t}, v1={good}, v0=abc")), Ok(())),
            (Some(format!("v1={good},t={t}")), Ok(())),
            (
                Some(format!("t={},v1={}", t - 299, v1(SECRET, t - 299, body))),
                Ok(()),
            ),
            (
                Some(format!("t={},v1={}", t - 301, v1(SECRET, t - 301, body))),
                Err(Stale),
            ),
            (
                Some(format!("t={},v1={}", t + 301, v1(SECRET, t + 301, body))),
                Err(Stale),
            ),
            (None, Err(Missing)),
            (Some(String::new()), Err(Malformed)),
            (Some("garbage".into()), Err(Malformed)),
            (Some(format!("t=abc,v1={good}")), Err(Malformed)),
            (Some(format!("t={t},t={t},v1={good}")), Err(Malformed)),
            (Some(format!("v1={good}")), Err(Malformed)),
            (Some(format!("t={t},v0={good}")), Err(NoV1)),
            (Some(format!("t={t},v1={other}")), Err(Mismatch)),
            (Some(format!("t={t},v1=zz{good}")), Err(Mismatch)),
            (Some(format!("t={t},v1=")), Err(Mismatch)),
            (Some(format!("t={t},v1={}", &good[..10])), Err(Mismatch)),
        ];
        for (header, expected) in rows {
            assert_eq!(
                verify(header.as_deref(), body, SECRET, now()),
                expected,
                "{header:?}"
            );
        }
    }

    #[test]
    fn a_changed_body_fails() {
        let t = now().timestamp();
        let header = sign(SECRET, t, br#"{"id":"evt_1"}"#);
        assert_eq!(
            verify(Some(&header), br#"{"id":"evt_2"}"#, SECRET, now()),
            Err(SignatureError::Mismatch)
        );
    }
}
