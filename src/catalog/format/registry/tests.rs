//! The registry format: shapes of documents, the mapping onto catalog entries, keys, versions
//! and errors.

use serde_json::{Value, json};

use super::*;
use crate::catalog::{Catalog, ServerKind, Unrunnable};

fn catalog(document: Value) -> Catalog {
    Catalog::parse("t.json", &document.to_string()).unwrap()
}

fn error(document: Value) -> String {
    Catalog::parse("t.json", &document.to_string())
        .unwrap_err()
        .to_string()
}

/// The `filesystem`-like example of the registry's docs, in the current (camelCase) shape.
fn oci_server() -> Value {
    json!({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.example/database-manager",
        "title": "Database Manager",
        "description": "MCP server for database operations",
        "version": "3.1.0",
        "websiteUrl": "https://example.com/db",
        "repository": {"url": "https://github.com/example/db", "source": "github"},
        "packages": [{
            "registryType": "oci",
            "identifier": "example/database-manager-mcp",
            "version": "3.1.0",
            "transport": {"type": "stdio"},
            "runtimeHint": "docker",
            "runtimeArguments": [
                {"type": "named", "name": "--network", "value": "host"},
                {"type": "named", "name": "-e", "value": "DB_TYPE={db_type}",
                 "variables": {"db_type": {"description": "Type of database", "choices": ["postgres", "mysql"], "isRequired": true}}},
                {"type": "named", "name": "--mount", "value": "type=bind,src={source_path},dst={target_path}",
                 "variables": {"source_path": {"format": "filepath", "isRequired": true},
                               "target_path": {"default": "/project", "isRequired": true}}}
            ],
            "packageArguments": [
                {"type": "named", "name": "--host", "description": "Database host", "default": "localhost", "isRequired": true},
                {"type": "named", "name": "--port", "description": "Database port", "format": "number"},
                {"type": "positional", "valueHint": "database_name", "description": "Database to connect to", "isRequired": true},
                {"type": "positional", "value": "serve"}
            ],
            "environmentVariables": [
                {"name": "DB_USERNAME", "description": "Database username", "isRequired": true},
                {"name": "DB_PASSWORD", "description": "Database password", "isRequired": true, "isSecret": true},
                {"name": "SSL_MODE", "description": "SSL connection mode", "default": "prefer", "choices": ["disable", "prefer", "require"]},
                {"name": "MODE", "value": "production"}
            ]
        }]
    })
}

#[test]
fn an_oci_package_becomes_a_container_server() {
    let catalog = catalog(oci_server());
    let entry = catalog.get("database-manager").unwrap();
    assert_eq!(entry.kind, ServerKind::Server);
    assert_eq!(
        entry.image.as_deref(),
        Some("example/database-manager-mcp:3.1.0")
    );
    assert_eq!(entry.title, "Database Manager");
    assert!(
        entry
            .metadata
            .tags
            .contains(&"io.github.example/database-manager".to_string())
    );
    let published = entry.published.as_ref().unwrap();
    assert_eq!(
        published.registry_name,
        "io.github.example/database-manager"
    );
    assert_eq!(published.version, "3.1.0");
    assert!(entry.fill_defaults);

    let secrets = secrets_of(entry);
    assert_eq!(
        secrets,
        [("database-manager.db_password", "DB_PASSWORD", false)]
    );

    let env: Vec<(&str, &str, Vec<&str>)> = entry
        .env
        .iter()
        .map(|e| {
            let needs = e.needs.iter().map(String::as_str).collect();
            (e.name.as_str(), e.value.0.as_str(), needs)
        })
        .collect();
    assert_eq!(
        env,
        [
            (
                "DB_USERNAME",
                "{{database-manager.db_username}}",
                vec!["db_username"]
            ),
            (
                "SSL_MODE",
                "{{database-manager.ssl_mode}}",
                vec!["ssl_mode"]
            ),
            ("MODE", "production", vec![]),
            ("DB_TYPE", "{{database-manager.db_type}}", vec!["db_type"]),
        ]
    );

    let command: Vec<(Option<&str>, &str)> = entry
        .command
        .iter()
        .map(|c| (c.flag.as_deref(), c.value.0.as_str()))
        .collect();
    assert_eq!(
        command,
        [
            (Some("--host"), "{{database-manager.host}}"),
            (Some("--port"), "{{database-manager.port}}"),
            (None, "{{database-manager.database_name}}"),
            (None, "serve"),
        ]
    );
    // `--network host` is a `docker run` flag the gateway does not apply; the mount is a volume.
    let volumes: Vec<&str> = entry.volumes.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(
        volumes,
        ["{{database-manager.source_path}}:{{database-manager.target_path}}"]
    );

    let schema = entry.config_schema().unwrap();
    assert_eq!(schema["name"], "database-manager");
    let properties = &schema["properties"];
    assert_eq!(properties["host"]["default"], "localhost");
    assert_eq!(properties["host"]["description"], "Database host");
    assert_eq!(properties["port"]["type"], "number");
    assert_eq!(
        properties["ssl_mode"]["enum"],
        json!(["disable", "prefer", "require"])
    );
    assert_eq!(properties["db_type"]["enum"], json!(["postgres", "mysql"]));
    assert_eq!(properties["target_path"]["default"], "/project");
    assert!(
        properties.get("db_password").is_none(),
        "secrets are not config"
    );
    // Required and not filled by a default.
    let mut required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    required.sort();
    assert_eq!(
        required,
        ["database_name", "db_type", "db_username", "source_path"]
    );
}

#[test]
fn images_are_tagged_once_and_keep_their_registry() {
    let image_of = |package: Value| {
        let server =
            json!({"name": "io.x/s", "description": "d", "version": "1", "packages": [package]});
        catalog(server).get("s").unwrap().image.clone().unwrap()
    };
    let oci = |identifier: &str, version: Option<&str>, base: Option<&str>| json!({"registryType": "oci", "identifier": identifier, "version": version, "registryBaseUrl": base, "transport": {"type": "stdio"}});
    assert_eq!(
        image_of(oci("ghcr.io/o/r:v1", Some("1.0.0"), None)),
        "ghcr.io/o/r:v1"
    );
    assert_eq!(
        image_of(oci("o/r@sha256:abc", Some("1"), None)),
        "o/r@sha256:abc"
    );
    assert_eq!(
        image_of(oci("o/r", Some("2.0"), Some("https://docker.io"))),
        "o/r:2.0"
    );
    assert_eq!(
        image_of(oci("o/r", Some("2.0"), Some("https://ghcr.io"))),
        "ghcr.io/o/r:2.0"
    );
    assert_eq!(
        image_of(oci("localhost:5000/r", None, None)),
        "localhost:5000/r"
    );
    assert_eq!(
        image_of(oci("switchboard-fixture:latest", None, None)),
        "switchboard-fixture:latest"
    );
}

#[test]
fn a_remote_becomes_a_remote_server_with_its_headers() {
    let server = json!({
        "name": "com.example/acme-analytics",
        "description": "Real-time business intelligence",
        "version": "2.0.0",
        "remotes": [
            {"type": "sse", "url": "https://analytics.example.com/sse"},
            {"type": "streamable-http", "url": "https://{region}.analytics.example.com/mcp",
             "variables": {"region": {"description": "Region", "default": "eu", "choices": ["eu", "us"]}},
             "headers": [
                {"name": "X-API-Key", "description": "API key", "isRequired": true, "isSecret": true},
                {"name": "Authorization", "value": "Bearer {token}", "variables": {"token": {"isSecret": true}}},
                {"name": "X-Team", "description": "Team id"},
                {"name": "X-Client", "value": "switchboard"}
             ]}
        ]
    });
    let catalog = catalog(server);
    let entry = catalog.get("acme-analytics").unwrap();
    assert_eq!(entry.kind, ServerKind::Remote);
    assert_eq!(
        entry.title, "com.example/acme-analytics",
        "no title: the registry name"
    );
    let remote = entry.remote.as_ref().unwrap();
    assert_eq!(remote.transport_type.as_deref(), Some("streamable-http"));
    assert_eq!(
        remote.url,
        "https://{{acme-analytics.region}}.analytics.example.com/mcp"
    );
    let header = |name: &str| remote.headers[name].0.as_str();
    assert_eq!(header("X-API-Key"), "${ACME_ANALYTICS_X_API_KEY}");
    assert_eq!(header("Authorization"), "Bearer ${ACME_ANALYTICS_TOKEN}");
    assert_eq!(header("X-Team"), "{{acme-analytics.x_team}}");
    assert_eq!(header("X-Client"), "switchboard");
    let secrets = secrets_of(entry);
    assert_eq!(
        secrets,
        [
            (
                "acme-analytics.x_api_key",
                "ACME_ANALYTICS_X_API_KEY",
                false
            ),
            ("acme-analytics.token", "ACME_ANALYTICS_TOKEN", true),
        ]
    );
    let schema = entry.config_schema().unwrap();
    assert_eq!(schema["properties"]["region"]["default"], "eu");
    assert_eq!(schema["properties"]["x_team"]["description"], "Team id");
    assert!(schema.get("required").is_none());
}

#[test]
fn what_cannot_run_is_listed_and_says_what_it_is() {
    let kind = |server: Value| catalog(server).entries().next().unwrap().kind.clone();
    let npm = kind(
        json!({"name": "io.github.x/files", "description": "d", "version": "1",
        "packages": [{"registryType": "npm", "identifier": "@x/files", "version": "1", "runtimeHint": "npx", "transport": {"type": "stdio"}}]}),
    );
    assert_eq!(
        npm,
        ServerKind::Unrunnable(Unrunnable::Package {
            registry_type: "npm".into(),
            identifier: "@x/files".into(),
            runtime_hint: Some("npx".into()),
        })
    );
    assert_eq!(npm.as_str(), "npm");
    let bare = kind(json!({"name": "io.github.x/bare", "description": "d", "version": "1"}));
    assert_eq!(bare, ServerKind::Unrunnable(Unrunnable::NothingPublished));
    assert_eq!(bare.as_str(), "listing");
    let http = kind(
        json!({"name": "io.github.x/web", "description": "d", "version": "1",
        "packages": [{"registryType": "oci", "identifier": "x/web:1", "transport": {"type": "streamable-http", "url": "http://localhost:8080/mcp"}}]}),
    );
    assert_eq!(http.as_str(), "oci-http");
    let secret_argument = kind(
        json!({"name": "io.github.x/sa", "description": "d", "version": "1",
        "packages": [{"registryType": "oci", "identifier": "x/sa:1", "transport": {"type": "stdio"},
                      "packageArguments": [{"type": "named", "name": "--api-key", "isSecret": true}]}]}),
    );
    assert!(
        matches!(secret_argument, ServerKind::Unrunnable(Unrunnable::SecretArgument { ref argument, .. }) if argument == "--api-key")
    );
    // A remote beside an npm package is runnable.
    let both = kind(
        json!({"name": "io.github.x/both", "description": "d", "version": "1",
        "packages": [{"registryType": "pypi", "identifier": "both", "transport": {"type": "stdio"}}],
        "remotes": [{"type": "streamable-http", "url": "https://both.example/mcp"}]}),
    );
    assert_eq!(both, ServerKind::Remote);
}

fn item(name: &str, version: &str, latest: Option<bool>) -> Value {
    let mut meta = json!({"status": "active"});
    if let Some(latest) = latest {
        meta["isLatest"] = json!(latest);
    }
    json!({
        "server": {"name": name, "description": format!("{name} {version}"), "version": version,
                   "remotes": [{"type": "streamable-http", "url": "https://x.example/mcp"}]},
        "_meta": {"io.modelcontextprotocol.registry/official": meta}
    })
}

#[test]
fn a_list_keeps_the_latest_version_of_each_server() {
    let list = json!({
        "servers": [
            item("io.github.a/one", "1.2.0", Some(false)),
            item("io.github.a/one", "1.10.0", Some(false)),
            item("io.github.a/one", "1.1.0", Some(true)),
            item("io.github.a/two", "0.9.0", None),
            item("io.github.a/two", "1.0.0-beta.2", None),
            item("io.github.a/two", "v0.10.0", None),
        ],
        "metadata": {"count": 6, "nextCursor": null}
    });
    let catalog = catalog(list);
    assert_eq!(
        catalog.get("one").unwrap().description,
        "io.github.a/one 1.1.0"
    );
    assert_eq!(
        catalog.get("two").unwrap().description,
        "io.github.a/two 1.0.0-beta.2"
    );
    assert_eq!(compare_versions("1.0.0", "1.0.0-rc.1"), Ordering::Greater);
    assert_eq!(
        compare_versions("1.0.0-rc.10", "1.0.0-rc.9"),
        Ordering::Greater
    );
    assert_eq!(compare_versions("2", "10"), Ordering::Less);
}

#[test]
fn older_list_shapes_load_too() {
    // 2025-09: each item is the server, the registry's metadata inside its `_meta`.
    let list = json!({"servers": [
        {"name": "io.github.a/old", "description": "old", "version": "1.0.0",
         "remotes": [{"type": "sse", "url": "https://old.example/sse"}],
         "_meta": {"io.modelcontextprotocol.registry/official": {"isLatest": true, "status": "active"}}},
        {"name": "io.github.a/gone", "description": "deleted", "version": "1.0.0",
         "_meta": {"io.modelcontextprotocol.registry/official": {"status": "deleted"}}}
    ], "metadata": {"next_cursor": null, "count": 2}});
    let old = catalog(list);
    assert_eq!(old.len(), 1, "deleted servers are left out");
    assert_eq!(old.get("old").unwrap().kind, ServerKind::Remote);
    // 2025-07: snake_case, `version_detail`, `transport_type`.
    let snake = json!({
        "name": "io.github.a/snake", "description": "d", "version_detail": {"version": "0.5.0"},
        "packages": [{"registry_type": "oci", "identifier": "a/snake", "version": "0.5.0",
                      "environment_variables": [{"name": "TOKEN", "is_secret": true, "is_required": true}],
                      "package_arguments": [{"type": "positional", "value_hint": "dir", "is_repeated": true}]}]
    });
    let catalog = catalog(snake);
    let entry = catalog.get("snake").unwrap();
    assert_eq!(entry.image.as_deref(), Some("a/snake:0.5.0"));
    assert_eq!(entry.secrets[0].env, "TOKEN");
    assert_eq!(entry.command[0].value.0, "{{snake.dir|into}}");
    assert_eq!(
        entry.config_schema().unwrap()["properties"]["dir"]["type"],
        "array"
    );
    assert_eq!(entry.published.as_ref().unwrap().version, "0.5.0");
}

#[test]
fn keys_are_short_and_safe_and_lengthen_on_collision() {
    let names = [
        "com.example/Clock.App",
        "io.github.alice/weather",
        "io.github.bob/weather",
        "io.github.x/a.b",
        "io.github.x/a_b",
        "io.gitlab.x/a.b",
    ];
    assert_eq!(
        keys(&names),
        [
            "clock-app",
            "alice-weather",
            "bob-weather",
            "io-github-x-a-b",
            "a_b",
            "io-gitlab-x-a-b"
        ]
    );
    assert_eq!(keys(&["x.a/b.c", "x.a/b-c"]), ["x-a-b-c", "x-a-b-c-2"]);
    assert_eq!(safe_key("..."), "server");
}

#[test]
fn malformed_servers_name_the_file_and_the_entry() {
    let list = json!({"servers": [
        item("io.github.a/fine", "1.0.0", None),
        {"server": {"name": "io.github.a/broken", "description": "d", "version": "1", "packages": "npm"}}
    ]});
    let err = error(list);
    assert!(
        err.contains("t.json") && err.contains("servers[1] (io.github.a/broken)"),
        "{err}"
    );
    let err = error(json!({"servers": [7]}));
    assert!(err.contains("`servers[0]`"), "{err}");
    let err = error(
        json!({"description": "no name", "version": "1", "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"}),
    );
    assert!(err.contains("missing field `name`"), "{err}");
    let err = error(json!({"name": "io.x/r", "description": "d", "version": "1",
        "remotes": [{"type": "streamable-http"}]}));
    assert!(
        err.contains("`io.x/r`") && err.contains("no `url`"),
        "{err}"
    );
    let err = error(json!({"name": "io.x/p", "description": "d", "version": "1",
        "packages": [{"registryType": "npm"}]}));
    assert!(err.contains("no `identifier`"), "{err}");
}

/// A synthetic `/v0/servers` list of `count` servers, as big as the registry's own.
pub(crate) fn big_list(count: usize) -> String {
    let servers: Vec<Value> = (0..count)
        .map(|i| {
            let mut server = oci_server();
            server["name"] = json!(format!("io.github.owner{}/server-{i}", i % 7));
            server["description"] = json!(format!("Server number {i} for databases"));
            json!({"server": server, "_meta": {"io.modelcontextprotocol.registry/official":
                {"status": "active", "isLatest": true, "publishedAt": "2025-10-01T00:00:00Z"}}})
        })
        .collect();
    json!({"servers": servers, "metadata": {"count": count}}).to_string()
}

/// 10,000 servers load in well under a second in release builds (printed, not asserted:
/// timings are for benches, `benches/catalog_load.rs`).
#[test]
fn ten_thousand_servers_load() {
    let text = big_list(10_000);
    let started = std::time::Instant::now();
    let catalog = Catalog::parse("big.json", &text).unwrap();
    let elapsed = started.elapsed();
    assert_eq!(catalog.len(), 10_000);
    println!(
        "loaded 10k registry servers ({} MB) in {:.0} ms (debug build)",
        text.len() >> 20,
        elapsed.as_secs_f64() * 1e3
    );
}

/// Each secret of `entry` as (name, env, optional).
fn secrets_of(entry: &CatalogEntry) -> Vec<(&str, &str, bool)> {
    entry
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.env.as_str(), s.optional))
        .collect()
}
