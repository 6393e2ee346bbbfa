//! What every session shares: the catalog and its index, Docker, secrets, settings.

use std::sync::Arc;
use std::time::Duration;

use switchboard_index::SearchIndex;
use tokio::sync::OnceCell;

use crate::catalog::{Catalog, CatalogEntry};
use crate::runtime::{Docker, GatewayId, Limits};
use crate::store::Secrets;

/// Tunables of the gateway, from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub limits: Limits,
    /// How long a server may take from container start to answering `tools/list`.
    pub start_timeout: Duration,
    /// How long a missing image may take to pull.
    pub pull_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            start_timeout: Duration::from_secs(60),
            pull_timeout: Duration::from_secs(300),
        }
    }
}

/// The shared, read-mostly half of the gateway; workspaces hold the per-client half.
#[derive(Debug)]
pub struct Gateway {
    pub catalog: Catalog,
    pub index: SearchIndex,
    /// `index` positions back to catalog entries.
    entries: Vec<String>,
    pub secrets: Secrets,
    pub settings: Settings,
    gateway_id: GatewayId,
    docker: OnceCell<Docker>,
    meta_tools: std::sync::OnceLock<Vec<rmcp::model::Tool>>,
}

impl Gateway {
    /// Indexes the catalog; Docker is connected on first use, so search works without it.
    pub fn new(
        catalog: Catalog,
        secrets: Secrets,
        settings: Settings,
    ) -> Result<Arc<Gateway>, switchboard_index::Error> {
        let documents: Vec<switchboard_index::Document> =
            catalog.entries().map(index_document).collect();
        let index = SearchIndex::build(&documents)?;
        Ok(Arc::new(Gateway {
            entries: documents.into_iter().map(|d| d.name).collect(),
            catalog,
            index,
            secrets,
            settings,
            gateway_id: GatewayId::current(),
            docker: OnceCell::new(),
            meta_tools: std::sync::OnceLock::new(),
        }))
    }

    /// The meta-tools' `tools/list` entries, built once (their text names the catalog).
    pub fn meta_tools(&self) -> &[rmcp::model::Tool] {
        self.meta_tools
            .get_or_init(|| crate::gateway::tools::MetaTool::definitions(self))
    }

    /// The catalog entry behind an index hit.
    pub fn entry_at(&self, position: usize) -> Option<&CatalogEntry> {
        self.entries
            .get(position)
            .and_then(|name| self.catalog.get(name))
    }

    /// The Docker connection, made on first use; a failure is retried on the next call.
    pub async fn docker(&self) -> Result<&Docker, crate::runtime::Error> {
        self.docker
            .get_or_try_init(|| {
                Docker::connect(self.gateway_id.clone(), self.settings.pull_timeout)
            })
            .await
    }

    /// Removes what dead gateways left behind; called once at start-up.
    pub async fn sweep_orphans(&self) {
        match self.docker().await {
            Ok(docker) => {
                docker.sweep_orphans().await;
            }
            Err(error) => {
                tracing::warn!(error = %error, "docker unavailable; servers cannot be added until it is")
            }
        }
    }

    /// Removes every container this gateway started, whatever workspace it belongs to.
    pub async fn remove_all_containers(&self) {
        if let Some(docker) = self.docker.get() {
            let removed = docker.remove_all_mine().await;
            tracing::info!(removed, "removed this gateway's containers");
        }
    }
}

/// A catalog entry as the index sees it: tool arguments count as tool text.
pub fn index_document(entry: &CatalogEntry) -> switchboard_index::Document {
    switchboard_index::Document {
        name: entry.name.to_string(),
        title: entry.title.clone(),
        description: entry.description.clone(),
        category: entry.metadata.category.clone(),
        tags: entry.metadata.tags.clone(),
        tools: entry
            .tools
            .iter()
            .map(|tool| {
                let mut description = tool.description.clone();
                for argument in &tool.arguments {
                    description.push(' ');
                    description.push_str(&argument.name);
                    description.push(' ');
                    description.push_str(&argument.desc);
                }
                switchboard_index::ToolText {
                    name: tool.name.clone(),
                    description,
                }
            })
            .collect(),
    }
}
