//! Storage probes: what the black-box API tests cannot see, checked in the
//! database: the meter's batches against reads one at a time, planner
//! statistics, connections cut under the writer, replicas racing. Each
//! runs on SQLite and PostgreSQL where both apply.

// The API suite's set-up, shared: that suite uses all of it, this one a part.
#[allow(
    dead_code,
    reason = "shared with the API suite, which uses every helper"
)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(
    dead_code,
    reason = "shared with the API suite, which uses every helper"
)]
#[path = "../api/paywall.rs"]
mod paywall;

mod meters;
