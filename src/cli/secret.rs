//! `switchboard secret set|ls|rm`: secrets in 0600 files under `$SWITCHBOARD_HOME`, either
//! gateway-wide or for one workspace (`--workspace W`), which only that workspace sees.

use std::io::Read;

use anyhow::Context as _;

use crate::store::{Home, Secret, SecretStore, env_name};

#[derive(Debug, clap::Subcommand)]
pub(super) enum SecretCommand {
    /// Store a secret; the value is read from stdin (never from the command line).
    Set {
        /// The catalog's name for it, e.g. `github.personal_access_token`.
        name: String,
        #[command(flatten)]
        scope: Scope,
    },
    /// List the stored secret names (never the values).
    Ls {
        #[command(flatten)]
        scope: Scope,
    },
    /// Delete a stored secret.
    Rm {
        name: String,
        #[command(flatten)]
        scope: Scope,
    },
}

/// Whose secrets a command works on.
#[derive(Debug, clap::Args)]
pub(super) struct Scope {
    /// The workspace (a token's name, or a stdio `--workspace`) whose own secrets these are;
    /// its servers see them before any gateway-wide value. Without it: the gateway-wide ones.
    #[arg(long)]
    workspace: Option<String>,
}

impl Scope {
    fn store(&self, home: &Home) -> SecretStore {
        match &self.workspace {
            Some(workspace) => home.workspace_secrets(workspace),
            None => home.secrets(),
        }
    }

    fn describe(&self) -> String {
        match &self.workspace {
            Some(workspace) => format!("for workspace `{workspace}`"),
            None => "gateway-wide".to_string(),
        }
    }
}

pub(super) fn run(command: SecretCommand, home: &Home) -> anyhow::Result<()> {
    match command {
        SecretCommand::Set { name, scope } => {
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
            scope
                .store(home)
                .set(&name, Secret::new(value.to_string()))?;
            match &scope.workspace {
                Some(_) => eprintln!("stored secret {name} {}", scope.describe()),
                None => eprintln!(
                    "stored secret {name} gateway-wide (also settable as {} in the gateway's environment)",
                    env_name(&name)
                ),
            }
        }
        SecretCommand::Ls { scope } => {
            for name in scope.store(home).names()? {
                println!("{name}");
            }
        }
        SecretCommand::Rm { name, scope } => {
            anyhow::ensure!(
                scope.store(home).remove(&name)?,
                "there is no stored secret named `{name}` {}",
                scope.describe()
            );
            eprintln!("removed secret {name} {}", scope.describe());
        }
    }
    Ok(())
}
