//! `cargo bench --bench hot_add`: how long `mcp-add` takes, from the request to the
//! `notifications/tools/list_changed` the client receives, beside the floor: a bare container
//! create + attach + start + MCP `initialize` of the same image, with the same hardening.
//! Prints `RESULT hot_add_p50_ms=… bare_p50_ms=… ratio=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use serde_json::json;
use switchboard::runtime::{ContainerSpec, Docker, GatewayId};
use switchboard_testsupport::percentile;

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
    let bare_p50 = percentile(&mut floor, 0.5);
    println!(
        "runs={RUNS} hot_add min={:.1} max={:.1} ms; bare min={:.1} max={:.1} ms",
        hot[0],
        hot[RUNS - 1],
        floor[0],
        floor[RUNS - 1]
    );
    println!(
        "RESULT hot_add_p50_ms={hot_p50:.1} bare_p50_ms={bare_p50:.1} ratio={:.2}",
        hot_p50 / bare_p50
    );
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
