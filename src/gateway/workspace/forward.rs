//! Requests forwarded to added servers: tool calls, prompts, resource reads, completions,
//! resource subscriptions and log levels. Each is routed by the workspace's tables to the
//! server that owns the item (started again first if it had stopped) and its answer returned
//! as the server gave it.

use std::future::Future;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestParams, CompleteResult,
    GetPromptRequestParams, GetPromptResponse, ReadResourceRequestParams, ReadResourceResponse,
    Reference,
};

use crate::catalog::ServerName;
use crate::gateway::logging::{self, Level};
use crate::gateway::workspace::{CallError, Change, Workspace};
use crate::upstream::{self, Caller, Upstream};

impl Workspace {
    /// Forwards `tools/call` of the tool exposed as `params.name`.
    pub async fn call_tool(
        &self,
        mut params: CallToolRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<CallToolResponse, CallError> {
        let (server, original) = {
            let state = self.read();
            let Some(route) = state.routes.tool(&params.name) else {
                return Err(CallError::UnknownTool {
                    name: params.name.to_string(),
                    available: state.routes.tool_names(),
                });
            };
            (route.server.clone(), route.original.clone())
        };
        params.name = original.into();
        let outcome = self
            .on_server(&server, |upstream| async move {
                upstream.call_tool(params, caller).await
            })
            .await;
        let ok = matches!(&outcome, Ok(CallToolResponse::Complete(r)) if r.is_error != Some(true));
        self.gateway.metrics.tool_call(server.as_str(), ok);
        outcome
    }

    /// Forwards `prompts/get` of the prompt exposed as `params.name`.
    pub async fn get_prompt(
        &self,
        mut params: GetPromptRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<GetPromptResponse, CallError> {
        let (server, original) = {
            let state = self.read();
            let Some(route) = state.routes.prompt(&params.name) else {
                return Err(CallError::UnknownPrompt { name: params.name });
            };
            (route.server.clone(), route.original.clone())
        };
        params.name = original;
        self.on_server(&server, |upstream| async move {
            upstream.get_prompt(params, caller).await
        })
        .await
    }

    /// Forwards `resources/read` of `params.uri` (a listed URI, a gateway URI standing for a
    /// colliding one, or one of a template). Contents keep the URI the client asked for.
    pub async fn read_resource(
        &self,
        mut params: ReadResourceRequestParams,
        caller: Option<Arc<dyn Caller>>,
    ) -> Result<ReadResourceResponse, CallError> {
        let Some(route) = self.read().routes.resource(&params.uri) else {
            return Err(CallError::UnknownResource { uri: params.uri });
        };
        let asked = std::mem::replace(&mut params.uri, route.uri.clone());
        let mut response = self
            .on_server(&route.server, |upstream| async move {
                upstream.read_resource(params, caller).await
            })
            .await?;
        if asked != route.uri
            && let ReadResourceResponse::Complete(result) = &mut response
        {
            for contents in &mut result.contents {
                rename(contents, &route.uri, &asked);
            }
        }
        Ok(response)
    }

    /// Forwards `completion/complete` for a prompt's or a resource template's argument.
    pub async fn complete(
        &self,
        mut params: CompleteRequestParams,
    ) -> Result<CompleteResult, CallError> {
        let server = {
            let state = self.read();
            match &mut params.r#ref {
                Reference::Prompt(prompt) => {
                    let Some(route) = state.routes.prompt(&prompt.name) else {
                        return Err(CallError::UnknownPrompt {
                            name: prompt.name.clone(),
                        });
                    };
                    prompt.name = route.original.clone();
                    route.server.clone()
                }
                Reference::Resource(template) => {
                    let Some(route) = state.routes.template(&template.uri) else {
                        return Err(CallError::UnknownResource {
                            uri: template.uri.clone(),
                        });
                    };
                    route.server.clone()
                }
                _ => {
                    return Err(CallError::UnknownPrompt {
                        name: "(a completion reference of a kind the gateway does not know)"
                            .to_string(),
                    });
                }
            }
        };
        self.on_server(&server, |upstream| async move {
            upstream.complete(params).await
        })
        .await
    }

    /// Subscribes session `session` to updates of resource `uri` (or, with `on` false, ends
    /// that); the server is subscribed while any session is.
    pub async fn subscribe(&self, session: u64, uri: &str, on: bool) -> Result<(), CallError> {
        let Some(route) = self.read().routes.resource(uri) else {
            return Err(CallError::UnknownResource {
                uri: uri.to_string(),
            });
        };
        // Only the first subscriber and the last to leave reach the server.
        let reaches_server = {
            let mut state = self.write();
            let sessions = state.subscriptions.entry(uri.to_string()).or_default();
            let changed = if on {
                sessions.insert(session)
            } else {
                sessions.remove(&session)
            };
            let now = sessions.len();
            if now == 0 {
                state.subscriptions.remove(uri);
            }
            changed && now == usize::from(on)
        };
        if !reaches_server {
            return Ok(());
        }
        let outcome = self
            .on_server(&route.server, |upstream| async move {
                upstream.subscribe(&route.uri, on).await
            })
            .await;
        if outcome.is_err() && on {
            self.write().subscriptions.remove(uri);
        }
        outcome
    }

    /// Records the log level session `session` asked for, and asks every server with logging
    /// for the most verbose level any session wants.
    pub async fn set_level(&self, session: u64, level: Level) {
        let upstreams: Vec<Arc<Upstream>> = {
            let mut state = self.write();
            state.log_levels.insert(session, level);
            state
                .servers
                .values()
                .filter_map(|a| a.upstream.clone())
                .collect()
        };
        for upstream in upstreams {
            self.pass_log_level(&upstream).await;
        }
    }

    /// The log level session `session` asked for.
    pub fn log_level(&self, session: u64) -> Option<Level> {
        self.read().log_levels.get(&session).copied()
    }

    /// Tells `upstream` the most verbose log level the workspace's sessions asked for, if any
    /// asked.
    pub(super) async fn pass_log_level(&self, upstream: &Upstream) {
        let level = logging::most_verbose(self.read().log_levels.values().copied());
        if let Some(level) = level
            && let Err(error) = upstream.set_level(level).await
        {
            tracing::debug!(error = %error, "a server refused logging/setLevel");
        }
    }

    /// Forgets what session `session` asked for (subscriptions, log level) once it ended; the
    /// servers are unsubscribed from what no session follows any more.
    pub fn leave(&self, session: u64) {
        let dropped: Vec<String> = {
            let mut state = self.write();
            state.log_levels.remove(&session);
            let mut dropped = Vec::new();
            state.subscriptions.retain(|uri, sessions| {
                let left = sessions.remove(&session) && sessions.is_empty();
                if left {
                    dropped.push(uri.clone());
                }
                !sessions.is_empty()
            });
            dropped
        };
        let (Some(workspace), false) = (self.me.upgrade(), dropped.is_empty()) else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                for uri in dropped {
                    let Some(route) = workspace.read().routes.resource(&uri) else {
                        continue;
                    };
                    let upstream = workspace
                        .read()
                        .servers
                        .get(&route.server)
                        .and_then(|a| a.upstream.clone());
                    if let Some(upstream) = upstream
                        && let Err(error) = upstream.subscribe(&route.uri, false).await
                    {
                        tracing::debug!(error = %error, "unsubscribing a resource no session follows failed");
                    }
                }
            });
        }
    }

    /// Whether session `session` wants to hear of `change` (list changes always; a resource
    /// update if it subscribed; a log line if its level lets it through).
    pub fn wants(&self, session: u64, change: &Change) -> bool {
        let state = self.read();
        match change {
            Change::Lists { .. } => true,
            Change::Updated { uri } => state
                .subscriptions
                .get(uri)
                .is_some_and(|sessions| sessions.contains(&session)),
            Change::Log(message) => {
                logging::passes(message, state.log_levels.get(&session).copied())
            }
        }
    }

    /// Runs `work` on `server`'s connection, starting the server again first if it stopped;
    /// the connection counts as busy meanwhile, and is dropped if the server died during it.
    async fn on_server<T, F, Fut>(&self, server: &ServerName, work: F) -> Result<T, CallError>
    where
        F: FnOnce(Arc<Upstream>) -> Fut,
        Fut: Future<Output = Result<T, upstream::Error>>,
    {
        let (upstream, mut in_flight) = {
            let state = self.read();
            let upstream = state
                .servers
                .get(server)
                .ok_or_else(|| CallError::Removed {
                    server: server.clone(),
                })?
                .upstream
                .clone();
            // Taken under the lock: the idle sweep checks it under the same lock.
            let in_flight = upstream.as_ref().map(|u| u.begin());
            (upstream, in_flight)
        };
        let upstream = match upstream {
            Some(upstream) if !upstream.is_closed() => upstream,
            // Boxed, as is `forget` below: starting a server is a future many kilobytes
            // big, which inline would be copied with every forwarded call's future.
            stale => {
                let upstream = Box::pin(self.restart(server, stale)).await?;
                in_flight = Some(upstream.begin());
                upstream
            }
        };
        let _in_flight = in_flight;
        match work(upstream.clone()).await {
            Err(error @ upstream::Error::Closed { .. }) => {
                Box::pin(self.forget(server, &upstream)).await;
                Err(CallError::Upstream(error))
            }
            other => other.map_err(CallError::Upstream),
        }
    }
}

/// Gives contents the URI the client asked for, where the server gave its own.
fn rename(contents: &mut rmcp::model::ResourceContents, from: &str, to: &str) {
    let uri = match contents {
        rmcp::model::ResourceContents::TextResourceContents { uri, .. }
        | rmcp::model::ResourceContents::BlobResourceContents { uri, .. } => uri,
        _ => return,
    };
    if uri == from {
        *uri = to.to_string();
    }
}
