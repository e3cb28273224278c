// The migrations are embedded in the binary (`db::PG_MIGRATIONS`,
// `db::SQLITE_MIGRATIONS`); a new migration directory must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
