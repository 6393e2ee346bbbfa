//! `cargo bench --bench http_load`: N concurrent MCP sessions (1, 16, 64) calling the echo
//! fixture through the gateway over streamable HTTP on loopback, beside a direct call to the
//! same server. Prints a line per N, then
//! `RESULT sessions=1,16,64 calls_per_s=… p50_us=… p99_us=… direct_p50_us=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use serde_json::json;
use switchboard::runtime::{Docker, GatewayId};
use switchboard_testsupport::percentile;

const SESSIONS: [usize; 3] = [1, 16, 64];
/// Calls per measurement, spread over the sessions.
const TOTAL_CALLS: usize = 3200;

fn echo() -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new("echo");
    params.arguments = json!({"text": "hello from the load benchmark"})
        .as_object()
        .cloned();
    params
}

#[tokio::main]
async fn main() {
    let gw = common::http::HttpGateway::start_with(
        &common::fixture_catalog(),
        &["bench"],
        &["--log", "warn"],
    )
    .await;
    let setup = gw.client(&gw.tokens[0]).await;
    let mut add = CallToolRequestParams::new("mcp-add");
    add.arguments = json!({"name": "echo"}).as_object().cloned();
    setup.call_tool(add).await.expect("mcp-add");

    let (mut counts, mut rates, mut p50s, mut p99s) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for sessions in SESSIONS {
        let mut clients = Vec::new();
        for _ in 0..sessions {
            clients.push(gw.client(&gw.tokens[0]).await);
        }
        let per_session = TOTAL_CALLS / sessions;
        // Warm-up: every session makes a few calls first.
        for client in &clients {
            for _ in 0..5 {
                client.call_tool(echo()).await.expect("warm-up call");
            }
        }
        let started = Instant::now();
        let tasks: Vec<_> = clients
            .iter()
            .map(|client| {
                let peer = client.peer().clone();
                tokio::spawn(async move {
                    let mut samples = Vec::with_capacity(per_session);
                    for _ in 0..per_session {
                        let call = Instant::now();
                        peer.call_tool(echo()).await.expect("call");
                        samples.push(call.elapsed().as_secs_f64() * 1e6);
                    }
                    samples
                })
            })
            .collect();
        let mut samples = Vec::new();
        for task in tasks {
            samples.extend(task.await.expect("session task"));
        }
        let elapsed = started.elapsed().as_secs_f64();
        let rate = samples.len() as f64 / elapsed;
        let (p50, p99) = (
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.99),
        );
        println!(
            "sessions={sessions} calls={} calls_per_s={rate:.0} p50_us={p50:.0} p99_us={p99:.0}",
            samples.len()
        );
        for client in clients {
            let _ = client.cancel().await;
        }
        counts.push(sessions.to_string());
        rates.push(format!("{rate:.0}"));
        p50s.push(format!("{p50:.0}"));
        p99s.push(format!("{p99:.0}"));
    }
    let _ = setup.cancel().await;
    drop(gw);

    let direct = direct_p50().await;
    println!("direct_p50_us={direct:.0}");
    println!(
        "RESULT sessions={} calls_per_s={} p50_us={} p99_us={} direct_p50_us={direct:.0}",
        counts.join(","),
        rates.join(","),
        p50s.join(","),
        p99s.join(",")
    );
}

/// p50 of the same call made straight to a container started the same way.
async fn direct_p50() -> f64 {
    let image = switchboard_testsupport::ensure_fixture_image().expect("fixture image");
    let docker = Docker::connect(GatewayId::current(), Duration::from_secs(60))
        .await
        .expect("docker");
    let spec = common::echo_spec(image);
    let running = docker.start(&spec).await.expect("start");
    let client = ().serve((running.stdout, running.stdin)).await.expect("initialize");
    let mut samples = Vec::new();
    for i in 0..1000 {
        let started = Instant::now();
        client.peer().call_tool(echo()).await.expect("call");
        if i >= 100 {
            samples.push(started.elapsed().as_secs_f64() * 1e6);
        }
    }
    let _ = client.cancel().await;
    docker.remove(&running.id).await;
    percentile(&mut samples, 0.5)
}
