//! `run --standby`: instances started before anyone asks, handed out once each, replaced in
//! the background, never to a workspace with config for the server, labelled and swept like
//! every other container; and the refusals at start-up.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::common::http::{HttpGateway, call};
use crate::common::{eventually, fixture_catalog, info, text};

type Client = rmcp::service::Peer<rmcp::service::RoleClient>;

/// The echo fixture with an optional config key (so a standby is allowed for it), and a
/// server that needs a secret.
const CATALOG: &str = r#"version: 2
name: standby-fixtures
registry:
  echo:
    description: Echoes text and reports its environment. A test server.
    type: server
    image: switchboard-fixture:latest
    command: [echo]
    disableNetwork: true
    env:
    - name: FIXTURE_MODE
      value: "{{echo.mode}}"
    config:
    - name: echo
      type: object
      properties:
        mode: {type: string}
  needs-secret:
    description: Requires a token nobody set. A test server.
    type: server
    image: switchboard-fixture:latest
    secrets:
    - name: needs-secret.token
      env: SWITCHBOARD_TEST_UNSET_TOKEN
"#;

/// The catalog above in `dir`, with the fixture image built first.
fn catalog(dir: &Path) -> PathBuf {
    fixture_catalog();
    let path = dir.join("standby.yaml");
    std::fs::write(&path, CATALOG).unwrap();
    path
}

/// The containers of the gateway with process id `pid`: id -> labels.
async fn containers_of(pid: u32) -> HashMap<String, HashMap<String, String>> {
    switchboard_testsupport::managed_containers()
        .await
        .expect("docker list")
        .into_iter()
        .filter(|(_, labels)| {
            labels
                .get("io.switchboard.gateway")
                .and_then(|owner| owner.split(':').nth(1))
                == Some(pid.to_string().as_str())
        })
        .collect()
}

/// Ids of the gateway's standby containers (label `io.switchboard.standby=true`).
async fn standby_of(pid: u32) -> Vec<String> {
    let mut ids: Vec<String> = containers_of(pid)
        .await
        .into_iter()
        .filter(|(_, labels)| {
            labels.get("io.switchboard.standby").map(String::as_str) == Some("true")
        })
        .map(|(id, _)| id)
        .collect();
    ids.sort();
    ids
}

/// Polls until the gateway has a standby container not in `known` (a handed-out instance
/// keeps its label) and the pool counts it ready; returns its id.
async fn wait_new_standby(gw: &HttpGateway, known: &[String]) -> String {
    let pid = gw.pid().unwrap();
    eventually("a new standby container", || async {
        standby_of(pid).await.iter().any(|id| !known.contains(id))
    })
    .await;
    // The container exists before it answered `initialize`; the gauge counts ready ones.
    eventually("the standby instance is ready", || async {
        gw.metrics()
            .await
            .contains("switchboard_standby_instances{server=\"echo\"} 1")
    })
    .await;
    let fresh: Vec<String> = standby_of(pid)
        .await
        .into_iter()
        .filter(|id| !known.contains(id))
        .collect();
    assert_eq!(fresh.len(), 1, "one replacement at a time: {fresh:?}");
    fresh[0].clone()
}

async fn call_tool(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    client
        .call_tool(call(name, arguments))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The container the workspace's echo runs in: Docker sets HOSTNAME to the short id.
async fn hostname(client: &Client) -> String {
    let env = info(&call_tool(client, "info", json!({})).await)["env"].clone();
    env["HOSTNAME"]
        .as_str()
        .expect("HOSTNAME is set")
        .to_string()
}

fn short(id: &str) -> &str {
    &id[..12]
}

#[tokio::test]
async fn adds_take_standby_instances_never_shared_and_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let gw = HttpGateway::builder()
        .catalog(&catalog(dir.path()))
        .tokens(&["alice", "bob", "carol"])
        .args(&["--standby", "echo=1"])
        .start()
        .await;
    let pid = gw.pid().unwrap();
    let first = wait_new_standby(&gw, &[]).await;

    // Workspace A takes the standby instance, and hears list_changed.
    let (alice, changes) = gw.counting_client(&gw.tokens[0]).await;
    let added = call_tool(&alice, "mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(
        added.structured_content.as_ref().unwrap()["from_standby"],
        true,
        "{}",
        text(&added)
    );
    eventually("alice hears list_changed", || async {
        changes.load(Ordering::SeqCst) > 0
    })
    .await;
    let alice_host = hostname(&alice).await;
    assert_eq!(alice_host, short(&first), "alice got the standby container");

    // A replacement appears; workspace B takes it: another container, another environment.
    let second = wait_new_standby(&gw, std::slice::from_ref(&first)).await;
    let bob = gw.client(&gw.tokens[1]).await;
    let added = call_tool(&bob, "mcp-add", json!({"name": "echo"})).await;
    assert_eq!(
        added.structured_content.as_ref().unwrap()["from_standby"],
        true,
        "{}",
        text(&added)
    );
    let bob_host = hostname(&bob).await;
    assert_eq!(bob_host, short(&second));
    assert_ne!(alice_host, bob_host);
    assert!(
        gw.metrics()
            .await
            .contains("switchboard_standby_handouts_total{server=\"echo\"} 2"),
        "{}",
        gw.metrics().await
    );

    // Workspace C has config for echo: its add starts its own container.
    let third = wait_new_standby(&gw, &[first.clone(), second.clone()]).await;
    let carol = gw.client(&gw.tokens[2]).await;
    let set = call_tool(
        &carol,
        "mcp-config-set",
        json!({"server": "echo", "config": {"mode": "mine"}}),
    )
    .await;
    assert_eq!(set.is_error, Some(false), "{}", text(&set));
    let added = call_tool(&carol, "mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert!(
        added.structured_content.as_ref().unwrap()["from_standby"].is_null(),
        "{}",
        text(&added)
    );
    let env = info(&call_tool(&carol, "info", json!({})).await)["env"].clone();
    assert_eq!(env["FIXTURE_MODE"], "mine");
    assert_ne!(env["HOSTNAME"].as_str(), Some(short(&third)));
    let mut labelled = vec![first, second, third];
    labelled.sort();
    assert_eq!(
        standby_of(pid).await,
        labelled,
        "carol's container is no standby one"
    );
    assert!(
        gw.metrics()
            .await
            .contains("switchboard_standby_instances{server=\"echo\"} 1"),
        "the standby instance still waits"
    );

    // SIGTERM: nothing of this gateway is left, standby containers included.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    eventually("no container of the stopped gateway", || async {
        containers_of(pid).await.is_empty()
    })
    .await;
}

#[tokio::test]
async fn standby_containers_of_a_killed_gateway_are_swept_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path());
    let mut killed = HttpGateway::builder()
        .catalog(&catalog)
        .tokens(&["alice"])
        .args(&["--standby", "echo=2"])
        .start()
        .await;
    let pid = killed.pid().unwrap();
    eventually("two standby containers", || async {
        standby_of(pid).await.len() == 2
    })
    .await;
    killed.kill().await;

    let next = HttpGateway::builder()
        .catalog(&catalog)
        .tokens(&["alice"])
        .start()
        .await;
    eventually(
        "the killed gateway's standby containers are gone",
        || async { containers_of(pid).await.is_empty() },
    )
    .await;
    drop(next);
    drop(killed);
}

/// `switchboard run ARGS` with `catalog`; its exit code and stderr.
fn refused(catalog: &Path, args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    crate::common::clean_environment(&mut command, home.path());
    let out = command
        .args(["run", "--catalog"])
        .arg(catalog)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn standby_flags_that_cannot_work_are_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = catalog(dir.path());
    let (code, stderr) = refused(&catalog, &["--standby", "needs-secret"]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("needs-secret") && stderr.contains("secret"),
        "{stderr}"
    );

    let (code, stderr) = refused(&catalog, &["--standby", "nope"]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("no server named `nope`"), "{stderr}");

    // Three instances of 1024 MiB do not fit in the default 2048 MiB.
    let (code, stderr) = refused(&catalog, &["--standby", "echo=3"]);
    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("--standby-memory-mb"), "{stderr}");
}
