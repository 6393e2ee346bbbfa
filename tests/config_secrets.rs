use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use crate::common::{TestGateway, fixture_catalog, info, sha256, text};

const SECRET: &str = "tok-Zq8-very-recognizable-5511";

/// Runs the CLI with the same home as the gateway.
fn cli(home: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env("SWITCHBOARD_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run switchboard");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Missing secret -> actionable error and nothing started; `secret set` -> the next add works
/// without a restart; the container got the secret; and the value shows up nowhere else, not
/// even in trace logs.
#[tokio::test]
async fn secrets_reach_the_container_and_nothing_else() {
    let catalog = fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    // Even a user who asks for bollard's trace logs must not see the secret.
    let gw = TestGateway::start_in(home, &catalog, &[], "trace,bollard=trace", &[]).await;
    let mut seen_by_client = String::new();
    let shared_dir = tempfile::tempdir().unwrap();
    let shared = shared_dir.path().to_str().unwrap().to_string();

    let set = gw
        .call(
            "mcp-config-set",
            json!({"server": "configured", "config": {"mode": "fast", "paths": [shared.clone()]}}),
        )
        .await;
    assert_eq!(set.is_error, Some(false), "{}", text(&set));
    let found = gw
        .call("mcp-find", json!({"query": "configured fixture"}))
        .await;
    let first = &found.structured_content.as_ref().unwrap()["results"][0];
    assert_eq!(
        first["missing_secrets"],
        json!(["configured.token"]),
        "{first}"
    );
    assert_eq!(first["missing_config"], json!([]));

    let refused = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("switchboard secret set configured.token"),
        "{}",
        text(&refused)
    );
    assert!(
        gw.containers(None).await.is_empty(),
        "nothing may start without the secret"
    );

    let out = cli(
        gw.home(),
        &["secret", "set", "configured.token"],
        &format!("{SECRET}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = cli(gw.home(), &["secret", "ls"], "");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout).trim(),
        "configured.token"
    );

    let added = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let got = gw.call("info", json!({})).await;
    let got = info(&got);
    assert_eq!(
        got["env"]["FIXTURE_TOKEN"],
        sha256(SECRET),
        "the container got the secret: {got}"
    );
    assert_eq!(got["env"]["FIXTURE_MODE"], "fast");
    assert_eq!(got["env"]["FIXTURE_LEVEL"], "3", "schema defaults apply");
    assert_eq!(
        got["args"],
        json!(["/fixture-server", "echo", "--mode=fast", shared.clone()]),
        "templates fill the command"
    );
    // The path is mounted where the server was told to look, read-only by default.
    let container = gw
        .containers(Some("configured"))
        .await
        .pop()
        .expect("a container");
    let docker = bollard::Docker::connect_with_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    let inspected = docker
        .inspect_container(
            &container,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await
        .unwrap();
    let binds = inspected
        .host_config
        .and_then(|h| h.binds)
        .unwrap_or_default();
    assert_eq!(binds, vec![format!("{shared}:{shared}:ro")]);

    for result in [&set, &found, &refused, &added] {
        seen_by_client.push_str(&serde_json::to_string(result).unwrap());
    }
    let removed = gw.call("mcp-remove", json!({"name": "configured"})).await;
    seen_by_client.push_str(&serde_json::to_string(&removed).unwrap());
    let shown = cli(
        gw.home(),
        &[
            "config",
            "show",
            "configured",
            "--catalog",
            catalog.to_str().unwrap(),
        ],
        "",
    );
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    seen_by_client.push_str(&String::from_utf8_lossy(&shown.stdout));

    let stderr = gw.stderr();
    assert!(
        stderr.contains("TRACE") || stderr.contains("DEBUG"),
        "trace logging was on"
    );
    let leaks: Vec<&str> = stderr.lines().filter(|l| l.contains(SECRET)).collect();
    assert!(
        leaks.is_empty(),
        "the secret leaked into the gateway's log: {leaks:?}"
    );
    assert!(
        !seen_by_client.contains(SECRET),
        "the secret leaked into a tool result or the CLI"
    );
}

#[tokio::test]
async fn config_is_validated_whole_and_secrets_are_refused() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;
    let bad = gw
        .call("mcp-config-set", json!({"server": "configured", "config": {"mode": "turbo", "level": "high", "bogus": 1}}))
        .await;
    assert_eq!(bad.is_error, Some(true));
    let body = bad.structured_content.as_ref().unwrap();
    assert_eq!(body["violations"].as_array().unwrap().len(), 3, "{body}");
    assert!(body["config_schema"]["properties"]["mode"].is_object());

    let missing = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(missing.is_error, Some(true));
    assert!(text(&missing).contains("mode"), "{}", text(&missing));

    let secret = gw
        .call(
            "mcp-config-set",
            json!({"server": "configured", "config": {"token": "x"}}),
        )
        .await;
    assert_eq!(secret.is_error, Some(true));
    assert!(
        text(&secret).contains("switchboard secret set configured.token"),
        "{}",
        text(&secret)
    );
    let none = gw
        .call(
            "mcp-config-set",
            json!({"server": "echo", "config": {"a": 1}}),
        )
        .await;
    assert_eq!(none.is_error, Some(true));
}

/// Config set from the command line is what the next gateway uses; a secret may also come
/// from `SWITCHBOARD_SECRET_<NAME>`.
#[tokio::test]
async fn config_set_on_the_command_line_survives_into_the_next_gateway() {
    let catalog = fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    let catalog_arg = catalog.to_str().unwrap();
    let out = cli(
        home.path(),
        &[
            "config",
            "set",
            "--catalog",
            catalog_arg,
            "configured",
            "mode=safe",
            "level=5",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(
        home.path(),
        &[
            "config",
            "set",
            "--catalog",
            catalog_arg,
            "configured",
            "level=high",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(64), "an invalid value is refused");
    assert!(String::from_utf8_lossy(&out.stderr).contains("level"));

    let env = [("SWITCHBOARD_SECRET_CONFIGURED_TOKEN", "from-env-token")];
    let gw = TestGateway::start_in(home, &catalog, &[], "info", &env).await;
    let added = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let got = info(&gw.call("info", json!({})).await);
    assert_eq!(got["env"]["FIXTURE_MODE"], "safe");
    assert_eq!(got["env"]["FIXTURE_LEVEL"], "5");
    assert_eq!(got["env"]["FIXTURE_TOKEN"], sha256("from-env-token"));

    // A config change restarts the added server with it; the tools stay, so no list_changed.
    let before = gw.containers(Some("configured")).await;
    let seen = gw.changes_seen();
    let changed = gw
        .call(
            "mcp-config-set",
            json!({"server": "configured", "config": {"mode": "fast"}}),
        )
        .await;
    assert_eq!(changed.is_error, Some(false), "{}", text(&changed));
    assert!(text(&changed).contains("restarted"), "{}", text(&changed));
    let got = info(&gw.call("info", json!({})).await);
    assert_eq!(got["env"]["FIXTURE_MODE"], "fast");
    assert_ne!(
        gw.containers(Some("configured")).await,
        before,
        "a new container runs the new config"
    );
    assert_eq!(before.len(), 1);
    assert_eq!(
        gw.changes_seen(),
        seen,
        "unchanged tools are not re-announced"
    );

    // A mount of a sensitive path is refused before anything starts.
    gw.call("mcp-remove", json!({"name": "configured"})).await;
    let set = gw
        .call(
            "mcp-config-set",
            json!({"server": "configured", "config": {"paths": ["/etc"]}}),
        )
        .await;
    assert_eq!(set.is_error, Some(false), "{}", text(&set));
    let refused = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("cannot mount `/etc`"),
        "{}",
        text(&refused)
    );
    assert!(gw.containers(Some("configured")).await.is_empty());

    // The command line can fix it while the gateway runs: the next add reads the saved config.
    let out = cli(
        gw.home(),
        &[
            "config",
            "set",
            "--catalog",
            catalog_arg,
            "configured",
            "paths=",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));

    // mcp-config-set persists too: a new gateway on the same home sees it.
    let set = gw
        .call(
            "mcp-config-set",
            json!({"server": "configured", "config": {"mode": "fast"}}),
        )
        .await;
    assert_eq!(set.is_error, Some(false), "{}", text(&set));
    let saved = std::fs::read_to_string(gw.home().join("config/default.json")).unwrap();
    let saved: Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(saved["configured"]["mode"], "fast");
    assert_eq!(saved["configured"]["level"], 5);
}

/// Two workspaces on one home keep their own config, and their containers get their own.
#[tokio::test]
async fn workspaces_keep_their_own_config() {
    let catalog = fixture_catalog();
    let catalog_arg = catalog.to_str().unwrap();
    let home = tempfile::tempdir().unwrap();
    for (workspace, mode) in [("project-a", "fast"), ("project-b", "safe")] {
        let out = cli(
            home.path(),
            &[
                "config",
                "set",
                "--catalog",
                catalog_arg,
                "--workspace",
                workspace,
                "configured",
                &format!("mode={mode}"),
            ],
            "",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let env = [("SWITCHBOARD_SECRET_CONFIGURED_TOKEN", "t")];
    let home_path = home.path().to_path_buf();
    let second_home = tempfile::TempDir::new_in(&home_path).unwrap();
    let a =
        TestGateway::start_in(home, &catalog, &["--workspace", "project-a"], "info", &env).await;
    // The second gateway shares the first one's home: its own TempDir only keeps the drop order.
    let b_env = [("SWITCHBOARD_SECRET_CONFIGURED_TOKEN", "t")];
    let b = TestGateway::start_shared(
        &home_path,
        second_home,
        &catalog,
        &["--workspace", "project-b"],
        &b_env,
    )
    .await;
    for (gw, mode) in [(&a, "fast"), (&b, "safe")] {
        let added = gw.call("mcp-add", json!({"name": "configured"})).await;
        assert_eq!(added.is_error, Some(false), "{}", text(&added));
        let got = info(&gw.call("info", json!({})).await);
        assert_eq!(got["env"]["FIXTURE_MODE"], mode);
    }
    let labels = switchboard_testsupport::managed_containers().await.unwrap();
    let workspaces: Vec<&str> = labels
        .iter()
        .filter(|(_, l)| l.get("io.switchboard.server").map(String::as_str) == Some("configured"))
        .filter_map(|(_, l)| l.get("io.switchboard.workspace").map(String::as_str))
        .filter(|w| w.starts_with("project-"))
        .collect();
    assert!(
        workspaces.contains(&"project-a") && workspaces.contains(&"project-b"),
        "{workspaces:?}"
    );
}

/// A client that can show forms is asked for missing config instead of getting an error; a
/// user who declines gets nothing started.
#[tokio::test]
async fn missing_config_is_asked_for_when_the_client_can_show_forms() {
    let env = [("SWITCHBOARD_SECRET_CONFIGURED_TOKEN", "t")];
    let gw = TestGateway::start_eliciting(&fixture_catalog(), &env, json!({"mode": "safe"})).await;
    let added = gw.call("mcp-add", json!({"name": "configured"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let asked = gw.client().service().asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0]["requestedSchema"]["properties"]["mode"]["enum"],
        json!(["fast", "safe"]),
        "{}",
        asked[0]
    );
    let got = info(&gw.call("info", json!({})).await);
    assert_eq!(got["env"]["FIXTURE_MODE"], "safe");

    let declines = TestGateway::start_eliciting(&fixture_catalog(), &env, Value::Null).await;
    let refused = declines
        .call("mcp-add", json!({"name": "configured"}))
        .await;
    assert_eq!(refused.is_error, Some(true));
    assert!(
        text(&refused).contains("did not provide"),
        "{}",
        text(&refused)
    );
    assert!(declines.containers(None).await.is_empty());
}
