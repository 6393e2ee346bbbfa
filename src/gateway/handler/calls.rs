//! What the handler tells the call log (`crate::calllog`) about a request: the workspace's
//! secrets to redact, the server that owns what was called, and how a failure is classified.

use crate::calllog::Redactor;
use crate::gateway::Workspace;
use crate::gateway::inputs::Failure;
use crate::gateway::workspace::CallError;

/// The server the meta-tools belong to, in the log.
pub(super) const META_SERVER: &str = "switchboard";

/// Every secret value this workspace's added servers were given, and the names (and variable
/// names) of the secrets their catalog entries declare.
pub(super) fn redactor(workspace: &Workspace) -> Redactor {
    let scope = workspace.secret_scope();
    let catalog = workspace.gateway().catalog.catalog();
    let mut values = Vec::new();
    let mut keys = Vec::new();
    for server in workspace.added() {
        let Some(entry) = catalog.get(&server) else {
            continue;
        };
        let oauth =
            entry
                .oauth
                .iter()
                .flat_map(|o| &o.providers)
                .map(|p| crate::catalog::SecretSpec {
                    name: p.secret.clone(),
                    env: p.env.clone(),
                    optional: true,
                });
        for spec in entry.secrets.iter().cloned().chain(oauth) {
            if let Some(secret) = scope.lookup(&spec) {
                values.push(secret.expose().to_string());
            }
            keys.push(spec.name);
            keys.push(spec.env);
        }
    }
    Redactor::new(values, keys)
}

/// The kind of a forwarded request's failure, as the log names it.
pub(super) fn failure_kind(failure: &Failure) -> &'static str {
    match failure {
        Failure::Input(_) => "input",
        Failure::Call(error) => error_kind(error),
    }
}

/// The kind of a routing or upstream failure, as the log names it.
pub(super) fn error_kind(error: &CallError) -> &'static str {
    use crate::upstream::Error as Upstream;
    match error {
        CallError::UnknownTool { .. } => "unknown_tool",
        CallError::UnknownPrompt { .. } => "unknown_prompt",
        CallError::UnknownResource { .. } => "unknown_resource",
        CallError::Removed { .. } => "removed",
        CallError::Restart { .. } => "start",
        CallError::Upstream(error) => match error {
            Upstream::Runtime { .. } => "runtime",
            Upstream::Unreachable { .. } => "unreachable",
            Upstream::ExitedDuringStart { .. } | Upstream::Handshake { .. } => "start",
            Upstream::StartTimeout { .. } => "timeout",
            Upstream::Closed { .. } => "closed",
            Upstream::Rejected { .. } => "upstream",
            Upstream::Protocol { .. } => "protocol",
        },
    }
}

/// The server a failure names, if any.
pub(super) fn failure_server(failure: &Failure) -> Option<&str> {
    use crate::upstream::Error as Upstream;
    let Failure::Call(error) = failure else {
        return None;
    };
    let server = match error {
        CallError::Removed { server } | CallError::Restart { server, .. } => server,
        CallError::Upstream(
            Upstream::Runtime { server, .. }
            | Upstream::Unreachable { server, .. }
            | Upstream::ExitedDuringStart { server, .. }
            | Upstream::StartTimeout { server, .. }
            | Upstream::Handshake { server, .. }
            | Upstream::Closed { server, .. }
            | Upstream::Rejected { server, .. }
            | Upstream::Protocol { server, .. },
        ) => server,
        CallError::UnknownTool { .. }
        | CallError::UnknownPrompt { .. }
        | CallError::UnknownResource { .. } => return None,
    };
    Some(server.as_str())
}

/// What a response sends back, serializable for the log (rmcp's response enums are not).
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(super) enum Answer<'a> {
    Tool(&'a rmcp::model::CallToolResult),
    Prompt(&'a rmcp::model::GetPromptResult),
    Resource(&'a rmcp::model::ReadResourceResult),
    Input(&'a rmcp::model::InputRequiredResult),
    Task(&'a rmcp::model::CreateTaskResult),
    /// A kind of response a later rmcp adds.
    Other,
}

/// A response whose content the log measures.
pub(super) trait Answered {
    fn answer(&self) -> Answer<'_>;
}

impl Answered for rmcp::model::CallToolResponse {
    fn answer(&self) -> Answer<'_> {
        match self {
            Self::Complete(result) => Answer::Tool(result),
            Self::InputRequired(input) => Answer::Input(input),
            Self::Task(task) => Answer::Task(task),
            _ => Answer::Other,
        }
    }
}

impl Answered for rmcp::model::GetPromptResponse {
    fn answer(&self) -> Answer<'_> {
        match self {
            Self::Complete(result) => Answer::Prompt(result),
            Self::InputRequired(input) => Answer::Input(input),
            _ => Answer::Other,
        }
    }
}

impl Answered for rmcp::model::ReadResourceResponse {
    fn answer(&self) -> Answer<'_> {
        match self {
            Self::Complete(result) => Answer::Resource(result),
            Self::InputRequired(input) => Answer::Input(input),
            _ => Answer::Other,
        }
    }
}
