use std::fmt;

use crate::error::ApiError;

/// An email address as Kiosk keys members by it: trimmed, lower-cased and
/// plausibly deliverable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let email = raw.trim().to_lowercase();
        let invalid = |why: &str| ApiError::validation("email", format!("The email {why}."));
        if email.is_empty() {
            return Err(invalid("is empty"));
        }
        if email.len() > Self::MAX_LEN {
            return Err(invalid("is longer than 254 characters"));
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("contains spaces or control characters"));
        }
        let (local, domain) = email.rsplit_once('@').ok_or_else(|| invalid("has no @"))?;
        if local.is_empty() || local.len() > 64 || !local_part_ok(local) {
            return Err(invalid("has an invalid local part"));
        }
        let labels_ok = domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
        if !domain.contains('.') || !labels_ok {
            return Err(invalid("has an invalid domain"));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An unquoted RFC 5322 local part (dot-atom), Unicode letters allowed
/// (RFC 6531): no specials such as `<>()[]\\,;:"@`, no empty dot-separated
/// part. Quoted local parts are refused; nobody signs up with them.
fn local_part_ok(local: &str) -> bool {
    const ATEXT: &str = "!#$%&'*+/=?^_`{|}~-";
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_alphanumeric() || ATEXT.contains(c))
    })
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        let email = Email::parse("  Reader@Example.COM ").map(|e| e.0);
        assert_eq!(email.ok().as_deref(), Some("reader@example.com"));
    }

    #[test]
    fn accepts_common_addresses() {
        for raw in [
            "reader@example.com",
            "first.last+news@example.co.uk",
            "o'brien@example.ie",
            "jürgen@example.de",
            "a_b-c@sub.example.org",
        ] {
            assert!(Email::parse(raw).is_ok(), "{raw:?} should be accepted");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        let long = format!("{}@example.com", "a".repeat(300));
        for raw in [
            "",
            "   ",
            "no-at-sign",
            "@example.com",
            "reader@",
            "reader@localhost",
            "rea der@example.com",
            "reader@exa mple.com",
            "reader\0@example.com",
            "reader@-example.com",
            "reader@example..com",
            "<script>@example.com",
            "a\"b@example.com",
            ".reader@example.com",
            "rea..der@example.com",
            "reader.@example.com",
            "rea,der@example.com",
            long.as_str(),
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} should be rejected");
        }
    }
}
