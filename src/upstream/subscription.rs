//! How a 2026-07-28 server tells us of changes: it sends no notifications outside a request, so
//! we keep one `subscriptions/listen` open for its list changes and the resources someone
//! subscribed to, opened again whenever that set changes, for as long as the connection lives.

use std::collections::BTreeSet;
use std::sync::Arc;

use rmcp::model::{ServerNotification, SubscriptionFilter};
use rmcp::service::{Peer, RoleClient};
use tokio::sync::watch;

use crate::upstream::relay::{Listed, Relay};

/// The resources to follow; changing it re-opens the subscription.
pub(crate) type Followed = watch::Sender<BTreeSet<String>>;

/// Starts following `peer`'s changes for `relay`; the task ends with the connection.
pub(crate) fn follow(peer: Peer<RoleClient>, relay: Arc<dyn Relay>) -> Followed {
    let (followed, mut uris) = watch::channel(BTreeSet::new());
    tokio::spawn(async move {
        loop {
            let filter = filter(&uris.borrow_and_update());
            let mut subscription = match peer.listen(filter).await {
                Ok(subscription) => subscription,
                Err(error) => {
                    tracing::debug!(error = %error, "a server refused subscriptions/listen; its changes go unseen");
                    return;
                }
            };
            loop {
                tokio::select! {
                    notification = subscription.next() => match notification {
                        Ok(Some(notification)) => pass_on(&*relay, notification),
                        // The connection (or the server's side of the stream) ended.
                        Ok(None) | Err(_) => return,
                    },
                    changed = uris.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let _ = subscription.cancel().await;
                        break;
                    }
                }
            }
        }
    });
    followed
}

fn filter(uris: &BTreeSet<String>) -> SubscriptionFilter {
    let mut filter = SubscriptionFilter::builder()
        .tools_list_changed()
        .prompts_list_changed()
        .resources_list_changed()
        .build();
    if !uris.is_empty() {
        filter.resource_subscriptions = Some(uris.iter().cloned().collect());
    }
    filter
}

fn pass_on(relay: &dyn Relay, notification: ServerNotification) {
    match notification {
        ServerNotification::ToolListChangedNotification(_) => relay.changed(Listed::Tools),
        ServerNotification::PromptListChangedNotification(_) => relay.changed(Listed::Prompts),
        ServerNotification::ResourceListChangedNotification(_) => relay.changed(Listed::Resources),
        ServerNotification::ResourceUpdatedNotification(updated) => {
            relay.resource_updated(updated.params.uri)
        }
        _ => {}
    }
}
