//! `cargo bench --bench http_load`: N concurrent MCP sessions (1, 16, 64) calling the echo
//! fixture through the gateway over streamable HTTP on loopback, beside a direct call to the
//! same server; then clients we did not write, one call at a time: the official TypeScript SDK
//! over HTTP and stdio beside its floor (the same client against the SDK's own streamable-HTTP
//! server answering in-process), and the Python SDK over HTTP and stdio. Each client figure is
//! the median of three runs' p50s, taken in turns so machine noise hits all alike. Prints a
//! line per measurement, then `RESULT sessions=1,16,64 calls_per_s=… p50_us=… p99_us=…
//! direct_p50_us=… ts_http_p50_us=… ts_floor_p50_us=… ts_stdio_p50_us=… ts_http_vs_floor=…
//! py_http_p50_us=… py_stdio_p50_us=…` last.

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
        &["--log", "warn", "--max-sessions-per-token", "256"],
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
    let clients = other_clients(&gw);
    drop(gw);

    let direct = direct_p50().await;
    println!("direct_p50_us={direct:.0}");
    println!(
        "RESULT sessions={} calls_per_s={} p50_us={} p99_us={} direct_p50_us={direct:.0} {clients}",
        counts.join(","),
        rates.join(","),
        p50s.join(","),
        p99s.join(",")
    );
}

/// Calls one at a time from the TypeScript and Python SDKs, as `key=value` pairs.
fn other_clients(gw: &common::http::HttpGateway) -> String {
    const CALLS: &str = "300";
    const ROUNDS: usize = 3;
    let root = switchboard_testsupport::repo_root();
    let ts = root.join("tests/interop/ts/latency.mjs");
    let py = root.join("tests/interop/latency.py");
    let (binary, catalog) = (
        env!("CARGO_BIN_EXE_switchboard").to_string(),
        common::fixture_catalog().display().to_string(),
    );
    let token = gw.tokens[0].clone();
    let runs: [(&str, &str, Vec<String>); 5] = [
        ("ts_floor", "node", vec!["floor".into(), CALLS.into()]),
        (
            "ts_http",
            "node",
            vec!["http".into(), gw.url.clone(), token.clone(), CALLS.into()],
        ),
        (
            "ts_stdio",
            "node",
            vec![
                "stdio".into(),
                binary.clone(),
                catalog.clone(),
                CALLS.into(),
            ],
        ),
        (
            "py_http",
            "python3",
            vec!["http".into(), gw.url.clone(), token, CALLS.into()],
        ),
        (
            "py_stdio",
            "python3",
            vec!["stdio".into(), binary, catalog, CALLS.into()],
        ),
    ];
    let mut p50s: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
    for _ in 0..ROUNDS {
        for (i, (name, program, args)) in runs.iter().enumerate() {
            let script = if *program == "node" { &ts } else { &py };
            let p50 = client_p50(program, script, args);
            println!("{name}_p50_us={p50:.0}");
            p50s[i].push(p50);
        }
    }
    let median = |i: usize| percentile(&mut p50s[i].clone(), 0.5);
    let (floor, http) = (median(0), median(1));
    let mut pairs: Vec<String> = runs
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| format!("{name}_p50_us={:.0}", median(i)))
        .collect();
    pairs.insert(3, format!("ts_http_vs_floor={:.2}", http / floor));
    pairs.join(" ")
}

/// The `p50_us` a client latency script prints.
fn client_p50(program: &str, script: &std::path::Path, args: &[String]) -> f64 {
    let home = tempfile::tempdir().expect("temp dir");
    let out = std::process::Command::new(program)
        .arg(script)
        .args(args)
        .env("SWITCHBOARD_HOME", home.path())
        .env("SWITCHBOARD_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert!(
        out.status.success(),
        "{program} {}: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("one JSON line from the latency script");
    line["p50_us"].as_f64().expect("p50_us")
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
