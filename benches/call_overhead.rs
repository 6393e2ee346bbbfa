//! `cargo bench --bench call_overhead`: latency through the gateway beside the same request
//! made directly to the same server in a container started the same way (the floor, measured
//! in the same run): `tools/call` of the echo fixture, and `resources/read` and `prompts/get`
//! of the conformance fixture (which the gateway speaks 2026-07-28 to, as the direct client
//! does). Prints one line per request and `RESULT …` last: `direct_p50_us`, `gateway_p50_us`,
//! `added_p50_us` and `ratio` for the echo call, then `<request>_added_p50_us` and
//! `<request>_ratio` for each, and `call_log_cost_p50_us`: the echo call's p50 with the call
//! log (on by default) minus its p50 through a gateway started with `--call-log none`.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use rmcp::model::{
    CallToolRequestParams, GetPromptRequestParams, ProtocolVersion, ReadResourceRequestParams,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, Peer, RoleClient};
use serde_json::json;
use switchboard::runtime::{Docker, GatewayId};
use switchboard_testsupport::percentile;

const CALLS: usize = 2000;
const WARM_UP: usize = 200;

/// One kind of request, sent the same way directly and through the gateway.
struct Request {
    name: &'static str,
    server: &'static str,
    send: fn(&Peer<RoleClient>) -> BoxFuture<'_, ()>,
}

const REQUESTS: [Request; 3] = [
    Request {
        name: "tools_call",
        server: "echo",
        send: |peer| {
            Box::pin(async move {
                let mut params = CallToolRequestParams::new("echo");
                params.arguments = json!({"text": "hello from the benchmark"})
                    .as_object()
                    .cloned();
                peer.call_tool(params).await.expect("tools/call");
            })
        },
    },
    Request {
        name: "resources_read",
        server: "conformance",
        send: |peer| {
            Box::pin(async move {
                let params = ReadResourceRequestParams::new("test://static-text");
                peer.read_resource(params).await.expect("resources/read");
            })
        },
    },
    Request {
        name: "prompts_get",
        server: "conformance",
        send: |peer| {
            Box::pin(async move {
                let mut params = GetPromptRequestParams::new("test_prompt_with_arguments");
                params.arguments = json!({"arg1": "a", "arg2": "b"}).as_object().cloned();
                peer.get_prompt(params).await.expect("prompts/get");
            })
        },
    },
];

#[tokio::main]
async fn main() {
    let catalog = common::fixture_catalog();
    let image = switchboard_testsupport::ensure_fixture_image().expect("fixture image");
    let docker = Docker::connect(GatewayId::current(), Duration::from_secs(60))
        .await
        .expect("docker");

    // The floor: each server in its own container, spoken to directly the way the gateway
    // speaks to it (the probe for 2026-07-28, falling back to the session way), with rmcp's
    // response cache off as the gateway has it.
    let mut direct = Vec::new();
    for server in ["echo", "conformance"] {
        let mut spec = common::echo_spec(image.clone());
        spec.server = server.into();
        spec.command = vec![server.into()];
        let running = docker.start(&spec).await.expect("start container");
        let lifecycle = ClientLifecycleMode::Auto {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            legacy_version: None,
        };
        let client =
            ().serve_with_lifecycle((running.stdout, running.stdin), lifecycle)
                .await
                .expect("initialize");
        client
            .peer()
            .set_response_cache_config(rmcp::ClientCacheConfig::disabled())
            .await;
        for request in REQUESTS.iter().filter(|r| r.server == server) {
            direct.push(measure(client.peer(), request).await);
        }
        let _ = client.cancel().await;
        docker.remove(&running.id).await;
    }

    let gw = common::TestGateway::start_with_log(&catalog, &[], "warn").await;
    for server in ["echo", "conformance"] {
        let added = gw.call("mcp-add", json!({ "name": server })).await;
        assert_eq!(added.is_error, Some(false), "{}", common::text(&added));
    }
    let mut through = Vec::new();
    for request in &REQUESTS {
        through.push(measure(gw.client().peer(), request).await);
    }
    drop(gw);

    // The call log is on by default; the same echo call with it off says what it costs.
    let quiet =
        common::TestGateway::start_with_log(&catalog, &["--call-log", "none"], "warn").await;
    let added = quiet.call("mcp-add", json!({ "name": "echo" })).await;
    assert_eq!(added.is_error, Some(false), "{}", common::text(&added));
    let mut unlogged = measure(quiet.client().peer(), &REQUESTS[0]).await;
    drop(quiet);
    let unlogged_p50 = percentile(&mut unlogged, 0.5);

    let mut result = String::from("RESULT");
    for ((request, mut direct), mut through) in REQUESTS.iter().zip(direct).zip(through) {
        let (direct_p50, direct_p99) =
            (percentile(&mut direct, 0.5), percentile(&mut direct, 0.99));
        let (gateway_p50, gateway_p99) = (
            percentile(&mut through, 0.5),
            percentile(&mut through, 0.99),
        );
        let (added, ratio) = (gateway_p50 - direct_p50, gateway_p50 / direct_p50);
        println!(
            "{} ({}): calls={CALLS} direct_p50_us={direct_p50:.0} gateway_p50_us={gateway_p50:.0} \
             added_p50_us={added:.0} ratio={ratio:.2} direct_p99_us={direct_p99:.0} \
             gateway_p99_us={gateway_p99:.0}",
            request.name, request.server
        );
        if request.name == "tools_call" {
            println!(
                "tools_call without the call log: gateway_p50_us={unlogged_p50:.0} \
                 ratio={:.2}",
                unlogged_p50 / direct_p50
            );
            result.push_str(&format!(
                " direct_p50_us={direct_p50:.0} gateway_p50_us={gateway_p50:.0} \
                 added_p50_us={added:.0} ratio={ratio:.2} \
                 call_log_cost_p50_us={:.0}",
                gateway_p50 - unlogged_p50
            ));
        } else {
            result.push_str(&format!(
                " {name}_direct_p50_us={direct_p50:.0} {name}_added_p50_us={added:.0} \
                 {name}_ratio={ratio:.2}",
                name = request.name
            ));
        }
    }
    println!("{result}");
}

/// Microseconds per sequential request, after a warm-up.
async fn measure(peer: &Peer<RoleClient>, request: &Request) -> Vec<f64> {
    for _ in 0..WARM_UP {
        (request.send)(peer).await;
    }
    let mut samples = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        (request.send)(peer).await;
        samples.push(started.elapsed().as_secs_f64() * 1e6);
    }
    samples
}
