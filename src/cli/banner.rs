//! What `switchboard run` says when a person, not an MCP client, started it: a gateway on stdio
//! otherwise sits silent, waiting for JSON-RPC that a terminal will never send.

use std::io::IsTerminal as _;
use std::path::Path;

/// What the banner tells: filled in once the catalog is loaded.
#[derive(Debug)]
pub(super) struct Facts<'a> {
    /// The `--catalog` arguments as given (empty: the bundled catalog).
    pub(super) catalogs: &'a [String],
    /// Servers in the merged catalog.
    pub(super) servers: usize,
    /// `$SWITCHBOARD_HOME`.
    pub(super) home: &'a Path,
    /// Where the call log goes, if anywhere.
    pub(super) call_log: Option<String>,
    /// `None` on stdio; the `/mcp` URL over HTTP (known once bound).
    pub(super) http: Option<String>,
}

/// Prints the banner to stderr when stdin is a terminal; MCP clients start us on pipes, and
/// they see nothing of it.
pub(super) fn print_if_terminal(facts: &Facts<'_>) {
    if std::io::stdin().is_terminal() {
        eprint!("{}", render(facts));
    }
}

/// The banner's text (pure, for tests).
pub(super) fn render(facts: &Facts<'_>) -> String {
    let catalog = if facts.catalogs.is_empty() {
        "bundled".to_string()
    } else {
        facts.catalogs.join(", ")
    };
    let mut out = format!(
        "Switchboard {version}: a dynamic MCP gateway. MCP clients find, add and call \
         containerized MCP servers through it.\n\
         \n  catalog   {catalog} ({servers} servers)\
         \n  state     {home}\n",
        version = env!("CARGO_PKG_VERSION"),
        servers = facts.servers,
        home = facts.home.display(),
    );
    if let Some(log) = &facts.call_log {
        out.push_str(&format!(
            "  call log  {log}  (read it with `switchboard logs --follow`)\n"
        ));
    }
    match &facts.http {
        None => out.push_str(
            "\nIt speaks MCP on stdin/stdout and is now waiting for a client: a person at a \
             terminal has nothing to type here.\n\
             Let a client start it instead:\n\
             \n    switchboard client connect claude-code    (or cursor, vscode, codex, ...; \
             `switchboard client ls` lists them)\n\
             \nOr try the catalog by hand: switchboard catalog search \"github issues\"\n\
             Press Ctrl-C to stop.\n",
        ),
        Some(url) => out.push_str(&format!(
            "\nServing MCP at {url}; the web view is at {ui}.\n\
             Connect a client to it:\n\
             \n    switchboard client connect claude-code --url {url} --token-name NAME\n\
             \nPress Ctrl-C to stop.\n",
            ui = url.trim_end_matches("/mcp").to_string() + "/ui",
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdio_banner_names_the_catalog_state_and_the_connect_command() {
        let text = render(&Facts {
            catalogs: &[],
            servers: 42,
            home: Path::new("/home/u/.config/switchboard"),
            call_log: Some("/home/u/.config/switchboard/logs/calls.jsonl".into()),
            http: None,
        });
        assert!(text.contains("bundled (42 servers)"), "{text}");
        assert!(text.contains("/home/u/.config/switchboard"), "{text}");
        assert!(
            text.contains("switchboard client connect claude-code"),
            "{text}"
        );
        assert!(text.contains("switchboard logs --follow"), "{text}");
    }

    #[test]
    fn http_banner_gives_the_url_and_the_web_view() {
        let text = render(&Facts {
            catalogs: &["docker".into(), "./mine.yaml".into()],
            servers: 330,
            home: Path::new("/srv/sb"),
            call_log: None,
            http: Some("http://127.0.0.1:8811/mcp".into()),
        });
        assert!(text.contains("docker, ./mine.yaml (330 servers)"), "{text}");
        assert!(text.contains("http://127.0.0.1:8811/ui"), "{text}");
        assert!(
            text.contains("--url http://127.0.0.1:8811/mcp --token-name NAME"),
            "{text}"
        );
        assert!(!text.contains("call log"), "{text}");
    }
}
