//! A publisher's reading rules: how many metered articles a reader gets per
//! period, and which web origins may call the front-end route.

use crate::Invalid;

/// Free metered reads per period: 0 (no free reads) to 10,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeterLimit(i32);

impl MeterLimit {
    pub const MAX: i64 = 10_000;

    pub fn parse(raw: i64, field: &'static str) -> Result<Self, Invalid> {
        match i32::try_from(raw) {
            Ok(n) if (0..=Self::MAX).contains(&raw) => Ok(Self(n)),
            _ => Err(Invalid::validation(
                field,
                format!("{field} must be between 0 and {}.", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// Web origins allowed to call the front-end route for this publisher:
/// `http(s)://host[:port]`, no path, query or credentials; lower-cased and
/// without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origins(Vec<String>);

impl Origins {
    pub const MAX_COUNT: usize = 50;
    const MAX_LEN: usize = 300;

    pub fn parse(raw: &[String]) -> Result<Self, Invalid> {
        if raw.len() > Self::MAX_COUNT {
            return Err(Invalid::validation(
                "allowed_origins",
                format!(
                    "allowed_origins lists more than {} origins.",
                    Self::MAX_COUNT
                ),
            ));
        }
        let mut origins = raw
            .iter()
            .map(|o| parse_origin(o))
            .collect::<Result<Vec<_>, _>>()?;
        origins.sort();
        origins.dedup();
        Ok(Self(origins))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

fn parse_origin(raw: &str) -> Result<String, Invalid> {
    let invalid = || {
        let shown: String = raw.chars().take(80).collect();
        Invalid::validation(
            "allowed_origins",
            format!("{shown:?} is not an origin like https://example.com (no path)."),
        )
    };
    if raw.len() > Origins::MAX_LEN {
        return Err(invalid());
    }
    let lower = raw.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u16>().is_ok_and(|n| n > 0)
    });
    if host_ok && port_ok {
        Ok(lower)
    } else {
        Err(invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(raw: &[&str]) -> Result<Origins, Invalid> {
        Origins::parse(&raw.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn limits() {
        assert_eq!(MeterLimit::parse(0, "x").map(MeterLimit::get).ok(), Some(0));
        assert!(MeterLimit::parse(10_000, "x").is_ok());
        for bad in [-1, 10_001, i64::MAX] {
            let field = MeterLimit::parse(bad, "meter_limit_anonymous")
                .err()
                .and_then(|e| e.field);
            assert_eq!(field, Some("meter_limit_anonymous"));
        }
    }

    #[test]
    fn origins_are_normalised_and_deduplicated() {
        let parsed = origins(&[
            "https://www.Example.com",
            "http://localhost:3000",
            "https://www.example.com",
        ])
        .map(|o| o.0);
        assert_eq!(
            parsed.ok(),
            Some(vec![
                "http://localhost:3000".to_owned(),
                "https://www.example.com".to_owned()
            ])
        );
        assert_eq!(origins(&[]).map(|o| o.0.len()).ok(), Some(0));
    }

    #[test]
    fn anything_but_an_origin_is_refused() {
        let long = format!("https://{}.com", "a".repeat(400));
        for bad in [
            "example.com",
            "ftp://example.com",
            "https://",
            "https://example.com/",
            "https://example.com/path",
            "https://example.com?q=1",
            "https://example.com#x",
            "https://user@example.com",
            "https://example.com:0",
            "https://example.com:99999",
            "https://example.com:",
            "https://exa mple.com",
            "https://*.example.com",
            "*",
            "null",
            long.as_str(),
        ] {
            let field = origins(&[bad]).err().and_then(|e| e.field);
            assert_eq!(field, Some("allowed_origins"), "{bad:?}");
        }
        let many: Vec<String> = (0..=Origins::MAX_COUNT)
            .map(|i| format!("https://s{i}.example.com"))
            .collect();
        assert!(Origins::parse(&many).is_err());
    }
}
