use serde_json::json;

use crate::common::{TestGateway, fixture_catalog, text};

#[tokio::test]
async fn bad_requests_get_actionable_errors_and_the_gateway_keeps_serving() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;

    let unknown = gw.call("mcp-add", json!({"name": "ecko"})).await;
    assert_eq!(unknown.is_error, Some(true));
    assert!(text(&unknown).contains("mcp-find"), "{}", text(&unknown));
    let suggestions = unknown.structured_content.as_ref().unwrap()["did_you_mean"].clone();
    assert_eq!(suggestions[0], "echo", "{suggestions}");

    for bad in [
        json!({}),
        json!({"name": 5}),
        json!({"name": "echo", "extra": true}),
    ] {
        let result = gw.call("mcp-add", bad.clone()).await;
        assert_eq!(result.is_error, Some(true), "{bad} was accepted");
        assert!(
            text(&result).contains("invalid arguments"),
            "{}",
            text(&result)
        );
        assert!(
            result
                .structured_content
                .as_ref()
                .unwrap()
                .get("input_schema")
                .is_some()
        );
    }
    let empty = gw.call("mcp-find", json!({"query": "   "})).await;
    assert_eq!(empty.is_error, Some(true));

    let secret = gw.call("mcp-add", json!({"name": "needs-secret"})).await;
    assert_eq!(secret.is_error, Some(true));
    assert!(
        text(&secret).contains("SWITCHBOARD_TEST_UNSET_TOKEN"),
        "{}",
        text(&secret)
    );

    let unknown_tool = gw.call("no_such_tool", json!({})).await;
    assert_eq!(unknown_tool.is_error, Some(true));
    assert!(
        text(&unknown_tool).contains("mcp-add"),
        "{}",
        text(&unknown_tool)
    );
    let remove_unknown = gw.call("mcp-remove", json!({"name": "echo"})).await;
    assert_eq!(remove_unknown.is_error, Some(true));

    // Nothing above started a container, and the gateway still works.
    assert!(gw.containers(None).await.is_empty());
    let found = gw.call("mcp-find", json!({"query": "echo"})).await;
    assert_eq!(found.is_error, Some(false));
    assert_eq!(gw.tool_names().await.len(), 5);
}

#[tokio::test]
async fn missing_image_and_dying_servers_leave_nothing_behind() {
    let gw = TestGateway::start(&fixture_catalog(), &["--pull-timeout", "20"]).await;

    let missing = gw.call("mcp-add", json!({"name": "missing-image"})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(
        text(&missing).contains("switchboard-test/does-not-exist:never"),
        "{}",
        text(&missing)
    );

    let exits = gw.call("mcp-add", json!({"name": "exits-on-start"})).await;
    assert_eq!(exits.is_error, Some(true));
    assert!(
        text(&exits).contains("exited during start-up"),
        "{}",
        text(&exits)
    );
    assert!(
        text(&exits).contains("exiting before initialize on purpose"),
        "the server's stderr explains: {}",
        text(&exits)
    );

    assert!(
        gw.containers(None).await.is_empty(),
        "a failed add left a container"
    );
    assert_eq!(
        gw.tool_names().await.len(),
        5,
        "a failed add registered tools"
    );
}

#[tokio::test]
async fn a_crash_mid_call_is_an_error_and_the_next_call_restarts_the_server() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let first = gw.containers(Some("echo")).await;

    let crashed = gw.call("crash", json!({})).await;
    assert_eq!(crashed.is_error, Some(true));
    assert!(
        text(&crashed).contains("stopped while handling the call"),
        "{}",
        text(&crashed)
    );
    assert!(
        text(&crashed).contains("crashing on purpose"),
        "{}",
        text(&crashed)
    );

    let echoed = gw.call("echo", json!({"text": "back"})).await;
    assert_eq!(text(&echoed), "back", "{}", gw.stderr());
    let second = gw.containers(Some("echo")).await;
    assert_eq!(second.len(), 1);
    assert_ne!(first, second, "a new container serves after the crash");
}
