//! `switchboard client connect|ls|disconnect` against each client's real config file, in a
//! temporary HOME: files taken from each client's documented format (with other servers and,
//! where the format allows, comments) keep everything but our entry, byte for byte.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::common::clean_environment;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Json,
    Jsonc,
    Toml,
    Yaml,
}

/// One client: its fixture, where it goes under HOME, and how our entry looks there.
struct Case {
    client: &'static str,
    fixture: &'static str,
    path: &'static str,
    format: Format,
    section: &'static str,
    /// The key of the command (`cmd` for Goose).
    command: &'static str,
    /// Comments in the fixture that must survive every edit.
    comments: &'static [&'static str],
    /// The project file, relative to the project directory, for clients that have one.
    project: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        client: "claude-code",
        fixture: "claude-code.json",
        path: ".claude.json",
        format: Format::Json,
        section: "mcpServers",
        command: "command",
        comments: &[],
        project: Some(".mcp.json"),
    },
    Case {
        client: "claude-desktop",
        fixture: "claude-desktop.json",
        path: ".config/Claude/claude_desktop_config.json",
        format: Format::Json,
        section: "mcpServers",
        command: "command",
        comments: &[],
        project: None,
    },
    Case {
        client: "cursor",
        fixture: "cursor.json",
        path: ".cursor/mcp.json",
        format: Format::Json,
        section: "mcpServers",
        command: "command",
        comments: &[],
        project: Some(".cursor/mcp.json"),
    },
    Case {
        client: "vscode",
        fixture: "vscode.jsonc",
        path: ".config/Code/User/mcp.json",
        format: Format::Jsonc,
        section: "servers",
        command: "command",
        comments: &[
            "// Inputs are prompted on first server start",
            "// https://github.com/github/github-mcp-server/",
            "/* Perplexity, run locally */",
        ],
        project: Some(".vscode/mcp.json"),
    },
    Case {
        client: "windsurf",
        fixture: "windsurf.json",
        path: ".codeium/windsurf/mcp_config.json",
        format: Format::Json,
        section: "mcpServers",
        command: "command",
        comments: &[],
        project: None,
    },
    Case {
        client: "codex",
        fixture: "codex.toml",
        path: ".codex/config.toml",
        format: Format::Toml,
        section: "mcp_servers",
        command: "command",
        comments: &[
            "# ~/.codex/config.toml",
            "# ask before running commands",
            "# The docs server needs its key.",
        ],
        project: Some(".codex/config.toml"),
    },
    Case {
        client: "gemini",
        fixture: "gemini.jsonc",
        path: ".gemini/settings.json",
        format: Format::Jsonc,
        section: "mcpServers",
        command: "command",
        comments: &["// Gemini CLI settings", "/* A remote one */"],
        project: Some(".gemini/settings.json"),
    },
    Case {
        client: "zed",
        fixture: "zed.jsonc",
        path: ".config/zed/settings.json",
        format: Format::Jsonc,
        section: "context_servers",
        command: "command",
        comments: &["// Zed settings", "// Run locally.", "// a token"],
        project: Some(".zed/settings.json"),
    },
    Case {
        client: "cline",
        fixture: "cline.json",
        path: ".config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
        format: Format::Json,
        section: "mcpServers",
        command: "command",
        comments: &[],
        project: None,
    },
    Case {
        client: "goose",
        fixture: "goose.yaml",
        path: ".config/goose/config.yaml",
        format: Format::Yaml,
        section: "extensions",
        command: "cmd",
        comments: &[
            "# goose configuration",
            "# GitHub, added by hand",
            "# Keep the tool output short.",
        ],
        project: None,
    },
];

fn case(client: &str) -> &'static Case {
    CASES.iter().find(|c| c.client == client).unwrap()
}

/// `switchboard ARGS...` with HOME and SWITCHBOARD_HOME at `home` and nothing else of ours.
fn switchboard(home: &Path, args: &[&str]) -> Output {
    switchboard_env(home, args, &[])
}

fn switchboard_env(home: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    clean_environment(&mut command, home);
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run switchboard")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixture(name: &str) -> String {
    let path = switchboard_testsupport::repo_root()
        .join("tests/fixtures/clients")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn place(home: &Path, relative: &str, text: &str) -> PathBuf {
    let path = home.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

/// The file parsed by its format's own parser, as JSON.
fn parse(format: Format, text: &str) -> Value {
    match format {
        Format::Json => serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}")),
        Format::Jsonc => jsonc_parser::parse_to_serde_value::<Value>(
            text,
            &jsonc_parser::ParseOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}:\n{text}")),
        Format::Toml => {
            let document: toml_edit::DocumentMut =
                text.parse().unwrap_or_else(|e| panic!("{e}:\n{text}"));
            toml_item(document.as_item())
        }
        Format::Yaml => {
            let value: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
            serde_json::to_value(value).unwrap()
        }
    }
}

fn toml_item(item: &toml_edit::Item) -> Value {
    match item {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(value) => toml_value(value),
        toml_edit::Item::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| (k.to_string(), toml_item(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(tables) => Value::Array(
            tables
                .iter()
                .map(|t| toml_item(&toml_edit::Item::Table(t.clone())))
                .collect(),
        ),
    }
}

fn toml_value(value: &toml_edit::Value) -> Value {
    match value {
        toml_edit::Value::String(s) => json!(s.value()),
        toml_edit::Value::Integer(i) => json!(i.value()),
        toml_edit::Value::Float(f) => json!(f.value()),
        toml_edit::Value::Boolean(b) => json!(b.value()),
        toml_edit::Value::Datetime(d) => json!(d.value().to_string()),
        toml_edit::Value::Array(a) => Value::Array(a.iter().map(toml_value).collect()),
        toml_edit::Value::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_value(v)))
                .collect(),
        ),
    }
}

/// The document without our entry.
fn without_ours(mut document: Value, section: &str) -> Value {
    if let Some(servers) = document.get_mut(section).and_then(Value::as_object_mut) {
        servers.remove("switchboard");
    }
    document
}

fn binary() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_switchboard")).unwrap()
}

/// Our entry in `path`, checked to start this binary as `switchboard run`.
fn assert_stdio_entry(case: &Case, path: &Path) -> Value {
    let document = parse(case.format, &std::fs::read_to_string(path).unwrap());
    let entry = document[case.section]["switchboard"].clone();
    let command = entry[case.command]
        .as_str()
        .unwrap_or_else(|| panic!("{entry}"));
    assert_eq!(
        std::fs::canonicalize(command).unwrap(),
        binary(),
        "{}: {entry}",
        case.client
    );
    assert_eq!(entry["args"], json!(["run"]), "{}: {entry}", case.client);
    document
}

fn ls(home: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["client", "ls", "--json"];
    args.extend_from_slice(extra);
    let list: Value = serde_json::from_str(&ok(&switchboard(home, &args))).unwrap();
    list.as_array().unwrap().clone()
}

fn listed(home: &Path, client: &str, extra: &[&str]) -> Value {
    ls(home, extra)
        .into_iter()
        .find(|c| c["name"] == client)
        .unwrap_or_else(|| panic!("{client} not listed"))
}

/// Connect, connect again, list, disconnect, disconnect again: into the documented file.
fn connect_into_existing_file(case: &Case) {
    let home = tempfile::tempdir().unwrap();
    let original = fixture(case.fixture);
    let path = place(home.path(), case.path, &original);
    let before = parse(case.format, &original);

    let out = ok(&switchboard(
        home.path(),
        &["client", "connect", case.client],
    ));
    assert!(out.contains("connected"), "{out}");
    let connected_text = std::fs::read_to_string(&path).unwrap();
    let after = assert_stdio_entry(case, &path);
    assert_eq!(
        without_ours(after, case.section),
        before,
        "{}: other entries changed",
        case.client
    );
    for comment in case.comments {
        assert!(
            connected_text.contains(comment),
            "{}: lost {comment:?}:\n{connected_text}",
            case.client
        );
    }
    let backup = path.with_file_name(format!(
        "{}.switchboard.bak",
        path.file_name().unwrap().to_string_lossy()
    ));
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    let backup_written = std::fs::metadata(&backup).unwrap().mtime_nsec();

    // Twice changes nothing: same bytes, same file (no rewrite), no new backup.
    let inode = std::fs::metadata(&path).unwrap().ino();
    let out = ok(&switchboard(
        home.path(),
        &["client", "connect", case.client],
    ));
    assert!(out.contains("already connected"), "{}: {out}", case.client);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), connected_text);
    assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
    assert_eq!(
        std::fs::metadata(&backup).unwrap().mtime_nsec(),
        backup_written
    );

    let status = listed(home.path(), case.client, &[]);
    assert_eq!(status["connected"], json!(true), "{status}");
    assert_eq!(
        status["path"],
        json!(path.display().to_string()),
        "{status}"
    );

    let out = ok(&switchboard(
        home.path(),
        &["client", "disconnect", case.client],
    ));
    assert!(out.contains("disconnected"), "{out}");
    let disconnected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        disconnected, original,
        "{}: disconnect did not restore the file",
        case.client
    );
    assert_eq!(
        listed(home.path(), case.client, &[])["connected"],
        json!(false)
    );
    let out = ok(&switchboard(
        home.path(),
        &["client", "disconnect", case.client],
    ));
    assert!(out.contains("was not connected"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

/// A client whose file does not exist yet: it is created, parent directories too.
fn connect_creates_missing_file(case: &Case) {
    let home = tempfile::tempdir().unwrap();
    if case.client == "claude-desktop" {
        std::fs::create_dir_all(home.path().join(".config/Claude")).unwrap();
    }
    let path = home.path().join(case.path);
    assert!(!path.exists());
    ok(&switchboard(
        home.path(),
        &["client", "connect", case.client],
    ));
    assert_stdio_entry(case, &path);
    let mode = std::fs::metadata(&path).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", case.client);
    assert_eq!(
        listed(home.path(), case.client, &[])["connected"],
        json!(true)
    );
    ok(&switchboard(
        home.path(),
        &["client", "disconnect", case.client],
    ));
    let document = parse(case.format, &std::fs::read_to_string(&path).unwrap());
    assert!(
        document[case.section].get("switchboard").is_none(),
        "{document}"
    );
}

#[test]
fn every_client_connects_into_its_documented_file_and_back() {
    for case in CASES {
        connect_into_existing_file(case);
    }
}

#[test]
fn every_client_gets_its_file_created_when_missing() {
    for case in CASES {
        connect_creates_missing_file(case);
    }
}

#[test]
fn ls_lists_every_client_with_its_path() {
    let home = tempfile::tempdir().unwrap();
    let list = ls(home.path(), &[]);
    let names: Vec<&str> = list.iter().map(|c| c["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = CASES.iter().map(|c| c.client).collect();
    assert_eq!(names, expected);
    for (status, case) in list.iter().zip(CASES) {
        assert_eq!(status["connected"], json!(false));
        let path = match case.client {
            // No ~/.config/Claude: no known location.
            "claude-desktop" => Value::Null,
            _ => json!(home.path().join(case.path).display().to_string()),
        };
        assert_eq!(status["path"], path, "{status}");
    }
    let table = ok(&switchboard(home.path(), &["client", "ls"]));
    assert!(table.starts_with("CLIENT"), "{table}");
    assert!(
        table.contains("claude-desktop  no         (not found on this system)"),
        "{table}"
    );
}

#[test]
fn project_files_for_clients_that_have_them_and_errors_for_the_others() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path().to_str().unwrap();
    for case in CASES {
        let out = switchboard(
            home.path(),
            &["client", "connect", case.client, "--project", dir],
        );
        match case.project {
            Some(file) => {
                ok(&out);
                let path = project.path().join(file);
                assert_stdio_entry(case, &path);
                assert!(
                    !home.path().join(case.path).exists(),
                    "{}: user file written",
                    case.client
                );
                let status = listed(home.path(), case.client, &["--project", dir]);
                assert_eq!(status["connected"], json!(true), "{status}");
                assert_eq!(status["path"], json!(path.display().to_string()));
            }
            None => {
                let error = failed(&out);
                assert!(error.contains("no project-level config file"), "{error}");
                assert!(
                    error.contains("switchboard") && error.contains(case.section),
                    "{}: no snippet: {error}",
                    case.client
                );
                assert_eq!(
                    listed(home.path(), case.client, &["--project", dir])["path"],
                    Value::Null
                );
            }
        }
    }
    // The project's other files (VS Code's and Zed's share nothing) and the user's are untouched.
    let written: Vec<String> = walk(project.path());
    assert_eq!(written.len(), 6, "{written:?}");
    ok(&switchboard(
        home.path(),
        &["client", "disconnect", "codex", "--project", dir],
    ));
    let codex = parse(
        Format::Toml,
        &std::fs::read_to_string(project.path().join(".codex/config.toml")).unwrap(),
    );
    assert!(
        codex
            .get("mcp_servers")
            .is_none_or(|s| s.get("switchboard").is_none()),
        "{codex}"
    );
}

/// Config files under `dir`, backups aside.
fn walk(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else if !path.to_string_lossy().ends_with(".bak") {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn malformed_files_are_refused_untouched() {
    let broken = [
        (
            "claude-code",
            "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\"},,\n  }\n}\n",
            3,
        ),
        // A comment is not JSON: Cursor reads its file with JSON.parse.
        (
            "cursor",
            "{\n  // no comments in JSON\n  \"mcpServers\": {}\n}\n",
            2,
        ),
        (
            "vscode",
            "{\n\t\"servers\": {\n\t\t\"a\": {\"command\" \"x\"}\n\t}\n}\n",
            3,
        ),
        (
            "codex",
            "model = \"gpt-5\"\n[mcp_servers.a\ncommand = \"x\"\n",
            2,
        ),
        ("goose", "extensions:\n  a:\n    cmd: [unclosed\n", 3),
    ];
    for (client, text, line) in broken {
        let home = tempfile::tempdir().unwrap();
        let path = place(home.path(), case(client).path, text);
        let error = failed(&switchboard(home.path(), &["client", "connect", client]));
        assert!(
            error.contains(&path.display().to_string()),
            "{client}: {error}"
        );
        assert!(error.contains(&format!("line {line}")), "{client}: {error}");
        assert!(error.contains("nothing was changed"), "{client}: {error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let files = walk(home.path());
        assert_eq!(
            files,
            vec![path.display().to_string()],
            "{client}: wrote more"
        );
        assert!(!path.with_extension("json.switchboard.bak").exists());
        // Nor with a URL: no token is made for a file we cannot write.
        let error = failed(&switchboard(
            home.path(),
            &[
                "client",
                "connect",
                client,
                "--url",
                "http://127.0.0.1:1/mcp",
                "--token-name",
                "t",
            ],
        ));
        assert!(error.contains("line"), "{error}");
        assert!(
            !home.path().join("tokens.json").exists(),
            "{client}: a token was made"
        );
    }
}

#[test]
fn claude_desktop_without_its_directory_gets_a_snippet() {
    let home = tempfile::tempdir().unwrap();
    let error = failed(&switchboard(
        home.path(),
        &["client", "connect", "claude-desktop"],
    ));
    assert!(error.contains("no official Linux build"), "{error}");
    let snippet = &error[error.find('{').expect("a JSON snippet")..];
    let snippet: Value =
        serde_json::from_str(snippet.trim()).unwrap_or_else(|e| panic!("{e}: {error}"));
    let command = snippet["mcpServers"]["switchboard"]["command"]
        .as_str()
        .unwrap();
    assert_eq!(std::fs::canonicalize(command).unwrap(), binary());
    assert!(walk(home.path()).is_empty(), "something was written");
    // With a URL, the snippet holds a placeholder, and no token is made.
    let error = failed(&switchboard(
        home.path(),
        &[
            "client",
            "connect",
            "claude-desktop",
            "--url",
            "http://127.0.0.1:8811/mcp",
            "--token-name",
            "desk",
        ],
    ));
    assert!(error.contains("switchboard token create desk"), "{error}");
    assert!(!home.path().join("tokens.json").exists());
}

#[test]
fn xdg_config_home_is_honoured_where_the_client_honours_it() {
    let home = tempfile::tempdir().unwrap();
    let xdg = home.path().join("xdg");
    let env = [("XDG_CONFIG_HOME", xdg.as_path())];
    ok(&switchboard_env(
        home.path(),
        &["client", "connect", "vscode"],
        &env,
    ));
    assert_stdio_entry(case("vscode"), &xdg.join("Code/User/mcp.json"));
    ok(&switchboard_env(
        home.path(),
        &["client", "connect", "goose"],
        &env,
    ));
    assert_stdio_entry(case("goose"), &xdg.join("goose/config.yaml"));
    // Claude Code keeps ~/.claude.json whatever XDG says.
    ok(&switchboard_env(
        home.path(),
        &["client", "connect", "claude-code"],
        &env,
    ));
    assert_stdio_entry(case("claude-code"), &home.path().join(".claude.json"));
}

/// The bearer token our entry holds, wherever the client keeps the header.
fn bearer(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => s.strip_prefix("Bearer ").map(str::to_string),
        Value::Array(items) => items.iter().find_map(bearer),
        Value::Object(map) => map.values().find_map(bearer),
        _ => None,
    }
}

fn token_in(case: &Case, path: &Path) -> String {
    let document = parse(case.format, &std::fs::read_to_string(path).unwrap());
    bearer(&document[case.section]["switchboard"]).unwrap_or_else(|| panic!("no token: {document}"))
}

#[tokio::test]
async fn url_entries_carry_a_token_the_gateway_accepts() {
    let gateway = crate::common::http::HttpGateway::start(&["seed"]).await;
    let home = tempfile::tempdir().unwrap();
    // The client's HOME is ours; the gateway's state (tokens) is the gateway's home.
    let connect = |client: &str, name: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
        clean_environment(&mut command, home.path());
        command.env("SWITCHBOARD_HOME", gateway.home()).args([
            "client",
            "connect",
            client,
            "--url",
            &gateway.url,
            "--token-name",
            name,
        ]);
        command.output().unwrap()
    };
    let out = connect("claude-code", "laptop");
    let stdout = ok(&out);
    let claude = case("claude-code");
    let path = home.path().join(claude.path);
    let token = token_in(claude, &path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains(&token) && !stderr.contains(&token),
        "the token was printed"
    );
    let document = parse(Format::Json, &std::fs::read_to_string(&path).unwrap());
    let entry = &document["mcpServers"]["switchboard"];
    assert_eq!(entry["type"], "http");
    assert_eq!(entry["url"], json!(gateway.url));

    let store = switchboard::store::Home::resolve(Some(gateway.home().display().to_string()), None);
    let set = store.tokens().token_set(None).unwrap();
    assert_eq!(
        set.identify(&token).map(|g| g.name.as_str()),
        Some("laptop")
    );
    let url = gateway.url.clone();
    let accepted = token.clone();
    crate::common::eventually("the gateway accepts the new token", || {
        let url = url.clone();
        let token = accepted.clone();
        async move { crate::common::http::initialize(&url, &token).await.status() == 200 }
    })
    .await;

    // Again: nothing changes. Another client with the same name gets the same token.
    let before = std::fs::read_to_string(&path).unwrap();
    assert!(ok(&connect("claude-code", "laptop")).contains("already connected"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    for client in ["codex", "goose", "zed", "windsurf"] {
        let out = ok(&connect(client, "laptop"));
        assert!(out.contains("reused"), "{out}");
        let case = case(client);
        assert_eq!(
            token_in(case, &home.path().join(case.path)),
            token,
            "{client}"
        );
    }
    let document = parse(
        Format::Toml,
        &std::fs::read_to_string(home.path().join(".codex/config.toml")).unwrap(),
    );
    assert_eq!(
        document["mcp_servers"]["switchboard"]["url"],
        json!(gateway.url)
    );

    // A name whose token nobody holds cannot be written again: refused, file untouched.
    gateway.command(&["token", "create", "elsewhere"], "");
    let vscode = home.path().join(case("vscode").path);
    let error = failed(&connect("vscode", "elsewhere"));
    assert!(error.contains("switchboard token rm elsewhere"), "{error}");
    assert!(!vscode.exists());
    // The seeded token was created outside any client file, too.
    assert!(failed(&connect("vscode", "seed")).contains("token rm seed"));
}
