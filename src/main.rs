use clap::Parser;

use kiosk::cli::{self, Cli};
use kiosk::config::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    kiosk::telemetry::init(&settings.log_format);
    cli::run(cli, settings).await
}
