//! Article ids and visitor ids: text the publisher chooses, bounded and
//! free of control characters, so they are safe as keys, in logs and in
//! tokens.

use super::text::is_hidden;
use crate::Invalid;

pub const MAX_ID_CHARS: usize = 256;

fn parse_external(raw: &str, field: &'static str, what: &str) -> Result<String, Invalid> {
    let chars = raw.chars().count();
    if chars == 0 || chars > MAX_ID_CHARS {
        return Err(Invalid::validation(
            field,
            format!("The {what} must be 1 to {MAX_ID_CHARS} characters."),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(Invalid::validation(
            field,
            format!("The {what} must not contain control characters."),
        ));
    }
    Ok(raw.to_owned())
}

/// A publisher's own id for an article.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArticleId(String);

impl ArticleId {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Invalid> {
        parse_external(raw, field, "article id").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id a publisher gives an anonymous reader (cookie, device). Untrusted:
/// it only separates one anonymous meter from another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorId(String);

impl VisitorId {
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Invalid> {
        parse_external(raw, field, "visitor id").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Optional free text on an article (title, section), bounded, without
/// control or format characters (see [`is_hidden`]).
pub fn parse_label(
    raw: Option<&str>,
    field: &'static str,
    max_chars: usize,
) -> Result<Option<String>, Invalid> {
    match raw {
        None => Ok(None),
        Some(text) if text.chars().count() > max_chars => Err(Invalid::validation(
            field,
            format!("The {field} must be at most {max_chars} characters."),
        )),
        Some(text) if text.chars().any(is_hidden) => Err(Invalid::validation(
            field,
            format!("The {field} must not contain control or invisible formatting characters."),
        )),
        Some(text) => Ok(Some(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn article_ids() {
        let long = "a".repeat(MAX_ID_CHARS);
        let too_long = "a".repeat(MAX_ID_CHARS + 1);
        let wide = "é".repeat(MAX_ID_CHARS);
        let rows: [(&str, bool); 7] = [
            ("starmer-zelensky", true),
            (&long, true),
            (&wide, true),
            ("", false),
            (&too_long, false),
            ("a\nb", false),
            ("nul\0", false),
        ];
        for (raw, ok) in rows {
            assert_eq!(ArticleId::parse(raw, "article_id").is_ok(), ok, "{raw:?}");
            assert_eq!(VisitorId::parse(raw, "visitor_id").is_ok(), ok, "{raw:?}");
        }
    }

    #[test]
    fn labels() {
        assert!(parse_label(Some("Politics"), "section", 10).is_ok());
        assert!(parse_label(Some("Politics!!!"), "section", 10).is_err());
        assert!(parse_label(Some("a\tb"), "section", 10).is_err());
        assert_eq!(parse_label(None, "section", 10).ok(), Some(None));
        for raw in ["a\u{202E}b", "\u{200B}", "x\u{2067}y", "\u{FEFF}"] {
            let field = parse_label(Some(raw), "title", 10)
                .err()
                .and_then(|e| e.field);
            assert_eq!(field, Some("title"), "{raw:?}");
        }
    }
}
