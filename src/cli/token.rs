//! `switchboard token create|ls|rm`: bearer tokens for `run --transport http`.

use crate::store::Home;

#[derive(Debug, clap::Subcommand)]
pub(super) enum TokenCommand {
    /// Create a token (or replace one) and print it once; only its hash is stored.
    Create {
        /// The token's name, which is also its workspace.
        name: String,
    },
    /// List token names.
    Ls,
    /// Delete a token.
    Rm { name: String },
}

pub(super) fn run(command: TokenCommand, home: &Home) -> anyhow::Result<()> {
    let store = home.tokens();
    match command {
        TokenCommand::Create { name } => {
            let token = store.create(&name)?;
            println!("{token}");
            eprintln!(
                "token `{name}` created; it is shown only now. Clients send it as `Authorization: Bearer <token>`."
            );
        }
        TokenCommand::Ls => {
            for name in store.names()? {
                println!("{name}");
            }
        }
        TokenCommand::Rm { name } => {
            anyhow::ensure!(store.remove(&name)?, "there is no token named `{name}`");
            eprintln!("token `{name}` removed");
        }
    }
    Ok(())
}
