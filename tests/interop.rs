use std::process::Command;

use crate::common::fixture_catalog;

/// The Python `mcp` SDK drives the same path as `stdio.rs`: a client we did not write.
#[test]
fn python_sdk_finds_adds_calls_and_removes_over_stdio() {
    let catalog = fixture_catalog();
    let script = switchboard_testsupport::repo_root().join("tests/interop/mcp_path.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("stdio")
        .arg(env!("CARGO_BIN_EXE_switchboard"))
        .arg(&catalog)
        .env("SWITCHBOARD_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .expect("python3 runs (install the SDK with `pip install mcp`)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python interop failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("interop ok"), "{stdout}");
}
