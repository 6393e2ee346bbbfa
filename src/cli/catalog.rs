//! `switchboard catalog search|eval|ls|show`: the catalog and its index from the command line.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Value, json};

use switchboard_index::Mode;

use crate::catalog::{Catalog, CatalogEntry, IndexedCatalog};
use crate::cli::{CatalogArgs, SearchMode};
use crate::store::Home;

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
        /// How to rank: words only, or words and meaning (as `run --search`).
        #[arg(long, value_enum, default_value_t = SearchMode::Hybrid)]
        search: SearchMode,
        /// What to look for.
        #[arg(required = true)]
        query: Vec<String>,
    },
    /// Measure search quality: top-1, hit@k, MRR@10 and recall@k over judged queries.
    Eval {
        #[command(flatten)]
        catalogs: CatalogArgs,
        /// `query<TAB>name1,name2` lines; `#` lines are comments.
        #[arg(long)]
        queries: PathBuf,
        /// Cut-off for hit@k and recall@k.
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// Measure one mode only (default: both, the misses listed for hybrid).
        #[arg(long, value_enum)]
        search: Option<SearchMode>,
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

pub(super) async fn run(command: CatalogCommand, home: &Home) -> anyhow::Result<()> {
    match command {
        CatalogCommand::Search {
            catalogs,
            limit,
            json,
            search: mode,
            query,
        } => {
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
            search(catalog, &query.join(" "), limit, json, mode.into())
        }
        CatalogCommand::Eval {
            catalogs,
            queries,
            k,
            search,
        } => {
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
            let modes = match search {
                Some(mode) => vec![mode.into()],
                None => vec![Mode::Lexical, Mode::Hybrid],
            };
            eval(catalog, &queries, k, &modes)
        }
        CatalogCommand::Ls { catalogs, json } => {
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
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
            let catalog = catalogs.load(home).await.context("loading catalogs")?;
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

fn search(
    catalog: Catalog,
    query: &str,
    limit: usize,
    json: bool,
    mode: Mode,
) -> anyhow::Result<()> {
    let indexed = IndexedCatalog::build_in(catalog, mode)?;
    let ranked = indexed.search(query, limit)?;
    if json {
        let results: Vec<Value> = ranked
            .iter()
            .map(|(entry, hit)| {
                let mut value = summary(entry);
                value["score"] = json!(hit.score);
                value["matched_tools"] =
                    json!(crate::catalog::matched_tools(entry, &hit.matched_tools));
                value
            })
            .collect();
        let body = json!({ "query": query, "results": results });
        println!("{}", serde_json::to_string_pretty(&body)?);
    } else {
        for (entry, hit) in &ranked {
            println!("{:>8.2}  {:<32} {}", hit.score, entry.name, entry.title);
        }
    }
    Ok(())
}

/// Prints each query that missed the top spot in the last of `modes`, a summary line per
/// mode, then `RESULT <mode>_<metric>=…` for every mode last.
fn eval(catalog: Catalog, queries: &Path, k: usize, modes: &[Mode]) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(queries)
        .with_context(|| format!("reading queries from {}", queries.display()))?;
    let judgements = switchboard_index::parse_judgements(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", queries.display()))?;
    anyhow::ensure!(
        !judgements.is_empty(),
        "{} holds no queries",
        queries.display()
    );
    let indexed = IndexedCatalog::build(catalog)?;
    let mut reports = Vec::new();
    for mode in modes {
        let report = switchboard_index::evaluate_in(
            indexed.index()?,
            indexed.names(),
            &judgements,
            k,
            *mode,
        )?;
        reports.push((*mode, report));
    }
    if let Some((_, report)) = reports.last() {
        for outcome in report.outcomes.iter().filter(|o| o.rank != Some(1)) {
            let rank = outcome.rank.map_or("-".to_string(), |r| r.to_string());
            let got: Vec<&str> = outcome.ranked.iter().take(3).map(String::as_str).collect();
            println!(
                "miss rank={rank:<2} query={:?} want={} got={}",
                outcome.judgement.query,
                outcome.judgement.acceptable.join(","),
                got.join(",")
            );
        }
    }
    println!("queries={}", judgements.len());
    let mut result = String::from("RESULT");
    for (mode, report) in &reports {
        println!("{:<8} {}", mode.as_str(), report.summary());
        for pair in report.summary().split(' ') {
            result.push_str(&format!(" {}_{pair}", mode.as_str()));
        }
    }
    println!("{result}");
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
    value["published"] = json!(entry.published.as_ref().map(|p| json!({
        "registry_name": p.registry_name,
        "version": p.version,
        "website_url": p.website_url,
        "repository_url": p.repository_url,
    })));
    value["cannot_run"] = json!(crate::gateway::cannot_run(entry));
    value
}

fn print_detail(entry: &CatalogEntry) {
    println!("{} ({})", entry.title, entry.name);
    println!("type: {}", entry.kind.as_str());
    if let Some(image) = &entry.image {
        println!("image: {image}");
    }
    if let Some(published) = &entry.published {
        println!(
            "registry: {} {}",
            published.registry_name, published.version
        );
    }
    if let Some(why) = crate::gateway::cannot_run(entry) {
        println!("cannot be added: {why}");
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
    if let Some(schema) = entry.config_schema() {
        print_config(schema);
    }
}

/// The config keys of `schema`, one a line: type, whether required, default, description.
fn print_config(schema: &Value) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|keys| keys.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    println!("config:");
    for (key, property) in properties {
        let kind = property
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("any");
        let mut facts = vec![kind.to_string()];
        if required.contains(&key.as_str()) {
            facts.push("required".into());
        }
        if let Some(choices) = property.get("enum").and_then(Value::as_array) {
            let choices: Vec<String> = choices.iter().map(Value::to_string).collect();
            facts.push(format!("one of {}", choices.join(", ")));
        }
        if let Some(default) = property.get("default") {
            facts.push(format!("default {default}"));
        }
        let description = property
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        println!("  {key:<30} ({}) {description}", facts.join("; "));
    }
}
