//! Ids are text: a type prefix and a UUIDv7 body (`mem_…`), readable in logs
//! and time-ordered in indexes.

pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let a = new_id("mem");
        let b = new_id("mem");
        assert!(a.starts_with("mem_"));
        assert_eq!(a.len(), 4 + 32);
        assert!(a < b, "{a} should sort before {b}");
    }
}
