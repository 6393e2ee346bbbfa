//! Issue 12: `switchboard doctor`, the real binary in a clean environment against the real
//! Docker daemon: Docker up and unreachable, loose permissions, saved servers with a missing
//! secret or image, the HTTP port and `--url`, and `--json` agreeing with the lines.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::common::http::HttpGateway;
use crate::common::{STEP, fixture_catalog, switchboard};

/// A secret value that must never appear in doctor's output.
const SECRET_VALUE: &str = "s3cret-doctor-Kq7-value";

/// What one run of doctor printed and how it ended.
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    took: Duration,
}

impl Run {
    /// The lines of check `check`.
    fn lines(&self, check: &str) -> Vec<&str> {
        self.stdout
            .lines()
            .filter(|line| line.split_whitespace().nth(1) == Some(check))
            .collect()
    }

    /// The one line of `check` whose text contains `needle`, with its status.
    fn line(&self, check: &str, needle: &str) -> (&str, &str) {
        let found: Vec<&str> = self
            .lines(check)
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one `{check}` line with `{needle}` expected:\n{}",
            self.stdout
        );
        let line = found[0];
        (line.split_whitespace().next().unwrap_or_default(), line)
    }

    /// (check, status) of every line, in order.
    fn statuses(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .map(|line| {
                let mut words = line.split_whitespace();
                let status = words.next().unwrap_or_default().to_string();
                (words.next().unwrap_or_default().to_string(), status)
            })
            .collect()
    }

    fn all_output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// `switchboard doctor ARGS` with `home` as HOME and SWITCHBOARD_HOME, plus `env`.
async fn doctor(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let started = Instant::now();
    let child = switchboard(home)
        .arg("doctor")
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(STEP, child.wait_with_output())
        .await
        .expect("doctor finishes")
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        code: out.status.code(),
        took: started.elapsed(),
    }
}

/// Runs another `switchboard` command in `home`, with `stdin`; panics unless it succeeds.
async fn command(home: &Path, args: &[&str], stdin: &str) {
    let mut child = switchboard(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "switchboard {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn port_arg() -> String {
    closed_port().to_string()
}

/// A catalog with a server that needs a secret and runs an image nobody has, and one that
/// runs the (built) fixture image; both take a config value so `config set` can save them.
fn saved_catalog(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("doctor-catalog.yaml");
    let yaml = "registry:
  vault:
    description: Needs a secret and an image that is not here.
    type: server
    image: switchboard-doctor-absent:never
    secrets:
    - name: vault.token
      env: VAULT_TOKEN
    allowHosts: [vault.example.com]
    config:
    - name: vault
      type: object
      properties:
        region: {type: string}
  local:
    description: Runs the fixture image.
    type: server
    image: switchboard-fixture:latest
    command: [echo]
    config:
    - name: local
      type: object
      properties:
        region: {type: string}
";
    std::fs::write(&path, yaml).unwrap();
    path
}

/// Docker up, a clean home and the fixture catalog: Docker is ok with its version, every
/// catalog loads, nothing fails; `--json` says the same as the lines.
#[tokio::test]
async fn docker_up_and_a_clean_home_pass() {
    let catalog = fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    // As the store creates it (a temporary directory may come with 0755).
    std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let port = port_arg();
    let args = ["--catalog", catalog.to_str().unwrap(), "--port", &port];
    let run = doctor(home.path(), &args, &[]).await;
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let (status, line) = run.line("docker", "Docker ");
    assert_eq!(status, "ok", "{line}");
    assert!(line.contains("(API 1."), "{line}");
    assert_eq!(run.line("catalog", "bundled catalog").0, "ok");
    let (status, line) = run.line("catalog", "--catalog");
    assert_eq!(status, "ok", "{line}");
    assert!(line.contains(" servers"), "{line}");
    assert_eq!(run.line("http", &format!("port {port}")).0, "ok");
    assert_eq!(run.line("permissions", "owner-only").0, "ok");
    let (status, line) = run.line("clients", "no MCP client");
    assert_eq!(status, "warn", "{line}");
    assert!(
        line.ends_with("fix: switchboard client connect CLIENT"),
        "{line}"
    );
    assert!(
        run.statuses().iter().all(|(_, s)| s == "ok" || s == "warn"),
        "{}",
        run.stdout
    );

    let json = doctor(home.path(), &[&args[..], &["--json"]].concat(), &[]).await;
    assert_eq!(json.code, Some(0), "{}", json.stderr);
    let report: Value = serde_json::from_str(&json.stdout).expect("--json prints JSON only");
    assert_eq!(report["ok"], true);
    let from_json: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert!(c["message"].is_string(), "{c}");
            if c["status"] == "ok" {
                assert!(c["fix"].is_null(), "{c}");
            }
            (
                c["check"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(from_json, run.statuses());
}

/// DOCKER_HOST pointing at a closed port or a missing socket: Docker fails with the fix, the
/// images are not looked at, doctor exits 1 in a few seconds.
#[tokio::test]
async fn docker_unreachable_fails_fast_with_the_fix() {
    let home = tempfile::tempdir().unwrap();
    let catalog = saved_catalog(home.path());
    let catalog = catalog.to_str().unwrap();
    command(
        home.path(),
        &["config", "set", "--catalog", catalog, "local", "region=eu"],
        "",
    )
    .await;
    let closed = format!("tcp://127.0.0.1:{}", closed_port());
    for address in [closed.as_str(), "unix:///nonexistent.sock"] {
        let port = port_arg();
        let args = ["--catalog", catalog, "--port", &port];
        let run = doctor(home.path(), &args, &[("DOCKER_HOST", address)]).await;
        assert_eq!(run.code, Some(1), "{address}: {}{}", run.stdout, run.stderr);
        let (status, line) = run.line("docker", address);
        assert_eq!(status, "fail", "{line}");
        assert!(line.contains("(DOCKER_HOST)"), "{line}");
        assert!(line.contains("fix: start dockerd"), "{line}");
        assert!(line.contains("systemctl start docker"), "{line}");
        assert_eq!(run.line("image", "Docker is unreachable").0, "warn");
        assert!(
            run.took < Duration::from_secs(15),
            "{address}: doctor took {:?}",
            run.took
        );
        let json = doctor(
            home.path(),
            &[&args[..], &["--json"]].concat(),
            &[("DOCKER_HOST", address)],
        )
        .await;
        assert_eq!(json.code, Some(1));
        let report: Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(report["ok"], false);
        assert_eq!(report["checks"][0]["check"], "docker");
        assert_eq!(report["checks"][0]["status"], "fail");
        assert!(report["checks"][0]["fix"].is_string());
    }
}

/// A secrets file made world-readable after `secret set`: a fail naming the file, with the
/// chmod that fixes it; the value itself is never printed.
#[tokio::test]
async fn a_world_readable_secrets_file_fails_with_chmod() {
    let home = tempfile::tempdir().unwrap();
    command(home.path(), &["secret", "set", "some.token"], SECRET_VALUE).await;
    let secrets = home.path().join("secrets.json");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    let port = port_arg();
    let run = doctor(home.path(), &["--port", &port], &[]).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let (status, line) = run.line("permissions", &secrets.display().to_string());
    assert_eq!(status, "fail", "{line}");
    assert!(line.contains("0644"), "{line}");
    assert!(
        line.ends_with(&format!("fix: chmod 600 {}", secrets.display())),
        "{line}"
    );
    assert!(!run.all_output().contains(SECRET_VALUE));
}

/// Saved config for a server whose secret is missing (set only in another workspace) and
/// whose image is neither here nor in a reachable registry: the secret is named with its
/// `secret set` fix, the image warns with `docker pull`, the fixture image is found, allowHosts warns; no value is printed.
#[tokio::test]
async fn saved_servers_missing_secret_and_image() {
    fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    let catalog = saved_catalog(home.path());
    let catalog = catalog.to_str().unwrap();
    for server in ["vault", "local"] {
        command(
            home.path(),
            &["config", "set", "--catalog", catalog, server, "region=eu"],
            "",
        )
        .await;
    }
    command(
        home.path(),
        &["secret", "set", "vault.token", "--workspace", "elsewhere"],
        SECRET_VALUE,
    )
    .await;
    let port = port_arg();
    let args = ["--catalog", catalog, "--port", &port];
    let run = doctor(home.path(), &args, &[]).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let (status, line) = run.line("secret", "vault.token");
    assert_eq!(status, "fail", "{line}");
    assert!(line.contains("workspace default"), "{line}");
    assert!(!line.contains("elsewhere"), "{line}");
    assert!(
        line.contains("fix: switchboard secret set vault.token"),
        "{line}"
    );
    // No registry is reachable here: not confirmed pullable, a warning.
    let (status, line) = run.line("image", "switchboard-doctor-absent:never");
    assert_eq!(status, "warn", "{line}");
    assert!(line.contains("could not be confirmed pullable"), "{line}");
    assert!(
        line.ends_with("fix: docker pull switchboard-doctor-absent:never"),
        "{line}"
    );
    assert_eq!(run.line("image", "switchboard-fixture:latest").0, "ok");
    let (status, line) = run.line("egress", "vault.example.com");
    assert_eq!(status, "warn", "{line}");
    assert!(line.contains("not enforced"), "{line}");
    assert!(!run.all_output().contains(SECRET_VALUE));

    // Set where the default workspace finds it: the secret check passes, still no value shown.
    command(home.path(), &["secret", "set", "vault.token"], SECRET_VALUE).await;
    let run = doctor(home.path(), &args, &[]).await;
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(run.lines("secret").len(), 1, "{}", run.stdout);
    assert!(run.lines("secret")[0].starts_with("ok"), "{}", run.stdout);
    assert!(!run.all_output().contains(SECRET_VALUE));
}

/// The HTTP port held by a plain listener warns (exit 0); held by a gateway, or `--url`
/// pointing at one, is ok; `--url` at a closed port fails.
#[tokio::test]
async fn http_port_and_url() {
    let home = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let run = doctor(home.path(), &["--port", &port], &[]).await;
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let (status, line) = run.line("http", &format!("port {port}"));
    assert_eq!(status, "warn", "{line}");
    assert!(line.contains("taken by another program"), "{line}");
    assert!(line.contains("fix: "), "{line}");
    drop(listener);

    let gateway = HttpGateway::start(&[]).await;
    for url in [gateway.base(), gateway.url.clone()] {
        let run = doctor(home.path(), &["--url", &url], &[]).await;
        assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
        let (status, line) = run.line("http", "healthy");
        assert_eq!(status, "ok", "{line}");
    }
    let gateway_port = gateway.base().rsplit(':').next().unwrap().to_string();
    let run = doctor(home.path(), &["--port", &gateway_port], &[]).await;
    assert_eq!(
        run.line("http", "running gateway").0,
        "ok",
        "{}",
        run.stdout
    );

    let closed = format!("http://127.0.0.1:{}", closed_port());
    let run = doctor(home.path(), &["--url", &closed], &[]).await;
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    let (status, line) = run.line("http", &closed);
    assert_eq!(status, "fail", "{line}");
    assert!(line.contains("fix: "), "{line}");
}

/// A client whose config has Switchboard (written by `client connect`) is named.
#[tokio::test]
async fn connected_clients_are_named() {
    let home = tempfile::tempdir().unwrap();
    command(home.path(), &["client", "connect", "cursor"], "").await;
    let port = port_arg();
    let run = doctor(home.path(), &["--port", &port], &[]).await;
    let (status, line) = run.line("clients", "connected");
    assert_eq!(status, "ok", "{line}");
    assert!(line.ends_with("connected: cursor"), "{line}");
}

/// A saved server whose image is not on the machine but in a registry the daemon reaches (a
/// local one serving the fixture image): ok, it will be pulled; nothing is pulled by doctor.
#[tokio::test]
async fn a_missing_image_its_registry_has_is_ok() {
    let fixture = switchboard_testsupport::ensure_fixture_image().expect("fixture image");
    let tag = format!("doctor-{}", std::process::id());
    let registry = switchboard_testsupport::Registry::start(
        &fixture,
        "switchboard-doctor",
        &tag,
        Duration::ZERO,
    )
    .expect("registry starts");
    let image = registry.image();
    switchboard_testsupport::remove_image(&image)
        .await
        .expect("image removed");
    let home = tempfile::tempdir().unwrap();
    let catalog = home.path().join("pullable.yaml");
    std::fs::write(
        &catalog,
        format!(
            "registry:
  pulled:
    description: Runs an image only its registry has.
    type: server
    image: {image}
    command: [echo]
    config:
    - name: pulled
      type: object
      properties:
        region: {{type: string}}
"
        ),
    )
    .unwrap();
    let catalog = catalog.to_str().unwrap();
    command(
        home.path(),
        &["config", "set", "--catalog", catalog, "pulled", "region=eu"],
        "",
    )
    .await;
    let port = port_arg();
    let run = doctor(home.path(), &["--catalog", catalog, "--port", &port], &[]).await;
    let (status, line) = run.line("image", &image);
    assert_eq!(status, "ok", "{line}\n{}{}", run.stdout, run.stderr);
    assert!(line.contains("its registry has it"), "{line}");
    assert!(
        !switchboard_testsupport::image_present(&image)
            .await
            .unwrap(),
        "doctor pulled {image}"
    );
}
