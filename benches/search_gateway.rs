//! `cargo bench --bench search_gateway`: the semantic stage as a client sees it, on Docker's
//! catalog (328 servers). For each mode, `RUNS` fresh gateways over stdio: process start to the
//! `initialize` answer (the model must not delay it), the first `mcp-find` (which may wait for
//! the catalog's vectors) and a second one, and the gateway's RSS after them. Lexical is the
//! floor, measured in the same run. Prints `RESULT start_p50_ms_lexical=… start_p50_ms_hybrid=…
//! start_ratio=… first_find_p50_ms_lexical=… first_find_p50_ms_hybrid=… rss_kb_lexical=…
//! rss_kb_hybrid=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::Instant;

use serde_json::json;
use switchboard_testsupport::{percentile, rss_kb};

const RUNS: usize = 10;

/// One mode's samples.
#[derive(Default)]
struct Samples {
    start_ms: Vec<f64>,
    first_find_ms: Vec<f64>,
    second_find_ms: Vec<f64>,
    rss_kb: Vec<f64>,
}

#[tokio::main]
async fn main() {
    let catalog =
        switchboard_testsupport::repo_root().join("../shared/catalogs/docker-mcp-catalog.yaml");
    let mut lexical = Samples::default();
    let mut hybrid = Samples::default();
    // Interleaved, so that the machine's noise falls on both modes alike.
    for _ in 0..RUNS {
        for (mode, samples) in [("lexical", &mut lexical), ("hybrid", &mut hybrid)] {
            let started = Instant::now();
            let gw =
                common::TestGateway::start_with_log(&catalog, &["--search", mode], "warn").await;
            samples.start_ms.push(started.elapsed().as_secs_f64() * 1e3);
            for (query, into) in [
                ("will it rain in Paris tomorrow", &mut samples.first_find_ms),
                (
                    "scale my deployment to three replicas",
                    &mut samples.second_find_ms,
                ),
            ] {
                let asked = Instant::now();
                let found = gw.call("mcp-find", json!({ "query": query })).await;
                into.push(asked.elapsed().as_secs_f64() * 1e3);
                assert_eq!(found.is_error, Some(false), "{}", common::text(&found));
            }
            samples.rss_kb.push(rss_kb(gw.pid()) as f64);
        }
    }
    let p50 = |values: &mut Vec<f64>| percentile(values, 0.5);
    for (mode, samples) in [("lexical", &mut lexical), ("hybrid", &mut hybrid)] {
        println!(
            "{mode:<8} start_p50_ms={:.1} first_find_p50_ms={:.2} second_find_p50_ms={:.2} rss_p50_kb={:.0}",
            p50(&mut samples.start_ms),
            p50(&mut samples.first_find_ms),
            p50(&mut samples.second_find_ms),
            p50(&mut samples.rss_kb),
        );
    }
    let (start_lexical, start_hybrid) = (p50(&mut lexical.start_ms), p50(&mut hybrid.start_ms));
    println!(
        "RESULT start_p50_ms_lexical={start_lexical:.1} start_p50_ms_hybrid={start_hybrid:.1} start_ratio={:.2} first_find_p50_ms_lexical={:.2} first_find_p50_ms_hybrid={:.2} rss_kb_lexical={:.0} rss_kb_hybrid={:.0}",
        start_hybrid / start_lexical,
        p50(&mut lexical.first_find_ms),
        p50(&mut hybrid.first_find_ms),
        p50(&mut lexical.rss_kb),
        p50(&mut hybrid.rss_kb),
    );
}
