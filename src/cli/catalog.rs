//! `switchboard catalog search|ls|show`: the catalog and its index from the command line.

use anyhow::Context as _;
use serde_json::{Value, json};

use crate::catalog::{Catalog, CatalogEntry};
use crate::cli::CatalogArgs;

#[derive(Debug, clap::Subcommand)]
pub(super) enum CatalogCommand {
    /// Rank catalog servers for a query, as mcp-find does.
    Search {
        #[command(flatten)]
        catalogs: CatalogArgs,
        /// How many results (1 to 100).
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print JSON: `{"query": ..., "results": [...]}`, best first.
        #[arg(long)]
        json: bool,
        /// What to look for.
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// List every server.
    Ls {
        #[command(flatten)]
        catalogs: CatalogArgs,
        #[arg(long)]
        json: bool,
    },
    /// Show one server's entry.
    Show {
        #[command(flatten)]
        catalogs: CatalogArgs,
        #[arg(long)]
        json: bool,
        name: String,
    },
}

pub(super) fn run(command: CatalogCommand) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Search {
            catalogs,
            limit,
            json,
            query,
        } => {
            let catalog = catalogs.load().context("loading catalogs")?;
            search(&catalog, &query.join(" "), limit, json)
        }
        CatalogCommand::Ls { catalogs, json } => {
            let catalog = catalogs.load().context("loading catalogs")?;
            if json {
                let servers: Vec<Value> = catalog.entries().map(summary).collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "servers": servers }))?
                );
            } else {
                for entry in catalog.entries() {
                    println!(
                        "{:<32} {:<7} {}",
                        entry.name,
                        entry.kind.as_str(),
                        entry.title
                    );
                }
            }
            Ok(())
        }
        CatalogCommand::Show {
            catalogs,
            json,
            name,
        } => {
            let catalog = catalogs.load().context("loading catalogs")?;
            let Some(entry) = catalog.get(&name) else {
                anyhow::bail!(
                    "there is no server named `{name}` in the catalog; try `switchboard catalog search {name}`"
                );
            };
            let detail = detail(entry);
            if json {
                println!("{}", serde_json::to_string_pretty(&detail)?);
            } else {
                print_detail(entry);
            }
            Ok(())
        }
    }
}

fn search(catalog: &Catalog, query: &str, limit: usize, json: bool) -> anyhow::Result<()> {
    let documents: Vec<switchboard_index::Document> = catalog
        .entries()
        .map(crate::gateway::index_document)
        .collect();
    let index = switchboard_index::SearchIndex::build(&documents)?;
    let entries: Vec<&CatalogEntry> = catalog.entries().collect();
    let hits = index.search(query, limit)?;
    if json {
        let results: Vec<Value> = hits
            .iter()
            .map(|hit| {
                let mut value = summary(entries[hit.doc]);
                value["score"] = json!(hit.score);
                value["matched_tools"] = json!(hit.matched_tools);
                value
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "query": query, "results": results }))?
        );
    } else {
        for hit in &hits {
            let entry = entries[hit.doc];
            println!("{:>8.2}  {:<32} {}", hit.score, entry.name, entry.title);
        }
    }
    Ok(())
}

fn summary(entry: &CatalogEntry) -> Value {
    json!({
        "name": entry.name.as_str(),
        "title": entry.title,
        "description": entry.description,
        "type": entry.kind.as_str(),
        "category": entry.metadata.category,
        "tools": entry.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "required_secrets": entry.secrets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
    })
}

fn detail(entry: &CatalogEntry) -> Value {
    let mut value = summary(entry);
    value["image"] = json!(entry.image);
    value["tags"] = json!(entry.metadata.tags);
    value["tools"] = json!(
        entry
            .tools
            .iter()
            .map(|t| json!({"name": t.name, "description": t.description}))
            .collect::<Vec<_>>()
    );
    value["secrets"] = json!(
        entry
            .secrets
            .iter()
            .map(|s| json!({"name": s.name, "env": s.env}))
            .collect::<Vec<_>>()
    );
    value["config_schema"] = json!(entry.config_schema());
    value["remote_url"] = json!(entry.remote.as_ref().map(|r| r.url.as_str()));
    value
}

fn print_detail(entry: &CatalogEntry) {
    println!("{} ({})", entry.title, entry.name);
    println!("type: {}", entry.kind.as_str());
    if let Some(image) = &entry.image {
        println!("image: {image}");
    }
    println!("\n{}\n", entry.description);
    if !entry.tools.is_empty() {
        println!("tools:");
        for tool in &entry.tools {
            println!("  {:<30} {}", tool.name, tool.description);
        }
    }
    if !entry.secrets.is_empty() {
        println!("secrets:");
        for secret in &entry.secrets {
            println!("  {} (env {})", secret.name, secret.env);
        }
    }
}
