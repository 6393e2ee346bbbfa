//! Starts the real `switchboard` binary over stdio and drives it with rmcp's client.
//!
//! A [`TestGateway`] owns a temporary `SWITCHBOARD_HOME`, the child process and its captured
//! stderr; on drop it kills the process and removes any container labelled with its pid, so a
//! failing test leaves nothing behind.
#![allow(
    deprecated,
    reason = "rmcp marks sampling, roots and logging deprecated (SEP-2577); the tests play a \
              2025-era client that uses them"
)]

pub(crate) mod http;

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    LoggingMessageNotificationParam, ProgressNotificationParam,
};
use rmcp::service::{NotificationContext, RoleClient, RunningService};
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use tokio::sync::watch;

/// How long any single step of a test may take before it fails.
pub(crate) const STEP: Duration = Duration::from_secs(60);

/// The `switchboard` binary with a clean environment (see [`clean_environment`]).
pub(crate) fn switchboard(home: &Path) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    clean_environment(command.as_std_mut(), home);
    command
}

/// Only `PATH` and the Docker daemon's address (`DOCKER_HOST`, when set) come from the
/// developer's environment; `HOME` and `SWITCHBOARD_HOME` are `home`, so nothing of theirs
/// (`SWITCHBOARD_*` variables, secrets, tokens, config) reaches what `command` starts.
pub(crate) fn clean_environment(command: &mut std::process::Command, home: &Path) {
    command
        .env_clear()
        .env("HOME", home)
        .env("SWITCHBOARD_HOME", home);
    for kept in ["PATH", "DOCKER_HOST"] {
        if let Some(value) = std::env::var_os(kept) {
            command.env(kept, value);
        }
    }
}

/// The fixture catalog, with the fixture image built first.
pub(crate) fn fixture_catalog() -> PathBuf {
    if let Err(error) = switchboard_testsupport::ensure_fixture_image() {
        panic!("cannot build the fixture image (is Docker running?): {error:#}");
    }
    switchboard_testsupport::repo_root().join("tests/fixtures/catalog.yaml")
}

/// What the test client can do for servers; a `None` leaves that capability undeclared.
#[derive(Clone, Default)]
pub(crate) struct Abilities {
    /// Fills elicitation forms in with this (a `null` answer declines).
    pub(crate) elicitation: Option<Value>,
    /// Answers sampling requests with this text.
    pub(crate) sampling: Option<String>,
    /// Lists these root URIs.
    pub(crate) roots: Option<Vec<String>>,
}

/// A notification from the gateway, as the test client heard it.
#[derive(Debug, Clone)]
pub(crate) enum Heard {
    Progress(ProgressNotificationParam),
    Log(LoggingMessageNotificationParam),
    Updated(String),
    PromptsChanged,
    ResourcesChanged,
}

/// Counts `notifications/tools/list_changed` from the gateway, records the other
/// notifications, and answers servers' questions as its [`Abilities`] say.
#[derive(Clone)]
pub(crate) struct Listener {
    info: ClientConfig,
    changes: Arc<watch::Sender<u64>>,
    abilities: Abilities,
    /// The forms and sampling requests the gateway passed on, for assertions.
    pub(crate) asked: Arc<Mutex<Vec<Value>>>,
    /// Everything else the gateway sent, in order.
    pub(crate) heard: Arc<Mutex<Vec<Heard>>>,
}

impl Listener {
    fn new(abilities: Abilities, changes: watch::Sender<u64>) -> Listener {
        let mut capabilities = ClientCapabilities::default();
        if abilities.elicitation.is_some() {
            capabilities.elicitation = Some(rmcp::model::ElicitationCapability::default());
        }
        if abilities.sampling.is_some() {
            capabilities.sampling = Some(Default::default());
        }
        if abilities.roots.is_some() {
            capabilities.roots = Some(Default::default());
        }
        Listener {
            info: ClientConfig::new(capabilities, Implementation::new("switchboard-tests", "0")),
            changes: Arc::new(changes),
            abilities,
            asked: Arc::default(),
            heard: Arc::default(),
        }
    }

    fn hear(&self, heard: Heard) {
        self.heard.lock().unwrap().push(heard);
    }
}

impl rmcp::ClientHandler for Listener {
    fn get_info(&self) -> ClientConfig {
        self.info.clone()
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        self.asked
            .lock()
            .unwrap()
            .push(serde_json::to_value(&request).unwrap());
        let (action, content) = match &self.abilities.elicitation {
            Some(Value::Null) | None => (rmcp::model::ElicitationAction::Decline, None),
            Some(answer) => (rmcp::model::ElicitationAction::Accept, Some(answer.clone())),
        };
        let mut result: rmcp::model::ElicitResult =
            serde_json::from_value(json!({"action": "accept"})).unwrap();
        result.action = action;
        result.content = content;
        Ok(result)
    }

    async fn create_message(
        &self,
        request: rmcp::model::CreateMessageRequestParams,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::CreateMessageResult, rmcp::ErrorData> {
        self.asked
            .lock()
            .unwrap()
            .push(serde_json::to_value(&request).unwrap());
        let Some(answer) = &self.abilities.sampling else {
            return Err(rmcp::ErrorData::invalid_request("no sampling here", None));
        };
        let result = json!({
            "role": "assistant",
            "content": {"type": "text", "text": answer},
            "model": "test-model",
            "stopReason": "endTurn",
        });
        Ok(serde_json::from_value(result).unwrap())
    }

    async fn list_roots(
        &self,
        _context: rmcp::service::RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, rmcp::ErrorData> {
        let roots: Vec<Value> = (self.abilities.roots.iter().flatten())
            .map(|uri| json!({"uri": uri, "name": uri}))
            .collect();
        Ok(serde_json::from_value(json!({ "roots": roots })).unwrap())
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.changes.send_modify(|n| *n += 1);
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.hear(Heard::PromptsChanged);
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.hear(Heard::ResourcesChanged);
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.hear(Heard::Progress(params));
    }

    async fn on_logging_message(
        &self,
        params: LoggingMessageNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.hear(Heard::Log(params));
    }

    async fn on_resource_updated(
        &self,
        params: rmcp::model::ResourceUpdatedNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.hear(Heard::Updated(params.uri));
    }
}

/// A running gateway and an MCP client connected to it.
pub(crate) struct TestGateway {
    pub(crate) client: Option<RunningService<RoleClient, Listener>>,
    child: tokio::process::Child,
    pid: u32,
    stderr: Arc<Mutex<String>>,
    changes: watch::Receiver<u64>,
    home_dir: tempfile::TempDir,
}

impl TestGateway {
    /// `switchboard run --catalog <catalog> <extra...>` with a fresh home.
    pub(crate) async fn start(catalog: &Path, extra: &[&str]) -> TestGateway {
        Self::start_with_log(catalog, extra, "info,switchboard=debug").await
    }

    /// As [`TestGateway::start`], with the gateway's log filter (benchmarks log less).
    pub(crate) async fn start_with_log(catalog: &Path, extra: &[&str], log: &str) -> TestGateway {
        let home = tempfile::tempdir().expect("temp dir");
        Self::start_in(home, catalog, extra, log, &[]).await
    }

    /// A gateway whose home is `home`, which another gateway owns; `keep` is dropped with it.
    pub(crate) async fn start_shared(
        home: &Path,
        keep: tempfile::TempDir,
        catalog: &Path,
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> TestGateway {
        let home_var = home.to_str().expect("utf-8 temp path").to_string();
        let mut env: Vec<(&str, &str)> = env.to_vec();
        env.push(("SWITCHBOARD_HOME", &home_var));
        Self::start_in(keep, catalog, extra, "info", &env).await
    }

    /// The general form: a given home directory (kept until drop), log filter and extra
    /// environment variables.
    pub(crate) async fn start_in(
        home: tempfile::TempDir,
        catalog: &Path,
        extra: &[&str],
        log: &str,
        env: &[(&str, &str)],
    ) -> TestGateway {
        Self::start_full(home, catalog, extra, log, env, Abilities::default()).await
    }

    /// With a client that supports elicitation and fills forms in with `answer`.
    pub(crate) async fn start_eliciting(
        catalog: &Path,
        env: &[(&str, &str)],
        answer: Value,
    ) -> TestGateway {
        let abilities = Abilities {
            elicitation: Some(answer),
            ..Abilities::default()
        };
        let home = tempfile::tempdir().expect("temp dir");
        Self::start_full(home, catalog, &[], "info", env, abilities).await
    }

    /// With a client that can do what `abilities` say for servers.
    pub(crate) async fn start_able(
        catalog: &Path,
        extra: &[&str],
        abilities: Abilities,
    ) -> TestGateway {
        let home = tempfile::tempdir().expect("temp dir");
        Self::start_full(
            home,
            catalog,
            extra,
            "info,switchboard=debug",
            &[],
            abilities,
        )
        .await
    }

    async fn start_full(
        home: tempfile::TempDir,
        catalog: &Path,
        extra: &[&str],
        log: &str,
        env: &[(&str, &str)],
        abilities: Abilities,
    ) -> TestGateway {
        let mut command = switchboard(home.path());
        command
            .arg("run")
            .arg("--catalog")
            .arg(catalog)
            .args(extra)
            .env("SWITCHBOARD_LOG", log)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn switchboard");
        let pid = child.id().expect("child pid");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut lines =
            tokio::io::BufReader::new(child.stderr.take().expect("piped stderr")).lines();
        let sink = stderr.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let (sender, changes) = watch::channel(0);
        let listener = Listener::new(abilities, sender);
        let transport = (
            child.stdout.take().expect("piped stdout"),
            child.stdin.take().expect("piped stdin"),
        );
        let client = match tokio::time::timeout(STEP, listener.serve(transport)).await {
            Ok(Ok(client)) => client,
            Ok(Err(error)) => panic!(
                "initialize failed: {error}; stderr:\n{}",
                stderr.lock().unwrap()
            ),
            Err(_) => panic!("initialize timed out; stderr:\n{}", stderr.lock().unwrap()),
        };
        // What the client sees is the gateway's answer of the moment, never a copy rmcp kept.
        client
            .peer()
            .set_response_cache_config(rmcp::ClientCacheConfig::disabled())
            .await;
        TestGateway {
            client: Some(client),
            child,
            pid,
            stderr,
            changes,
            home_dir: home,
        }
    }

    pub(crate) fn home(&self) -> &Path {
        self.home_dir.path()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    pub(crate) fn client(&self) -> &RunningService<RoleClient, Listener> {
        self.client.as_ref().expect("client is connected")
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Calls a tool and returns its result; protocol errors fail the test.
    pub(crate) async fn call(&self, name: &str, arguments: Value) -> CallToolResult {
        let mut params = CallToolRequestParams::new(name.to_string());
        params.arguments = arguments.as_object().cloned();
        match tokio::time::timeout(STEP, self.client().call_tool(params)).await {
            Ok(Ok(result)) => result,
            Ok(Err(error)) => panic!("calling {name} failed: {error}; stderr:\n{}", self.stderr()),
            Err(_) => panic!("calling {name} timed out; stderr:\n{}", self.stderr()),
        }
    }

    pub(crate) async fn tool_names(&self) -> Vec<String> {
        let tools = self.client().list_all_tools().await.expect("tools/list");
        tools.into_iter().map(|t| t.name.to_string()).collect()
    }

    /// How many `list_changed` notifications arrived so far.
    pub(crate) fn changes_seen(&self) -> u64 {
        *self.changes.borrow()
    }

    /// Waits until more than `seen` notifications arrived.
    pub(crate) async fn wait_for_change(&self, seen: u64) {
        let mut changes = self.changes.clone();
        let wait = changes.wait_for(|n| *n > seen);
        if tokio::time::timeout(STEP, wait).await.is_err() {
            panic!(
                "no tools/list_changed after {seen}; stderr:\n{}",
                self.stderr()
            );
        }
    }

    /// What the client heard so far besides tool list changes.
    pub(crate) fn heard(&self) -> Vec<Heard> {
        self.client().service().heard.lock().unwrap().clone()
    }

    /// Waits until the client heard something `matches` accepts.
    pub(crate) async fn wait_heard(&self, what: &str, matches: impl Fn(&Heard) -> bool) {
        if poll_until(|| std::future::ready(self.heard().iter().any(&matches))).await {
            return;
        }
        panic!(
            "never heard {what}; heard {:?}; stderr:\n{}",
            self.heard(),
            self.stderr()
        );
    }

    /// Ids of the managed containers this gateway owns, optionally for one server only.
    pub(crate) async fn containers(&self, server: Option<&str>) -> Vec<String> {
        let all = switchboard_testsupport::managed_containers()
            .await
            .expect("docker list");
        all.into_iter()
            .filter(|(_, labels)| {
                let owner = labels
                    .get("io.switchboard.gateway")
                    .map(String::as_str)
                    .unwrap_or_default();
                owner.split(':').nth(1) == Some(self.pid.to_string().as_str())
                    && server.is_none_or(|s| {
                        labels.get("io.switchboard.server").map(String::as_str) == Some(s)
                    })
            })
            .map(|(id, _)| id)
            .collect()
    }

    /// Closes stdin (the client disconnects) and waits for the gateway to exit.
    pub(crate) async fn disconnect(mut self) -> ExitStatus {
        if let Some(client) = self.client.take() {
            let _ = client.cancel().await;
        }
        self.wait_exit().await
    }

    /// Sends a signal with the `kill` command and waits for the gateway to exit.
    pub(crate) async fn signal(mut self, signal: &str) -> ExitStatus {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
        self.wait_exit().await
    }

    async fn wait_exit(&mut self) -> ExitStatus {
        match tokio::time::timeout(STEP, self.child.wait()).await {
            Ok(status) => status.expect("wait for gateway"),
            Err(_) => panic!("gateway did not exit; stderr:\n{}", self.stderr()),
        }
    }
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        // The pid kept from the start: after `wait_exit` the child no longer knows it.
        stop_gateway(&mut self.child, Some(self.pid));
    }
}

/// Kills a gateway a test started and removes the containers labelled with its pid, so a
/// failing test leaves nothing behind (for every `Drop` of a started gateway). `pid`: the
/// child's, if known from before it was reaped.
pub(crate) fn stop_gateway(child: &mut tokio::process::Child, pid: Option<u32>) {
    let pid = pid.or(child.id());
    let _ = child.start_kill();
    if let Some(pid) = pid {
        let _ = switchboard_testsupport::block_on(
            switchboard_testsupport::remove_containers_of_pid(pid),
        );
    }
}

/// The text of a tool result's first content block.
pub(crate) fn text(result: &CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// How the fixture's `info` tool shows a `*_TOKEN` variable's value: `sha256:<hex>`.
pub(crate) fn sha256(value: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The structured content of the fixture's `info` result (its arguments and environment).
pub(crate) fn info(result: &CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .unwrap_or_else(|| panic!("info has no structured content: {}", text(result)))
}

/// Retries `check` until it holds or the step deadline passes.
pub(crate) async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    if !poll_until(check).await {
        panic!("timed out waiting until {what}");
    }
}

/// Whether `check` came to hold before the step deadline, asked every 20 ms.
async fn poll_until<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + STEP;
    let mut every = tokio::time::interval(Duration::from_millis(20));
    while every.tick().await < deadline {
        if check().await {
            return true;
        }
    }
    false
}

/// The echo fixture as the gateway would run it, for benchmarks that measure the bare
/// container path beside the gateway.
#[allow(
    dead_code,
    reason = "used by benches/, which include this module; tests/main.rs does not"
)]
pub(crate) fn echo_spec(image: String) -> switchboard::runtime::ContainerSpec {
    switchboard::runtime::ContainerSpec {
        server: "echo".into(),
        workspace: "bench".into(),
        image,
        command: vec!["echo".into()],
        env: Vec::new(),
        mounts: Vec::new(),
        user: None,
        disable_network: true,
        limits: switchboard::runtime::Limits::default(),
        standby: false,
    }
}
