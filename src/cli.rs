//! The `kiosk` command line.

use clap::{Parser, Subcommand};

use crate::config::Settings;
use crate::startup::{open_database, Application};

#[derive(Parser)]
#[command(
    name = "kiosk",
    version,
    about = "Paywall and subscription entitlements for news publishers"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage the Ed25519 keys that sign member tokens.
    SigningKey {
        #[command(subcommand)]
        action: SigningKeyAction,
    },
}

#[derive(Subcommand)]
pub enum SigningKeyAction {
    /// Add a new current key; the previous one stays in the JWKS for a while.
    Rotate,
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            tracing::info!(port = app.port(), "kiosk is listening");
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            open_database(&settings).await?;
            println!("migrations applied");
        }
        Command::SigningKey {
            action: SigningKeyAction::Rotate,
        } => {
            let db = open_database(&settings).await?;
            let kid = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let mut conn = db.pool.get()?;
                crate::auth::tokens::rotate(&mut conn, chrono::Utc::now())
            })
            .await??;
            println!("{kid}");
        }
    }
    Ok(())
}
