//! Everything beyond tools crosses the gateway (rmcp's client, a 2025-11-25 session over
//! stdio): prompts, resources, templates, completions, subscriptions, logs, progress and the
//! servers' questions (sampling, elicitation, roots), from a server the gateway speaks
//! 2026-07-28 to (`conformance`) and from one it speaks 2025-11-25 to (`conformance-legacy`),
//! whose prompts and resources collide with the first one's; the same from a remote server
//! spoken to over streamable HTTP; and the Python and TypeScript SDKs over HTTP.
#![allow(
    deprecated,
    reason = "rmcp marks logging and resources/subscribe deprecated (SEP-2577); a 2025-11-25 \
              client uses them"
)]

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{
    ArgumentInfo, CallToolRequestParams, CallToolResult, CompleteRequestParams,
    GetPromptRequestParams, NumberOrString, ProgressNotificationParam, ProgressToken,
    ReadResourceRequestParams, Reference, ResourceContents, SetLevelRequestParams,
    SubscribeRequestParams,
};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::{Value, json};

use crate::common::{Abilities, Heard, STEP, TestGateway, fixture_catalog, text};

const NEW: &str = "conformance";
const OLD: &str = "conformance-legacy";

/// `test://static-text` as the gateway exposes the second server's copy of it.
const OLD_STATIC_TEXT: &str = "switchboard://conformance-legacy/test%3A%2F%2Fstatic-text";
const OLD_WATCHED: &str = "switchboard://conformance-legacy/test%3A%2F%2Fwatched-resource";

/// What mcp-find says `server` brings: its prompts and resources.
async fn found_items(gw: &TestGateway, server: &str) -> (Value, Value) {
    let found = gw
        .call(
            "mcp-find",
            json!({"query": "conformance fixture", "limit": 20}),
        )
        .await;
    let results = found.structured_content.expect("structured")["results"].clone();
    let result = results
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == server).cloned())
        .unwrap_or_else(|| panic!("{server} not found: {results}"));
    (result["prompts"].clone(), result["resources"].clone())
}

/// A gateway with both fixture servers added, `conformance` first.
async fn with_both(abilities: Abilities) -> TestGateway {
    let gw = TestGateway::start_able(&fixture_catalog(), &[], abilities).await;
    for server in [NEW, OLD] {
        let added = gw.call("mcp-add", json!({ "name": server })).await;
        assert_eq!(added.is_error, Some(false), "{}", text(&added));
        let body = added
            .structured_content
            .clone()
            .expect("structured mcp-add reply");
        assert_eq!(body["prompts"], 5, "{body}");
        assert_eq!(body["resources"], 3, "{body}");
        assert_eq!(body["resource_templates"], 1, "{body}");
        assert!(text(&added).contains("prompts/list"), "{}", text(&added));
    }
    gw
}

/// The server's tool as the gateway exposes it: the second server's colliding names get its
/// prefix.
fn tool_of(server: &str, tool: &str) -> String {
    if server == NEW {
        tool.to_string()
    } else {
        format!("{server}__{tool}")
    }
}

fn read_params(uri: &str) -> ReadResourceRequestParams {
    ReadResourceRequestParams::new(uri)
}

async fn read_text(gw: &TestGateway, uri: &str) -> (String, String) {
    let read = gw.client().read_resource(read_params(uri)).await;
    let read = read.unwrap_or_else(|e| panic!("reading {uri}: {e}; stderr:\n{}", gw.stderr()));
    match read.contents.first() {
        Some(ResourceContents::TextResourceContents { uri, text, .. }) => {
            (uri.clone(), text.clone())
        }
        other => panic!("{uri} read as {other:?}"),
    }
}

fn prompts_changed(heard: &Heard) -> bool {
    matches!(heard, Heard::PromptsChanged)
}

fn resources_changed(heard: &Heard) -> bool {
    matches!(heard, Heard::ResourcesChanged)
}

/// Waits until the client heard at least `n` notifications `kind` accepts; says how many.
async fn wait_count(gw: &TestGateway, what: &str, kind: fn(&Heard) -> bool, n: usize) -> usize {
    let count = || gw.heard().iter().filter(|h| kind(h)).count();
    crate::common::eventually(&format!("{n} {what}"), || {
        let seen = count();
        async move { seen >= n }
    })
    .await;
    count()
}

/// A JSON-RPC error's code from an rmcp client call.
fn error_code<T: std::fmt::Debug>(outcome: Result<T, rmcp::ServiceError>) -> i32 {
    match outcome {
        Err(rmcp::ServiceError::McpError(error)) => error.code.0,
        other => panic!("expected a JSON-RPC error, got {other:?}"),
    }
}

#[tokio::test]
async fn prompts_resources_and_completions_of_both_lifecycles() {
    // mcp-find tells what a server brings besides tools: what its catalog entry says before
    // it is added (nothing, for `conformance-legacy`), what it offers once it is.
    let fresh = TestGateway::start(&fixture_catalog(), &[]).await;
    assert_eq!(found_items(&fresh, NEW).await, (json!(5), json!(4)));
    assert_eq!(found_items(&fresh, OLD).await, (Value::Null, Value::Null));
    drop(fresh);
    let gw = with_both(Abilities::default()).await;
    assert_eq!(found_items(&gw, OLD).await, (json!(5), json!(4)));
    let client = gw.client();

    // The gateway offers what it forwards.
    let capabilities = client
        .peer_info()
        .expect("server info")
        .capabilities
        .clone();
    assert!(capabilities.prompts.is_some() && capabilities.completions.is_some());
    let resources = capabilities.resources.expect("resources capability");
    assert_eq!(resources.subscribe, Some(true));
    assert_eq!(resources.list_changed, Some(true));

    // Prompts: the first server keeps its names, the second one's colliding names are prefixed.
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    for name in [
        "test_simple_prompt",
        "conformance-legacy__test_simple_prompt",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(names.len(), 10, "{names:?}");
    for prompt in [
        "test_prompt_with_arguments",
        "conformance-legacy__test_prompt_with_arguments",
    ] {
        let mut params = GetPromptRequestParams::new(prompt);
        params.arguments = json!({"arg1": "alpha", "arg2": "beta"})
            .as_object()
            .cloned();
        let got = client.get_prompt(params).await.expect("prompts/get");
        let said = got.messages[0].content.as_text().map(|t| t.text.as_str());
        assert_eq!(
            said,
            Some("Prompt with arguments: arg1='alpha', arg2='beta'"),
            "{prompt}"
        );
    }
    let unknown = client
        .get_prompt(GetPromptRequestParams::new("no_such_prompt"))
        .await;
    assert_eq!(error_code(unknown), -32602);

    // Resources: the second server's colliding URIs are exposed under the gateway's scheme,
    // and what a read returns names the URI the client asked for.
    let listed = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = listed.iter().map(|r| r.uri.as_str()).collect();
    assert!(uris.contains(&"test://static-text"), "{uris:?}");
    assert!(uris.contains(&OLD_STATIC_TEXT), "{uris:?}");
    assert_eq!(uris.len(), 6, "{uris:?}");
    let expected = "This is the content of the static text resource.";
    for uri in ["test://static-text", OLD_STATIC_TEXT] {
        assert_eq!(
            read_text(&gw, uri).await,
            (uri.to_string(), expected.into())
        );
    }
    let binary = client
        .read_resource(read_params("test://static-binary"))
        .await
        .expect("read binary");
    match &binary.contents[0] {
        ResourceContents::BlobResourceContents {
            blob, mime_type, ..
        } => {
            assert!(!blob.is_empty());
            assert_eq!(mime_type.as_deref(), Some("image/png"));
        }
        other => panic!("binary resource read as {other:?}"),
    }
    let missing = client
        .read_resource(read_params("test://nonexistent"))
        .await;
    assert_eq!(error_code(missing), -32002);

    // Templates are listed as each server gives them; a matching URI is read from the first.
    let templates = client
        .list_all_resource_templates()
        .await
        .expect("resources/templates/list");
    assert_eq!(templates.len(), 2, "{templates:?}");
    assert!(
        templates
            .iter()
            .all(|t| t.uri_template == "test://template/{id}/data")
    );
    let (_, data) = read_text(&gw, "test://template/7/data").await;
    let data: Value = serde_json::from_str(&data).expect("template data is JSON");
    assert_eq!(data["id"], "7");

    // Completions go to the server that owns the prompt, under its own name.
    for prompt in [
        "test_prompt_with_arguments",
        "conformance-legacy__test_prompt_with_arguments",
    ] {
        let params = CompleteRequestParams::new(
            Reference::for_prompt(prompt),
            ArgumentInfo::new("arg1", "pa"),
        );
        let completed = client.complete(params).await.expect("completion/complete");
        assert_eq!(completed.completion.values, ["paris", "park", "party"]);
    }

    // Removing a server withdraws its prompts and resources, and clients are told. Each add
    // announced both lists once, so two of each have been heard before the removal.
    let prompts_before = wait_count(&gw, "prompt list changes", prompts_changed, 2).await;
    let resources_before = wait_count(&gw, "resource list changes", resources_changed, 2).await;
    let removed = gw.call("mcp-remove", json!({ "name": OLD })).await;
    assert_eq!(removed.is_error, Some(false), "{}", text(&removed));
    wait_count(
        &gw,
        "prompt list changes",
        prompts_changed,
        prompts_before + 1,
    )
    .await;
    wait_count(
        &gw,
        "resource list changes",
        resources_changed,
        resources_before + 1,
    )
    .await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    assert_eq!(prompts.len(), 5, "{prompts:?}");
    let listed = client.list_all_resources().await.expect("resources/list");
    assert_eq!(listed.len(), 3, "{listed:?}");
    let gone = client.read_resource(read_params(OLD_STATIC_TEXT)).await;
    assert_eq!(error_code(gone), -32002);
}

/// A tool call; rmcp's client gives every request a progress token of its own.
async fn call_with_progress(gw: &TestGateway, name: &str) -> CallToolResult {
    let mut params = CallToolRequestParams::new(name.to_string());
    params.arguments = Some(Default::default());
    let call = tokio::time::timeout(STEP, gw.client().call_tool(params)).await;
    call.expect("in time").expect("tools/call")
}

/// The revision `test://watched-resource` says it is at.
fn revision(content: &str) -> u64 {
    let number = content.rsplit("revision ").next().unwrap_or_default();
    number
        .trim_end_matches(')')
        .parse()
        .unwrap_or_else(|_| panic!("{content}"))
}

fn token_text(token: &ProgressToken) -> String {
    match &token.0 {
        NumberOrString::Number(n) => n.to_string(),
        NumberOrString::String(s) => s.to_string(),
    }
}

#[tokio::test]
async fn questions_progress_logs_and_updates_reach_the_calling_client() {
    let abilities = Abilities {
        elicitation: Some(json!({"username": "ada", "email": "ada@example.com"})),
        sampling: Some("Paris".into()),
        roots: Some(vec!["file:///work".into()]),
    };
    let gw = with_both(abilities).await;
    let client = gw.client();
    client
        .set_level(SetLevelRequestParams::new(rmcp::model::LoggingLevel::Info))
        .await
        .expect("logging/setLevel");

    for server in [NEW, OLD] {
        // Sampling and elicitation: the server's question reaches this client and the answer
        // goes back.
        let sampled = gw
            .call(
                &tool_of(server, "test_sampling"),
                json!({"prompt": "Capital of France?"}),
            )
            .await;
        assert_eq!(text(&sampled), "LLM response: Paris", "{server}");
        let elicited = gw
            .call(
                &tool_of(server, "test_elicitation"),
                json!({"message": "Who are you?"}),
            )
            .await;
        let said = text(&elicited);
        assert!(
            said.contains("action=accept") && said.contains("ada@example.com"),
            "{server}: {said}"
        );
        let roots = gw
            .call(
                &tool_of(server, "test_input_required_result_list_roots"),
                json!({}),
            )
            .await;
        assert_eq!(text(&roots), "Found 1 root(s): file:///work", "{server}");

        // Progress comes back under the token this client sent (rmcp numbers its own), not
        // the one the gateway gave the server, which the tool echoes.
        let mark = gw.heard().len();
        let result = call_with_progress(&gw, &tool_of(server, "test_tool_with_progress")).await;
        let upstream_token = text(&result);
        let steps = || -> Vec<ProgressNotificationParam> {
            gw.heard()[mark..]
                .iter()
                .filter_map(|h| match h {
                    Heard::Progress(p) => Some(p.clone()),
                    _ => None,
                })
                .collect()
        };
        crate::common::eventually("the last progress step", || {
            let done = steps().iter().any(|p| p.progress == 100.0);
            async move { done }
        })
        .await;
        let steps = steps();
        assert_eq!(steps.len(), 3, "{server}: {steps:?}");
        let tokens: Vec<String> = steps
            .iter()
            .map(|p| token_text(&p.progress_token))
            .collect();
        assert!(
            tokens.iter().all(|t| *t == tokens[0]),
            "{server}: {tokens:?}"
        );
        assert_ne!(
            tokens[0], upstream_token,
            "{server}: the server's token leaked"
        );

        // Log lines come through with the server's name in the logger.
        let logged = gw
            .call(&tool_of(server, "test_tool_with_logging"), json!({}))
            .await;
        assert_eq!(logged.is_error, Some(false), "{}", text(&logged));
        gw.wait_heard("the server's log line", |h| {
            matches!(h, Heard::Log(l) if l.logger.as_deref().is_some_and(|n| n.starts_with(server))
                && l.data == json!("Tool execution completed"))
        })
        .await;
    }
    let asked = client.service().asked.lock().unwrap().clone();
    let sampling_prompts = asked
        .iter()
        .filter(|a| a.to_string().contains("Capital of France?"))
        .count();
    assert_eq!(sampling_prompts, 2, "{asked:?}");

    // Subscriptions: each server's watched resource, under the URI this client knows it by
    // (once subscribed, the server also changes it every few seconds on its own).
    for (server, uri) in [(NEW, "test://watched-resource"), (OLD, OLD_WATCHED)] {
        let before = revision(&read_text(&gw, uri).await.1);
        client
            .subscribe(SubscribeRequestParams::new(uri))
            .await
            .expect("resources/subscribe");
        let touched = gw
            .call(&tool_of(server, "test_trigger_resource_update"), json!({}))
            .await;
        assert_eq!(touched.is_error, Some(false), "{}", text(&touched));
        gw.wait_heard(
            "the resource update",
            |h| matches!(h, Heard::Updated(u) if u == uri),
        )
        .await;
        let (_, content) = read_text(&gw, uri).await;
        assert!(revision(&content) > before, "{server}: {content}");
    }

    // A server's own list change reaches the client (the two adds announced one each).
    let before = wait_count(&gw, "prompt list changes", prompts_changed, 2).await;
    let triggered = gw.call("test_trigger_prompt_change", json!({})).await;
    assert_eq!(triggered.is_error, Some(false), "{}", text(&triggered));
    wait_count(&gw, "prompt list changes", prompts_changed, before + 1).await;
}

#[tokio::test]
async fn a_question_the_client_cannot_answer_fails_the_call_at_once() {
    let declining = Abilities {
        elicitation: Some(Value::Null),
        ..Abilities::default()
    };
    let gw = with_both(declining).await;
    for server in [NEW, OLD] {
        // No sampling capability: the call fails with a reason instead of waiting on a
        // question nobody will answer.
        let call = tokio::time::timeout(
            Duration::from_secs(20),
            gw.client().call_tool({
                let mut params = CallToolRequestParams::new(tool_of(server, "test_sampling"));
                params.arguments = json!({"prompt": "hi"}).as_object().cloned();
                params
            }),
        )
        .await
        .unwrap_or_else(|_| panic!("{server}: the call hung; stderr:\n{}", gw.stderr()));
        let said = match call {
            Ok(result) => {
                assert_eq!(result.is_error, Some(true), "{server}: {}", text(&result));
                text(&result)
            }
            Err(error) => error.to_string(),
        };
        assert!(said.to_lowercase().contains("sampling"), "{server}: {said}");

        // A declined form is the user's answer, passed back as given.
        let declined = gw
            .call(
                &tool_of(server, "test_elicitation"),
                json!({"message": "Who are you?"}),
            )
            .await;
        assert!(
            text(&declined).contains("action=decline"),
            "{server}: {}",
            text(&declined)
        );
    }
}

/// The conformance server on streamable HTTP on loopback, one session per client; its `/mcp`
/// URL.
async fn serve_remote_conformance() -> String {
    let server = switchboard_fixture_servers::conformance_server();
    let service = StreamableHttpService::new(
        move || Ok(server.session()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().nest_service("/mcp", service);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/mcp")
}

#[tokio::test]
async fn a_remote_servers_prompts_resources_and_questions_cross_too() {
    let url = serve_remote_conformance().await;
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("remote.yaml");
    let yaml = format!(
        "registry:\n  remote-conformance:\n    title: Remote conformance fixture\n    \
         description: The conformance fixture over streamable HTTP\n    type: remote\n    \
         remote:\n      transport_type: streamable-http\n      url: {url}\n"
    );
    std::fs::write(&catalog, yaml).unwrap();
    let abilities = Abilities {
        sampling: Some("Paris".into()),
        ..Abilities::default()
    };
    let gw = TestGateway::start_able(&catalog, &[], abilities).await;
    let client = gw.client();
    let added = gw
        .call("mcp-add", json!({ "name": "remote-conformance" }))
        .await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(added.structured_content.clone().unwrap()["prompts"], 5);

    let mut params = GetPromptRequestParams::new("test_prompt_with_arguments");
    params.arguments = json!({"arg1": "x", "arg2": "y"}).as_object().cloned();
    let got = client.get_prompt(params).await.expect("prompts/get");
    let said = got.messages[0].content.as_text().map(|t| t.text.clone());
    assert_eq!(
        said.as_deref(),
        Some("Prompt with arguments: arg1='x', arg2='y'")
    );
    let (_, content) = read_text(&gw, "test://static-text").await;
    assert_eq!(content, "This is the content of the static text resource.");

    // The server asks over its HTTP stream; the question reaches this client.
    let sampled = gw
        .call("test_sampling", json!({"prompt": "Capital of France?"}))
        .await;
    assert_eq!(text(&sampled), "LLM response: Paris");

    client
        .subscribe(SubscribeRequestParams::new("test://watched-resource"))
        .await
        .expect("resources/subscribe");
    let touched = gw.call("test_trigger_resource_update", json!({})).await;
    assert_eq!(touched.is_error, Some(false), "{}", text(&touched));
    gw.wait_heard(
        "the remote resource update",
        |h| matches!(h, Heard::Updated(u) if u == "test://watched-resource"),
    )
    .await;
}

/// The Python SDK over streamable HTTP, as a 2025-11-25 session (the gateway asks it the
/// servers' questions) and as a 2026-07-28 client (it gets them as input-required results,
/// a 2025-era server's call held meanwhile): the same items, answers and collisions.
#[tokio::test]
async fn python_sdk_gets_everything_in_both_revisions() {
    let gw = crate::common::http::HttpGateway::start(&["py-legacy", "py-modern"]).await;
    let script = switchboard_testsupport::repo_root().join("tests/interop/passthrough.py");
    for (mode, token) in [("legacy", &gw.tokens[0]), ("modern", &gw.tokens[1])] {
        crate::interop::run_over_http(&gw, "python3", &script, &[mode, &gw.url, token]).await;
    }
}

/// The official TypeScript SDK over streamable HTTP: the same items, answers and collisions.
#[tokio::test]
async fn typescript_sdk_gets_everything_too() {
    let gw = crate::common::http::HttpGateway::start(&["ts-pass"]).await;
    let script = crate::interop::typescript("passthrough.mjs");
    crate::interop::run_over_http(&gw, "node", &script, &[&gw.url, &gw.tokens[0]]).await;
}
