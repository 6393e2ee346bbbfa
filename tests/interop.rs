//! Clients we did not write drive the gateway over stdio: the Python `mcp` SDK and the
//! official TypeScript SDK (their HTTP runs are in `http.rs`).

use std::path::PathBuf;
use std::process::Command;

use crate::common::fixture_catalog;

/// A client script run with a clean environment and a fresh `SWITCHBOARD_HOME`.
fn client(program: &str, script: &std::path::Path, home: &std::path::Path) -> Command {
    let mut command = Command::new(program);
    command.arg(script);
    crate::common::clean_environment(&mut command, home);
    command
}

/// `tests/interop/ts/NAME`, whose SDK `.ci/run` installs (`npm ci --prefix tests/interop/ts`).
pub(crate) fn typescript(name: &str) -> PathBuf {
    let dir = switchboard_testsupport::repo_root().join("tests/interop/ts");
    assert!(
        dir.join("node_modules/@modelcontextprotocol/sdk").is_dir(),
        "the TypeScript SDK is not installed: run `npm ci --prefix tests/interop/ts`"
    );
    dir.join(name)
}

fn assert_ok(what: &str, out: &std::process::Output) {
    assert_ok_beside(what, out, "");
}

/// As [`assert_ok`], with what the gateway logged meanwhile shown on failure.
fn assert_ok_beside(what: &str, out: &std::process::Output, gateway_log: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("interop ok"),
        "{what} failed\nstdout:\n{stdout}\nstderr:\n{stderr}\ngateway:\n{gateway_log}"
    );
}

/// Runs a client script against an HTTP gateway (`program` is `python3` or `node`) and checks
/// it said "interop ok".
pub(crate) async fn run_over_http(
    gw: &crate::common::http::HttpGateway,
    program: &str,
    script: &std::path::Path,
    args: &[&str],
) {
    let out = tokio::process::Command::new(program)
        .arg(script)
        .args(args)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{program} runs (see README for what the tests need): {e}"));
    assert_ok_beside(&script.display().to_string(), &out, &gw.stderr());
}

/// The Python `mcp` SDK drives the same path as `stdio.rs`.
#[test]
fn python_sdk_finds_adds_calls_and_removes_over_stdio() {
    let catalog = fixture_catalog();
    let script = switchboard_testsupport::repo_root().join("tests/interop/mcp_path.py");
    let home = tempfile::tempdir().unwrap();
    let out = client("python3", &script, home.path())
        .arg("stdio")
        .arg(env!("CARGO_BIN_EXE_switchboard"))
        .arg(&catalog)
        .output()
        .expect("python3 runs (install the SDK with `pip install mcp`)");
    assert_ok("python interop", &out);
}

/// The official TypeScript SDK, which many MCP clients are built on, over stdio.
#[test]
fn typescript_sdk_finds_adds_calls_and_removes_over_stdio() {
    let catalog = fixture_catalog();
    let home = tempfile::tempdir().unwrap();
    let workspace = format!("ts-stdio-{}", std::process::id());
    let out = client("node", &typescript("mcp_path.mjs"), home.path())
        .arg("stdio")
        .arg(env!("CARGO_BIN_EXE_switchboard"))
        .arg(&catalog)
        .arg(&workspace)
        .output()
        .expect("node runs");
    assert_ok("typescript interop", &out);
}
