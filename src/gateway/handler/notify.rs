//! What sessions are told after the fact: list changes, updates of resources they subscribed
//! to, and servers' log lines. A session-based client hears them on its session; a 2026-07-28
//! client through `subscriptions/listen`, for what its filter asks.
#![allow(
    deprecated,
    reason = "logging notifications are deprecated by SEP-2577 but in use"
)]

use std::sync::Arc;

use rmcp::ErrorData;
use rmcp::model::ResourceUpdatedNotificationParam;
use rmcp::service::{Peer, RoleServer, SubscriptionContext};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::gateway::Workspace;
use crate::gateway::routing::Kinds;
use crate::gateway::workspace::Change;

/// Sends a session the `list_changed` notifications `kinds` calls for; false once the session
/// is gone.
pub(crate) async fn notify_lists(peer: &Peer<RoleServer>, kinds: Kinds) -> bool {
    let mut alive = true;
    if kinds.tools {
        alive &= peer.notify_tool_list_changed().await.is_ok();
    }
    if kinds.prompts {
        alive &= peer.notify_prompt_list_changed().await.is_ok();
    }
    if kinds.resources {
        alive &= peer.notify_resource_list_changed().await.is_ok();
    }
    alive
}

/// Forwards the workspace's changes to session `session` until it ends (or its transport
/// does); changes the session caused itself were told to it directly.
pub(super) fn follow(
    workspace: &Arc<Workspace>,
    peer: Peer<RoleServer>,
    session: u64,
    ended: CancellationToken,
) {
    let mut changes = workspace.changes();
    let count = workspace.gateway().metrics.session_opened();
    let workspace = Arc::downgrade(workspace);
    tokio::spawn(async move {
        let _count = count;
        loop {
            let change = tokio::select! {
                () = ended.cancelled() => break,
                change = changes.recv() => change,
            };
            let change = match change {
                Ok(change) => change,
                // Missed changes: re-listing everything covers them.
                Err(RecvError::Lagged(_)) => Change::Lists {
                    kinds: Kinds {
                        tools: true,
                        prompts: true,
                        resources: true,
                    },
                    origin: 0,
                },
                Err(RecvError::Closed) => break,
            };
            let Some(workspace) = workspace.upgrade() else {
                break;
            };
            if !workspace.wants(session, &change) {
                continue;
            }
            let alive = match change {
                Change::Lists { origin, .. } if origin == session => true,
                Change::Lists { kinds, .. } => notify_lists(&peer, kinds).await,
                Change::Updated { uri } => peer
                    .notify_resource_updated(ResourceUpdatedNotificationParam::new(uri))
                    .await
                    .is_ok(),
                Change::Log(message) => peer.notify_logging_message(message).await.is_ok(),
            };
            if !alive {
                break;
            }
        }
    });
}

/// Serves one `subscriptions/listen` of a 2026-07-28 client until it is cancelled or the
/// workspace closes.
pub(super) async fn listen(
    workspace: &Arc<Workspace>,
    context: SubscriptionContext,
) -> Result<(), ErrorData> {
    let mut changes = workspace.changes();
    let closing = workspace.closing();
    let filter = context.accepted().clone();
    let wanted = |kinds: Kinds| Kinds {
        tools: kinds.tools && filter.tools_list_changed == Some(true),
        prompts: kinds.prompts && filter.prompts_list_changed == Some(true),
        resources: kinds.resources && filter.resources_list_changed == Some(true),
    };
    loop {
        let change = tokio::select! {
            () = context.cancelled() => return Ok(()),
            // A revoked token's listener must not outlive its workspace.
            () = closing.cancelled() => return Ok(()),
            change = changes.recv() => change,
        };
        let sink = context.sink();
        let sent = match change {
            Ok(Change::Lists { kinds, .. }) => {
                let kinds = wanted(kinds);
                let mut sent = Ok(());
                if kinds.tools {
                    sent = sent.and(sink.notify_tool_list_changed().await);
                }
                if kinds.prompts {
                    sent = sent.and(sink.notify_prompt_list_changed().await);
                }
                if kinds.resources {
                    sent = sent.and(sink.notify_resource_list_changed().await);
                }
                sent
            }
            Ok(Change::Updated { uri })
                if filter
                    .resource_subscriptions
                    .as_ref()
                    .is_some_and(|uris| uris.contains(&uri)) =>
            {
                sink.notify_resource_updated(uri).await
            }
            Ok(Change::Updated { .. }) | Ok(Change::Log(_)) => Ok(()),
            Err(RecvError::Lagged(_)) => sink.notify_tool_list_changed().await,
            Err(RecvError::Closed) => return Ok(()),
        };
        if sent.is_err() {
            return Ok(());
        }
    }
}
