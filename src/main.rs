use clap::Parser;

use kiosk::cli::{self, Cli};
use kiosk::config::Settings;

/// mimalloc rather than the system allocator: glibc's arenas are shared
/// between threads once there are more threads than arenas, and the meter
/// writer was seen waiting on an arena lock held by a request worker.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    kiosk::telemetry::init(&settings.log_format);
    cli::run(cli, settings).await
}
