//! Our entry: what a client must run (or reach) to talk to Switchboard, and how each client
//! spells it in its own config (`command`/`args`, `cmd`, `url`, `httpUrl`, `serverUrl`, ...).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::clients::fields::Fields;

/// How a client reaches Switchboard.
#[derive(Clone, PartialEq, Eq)]
pub enum Entry {
    /// Start this binary as `switchboard run` and speak MCP over its stdio.
    Stdio { command: PathBuf },
    /// A gateway serving streamable HTTP at `url`, with a workspace token.
    Http { url: String, token: String },
}

/// Never shows the token.
impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Entry::Stdio { command } => f.debug_struct("Stdio").field("command", command).finish(),
            Entry::Http { url, .. } => f
                .debug_struct("Http")
                .field("url", url)
                .field("token", &"<redacted>")
                .finish(),
        }
    }
}

/// Which client's dialect an entry is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    ClaudeCode,
    ClaudeDesktop,
    Cursor,
    VsCode,
    Windsurf,
    Codex,
    Gemini,
    Zed,
    Cline,
    Goose,
}

/// What Goose shows beside the extension.
const DESCRIPTION: &str = "Switchboard: find, add and call MCP servers on demand";

impl Style {
    /// Our entry in this client's words, fields in the order the client writes them.
    pub(crate) fn fields(self, entry: &Entry) -> Fields {
        match entry {
            Entry::Stdio { command } => self.stdio(command.to_string_lossy().into_owned()),
            Entry::Http { url, token } => self.http(url, &format!("Bearer {token}")),
        }
    }

    fn stdio(self, command: String) -> Fields {
        let args = json!(["run"]);
        let command = Value::String(command);
        Fields(match self {
            Style::ClaudeCode | Style::VsCode => vec![
                ("type", json!("stdio")),
                ("command", command),
                ("args", args),
            ],
            Style::ClaudeDesktop
            | Style::Cursor
            | Style::Windsurf
            | Style::Codex
            | Style::Gemini => {
                vec![("command", command), ("args", args)]
            }
            // `source` is what Zed before its untagged settings needed; later ones ignore it.
            Style::Zed => vec![
                ("source", json!("custom")),
                ("command", command),
                ("args", args),
            ],
            Style::Cline => vec![
                ("command", command),
                ("args", args),
                ("disabled", json!(false)),
            ],
            Style::Goose => vec![
                ("name", json!("switchboard")),
                ("type", json!("stdio")),
                ("cmd", command),
                ("args", args),
                ("enabled", json!(true)),
                ("description", json!(DESCRIPTION)),
                ("timeout", json!(300)),
            ],
        })
    }

    fn http(self, url: &str, authorization: &str) -> Fields {
        let headers = json!({ "Authorization": authorization });
        let url_value = json!(url);
        Fields(match self {
            Style::ClaudeCode | Style::VsCode => vec![
                ("type", json!("http")),
                ("url", url_value),
                ("headers", headers),
            ],
            Style::Cursor | Style::Zed => vec![("url", url_value), ("headers", headers)],
            Style::Windsurf => vec![("serverUrl", url_value), ("headers", headers)],
            Style::Gemini => vec![("httpUrl", url_value), ("headers", headers)],
            Style::Codex => vec![("url", url_value), ("http_headers", headers)],
            Style::Cline => vec![
                ("type", json!("streamableHttp")),
                ("url", url_value),
                ("headers", headers),
                ("disabled", json!(false)),
            ],
            Style::Goose => vec![
                ("name", json!("switchboard")),
                ("type", json!("streamable_http")),
                ("uri", url_value),
                ("headers", headers),
                ("enabled", json!(true)),
                ("description", json!(DESCRIPTION)),
                ("timeout", json!(300)),
            ],
            // Claude Desktop's file starts local servers only: the `mcp-remote` bridge (npm)
            // connects to HTTP for it, as its own documentation shows. The header goes through
            // the environment because some launchers split arguments at spaces.
            Style::ClaudeDesktop => {
                let mut args = vec![json!("-y"), json!("mcp-remote"), url_value];
                if url.starts_with("http://") {
                    args.push(json!("--allow-http"));
                }
                args.push(json!("--header"));
                args.push(json!("Authorization:${SWITCHBOARD_AUTHORIZATION}"));
                vec![
                    ("command", json!("npx")),
                    ("args", Value::Array(args)),
                    ("env", json!({ "SWITCHBOARD_AUTHORIZATION": authorization })),
                ]
            }
        })
    }
}

/// The bearer tokens an entry holds (in an `Authorization: Bearer ...` value, wherever the
/// client keeps it).
pub(crate) fn bearer_tokens(value: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_bearers(value, &mut found);
    found
}

fn collect_bearers(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            if let Some(token) = text.strip_prefix("Bearer ") {
                found.push(token.trim().to_string());
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_bearers(item, found)),
        Value::Object(map) => map.values().for_each(|item| collect_bearers(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_http_style_carries_the_token_where_we_find_it_again() {
        let entry = Entry::Http {
            url: "http://127.0.0.1:8811/mcp".into(),
            token: "sb_secret".into(),
        };
        for style in [
            Style::ClaudeCode,
            Style::ClaudeDesktop,
            Style::Cursor,
            Style::VsCode,
            Style::Windsurf,
            Style::Codex,
            Style::Gemini,
            Style::Zed,
            Style::Cline,
            Style::Goose,
        ] {
            let value = style.fields(&entry).to_value();
            assert_eq!(
                bearer_tokens(&value),
                vec!["sb_secret".to_string()],
                "{style:?}"
            );
        }
        assert!(!format!("{entry:?}").contains("sb_secret"));
    }
}
