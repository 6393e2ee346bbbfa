//! `switchboard config set|show`: a server's config in a workspace, checked like
//! `mcp-config-set` checks it.

use anyhow::Context as _;
use serde_json::{Map, Value};

use crate::catalog::{CatalogEntry, apply_settings, parse_assignment};
use crate::cli::CatalogArgs;
use crate::store::Home;

#[derive(Debug, clap::Subcommand)]
pub(super) enum ConfigCommand {
    /// Set config values: `KEY=VALUE`, typed by the server's schema.
    Set {
        #[command(flatten)]
        catalogs: CatalogArgs,
        /// The workspace to configure (stdio sessions use `default`).
        #[arg(long, default_value = "default")]
        workspace: String,
        server: String,
        #[arg(required = true, value_name = "KEY=VALUE")]
        values: Vec<String>,
    },
    /// Show a server's saved config and what it still needs.
    Show {
        #[command(flatten)]
        catalogs: CatalogArgs,
        #[arg(long, default_value = "default")]
        workspace: String,
        server: String,
    },
}

pub(super) async fn run(command: ConfigCommand, home: &Home) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Set {
            catalogs,
            workspace,
            server,
            values,
        } => {
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
            let entry = find(&catalog, &server)?;
            let mut changes = Map::new();
            for assignment in &values {
                let (key, value) = parse_assignment(entry, assignment)
                    .with_context(|| format!("`{assignment}` is not KEY=VALUE"))?;
                changes.insert(key, value);
            }
            let store = home.config(&workspace);
            let mut saved = store.load()?;
            let current = saved.remove(&server).unwrap_or_default();
            let config = apply_settings(entry, &current, changes)?;
            store.save(&server, &config)?;
            println!("{}", serde_json::to_string_pretty(&Value::Object(config))?);
        }
        ConfigCommand::Show {
            catalogs,
            workspace,
            server,
        } => {
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
            let entry = find(&catalog, &server)?;
            let config = home
                .config(&workspace)
                .load()?
                .remove(&server)
                .unwrap_or_default();
            let required: Vec<&str> = entry
                .config_schema()
                .and_then(|s| s.get("required"))
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let missing: Vec<&str> = required
                .into_iter()
                .filter(|k| !config.contains_key(*k))
                .collect();
            let body = serde_json::json!({
                "server": server,
                "workspace": workspace,
                "config": config,
                "missing": missing,
                "secrets": entry.secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&body)?);
        }
    }
    Ok(())
}

fn find<'a>(
    catalog: &'a crate::catalog::Catalog,
    server: &str,
) -> anyhow::Result<&'a CatalogEntry> {
    catalog
        .get(server)
        .with_context(|| format!("there is no server named `{server}` in the catalog; try `switchboard catalog search {server}`"))
}
