//! Issue 12, the call log: `run --call-log` writes one JSON line per tool call, prompt get and
//! resource read (by default to `$SWITCHBOARD_HOME/logs/calls.jsonl`), arguments only with
//! `--log-arguments` and never a secret; `switchboard logs` reads it, filters and follows it.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};

use crate::common::{STEP, TestGateway, eventually, fixture_catalog, switchboard, text};

const SECRET: &str = "sk-Log-9f3e-never-in-the-log-7731";

fn log_file(home: &Path) -> PathBuf {
    home.join("logs/calls.jsonl")
}

/// The records in `path` so far (the file may be missing or end mid-line while written).
fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Waits until `path` holds a record `matches` accepts, and returns it.
async fn wait_record(path: &Path, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
    eventually(&format!("the call log has {what}"), || {
        std::future::ready(records(path).iter().any(&matches))
    })
    .await;
    records(path).into_iter().find(|r| matches(r)).unwrap()
}

fn is_tool(record: &Value, tool: &str) -> bool {
    record["kind"] == "tool" && record["tool"] == tool
}

/// `switchboard <args>` with `home`; its exit code, stdout and stderr.
async fn cli(home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = switchboard(home).args(args).stdin(Stdio::null()).output();
    let out = tokio::time::timeout(STEP, run)
        .await
        .unwrap_or_else(|_| panic!("switchboard {args:?} timed out"))
        .expect("run switchboard");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A session's tool calls (meta-tool, fixture tool, failing tool, unknown tool), prompt get
/// and resource reads appear in the default file with their kinds and outcomes; `logs`
/// shows them, filters by workspace and prints JSON; `logs --follow` shows what comes later,
/// also across a rotation.
#[tokio::test]
async fn a_sessions_calls_are_logged_and_read_back() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;
    let path = log_file(gw.home());

    gw.call("mcp-find", json!({"query": "echo"})).await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    assert_eq!(
        text(&gw.call("echo", json!({"text": "hello"})).await),
        "hello"
    );
    let failed = gw.call("fail", json!({"message": "on purpose"})).await;
    assert_eq!(failed.is_error, Some(true));
    let unknown = gw.call("no_such_tool", json!({})).await;
    assert_eq!(unknown.is_error, Some(true));
    let added = gw.call("mcp-add", json!({"name": "conformance"})).await;
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    gw.client()
        .get_prompt(GetPromptRequestParams::new("test_simple_prompt"))
        .await
        .expect("prompts/get");
    gw.client()
        .read_resource(ReadResourceRequestParams::new("test://static-text"))
        .await
        .expect("resources/read");
    let missing = gw
        .client()
        .read_resource(ReadResourceRequestParams::new("test://nonexistent"))
        .await;
    assert!(missing.is_err());

    let find = wait_record(&path, "mcp-find", |r| is_tool(r, "mcp-find")).await;
    assert_eq!(find["server"], "switchboard");
    assert_eq!(find["workspace"], "default");
    assert_eq!(find["outcome"], "ok");
    assert!(find["session"].as_u64().is_some(), "{find}");
    assert!(find["request_bytes"].as_u64().unwrap() > 0, "{find}");
    assert!(find["response_bytes"].as_u64().unwrap() > 0, "{find}");
    assert!(find["duration_ms"].as_f64().unwrap() >= 0.0, "{find}");
    let time = find["time"].as_str().unwrap();
    assert!(
        time.len() == 24 && time.ends_with('Z') && time.contains('T'),
        "{time}"
    );
    assert!(
        find.get("arguments").is_none() && find.get("result").is_none(),
        "{find}"
    );

    let echo = wait_record(&path, "echo", |r| is_tool(r, "echo")).await;
    assert_eq!(echo["server"], "echo", "{echo}");
    assert_eq!(echo["outcome"], "ok", "{echo}");
    assert!(echo.get("error_kind").is_none(), "{echo}");
    // The request's params are `{"name":"echo","arguments":{"text":"hello"}}` at least.
    assert!(echo["request_bytes"].as_u64().unwrap() >= 40, "{echo}");

    let fail = wait_record(&path, "fail", |r| is_tool(r, "fail")).await;
    assert_eq!(
        (&fail["outcome"], &fail["error_kind"]),
        (&json!("error"), &json!("tool_error"))
    );
    assert_eq!(fail["server"], "echo", "{fail}");
    let unknown = wait_record(&path, "no_such_tool", |r| is_tool(r, "no_such_tool")).await;
    assert_eq!(unknown["outcome"], "error");
    assert_eq!(unknown["error_kind"], "unknown_tool");
    assert!(unknown.get("server").is_none(), "{unknown}");

    let prompt = wait_record(&path, "the prompt", |r| r["kind"] == "prompt").await;
    assert_eq!(prompt["prompt"], "test_simple_prompt");
    assert_eq!(prompt["outcome"], "ok");
    assert_eq!(prompt["server"], "conformance", "{prompt}");
    let read = wait_record(&path, "the read", |r| r["uri"] == "test://static-text").await;
    assert_eq!(
        (&read["kind"], &read["outcome"]),
        (&json!("resource"), &json!("ok"))
    );
    assert!(read["response_bytes"].as_u64().unwrap() > 0, "{read}");
    assert_eq!(read["server"], "conformance", "{read}");
    let missing = wait_record(&path, "the failed read", |r| {
        r["uri"] == "test://nonexistent"
    })
    .await;
    assert_eq!(missing["outcome"], "error");
    assert_eq!(missing["error_kind"], "unknown_resource");

    // Private: the directory 0700, the file 0600.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);

    // `logs` reads the default file: one readable line per call.
    let (code, out, err) = cli(gw.home(), &["logs"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("tool echo/echo"), "{out}");
    assert!(out.contains("error (tool_error)"), "{out}");
    assert!(
        out.contains("prompt ") && out.contains("test://static-text"),
        "{out}"
    );
    let (_, json_out, _) = cli(gw.home(), &["logs", "--json", "--workspace", "default"]).await;
    let lines: Vec<Value> = json_out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() >= 9, "{json_out}");
    assert!(lines.iter().all(|r| r["workspace"] == "default"));
    let (code, other, _) = cli(gw.home(), &["logs", "--workspace", "elsewhere"]).await;
    assert_eq!((code, other.as_str()), (Some(0), ""));

    // A malformed line is skipped with a note, not a crash.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"not json at all\n")
        .unwrap();
    let (code, out, err) = cli(gw.home(), &["logs", "--json"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("skipping line"), "{err}");
    assert_eq!(out.lines().count(), lines.len(), "{out}");

    // `--follow` prints what was logged before, then what comes after it started.
    let mut follow = switchboard(gw.home())
        .args(["logs", "--follow", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn logs --follow");
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut stdout = tokio::io::BufReader::new(follow.stdout.take().unwrap()).lines();
    let reader = tokio::spawn({
        let seen = seen.clone();
        async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                seen.lock().unwrap().push(line);
            }
        }
    });
    let printed = |needle: &'static str| {
        let seen = seen.clone();
        move || std::future::ready(seen.lock().unwrap().iter().any(|l| l.contains(needle)))
    };
    eventually(
        "logs --follow prints the earlier calls",
        printed("test://static-text"),
    )
    .await;
    gw.call("echo", json!({"text": "after follow started"}))
        .await;
    eventually("logs --follow prints the later call", || {
        let seen = seen.clone();
        std::future::ready(seen.lock().unwrap().len() > lines.len())
    })
    .await;
    // Another process rotates the file: the gateway starts a new one, and follow goes on.
    std::fs::rename(&path, home_rotated(&path)).unwrap();
    gw.call("add", json!({"a": 2, "b": 3})).await;
    eventually(
        "logs --follow prints a call after the rotation",
        printed(r#""tool":"add""#),
    )
    .await;
    assert_eq!(
        records(&path).len(),
        1,
        "the gateway reopened the rotated path"
    );
    follow.start_kill().unwrap();
    let _ = follow.wait().await;
    reader.abort();

    // After rotation `logs` reads the old file first, then the new one.
    let (_, out, _) = cli(gw.home(), &["logs", "--json"]).await;
    let last: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(last["tool"], "add", "{out}");
}

fn home_rotated(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.1", path.display()))
}

/// A gateway whose home holds the secret of `needs-secret` (set with `secret set`), started
/// with `extra`, with that server added and its `echo` tool called with the secret inside the
/// text (so the result echoes it).
async fn echo_a_secret(extra: &[&str]) -> (TestGateway, Value) {
    let home = tempfile::tempdir().unwrap();
    let mut set = switchboard(home.path())
        .args(["secret", "set", "needs-secret.token"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = set.stdin.take().unwrap();
    stdin
        .write_all(format!("{SECRET}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = set.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gw = TestGateway::start_in(
        home,
        &fixture_catalog(),
        extra,
        "info,switchboard=debug",
        &[],
    )
    .await;
    let added = gw.call("mcp-add", json!({"name": "needs-secret"})).await;
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    let said = format!("the token is {SECRET}!");
    let echoed = gw
        .call(
            "echo",
            json!({"text": said, "needs-secret.token": "a key named like it"}),
        )
        .await;
    assert_eq!(text(&echoed), said, "the fixture echoes the secret back");
    let record = wait_record(&log_file(gw.home()), "echo", |r| is_tool(r, "echo")).await;
    (gw, record)
}

/// With `--log-arguments` the arguments and result are there with the secret value redacted
/// (inside the text too) and the value under the secret's key replaced; without it neither is
/// there. The secret is in neither file, nor in the gateway's own log.
#[tokio::test]
async fn secrets_never_reach_the_log() {
    let (gw, record) = echo_a_secret(&["--log-arguments"]).await;
    assert_eq!(record["server"], "needs-secret", "{record}");
    assert_eq!(
        record["arguments"],
        json!({"text": "the token is [redacted]!", "needs-secret.token": "[redacted]"}),
        "{record}"
    );
    let result = record["result"].to_string();
    assert!(result.contains("the token is [redacted]!"), "{result}");
    let file = std::fs::read_to_string(log_file(gw.home())).unwrap();
    assert!(!file.contains(SECRET), "{file}");
    let (_, shown, _) = cli(gw.home(), &["logs"]).await;
    assert!(
        shown.contains("[redacted]") && !shown.contains(SECRET),
        "{shown}"
    );
    assert!(!gw.stderr().contains(SECRET));

    let (gw, record) = echo_a_secret(&[]).await;
    assert!(
        record.get("arguments").is_none() && record.get("result").is_none(),
        "{record}"
    );
    let file = std::fs::read_to_string(log_file(gw.home())).unwrap();
    assert!(!file.contains(SECRET), "{file}");
}

/// `--call-log -` writes the records to stderr; stdout carries JSON-RPC and nothing else; no
/// file is written. `--call-log none` writes nothing at all.
#[tokio::test]
async fn the_log_can_go_to_stderr_or_nowhere() {
    let catalog = fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    let mut child = switchboard(home.path())
        .arg("run")
        .arg("--catalog")
        .arg(&catalog)
        .args(["--call-log", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let messages = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "call-log-test", "version": "0"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "mcp-find", "arguments": {"query": "echo"}}}),
    ];
    for message in messages {
        stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .unwrap();
    }
    stdin.flush().await.unwrap();
    let answered = async {
        loop {
            let line = stdout.next_line().await.unwrap().expect("stdout open");
            let message: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout is not pure JSON-RPC ({e}): {line}"));
            assert_eq!(message["jsonrpc"], "2.0", "{line}");
            if message["id"] == 2 {
                return message;
            }
        }
    };
    let answer = tokio::time::timeout(STEP, answered)
        .await
        .expect("tools/call answered");
    assert!(answer.get("result").is_some(), "{answer}");
    let logged = async {
        loop {
            let line = stderr.next_line().await.unwrap().expect("stderr open");
            if let Ok(record) = serde_json::from_str::<Value>(&line)
                && record["tool"] == "mcp-find"
            {
                return record;
            }
        }
    };
    let record = tokio::time::timeout(STEP, logged)
        .await
        .expect("a record on stderr");
    assert_eq!(
        (&record["kind"], &record["outcome"]),
        (&json!("tool"), &json!("ok"))
    );
    assert!(!log_file(home.path()).exists(), "no file with --call-log -");
    drop(stdin);
    let _ = tokio::time::timeout(STEP, child.wait()).await;

    let gw = TestGateway::start(&catalog, &["--call-log", "none"]).await;
    gw.call("mcp-find", json!({"query": "echo"})).await;
    let (code, _, err) = cli(gw.home(), &["logs"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("no call log"), "{err}");
    assert!(!log_file(gw.home()).exists());
}

/// `--call-log PATH` writes there; two gateways (two stdio clients) append to one file.
#[tokio::test]
async fn two_gateways_append_to_one_file() {
    let catalog = fixture_catalog();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared/calls.jsonl");
    let path_arg = path.to_str().unwrap();
    let first = TestGateway::start(&catalog, &["--call-log", path_arg, "--workspace", "one"]).await;
    let second =
        TestGateway::start(&catalog, &["--call-log", path_arg, "--workspace", "two"]).await;
    for _ in 0..5 {
        first.call("mcp-find", json!({"query": "echo"})).await;
        second.call("mcp-find", json!({"query": "echo"})).await;
    }
    eventually("both gateways' calls are in the file", || {
        let all = records(&path);
        let of = |w: &str| all.iter().filter(|r| r["workspace"] == w).count();
        std::future::ready(of("one") == 5 && of("two") == 5)
    })
    .await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "{text}"
    );
    let file = path.to_str().unwrap();
    let (_, out, _) = cli(
        dir.path(),
        &["logs", "--file", file, "--workspace", "two", "--json"],
    )
    .await;
    assert_eq!(out.lines().count(), 5, "{out}");
}

/// A call the client cancels is logged as cancelled, as soon as it is, not when the tool
/// would have finished.
#[tokio::test]
async fn a_cancelled_call_is_logged_as_cancelled() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_ne!(added.is_error, Some(true), "{}", text(&added));
    let mut params = rmcp::model::CallToolRequestParams::new("sleep");
    params.arguments = json!({"ms": 30_000}).as_object().cloned();
    let request = rmcp::model::ClientRequest::CallToolRequest(rmcp::model::Request::new(params));
    let handle = gw
        .client()
        .peer()
        .send_cancellable_request(request, rmcp::service::PeerRequestOptions::no_options())
        .await
        .expect("send tools/call");
    handle
        .cancel(Some("changed my mind".into()))
        .await
        .expect("cancel");
    let record = wait_record(&log_file(gw.home()), "the sleep", |r| is_tool(r, "sleep")).await;
    assert_eq!(record["outcome"], "cancelled", "{record}");
    assert!(
        record["duration_ms"].as_f64().unwrap() < 30_000.0,
        "{record}"
    );
}
