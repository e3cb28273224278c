use serde::{Deserialize, Serialize};

use crate::Invalid;

/// How an article may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessLevel {
    Free,
    Registered,
    Metered,
    Premium,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 4] = [Self::Free, Self::Registered, Self::Metered, Self::Premium];

    pub fn parse(raw: &str, field: &'static str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|level| level.as_str() == raw)
            .ok_or_else(|| {
                Invalid::validation(
                    field,
                    "The access level must be free, registered, metered or premium.",
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Registered => "registered",
            Self::Metered => "metered",
            Self::Premium => "premium",
        }
    }
}
