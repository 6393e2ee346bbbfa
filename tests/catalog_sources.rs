//! Catalog sources: the official MCP Registry's format (a `server.json`, a directory of them
//! beside a Docker-format YAML, a saved `/v0/servers` list) through the real binary, catalogs
//! fetched from a URL served on loopback by this process (the cache, `ETag` and
//! `Last-Modified` revalidation, the cached copy when the server is gone), malformed files, and
//! registry servers found, refused and run through the gateway over stdio.

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::common::{STEP, TestGateway, fixture_catalog, info, sha256, switchboard, text};

/// `tests/fixtures/registry/<name>`, as a `--catalog` argument.
fn fixture(name: &str) -> String {
    let path = switchboard_testsupport::repo_root().join("tests/fixtures/registry");
    path.join(name).to_str().expect("a UTF-8 path").to_string()
}

/// What one command run printed, and how it ended.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    /// Stdout as JSON, after checking the command succeeded.
    fn json(&self) -> Value {
        assert_eq!(self.code, Some(0), "stderr:\n{}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is no JSON ({e}):\n{}", self.stdout))
    }
}

/// `switchboard <args>` with a clean environment and `home` as its home. Asynchronous, so a
/// catalog server on this test's runtime keeps answering meanwhile.
async fn cli(home: &Path, args: &[&str]) -> Ran {
    let run = switchboard(home).args(args).stdin(Stdio::null()).output();
    let out = tokio::time::timeout(STEP, run)
        .await
        .unwrap_or_else(|_| panic!("switchboard {args:?} timed out"))
        .expect("run switchboard");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `catalog ls --json --catalog <catalog>`: each server's name and type, in name order.
async fn listed(home: &Path, catalog: &str) -> Vec<(String, String)> {
    let body = cli(home, &["catalog", "ls", "--json", "--catalog", catalog])
        .await
        .json();
    let servers = body["servers"].as_array().expect("servers array");
    servers
        .iter()
        .map(|s| {
            let field = |key: &str| s[key].as_str().unwrap_or_default().to_string();
            (field("name"), field("type"))
        })
        .collect()
}

/// `catalog show --json --catalog <catalog> <name>`.
async fn shown(home: &Path, catalog: &str, name: &str) -> Value {
    cli(
        home,
        &["catalog", "show", "--json", "--catalog", catalog, name],
    )
    .await
    .json()
}

/// The name `catalog search --json` ranks first for `query`.
async fn best_match(home: &Path, catalog: &str, query: &str) -> String {
    let body = cli(
        home,
        &["catalog", "search", "--json", "--catalog", catalog, query],
    )
    .await
    .json();
    let first = &body["results"][0]["name"];
    first
        .as_str()
        .unwrap_or_else(|| panic!("no results: {body:#}"))
        .to_string()
}

/// `(name, type)` pairs as [`listed`] returns them.
fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A single `server.json` with an `oci` package: the server takes the last segment of its
/// registry name as its key, runs the package's image, and `catalog show` derives the config
/// schema from the package's environment variables and arguments (description, default,
/// choices, format) and a secret from the `isSecret` variable, which stays out of the schema.
#[tokio::test]
async fn a_server_json_shows_config_from_env_and_arguments_and_secrets_from_is_secret() {
    let home = tempfile::tempdir().unwrap();
    let file = &fixture("servers/echo.server.json");
    assert_eq!(
        listed(home.path(), file).await,
        pairs(&[("echo-fixture", "server")])
    );

    let entry = shown(home.path(), file, "echo-fixture").await;
    assert_eq!(entry["image"], "switchboard-fixture:latest");
    assert_eq!(
        entry["published"]["registry_name"],
        "io.github.switchboard-tests/echo-fixture"
    );
    assert_eq!(entry["published"]["version"], "1.0.0");
    let properties = &entry["config_schema"]["properties"];
    assert_eq!(
        properties["fixture_mode"],
        json!({"type": "string", "enum": ["fast", "safe"], "default": "fast",
               "description": "How the fixture runs"}),
        "{entry:#}"
    );
    assert_eq!(properties["fixture_level"]["type"], "number", "{entry:#}");
    assert_eq!(properties["greeting"]["default"], "hello", "{entry:#}");
    assert!(
        properties.get("fixture_token").is_none(),
        "a secret is no config value: {entry:#}"
    );
    assert_eq!(
        entry["secrets"],
        json!([{"name": "echo-fixture.fixture_token", "env": "FIXTURE_TOKEN"}])
    );
    assert_eq!(entry["cannot_run"], Value::Null);

    // The text form names the registry entry and the secret too.
    let text = cli(
        home.path(),
        &["catalog", "show", "--catalog", file, "echo-fixture"],
    )
    .await;
    assert_eq!(text.code, Some(0), "{}", text.stderr);
    assert!(
        text.stdout
            .contains("registry: io.github.switchboard-tests/echo-fixture 1.0.0"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("echo-fixture.fixture_token (env FIXTURE_TOKEN)"),
        "{}",
        text.stdout
    );
}

/// A directory is one source: its registry `*.json` files and its Docker-format `*.yaml` all
/// load; the npm server is listed by what it is published as, `catalog show` says what it
/// would need, and search finds it.
#[tokio::test]
async fn a_directory_merges_server_json_files_with_a_docker_yaml() {
    let home = tempfile::tempdir().unwrap();
    let dir = &fixture("servers");
    assert_eq!(
        listed(home.path(), dir).await,
        pairs(&[
            ("echo-fixture", "server"),
            ("hand-written", "server"),
            ("notes", "npm"),
        ])
    );
    let notes = shown(home.path(), dir, "notes").await;
    let why = notes["cannot_run"].as_str().unwrap_or_default();
    assert!(
        why.contains("npm package (`@example/notes-mcp`)") && why.contains("Node.js"),
        "{notes:#}"
    );
    let hand_written = shown(home.path(), dir, "hand-written").await;
    assert_eq!(hand_written["tools"][0]["name"], "echo");
    assert_eq!(
        best_match(home.path(), dir, "markdown notes folder").await,
        "notes"
    );
}

/// A saved `/v0/servers` response: the version the registry marks latest wins, a deleted
/// server is left out, two servers whose names end alike (`alice/search`, `bob/search`) are
/// keyed `owner-name`, remotes keep their URL with secret headers as secrets and other
/// headers as config.
#[tokio::test]
async fn a_saved_list_response_keeps_latest_versions_and_drops_deleted_ones() {
    let home = tempfile::tempdir().unwrap();
    let list = &fixture("list.json");
    assert_eq!(
        listed(home.path(), list).await,
        pairs(&[
            ("alice-search", "remote"),
            ("bob-search", "pypi"),
            ("weather", "remote"),
        ])
    );

    let alice = shown(home.path(), list, "alice-search").await;
    assert_eq!(alice["remote_url"], "https://alice.example/v2/mcp");
    assert_eq!(alice["published"]["version"], "2.0.0");
    assert_eq!(
        alice["secrets"],
        json!([{"name": "alice-search.token", "env": "ALICE_SEARCH_TOKEN"}])
    );

    let weather = shown(home.path(), list, "weather").await;
    assert_eq!(
        weather["secrets"],
        json!([{"name": "weather.x_api_key", "env": "WEATHER_X_API_KEY"}])
    );
    assert_eq!(
        weather["config_schema"]["properties"]["x_units"]["enum"],
        json!(["metric", "imperial"]),
        "{weather:#}"
    );

    let bob = shown(home.path(), list, "bob-search").await;
    let why = bob["cannot_run"].as_str().unwrap_or_default();
    assert!(why.contains("Python") && why.contains("uvx"), "{bob:#}");

    assert_eq!(
        best_match(home.path(), list, "weather forecast for a city").await,
        "weather"
    );
}

/// `--catalog bundled` names the catalog inside the binary, so a registry file can be merged
/// over it: every bundled server and the registry one.
#[tokio::test]
async fn bundled_merges_with_a_registry_file() {
    let home = tempfile::tempdir().unwrap();
    let file = fixture("servers/echo.server.json");
    let bundled = cli(home.path(), &["catalog", "ls", "--json"]).await.json();
    let bundled = bundled["servers"].as_array().unwrap().len();
    let merged = cli(
        home.path(),
        &[
            "catalog",
            "ls",
            "--json",
            "--catalog",
            "bundled",
            "--catalog",
            &file,
        ],
    )
    .await
    .json();
    let merged: Vec<&str> = merged["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(merged.len(), bundled + 1, "{merged:?}");
    assert!(merged.contains(&"echo-fixture"), "{merged:?}");
}

/// How the test catalog server marks the version it serves.
#[derive(Clone, Copy)]
enum Validator {
    ETag,
    LastModified,
}

impl Validator {
    /// The response header that carries the version, and the request header that asks for it.
    fn headers(self) -> (HeaderName, HeaderName) {
        match self {
            Validator::ETag => (header::ETAG, header::IF_NONE_MATCH),
            Validator::LastModified => (header::LAST_MODIFIED, header::IF_MODIFIED_SINCE),
        }
    }
}

/// What the catalog server serves and what it was asked.
struct Served {
    validator: Validator,
    /// The body and its version (the `ETag` or `Last-Modified` value).
    current: Mutex<(String, String)>,
    /// Per request: the validator it sent (`None`: unconditional) and the status it got.
    requests: Mutex<Vec<(Option<String>, u16)>>,
}

/// A catalog served at `/v0/servers` on a loopback port by a task of the test's runtime.
struct CatalogServer {
    url: String,
    served: Arc<Served>,
    task: tokio::task::JoinHandle<()>,
}

impl CatalogServer {
    async fn start(validator: Validator, body: String, version: &str) -> CatalogServer {
        let served = Arc::new(Served {
            validator,
            current: Mutex::new((body, version.to_string())),
            requests: Mutex::default(),
        });
        let app = axum::Router::new()
            .route("/v0/servers", axum::routing::get(answer))
            .with_state(served.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v0/servers", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        CatalogServer { url, served, task }
    }

    /// Serves `body` as `version` from now on.
    fn publish(&self, body: String, version: &str) {
        *self.served.current.lock().unwrap() = (body, version.to_string());
    }

    /// What each request sent and got, in order.
    fn requests(&self) -> Vec<(Option<String>, u16)> {
        self.served.requests.lock().unwrap().clone()
    }

    /// Stops listening: once the task is gone, so is the listener, and connections are refused.
    async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// 304 when the request's validator is the current version, else the catalog with it.
async fn answer(State(served): State<Arc<Served>>, request: HeaderMap) -> Response {
    let (body, version) = served.current.lock().unwrap().clone();
    let (ours, theirs) = served.validator.headers();
    let asked = request
        .get(&theirs)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let status = if asked.as_deref() == Some(version.as_str()) {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    served
        .requests
        .lock()
        .unwrap()
        .push((asked, status.as_u16()));
    let headers = [
        (ours, version),
        (header::CONTENT_TYPE, "application/json".to_string()),
    ];
    if status == StatusCode::NOT_MODIFIED {
        (status, headers).into_response()
    } else {
        (status, headers, body).into_response()
    }
}

/// The saved list response, as a registry would serve it.
fn list_body() -> String {
    std::fs::read_to_string(fixture("list.json")).unwrap()
}

const LIST_NAMES: [&str; 3] = ["alice-search", "bob-search", "weather"];

async fn names(home: &Path, catalog: &str) -> Vec<String> {
    listed(home, catalog)
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

/// How many catalog copies the cache under `home` holds.
fn cached_copies(home: &Path) -> usize {
    std::fs::read_dir(home.join("cache/catalogs")).map_or(0, |d| d.count())
}

/// A registry that answers a page at a time: `/v0/servers` gives the first servers and names
/// the next page's cursor, `?cursor=…` the rest. The fetch follows the cursor and the whole
/// list is what is listed and cached; each page was asked for once.
#[tokio::test]
async fn a_paged_registry_list_is_fetched_to_its_end() {
    let list: Value = serde_json::from_str(&list_body()).unwrap();
    let servers = list["servers"].as_array().unwrap().clone();
    let (first, rest) = servers.split_at(2);
    let pages = Arc::new((
        json!({"servers": first, "metadata": {"nextCursor": "page-2", "count": 2}}).to_string(),
        json!({"servers": rest, "metadata": {"count": rest.len()}}).to_string(),
        Mutex::new(Vec::<Option<String>>::new()),
    ));
    type Pages = Arc<(String, String, Mutex<Vec<Option<String>>>)>;
    async fn page(
        State(pages): State<Pages>,
        axum::extract::RawQuery(query): axum::extract::RawQuery,
    ) -> Response {
        let cursor = query
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .find_map(|pair| pair.strip_prefix("cursor=").map(str::to_string));
        pages.2.lock().unwrap().push(cursor.clone());
        let body = match cursor.as_deref() {
            None => pages.0.clone(),
            Some("page-2") => pages.1.clone(),
            Some(_) => return StatusCode::BAD_REQUEST.into_response(),
        };
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
    let app = axum::Router::new()
        .route("/v0/servers", axum::routing::get(page))
        .with_state(pages.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/v0/servers?limit=2",
        listener.local_addr().unwrap()
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let home = tempfile::tempdir().unwrap();
    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
    assert_eq!(*pages.2.lock().unwrap(), [None, Some("page-2".to_string())]);
    assert_eq!(cached_copies(home.path()), 1);

    // Offline, the joined list comes from the cache.
    task.abort();
    let _ = task.await;
    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
}

/// A URL catalog with an `ETag`: the first run fetches it (200) and caches it, the second asks
/// with `If-None-Match` and lists the servers from the cache on a 304, a new body that is no
/// catalog leaves the cached copy in place, and with the server gone a later run still lists
/// the servers from the cache, warning on stderr with the URL.
#[tokio::test]
async fn a_url_catalog_is_cached_revalidated_by_etag_and_used_offline() {
    let home = tempfile::tempdir().unwrap();
    let server = CatalogServer::start(Validator::ETag, list_body(), "\"list-v1\"").await;
    let url = server.url.clone();

    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
    assert_eq!(server.requests(), [(None, 200)]);
    assert_eq!(
        cached_copies(home.path()),
        1,
        "the fetched catalog is cached"
    );

    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
    assert_eq!(
        server.requests(),
        [(None, 200), (Some("\"list-v1\"".to_string()), 304)],
        "the second run revalidates with If-None-Match"
    );

    // A new version that does not parse is not cached over the good copy, which is used.
    server.publish("{\"servers\": 7}".to_string(), "\"list-v2\"");
    let broken = cli(home.path(), &["catalog", "ls", "--json", "--catalog", &url]).await;
    assert_eq!(broken.json()["servers"].as_array().unwrap().len(), 3);
    assert!(broken.stderr.contains("not valid"), "{}", broken.stderr);
    assert_eq!(server.requests()[2], (Some("\"list-v1\"".to_string()), 200));

    server.stop().await;
    let offline = cli(home.path(), &["catalog", "ls", "--json", "--catalog", &url]).await;
    assert_eq!(offline.json()["servers"].as_array().unwrap().len(), 3);
    assert!(
        offline.stderr.contains("cached copy") && offline.stderr.contains(&url),
        "no warning naming {url}:\n{}",
        offline.stderr
    );
}

/// A URL catalog with only `Last-Modified`: the second run asks with `If-Modified-Since`, and
/// once the catalog changes, the new body (with its new date) replaces the cached copy, which
/// is what a later offline run lists.
#[tokio::test]
async fn a_url_catalog_is_revalidated_by_last_modified_and_replaced_when_it_changes() {
    let home = tempfile::tempdir().unwrap();
    let first = "Tue, 15 Apr 2025 08:00:00 GMT";
    let server = CatalogServer::start(Validator::LastModified, list_body(), first).await;
    let url = server.url.clone();

    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
    assert_eq!(names(home.path(), &url).await, LIST_NAMES);
    assert_eq!(
        server.requests(),
        [(None, 200), (Some(first.to_string()), 304)],
        "the second run revalidates with If-Modified-Since"
    );

    let second = "Wed, 16 Apr 2025 08:00:00 GMT";
    let echo = std::fs::read_to_string(fixture("servers/echo.server.json")).unwrap();
    server.publish(echo, second);
    assert_eq!(names(home.path(), &url).await, ["echo-fixture"]);
    assert_eq!(server.requests()[2], (Some(first.to_string()), 200));

    server.stop().await;
    assert_eq!(
        names(home.path(), &url).await,
        ["echo-fixture"],
        "offline, the newest copy is used"
    );
    assert_eq!(cached_copies(home.path()), 1, "one copy per URL");
}

/// A URL that was never fetched, with nothing listening: exit 64 (a catalog error) and an
/// error that names the URL and says there is no cached copy.
#[tokio::test]
async fn an_uncached_url_that_cannot_be_fetched_exits_64_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v0/servers", closed.local_addr().unwrap());
    drop(closed);
    let ran = cli(home.path(), &["catalog", "ls", "--catalog", &url]).await;
    assert_eq!(ran.code, Some(64), "stderr:\n{}", ran.stderr);
    assert!(
        ran.stderr.contains(&format!("cannot fetch catalog {url}"))
            && ran.stderr.contains("no cached copy"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

/// Malformed registry files fail the load with exit 64 and an error naming the file and, for a
/// bad entry, the entry (by its registry name) and what is wrong with it.
#[tokio::test]
async fn malformed_registry_files_name_the_file_and_the_entry() {
    let home = tempfile::tempdir().unwrap();
    for (file, expected) in [
        ("malformed/invalid.json", "is not valid JSON"),
        (
            "malformed/no-identifier.json",
            "entry `io.github.example/no-identifier`: a `npm` package has no `identifier`",
        ),
        (
            "malformed/remote-without-url.json",
            "entry `io.github.example/nowhere`: a `streamable-http` remote has no `url`",
        ),
    ] {
        let path = &fixture(file);
        for args in [
            ["catalog", "ls", "--catalog", path].as_slice(),
            ["catalog", "search", "--catalog", path, "anything"].as_slice(),
        ] {
            let ran = cli(home.path(), args).await;
            assert_eq!(ran.code, Some(64), "{args:?}: {}", ran.stderr);
            assert!(
                ran.stderr.contains(path) && ran.stderr.contains(expected),
                "{args:?}: expected {expected:?} naming the file in:\n{}",
                ran.stderr
            );
        }
    }
}

/// `run` with a malformed registry catalog exits 64 before it serves or starts anything:
/// nothing on the MCP channel and no container of its own.
#[tokio::test]
async fn run_with_a_malformed_registry_catalog_exits_64_and_starts_nothing() {
    let home = tempfile::tempdir().unwrap();
    let path = fixture("malformed/no-identifier.json");
    let child = switchboard(home.path())
        .arg("run")
        .arg("--catalog")
        .arg(&path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn switchboard");
    let pid = child.id().expect("child pid");
    let out = tokio::time::timeout(STEP, child.wait_with_output())
        .await
        .expect("run exits")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(64), "{stderr}");
    assert!(stderr.contains("no-identifier.json"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing may reach the MCP channel");
    let owner = format!(":{pid}:");
    let left = switchboard_testsupport::workspaces_of(|o| o.contains(&owner))
        .await
        .unwrap();
    assert!(left.is_empty(), "containers of the refused run: {left:?}");
}

/// What mcp-find returns for `query`.
async fn find(gw: &TestGateway, query: &str) -> Value {
    let found = gw.call("mcp-find", json!({ "query": query })).await;
    assert_eq!(found.is_error, Some(false), "{}", text(&found));
    found.structured_content.unwrap()["results"].clone()
}

/// The registry directory through the gateway over stdio: mcp-find finds the `oci` server and
/// the npm one; adding the npm one is refused with the runtime it needs; the `oci` one starts
/// the fixture image with its package argument, its env defaults and its secret, its tools
/// answer directly and through mcp-exec, and no container outlives the session.
#[tokio::test]
async fn registry_servers_are_found_refused_or_run_through_the_gateway() {
    fixture_catalog(); // builds the fixture image the registry entry names
    let token = "registry-token-5d1e";
    let env = [("SWITCHBOARD_SECRET_ECHO_FIXTURE_FIXTURE_TOKEN", token)];
    let home = tempfile::tempdir().unwrap();
    let gw = TestGateway::start_in(home, Path::new(&fixture("servers")), &[], "info", &env).await;

    let results = find(&gw, "echo fixture registry").await;
    let echo = results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "echo-fixture")
        .unwrap_or_else(|| panic!("echo-fixture not found: {results:#}"))
        .clone();
    assert_eq!(echo["type"], "server");
    assert_eq!(
        echo["required_secrets"],
        json!(["echo-fixture.fixture_token"])
    );
    assert_eq!(
        echo["missing_secrets"],
        json!([]),
        "the secret is set: {echo:#}"
    );
    let results = find(&gw, "markdown notes").await;
    assert_eq!(results[0]["name"], "notes", "{results:#}");
    assert_eq!(results[0]["type"], "npm");

    let refused = gw.call("mcp-add", json!({"name": "notes"})).await;
    assert_eq!(refused.is_error, Some(true), "{}", text(&refused));
    let why = text(&refused);
    assert!(why.contains("Node.js") && why.contains("npm"), "{why}");
    assert!(
        gw.containers(None).await.is_empty(),
        "a refusal starts nothing"
    );

    let seen = gw.changes_seen();
    let added = gw.call("mcp-add", json!({"name": "echo-fixture"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    gw.wait_for_change(seen).await;
    assert_eq!(gw.containers(Some("echo-fixture")).await.len(), 1);
    assert_eq!(
        text(&gw.call("echo", json!({"text": "from the registry"})).await),
        "from the registry"
    );
    let sum = gw
        .call(
            "mcp-exec",
            json!({"name": "add", "arguments": {"a": 40, "b": 2}}),
        )
        .await;
    assert_eq!(sum.structured_content, Some(json!({"sum": 42})));

    // What the container got: the package arguments (with the default), the env defaults,
    // the secret; an optional variable without a default is left out.
    let got = info(&gw.call("info", json!({})).await);
    assert_eq!(
        got["args"],
        json!(["/fixture-server", "echo", "--greeting", "hello"]),
        "{got:#}"
    );
    assert_eq!(got["env"]["FIXTURE_MODE"], "fast", "{got:#}");
    assert_eq!(got["env"]["FIXTURE_TOKEN"], sha256(token), "{got:#}");
    assert!(got["env"].get("FIXTURE_LEVEL").is_none(), "{got:#}");

    let pid = gw.pid();
    let status = gw.disconnect().await;
    assert!(status.success(), "gateway exit: {status}");
    let owner = format!(":{pid}:");
    let left = switchboard_testsupport::workspaces_of(|o| o.contains(&owner))
        .await
        .unwrap();
    assert!(
        left.is_empty(),
        "containers left after the session: {left:?}"
    );
}
