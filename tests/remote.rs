//! Remote catalog servers over streamable HTTP: a real rmcp server on loopback, in this process,
//! that insists on a bearer token; the gateway connects with the token from its secrets.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServerHandler};
use serde_json::json;

use crate::common::{STEP, TestGateway, text};

const TOKEN: &str = "remote-s3cret-7f3a9c";

/// A remote server with `greet`, and `learn`, which adds a tool and says the list changed.
#[derive(Debug, Clone, Default)]
struct Greeter {
    learned: Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServerHandler for Greeter {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let schema = schema.as_object().unwrap().clone();
        let mut tools = vec![
            Tool::new("greet", "Greets someone", schema.clone()),
            Tool::new("learn", "Learns a new tool called `name`", schema.clone()),
        ];
        for name in self.learned.lock().unwrap().iter() {
            tools.push(Tool::new(name.clone(), "A learned tool", schema.clone()));
        }
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request
            .arguments
            .as_ref()
            .and_then(|a| a.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .unwrap_or_default();
        let text = match request.name.as_ref() {
            "greet" => format!("hello {name}"),
            "learn" => {
                self.learned.lock().unwrap().push(name.clone());
                let _ = context.peer.notify_tool_list_changed().await;
                format!("learned {name}")
            }
            other => format!("{other}!"),
        };
        Ok(CallToolResponse::Complete(CallToolResult::success(vec![
            ContentBlock::text(text),
        ])))
    }
}

/// What the remote server saw.
#[derive(Debug, Default)]
struct Seen {
    /// POSTs without a session: new MCP sessions.
    opened: AtomicUsize,
    /// DELETEs: sessions the client closed.
    closed: AtomicUsize,
    /// Requests refused for a missing or wrong token.
    refused: AtomicUsize,
}

/// Serves the greeter on a loopback port; returns its `/mcp` URL.
async fn serve_greeter(seen: Arc<Seen>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = greeter_app(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/mcp")
}

/// The greeter behind its token check: streamable HTTP at `/mcp`, legacy SSE at `/sse`.
fn greeter_app(seen: Arc<Seen>) -> axum::Router {
    let greeter = Greeter::default();
    let greeter_for_sse = greeter.clone();
    let service = StreamableHttpService::new(
        move || Ok(greeter.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default(),
    );
    let guard = move |request: Request, next: Next| {
        let seen = seen.clone();
        async move {
            let expected = format!("Bearer {TOKEN}");
            let authorized = request
                .headers()
                .get("authorization")
                .is_some_and(|v| v.as_bytes() == expected.as_bytes());
            if !authorized {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                return (axum::http::StatusCode::UNAUTHORIZED, "bad token").into_response();
            }
            if request.method() == axum::http::Method::DELETE {
                seen.closed.fetch_add(1, Ordering::SeqCst);
            } else if request.method() == axum::http::Method::POST
                && !request.headers().contains_key("mcp-session-id")
            {
                seen.opened.fetch_add(1, Ordering::SeqCst);
            }
            let response: Response = next.run(request).await;
            response
        }
    };
    axum::Router::new()
        .nest_service("/mcp", service)
        .merge(legacy_sse(greeter_for_sse))
        .layer(axum::middleware::from_fn(guard))
}

/// The greeter on the legacy HTTP+SSE transport (2024-11-05): `GET /sse` opens a stream whose
/// first event names `/messages?session=N`; what is POSTed there goes to an rmcp server whose
/// answers go down the stream.
fn legacy_sse(greeter: Greeter) -> axum::Router {
    use axum::response::sse::{Event, Sse};
    use futures::StreamExt;
    use rmcp::ServiceExt;
    use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};

    type Inboxes =
        Arc<std::sync::Mutex<Vec<futures::channel::mpsc::UnboundedSender<ClientJsonRpcMessage>>>>;
    let inboxes = Inboxes::default();
    let open = {
        let inboxes = inboxes.clone();
        move || {
            let (to_server, from_client) = futures::channel::mpsc::unbounded();
            let (to_client, from_server) =
                futures::channel::mpsc::unbounded::<ServerJsonRpcMessage>();
            let session = {
                let mut inboxes = inboxes.lock().unwrap();
                inboxes.push(to_server);
                inboxes.len() - 1
            };
            let greeter = greeter.clone();
            tokio::spawn(async move {
                if let Ok(running) = greeter.serve((to_client, from_client)).await {
                    let _ = running.waiting().await;
                }
            });
            let endpoint = Event::default()
                .event("endpoint")
                .data(format!("/messages?session={session}"));
            let messages = from_server.map(|message| {
                let data = serde_json::to_string(&message).unwrap();
                Ok::<_, std::convert::Infallible>(Event::default().event("message").data(data))
            });
            Sse::new(futures::stream::once(async { Ok(endpoint) }).chain(messages))
        }
    };
    let post = move |uri: axum::http::Uri, body: axum::body::Bytes| {
        let inboxes = inboxes.clone();
        async move {
            let session: usize = uri
                .query()
                .and_then(|q| q.strip_prefix("session="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            let Ok(message) = serde_json::from_slice::<ClientJsonRpcMessage>(&body) else {
                return axum::http::StatusCode::BAD_REQUEST;
            };
            let inbox = inboxes.lock().unwrap().get(session).cloned();
            match inbox.map(|inbox| inbox.unbounded_send(message).is_ok()) {
                Some(true) => axum::http::StatusCode::ACCEPTED,
                _ => axum::http::StatusCode::NOT_FOUND,
            }
        }
    };
    axum::Router::new()
        .route("/sse", axum::routing::get(move || async move { open() }))
        .route("/messages", axum::routing::post(post))
}

/// A server whose `/mcp` redirects to another origin, and that origin, counting what reaches it.
async fn serve_redirect_elsewhere() -> (String, Arc<AtomicUsize>) {
    let reached = Arc::new(AtomicUsize::new(0));
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}/mcp", elsewhere.local_addr().unwrap());
    let counter = reached.clone();
    let catch_all = axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "{}" }
    });
    tokio::spawn(async move { axum::serve(elsewhere, catch_all).await });
    let mover = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", mover.local_addr().unwrap());
    let redirect = axum::Router::new().fallback(move || {
        let target = target.clone();
        async move {
            (
                axum::http::StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, target)],
            )
        }
    });
    tokio::spawn(async move { axum::serve(mover, redirect).await });
    (url, reached)
}

fn catalog(dir: &std::path::Path, url: &str) -> std::path::PathBuf {
    let sse = url.replace("/mcp", "/sse");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("http://{}/mcp", closed.local_addr().unwrap());
    drop(closed);
    let yaml = format!(
        r#"registry:
  greeter:
    title: Greeter
    description: A remote test server that greets people
    type: remote
    remote:
      transport_type: streamable-http
      url: {url}
      headers:
        Authorization: Bearer ${{GREETER_TOKEN}}
    secrets:
    - name: greeter.token
      env: GREETER_TOKEN
  signed-in:
    title: Signed in
    description: A remote test server behind OAuth
    type: remote
    remote:
      url: {url}
    oauth:
      providers:
      - provider: test-idp
        secret: signed-in.access_token
        env: SIGNED_IN_TOKEN
  legacy-sse:
    title: Legacy SSE
    description: A remote server on the old SSE transport
    type: remote
    remote:
      transport_type: sse
      url: {sse}
      headers:
        Authorization: Bearer ${{SSE_TOKEN}}
    secrets:
    - name: legacy-sse.token
      env: SSE_TOKEN
  moved:
    title: Moved
    description: A remote server that redirects to another host
    type: remote
    remote:
      url: MOVED_URL
      headers:
        X-Api-Key: ${{MOVED_KEY}}
    secrets:
    - name: moved.key
      env: MOVED_KEY
  sockets:
    title: Sockets
    description: A remote server on a transport MCP does not have
    type: remote
    remote:
      transport_type: websocket
      url: {url}
  down:
    title: Down
    description: A remote server nobody runs
    type: remote
    remote:
      url: {down}
"#
    );
    let path = dir.join("remote.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}

fn set_secret(gw: &TestGateway, name: &str, value: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["secret", "set", name])
        .env("SWITCHBOARD_HOME", gw.home())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

async fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + STEP;
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn remote_servers_are_added_called_and_closed_with_their_secret_header() {
    let seen = Arc::new(Seen::default());
    let url = serve_greeter(seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::start_with_log(
        &catalog(dir.path(), &url),
        &["--idle-timeout", "2"],
        // Everything every library logs, so a token in any request log would show.
        "trace",
    )
    .await;

    let refused = gw.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("switchboard secret set greeter.token"),
        "{}",
        text(&refused)
    );
    assert_eq!(seen.opened.load(Ordering::SeqCst), 0, "nothing was tried");

    set_secret(&gw, "greeter.token", TOKEN);
    let added = gw.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    assert!(gw.tool_names().await.contains(&"greet".to_string()));
    let greeted = gw.call("greet", json!({"name": "ada"})).await;
    assert_eq!(text(&greeted), "hello ada");
    assert_eq!(seen.refused.load(Ordering::SeqCst), 0);

    // Idle, the session is closed; the next call opens a new one without the client noticing.
    wait_until("the idle remote session closes", || {
        seen.closed.load(Ordering::SeqCst) == 1
    })
    .await;
    let greeted = gw.call("greet", json!({"name": "again"})).await;
    assert_eq!(text(&greeted), "hello again");
    assert_eq!(seen.opened.load(Ordering::SeqCst), 2);

    let removed = gw.call("mcp-remove", json!({"name": "greeter"})).await;
    assert_eq!(removed.is_error, Some(false), "{}", text(&removed));
    wait_until("mcp-remove closes the session", || {
        seen.closed.load(Ordering::SeqCst) == 2
    })
    .await;

    // A wrong token: the server's refusal comes back, the token does not.
    set_secret(&gw, "greeter.token", "wrong-token-4b1d");
    let wrong = gw.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(wrong.is_error, Some(true));
    assert!(
        text(&wrong).contains("could not connect to `greeter`"),
        "{}",
        text(&wrong)
    );
    assert!(
        text(&wrong).contains("401"),
        "the server's answer: {}",
        text(&wrong)
    );
    assert!(
        !text(&wrong).contains("wrong-token-4b1d"),
        "{}",
        text(&wrong)
    );
    assert!(seen.refused.load(Ordering::SeqCst) > 0);
    let log = gw.stderr();
    assert!(log.contains("TRACE"), "the gateway logged at trace level");
    assert!(
        !log.contains(TOKEN) && !log.contains("wrong-token-4b1d"),
        "a token was logged"
    );
}

#[tokio::test]
async fn remote_servers_that_cannot_be_reached_or_spoken_to_say_why() {
    let seen = Arc::new(Seen::default());
    let url = serve_greeter(seen.clone()).await;
    let (moved_url, elsewhere) = serve_redirect_elsewhere().await;
    let dir = tempfile::tempdir().unwrap();
    let path = catalog(dir.path(), &url);
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, yaml.replace("MOVED_URL", &moved_url)).unwrap();
    let gw = TestGateway::start(&path, &[]).await;

    let found = gw
        .call(
            "mcp-find",
            json!({"query": "remote test server behind OAuth"}),
        )
        .await;
    let found = found.structured_content.unwrap();
    let entry = found["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "signed-in")
        .unwrap_or_else(|| panic!("{found}"));
    assert_eq!(entry["missing_secrets"], json!(["signed-in.access_token"]));
    let oauth = gw.call("mcp-add", json!({"name": "signed-in"})).await;
    assert_eq!(oauth.is_error, Some(true));
    assert!(text(&oauth).contains("OAuth"), "{}", text(&oauth));
    assert!(
        text(&oauth).contains("switchboard secret set signed-in.access_token"),
        "{}",
        text(&oauth)
    );
    // A token the user got elsewhere is sent as a bearer token.
    set_secret(&gw, "signed-in.access_token", TOKEN);
    let added = gw.call("mcp-add", json!({"name": "signed-in"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));

    // The legacy SSE transport, with its secret header on the stream and on every POST.
    set_secret(&gw, "legacy-sse.token", TOKEN);
    let sse = gw.call("mcp-add", json!({"name": "legacy-sse"})).await;
    assert_eq!(sse.is_error, Some(false), "{}", text(&sse));
    let greeted = gw
        .call("legacy-sse__greet", json!({"name": "over sse"}))
        .await;
    assert_eq!(text(&greeted), "hello over sse");

    // A redirect to another origin is not followed: the secret header stays home.
    set_secret(&gw, "moved.key", "moved-key-91c2");
    let moved = gw.call("mcp-add", json!({"name": "moved"})).await;
    assert_eq!(moved.is_error, Some(true), "{}", text(&moved));
    assert!(text(&moved).contains("307"), "{}", text(&moved));
    assert_eq!(
        elsewhere.load(Ordering::SeqCst),
        0,
        "nothing reached the other origin"
    );

    let sockets = gw.call("mcp-add", json!({"name": "sockets"})).await;
    assert_eq!(sockets.is_error, Some(true));
    assert!(text(&sockets).contains("`websocket`"), "{}", text(&sockets));

    let down = gw.call("mcp-add", json!({"name": "down"})).await;
    assert_eq!(down.is_error, Some(true));
    assert!(
        text(&down).contains("could not connect to `down` at http://127.0.0.1:"),
        "{}",
        text(&down)
    );
    assert!(
        text(&down).contains("Connection refused"),
        "{}",
        text(&down)
    );
    // The failures left the added server alone.
    let greeted = gw.call("greet", json!({"name": "still"})).await;
    assert_eq!(text(&greeted), "hello still");
}

/// A server that changes its tools says so; the gateway re-lists them, routes the new ones and
/// tells its client.
#[tokio::test]
async fn a_server_that_changes_its_tools_is_followed() {
    let seen = Arc::new(Seen::default());
    let url = serve_greeter(seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let gw = TestGateway::start_in(
        tempfile::tempdir().unwrap(),
        &catalog(dir.path(), &url),
        &[],
        "info,switchboard=debug",
        &[("SWITCHBOARD_SECRET_GREETER_TOKEN", TOKEN)],
    )
    .await;
    let added = gw.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let before = gw.changes_seen();
    assert!(!gw.tool_names().await.contains(&"wave".to_string()));

    let learned = gw.call("learn", json!({"name": "wave"})).await;
    assert_eq!(text(&learned), "learned wave");
    gw.wait_for_change(before).await;
    assert!(gw.tool_names().await.contains(&"wave".to_string()));
    let waved = gw.call("wave", json!({})).await;
    assert_eq!(text(&waved), "wave!");
}

/// TLS connections for axum; a failed handshake is dropped and the next one accepted.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, address)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, address);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// Serves the greeter over HTTPS with a certificate from a throwaway CA; returns the `/mcp`
/// URL and the CA's PEM.
async fn serve_greeter_tls(seen: Arc<Seen>) -> (String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = tcp.local_addr().unwrap();
    let listener = TlsListener {
        tcp,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    };
    let app = greeter_app(seen);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("https://{address}/mcp"), ca.pem())
}

/// HTTPS remotes are verified against the system's roots (`SSL_CERT_FILE` points the gateway at
/// a test CA here): trusted, the call goes through; untrusted, the add says why.
#[tokio::test]
async fn https_remotes_are_verified_against_the_trusted_roots() {
    let seen = Arc::new(Seen::default());
    let (url, ca) = serve_greeter_tls(seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let roots = dir.path().join("ca.pem");
    std::fs::write(&roots, ca).unwrap();
    let catalog = catalog(dir.path(), &url);
    let secret = ("SWITCHBOARD_SECRET_GREETER_TOKEN", TOKEN);

    let trusting = TestGateway::start_in(
        tempfile::tempdir().unwrap(),
        &catalog,
        &[],
        "info",
        &[secret, ("SSL_CERT_FILE", roots.to_str().unwrap())],
    )
    .await;
    let added = trusting.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let greeted = trusting.call("greet", json!({"name": "tls"})).await;
    assert_eq!(text(&greeted), "hello tls");

    // Roots that exist but do not include the server's CA: another throwaway one.
    let stranger = {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    };
    let other = dir.path().join("other-roots.pem");
    std::fs::write(&other, stranger).unwrap();
    let no_dir = tempfile::tempdir().unwrap();
    let doubting = TestGateway::start_in(
        tempfile::tempdir().unwrap(),
        &catalog,
        &[],
        "info",
        &[
            secret,
            ("SSL_CERT_FILE", other.to_str().unwrap()),
            ("SSL_CERT_DIR", no_dir.path().to_str().unwrap()),
        ],
    )
    .await;
    let refused = doubting.call("mcp-add", json!({"name": "greeter"})).await;
    assert_eq!(refused.is_error, Some(true), "{}", text(&refused));
    assert!(
        text(&refused).to_lowercase().contains("certificate"),
        "{}",
        text(&refused)
    );
    assert_eq!(
        seen.opened.load(Ordering::SeqCst),
        1,
        "only the trusting gateway got through"
    );
}
