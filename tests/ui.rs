//! Issue 12, the live web view at `/ui`: the page in headless Chromium (`tests/ui/ui.mjs`, with
//! playwright-core and the TypeScript MCP SDK: sign in, search with why-matched, add, a live
//! call, remove, screenshots in `target/ui-artifacts/`), and its API's tenant isolation with
//! plain HTTP: a workspace token sees and acts on its own workspace only, an admin on all.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::STEP;
use crate::common::http::{HttpGateway, call, raw_client};

/// How long the whole browser script may take (it starts one container).
const BROWSER_DEADLINE: Duration = Duration::from_secs(300);

fn ui_dir() -> PathBuf {
    switchboard_testsupport::repo_root().join("tests/ui")
}

/// Node, the pinned npm packages and Chromium, or a panic saying how to get them.
fn prerequisites() -> PathBuf {
    let node = std::process::Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is not on PATH: install Node 20 (the web view test drives Chromium from it)"
    );
    for package in ["playwright-core", "@modelcontextprotocol/sdk"] {
        assert!(
            ui_dir().join("node_modules").join(package).is_dir(),
            "the npm package `{package}` is not installed: run `npm ci --prefix tests/ui`"
        );
    }
    let chromium = std::env::var_os("UI_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        chromium.is_file(),
        "Chromium is not installed at {}: `apt-get install chromium` (or set UI_CHROMIUM)",
        chromium.display()
    );
    chromium
}

#[tokio::test(flavor = "multi_thread")]
async fn the_web_view_searches_adds_shows_live_calls_and_removes() {
    let chromium = prerequisites();
    let gw = HttpGateway::builder()
        .tokens(&["alice", "bob"])
        .admin("ops")
        .start()
        .await;
    let artifacts = switchboard_testsupport::repo_root().join("target/ui-artifacts");
    let script = ui_dir().join("ui.mjs");
    let mut command = tokio::process::Command::new("node");
    command
        .arg(&script)
        .current_dir(ui_dir())
        .env("UI_BASE", gw.base())
        .env("UI_TOKEN", &gw.tokens[0])
        .env("UI_WORKSPACE", "alice")
        .env("UI_ADMIN_TOKEN", &gw.admin_tokens[0])
        .env("UI_ARTIFACTS", &artifacts)
        .env("UI_CHROMIUM", &chromium)
        .kill_on_drop(true);
    let out = tokio::time::timeout(BROWSER_DEADLINE, command.output())
        .await
        .expect("the browser script finishes in time")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("ui ok"),
        "the browser script failed ({}):\n{stdout}\n{stderr}\ngateway:\n{}",
        out.status,
        gw.stderr()
    );
    for name in [
        "search-laptop.png",
        "workspace-and-calls-laptop.png",
        "phone.png",
    ] {
        let file = artifacts.join(name);
        assert!(
            std::fs::metadata(&file).is_ok_and(|m| m.len() > 1000),
            "{} was written",
            file.display()
        );
    }
}

/// `/ui/api` as a token holder calls it.
struct Api {
    base: String,
    token: String,
}

impl Api {
    fn new(gw: &HttpGateway, token: &str) -> Api {
        Api {
            base: gw.base(),
            token: token.to_string(),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = raw_client()
            .request(method, format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    async fn add(&self, workspace: &str, server: &str) -> (u16, Value) {
        let path = format!("/ui/api/workspaces/{workspace}/servers");
        self.send(
            reqwest::Method::POST,
            &path,
            Some(json!({ "server": server })),
        )
        .await
    }

    async fn remove(&self, workspace: &str, server: &str) -> (u16, Value) {
        let path = format!("/ui/api/workspaces/{workspace}/servers/{server}");
        self.send(reqwest::Method::DELETE, &path, None).await
    }

    /// The live calls stream, once it said it is open.
    async fn calls(&self, query: &str) -> Events {
        let response = raw_client()
            .get(format!("{}/ui/api/calls{query}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .send()
            .await
            .expect("the gateway answers");
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        let mut events = Events {
            response,
            buffer: String::new(),
        };
        assert_eq!(events.next().await.0, "ready");
        events
    }
}

/// A server-sent event stream read by hand, one event at a time.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// The next event's name and data (comments skipped), within [`STEP`].
    async fn next(&mut self) -> (String, String) {
        tokio::time::timeout(STEP, async {
            loop {
                if let Some(end) = self.buffer.find("\n\n") {
                    let block: String = self.buffer.drain(..end + 2).collect();
                    let mut name = String::from("message");
                    let mut data = Vec::new();
                    for line in block.lines() {
                        if let Some(value) = line.strip_prefix("event: ") {
                            name = value.to_string();
                        } else if let Some(value) = line.strip_prefix("data: ") {
                            data.push(value.to_string());
                        }
                    }
                    if block.lines().all(|l| l.starts_with(':') || l.is_empty()) {
                        continue;
                    }
                    return (name, data.join("\n"));
                }
                let chunk = self.response.chunk().await.expect("the stream goes on");
                let chunk = chunk.expect("the stream is not closed");
                self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .expect("an event in time")
    }

    /// The next `call` event's record.
    async fn next_call(&mut self) -> Value {
        loop {
            let (name, data) = self.next().await;
            if name == "call" {
                return serde_json::from_str(&data).unwrap();
            }
        }
    }
}

fn ids(workspaces: &Value) -> Vec<String> {
    workspaces["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_token_sees_and_acts_on_its_own_workspace_only() {
    let gw = HttpGateway::builder()
        .tokens(&["alice", "bob"])
        .admin("ops")
        .start()
        .await;
    let http = raw_client();
    let base = gw.base();

    // The page is open, with its security headers; the API is not.
    let page = http.get(format!("{base}/ui")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    assert!(page.text().await.unwrap().contains("/ui/app.js"));
    for asset in ["/ui/app.js", "/ui/app.css", "/ui/icon.svg"] {
        let response = http.get(format!("{base}{asset}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{asset}");
    }
    let anonymous = http.get(format!("{base}/ui/api/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let (status, body) = Api::new(&gw, "not-a-token").get("/ui/api/workspaces").await;
    assert_eq!(status, 401, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not accepted"));
    // The Host check runs first, token or not.
    let foreign = http
        .get(format!("{base}/ui/api/me"))
        .header("host", "evil.example")
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);

    let alice = Api::new(&gw, &gw.tokens[0]);
    let bob = Api::new(&gw, &gw.tokens[1]);
    let admin = Api::new(&gw, &gw.admin_tokens[0]);

    // A token with no session yet still has its workspace.
    let (status, me) = alice.get("/ui/api/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["kind"], "workspace");
    assert_eq!(me["workspaces"], json!(["alice"]));
    let (_, mine) = alice.get("/ui/api/workspaces").await;
    assert_eq!(ids(&mine), ["alice"]);

    // Another workspace's data and actions: 404, worded as for one that does not exist.
    let (status, body) = alice.get("/ui/api/search?q=echo&workspace=bob").await;
    assert_eq!(status, 404, "{body}");
    let (status, missing) = alice.get("/ui/api/search?q=echo&workspace=nobody").await;
    assert_eq!(status, 404);
    assert_eq!(
        body["error"].as_str().unwrap().replace("bob", "X"),
        missing["error"].as_str().unwrap().replace("nobody", "X")
    );
    assert_eq!(alice.add("bob", "needs-secret").await.0, 404);
    assert_eq!(alice.remove("bob", "echo").await.0, 404);
    assert_eq!(alice.add("bob.session-1", "echo").await.0, 404);
    let calls = raw_client()
        .get(format!("{base}/ui/api/calls?workspace=bob"))
        .header("authorization", format!("Bearer {}", gw.tokens[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(calls.status(), 404);

    // Its own: search with why, and a refusal in mcp-add's own words.
    let (status, found) = alice.get("/ui/api/search?q=echo&workspace=alice").await;
    assert_eq!(status, 200, "{found}");
    let first = &found["results"][0];
    assert_eq!(first["name"], "echo");
    assert_eq!(first["why"]["exact"], "name");
    assert_eq!(first["why"]["words"][0]["word"], "echo");
    assert!(
        first["why"]["words"][0]["fields"]
            .as_array()
            .unwrap()
            .contains(&json!("name"))
    );
    assert_eq!(first["matched_tools"][0]["name"], "echo");
    let (status, refused) = alice.add("alice", "needs-secret").await;
    assert_eq!(status, 422, "{refused}");
    let client = gw.client(&gw.tokens[0]).await;
    let model = client
        .call_tool(call("mcp-add", json!({ "name": "needs-secret" })))
        .await
        .unwrap();
    assert_eq!(model.is_error, Some(true));
    assert_eq!(
        Some(&refused),
        model.structured_content.as_ref(),
        "the page shows what the model reads"
    );
    assert_eq!(
        refused["missing_secrets"][0]["name"], "needs-secret.token",
        "{refused}"
    );
    let (status, body) = alice.remove("alice", "echo").await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not added"));
    // Its open session is listed.
    let (_, mine) = alice.get("/ui/api/workspaces").await;
    assert_eq!(
        mine["workspaces"][0]["sessions"].as_array().unwrap().len(),
        1,
        "{mine}"
    );

    // The admin sees both and may act on either.
    let (_, all) = admin.get("/ui/api/workspaces").await;
    let all = ids(&all);
    assert!(
        all.contains(&"alice".into()) && all.contains(&"bob".into()),
        "{all:?}"
    );
    let (status, _) = admin.get("/ui/api/search?q=echo&workspace=bob").await;
    assert_eq!(status, 200);
    let (status, body) = admin.add("bob", "needs-secret").await;
    assert_eq!(status, 422, "{body}");
    let (_, theirs) = bob.get("/ui/api/workspaces").await;
    assert_eq!(ids(&theirs), ["bob"]);
    assert_eq!(
        theirs["workspaces"][0]["open"], true,
        "opened by the admin's add: {theirs}"
    );

    // Live calls: each stream carries only what its token may see.
    let mut alice_calls = alice.calls("").await;
    let mut admin_calls = admin.calls("").await;
    let mut bob_only = admin.calls("?workspace=bob").await;
    let bob_client = gw.client(&gw.tokens[1]).await;
    bob_client
        .call_tool(call("mcp-find", json!({ "query": "bob looks" })))
        .await
        .unwrap();
    client
        .call_tool(call("mcp-find", json!({ "query": "alice looks" })))
        .await
        .unwrap();
    let seen = alice_calls.next_call().await;
    assert_eq!(
        seen["workspace"], "alice",
        "bob's call never reaches alice: {seen}"
    );
    assert_eq!(seen["tool"], "mcp-find");
    assert_eq!(seen["outcome"], "ok");
    assert!(seen["duration_ms"].as_f64().is_some());
    assert!(seen.get("arguments").is_none());
    let first = admin_calls.next_call().await;
    let second = admin_calls.next_call().await;
    let mut both = [first["workspace"].clone(), second["workspace"].clone()];
    both.sort_by_key(|w| w.to_string());
    assert_eq!(both, [json!("alice"), json!("bob")]);
    assert_eq!(bob_only.next_call().await["workspace"], "bob");
}
