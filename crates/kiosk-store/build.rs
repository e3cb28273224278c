// The migrations are embedded in this crate (`PG_MIGRATIONS`,
// `SQLITE_MIGRATIONS`); a new migration directory must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
