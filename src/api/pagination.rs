//! Cursor pagination for every list: `?limit=&after=`. The cursor is the id
//! of the last item of the previous page; ids are time-ordered, so pages
//! stay stable while rows are added.

use serde::Serialize;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;
const MAX_CURSOR_LEN: usize = 100;

/// A parsed page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageRequest {
    pub fn parse(limit: Option<i64>, after: Option<String>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation(
                "limit",
                format!("limit must be between 1 and {MAX_LIMIT}."),
            ));
        }
        let after = after.filter(|a| !a.is_empty());
        if let Some(cursor) = &after {
            let well_formed = cursor.len() <= MAX_CURSOR_LEN
                && cursor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !well_formed {
                return Err(ApiError::validation(
                    "after",
                    "after must be the next_cursor of a previous page.",
                ));
            }
        }
        Ok(Self { limit, after })
    }

    /// Rows to ask the database for: one more than the page, to learn
    /// whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    pub fn after(&self) -> Option<&str> {
        self.after.as_deref()
    }
}

/// One page of a list: `{"data": [...], "next_cursor": "..." | null}`.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in cursor order.
    pub fn from_rows<R>(
        mut rows: Vec<R>,
        request: &PageRequest,
        cursor: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(cursor) } else { None };
        Self {
            data: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_bounded() {
        assert_eq!(
            PageRequest::parse(None, None).map(|p| p.limit).ok(),
            Some(50)
        );
        assert!(PageRequest::parse(Some(200), Some("pub_01".into())).is_ok());
        for (limit, after) in [
            (Some(0), None),
            (Some(-1), None),
            (Some(201), None),
            (None, Some("x".repeat(101))),
            (None, Some("a' OR 1=1".into())),
        ] {
            assert!(PageRequest::parse(limit, after).is_err());
        }
    }

    #[test]
    fn next_cursor_only_when_more_rows_follow() {
        let request = PageRequest::parse(Some(2), None).expect("request");
        let page = Page::from_rows(vec![1, 2, 3], &request, |n| n.to_string(), |n| n);
        assert_eq!(page.data, vec![1, 2]);
        assert_eq!(page.next_cursor.as_deref(), Some("2"));
        let last = Page::from_rows(vec![1, 2], &request, |n| n.to_string(), |n| n);
        assert_eq!(last.next_cursor, None);
    }
}
