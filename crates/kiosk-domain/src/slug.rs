//! Identifiers that appear in URLs: publisher slugs and plan codes. Both are
//! lowercase ASCII letters, digits and inner hyphens, so they need no
//! escaping anywhere and compare byte for byte.

use std::fmt;

use crate::Invalid;

const MAX_LEN: usize = 64;

fn check(raw: &str, field: &'static str, what: &str) -> Result<String, Invalid> {
    let invalid = |why: &str| Invalid::validation(field, format!("The {what} {why}."));
    if raw.is_empty() {
        return Err(invalid("is empty"));
    }
    if raw.len() > MAX_LEN {
        return Err(invalid("is longer than 64 characters"));
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            "may contain only lowercase letters a-z, digits and hyphens",
        ));
    }
    if raw.starts_with('-') || raw.ends_with('-') {
        return Err(invalid("must not start or end with a hyphen"));
    }
    Ok(raw.to_owned())
}

/// A publisher's slug (`the-independent`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        check(raw, "slug", "slug").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A plan's code (`all-access`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanCode(String);

impl PlanCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        check(raw, "code", "plan code").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lowercase_words_with_inner_hyphens() {
        let longest = "a".repeat(64);
        for raw in ["a", "7", "the-independent", "all-access-2026", &longest] {
            assert!(Slug::parse(raw).is_ok(), "{raw:?}");
            assert!(PlanCode::parse(raw).is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn rejects_everything_else_with_the_field() {
        let too_long = "a".repeat(65);
        for raw in [
            "",
            &too_long,
            "The-Independent",
            "the independent",
            "the_independent",
            "-lead",
            "trail-",
            "café",
            "a/b",
            "a\0b",
            "../etc",
        ] {
            let slug = Slug::parse(raw).err().and_then(|e| e.field);
            assert_eq!(slug, Some("slug"), "{raw:?}");
            let code = PlanCode::parse(raw).err().and_then(|e| e.field);
            assert_eq!(code, Some("code"), "{raw:?}");
        }
    }
}
