use std::process::Command;

use serde_json::Value;

fn switchboard(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .env(
            "SWITCHBOARD_HOME",
            std::env::temp_dir().join("switchboard-cli-tests"),
        )
        .output()
        .expect("run switchboard")
}

fn shared_catalog() -> String {
    let path =
        switchboard_testsupport::repo_root().join("../shared/catalogs/docker-mcp-catalog.yaml");
    assert!(
        path.exists(),
        "the shared Docker catalog is expected beside the repository at {}",
        path.display()
    );
    path.display().to_string()
}

#[test]
fn catalog_search_json_ranks_best_first() {
    let out = switchboard(&[
        "catalog", "search", "--json", "--limit", "3", "current", "time", "in", "a", "timezone",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["query"], "current time in a timezone");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["name"], "time");
    assert!(results[0]["score"].as_f64().unwrap() >= results[1]["score"].as_f64().unwrap());
    // Matched tools have the shape mcp-find gives them.
    let tool = &results[0]["matched_tools"][0];
    assert!(
        tool["name"].is_string() && tool["description"].is_string(),
        "{}",
        results[0]
    );
}

#[test]
fn bundled_catalog_has_forty_real_servers_and_shows_them() {
    let out = switchboard(&["catalog", "ls", "--json"]);
    assert!(out.status.success());
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let servers = body["servers"].as_array().unwrap();
    assert!(servers.len() >= 40, "{} servers", servers.len());
    let with_tools = servers
        .iter()
        .filter(|s| s["tools"].as_array().is_some_and(|t| !t.is_empty()))
        .count();
    assert!(with_tools >= 40, "{with_tools} servers list their tools");

    let out = switchboard(&["catalog", "show", "github-official", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(entry["secrets"][0]["env"], "GITHUB_PERSONAL_ACCESS_TOKEN");

    // The text form lists config keys with their type, requirement and default.
    let out = switchboard(&["catalog", "show", "filesystem"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let paths = text
        .lines()
        .skip_while(|line| *line != "config:")
        .find(|line| line.trim_start().starts_with("paths "))
        .unwrap_or_else(|| panic!("no config section with paths:\n{text}"));
    assert!(paths.contains("(array; required"), "{paths}");

    let out = switchboard(&["catalog", "show", "no-such-server"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("catalog search"));
}

#[test]
fn the_real_docker_catalog_loads_whole() {
    let out = switchboard(&["catalog", "ls", "--json", "--catalog", &shared_catalog()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["servers"].as_array().unwrap().len(), 328);
    let out = switchboard(&[
        "catalog",
        "search",
        "--catalog",
        &shared_catalog(),
        "merge",
        "request",
        "on",
        "gitlab",
    ]);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap()
            .contains("gitlab")
    );
}

#[test]
fn a_malformed_catalog_names_file_and_entry_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "registry:\n  fine:\n    type: server\n    image: x/y\n  broken:\n    type: server\n    tools: 12\n").unwrap();
    let out = switchboard(&["run", "--catalog", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.yaml") && stderr.contains("`broken`"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing may be written to the MCP channel"
    );

    let out = switchboard(&[
        "catalog",
        "ls",
        "--catalog",
        dir.path().join("absent.yaml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("absent.yaml"));
}

#[test]
fn catalog_eval_prints_the_summary_last() {
    let queries = switchboard_testsupport::repo_root().join("index/eval/extra-queries.tsv");
    let out = switchboard(&[
        "catalog",
        "eval",
        "--catalog",
        &shared_catalog(),
        "--queries",
        queries.to_str().unwrap(),
        "--k",
        "5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    let keys: Vec<&str> = last
        .split(' ')
        .map(|kv| kv.split('=').next().unwrap())
        .collect();
    let metrics = ["top1", "hit@5", "mrr@10", "recall@5"];
    let expected: Vec<String> = std::iter::once("RESULT".to_string())
        .chain(
            ["lexical", "hybrid"]
                .iter()
                .flat_map(|mode| metrics.map(|m| format!("{mode}_{m}"))),
        )
        .collect();
    assert_eq!(keys, expected, "{last}");

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.tsv");
    std::fs::write(&bad, "# fine\nno tab on this line\n").unwrap();
    let out = switchboard(&[
        "catalog",
        "eval",
        "--catalog",
        &shared_catalog(),
        "--queries",
        bad.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn odd_queries_are_plain_text_and_never_empty() {
    for query in [
        "\"unbalanced (quote*",
        "name:x AND -y ~2",
        "数据库 查询",
        "🚀🚀",
        "c++",
    ] {
        let out = switchboard(&[
            "catalog",
            "search",
            "--json",
            "--catalog",
            &shared_catalog(),
            query,
        ]);
        assert!(
            out.status.success(),
            "{query}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            !body["results"].as_array().unwrap().is_empty(),
            "{query} found nothing"
        );
    }
    let count = |limit: &str| {
        let out = switchboard(&[
            "catalog",
            "search",
            "--limit",
            limit,
            "--json",
            "--catalog",
            &shared_catalog(),
            "server",
        ]);
        assert!(out.status.success(), "--limit {limit}");
        let body: Value = serde_json::from_slice(&out.stdout).unwrap();
        body["results"].as_array().unwrap().len()
    };
    assert_eq!(count("0"), 1, "a limit of 0 is clamped to 1");
    assert_eq!(count("10000"), 100, "a limit of 10000 is clamped to 100");
    let out = switchboard(&["catalog", "search", "  "]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

/// Set-ups that would expose workspaces or make no sense are refused before anything starts.
#[test]
fn unsafe_or_meaningless_run_setups_are_refused_at_start() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("run")
            .args(args)
            .env("SWITCHBOARD_HOME", home.path())
            .env_remove("SWITCHBOARD_TOKEN")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run switchboard");
        assert!(!out.status.success(), "{args:?} was accepted");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["--transport", "http", "--host", "0.0.0.0", "--port", "0"]);
    assert!(err.contains("without a token"), "{err}");
    assert!(err.contains("switchboard token create"), "{err}");
    let err = run(&[
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--allow-unauthenticated",
    ]);
    assert!(err.contains("loopback only"), "{err}");
    let err = run(&["--workspace-per-session"]);
    assert!(err.contains("--transport http"), "{err}");
    assert!(
        !home.path().join("tokens.json").exists(),
        "a refused start creates no token"
    );
}

/// `switchboard run > out.log` and `> /dev/null`: stdio works when stdout is not a pipe
/// (it used to fail with `Resource temporarily unavailable`).
#[test]
fn stdio_serves_when_stdout_is_a_file_or_dev_null() {
    let dir = tempfile::tempdir().unwrap();
    let requests = [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"file","version":"0"}}}"#,
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    ];
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, requests.join("\n") + "\n").unwrap();
    let catalog = switchboard_testsupport::repo_root().join("tests/fixtures/catalog.yaml");
    let output = dir.path().join("out.log");
    for stdout in [
        std::fs::File::create(&output).unwrap(),
        std::fs::File::create("/dev/null").unwrap(),
    ] {
        // Stdin a pipe, as clients spawn us, and stdout a file: the mix that failed.
        let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("run")
            .arg("--catalog")
            .arg(&catalog)
            .env("SWITCHBOARD_HOME", dir.path().join("home"))
            .stdin(std::process::Stdio::piped())
            .stdout(stdout)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        std::io::Write::write_all(&mut stdin, &std::fs::read(&input).unwrap()).unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(!stderr.contains("temporarily unavailable"), "{stderr}");
    }
    // The file run answered both requests (the /dev/null run overwrote nothing of it).
    let written = std::fs::read_to_string(&output).unwrap();
    let replies: Vec<Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let list = replies
        .iter()
        .find(|r| r["id"] == 2)
        .expect("tools/list answered");
    assert_eq!(list["result"]["tools"][0]["name"], "mcp-find", "{written}");
}

/// Started from a terminal (`script` gives it one), `run` says what it is, the catalog it
/// loaded, where its state lives and how to connect a client; started on pipes, as MCP clients
/// start it, it says none of that.
#[tokio::test]
async fn run_from_a_terminal_explains_itself_and_on_pipes_stays_quiet() {
    use tokio::io::AsyncReadExt as _;
    let home = tempfile::tempdir().unwrap();
    let command = format!("{} run", env!("CARGO_BIN_EXE_switchboard"));
    let mut script = tokio::process::Command::new("script");
    crate::common::clean_environment(script.as_std_mut(), home.path());
    let mut child = script
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("util-linux `script` runs");
    let mut stdout = child.stdout.take().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let reader = tokio::spawn({
        let seen = seen.clone();
        async move {
            let mut buffer = [0u8; 4096];
            while let Ok(n @ 1..) = stdout.read(&mut buffer).await {
                seen.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        }
    });
    crate::common::eventually("the banner on the terminal", || {
        let text = seen.lock().unwrap().clone();
        async move { text.contains("switchboard client connect claude-code") }
    })
    .await;
    let text = seen.lock().unwrap().clone();
    assert!(text.contains("catalog   bundled ("), "{text}");
    assert!(text.contains(&home.path().display().to_string()), "{text}");
    assert!(text.contains("switchboard logs --follow"), "{text}");
    child.kill().await.ok();
    reader.abort();

    // On pipes: stdin closed at once, the gateway exits; nothing of the banner on stderr.
    let out = crate::common::switchboard(home.path())
        .arg("run")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("client connect"), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "stdout is the MCP channel: {:?}",
        out.stdout
    );
}
