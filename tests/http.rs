//! The HTTP transport with real clients on loopback: tokens, workspace isolation, Host checks.

use std::time::Duration;

use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use serde_json::json;

use crate::common::STEP;
use crate::common::http::{Counter, HttpGateway, call, tool_names};

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
    let metrics = gw.metrics().await;
    for expected in [
        "switchboard_live_containers 2",
        "switchboard_workspaces 2",
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

/// With `--workspace-per-session`, two sessions of one token share nothing: not tools, not
/// containers, not notifications; a session's containers go when it is deleted or idles out.
#[tokio::test]
async fn each_session_gets_its_own_workspace_and_takes_it_along() {
    use std::sync::atomic::Ordering;

    let gw = HttpGateway::start_with(
        &crate::common::fixture_catalog(),
        &["alice"],
        &["--workspace-per-session", "--idle-timeout", "4"],
    )
    .await;
    let (one, one_changes) = gw.counting_client(&gw.tokens[0]).await;
    let (two, two_changes) = gw.counting_client(&gw.tokens[0]).await;
    let added = one
        .call_tool(call("mcp-add", json!({"name": "echo"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false), "{added:?}");
    let added = two
        .call_tool(call("mcp-add", json!({"name": "collide"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false), "{added:?}");
    let echoed = one
        .call_tool(call("echo", json!({"text": "a"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "a");
    // Session two has no echo server, so `echo` is collide's, unrenamed.
    let echoed = two
        .call_tool(call("echo", json!({"text": "b"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "[b]");
    let two_tools = tool_names(&two).await;
    assert!(!two_tools.contains(&"fail".to_string()), "{two_tools:?}");
    // Each session hears of its own add only, not of the other's.
    assert_eq!(one_changes.load(Ordering::SeqCst), 1);
    assert_eq!(two_changes.load(Ordering::SeqCst), 1);
    let workspaces = gw.container_workspaces().await;
    assert_eq!(workspaces.len(), 2, "{workspaces:?}");
    assert!(
        workspaces[0].starts_with("alice.session-") && workspaces[0] != workspaces[1],
        "{workspaces:?}"
    );

    // Closing session one (the client deletes it) stops its container, not two's.
    let _ = one.cancel().await;
    let deadline = tokio::time::Instant::now() + STEP;
    while gw.container_workspaces().await.len() > 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gw.container_workspaces().await.len(), 1);
    let echoed = two
        .call_tool(call("echo", json!({"text": "still"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "[still]");

    // Left idle past the timeout, session two ends and its workspace and container go with it.
    let deadline = tokio::time::Instant::now() + STEP;
    while !gw.metrics().await.contains("switchboard_workspaces 0")
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let metrics = gw.metrics().await;
    assert!(metrics.contains("switchboard_workspaces 0"), "{metrics}");
    while !gw.container_workspaces().await.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(gw.container_workspaces().await.is_empty());
    // rmcp's client opens a new session on the 404; it starts with an empty workspace.
    let after = two
        .call_tool(call("echo", json!({"text": "late"})))
        .await
        .unwrap();
    assert_eq!(after.is_error, Some(true), "{after:?}");
    assert!(gw.container_workspaces().await.is_empty());
    let _ = two.cancel().await;
}

/// `switchboard health` (the container health check) passes against a serving gateway and
/// fails, saying why, against a closed port.
#[tokio::test]
async fn the_health_command_probes_healthz() {
    let gw = HttpGateway::start(&["alice"]).await;
    let base = gw.url.trim_end_matches("/mcp").to_string();
    let probe = |url: String| async move {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["health", "--url", &url, "--timeout", "5"])
            .output()
            .await
            .unwrap()
    };
    let up = probe(format!("{base}/healthz")).await;
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    let wrong = probe(format!("{base}/nothing-here")).await;
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("404"));
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = probe(format!("http://127.0.0.1:{port}/healthz")).await;
    assert_eq!(down.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&down.stderr).contains("no answer"));
}

/// A client that drops its connection in the middle of a call (no DELETE, no cancellation) does
/// not hold its server forever: the spec lets the call run on, but once the session idles out the
/// call is cancelled and the container stops; other clients are served all along.
#[tokio::test]
async fn an_http_client_that_vanishes_mid_call_holds_nothing() {
    let gw = HttpGateway::start_with(
        &crate::common::fixture_catalog(),
        &["alice", "bob"],
        &["--idle-timeout", "2"],
    )
    .await;
    let http = crate::common::http::raw_client();
    let post = |session: Option<&str>, body: serde_json::Value| {
        let mut request = http
            .post(&gw.url)
            .bearer_auth(&gw.tokens[0])
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .json(&body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}});
    let response = post(None, init).await.unwrap();
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    let _ = response.text().await;
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    post(Some(&session), initialized).await.unwrap();
    let add = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "mcp-add", "arguments": {"name": "echo"}}});
    let added = post(Some(&session), add)
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(added.contains(r#""isError":false"#), "{added}");

    let sleep = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "sleep", "arguments": {"ms": 60_000}}});
    let vanished = std::time::Instant::now();
    let abandoned = tokio::time::timeout(Duration::from_millis(500), async {
        post(Some(&session), sleep).await?.text().await
    })
    .await;
    assert!(abandoned.is_err(), "the sleep cannot have finished");

    let bob = gw.client(&gw.tokens[1]).await;
    let added = bob
        .call_tool(call("mcp-add", json!({"name": "echo"})))
        .await
        .unwrap();
    assert_eq!(added.is_error, Some(false));
    let echoed = bob
        .call_tool(call("echo", json!({"text": "meanwhile"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "meanwhile");
    let _ = bob.cancel().await;

    let alice = || async {
        gw.container_workspaces()
            .await
            .contains(&"alice".to_string())
    };
    while alice().await && vanished.elapsed() < Duration::from_secs(45) {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(
        !alice().await,
        "alice's server still runs its abandoned call"
    );
    assert!(
        vanished.elapsed() < Duration::from_secs(45),
        "held until the 60 s call ended"
    );
}

/// A session's background work ends with it: after its client closes it, nothing of it stays
/// behind, even in a workspace that outlives it and never changes again.
#[tokio::test]
async fn closed_sessions_leave_no_task_behind() {
    let gw = HttpGateway::start(&["alice"]).await;
    let mut clients = Vec::new();
    for _ in 0..5 {
        clients.push(gw.client(&gw.tokens[0]).await);
    }
    let gw = &gw;
    let wait_for = |expected: &'static str| async move {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let metrics = gw.metrics().await;
            if metrics.contains(expected) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{expected} not in:\n{metrics}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    wait_for("switchboard_sessions 5").await;
    for client in clients {
        let _ = client.cancel().await;
    }
    wait_for("switchboard_sessions 0").await;
    assert!(
        gw.metrics().await.contains("switchboard_workspaces 1"),
        "the token's workspace stays"
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_or_for_other_hosts_are_refused() {
    let gw = HttpGateway::start(&["only"]).await;
    let http = crate::common::http::raw_client();
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
            crate::common::http::transport(&gw.url, &gw.tokens[0]),
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
    let args = ["http", &gw.url, &gw.tokens[0], "py"];
    crate::interop::run_over_http(&gw, "python3", &script, &args).await;
}

/// The official TypeScript SDK over streamable HTTP, including its reconnect after a JSON-RPC
/// error reply, which must be answered without an error on either side.
#[tokio::test]
async fn typescript_sdk_drives_the_whole_path_over_http() {
    let gw = HttpGateway::start(&["ts"]).await;
    let script = crate::interop::typescript("mcp_path.mjs");
    let args = ["http", &gw.url, &gw.tokens[0], "ts"];
    crate::interop::run_over_http(&gw, "node", &script, &args).await;
    let log = gw.stderr();
    assert!(!log.contains("Resume failed"), "{log}");
}

/// 20 clients at once, each with its own token and its own server: each sees only its own
/// tools, its own container and its own notifications; at the end no container is left.
#[tokio::test]
async fn twenty_clients_stay_isolated_under_load() {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use rmcp::ServiceExt;

    const CLIENTS: usize = 20;
    const CALLS: usize = 50;
    crate::common::fixture_catalog();
    let dir = tempfile::tempdir().unwrap();
    let mut catalog = String::from("registry:\n");
    for i in 0..CLIENTS {
        catalog.push_str(&format!(
            "  echo-{i}:\n    title: Echo {i}\n    description: Echo fixture number {i}\n    type: server\n    image: switchboard-fixture:latest\n    command: [echo, \"--client={i}\"]\n    disableNetwork: true\n"
        ));
    }
    let catalog_path = dir.path().join("catalog.yaml");
    std::fs::write(&catalog_path, catalog).unwrap();
    let names: Vec<String> = (0..CLIENTS).map(|i| format!("client-{i}")).collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let gw = HttpGateway::start_with(&catalog_path, &name_refs, &["--idle-timeout", "0"]).await;

    let mut tasks = Vec::new();
    for i in 0..CLIENTS {
        let url = gw.url.clone();
        let token = gw.tokens[i].clone();
        tasks.push(tokio::spawn(async move {
            let changes = std::sync::Arc::new(AtomicUsize::new(0));
            let info = ClientConfig::new(
                ClientCapabilities::default(),
                Implementation::new(format!("load-{i}"), "0"),
            );
            let client = Counter(changes.clone(), info)
                .serve(crate::common::http::transport(&url, &token))
                .await
                .expect("initialize");
            let added = client
                .call_tool(call("mcp-add", json!({"name": format!("echo-{i}")})))
                .await
                .unwrap();
            assert_eq!(added.is_error, Some(false), "client {i}: {added:?}");
            let got = client.call_tool(call("info", json!({}))).await.unwrap();
            let args = got.structured_content.unwrap()["args"].clone();
            assert!(
                args.as_array()
                    .unwrap()
                    .contains(&json!(format!("--client={i}"))),
                "client {i} reached {args}"
            );
            for k in 0..CALLS {
                let text = format!("{i}-{k}");
                let echoed = client
                    .call_tool(call("echo", json!({"text": text})))
                    .await
                    .unwrap();
                assert_eq!(echoed.content[0].as_text().unwrap().text, text);
            }
            let tools = client.list_all_tools().await.unwrap();
            assert_eq!(
                tools.len(),
                5 + 6,
                "client {i} sees only the meta-tools and its own server's"
            );
            assert!(
                tools.iter().all(|t| !t.name.contains("__")),
                "no other server's tools collided in"
            );
            let deadline = tokio::time::Instant::now() + STEP;
            while changes.load(Ordering::SeqCst) < 1 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert_eq!(
                changes.load(Ordering::SeqCst),
                1,
                "client {i} got exactly its own list_changed"
            );
            let removed = client
                .call_tool(call("mcp-remove", json!({"name": format!("echo-{i}")})))
                .await
                .unwrap();
            assert_eq!(removed.is_error, Some(false));
            let _ = client.cancel().await;
        }));
    }
    for task in tasks {
        task.await.expect("a client task failed");
    }
    let pid = gw.pid().expect("gateway pid").to_string();
    let left: Vec<_> = switchboard_testsupport::managed_containers()
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, l)| {
            l.get("io.switchboard.gateway")
                .is_some_and(|g| g.split(':').nth(1) == Some(pid.as_str()))
        })
        .collect();
    assert!(left.is_empty(), "containers left: {left:?}");
}

/// Malformed and hostile requests get an HTTP or JSON-RPC error, never a crash, and never a
/// way into another identity's session.
#[tokio::test]
async fn bad_requests_are_answered_and_sessions_stay_with_their_token() {
    let gw = HttpGateway::start(&["alice", "bob"]).await;
    let http = crate::common::http::raw_client();
    let post = |token: &str, session: Option<&str>, body: String| {
        let mut request = http
            .post(&gw.url)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .body(body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}});
    let opened = post(&gw.tokens[0], None, initialize.to_string())
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let session = opened.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_string();
    drop(opened);
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string();
    post(&gw.tokens[0], Some(&session), initialized)
        .await
        .unwrap();

    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).to_string();
    let stolen = post(&gw.tokens[1], Some(&session), list.clone())
        .await
        .unwrap();
    assert_eq!(stolen.status(), 404, "bob must not use alice's session");
    let unknown_session = post(&gw.tokens[0], Some("no-such-session"), list.clone())
        .await
        .unwrap();
    assert!(
        unknown_session.status().is_client_error(),
        "{}",
        unknown_session.status()
    );

    let unknown_method = json!({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}).to_string();
    let answer = post(&gw.tokens[0], Some(&session), unknown_method)
        .await
        .unwrap();
    let text = answer.text().await.unwrap();
    assert!(text.contains("-32601"), "method not found expected: {text}");
    // The stream of that error reply is finished: a client resuming it (as the TypeScript SDK
    // does after every error reply) is told so, and the gateway logs no failed resume.
    let last_event = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("id: ").or_else(|| l.strip_prefix("id:")))
        .expect("the reply's stream carries event ids")
        .trim()
        .to_string();
    let resumed = http
        .get(&gw.url)
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .header("last-event-id", &last_event)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 204, "a finished stream has nothing more");
    assert_eq!(resumed.headers()["content-type"], "text/event-stream");

    let malformed =
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": 5}});
    let answer = post(&gw.tokens[0], Some(&session), malformed.to_string())
        .await
        .unwrap();
    let text = answer.text().await.unwrap();
    assert!(text.contains("-32602"), "invalid params expected: {text}");

    let not_json = post(&gw.tokens[0], Some(&session), "{not json".to_string())
        .await
        .unwrap();
    assert_eq!(not_json.status(), 400);
    let text = not_json.text().await.unwrap();
    assert!(text.contains("-32700"), "a parse error: {text}");
    let batch = json!([{"jsonrpc": "2.0", "id": 4, "method": "ping"}]).to_string();
    let batched = post(&gw.tokens[0], Some(&session), batch).await.unwrap();
    assert_eq!(batched.status(), 400);
    let text = batched.text().await.unwrap();
    assert!(text.contains("-32600"), "an invalid request: {text}");
    let not_rpc = post(
        &gw.tokens[0],
        Some(&session),
        json!({"hello": 1}).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(not_rpc.status(), 400);
    assert!(not_rpc.text().await.unwrap().contains("-32600"));
    let huge = format!(
        "{{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(16 << 20)
    );
    // Refused with 413, or, if the server stops reading first, with the connection closed.
    match post(&gw.tokens[0], Some(&session), huge).await {
        Ok(oversized) => assert_eq!(oversized.status(), 413, "oversized bodies are refused"),
        Err(error) => assert!(error.is_request(), "{error}"),
    }

    let base = gw.url.trim_end_matches("/mcp").to_string();
    assert_eq!(
        http.get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200,
        "still serving"
    );
    let alice = gw.client(&gw.tokens[0]).await;
    assert_eq!(alice.list_all_tools().await.unwrap().len(), 5);
    let _ = alice.cancel().await;

    let null_origin = http
        .post(&gw.url)
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .header("origin", "null")
        .send()
        .await
        .unwrap();
    assert_eq!(null_origin.status(), 403, "Origin: null is a foreign page");
    let deleted = http
        .delete(&gw.url)
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .header("mcp-session-id", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204, "a terminated session answers 204");
    let after = post(&gw.tokens[0], Some(&session), list).await.unwrap();
    assert_eq!(after.status(), 404, "a deleted session is gone");
    let log = gw.stderr();
    assert!(!log.contains("Resume failed"), "{log}");
}
