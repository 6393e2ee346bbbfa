//! `cargo bench --bench hot_add`: how long `mcp-add` takes, from the request to the
//! `notifications/tools/list_changed` the client receives, beside the floor: a bare container
//! create + attach + start + MCP `initialize` of the same image, with the same hardening; and
//! the same add served from a standby instance (`run --standby echo`, over HTTP with a
//! workspace per session, each add by a fresh session so each takes a fresh instance).
//! Prints `RESULT hot_add_p50_ms=… standby_p50_ms=… bare_p50_ms=… ratio=… standby_ratio=…`
//! last (`ratio` is hot/bare, `standby_ratio` standby/bare).

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{NotificationContext, RoleClient};
use serde_json::json;
use switchboard::runtime::{ContainerSpec, Docker, GatewayId};
use switchboard_testsupport::percentile;
use tokio::sync::watch;

const RUNS: usize = 15;

#[tokio::main]
async fn main() {
    let catalog = common::fixture_catalog();
    let image = switchboard_testsupport::ensure_fixture_image().expect("fixture image");

    let gw = common::TestGateway::start_with_log(&catalog, &[], "warn").await;
    // One warm-up add, as the bare runs get one too.
    add_and_remove(&gw).await;
    let mut hot = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        hot.push(add_and_remove(&gw).await);
    }
    drop(gw);

    let mut standby = standby_samples(&catalog).await;

    let docker = Docker::connect(GatewayId::current(), Duration::from_secs(60))
        .await
        .expect("docker");
    let spec = common::echo_spec(image);
    bare(&docker, &spec).await;
    let mut floor = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        floor.push(bare(&docker, &spec).await);
    }

    let hot_p50 = percentile(&mut hot, 0.5);
    let standby_p50 = percentile(&mut standby, 0.5);
    let bare_p50 = percentile(&mut floor, 0.5);
    println!(
        "runs={RUNS} hot_add min={:.1} max={:.1} ms; standby min={:.1} max={:.1} ms; bare min={:.1} max={:.1} ms",
        hot[0],
        hot[RUNS - 1],
        standby[0],
        standby[RUNS - 1],
        floor[0],
        floor[RUNS - 1]
    );
    println!(
        "RESULT hot_add_p50_ms={hot_p50:.1} standby_p50_ms={standby_p50:.1} bare_p50_ms={bare_p50:.1} ratio={:.2} standby_ratio={:.2}",
        hot_p50 / bare_p50,
        standby_p50 / bare_p50
    );
}

/// A client handler that tells when `notifications/tools/list_changed` arrives.
struct Seen(watch::Sender<u64>, ClientConfig);

impl rmcp::ClientHandler for Seen {
    fn get_info(&self) -> ClientConfig {
        self.1.clone()
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.0.send_modify(|n| *n += 1);
    }
}

/// Milliseconds from `mcp-add` to `list_changed` with `--standby echo`, one fresh session (and
/// so workspace) per sample; each waits until the replacement instance is ready.
async fn standby_samples(catalog: &std::path::Path) -> Vec<f64> {
    let gw = common::http::HttpGateway::builder()
        .catalog(catalog)
        .tokens(&["bench"])
        .args(&["--standby", "echo", "--workspace-per-session"])
        .env("SWITCHBOARD_LOG", "warn")
        .start()
        .await;
    let mut samples = Vec::with_capacity(RUNS);
    // One warm-up add, as the other paths get one too.
    for run in 0..=RUNS {
        wait_ready(&gw).await;
        let (seen, mut changes) = watch::channel(0);
        let info = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("bench", "0"),
        );
        let client = Seen(seen, info)
            .serve(common::http::transport(&gw.url, &gw.tokens[0]))
            .await
            .expect("initialize over HTTP");
        let started = Instant::now();
        let (result, elapsed) = tokio::join!(
            client.call_tool(common::http::call("mcp-add", json!({"name": "echo"}))),
            async {
                let wait = changes.wait_for(|n| *n > 0);
                tokio::time::timeout(common::STEP, wait)
                    .await
                    .expect("list_changed")
                    .expect("the client runs");
                started.elapsed()
            }
        );
        let result = result.expect("mcp-add");
        assert_eq!(
            result
                .structured_content
                .as_ref()
                .map(|c| &c["from_standby"]),
            Some(&json!(true)),
            "{}",
            common::text(&result)
        );
        if run > 0 {
            samples.push(elapsed.as_secs_f64() * 1e3);
        }
        let _ = client.cancel().await;
    }
    samples
}

/// Waits until the gateway's standby echo instance is ready.
async fn wait_ready(gw: &common::http::HttpGateway) {
    let deadline = Instant::now() + common::STEP;
    while !gw
        .metrics()
        .await
        .contains("switchboard_standby_instances{server=\"echo\"} 1")
    {
        assert!(
            Instant::now() < deadline,
            "no standby instance became ready"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Milliseconds from sending `mcp-add` to receiving `list_changed`; then removes the server.
async fn add_and_remove(gw: &common::TestGateway) -> f64 {
    let seen = gw.changes_seen();
    let started = Instant::now();
    let (result, elapsed) = tokio::join!(gw.call("mcp-add", json!({"name": "echo"})), async {
        gw.wait_for_change(seen).await;
        started.elapsed()
    });
    assert_eq!(result.is_error, Some(false), "{}", common::text(&result));
    let seen = gw.changes_seen();
    gw.call("mcp-remove", json!({"name": "echo"})).await;
    gw.wait_for_change(seen).await;
    elapsed.as_secs_f64() * 1e3
}

/// Milliseconds for create + attach + start + `initialize`, without the gateway.
async fn bare(docker: &Docker, spec: &ContainerSpec) -> f64 {
    let started = Instant::now();
    let running = docker.start(spec).await.expect("start container");
    let client = ().serve((running.stdout, running.stdin)).await.expect("initialize");
    let elapsed = started.elapsed();
    let _ = client.cancel().await;
    docker.remove(&running.id).await;
    elapsed.as_secs_f64() * 1e3
}
