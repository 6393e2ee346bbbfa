//! What a workspace exposes of each kind of item its servers offer (tools, prompts, resources,
//! resource templates) and which server owns each. Pure data: no containers, no sessions.
//!
//! One collision rule per kind, and none ever fails an `mcp-add`:
//! - tools and prompts keep their own name while it is free; a later server's colliding name
//!   becomes `<server>__<name>` (tool names are made valid for clients first; see `naming.rs`);
//! - resources keep their URI while it is free; a later server's colliding URI is exposed as
//!   `switchboard://<server>/<its URI, percent-encoded>`, and reads of that URI go back to it;
//! - resource templates are listed as their servers give them; a URI that matches templates of
//!   several servers is read from the one added first.

mod uri_template;

use std::collections::{BTreeMap, HashSet};

use rmcp::model::{Prompt, Resource, ResourceTemplate, Tool};

use crate::catalog::ServerName;
use crate::gateway::naming::{self, ExposedToolName};
use crate::upstream::{Listed, Offer};

/// Which kinds of item a change touched, hence which `list_changed` notifications are due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kinds {
    pub tools: bool,
    pub prompts: bool,
    /// Resources or resource templates.
    pub resources: bool,
}

impl Kinds {
    pub(crate) fn any(self) -> bool {
        self.tools || self.prompts || self.resources
    }

    /// Both sets of kinds.
    pub(crate) fn or(self, other: Kinds) -> Kinds {
        Kinds {
            tools: self.tools || other.tools,
            prompts: self.prompts || other.prompts,
            resources: self.resources || other.resources,
        }
    }

    /// Adds the kind of a list a server said changed.
    pub(crate) fn add(&mut self, list: Listed) {
        match list {
            Listed::Tools => self.tools = true,
            Listed::Prompts => self.prompts = true,
            Listed::Resources => self.resources = true,
        }
    }

    /// The kinds `offer` has items of.
    pub(crate) fn of(offer: &Offer) -> Kinds {
        Kinds {
            tools: !offer.tools.is_empty(),
            prompts: !offer.prompts.is_empty(),
            resources: !offer.resources.is_empty() || !offer.templates.is_empty(),
        }
    }

    /// The kinds whose items differ between `a` and `b`.
    pub(crate) fn between(a: &Offer, b: &Offer) -> Kinds {
        Kinds {
            tools: a.tools != b.tools,
            prompts: a.prompts != b.prompts,
            resources: a.resources != b.resources || a.templates != b.templates,
        }
    }
}

/// One exposed item: the server that owns it, its name (or URI) there, and the item as
/// clients see it.
#[derive(Debug, Clone)]
pub(crate) struct Routed<T> {
    pub(crate) server: ServerName,
    pub(crate) original: String,
    pub(crate) item: T,
}

/// Where a `resources/read` of some URI goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceRoute {
    pub(crate) server: ServerName,
    /// The URI as the server knows it.
    pub(crate) uri: String,
}

/// The routing tables of one workspace.
#[derive(Debug, Default)]
pub(crate) struct Routes {
    /// Names no server may take (the meta-tools).
    reserved: HashSet<ExposedToolName>,
    tools: BTreeMap<ExposedToolName, Routed<Tool>>,
    prompts: BTreeMap<String, Routed<Prompt>>,
    resources: BTreeMap<String, Routed<Resource>>,
    /// In the order their servers were added: the first match wins.
    templates: Vec<Routed<ResourceTemplate>>,
}

/// The scheme of the URIs that stand in for colliding resource URIs.
const GATEWAY_SCHEME: &str = "switchboard://";

impl Routes {
    pub(crate) fn new(reserved: impl IntoIterator<Item = ExposedToolName>) -> Routes {
        Routes {
            reserved: reserved.into_iter().collect(),
            ..Routes::default()
        }
    }

    /// Routes everything `server` offers, under names free in this workspace; returns its tools
    /// as exposed, in the order the server listed them.
    pub(crate) fn register(&mut self, server: &ServerName, offer: &Offer) -> Vec<Routed<Tool>> {
        let mut taken: HashSet<ExposedToolName> = self.tools.keys().cloned().collect();
        taken.extend(self.reserved.iter().cloned());
        let mut tools = Vec::with_capacity(offer.tools.len());
        for tool in &offer.tools {
            let exposed = naming::expose(server.as_str(), &tool.name, &taken);
            taken.insert(exposed.clone());
            let mut item = tool.clone();
            item.name = exposed.to_string().into();
            let routed = Routed {
                server: server.clone(),
                original: tool.name.to_string(),
                item,
            };
            self.tools.insert(exposed, routed.clone());
            tools.push(routed);
        }
        for prompt in &offer.prompts {
            let exposed = free_name(server, &prompt.name, |n| self.prompts.contains_key(n));
            let mut item = prompt.clone();
            item.name = exposed.clone();
            self.prompts.insert(
                exposed,
                Routed {
                    server: server.clone(),
                    original: prompt.name.clone(),
                    item,
                },
            );
        }
        for resource in &offer.resources {
            let exposed = if self.resources.contains_key(&resource.uri) {
                gateway_uri(server, &resource.uri)
            } else {
                resource.uri.clone()
            };
            let mut item = resource.clone();
            item.uri = exposed.clone();
            self.resources.insert(
                exposed,
                Routed {
                    server: server.clone(),
                    original: resource.uri.clone(),
                    item,
                },
            );
        }
        self.templates
            .extend(offer.templates.iter().map(|template| Routed {
                server: server.clone(),
                original: template.uri_template.clone(),
                item: template.clone(),
            }));
        tools
    }

    /// Drops everything of `server`; says which kinds it had.
    pub(crate) fn unregister(&mut self, server: &ServerName) -> Kinds {
        let before = (
            self.tools.len(),
            self.prompts.len(),
            self.resources.len() + self.templates.len(),
        );
        self.tools.retain(|_, r| &r.server != server);
        self.prompts.retain(|_, r| &r.server != server);
        self.resources.retain(|_, r| &r.server != server);
        self.templates.retain(|r| &r.server != server);
        Kinds {
            tools: self.tools.len() != before.0,
            prompts: self.prompts.len() != before.1,
            resources: self.resources.len() + self.templates.len() != before.2,
        }
    }

    pub(crate) fn tool(&self, exposed: &str) -> Option<&Routed<Tool>> {
        ExposedToolName::new(exposed).and_then(|name| self.tools.get(&name))
    }

    pub(crate) fn prompt(&self, exposed: &str) -> Option<&Routed<Prompt>> {
        self.prompts.get(exposed)
    }

    /// The server to read `uri` from: the one listing it, the one a gateway URI names, or the
    /// first whose template matches.
    pub(crate) fn resource(&self, uri: &str) -> Option<ResourceRoute> {
        if let Some(routed) = self.resources.get(uri) {
            return Some(ResourceRoute {
                server: routed.server.clone(),
                uri: routed.original.clone(),
            });
        }
        if let Some((server, original)) = parse_gateway_uri(uri) {
            let known = self.resources.values().any(|r| r.server == server)
                || self.templates.iter().any(|t| t.server == server);
            return known.then_some(ResourceRoute {
                server,
                uri: original,
            });
        }
        self.templates
            .iter()
            .find(|t| uri_template::matches(&t.original, uri))
            .map(|t| ResourceRoute {
                server: t.server.clone(),
                uri: uri.to_string(),
            })
    }

    /// The server owning the resource template `uri_template` (for completions).
    pub(crate) fn template(&self, uri_template: &str) -> Option<&Routed<ResourceTemplate>> {
        self.templates
            .iter()
            .find(|t| t.item.uri_template == uri_template)
    }

    pub(crate) fn tools(&self) -> impl Iterator<Item = &Routed<Tool>> {
        self.tools.values()
    }

    pub(crate) fn tool_names(&self) -> Vec<String> {
        self.tools.keys().map(ToString::to_string).collect()
    }

    pub(crate) fn prompts(&self) -> impl Iterator<Item = &Routed<Prompt>> {
        self.prompts.values()
    }

    pub(crate) fn resources(&self) -> impl Iterator<Item = &Routed<Resource>> {
        self.resources.values()
    }

    pub(crate) fn templates(&self) -> impl Iterator<Item = &Routed<ResourceTemplate>> {
        self.templates.iter()
    }

    /// The tools of `server`, as exposed.
    pub(crate) fn tools_of<'a>(
        &'a self,
        server: &'a ServerName,
    ) -> impl Iterator<Item = &'a Routed<Tool>> + 'a {
        self.tools.values().filter(move |r| &r.server == server)
    }

    /// The exposed URI of `server`'s resource `original`, for notifications about it.
    pub(crate) fn exposed_uri(&self, server: &ServerName, original: &str) -> Option<String> {
        self.resources
            .iter()
            .find(|(_, r)| &r.server == server && r.original == original)
            .map(|(exposed, _)| exposed.clone())
            .or_else(|| {
                self.templates
                    .iter()
                    .any(|t| &t.server == server && uri_template::matches(&t.original, original))
                    .then(|| original.to_string())
            })
    }
}

/// `name` if `taken` says it is free, else `<server>__<name>`, numbered if even that is taken.
fn free_name(server: &ServerName, name: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(name) {
        return name.to_string();
    }
    let prefixed = format!("{server}__{name}");
    if !taken(&prefixed) {
        return prefixed;
    }
    (2..)
        .map(|n| format!("{prefixed}_{n}"))
        .find(|candidate| !taken(candidate))
        .unwrap_or(prefixed) // The range is unbounded and `taken` finite: `find` always succeeds.
}

/// `switchboard://<server>/<uri, percent-encoded>`: stable for as long as the server is added.
fn gateway_uri(server: &ServerName, uri: &str) -> String {
    let mut out = format!("{GATEWAY_SCHEME}{server}/");
    for byte in uri.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The server and original URI a gateway URI stands for.
fn parse_gateway_uri(uri: &str) -> Option<(ServerName, String)> {
    let rest = uri.strip_prefix(GATEWAY_SCHEME)?;
    let (server, encoded) = rest.split_once('/')?;
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut input = encoded.bytes();
    while let Some(byte) = input.next() {
        if byte == b'%' {
            let high = (input.next()? as char).to_digit(16)?;
            let low = (input.next()? as char).to_digit(16)?;
            bytes.push((high * 16 + low) as u8);
        } else {
            bytes.push(byte);
        }
    }
    let original = String::from_utf8(bytes).ok()?;
    Some((ServerName::new(server.to_string()), original))
}

#[cfg(test)]
mod tests;
