//! The gateway as a container: the image built without a registry from the repository's
//! `Dockerfile` (its runtime stage over a static binary compiled here), run the way
//! `compose.yaml` runs it, and reached over HTTP from the host.

use std::time::Duration;

use rmcp::model::CallToolRequestParams;
use serde_json::json;
use switchboard_testsupport::GatewayContainer;

use crate::common::STEP;
use crate::common::http::connect;

const IMAGE: &str = "switchboard:e2e";
const TOKEN: &str = "e2e-container-token-5d41402abc4b2a76";

fn call(name: &str, arguments: serde_json::Value) -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new(name.to_string());
    params.arguments = arguments.as_object().cloned();
    params
}

/// The workspaces of the managed containers started by the gateway in container `gateway`.
async fn servers_of(gateway: &GatewayContainer) -> Vec<String> {
    let prefix = format!("{}:", gateway.hostname);
    switchboard_testsupport::workspaces_of(|owner| owner.starts_with(&prefix))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_gateway_image_runs_non_root_and_starts_servers_beside_itself() {
    let catalog = crate::common::fixture_catalog();
    tokio::task::spawn_blocking(|| {
        switchboard_testsupport::build_gateway_image("image-test", IMAGE)
    })
    .await
    .unwrap()
    .expect("the gateway image builds from the Dockerfile's runtime stage");
    let env = [format!("SWITCHBOARD_TOKEN={TOKEN}")];

    // The image as shipped: its own CMD (bundled catalog, 0.0.0.0:8811), its health check.
    let shipped = GatewayContainer::start(IMAGE, &[], &env, &[])
        .await
        .unwrap();
    shipped.wait_healthy(STEP).await.unwrap();
    assert_eq!(shipped.user().await.unwrap(), "10001:10001");
    let client = connect(&shipped.url, TOKEN).await;
    let found = client
        .call_tool(call("mcp-find", json!({"query": "github issues"})))
        .await
        .unwrap();
    let found = found.structured_content.unwrap();
    assert_eq!(found["results"][0]["name"], "github-official", "{found}");
    let _ = client.cancel().await;
    let refused = crate::common::http::raw_client()
        .post(&shipped.url)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "the token is required");
    drop(shipped);

    // With a test catalog mounted: servers start as sibling containers through the socket.
    let bind = format!("{}:/catalogs/fixtures.yaml:ro", catalog.display());
    let cmd = [
        "run",
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--catalog",
        "/catalogs/fixtures.yaml",
    ];
    let gateway = GatewayContainer::start(IMAGE, &cmd, &env, &[bind])
        .await
        .unwrap();
    gateway.wait_healthy(STEP).await.unwrap();
    let client = connect(&gateway.url, TOKEN).await;
    let added = client
        .call_tool(call("mcp-add", json!({"name": "echo"})))
        .await
        .unwrap();
    assert_eq!(
        added.is_error,
        Some(false),
        "{added:?}\n{}",
        gateway.logs().await
    );
    let echoed = client
        .call_tool(call("echo", json!({"text": "from the host"})))
        .await
        .unwrap();
    assert_eq!(echoed.content[0].as_text().unwrap().text, "from the host");
    assert_eq!(
        servers_of(&gateway).await,
        ["env"],
        "SWITCHBOARD_TOKEN is workspace `env`"
    );
    let _ = client.cancel().await;

    // `docker stop` (SIGTERM to the gateway, PID 1) removes the servers it started.
    assert_eq!(gateway.stop().await.unwrap(), 0, "{}", gateway.logs().await);
    let deadline = tokio::time::Instant::now() + STEP;
    while !servers_of(&gateway).await.is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(servers_of(&gateway).await.is_empty());
}

/// The container test above runs the image with compose.yaml's settings; this keeps the two
/// from drifting apart.
#[test]
fn compose_runs_the_image_as_the_container_test_does() {
    let text =
        std::fs::read_to_string(switchboard_testsupport::repo_root().join("compose.yaml")).unwrap();
    let compose: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    let service = &compose["services"]["switchboard"];
    let list = |key: &str| -> Vec<String> {
        service[key]
            .as_sequence()
            .unwrap_or_else(|| panic!("compose.yaml: `{key}` is a list"))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(service["build"].as_str(), Some("."));
    assert!(
        list("volumes").contains(&"/var/run/docker.sock:/var/run/docker.sock".to_string()),
        "the socket is mounted"
    );
    assert!(
        list("volumes").iter().any(|v| v.ends_with(":/data")),
        "state lives in a volume at /data, the image's SWITCHBOARD_HOME"
    );
    assert!(
        list("group_add")[0].contains("DOCKER_GID"),
        "the socket's group"
    );
    assert_eq!(service["read_only"].as_bool(), Some(true));
    assert_eq!(list("cap_drop"), ["ALL"]);
    assert_eq!(list("security_opt"), ["no-new-privileges:true"]);
    assert_eq!(list("ports"), ["127.0.0.1:8811:8811"]);
    assert!(
        service["environment"]["SWITCHBOARD_TOKEN"]
            .as_str()
            .is_some_and(|v| v.contains(":?")),
        "a non-loopback bind needs a token, so compose refuses to start without one"
    );
    assert!(
        compose["volumes"]
            .as_mapping()
            .is_some_and(|m| m.contains_key("switchboard-state"))
    );
}
