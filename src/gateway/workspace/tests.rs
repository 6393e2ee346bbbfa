//! The workspace's logic on the in-process runtime: the fixture servers' handlers served on
//! duplex streams, so add, remove, collisions, crashes and restarts, idle stops, config
//! restarts and shutdown are tested in milliseconds, without Docker.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt as _;
use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, CallToolResponse, CallToolResult};
use serde_json::{Value, json};
use switchboard_fixture_servers::basic::{Collide, Echo};

use crate::catalog::Catalog;
use crate::gateway::{ConfigChange, Gateway, Settings, Workspace};
use crate::runtime::{ContainerSpec, InProcess};
use crate::store::{Home, Secrets};

const CATALOG: &str = "registry:
  echo:
    description: Echoes text.
    type: server
    image: in-process
    command: [echo]
  collide:
    description: Tools named like echo's.
    type: server
    image: in-process
    command: [collide]
  exits-on-start:
    description: Ends before initialize.
    type: server
    image: in-process
    command: [exit]
  configured:
    description: Reports its environment.
    type: server
    image: in-process
    command: [echo]
    env:
    - name: FIXTURE_MODE
      value: '{{configured.mode}}'
    config:
    - name: configured
      type: object
      properties:
        mode: {type: string}
";

/// Serves each instance with the fixture handler its command names (`exit` ends at once).
fn fixtures() -> InProcess {
    InProcess::new(|spec: &ContainerSpec, stream| {
        let mode = spec.command.first().cloned().unwrap_or_default();
        let env: BTreeMap<String, String> = spec
            .env
            .iter()
            .map(|v| (v.name.clone(), v.value.expose().to_string()))
            .collect();
        let args = spec.command.clone();
        async move {
            let crashed = Arc::new(tokio::sync::Notify::new());
            match mode.as_str() {
                "echo" => serve(Echo::given(args, env, crashed.clone()), stream, crashed).await,
                "collide" => serve(Collide, stream, crashed).await,
                _ => {}
            }
        }
        .boxed()
    })
}

/// Serves `handler` on `stream` until the gateway lets go or the handler crashes. rmcp gives a
/// dying session's unanswered requests seconds to finish; a process that exits does not, so
/// the handler talks through a pipe of its own that a crash cuts at once.
async fn serve<S: rmcp::ServerHandler>(
    handler: S,
    mut stream: tokio::io::DuplexStream,
    crashed: Arc<tokio::sync::Notify>,
) {
    let (inner, mut pump) = tokio::io::duplex(64 * 1024);
    let serving = async move {
        if let Ok(service) = handler.serve(inner).await {
            let _ = service.waiting().await;
        }
    };
    tokio::select! {
        () = serving => {}
        _ = tokio::io::copy_bidirectional(&mut stream, &mut pump) => {}
        () = crashed.notified() => {}
    }
}

struct Fixture {
    runtime: InProcess,
    workspace: Arc<Workspace>,
    _home: tempfile::TempDir,
}

fn fixture() -> Fixture {
    fixture_with(|_| {})
}

/// A fixture whose gateway settings `tune` changes first.
fn fixture_with(tune: impl FnOnce(&mut Settings)) -> Fixture {
    let home = tempfile::tempdir().unwrap();
    let runtime = fixtures();
    let mut settings = Settings {
        start_timeout: Duration::from_secs(5),
        search: switchboard_index::Mode::Lexical,
        ..Settings::default()
    };
    tune(&mut settings);
    let gateway = Gateway::with_runtime(
        Catalog::parse("in-process.yaml", CATALOG).unwrap(),
        Secrets::new(None, []),
        settings,
        Home::resolve(Some(home.path().display().to_string()), None),
        Arc::new(runtime.clone()),
    )
    .unwrap();
    Fixture {
        runtime,
        workspace: Workspace::new("default", gateway),
        _home: home,
    }
}

async fn call(workspace: &Workspace, tool: &str, arguments: Value) -> CallToolResult {
    let mut params = CallToolRequestParams::new(tool.to_string());
    params.arguments = arguments.as_object().cloned();
    match workspace.call_tool(params, None).await {
        Ok(CallToolResponse::Complete(result)) => result,
        other => panic!("{tool}: {other:?}"),
    }
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .first()
        .and_then(|c| c.as_text())
        .map(|t| t.text.clone())
        .unwrap_or_default()
}

/// Saves `configured`'s `mode` in the workspace, as `mcp-config-set` would.
async fn set_mode(workspace: &Workspace, mode: &str) {
    let entry = workspace
        .gateway()
        .catalog
        .catalog()
        .get("configured")
        .unwrap()
        .clone();
    let changes = json!({ "mode": mode }).as_object().cloned().unwrap();
    workspace
        .update_config(&entry, changes, ConfigChange::Merge)
        .await
        .unwrap();
}

fn tool_names(workspace: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = workspace
        .tools()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn add_call_and_remove_leave_nothing_running() {
    let f = fixture();
    let added = f.workspace.add("echo", 0).await.unwrap();
    assert!(added.newly_added);
    assert!(tool_names(&f.workspace).contains(&"echo".to_string()));
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "hello"})).await),
        "hello"
    );
    assert_eq!(f.runtime.running().len(), 1);
    let again = f.workspace.add("echo", 0).await.unwrap();
    assert!(!again.newly_added, "a second add changes nothing");
    assert_eq!(f.runtime.started(), 1);

    let (removed, _) = f.workspace.remove("echo", 0).await.unwrap();
    assert!(removed.iter().any(|t| t.as_str() == "echo"));
    assert!(f.workspace.tools().is_empty());
    assert!(f.runtime.running().is_empty(), "{:?}", f.runtime.running());
    assert!(f.workspace.remove("echo", 0).await.is_none());
}

#[tokio::test]
async fn a_later_servers_colliding_tools_are_prefixed_and_routed_to_it() {
    let f = fixture();
    f.workspace.add("echo", 0).await.unwrap();
    f.workspace.add("collide", 0).await.unwrap();
    let names = tool_names(&f.workspace);
    assert!(names.contains(&"echo".to_string()), "{names:?}");
    assert!(names.contains(&"collide__echo".to_string()), "{names:?}");
    assert!(names.contains(&"shout".to_string()), "{names:?}");
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "x"})).await),
        "x"
    );
    assert_eq!(
        text(&call(&f.workspace, "collide__echo", json!({"text": "x"})).await),
        "[x]"
    );
    assert_eq!(
        f.workspace.tool_owner("collide__echo").as_deref(),
        Some("collide")
    );

    // Without the first server, the second's tools keep their exposed names.
    f.workspace.remove("echo", 0).await.unwrap();
    assert_eq!(
        text(&call(&f.workspace, "collide__echo", json!({"text": "y"})).await),
        "[y]"
    );
}

#[tokio::test]
async fn a_crashed_server_fails_its_call_and_the_next_call_restarts_it() {
    let f = fixture();
    f.workspace.add("echo", 0).await.unwrap();
    let mut params = CallToolRequestParams::new("crash");
    params.arguments = Some(Default::default());
    let crashed = f.workspace.call_tool(params, None).await;
    assert!(crashed.is_err(), "a crash is an error: {crashed:?}");
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "back"})).await),
        "back"
    );
    assert_eq!(f.runtime.started(), 2, "restarted once");
    assert_eq!(f.runtime.running().len(), 1, "{:?}", f.runtime.running());
}

#[tokio::test]
async fn an_idle_server_is_stopped_keeps_its_tools_and_starts_on_the_next_call() {
    let f = fixture();
    f.workspace.add("echo", 0).await.unwrap();
    assert_eq!(f.workspace.stop_idle(Duration::from_secs(3600)).await, 0);
    assert_eq!(f.workspace.stop_idle(Duration::ZERO).await, 1);
    assert!(f.runtime.running().is_empty());
    assert!(tool_names(&f.workspace).contains(&"echo".to_string()));
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "awake"})).await),
        "awake"
    );
    assert_eq!(f.runtime.started(), 2);
}

#[tokio::test]
async fn a_config_change_restarts_the_server_with_the_new_values() {
    let f = fixture();
    set_mode(&f.workspace, "first").await;
    f.workspace.add("configured", 0).await.unwrap();
    let env = |result: CallToolResult| result.structured_content.unwrap()["env"].clone();
    let before = env(call(&f.workspace, "info", json!({})).await);
    assert_eq!(before["FIXTURE_MODE"], "first");

    set_mode(&f.workspace, "second").await;
    assert!(
        f.workspace
            .reconfigure("configured", 0)
            .await
            .unwrap()
            .is_some()
    );
    let after = env(call(&f.workspace, "info", json!({})).await);
    assert_eq!(after["FIXTURE_MODE"], "second");
    assert_eq!(f.runtime.started(), 2, "one restart for the change");
    assert_eq!(f.runtime.running().len(), 1);
}

#[tokio::test]
async fn a_server_that_ends_before_initialize_is_refused_and_nothing_stays() {
    let f = fixture();
    let refused = f.workspace.add("exits-on-start", 0).await;
    assert!(refused.is_err(), "{refused:?}");
    assert!(f.workspace.tools().is_empty());
    assert!(f.runtime.running().is_empty());
    assert!(f.workspace.add("no-such-server", 0).await.is_err());
}

#[tokio::test]
async fn shutdown_stops_every_server() {
    let f = fixture();
    f.workspace.add("echo", 0).await.unwrap();
    f.workspace.add("collide", 0).await.unwrap();
    assert_eq!(f.runtime.running().len(), 2);
    f.workspace.shutdown().await;
    assert!(f.runtime.running().is_empty(), "{:?}", f.runtime.running());
    assert!(
        f.workspace.add("echo", 0).await.is_err(),
        "a closed workspace adds nothing"
    );
}

/// A fixture keeping `count` standby instances of each of `servers`, its pool being filled.
fn standby_fixture(servers: &[(&str, usize)]) -> Fixture {
    let f = fixture_with(|settings| {
        settings.standby = servers
            .iter()
            .map(|(server, count)| crate::gateway::StandbyWant {
                server: (*server).to_string(),
                count: *count,
            })
            .collect();
    });
    crate::gateway::Standby::fill(f.workspace.gateway());
    f
}

/// Polls `check` every few milliseconds until it holds, for at most five seconds.
async fn eventually(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits until `server`'s pool holds `count` instances; returns their ids.
async fn ready(f: &Fixture, server: &str, count: usize) -> Vec<String> {
    let pool = &f.workspace.gateway().standby;
    eventually(&format!("{count} standby {server}"), || {
        pool.ready(server).len() == count
    })
    .await;
    pool.ready(server)
}

fn container(workspace: &Workspace, server: &str) -> Option<String> {
    workspace
        .status()
        .into_iter()
        .find(|s| s.name == server)
        .and_then(|s| s.container)
}

#[tokio::test]
async fn an_add_takes_a_standby_instance_and_a_replacement_starts() {
    let f = standby_fixture(&[("echo", 1)]);
    let standby = ready(&f, "echo", 1).await;
    assert_eq!(f.runtime.started(), 1);

    let added = f.workspace.add("echo", 0).await.unwrap();
    assert_eq!(added.source, crate::gateway::workspace::AddSource::Standby);
    assert!(added.tools.iter().any(|t| t.exposed.as_str() == "echo"));
    assert_eq!(container(&f.workspace, "echo"), Some(standby[0].clone()));
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "warm"})).await),
        "warm"
    );

    let replacement = ready(&f, "echo", 1).await;
    assert_ne!(replacement, standby, "a new instance waits in the pool");
    assert_eq!(
        f.runtime.started(),
        2,
        "the add started none; the filler one"
    );
    let metrics = f.workspace.gateway().metrics.render(0, 0);
    assert!(
        metrics.contains("switchboard_standby_instances{server=\"echo\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("switchboard_standby_handouts_total{server=\"echo\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn two_workspaces_never_share_a_standby_instance() {
    let f = standby_fixture(&[("echo", 1)]);
    ready(&f, "echo", 1).await;
    let other = Workspace::new("other", f.workspace.gateway().clone());
    f.workspace.add("echo", 0).await.unwrap();
    ready(&f, "echo", 1).await;
    let added = other.add("echo", 0).await.unwrap();
    assert_eq!(added.source, crate::gateway::workspace::AddSource::Standby);
    let (a, b) = (container(&f.workspace, "echo"), container(&other, "echo"));
    assert!(a.is_some() && b.is_some() && a != b, "{a:?} {b:?}");
}

#[tokio::test]
async fn a_workspace_with_config_for_the_server_starts_its_own() {
    let f = standby_fixture(&[("configured", 1)]);
    let standby = ready(&f, "configured", 1).await;
    set_mode(&f.workspace, "mine").await;
    let added = f.workspace.add("configured", 0).await.unwrap();
    assert_eq!(added.source, crate::gateway::workspace::AddSource::Started);
    let env = call(&f.workspace, "info", json!({}))
        .await
        .structured_content
        .unwrap()["env"]
        .clone();
    assert_eq!(env["FIXTURE_MODE"], "mine");
    assert_eq!(f.workspace.gateway().standby.ready("configured"), standby);

    // Without config, the next workspace takes the standby one.
    let plain = Workspace::new("plain", f.workspace.gateway().clone());
    let added = plain.add("configured", 0).await.unwrap();
    assert_eq!(added.source, crate::gateway::workspace::AddSource::Standby);
    assert_eq!(container(&plain, "configured"), Some(standby[0].clone()));
}

#[tokio::test]
async fn a_standby_instance_that_died_is_never_handed_out_and_is_replaced() {
    use crate::runtime::Runtime as _;
    let f = standby_fixture(&[("echo", 1)]);
    let dead = ready(&f, "echo", 1).await.remove(0);
    f.runtime.stop(&dead).await;
    let pool = &f.workspace.gateway().standby;
    eventually("a replacement for the dead instance", || {
        let ready = pool.ready("echo");
        ready.len() == 1 && ready[0] != dead
    })
    .await;
    let added = f.workspace.add("echo", 0).await.unwrap();
    assert_eq!(added.source, crate::gateway::workspace::AddSource::Standby);
    assert_ne!(container(&f.workspace, "echo"), Some(dead));
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "alive"})).await),
        "alive"
    );
}

#[tokio::test]
async fn a_server_kept_warm_comes_back_at_once_and_is_not_listed_meanwhile() {
    let f = fixture_with(|s| s.keep_warm = Duration::from_secs(30));
    f.workspace.add("echo", 0).await.unwrap();
    let first = container(&f.workspace, "echo");
    f.workspace.remove("echo", 0).await.unwrap();
    assert!(
        f.workspace.tools().is_empty(),
        "parked tools are not listed"
    );
    assert_eq!(f.runtime.running().len(), 1, "kept running");

    let again = f.workspace.add("echo", 0).await.unwrap();
    assert_eq!(again.source, crate::gateway::workspace::AddSource::KeptWarm);
    assert!(again.newly_added);
    assert_eq!(container(&f.workspace, "echo"), first);
    assert_eq!(f.runtime.started(), 1);
    assert_eq!(
        text(&call(&f.workspace, "echo", json!({"text": "back"})).await),
        "back"
    );

    // Shutdown stops a parked one too.
    f.workspace.remove("echo", 0).await.unwrap();
    f.workspace.shutdown().await;
    assert!(f.runtime.running().is_empty(), "{:?}", f.runtime.running());
}

#[tokio::test]
async fn a_server_kept_warm_is_stopped_when_the_time_is_up() {
    let f = fixture_with(|s| s.keep_warm = Duration::from_millis(100));
    f.workspace.add("echo", 0).await.unwrap();
    f.workspace.remove("echo", 0).await.unwrap();
    assert_eq!(f.runtime.running().len(), 1);
    let runtime = f.runtime.clone();
    eventually("the parked server to stop", || runtime.running().is_empty()).await;
    let again = f.workspace.add("echo", 0).await.unwrap();
    assert_eq!(again.source, crate::gateway::workspace::AddSource::Started);
    assert_eq!(f.runtime.started(), 2);
}

#[tokio::test]
async fn a_config_change_while_kept_warm_starts_a_new_instance() {
    let f = fixture_with(|s| s.keep_warm = Duration::from_secs(30));
    f.workspace.add("configured", 0).await.unwrap();
    f.workspace.remove("configured", 0).await.unwrap();
    set_mode(&f.workspace, "new").await;
    let again = f.workspace.add("configured", 0).await.unwrap();
    assert_eq!(again.source, crate::gateway::workspace::AddSource::Started);
    assert_eq!(f.runtime.running().len(), 1, "the parked one was stopped");
}

#[tokio::test]
async fn shutdown_with_standby_pools_leaves_nothing_running() {
    let f = standby_fixture(&[("echo", 2), ("collide", 1)]);
    ready(&f, "echo", 2).await;
    ready(&f, "collide", 1).await;
    f.workspace.add("echo", 0).await.unwrap();
    f.workspace.shutdown().await;
    let gateway = f.workspace.gateway();
    gateway.standby.close(gateway).await;
    assert!(f.runtime.running().is_empty(), "{:?}", f.runtime.running());
    assert!(gateway.standby.ready("echo").is_empty());
}
