//! The HTTP transport with real clients on loopback: tokens, workspace isolation, Host checks.

use std::process::Stdio;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use tokio::io::AsyncBufReadExt;

use crate::common::{STEP, fixture_catalog};

/// `switchboard run --transport http --port 0` with its own home and the given tokens.
struct HttpGateway {
    child: tokio::process::Child,
    url: String,
    tokens: Vec<String>,
    _home: tempfile::TempDir,
}

impl HttpGateway {
    async fn start(token_names: &[&str]) -> HttpGateway {
        let catalog = fixture_catalog();
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
            .arg(&catalog)
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

    async fn client(
        &self,
        token: &str,
    ) -> rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig> {
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.clone())
            .auth_header(token.to_string());
        let transport = StreamableHttpClientTransport::from_config(config);
        let info = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("http-test", "0"),
        );
        tokio::time::timeout(STEP, info.serve(transport))
            .await
            .unwrap()
            .expect("initialize over HTTP")
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

fn call(name: &str, arguments: serde_json::Value) -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new(name.to_string());
    params.arguments = arguments.as_object().cloned();
    params
}

#[tokio::test]
async fn tokens_are_workspaces_and_never_see_each_other() {
    let gw = HttpGateway::start(&["alice", "bob"]).await;
    let alice = gw.client(&gw.tokens[0]).await;
    let bob = gw.client(&gw.tokens[1]).await;

    let added = alice
        .call_tool(call("mcp-add", json!({"name": "echo"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false));
    let added = bob
        .call_tool(call("mcp-add", json!({"name": "collide"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false));

    let names = |tools: Vec<rmcp::model::Tool>| {
        tools
            .into_iter()
            .map(|t| t.name.to_string())
            .collect::<Vec<_>>()
    };
    let alice_tools = names(alice.list_all_tools().await.unwrap());
    let bob_tools = names(bob.list_all_tools().await.unwrap());
    assert!(
        alice_tools.contains(&"add".to_string()) && !alice_tools.contains(&"shout".to_string()),
        "{alice_tools:?}"
    );
    // Bob's workspace has no echo server, so collide's tools keep their own names.
    assert!(
        bob_tools.contains(&"echo".to_string()) && bob_tools.contains(&"shout".to_string()),
        "{bob_tools:?}"
    );
    assert!(!bob_tools.contains(&"fail".to_string()), "{bob_tools:?}");
    let echoed = alice
        .call_tool(call("echo", json!({"text": "a"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "a");
    let echoed = bob
        .call_tool(call("echo", json!({"text": "b"})))
        .await
        .unwrap();
    assert_eq!(
        echoed.content[0].as_text().unwrap().text,
        "[b]",
        "bob's echo is collide's"
    );
    let missing = bob
        .call_tool(call("fail", json!({"message": "x"})))
        .await
        .unwrap();
    assert_eq!(
        missing.is_error,
        Some(true),
        "bob cannot reach alice's tools"
    );

    // The counters saw it all.
    let base = gw.url.trim_end_matches("/mcp").to_string();
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        "switchboard_live_containers 2",
        "switchboard_add_seconds_count 2",
        r#"switchboard_tool_calls_total{server="echo",outcome="ok"} 1"#,
        r#"switchboard_tool_calls_total{server="collide",outcome="ok"} 1"#,
    ] {
        assert!(
            metrics.contains(expected),
            "{expected} missing from:\n{metrics}"
        );
    }

    let _ = alice.cancel().await;
    let _ = bob.cancel().await;
}

#[tokio::test]
async fn requests_without_a_valid_token_or_for_other_hosts_are_refused() {
    let gw = HttpGateway::start(&["only"]).await;
    let http = reqwest::Client::new();
    let base = gw.url.trim_end_matches("/mcp").to_string();
    let health = http.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let post = |token: Option<&str>, host: Option<&str>| {
        let mut request = http
            .post(&gw.url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(host) = host {
            request = request.header("host", host);
        }
        request.send()
    };
    let none = post(None, None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert!(none.headers().contains_key("www-authenticate"));
    assert_eq!(
        post(Some("sb_not-a-token"), None).await.unwrap().status(),
        401
    );
    let bad_host = post(Some(&gw.tokens[0]), Some("evil.example"))
        .await
        .unwrap();
    assert_eq!(bad_host.status(), 403);
    assert!(bad_host.text().await.unwrap().contains("--allowed-hosts"));
    tokio::time::sleep(Duration::from_millis(10)).await;
}

/// Protocol 2026-07-28 clients have no session: they learn of `mcp-add` through
/// `subscriptions/listen`, and only for their own workspace.
#[tokio::test]
async fn stateless_clients_get_list_changed_through_listen() {
    use rmcp::model::{ProtocolVersion, ServerNotification, SubscriptionFilter};
    use rmcp::service::{ClientLifecycleMode, ClientServiceExt};

    let gw = HttpGateway::start(&["carol"]).await;
    let config = StreamableHttpClientTransportConfig::with_uri(gw.url.clone())
        .auth_header(gw.tokens[0].clone());
    let lifecycle = ClientLifecycleMode::Discover {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
    };
    let info = ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("stateless-test", "0"),
    );
    let client = tokio::time::timeout(
        STEP,
        info.serve_with_lifecycle(
            StreamableHttpClientTransport::from_config(config),
            lifecycle,
        ),
    )
    .await
    .unwrap()
    .expect("server/discover");
    let mut subscription = client
        .listen(SubscriptionFilter::builder().tools_list_changed().build())
        .await
        .expect("subscriptions/listen");
    let added = client
        .call_tool(call("mcp-add", json!({"name": "echo"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false));
    let notification = tokio::time::timeout(STEP, subscription.next())
        .await
        .expect("a notification in time");
    assert!(
        matches!(
            notification,
            Ok(Some(ServerNotification::ToolListChangedNotification(_)))
        ),
        "{notification:?}"
    );
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "add"));
    let _ = client.cancel().await;
}

/// The Python `mcp` SDK over streamable HTTP (the session-based protocol era) with a token.
#[tokio::test]
async fn python_sdk_drives_the_whole_path_over_http() {
    let gw = HttpGateway::start(&["py"]).await;
    let script = switchboard_testsupport::repo_root().join("tests/interop/mcp_path.py");
    let out = tokio::process::Command::new("python3")
        .arg(&script)
        .args(["http", &gw.url, &gw.tokens[0]])
        .output()
        .await
        .expect("python3 runs (install the SDK with `pip install mcp`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("interop ok"),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
