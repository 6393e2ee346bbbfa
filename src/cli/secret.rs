//! `switchboard secret set|ls|rm`: secrets in the 0600 file under `$SWITCHBOARD_HOME`.

use std::io::Read;

use anyhow::Context as _;

use crate::store::{Home, Secret, env_name};

#[derive(Debug, clap::Subcommand)]
pub(super) enum SecretCommand {
    /// Store a secret; the value is read from stdin (never from the command line).
    Set {
        /// The catalog's name for it, e.g. `github.personal_access_token`.
        name: String,
    },
    /// List the stored secret names (never the values).
    Ls,
    /// Delete a stored secret.
    Rm { name: String },
}

pub(super) fn run(command: SecretCommand, home: &Home) -> anyhow::Result<()> {
    let store = home.secrets();
    match command {
        SecretCommand::Set { name } => {
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .context("reading the secret from stdin")?;
            // A trailing newline comes from `echo` or the terminal, not from the secret.
            let value = value
                .strip_suffix('\n')
                .map(|v| v.strip_suffix('\r').unwrap_or(v))
                .unwrap_or(&value);
            anyhow::ensure!(
                !value.is_empty(),
                "no value on stdin; pipe it in, e.g. `printf %s \"$TOKEN\" | switchboard secret set {name}`"
            );
            store.set(&name, Secret::new(value.to_string()))?;
            eprintln!(
                "stored secret {name} (also settable as {} in the gateway's environment)",
                env_name(&name)
            );
        }
        SecretCommand::Ls => {
            for name in store.names()? {
                println!("{name}");
            }
        }
        SecretCommand::Rm { name } => {
            anyhow::ensure!(
                store.remove(&name)?,
                "there is no stored secret named `{name}`"
            );
            eprintln!("removed secret {name}");
        }
    }
    Ok(())
}
