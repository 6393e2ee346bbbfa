//! Which workspace a request resolves to, per source, and when per-session workspaces close.

use std::sync::Arc;

use rmcp::model::Extensions;
use serde_json::json;

use super::*;
use crate::catalog::Catalog;
use crate::gateway::{Gateway, Settings};
use crate::store::{Home, Secrets};

/// A catalog with one server, `maps`, that takes a `region`.
const CATALOG: &str = "registry:
  maps:
    title: Maps
    description: Maps
    type: server
    image: maps:latest
    config:
    - name: maps
      type: object
      properties:
        region: {type: string}
";

fn gateway(home: &std::path::Path) -> Arc<Gateway> {
    let catalog = Catalog::parse("t.yaml", CATALOG).unwrap();
    let home = Home::resolve(Some(home.display().to_string()), None);
    Gateway::new(catalog, Secrets::new(None, []), Settings::default(), home).unwrap()
}

/// What the auth layer and rmcp put on a request: its HTTP parts with the caller's identity.
fn request(identity: &str, session: Option<&str>) -> Extensions {
    let mut builder = http::Request::builder().uri("/mcp");
    if let Some(session) = session {
        builder = builder.header(SESSION_HEADER, session);
    }
    let (mut parts, ()) = builder.body(()).unwrap().into_parts();
    parts.extensions.insert(Identity(identity.to_string()));
    let mut extensions = Extensions::new();
    extensions.insert(parts);
    extensions
}

#[tokio::test]
async fn per_identity_follows_the_token_whatever_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let workspaces = Workspaces::new(gateway(dir.path()));
    let source = WorkspaceSource::PerIdentity(workspaces.clone());
    let (one, two) = (SessionScope::new(0), SessionScope::new(0));
    let a = source
        .resolve(&request("alice", Some("s1")), &one, 1)
        .unwrap();
    let again = source
        .resolve(&request("alice", Some("s2")), &two, 2)
        .unwrap();
    let b = source
        .resolve(&request("bob", Some("s1")), &one, 1)
        .unwrap();
    assert!(Arc::ptr_eq(&a, &again));
    assert!(!Arc::ptr_eq(&a, &b));
    assert_eq!(a.id(), "alice");
    assert!(source.resolve(&Extensions::new(), &one, 1).is_none());
}

#[tokio::test]
async fn per_session_gives_each_session_its_own_workspace_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let workspaces = Workspaces::new(gateway(dir.path()));
    let source = WorkspaceSource::PerSession(workspaces.clone());
    let (one, two) = (SessionScope::new(0), SessionScope::new(0));
    let first = source
        .resolve(&request("alice", Some("s1")), &one, 1)
        .unwrap();
    let same = source
        .resolve(&request("alice", Some("s1")), &one, 1)
        .unwrap();
    let second = source
        .resolve(&request("alice", Some("s2")), &two, 2)
        .unwrap();
    assert!(Arc::ptr_eq(&first, &same));
    assert!(!Arc::ptr_eq(&first, &second));
    assert_eq!(first.id(), "alice.session-1");
    // A stateless request (no session header) uses the identity's workspace.
    let stateless = source.resolve(&request("alice", None), &SessionScope::new(0), 3);
    assert_eq!(stateless.unwrap().id(), "alice");
    assert_eq!(workspaces.count(), 3);
    drop(one);
    assert_eq!(
        workspaces.count(),
        2,
        "the ended session's workspace is forgotten"
    );
    drop(two);
    assert_eq!(workspaces.count(), 1);
}

#[tokio::test]
async fn a_session_workspace_starts_from_the_identity_config_and_never_saves() {
    let dir = tempfile::tempdir().unwrap();
    let gateway = gateway(dir.path());
    let saved = json!({"region": "eu"}).as_object().unwrap().clone();
    gateway.home.config("alice").save("maps", &saved).unwrap();
    let workspaces = Workspaces::new(gateway.clone());
    let source = WorkspaceSource::PerSession(workspaces);
    let scope = SessionScope::new(0);
    let workspace = source
        .resolve(&request("alice", Some("s1")), &scope, 7)
        .unwrap();
    assert_eq!(workspace.config("maps"), saved);
    let changed = json!({"region": "us"}).as_object().unwrap().clone();
    let entry = gateway.catalog.catalog().get("maps").unwrap();
    workspace
        .update_config(entry, changed.clone(), crate::gateway::ConfigChange::Merge)
        .await
        .unwrap();
    assert_eq!(workspace.config("maps"), changed);
    let on_disk = gateway.home.config("alice").load().unwrap();
    assert_eq!(
        on_disk["maps"], saved,
        "the identity's saved config is untouched"
    );
    assert!(
        !dir.path().join("config/alice.session-7.json").exists(),
        "nothing is saved for the session"
    );
}
