//! What a rule answers when its input breaks it: a stable code (which
//! carries its HTTP status), a detail a person can read and, for a field
//! of a request, its name. The HTTP layer answers it as a problem.

use crate::ErrorCode;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {detail}")]
pub struct Invalid {
    pub code: ErrorCode,
    pub detail: String,
    pub field: Option<&'static str>,
}

impl Invalid {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            field: None,
        }
    }

    /// A field that fails validation (`validation_failed`).
    pub fn validation(field: &'static str, detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::ValidationFailed, detail).with_field(field)
    }

    pub fn with_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
}
