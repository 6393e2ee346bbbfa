//! `switchboard token create|ls|rm`: bearer tokens for `run --transport http`. A running
//! gateway picks up changes within a second: new tokens work, removed ones stop working.

use crate::store::{Home, TokenKind};

#[derive(Debug, clap::Subcommand)]
pub(super) enum TokenCommand {
    /// Create a token (or replace one) and print it once; only its hash is stored.
    Create {
        /// The token's name, which is also its workspace.
        name: String,
        /// An admin token: it opens the provisioning API (`/admin/v1`), not `/mcp`.
        #[arg(long)]
        admin: bool,
    },
    /// List token names and kinds.
    Ls,
    /// Delete a token: a running gateway refuses it, closes its sessions and stops its
    /// workspace's containers.
    Rm { name: String },
}

pub(super) fn run(command: TokenCommand, home: &Home) -> anyhow::Result<()> {
    let store = home.tokens();
    match command {
        TokenCommand::Create { name, admin } => {
            let kind = if admin {
                TokenKind::Admin
            } else {
                TokenKind::Workspace
            };
            let token = store.create(&name, kind)?;
            println!("{token}");
            let opens = match kind {
                TokenKind::Admin => "/admin/v1",
                TokenKind::Workspace => "/mcp",
            };
            eprintln!(
                "{} token `{name}` created; it is shown only now. Clients send it to {opens} as `Authorization: Bearer <token>`.",
                kind.as_str()
            );
        }
        TokenCommand::Ls => {
            for (name, kind) in store.list()? {
                println!("{name}\t{}", kind.as_str());
            }
        }
        TokenCommand::Rm { name } => {
            anyhow::ensure!(store.remove(&name)?, "there is no token named `{name}`");
            eprintln!("token `{name}` removed");
        }
    }
    Ok(())
}
