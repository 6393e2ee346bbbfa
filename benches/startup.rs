//! `cargo bench --bench startup`: process start to the first `initialize` answer over stdio,
//! as an MCP client spawning the gateway sees it. `RUNS` fresh gateways each with the bundled
//! catalog and with Docker's (328 servers): `initialize` is written on stdin the moment the
//! process is spawned, and the clock stops when its answer line arrives on stdout. Then the
//! idle RSS of a 328-server gateway after `initialize`, `notifications/initialized` and a
//! `tools/list`, once the background work has settled. The floor, measured in the same run:
//! process start to the exit of `switchboard --version`. Prints one line per measurement and
//! `RESULT start_p50_ms_bundled=… start_p50_ms_328=… rss_idle_kb=… floor_p50_ms=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use switchboard_testsupport::{percentile, rss_kb};

const RUNS: usize = 20;

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"startup-bench","version":"0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const TOOLS_LIST: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}"#;

/// A gateway spawned over stdio, with its pipes.
struct Gateway {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    _home: tempfile::TempDir,
}

impl Gateway {
    /// Spawns `switchboard run` with `catalog` (the bundled one when `None`), sends
    /// `initialize` at once, and returns it with the time to the answer.
    fn start(catalog: Option<&Path>) -> (Gateway, Duration) {
        let home = tempfile::tempdir().expect("temporary home");
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        common::clean_environment(&mut command, home.path());
        command.arg("run");
        if let Some(catalog) = catalog {
            command.arg("--catalog").arg(catalog);
        }
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let started = Instant::now();
        let mut child = command.spawn().expect("spawn switchboard run");
        let mut stdin = child.stdin.take().expect("piped stdin");
        writeln!(stdin, "{INITIALIZE}").expect("write initialize");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let answer = read_line(&mut stdout);
        let elapsed = started.elapsed();
        assert!(
            answer.contains(r#""id":1"#) && answer.contains("serverInfo"),
            "not an initialize answer: {answer}"
        );
        let gateway = Gateway {
            child,
            stdin,
            stdout,
            _home: home,
        };
        (gateway, elapsed)
    }

    /// Sends `request` and returns the next line the gateway writes.
    fn ask(&mut self, request: &str) -> String {
        writeln!(self.stdin, "{request}").expect("write request");
        read_line(&mut self.stdout)
    }

    fn tell(&mut self, notification: &str) {
        writeln!(self.stdin, "{notification}").expect("write notification");
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(stdout: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    let read = stdout.read_line(&mut line).expect("read stdout");
    assert!(read > 0, "the gateway closed stdout before answering");
    line
}

/// Process start to exit of `switchboard --version`: the cost of exec'ing this binary.
fn floor_once() -> Duration {
    let home = tempfile::tempdir().expect("temporary home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    common::clean_environment(&mut command, home.path());
    command
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let status = command.status().expect("run switchboard --version");
    let elapsed = started.elapsed();
    assert!(status.success(), "switchboard --version failed: {status}");
    elapsed
}

/// The RSS once it has stopped moving: at least `settle` after the `tools/list` answer, then
/// until two readings 200 ms apart differ by under 64 KiB (or 10 s have passed).
fn idle_rss_kb(pid: u32, settle: Duration) -> u64 {
    let asked = Instant::now();
    std::thread::sleep(settle);
    let mut last = rss_kb(pid);
    while asked.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(200));
        let now = rss_kb(pid);
        if now.abs_diff(last) < 64 {
            return now;
        }
        last = now;
    }
    last
}

/// In this process, for the record of where start-up goes: loading the 328-server catalog
/// (read, YAML, entries, checks), and the YAML parse alone into a value tree.
fn in_process(docker: &Path) -> (f64, f64) {
    let (mut load, mut yaml) = (Vec::new(), Vec::new());
    let text = std::fs::read_to_string(docker).expect("read the catalog");
    for _ in 0..RUNS {
        let started = Instant::now();
        let catalog =
            switchboard::catalog::load(&[switchboard::catalog::Source::File(docker.to_path_buf())])
                .expect("the catalog loads");
        load.push(ms(started.elapsed()));
        assert!(catalog.len() > 300);
        let started = Instant::now();
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("YAML");
        yaml.push(ms(started.elapsed()));
        drop(value);
    }
    (percentile(&mut load, 0.5), percentile(&mut yaml, 0.5))
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() {
    let docker =
        switchboard_testsupport::repo_root().join("../shared/catalogs/docker-mcp-catalog.yaml");
    assert!(docker.exists(), "missing {}", docker.display());
    // One of each first: page cache, and a first exec's dynamic loading, off the samples.
    drop(Gateway::start(None));
    drop(Gateway::start(Some(&docker)));
    floor_once();
    let (mut bundled, mut big, mut floor) = (Vec::new(), Vec::new(), Vec::new());
    // Interleaved, so that the machine's noise falls on every figure alike.
    for _ in 0..RUNS {
        bundled.push(ms(Gateway::start(None).1));
        big.push(ms(Gateway::start(Some(&docker)).1));
        floor.push(ms(floor_once()));
    }
    let (mut gateway, _) = Gateway::start(Some(&docker));
    gateway.tell(INITIALIZED);
    let tools = gateway.ask(TOOLS_LIST);
    assert!(
        tools.contains(r#""id":2"#) && tools.contains("mcp-find"),
        "not a tools/list answer: {tools}"
    );
    let rss = idle_rss_kb(gateway.child.id(), Duration::from_secs(1));
    drop(gateway);
    let report = |name: &str, samples: &mut Vec<f64>| {
        let p50 = percentile(samples, 0.5);
        println!(
            "{name:<8} p50_ms={p50:.1} p90_ms={:.1} min_ms={:.1} runs={}",
            percentile(samples, 0.9),
            percentile(samples, 0.0),
            samples.len()
        );
        p50
    };
    let (load_ms, yaml_ms) = in_process(&docker);
    println!("in-process load_p50_ms_328={load_ms:.1} (YAML to a value tree alone: {yaml_ms:.1})");
    let bundled_p50 = report("bundled", &mut bundled);
    let big_p50 = report("docker", &mut big);
    let floor_p50 = report("floor", &mut floor);
    println!("rss_idle_kb={rss} (328-server catalog, after tools/list)");
    println!(
        "RESULT start_p50_ms_bundled={bundled_p50:.1} start_p50_ms_328={big_p50:.1} rss_idle_kb={rss} floor_p50_ms={floor_p50:.1}"
    );
}
