//! `cargo bench --bench call_overhead`: latency of a `tools/call` (echo) through the gateway,
//! beside the same call made directly to the same server in a container started the same way.
//! Prints `RESULT direct_p50_us=… gateway_p50_us=… added_p50_us=… ratio=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::json;
use switchboard::runtime::{Docker, GatewayId};
use switchboard_testsupport::percentile;

const CALLS: usize = 2000;
const WARM_UP: usize = 200;

#[tokio::main]
async fn main() {
    let catalog = common::fixture_catalog();
    let image = switchboard_testsupport::ensure_fixture_image().expect("fixture image");

    let docker = Docker::connect(GatewayId::current(), Duration::from_secs(60))
        .await
        .expect("docker");
    let spec = common::echo_spec(image);
    let running = docker.start(&spec).await.expect("start container");
    let direct_client = ().serve((running.stdout, running.stdin)).await.expect("initialize");
    let mut direct = measure(direct_client.peer()).await;
    let _ = direct_client.cancel().await;
    docker.remove(&running.id).await;

    let gw = common::TestGateway::start_with_log(&catalog, &[], "warn").await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", common::text(&added));
    let mut through = measure(gw.client().peer()).await;
    drop(gw);

    let (direct_p50, direct_p99) = (percentile(&mut direct, 0.5), percentile(&mut direct, 0.99));
    let (gateway_p50, gateway_p99) = (
        percentile(&mut through, 0.5),
        percentile(&mut through, 0.99),
    );
    println!("calls={CALLS} direct_p99_us={direct_p99:.0} gateway_p99_us={gateway_p99:.0}");
    println!(
        "RESULT direct_p50_us={direct_p50:.0} gateway_p50_us={gateway_p50:.0} added_p50_us={:.0} ratio={:.2}",
        gateway_p50 - direct_p50,
        gateway_p50 / direct_p50
    );
}

/// Microseconds per sequential echo call, after a warm-up.
async fn measure(peer: &rmcp::service::Peer<rmcp::service::RoleClient>) -> Vec<f64> {
    let params = || {
        let mut params = CallToolRequestParams::new("echo");
        params.arguments = json!({"text": "hello from the benchmark"})
            .as_object()
            .cloned();
        params
    };
    for _ in 0..WARM_UP {
        peer.call_tool(params()).await.expect("warm-up call");
    }
    let mut samples = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        peer.call_tool(params()).await.expect("call");
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    samples
}
