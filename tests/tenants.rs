//! One gateway, many tenants: per-workspace secrets, tokens that change while it runs, the
//! admin API, servers every workspace starts with, and the per-token session cap.

use rmcp::model::CallToolResult;
use serde_json::{Value, json};

use crate::common::http::{
    Admin, Body, HttpGateway, call, connect, initialize, raw_client, tool_names,
};
use crate::common::{TestGateway, eventually, fixture_catalog, info, sha256, text};

type Client = rmcp::service::RunningService<rmcp::service::RoleClient, rmcp::model::ClientConfig>;

async fn call_tool(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    client
        .call_tool(call(name, arguments))
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `mcp-add configured` then its `FIXTURE_TOKEN` as the container saw it.
async fn token_seen_by(client: &Client) -> Value {
    let added = call_tool(client, "mcp-add", json!({"name": "configured"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    info(&call_tool(client, "info", json!({})).await)["env"]["FIXTURE_TOKEN"].clone()
}

/// Each workspace's own secret reaches its own container and no other; a workspace without
/// one falls back to the gateway-wide value, unless the gateway isolates secrets.
#[tokio::test]
async fn tenants_get_their_own_secrets_and_isolation_hides_the_gateways() {
    for isolate in [false, true] {
        let mut builder = HttpGateway::builder()
            .tokens(&["alice", "bob", "carol"])
            .env("SWITCHBOARD_SECRET_CONFIGURED_TOKEN", "gateway-wide-value");
        if isolate {
            builder = builder.args(&["--isolate-secrets"]);
        }
        let gw = builder.start().await;
        for (tenant, value) in [("alice", Some("alice-value")), ("bob", Some("bob-value"))] {
            if let Some(value) = value {
                gw.command(
                    &["secret", "set", "configured.token", "--workspace", tenant],
                    value,
                );
            }
        }
        let catalog = fixture_catalog();
        let catalog = catalog.to_str().unwrap();
        for tenant in ["alice", "bob", "carol"] {
            gw.command(
                &[
                    "config",
                    "set",
                    "--catalog",
                    catalog,
                    "--workspace",
                    tenant,
                    "configured",
                    "mode=fast",
                ],
                "",
            );
        }
        let ls = gw.command(&["secret", "ls", "--workspace", "alice"], "");
        assert_eq!(ls, "configured.token");
        let alice = connect(&gw.url, &gw.tokens[0]).await;
        let bob = connect(&gw.url, &gw.tokens[1]).await;
        let carol = connect(&gw.url, &gw.tokens[2]).await;
        assert_eq!(token_seen_by(&alice).await, sha256("alice-value"));
        assert_eq!(token_seen_by(&bob).await, sha256("bob-value"));
        let found = call_tool(&carol, "mcp-find", json!({"query": "configured fixture"})).await;
        let first = &found.structured_content.as_ref().unwrap()["results"][0];
        assert_eq!(first["name"], "configured");
        if isolate {
            assert_eq!(
                first["missing_secrets"],
                json!(["configured.token"]),
                "{first}"
            );
            let refused = call_tool(&carol, "mcp-add", json!({"name": "configured"})).await;
            assert_eq!(refused.is_error, Some(true));
            assert!(
                text(&refused).contains("secret set configured.token --workspace carol"),
                "{}",
                text(&refused)
            );
        } else {
            assert_eq!(first["missing_secrets"], json!([]), "{first}");
            assert_eq!(token_seen_by(&carol).await, sha256("gateway-wide-value"));
        }
        for client in [alice, bob, carol] {
            let _ = client.cancel().await;
        }
    }
}

/// `token create` and `token rm` reach a running gateway: a new token works, a removed one
/// is refused, its sessions end and its containers stop, all without a restart.
#[tokio::test]
async fn tokens_change_while_the_gateway_runs() {
    let gw = HttpGateway::start(&["alice"]).await;
    let alice = connect(&gw.url, &gw.tokens[0]).await;
    let added = call_tool(&alice, "mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert_eq!(gw.container_workspaces().await, vec!["alice".to_string()]);

    let bob = gw.command(&["token", "create", "bob"], "");
    let created = std::time::Instant::now();
    eventually("a token created after start-up works", || async {
        initialize(&gw.url, &bob).await.status() == 200
    })
    .await;
    eprintln!("token create took effect after {:?}", created.elapsed());

    gw.command(&["token", "rm", "alice"], "");
    let removed = std::time::Instant::now();
    eventually("the removed token is refused", || async {
        initialize(&gw.url, &gw.tokens[0]).await.status() == 401
    })
    .await;
    eprintln!("token rm took effect after {:?}", removed.elapsed());
    eventually("the removed token's containers are stopped", || async {
        gw.container_workspaces().await.is_empty()
    })
    .await;
    eventually("the removed token's session is closed", || async {
        gw.metrics()
            .await
            .lines()
            .any(|l| l == "switchboard_sessions 0")
    })
    .await;
    // The closed session's client finds out on its next request.
    assert!(alice.list_all_tools().await.is_err());
    // Re-created, the name opens a fresh workspace again.
    let again = gw.command(&["token", "create", "alice"], "");
    eventually("a re-created token works", || async {
        initialize(&gw.url, &again).await.status() == 200
    })
    .await;
}

/// The admin API from a platform's side: provision a sandbox's workspace with a secret and a
/// server it starts with, use it, change it, delete it; nothing of it is left.
#[tokio::test]
async fn the_admin_api_provisions_and_deletes_a_tenant() {
    let gw = HttpGateway::builder()
        .tokens(&["alice"])
        .admin("platform")
        .start()
        .await;
    let admin = Admin::new(&gw, &gw.admin_tokens[0]);

    // Each kind of token opens only its own door.
    assert_eq!(
        Admin::new(&gw, &gw.tokens[0]).get("/workspaces").await.0,
        403
    );
    assert_eq!(initialize(&gw.url, &gw.admin_tokens[0]).await.status(), 403);
    assert_eq!(Admin::new(&gw, "sb_wrong").get("/workspaces").await.0, 401);
    let (status, document) = admin.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));

    // Every problem at once, and nothing created.
    let bad = json!({"name": "sandbox-1", "servers": ["no-such-server", "configured"],
        "secrets": {"bad name!": "x"}, "config": {"configured": {"mode": "slow"}}});
    let (status, body) = admin.post("/workspaces", bad).await;
    assert_eq!(status, 400, "{body}");
    let problems = body["problems"].as_array().unwrap();
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for field in [
        "servers[0]",
        "servers[1]",
        "secrets.bad name!",
        "config.configured",
    ] {
        assert!(fields.contains(&field), "{field} in {body}");
    }
    let schema = problems
        .iter()
        .find(|p| p["field"] == "config.configured")
        .unwrap();
    assert!(
        schema["config_schema"]["properties"]["mode"].is_object(),
        "{schema}"
    );
    let (_, listed) = admin.get("/workspaces").await;
    assert!(!listed.to_string().contains("sandbox-1"), "{listed}");

    let good = json!({"name": "sandbox-1", "servers": ["configured"],
        "secrets": {"configured.token": "first-secret"}, "config": {"configured": {"mode": "fast"}}});
    let (status, created) = admin.post("/workspaces", good.clone()).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["mcp_url"], gw.url, "where the platform reached us");
    let token = created["token"].as_str().unwrap().to_string();
    assert_eq!(
        admin.post("/workspaces", good).await.0,
        409,
        "the name is taken"
    );

    // The first tools/list already has the server's tools, with the workspace's secret.
    let sandbox = connect(created["mcp_url"].as_str().unwrap(), &token).await;
    let names = tool_names(&sandbox).await;
    assert!(names.contains(&"info".to_string()), "{names:?}");
    let seen = info(&call_tool(&sandbox, "info", json!({})).await);
    assert_eq!(seen["env"]["FIXTURE_TOKEN"], sha256("first-secret"));
    assert_eq!(seen["env"]["FIXTURE_MODE"], "fast");

    let (status, shown) = admin.get("/workspaces/sandbox-1").await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["servers"], json!(["configured"]));
    assert_eq!(shown["secrets"], json!(["configured.token"]));
    assert_eq!(shown["sessions"], 1);
    assert_eq!(shown["open"][0]["servers"][0]["running"], true, "{shown}");
    assert!(
        !shown.to_string().contains("first-secret"),
        "never a secret value: {shown}"
    );

    // A new secret value restarts the server with it.
    let secret = "/workspaces/sandbox-1/secrets/configured.token";
    let (status, _) = admin.put(secret, Body::Text("second-secret".into())).await;
    assert_eq!(status, 204);
    let seen = info(&call_tool(&sandbox, "info", json!({})).await);
    assert_eq!(seen["env"]["FIXTURE_TOKEN"], sha256("second-secret"));

    // Config is checked like mcp-config-set checks it.
    let config = "/workspaces/sandbox-1/config/configured";
    let (status, refused) = admin.put(config, Body::Json(json!({"mode": "slow"}))).await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["problems"][0]["config_schema"].is_object(),
        "{refused}"
    );
    let changed = json!({"mode": "safe", "level": 7});
    let (status, saved) = admin.put(config, Body::Json(changed)).await;
    assert_eq!(status, 200, "{saved}");
    let seen = info(&call_tool(&sandbox, "info", json!({})).await);
    assert_eq!(seen["env"]["FIXTURE_MODE"], "safe");
    assert_eq!(seen["env"]["FIXTURE_LEVEL"], "7");

    // Deleted: the token is refused, no container is left, its state is gone.
    assert_eq!(admin.delete("/workspaces/sandbox-1").await.0, 204);
    assert_eq!(
        initialize(&gw.url, &token).await.status(),
        401,
        "a deleted workspace's token is refused at once"
    );
    eventually("the deleted workspace's containers are gone", || async {
        gw.container_workspaces().await.is_empty()
    })
    .await;
    assert_eq!(admin.get("/workspaces/sandbox-1").await.0, 404);
    for dir in ["secrets", "config", "profiles"] {
        let left = gw.home().join(dir).join("sandbox-1.json");
        assert!(!left.exists(), "{dir} left behind");
    }
    let _ = sandbox.cancel().await;
}

/// `run --server` gives every workspace a fixed tool set from its first `tools/list`; a server
/// that cannot start is left out, `tools/list` still answers, and the reason is shown.
#[tokio::test]
async fn servers_every_workspace_starts_with() {
    let gw = HttpGateway::builder()
        .tokens(&["alice"])
        .admin("platform")
        .args(&["--server", "echo", "--server", "needs-secret"])
        .start()
        .await;
    let alice = connect(&gw.url, &gw.tokens[0]).await;
    let names = tool_names(&alice).await;
    assert!(
        names.contains(&"echo".to_string()) && names.contains(&"mcp-find".to_string()),
        "{names:?}"
    );
    assert_eq!(
        text(&call_tool(&alice, "echo", json!({"text": "preloaded"})).await),
        "preloaded"
    );
    let (_, shown) = Admin::new(&gw, &gw.admin_tokens[0])
        .get("/workspaces/alice")
        .await;
    let failures = &shown["open"][0]["preload_failures"];
    assert_eq!(failures[0]["server"], "needs-secret", "{shown}");
    assert!(
        failures[0]["reason"]
            .as_str()
            .unwrap()
            .contains("needs-secret.token"),
        "{shown}"
    );
    let _ = alice.cancel().await;

    // Over stdio too; and an unknown --server is refused before anything starts.
    let stdio = TestGateway::start(&fixture_catalog(), &["--server", "echo"]).await;
    assert!(stdio.tool_names().await.contains(&"echo".to_string()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["run", "--server", "no-such-server", "--catalog"])
        .arg(fixture_catalog())
        .env("SWITCHBOARD_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-server"));
}

/// A token holds at most `--max-sessions-per-token` sessions; `initialize` beyond it gets
/// 429 naming the flag, and ending a session makes room.
#[tokio::test]
async fn sessions_per_token_are_capped() {
    let gw = HttpGateway::builder()
        .tokens(&["alice", "bob"])
        .args(&["--max-sessions-per-token", "2"])
        .start()
        .await;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let opened = initialize(&gw.url, &gw.tokens[0]).await;
        assert_eq!(opened.status(), 200);
        sessions.push(
            opened.headers()["mcp-session-id"]
                .to_str()
                .unwrap()
                .to_string(),
        );
    }
    let refused = initialize(&gw.url, &gw.tokens[0]).await;
    assert_eq!(refused.status(), 429);
    let body = refused.text().await.unwrap();
    assert!(body.contains("--max-sessions-per-token"), "{body}");
    let bob = initialize(&gw.url, &gw.tokens[1]).await;
    assert_eq!(bob.status(), 200, "bob has his own room");
    let deleted = raw_client()
        .delete(&gw.url)
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .header("mcp-session-id", &sessions[0])
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let again = initialize(&gw.url, &gw.tokens[0]).await;
    assert_eq!(again.status(), 200, "room again");
}
