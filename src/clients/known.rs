//! The clients we know: where each keeps its MCP servers on Linux (user-level, and inside a
//! project for those that have a project file), in which format and under which key.
//! Locations follow each client's documentation; those built on Electron or on the `dirs` and
//! `etcetera` crates (VS Code, Cline, Zed, Goose, Claude Desktop) honour `XDG_CONFIG_HOME`.

use std::path::{Path, PathBuf};

use crate::clients::entry::Style;

/// The directories a client's location depends on, as values (only `src/cli/` reads the
/// environment).
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The user's home (`HOME`).
    pub home: PathBuf,
    /// `XDG_CONFIG_HOME`, if set.
    pub xdg_config: Option<PathBuf>,
}

impl Dirs {
    /// `$XDG_CONFIG_HOME`, else `~/.config` (a relative value is ignored, as the XDG spec says).
    fn config(&self) -> PathBuf {
        match &self.xdg_config {
            Some(dir) if dir.is_absolute() => dir.clone(),
            _ => self.home.join(".config"),
        }
    }
}

/// Which of a client's files: the user's, or the one inside a project directory.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    User,
    Project(&'a Path),
}

/// How a client's file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// JSON read with `JSON.parse`: no comments.
    Json,
    /// JSON with comments and trailing commas.
    Jsonc,
    Toml,
    Yaml,
}

/// One client we can connect.
#[derive(Debug)]
pub(crate) struct Client {
    /// What `switchboard client connect` calls it.
    pub(crate) name: &'static str,
    /// What the client calls itself.
    pub(crate) title: &'static str,
    pub(crate) format: Format,
    /// The key of the map of servers in the file.
    pub(crate) section: &'static str,
    pub(crate) style: Style,
    /// The user-level file, or why there is none on this system.
    user: fn(&Dirs) -> Result<PathBuf, String>,
    /// The project file, relative to the project directory.
    project: Option<&'static str>,
}

impl Client {
    /// The file for `scope`, or why there is none.
    pub(crate) fn path(&self, dirs: &Dirs, scope: Scope<'_>) -> Result<PathBuf, String> {
        match scope {
            Scope::User => (self.user)(dirs),
            Scope::Project(dir) => match self.project {
                Some(file) => Ok(dir.join(file)),
                None => Err(format!(
                    "{} has no project-level config file; leave out --project to write the user's",
                    self.title
                )),
            },
        }
    }
}

/// Every client, in the order `client ls` shows them.
pub(crate) const CLIENTS: &[Client] = &[
    Client {
        name: "claude-code",
        title: "Claude Code",
        format: Format::Json,
        section: "mcpServers",
        style: Style::ClaudeCode,
        user: |dirs| Ok(dirs.home.join(".claude.json")),
        project: Some(".mcp.json"),
    },
    Client {
        name: "claude-desktop",
        title: "Claude Desktop",
        format: Format::Json,
        section: "mcpServers",
        style: Style::ClaudeDesktop,
        user: claude_desktop,
        project: None,
    },
    Client {
        name: "cursor",
        title: "Cursor",
        format: Format::Json,
        section: "mcpServers",
        style: Style::Cursor,
        user: |dirs| Ok(dirs.home.join(".cursor/mcp.json")),
        project: Some(".cursor/mcp.json"),
    },
    Client {
        name: "vscode",
        title: "VS Code",
        format: Format::Jsonc,
        section: "servers",
        style: Style::VsCode,
        user: |dirs| Ok(dirs.config().join("Code/User/mcp.json")),
        project: Some(".vscode/mcp.json"),
    },
    Client {
        name: "windsurf",
        title: "Windsurf",
        format: Format::Json,
        section: "mcpServers",
        style: Style::Windsurf,
        user: |dirs| Ok(dirs.home.join(".codeium/windsurf/mcp_config.json")),
        project: None,
    },
    Client {
        name: "codex",
        title: "Codex",
        format: Format::Toml,
        section: "mcp_servers",
        style: Style::Codex,
        user: |dirs| Ok(dirs.home.join(".codex/config.toml")),
        project: Some(".codex/config.toml"),
    },
    Client {
        name: "gemini",
        title: "Gemini CLI",
        format: Format::Jsonc,
        section: "mcpServers",
        style: Style::Gemini,
        user: |dirs| Ok(dirs.home.join(".gemini/settings.json")),
        project: Some(".gemini/settings.json"),
    },
    Client {
        name: "zed",
        title: "Zed",
        format: Format::Jsonc,
        section: "context_servers",
        style: Style::Zed,
        user: |dirs| Ok(dirs.config().join("zed/settings.json")),
        project: Some(".zed/settings.json"),
    },
    Client {
        name: "cline",
        title: "Cline",
        format: Format::Json,
        section: "mcpServers",
        style: Style::Cline,
        user: |dirs| {
            Ok(dirs.config().join(
                "Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json",
            ))
        },
        project: None,
    },
    Client {
        name: "goose",
        title: "Goose",
        format: Format::Yaml,
        section: "extensions",
        style: Style::Goose,
        user: |dirs| Ok(dirs.config().join("goose/config.yaml")),
        project: None,
    },
];

/// Claude Desktop has no official Linux build; the community builds keep Electron's layout.
/// Its directory existing is the sign one is installed.
fn claude_desktop(dirs: &Dirs) -> Result<PathBuf, String> {
    let dir = dirs.config().join("Claude");
    if dir.is_dir() {
        Ok(dir.join("claude_desktop_config.json"))
    } else {
        Err(format!(
            "Claude Desktop has no official Linux build, and {} (where community builds keep \
             claude_desktop_config.json) does not exist",
            dir.display()
        ))
    }
}

/// The client called `name`.
pub(crate) fn find(name: &str) -> Option<&'static Client> {
    CLIENTS.iter().find(|client| client.name == name)
}

/// The names of every known client, for the command line.
pub fn names() -> Vec<&'static str> {
    CLIENTS.iter().map(|client| client.name).collect()
}
