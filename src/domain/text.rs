//! Free text that admins type: names and descriptions, trimmed and bounded
//! so that no field can grow a row without limit or smuggle control bytes.

use crate::error::ApiError;

/// A display name: 1 to `max` characters after trimming, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, ApiError> {
        Self::parse_bounded(raw, field, Self::MAX_CHARS)
    }

    /// Like `parse` with a tighter bound (key names, say).
    pub fn parse_bounded(raw: &str, field: &'static str, max: usize) -> Result<Self, ApiError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(ApiError::validation(
                field,
                format!("The {field} is empty."),
            ));
        }
        if name.chars().count() > max {
            return Err(ApiError::validation(
                field,
                format!("The {field} is longer than {max} characters."),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(ApiError::validation(
                field,
                format!("The {field} contains control characters."),
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
/// control characters are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub const MAX_CHARS: usize = 2000;

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let text = raw.trim();
        if text.chars().count() > Self::MAX_CHARS {
            return Err(ApiError::validation(
                "description",
                format!(
                    "The description is longer than {} characters.",
                    Self::MAX_CHARS
                ),
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(ApiError::validation(
                "description",
                "The description contains control characters.",
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
