//! The `kiosk` command line.

use clap::{Parser, Subcommand};

use crate::auth::api_keys::{create as create_key, KeyKind};
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
    /// Manage admin API keys.
    AdminKey {
        #[command(subcommand)]
        action: AdminKeyAction,
    },
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

#[derive(Subcommand)]
pub enum AdminKeyAction {
    /// Create an admin key and print it once, on a line of its own.
    Create {
        #[arg(long)]
        name: String,
    },
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
        Command::AdminKey {
            action: AdminKeyAction::Create { name },
        } => {
            let db = open_database(&settings).await?;
            let text = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let mut conn = db.pool.get()?;
                let now = chrono::Utc::now();
                let (key, text) = crate::db::write_transaction(&mut conn, |c| {
                    let created = create_key(c, KeyKind::Admin, None, &name, now)?;
                    crate::db::audit::record(
                        c,
                        "cli",
                        "admin_key.create",
                        &created.0.id,
                        &serde_json::json!({ "name": name }),
                        now.naive_utc(),
                    )?;
                    Ok::<_, crate::error::ApiError>(created)
                })?;
                eprintln!("created admin key {} ({})", key.id, key.name);
                Ok(text)
            })
            .await??;
            println!("{text}");
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
