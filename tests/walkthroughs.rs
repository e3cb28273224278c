//! The documented walkthroughs work: every ```sh block of README.md and of
//! the user guide (docs/guide/) runs, in order and verbatim, against a fresh
//! Kiosk started from this build's binary (`scripts/walkthroughs.sh`; it
//! needs bash, curl, jq, node and python3, which `scripts/test.sh` installs).

use std::process::Command;

#[test]
fn the_readme_and_guide_walkthroughs_run() {
    let output = Command::new("bash")
        .arg("scripts/walkthroughs.sh")
        .arg(env!("CARGO_BIN_EXE_kiosk"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash runs scripts/walkthroughs.sh");
    assert!(
        output.status.success(),
        "scripts/walkthroughs.sh failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}
