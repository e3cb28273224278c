use std::fmt;

use unicode_normalization::UnicodeNormalization;
use unicode_security::MixedScript;

use crate::Invalid;

/// An email address as Kiosk keys members by it: trimmed, folded (NFKC and
/// lower case), plausibly deliverable, and not mixing scripts within its
/// local part or within a domain label.
///
/// Folding makes `ｐaypal@example.com` (a fullwidth `ｐ`) the same account
/// as `paypal@example.com`. Lookalikes that folding cannot join — a
/// Cyrillic `а` among Latin letters — are refused by the UTS #39
/// mixed-script test: each part must resolve to one script (Latin,
/// Cyrillic, Greek, Japanese…), digits and punctuation fitting any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let email = fold(raw.trim());
        let invalid = |why: &str| Invalid::validation("email", format!("The email {why}."));
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
        if !local.is_single_script() {
            return Err(invalid(
                "mixes scripts (such as Latin and Cyrillic) in its local part",
            ));
        }
        if !domain.split('.').all(MixedScript::is_single_script) {
            return Err(invalid(
                "mixes scripts (such as Latin and Cyrillic) in a domain label",
            ));
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// See [`mailbox`].
    pub fn mailbox(&self) -> String {
        mailbox(&self.0)
    }
}

/// NFKC, lower case, NFKC again: lower-casing can leave a string that
/// NFKC would change (a decomposed letter), so the second pass makes the
/// result a fixed point, and equal addresses compare equal.
fn fold(text: &str) -> String {
    text.nfkc()
        .collect::<String>()
        .to_lowercase()
        .nfkc()
        .collect()
}

/// The mailbox an address delivers to, which once-per-reader rules (the
/// free trial) count by: the address with any `+tag` cut from its local
/// part, since mail providers deliver `reader+news@` to `reader@`
/// (`reader+a+b@example.com` → `reader@example.com`). A local part that
/// starts with `+` is kept whole. Other provider aliases (Gmail ignoring
/// dots, say) are left alone: they are not common to all providers.
///
/// Takes an address as `Email::parse` (or a member's stored email) has it.
/// The trial-ledger migration computes the same in SQL for rows written
/// before the ledger kept mailboxes.
pub fn mailbox(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => match local.split_once('+') {
            Some((untagged, _)) if !untagged.is_empty() => format!("{untagged}@{domain}"),
            _ => address.to_owned(),
        },
        None => address.to_owned(),
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
    fn folds_compatibility_forms_and_case() {
        for (raw, folded) in [
            ("\u{FF50}aul@example.com", "paul@example.com"),
            ("ＲＥＡＤＥＲ@example.com", "reader@example.com"),
            ("reader\u{FF20}example\u{FF0E}com", "reader@example.com"),
            ("\u{FB01}nn@example.com", "finn@example.com"),
            ("Jürgen@Example.DE", "jürgen@example.de"),
            ("ju\u{308}rgen@example.de", "jürgen@example.de"),
            ("ИВАН@ПРИМЕР.РФ", "иван@пример.рф"),
        ] {
            let email = Email::parse(raw).map(|e| e.0);
            assert_eq!(email.ok().as_deref(), Some(folded), "{raw:?}");
        }
    }

    #[test]
    fn refuses_mixed_scripts_in_the_local_part_or_a_domain_label() {
        for raw in [
            "p\u{430}ypal@example.com",
            "\u{440}eader@example.com",
            "reader@ex\u{430}mple.com",
            "reader@example.c\u{43E}m",
            "αlpha@example.com",
        ] {
            let field = Email::parse(raw).err().and_then(|e| e.field);
            assert_eq!(field, Some("email"), "{raw:?} should be refused");
        }
    }

    #[test]
    fn accepts_one_script_per_part() {
        for raw in [
            "иван@пример.рф",
            "иван.1990+новости@example.com",
            "reader@пример.com",
            "山田たろう@例え.jp",
            "ελένη@example.gr",
            "o'brien-2@example.ie",
        ] {
            assert!(Email::parse(raw).is_ok(), "{raw:?} should be accepted");
        }
    }

    #[test]
    fn the_mailbox_drops_the_plus_tag() {
        for (raw, mailbox) in [
            ("reader@example.com", "reader@example.com"),
            ("reader+news@example.com", "reader@example.com"),
            ("reader+a+b@example.com", "reader@example.com"),
            ("Reader+News@Example.com", "reader@example.com"),
            ("first.last+x@example.com", "first.last@example.com"),
            ("+tag@example.com", "+tag@example.com"),
            ("reader+@example.com", "reader@example.com"),
        ] {
            let email = Email::parse(raw).map(|e| e.mailbox());
            assert_eq!(email.ok().as_deref(), Some(mailbox), "{raw:?}");
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
