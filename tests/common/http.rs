//! Starts the real binary with `--transport http` on port 0 and connects rmcp clients to it.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rmcp::ServiceExt;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use tokio::io::AsyncBufReadExt;

use crate::common::STEP;

/// `switchboard run --transport http --port 0` with its own home and the given tokens.
pub(crate) struct HttpGateway {
    child: tokio::process::Child,
    pub(crate) url: String,
    pub(crate) tokens: Vec<String>,
    _home: tempfile::TempDir,
}

impl HttpGateway {
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub(crate) async fn start(token_names: &[&str]) -> HttpGateway {
        Self::start_with(&crate::common::fixture_catalog(), token_names, &[]).await
    }

    /// With a given catalog and extra `run` arguments.
    pub(crate) async fn start_with(
        catalog: &Path,
        token_names: &[&str],
        extra: &[&str],
    ) -> HttpGateway {
        let home = tempfile::tempdir().unwrap();
        let tokens = token_names
            .iter()
            .map(|name| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
                    .args(["token", "create", name])
                    .env("SWITCHBOARD_HOME", home.path())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            })
            .collect();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["run", "--transport", "http", "--port", "0", "--catalog"])
            .arg(catalog)
            .args(extra)
            .env("SWITCHBOARD_HOME", home.path())
            .env_remove("SWITCHBOARD_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(STEP, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("switchboard: listening on ") {
                    return url.to_string();
                }
            }
            panic!("the gateway exited before listening");
        })
        .await
        .expect("the gateway listens");
        // Keep draining stderr so the gateway never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        HttpGateway {
            child,
            url,
            tokens,
            _home: home,
        }
    }

    pub(crate) async fn client(
        &self,
        token: &str,
    ) -> rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig> {
        connect(&self.url, token).await
    }

    /// A client that counts the `list_changed` notifications it receives.
    pub(crate) async fn counting_client(
        &self,
        token: &str,
    ) -> (
        rmcp::service::RunningService<rmcp::service::RoleClient, Counter>,
        Arc<AtomicUsize>,
    ) {
        let changes = Arc::new(AtomicUsize::new(0));
        let handler = Counter(changes.clone(), client_info("http-counting"));
        let client = tokio::time::timeout(STEP, handler.serve(transport(&self.url, token)))
            .await
            .unwrap()
            .expect("initialize over HTTP");
        (client, changes)
    }

    /// The `/metrics` text.
    pub(crate) async fn metrics(&self) -> String {
        let base = self.url.trim_end_matches("/mcp");
        let response = raw_client().get(format!("{base}/metrics")).send().await;
        response.unwrap().text().await.unwrap()
    }

    /// The workspace label of each container this gateway runs, sorted.
    pub(crate) async fn container_workspaces(&self) -> Vec<String> {
        let pid = self.pid().expect("the gateway runs").to_string();
        switchboard_testsupport::workspaces_of(|owner| owner.split(':').nth(1) == Some(&pid))
            .await
            .unwrap()
    }
}

/// A plain HTTP client for requests an MCP client would not make.
pub(crate) fn raw_client() -> reqwest::Client {
    switchboard::tls::client_builder().build().unwrap()
}

/// An rmcp client initialized with the gateway at `url` (its `/mcp`) with `token`.
pub(crate) async fn connect(
    url: &str,
    token: &str,
) -> rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig> {
    tokio::time::timeout(STEP, client_info("http-test").serve(transport(url, token)))
        .await
        .unwrap()
        .expect("initialize over HTTP")
}

/// The rmcp HTTP client transport to `url` with `token`.
pub(crate) fn transport(url: &str, token: &str) -> StreamableHttpClientTransport<reqwest::Client> {
    switchboard::tls::install_crypto_provider();
    let config = StreamableHttpClientTransportConfig::with_uri(url.to_string())
        .auth_header(token.to_string());
    StreamableHttpClientTransport::from_config(config)
}

fn client_info(name: &str) -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new(name, "0"),
    )
}

/// A client handler counting `notifications/tools/list_changed`.
pub(crate) struct Counter(pub(crate) Arc<AtomicUsize>, pub(crate) ClientConfig);

impl rmcp::ClientHandler for Counter {
    fn get_info(&self) -> ClientConfig {
        self.1.clone()
    }

    async fn on_tool_list_changed(
        &self,
        _context: rmcp::service::NotificationContext<rmcp::service::RoleClient>,
    ) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for HttpGateway {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = self.child.start_kill();
        if let Some(pid) = pid {
            let _ = switchboard_testsupport::block_on(
                switchboard_testsupport::remove_containers_of_pid(pid),
            );
        }
    }
}
