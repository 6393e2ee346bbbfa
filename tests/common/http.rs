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
    /// The workspace tokens asked for, in order.
    pub(crate) tokens: Vec<String>,
    /// The admin tokens asked for, in order.
    pub(crate) admin_tokens: Vec<String>,
    stderr: Arc<std::sync::Mutex<String>>,
    home: tempfile::TempDir,
}

/// What an [`HttpGateway`] starts with.
pub(crate) struct HttpGatewayBuilder {
    catalog: std::path::PathBuf,
    tokens: Vec<String>,
    admin_tokens: Vec<String>,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl HttpGatewayBuilder {
    pub(crate) fn catalog(mut self, catalog: &Path) -> Self {
        self.catalog = catalog.to_path_buf();
        self
    }

    /// Workspace tokens to create before start.
    pub(crate) fn tokens(mut self, names: &[&str]) -> Self {
        self.tokens.extend(names.iter().map(|n| n.to_string()));
        self
    }

    /// An admin token to create before start.
    pub(crate) fn admin(mut self, name: &str) -> Self {
        self.admin_tokens.push(name.to_string());
        self
    }

    /// Extra `run` arguments.
    pub(crate) fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// A variable in the gateway's (otherwise clean) environment.
    pub(crate) fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    pub(crate) async fn start(self) -> HttpGateway {
        let home = tempfile::tempdir().unwrap();
        let create = |name: &str, admin: bool| {
            let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
            command
                .args(["token", "create", name])
                .env("SWITCHBOARD_HOME", home.path());
            if admin {
                command.arg("--admin");
            }
            let out = command.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        };
        let tokens = self.tokens.iter().map(|n| create(n, false)).collect();
        let admin_tokens = self.admin_tokens.iter().map(|n| create(n, true)).collect();
        let mut child = crate::common::switchboard(home.path())
            .args(["run", "--transport", "http", "--port", "0", "--catalog"])
            .arg(&self.catalog)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let stderr = Arc::new(std::sync::Mutex::new(String::new()));
        let url = tokio::time::timeout(STEP, async {
            while let Ok(Some(line)) = lines.next_line().await {
                stderr.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(url) = line.strip_prefix("switchboard: listening on ") {
                    return url.to_string();
                }
            }
            panic!(
                "the gateway exited before listening:\n{}",
                stderr.lock().unwrap()
            );
        })
        .await
        .expect("the gateway listens");
        // Keep draining stderr so the gateway never blocks on a full pipe.
        let sink = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                sink.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        HttpGateway {
            child,
            url,
            tokens,
            admin_tokens,
            stderr,
            home,
        }
    }
}

impl HttpGateway {
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// SIGKILLs the gateway and reaps it, as its parent would: until then a dead process is a
    /// zombie that still looks alive to the next gateway's orphan sweep.
    pub(crate) async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// A gateway on the fixture catalog, configured step by step.
    pub(crate) fn builder() -> HttpGatewayBuilder {
        HttpGatewayBuilder {
            catalog: crate::common::fixture_catalog(),
            tokens: Vec::new(),
            admin_tokens: Vec::new(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub(crate) async fn start(token_names: &[&str]) -> HttpGateway {
        Self::builder().tokens(token_names).start().await
    }

    /// With a given catalog and extra `run` arguments.
    pub(crate) async fn start_with(
        catalog: &Path,
        token_names: &[&str],
        extra: &[&str],
    ) -> HttpGateway {
        Self::builder()
            .catalog(catalog)
            .tokens(token_names)
            .args(extra)
            .start()
            .await
    }

    pub(crate) fn home(&self) -> &Path {
        self.home.path()
    }

    /// `http://127.0.0.1:PORT`, without `/mcp`.
    pub(crate) fn base(&self) -> String {
        self.url.trim_end_matches("/mcp").to_string()
    }

    /// What the gateway wrote to stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Runs `switchboard ARGS...` against this gateway's home (as an operator would beside
    /// it); returns stdout, or panics with stderr.
    pub(crate) fn command(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(args)
            .env("SWITCHBOARD_HOME", self.home())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "switchboard {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
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
        let response = raw_client()
            .get(format!("{}/metrics", self.base()))
            .send()
            .await;
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

/// The params of a `tools/call` of `name` with `arguments`.
pub(crate) fn call(name: &str, arguments: serde_json::Value) -> rmcp::model::CallToolRequestParams {
    let mut params = rmcp::model::CallToolRequestParams::new(name.to_string());
    params.arguments = arguments.as_object().cloned();
    params
}

/// The names in a client's `tools/list`.
pub(crate) async fn tool_names<H: rmcp::service::Service<rmcp::service::RoleClient>>(
    client: &rmcp::service::RunningService<rmcp::service::RoleClient, H>,
) -> Vec<String> {
    let tools = tokio::time::timeout(STEP, client.list_all_tools())
        .await
        .expect("tools/list in time")
        .expect("tools/list");
    tools.into_iter().map(|t| t.name.to_string()).collect()
}

/// A bare `initialize` POST to `url` with `token`, as an MCP client opens a session.
pub(crate) async fn initialize(url: &str, token: &str) -> reqwest::Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "raw", "version": "0"}}});
    raw_client()
        .post(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string())
        .send()
        .await
        .expect("the gateway answers")
}

/// The admin API of a gateway, called with one token, as a platform would.
pub(crate) struct Admin {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Admin {
    pub(crate) fn new(gw: &HttpGateway, token: &str) -> Admin {
        Admin {
            base: format!("{}/admin/v1", gw.base()),
            token: token.to_string(),
            http: raw_client(),
        }
    }

    /// Status and body (JSON if it is, else a JSON string) of `METHOD /admin/v1{path}`.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Body>,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        match body {
            Some(Body::Json(value)) => request = request.json(&value),
            Some(Body::Text(text)) => request = request.body(text),
            None => {}
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        (status, body)
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub(crate) async fn post(
        &self,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::POST, path, Some(Body::Json(body)))
            .await
    }

    pub(crate) async fn put(&self, path: &str, body: Body) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> (u16, serde_json::Value) {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

/// A request body for [`Admin::send`].
pub(crate) enum Body {
    Json(serde_json::Value),
    Text(String),
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
        super::stop_gateway(&mut self.child, None);
    }
}
