use serde_json::json;

use crate::common::{TestGateway, fixture_catalog, text};

const META_TOOLS: [&str; 5] = [
    "mcp-find",
    "mcp-add",
    "mcp-remove",
    "mcp-config-set",
    "mcp-exec",
];

#[tokio::test]
async fn stdio_find_add_call_exec_remove() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;

    // A new session sees only the meta-tools, and is told the list can change.
    let info = gw.client().peer_info().expect("server info");
    let tools_capability = info.capabilities.tools.clone().expect("tools capability");
    assert_eq!(tools_capability.list_changed, Some(true));
    assert_eq!(gw.tool_names().await, META_TOOLS);
    let listed = gw.client().list_all_tools().await.unwrap();
    for tool in &listed {
        let description = tool.description.as_deref().unwrap_or_default();
        assert!(
            description.len() > 80,
            "{} needs a description written for a model: {description:?}",
            tool.name
        );
    }

    // Find ranks the echo fixture first and says what it needs.
    let found = gw
        .call("mcp-find", json!({"query": "echo text back"}))
        .await;
    assert_eq!(found.is_error, Some(false), "{}", text(&found));
    let results = &found.structured_content.as_ref().unwrap()["results"];
    assert_eq!(results[0]["name"], "echo");
    for field in [
        "title",
        "description",
        "score",
        "type",
        "tools",
        "required_secrets",
        "missing_secrets",
        "config_schema",
        "added",
    ] {
        assert!(
            results[0].get(field).is_some(),
            "mcp-find result lacks {field}: {}",
            results[0]
        );
    }
    assert_eq!(results[0]["added"], false);

    // Add: the result carries the tools and schemas, and list_changed arrives.
    let seen = gw.changes_seen();
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    gw.wait_for_change(seen).await;
    let body = added.structured_content.clone().unwrap();
    assert_eq!(body["status"], "added");
    let echo_tool = body["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .expect("echo tool");
    assert_eq!(
        echo_tool["input_schema"]["properties"]["text"]["type"],
        "string"
    );
    let names = gw.tool_names().await;
    for tool in ["echo", "add", "sleep", "fail", "crash", "info"] {
        assert!(
            names.contains(&tool.to_string()),
            "{tool} missing from {names:?}"
        );
    }
    assert_eq!(gw.containers(Some("echo")).await.len(), 1);

    // Calls come back unchanged: content, structuredContent, isError.
    let echoed = gw.call("echo", json!({"text": "héllo"})).await;
    assert_eq!(text(&echoed), "héllo");
    let sum = gw.call("add", json!({"a": 2, "b": 40})).await;
    assert_eq!(sum.structured_content, Some(json!({"sum": 42})));
    assert_eq!(text(&sum), "42");
    let failed = gw.call("fail", json!({"message": "it broke"})).await;
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(text(&failed), "it broke");

    // mcp-exec reaches the same tools by name.
    let via_exec = gw
        .call(
            "mcp-exec",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await;
    assert_eq!(via_exec.structured_content, Some(json!({"sum": 2})));

    // Adding again is a no-op that says so.
    let again = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(
        again.structured_content.as_ref().unwrap()["status"],
        "already_added"
    );
    assert_eq!(gw.containers(Some("echo")).await.len(), 1);

    // A colliding server gets prefixed names, and the result says so.
    let seen = gw.changes_seen();
    let collide = gw.call("mcp-add", json!({"name": "collide"})).await;
    assert_eq!(collide.is_error, Some(false), "{}", text(&collide));
    gw.wait_for_change(seen).await;
    let renamed = collide.structured_content.as_ref().unwrap()["renamed"].clone();
    assert!(
        renamed
            .as_array()
            .unwrap()
            .contains(&json!({"tool": "echo", "exposed_as": "collide__echo"})),
        "{renamed}"
    );
    assert!(text(&collide).contains("collide__echo"));
    let names = gw.tool_names().await;
    assert!(
        names.contains(&"collide__echo".to_string()) && names.contains(&"shout".to_string()),
        "{names:?}"
    );
    assert_eq!(
        text(&gw.call("collide__echo", json!({"text": "x"})).await),
        "[x]"
    );
    assert_eq!(text(&gw.call("echo", json!({"text": "x"})).await), "x");

    // Remove withdraws the tools, tells the client, and the container is gone at once.
    let seen = gw.changes_seen();
    let removed = gw.call("mcp-remove", json!({"name": "echo"})).await;
    assert_eq!(removed.is_error, Some(false), "{}", text(&removed));
    gw.wait_for_change(seen).await;
    assert!(
        gw.containers(Some("echo")).await.is_empty(),
        "echo container still exists"
    );
    let names = gw.tool_names().await;
    assert!(
        !names.contains(&"add".to_string()) && names.contains(&"collide__echo".to_string()),
        "{names:?}"
    );
    let gone = gw.call("echo", json!({"text": "x"})).await;
    assert_eq!(gone.is_error, Some(true));

    // The client leaves: every container goes with the gateway.
    assert_eq!(gw.containers(None).await.len(), 1);
    let pid = gw.pid();
    let status = gw.disconnect().await;
    assert!(status.success(), "gateway exit: {status}");
    let left = switchboard_testsupport::managed_containers().await.unwrap();
    assert!(
        !left.iter().any(|(_, l)| l
            .get("io.switchboard.gateway")
            .is_some_and(|g| g.contains(&format!(":{pid}:")))),
        "containers left after exit"
    );
}

/// The semantic stage through the gateway, on Docker's catalog: a request that shares no word
/// with the right server finds it in hybrid mode (the default) and not with `--search lexical`;
/// a big server's matched tools come with their one-line descriptions, best first.
#[tokio::test]
async fn find_understands_the_request_in_hybrid_mode_only() {
    let catalog =
        switchboard_testsupport::repo_root().join("../shared/catalogs/docker-mcp-catalog.yaml");
    let names = |found: &rmcp::model::CallToolResult| -> Vec<String> {
        found.structured_content.as_ref().unwrap()["results"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    let query = json!({"query": "will it rain in Paris tomorrow", "limit": 5});

    let hybrid = TestGateway::start(&catalog, &[]).await;
    let found = hybrid.call("mcp-find", query.clone()).await;
    assert_eq!(found.is_error, Some(false), "{}", text(&found));
    assert!(
        names(&found).contains(&"openweather".to_string()),
        "{:?}",
        names(&found)
    );

    let found = hybrid
        .call(
            "mcp-find",
            json!({"query": "scale my deployment to three replicas", "limit": 3}),
        )
        .await;
    let results = &found.structured_content.as_ref().unwrap()["results"];
    assert_eq!(results[0]["name"], "kubectl-mcp-server", "{results}");
    let matched = results[0]["matched_tools"].as_array().unwrap();
    assert_eq!(matched[0]["name"], "scale_deployment", "{matched:?}");
    assert_eq!(matched[0]["description"], "Scale a deployment.");

    // A server with a hundred tools that share a word with the query shows its best five.
    let found = hybrid
        .call(
            "mcp-find",
            json!({"query": "list the users in our identity provider", "limit": 3}),
        )
        .await;
    let results = found.structured_content.as_ref().unwrap()["results"]
        .as_array()
        .unwrap()
        .clone();
    let shown: Vec<usize> = results
        .iter()
        .map(|r| r["matched_tools"].as_array().unwrap().len())
        .collect();
    assert!(
        shown.iter().all(|n| *n <= 5) && shown.contains(&5),
        "{shown:?}"
    );
    drop(hybrid);

    let lexical = TestGateway::start(&catalog, &["--search", "lexical"]).await;
    let found = lexical.call("mcp-find", query).await;
    assert_eq!(found.is_error, Some(false), "{}", text(&found));
    assert!(
        !names(&found).contains(&"openweather".to_string()),
        "{:?}",
        names(&found)
    );
}

/// A catalog's `allowHosts` is parsed but not enforced yet: `mcp-find` and `mcp-add` say so for
/// such a server (and not for one with no network at all), never silently.
#[tokio::test]
async fn unenforced_allow_hosts_is_said_where_the_model_sees_it() {
    fixture_catalog();
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("egress.yaml");
    std::fs::write(
        &catalog,
        "registry:
  fenced:
    description: Echoes text, allowed to reach one host.
    type: server
    image: switchboard-fixture:latest
    command: [echo]
    allowHosts: [api.example.com]
  sealed:
    description: Echoes text with no network at all.
    type: server
    image: switchboard-fixture:latest
    command: [echo]
    disableNetwork: true
    allowHosts: [api.example.com]
",
    )
    .unwrap();
    let gw = TestGateway::start(&catalog, &[]).await;
    let found = gw
        .call("mcp-find", json!({"query": "echoes text", "limit": 5}))
        .await;
    let results = found.structured_content.as_ref().unwrap()["results"]
        .as_array()
        .unwrap()
        .clone();
    let warnings = |name: &str| {
        results
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not found: {results:?}"))
            .get("warnings")
            .cloned()
    };
    let fenced = warnings("fenced").expect("a warning for fenced");
    assert!(
        fenced[0].as_str().unwrap().contains("api.example.com")
            && fenced[0].as_str().unwrap().contains("not enforced"),
        "{fenced}"
    );
    assert_eq!(warnings("sealed"), None, "no network: nothing to warn of");

    let added = gw.call("mcp-add", json!({"name": "fenced"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let structured = added.structured_content.clone().unwrap();
    assert!(
        structured["warnings"][0]
            .as_str()
            .is_some_and(|w| w.contains("not enforced")),
        "{structured}"
    );
    assert!(text(&added).contains("not enforced"), "{}", text(&added));
}
