//! `switchboard client connect|disconnect CLIENT [--project DIR] [--url URL --token-name NAME]`
//! and `client ls [--json]`: write Switchboard into an MCP client's config file, remove it,
//! and show which clients have it. The editing is `crate::clients`; this module reads the
//! environment (HOME, XDG_CONFIG_HOME, this binary's path) and handles the token for `--url`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::UsageError;
use crate::clients::{self, Change, Dirs, Entry, Scope, Target};
use crate::store::{Home, TokenKind};

#[derive(Debug, clap::Subcommand)]
pub(super) enum ClientCommand {
    /// Write Switchboard into CLIENT's MCP config: this binary over stdio (`switchboard run`),
    /// or a gateway's URL with a token. Other entries, comments and layout stay; the old file
    /// is kept as FILE.switchboard.bak; running it twice changes nothing.
    Connect(ConnectArgs),
    /// Remove Switchboard from CLIENT's MCP config, and nothing else.
    Disconnect {
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(clients::names()))]
        client: String,
        /// The project's config file instead of the user's.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
    /// List the known clients, their config file and whether Switchboard is in it.
    Ls {
        /// `[{"name", "path", "connected"}]`.
        #[arg(long)]
        json: bool,
        /// The project-level files in DIR instead of the user's.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub(super) struct ConnectArgs {
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(clients::names()))]
    client: String,
    /// Write the project's config file (e.g. DIR/.mcp.json, DIR/.vscode/mcp.json) instead of
    /// the user's.
    #[arg(long, value_name = "DIR")]
    project: Option<PathBuf>,
    /// Connect to a gateway serving streamable HTTP (`run --transport http`) at URL, e.g.
    /// http://127.0.0.1:8811/mcp, instead of starting this binary.
    #[arg(long, requires = "token_name")]
    url: Option<String>,
    /// The workspace token the client sends with `--url`; created if missing.
    #[arg(long, requires = "url", value_name = "NAME")]
    token_name: Option<String>,
}

pub(super) async fn run(command: ClientCommand, home: &Home) -> anyhow::Result<()> {
    let dirs = dirs()?;
    match command {
        ClientCommand::Connect(args) => connect(args, &dirs, home),
        ClientCommand::Disconnect { client, project } => {
            let project = project.as_deref().map(project_dir).transpose()?;
            let scope = scope(project.as_deref());
            let target = Target::locate(&client, &dirs, scope, &stdio_entry()?)?;
            let outcome = target.disconnect()?;
            let path = target.path().display();
            match outcome.change {
                Change::Absent => println!(
                    "{} was not connected ({path}); nothing changed",
                    target.title()
                ),
                _ => println!(
                    "disconnected {}: removed `{}` from {path}{}",
                    target.title(),
                    clients::ENTRY_NAME,
                    backup_note(outcome.backup.as_deref())
                ),
            }
            Ok(())
        }
        ClientCommand::Ls { json, project } => {
            let project = project.as_deref().map(project_dir).transpose()?;
            let statuses = clients::statuses(&dirs, scope(project.as_deref()));
            if json {
                let list: Vec<Row<'_>> = statuses
                    .iter()
                    .map(|s| Row {
                        name: s.name,
                        path: s.path.as_ref().map(|p| p.display().to_string()),
                        connected: s.connected,
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{:<16}{:<11}CONFIG", "CLIENT", "CONNECTED");
                let none = if project.is_some() {
                    "(no project-level file)"
                } else {
                    "(not found on this system)"
                };
                for status in statuses {
                    let path = status
                        .path
                        .map_or_else(|| none.to_string(), |p| p.display().to_string());
                    let connected = if status.connected { "yes" } else { "no" };
                    println!("{:<16}{connected:<11}{path}", status.name);
                }
            }
            Ok(())
        }
    }
}

/// One line of `client ls --json`, keys in the contract's order.
#[derive(serde::Serialize)]
struct Row<'a> {
    name: &'a str,
    path: Option<String>,
    connected: bool,
}

fn connect(args: ConnectArgs, dirs: &Dirs, home: &Home) -> anyhow::Result<()> {
    let project = args.project.as_deref().map(project_dir).transpose()?;
    let scope = scope(project.as_deref());
    // The snippet shown when the client has no file here never holds a real token.
    let placeholder = match (&args.url, &args.token_name) {
        (Some(url), Some(name)) => Entry::Http {
            url: url.clone(),
            token: format!("<the token from `switchboard token create {name}`>"),
        },
        _ => stdio_entry()?,
    };
    let target = Target::locate(&args.client, dirs, scope, &placeholder)?;
    // A file we cannot parse is refused before any token is made.
    target.entry()?;
    let (entry, token) = match (args.url, args.token_name) {
        (Some(url), Some(name)) => {
            check_url(&url)?;
            let token = token_for(home, &name, &target, dirs, project.as_deref())?;
            let entry = Entry::Http {
                url,
                token: token.value.clone(),
            };
            (entry, Some((name, token)))
        }
        _ => (stdio_entry()?, None),
    };
    let outcome = match target.connect(&entry) {
        Ok(outcome) => outcome,
        Err(error) => {
            // A token nobody holds could never be written anywhere: take it back.
            if let Some((name, token)) = &token
                && token.created
            {
                let _ = home.tokens().remove(name);
            }
            return Err(error.into());
        }
    };
    let path = target.path().display();
    let title = target.title();
    match outcome.change {
        Change::Unchanged => println!("{title} is already connected ({path}); nothing changed"),
        change => {
            let verb = if change == Change::Updated {
                "updated"
            } else {
                "added"
            };
            println!(
                "connected {title}: {verb} `{}` in {path}{}",
                clients::ENTRY_NAME,
                backup_note(outcome.backup.as_deref())
            );
            println!("restart {title} (or reload its MCP servers) to use it");
        }
    }
    if let Some((name, token)) = token {
        let how = if token.created { "created" } else { "reused" };
        println!("workspace token `{name}` {how}; it is written only in {path}");
    }
    Ok(())
}

/// A token for `--token-name`, and whether we just made it.
struct Token {
    value: String,
    created: bool,
}

/// The token `name`: made now if there is none; else the one a client's file already holds
/// (only hashes are stored, so an existing token can only be found, never shown again).
fn token_for(
    home: &Home,
    name: &str,
    target: &Target,
    dirs: &Dirs,
    project: Option<&Path>,
) -> anyhow::Result<Token> {
    if !crate::store::valid_name(name) {
        return Err(UsageError(format!(
            "`{name}` cannot be a token name: use 1-64 letters, digits, `-` or `_`"
        ))
        .into());
    }
    let store = home.tokens();
    if let Some(value) = store.create_new(name, TokenKind::Workspace)? {
        return Ok(Token {
            value,
            created: true,
        });
    }
    let set = store.token_set(None)?;
    let held = target
        .tokens()
        .into_iter()
        .chain(clients::tokens_everywhere(dirs, project));
    for candidate in held {
        if let Some(grant) = set.identify(&candidate)
            && grant.name == name
        {
            anyhow::ensure!(
                grant.kind == TokenKind::Workspace,
                "`{name}` is an admin token, which /mcp refuses; pick another --token-name"
            );
            return Ok(Token {
                value: candidate,
                created: false,
            });
        }
    }
    anyhow::bail!(
        "a token named `{name}` exists, but no client's config holds it, and only its hash is \
         stored so it cannot be written again; remove it first (`switchboard token rm {name}`) \
         or pick another --token-name"
    )
}

fn check_url(url: &str) -> anyhow::Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        Err(UsageError(format!(
            "--url must be an http:// or https:// URL (like http://127.0.0.1:8811/mcp), not `{url}`"
        ))
        .into())
    }
}

/// This binary, started as `switchboard run`.
fn stdio_entry() -> anyhow::Result<Entry> {
    let command = std::env::current_exe().context("finding this binary's path")?;
    Ok(Entry::Stdio { command })
}

/// HOME and XDG_CONFIG_HOME, the two values clients' locations depend on.
fn dirs() -> anyhow::Result<Dirs> {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("HOME is not set: it is where clients keep their config")?;
    let xdg_config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|x| !x.is_empty())
        .map(PathBuf::from);
    Ok(Dirs {
        home: PathBuf::from(home),
        xdg_config,
    })
}

/// `--project DIR`, absolute; it must exist.
fn project_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if !dir.is_dir() {
        return Err(UsageError(format!("--project {}: no such directory", dir.display())).into());
    }
    std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))
}

fn scope(project: Option<&Path>) -> Scope<'_> {
    project.map_or(Scope::User, Scope::Project)
}

fn backup_note(backup: Option<&Path>) -> String {
    backup.map_or_else(String::new, |b| {
        format!(" (previous content kept in {})", b.display())
    })
}
