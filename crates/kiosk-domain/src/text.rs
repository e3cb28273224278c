//! Free text that admins type: names and descriptions, trimmed and bounded
//! so that no field can grow a row without limit or smuggle control bytes
//! or invisible characters.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::Invalid;

/// Characters no name or title needs: control characters, and format
/// characters (general category Cf) — bidirectional overrides and isolates
/// such as U+202E and U+2066, zero-width characters such as U+200B, the
/// soft hyphen, the byte-order mark. They render as nothing or reorder the
/// text around them, so a name could read one way on screen and be stored
/// (and matched, and logged) as another. Zero-width joiners are refused
/// too, though some scripts and emoji sequences use them.
pub fn is_hidden(c: char) -> bool {
    c.is_control() || c.general_category() == GeneralCategory::Format
}

/// A display name: 1 to `max` characters after trimming, no control or
/// format characters (see [`is_hidden`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Invalid> {
        Self::parse_bounded(raw, field, Self::MAX_CHARS)
    }

    /// Like `parse` with a tighter bound (key names, say).
    pub fn parse_bounded(raw: &str, field: &'static str, max: usize) -> Result<Self, Invalid> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Invalid::validation(field, format!("The {field} is empty.")));
        }
        if name.chars().count() > max {
            return Err(Invalid::validation(
                field,
                format!("The {field} is longer than {max} characters."),
            ));
        }
        if name.chars().any(is_hidden) {
            return Err(Invalid::validation(
                field,
                format!("The {field} contains control or invisible formatting characters."),
            ));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A longer text, possibly empty; line breaks and tabs are kept, other
/// control characters and format characters are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let text = raw.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::validation(
                "description",
                format!(
                    "The description is longer than {} characters.",
                    Self::MAX_CHARS
                ),
            ));
        }
        if text
            .chars()
            .any(|c| is_hidden(c) && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(Invalid::validation(
                "description",
                "The description contains control or invisible formatting characters.",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  The Independent ", "name")
                .map(Name::into_inner)
                .ok(),
            Some("The Independent".to_owned())
        );
        let longest = "é".repeat(Name::MAX_CHARS);
        assert!(Name::parse(&longest, "name").is_ok());
        let too_long = "é".repeat(Name::MAX_CHARS + 1);
        for raw in ["", "   ", too_long.as_str(), "a\0b", "a\nb"] {
            let field = Name::parse(raw, "name").err().and_then(|e| e.field);
            assert_eq!(field, Some("name"), "{raw:?}");
        }
        assert!(Name::parse_bounded("abcd", "name", 3).is_err());
    }

    /// Text that renders as nothing or reorders what surrounds it: a
    /// right-to-left override, isolates, zero-width characters, a soft
    /// hyphen, a byte-order mark, an interlinear annotation anchor.
    const INVISIBLE: [&str; 7] = [
        "evil\u{202E}gnp.exe",
        "a\u{2066}b\u{2069}",
        "zero\u{200B}width",
        "join\u{200D}er",
        "soft\u{AD}hyphen",
        "\u{FEFF}bom",
        "anchor\u{FFF9}",
    ];

    #[test]
    fn names_refuse_invisible_characters() {
        for raw in INVISIBLE {
            let field = Name::parse(raw, "name").err().and_then(|e| e.field);
            assert_eq!(field, Some("name"), "{raw:?}");
            let field = Name::parse_bounded(raw, "name", 50)
                .err()
                .and_then(|e| e.field);
            assert_eq!(field, Some("name"), "{raw:?}");
        }
        for raw in [
            "Ελληνικά Νέα",
            "日本の新聞",
            "Al-Quds العربي",
            "O'Brien & Co. — 2026",
        ] {
            assert!(Name::parse(raw, "name").is_ok(), "{raw:?}");
        }
    }

    #[test]
    fn descriptions_refuse_invisible_characters() {
        for raw in INVISIBLE {
            let field = Description::parse(raw).err().and_then(|e| e.field);
            assert_eq!(field, Some("description"), "{raw:?}");
        }
    }

    #[test]
    fn descriptions_may_be_empty_and_multiline_but_bounded() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse("Every title.\nOne membership.\t").is_ok());
        let too_long = "x".repeat(Description::MAX_CHARS + 1);
        for raw in [too_long.as_str(), "bell\u{7}", "nul\0"] {
            let field = Description::parse(raw).err().and_then(|e| e.field);
            assert_eq!(field, Some("description"), "{raw:?}");
        }
    }
}
