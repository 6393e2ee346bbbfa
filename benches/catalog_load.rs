//! `cargo bench --bench catalog_load`: loading a saved MCP Registry `/v0/servers` list of
//! 10,000 servers (each with an `oci` package, arguments, variables and a secret, as big as
//! the registry's own entries get), from a file, as `--catalog FILE` does.
//! Prints `RESULT load_ms_10k=… bytes_10k=…` last (the median of five loads).

use std::time::Instant;

use serde_json::{Value, json};
use switchboard::catalog::{Source, load};
use switchboard_testsupport::percentile;

const SERVERS: usize = 10_000;
const ROUNDS: usize = 5;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("servers.json");
    let text = list(SERVERS);
    std::fs::write(&path, &text).expect("write the list");
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let catalog = load(&[Source::File(path.clone())]).expect("the list loads");
        samples.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(catalog.len(), SERVERS);
    }
    println!("loads_ms={samples:.1?}");
    println!(
        "RESULT load_ms_10k={:.0} bytes_10k={}",
        percentile(&mut samples, 0.5),
        text.len()
    );
}

/// A list response of `count` servers, each the latest of its name.
fn list(count: usize) -> String {
    let servers: Vec<Value> = (0..count)
        .map(|i| {
            json!({
                "server": server(i),
                "_meta": {"io.modelcontextprotocol.registry/official": {
                    "status": "active", "isLatest": true,
                    "publishedAt": "2025-10-01T00:00:00Z", "updatedAt": "2025-10-01T00:00:00Z"
                }}
            })
        })
        .collect();
    json!({"servers": servers, "metadata": {"count": count, "nextCursor": null}}).to_string()
}

fn server(i: usize) -> Value {
    json!({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": format!("io.github.owner{}/server-{i}", i % 97),
        "title": format!("Server {i}"),
        "description": format!("Query and manage database number {i}: tables, rows and migrations"),
        "version": format!("1.{}.0", i % 13),
        "repository": {"url": format!("https://github.com/owner/server-{i}"), "source": "github"},
        "packages": [{
            "registryType": "oci",
            "identifier": format!("ghcr.io/owner/server-{i}:1.0.0"),
            "transport": {"type": "stdio"},
            "runtimeArguments": [
                {"type": "named", "name": "--mount", "value": "type=bind,src={source_path},dst=/data",
                 "variables": {"source_path": {"description": "Host directory", "format": "filepath", "isRequired": true}}}
            ],
            "packageArguments": [
                {"type": "named", "name": "--host", "description": "Database host", "default": "localhost"},
                {"type": "named", "name": "--port", "description": "Database port", "format": "number"},
                {"type": "positional", "valueHint": "database", "description": "Database name", "isRequired": true}
            ],
            "environmentVariables": [
                {"name": "DB_USER", "description": "Database user", "isRequired": true},
                {"name": "DB_PASSWORD", "description": "Database password", "isRequired": true, "isSecret": true},
                {"name": "LOG_LEVEL", "default": "info", "choices": ["debug", "info", "warn"]}
            ]
        }]
    })
}
