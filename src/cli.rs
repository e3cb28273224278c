//! The `kiosk` command line.

use clap::{Parser, Subcommand};

use crate::auth::admin_keys;
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
    /// List admin keys (never their secrets), with last use and revocation.
    List,
    /// Revoke an admin key by its id (`key_…`).
    Revoke { id: String },
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
        Command::AdminKey { action } => {
            existing_database(&settings)?;
            let db = open_database(&settings).await?;
            let out = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
                let mut conn = db.pool.get()?;
                admin_key_command(&mut conn, action, chrono::Utc::now())
            })
            .await??;
            print!("{out}");
        }
        Command::SigningKey {
            action: SigningKeyAction::Rotate,
        } => {
            existing_database(&settings)?;
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

/// Commands other than `serve` and `migrate` work on the database a server
/// uses: a SQLite file that is not there is an error naming where it was
/// looked for, never a fresh database whose keys no server knows.
fn existing_database(settings: &Settings) -> anyhow::Result<()> {
    let target = crate::db::DbTarget::parse(&settings.database_url)?;
    let Some(path) = target.sqlite_path() else {
        return Ok(());
    };
    let file = std::path::Path::new(path);
    if path == ":memory:" || file.exists() {
        return Ok(());
    }
    let shown = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    anyhow::bail!(
        "no Kiosk database at {}: run this command in the folder the server runs in, \
         or point KIOSK_DATABASE_URL (or the config file's database_url) at the server's \
         database, e.g. KIOSK_DATABASE_URL=sqlite:///srv/kiosk/kiosk.db",
        shown.display()
    )
}

/// Runs an `admin-key` subcommand and answers what to print on stdout; a
/// new key's text is a line of its own.
pub fn admin_key_command(
    conn: &mut crate::db::DbConnection,
    action: AdminKeyAction,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<String> {
    match action {
        AdminKeyAction::Create { name } => {
            let (key, text) = admin_keys::create(conn, &name, now)?;
            eprintln!("created admin key {} ({})", key.id, key.name);
            Ok(format!("{text}\n"))
        }
        AdminKeyAction::List => Ok(admin_keys::format_table(&admin_keys::list(conn)?)),
        AdminKeyAction::Revoke { id } => {
            let key = admin_keys::revoke(conn, &id, now)?;
            Ok(format!("revoked {}\n", key.id))
        }
    }
}
