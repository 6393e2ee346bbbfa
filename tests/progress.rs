//! `mcp-add` reports how a server's start goes: the pull of a missing image (layers and bytes)
//! from a local registry substitute, then creating, starting and initializing, as MCP progress
//! under the client's progress token; the result says how long each step took. Without a
//! progress token nothing is sent; a failed pull names the image; two workspaces adding the
//! same missing image at once share one pull.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProgressNotificationParam};
use serde_json::{Value, json};
use switchboard_testsupport::{Registry, image_present, remove_image};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::common::http::{HttpGateway, call, transport};
use crate::common::{Heard, STEP, TestGateway, text};

/// The repository the registry serves the fixture image under.
const REPOSITORY: &str = "switchboard-progress";
/// How long the registry waits before each 64 KiB chunk of a blob: a pull of the two layers
/// (about 3 MB) takes about a second, long enough for several progress reports.
const PACE: Duration = Duration::from_millis(25);

/// A registry serving the fixture image under a tag no other run uses, with that image
/// removed from the daemon first, and a catalog naming it (`pulled`) and a tag the registry
/// does not have (`unpullable`).
struct Setup {
    registry: Registry,
    catalog: PathBuf,
    _dir: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Setup {
        let fixture = switchboard_testsupport::ensure_fixture_image()
            .unwrap_or_else(|e| panic!("cannot build the fixture image: {e:#}"));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let tag = format!("t{}-{nanos:x}", std::process::id());
        let registry = Registry::start(&fixture, REPOSITORY, &tag, PACE).expect("registry starts");
        remove_image(&registry.image()).await.expect("remove image");
        assert!(
            !image_present(&registry.image()).await.unwrap(),
            "the image must be missing before the test"
        );
        let dir = tempfile::tempdir().unwrap();
        let catalog = dir.path().join("catalog.yaml");
        let server = |image: &str| {
            json!({
                "title": "Pulled fixture",
                "description": "The echo fixture, pulled from a local registry.",
                "type": "server",
                "image": image,
                "command": ["echo"],
                "disableNetwork": true,
                "tools": [{"name": "echo", "description": "Echo the given text back"}],
            })
        };
        let missing = registry.image_tagged(&format!("{tag}-absent"));
        let yaml = json!({
            "version": 2,
            "name": "progress",
            "registry": {"pulled": server(&registry.image()), "unpullable": server(&missing)},
        });
        // JSON is YAML.
        std::fs::write(&catalog, yaml.to_string()).unwrap();
        Setup {
            registry,
            catalog,
            _dir: dir,
        }
    }

    /// Requests for the manifest of the served tag so far (one pull asks for it once).
    fn manifest_requests(&self) -> usize {
        let path = format!(
            "/manifests/{}",
            self.registry.image().rsplit(':').next().unwrap()
        );
        self.registry
            .requests()
            .iter()
            .filter(|r| r.contains(&path))
            .count()
    }
}

fn progress_of(heard: &[Heard]) -> Vec<ProgressNotificationParam> {
    heard
        .iter()
        .filter_map(|h| match h {
            Heard::Progress(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

fn message(p: &ProgressNotificationParam) -> &str {
    p.message.as_deref().unwrap_or_default()
}

/// Checks one add's progress: one token, `total` given, `progress` strictly increasing, and
/// the steps in order (pull reports first when `pulled`); returns the pull reports.
fn check_steps(steps: &[ProgressNotificationParam], pulled: bool) -> Vec<String> {
    let messages: Vec<&str> = steps.iter().map(message).collect();
    assert!(
        steps
            .iter()
            .all(|p| p.progress_token == steps[0].progress_token),
        "one token: {steps:?}"
    );
    assert!(
        steps.windows(2).all(|w| w[0].progress < w[1].progress),
        "progress strictly increases: {steps:?}"
    );
    assert!(steps.iter().all(|p| p.total == Some(100.0)), "{steps:?}");
    let pulls: Vec<String> = messages
        .iter()
        .take_while(|m| m.starts_with("pulling "))
        .map(|m| m.to_string())
        .collect();
    assert_eq!(!pulls.is_empty(), pulled, "{messages:?}");
    let rest: Vec<&str> = messages[pulls.len()..]
        .iter()
        .map(|m| m.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        rest,
        ["creating", "starting", "initializing"],
        "{messages:?}"
    );
    pulls
}

/// Waits until the add's last step (initializing) was heard; returns the progress heard
/// after `mark`.
async fn steps_after(gw: &TestGateway, mark: usize) -> Vec<ProgressNotificationParam> {
    crate::common::eventually("the initializing step of this add", || {
        let done = progress_of(&gw.heard()[mark..])
            .iter()
            .any(|p| message(p).starts_with("initializing"));
        async move { done }
    })
    .await;
    progress_of(&gw.heard()[mark..])
}

fn timings(result: &rmcp::model::CallToolResult) -> Value {
    let body = result.structured_content.clone().unwrap_or_default();
    body["timings_ms"].clone()
}

#[tokio::test]
async fn a_pull_reports_layers_and_bytes_then_each_step_and_the_result_times_them() {
    let setup = Setup::new().await;
    let image = setup.registry.image();
    let gw = TestGateway::start(&setup.catalog, &[]).await;

    // rmcp's client gives every request a progress token.
    let added = gw.call("mcp-add", json!({"name": "pulled"})).await;
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    let steps = steps_after(&gw, 0).await;
    let pulls = check_steps(&steps, true);
    assert!(
        pulls
            .iter()
            .all(|m| m.starts_with(&format!("pulling {image}"))),
        "{pulls:?}"
    );
    // The fixture's layer and one the registry made: sizes in MB once the daemon knows them.
    let last = pulls.last().unwrap();
    assert!(
        last.contains(" of 2 layers, ") && last.ends_with(" MB"),
        "{pulls:?}"
    );
    assert!(
        pulls
            .iter()
            .any(|m| m.contains(" layers, ") && !m.contains(" of 2 layers, 0.0 of")),
        "some bytes were reported as downloaded: {pulls:?}"
    );

    let took = timings(&added);
    for step in ["pull", "create", "start", "initialize", "total"] {
        assert!(took[step].is_u64(), "timings_ms.{step}: {took}");
    }
    // At most one pull report per 100 ms, besides the first and the last.
    let pull_ms = took["pull"].as_u64().unwrap();
    assert!(
        pulls.len() as u64 <= pull_ms / 100 + 2,
        "{} pull reports in {pull_ms} ms: {pulls:?}",
        pulls.len()
    );
    assert!(
        text(&added).contains("was pulled first"),
        "the message says a pull happened: {}",
        text(&added)
    );
    assert!(image_present(&image).await.unwrap());
    assert_eq!(
        setup.manifest_requests(),
        1,
        "{:?}",
        setup.registry.requests()
    );

    // The server works.
    let echoed = gw.call("echo", json!({"text": "pulled and running"})).await;
    assert_eq!(text(&echoed), "pulled and running");

    // Removed and added again: the image is there, so no pull, and nothing asked of the
    // registry.
    let requests = setup.registry.requests().len();
    let removed = gw.call("mcp-remove", json!({"name": "pulled"})).await;
    assert_ne!(removed.is_error, Some(true), "{}", text(&removed));
    let mark = gw.heard().len();
    let again = gw.call("mcp-add", json!({"name": "pulled"})).await;
    assert_ne!(again.is_error, Some(true), "{}", text(&again));
    let steps = steps_after(&gw, mark).await;
    check_steps(&steps, false);
    let took = timings(&again);
    assert!(took.get("pull").is_none(), "{took}");
    assert!(took["total"].is_u64(), "{took}");
    assert!(!text(&again).contains("pulled first"), "{}", text(&again));
    assert_eq!(setup.registry.requests().len(), requests);

    // Already added: nothing starts, nothing is reported.
    let mark = gw.heard().len();
    let twice = gw.call("mcp-add", json!({"name": "pulled"})).await;
    assert!(text(&twice).contains("already_added"), "{}", text(&twice));
    let echoed = gw.call("echo", json!({"text": "still here"})).await;
    assert_eq!(text(&echoed), "still here");
    assert!(progress_of(&gw.heard()[mark..]).is_empty());
}

#[tokio::test]
async fn a_failed_pull_is_an_error_naming_the_image() {
    let setup = Setup::new().await;
    let gw = TestGateway::start(&setup.catalog, &[]).await;
    let missing = format!("{}-absent", setup.registry.image());
    let result = gw.call("mcp-add", json!({"name": "unpullable"})).await;
    assert_eq!(result.is_error, Some(true), "{}", text(&result));
    let said = text(&result);
    assert!(
        said.contains(&missing) && said.contains("could not be pulled"),
        "{said}"
    );
    assert!(
        setup
            .registry
            .requests()
            .iter()
            .any(|r| r.contains("/manifests/") && r.ends_with(" 404")),
        "the registry was asked: {:?}",
        setup.registry.requests()
    );
    assert!(gw.containers(None).await.is_empty());
    // Nothing was added.
    assert!(!gw.tool_names().await.contains(&"echo".to_string()));
}

/// A client that speaks JSON-RPC over the gateway's stdio by hand, to send requests without
/// the progress token rmcp's client always adds.
struct RawGateway {
    child: tokio::process::Child,
    stdin: tokio::process::ChildStdin,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    /// Every message the gateway sent, in order.
    seen: Vec<Value>,
    _home: tempfile::TempDir,
}

impl RawGateway {
    async fn start(catalog: &std::path::Path) -> RawGateway {
        let home = tempfile::tempdir().unwrap();
        let mut child = crate::common::switchboard(home.path())
            .arg("run")
            .arg("--catalog")
            .arg(catalog)
            .env("SWITCHBOARD_LOG", "info")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn switchboard");
        let stdin = child.stdin.take().unwrap();
        let lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut gw = RawGateway {
            child,
            stdin,
            lines,
            seen: Vec::new(),
            _home: home,
        };
        gw.request(
            1,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "raw-test", "version": "0"}}),
        )
        .await;
        gw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        gw
    }

    async fn send(&mut self, message: Value) {
        let line = format!("{message}\n");
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    /// Sends a request and reads until its response, which it returns.
    async fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        let read = async {
            loop {
                let line = self
                    .lines
                    .next_line()
                    .await
                    .unwrap()
                    .expect("the gateway closed stdout");
                let Ok(message) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                self.seen.push(message.clone());
                if message["id"] == json!(id) && message.get("method").is_none() {
                    return message;
                }
            }
        };
        tokio::time::timeout(STEP, read)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method}"))
    }
}

impl Drop for RawGateway {
    fn drop(&mut self) {
        crate::common::stop_gateway(&mut self.child, None);
    }
}

#[tokio::test]
async fn an_add_without_a_progress_token_hears_no_progress() {
    let setup = Setup::new().await;
    let mut gw = RawGateway::start(&setup.catalog).await;
    let added = gw
        .request(
            2,
            "tools/call",
            json!({"name": "mcp-add", "arguments": {"name": "pulled"}}),
        )
        .await;
    let result = &added["result"];
    assert_ne!(result["isError"], json!(true), "{added}");
    // It did pull, and says so; it just told no one along the way.
    assert!(
        result["structuredContent"]["timings_ms"]["pull"].is_u64(),
        "{added}"
    );
    // A later request's answer comes after anything sent for the add.
    gw.request(3, "tools/list", json!({})).await;
    let progress: Vec<&Value> = gw
        .seen
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .collect();
    assert!(progress.is_empty(), "{progress:?}");
}

/// Records the progress an HTTP client hears.
#[derive(Clone, Default)]
struct Heeding(Arc<Mutex<Vec<ProgressNotificationParam>>>);

impl rmcp::ClientHandler for Heeding {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("progress-test", "0"),
        )
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::service::RoleClient>,
    ) {
        self.0.lock().unwrap().push(params);
    }
}

#[tokio::test]
async fn two_workspaces_adding_a_missing_image_at_once_share_one_pull() {
    let setup = Setup::new().await;
    let gw = HttpGateway::builder()
        .catalog(&setup.catalog)
        .tokens(&["alice", "bob"])
        .start()
        .await;
    let mut clients = Vec::new();
    for token in &gw.tokens {
        let heard = Heeding::default();
        let client = tokio::time::timeout(STEP, heard.clone().serve(transport(&gw.url, token)))
            .await
            .unwrap()
            .expect("initialize over HTTP");
        clients.push((client, heard));
    }
    let adds = clients.iter().map(|(client, _)| async move {
        tokio::time::timeout(
            STEP,
            client.call_tool(call("mcp-add", json!({"name": "pulled"}))),
        )
        .await
        .expect("in time")
        .expect("tools/call")
    });
    for result in futures::future::join_all(adds).await {
        assert_ne!(
            result.is_error,
            Some(true),
            "{}; {}",
            text(&result),
            gw.stderr()
        );
        assert!(
            timings(&result)["pull"].is_u64(),
            "both waited for the pull: {}",
            text(&result)
        );
    }
    assert_eq!(
        setup.manifest_requests(),
        1,
        "one pull: {:?}",
        setup.registry.requests()
    );
    for (_, heard) in &clients {
        crate::common::eventually("each client heard its add's last step", || {
            let done = heard
                .0
                .lock()
                .unwrap()
                .iter()
                .any(|p| message(p).starts_with("initializing"));
            async move { done }
        })
        .await;
        let steps = heard.0.lock().unwrap().clone();
        check_steps(&steps, true);
    }
    for (client, _) in clients {
        let _ = client.cancel().await;
    }
    // The containers go before the registry removes the image.
    drop(gw);
    let _ = remove_image(&setup.registry.image()).await;
}
