//! Keeping a statement prepared that diesel would prepare afresh each time.

use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// A statement whose SQL text never changes: diesel keeps it prepared on
/// the connection (keyed by its SQL), so the database parses and plans it
/// once per connection instead of once per execution. Diesel never caches
/// a raw `sql_query` (its text could be built at run time) nor an upsert
/// with `DO UPDATE` (its changeset could vary); wrap only those whose text
/// is fixed.
pub struct Prepared<Q>(pub Q);

impl<DB: Backend, Q: QueryFragment<DB>> QueryFragment<DB> for Prepared<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q> QueryId for Prepared<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, C> RunQueryDsl<C> for Prepared<Q> {}
