use crate::ErrorCode;
use crate::Invalid;

/// A password as a reader chose it: compared byte for byte (no trimming or
/// normalising), at least 8 characters, and bounded so that hashing cost is.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_BYTES: usize = 1024;

    pub fn parse(raw: String) -> Result<Self, Invalid> {
        if raw.len() > Self::MAX_BYTES {
            return Err(Invalid::new(
                ErrorCode::PasswordTooLong,
                format!("The password must be at most {} bytes.", Self::MAX_BYTES),
            )
            .with_field("password"));
        }
        if raw.chars().count() < Self::MIN_CHARS {
            return Err(Invalid::new(
                ErrorCode::WeakPassword,
                format!(
                    "The password must have at least {} characters.",
                    Self::MIN_CHARS
                ),
            )
            .with_field("password"));
        }
        if raw.contains('\0') {
            return Err(Invalid::validation(
                "password",
                "The password contains a NUL character.",
            ));
        }
        Ok(Self(raw))
    }

    /// A password presented at sign-in: only the length bound applies, so a
    /// short guess is answered like any wrong password.
    pub fn for_sign_in(raw: String) -> Result<Self, Invalid> {
        if raw.len() > Self::MAX_BYTES {
            return Err(Invalid::new(
                ErrorCode::PasswordTooLong,
                format!("The password must be at most {} bytes.", Self::MAX_BYTES),
            )
            .with_field("password"));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        let cases: &[(&str, Option<&str>)] = &[
            ("short", Some("weak_password")),
            ("1234567", Some("weak_password")),
            ("12345678", None),
            (
                "ünïcödé pässwörd with spaces and more than sixty-four characters ✓✓✓",
                None,
            ),
            ("ééééééé", Some("weak_password")),
        ];
        for (raw, expected) in cases {
            let got = Password::parse((*raw).to_owned())
                .err()
                .map(|e| e.code.as_str());
            assert_eq!(got, *expected, "{raw:?}");
        }
        let huge = "x".repeat(Password::MAX_BYTES + 1);
        assert_eq!(
            Password::parse(huge).err().map(|e| e.code.as_str()),
            Some("password_too_long")
        );
    }
}
