//! The servers in the saved config: what `switchboard config set` and the admin API saved
//! under the home directory (`config/<workspace>.json`, `profiles/<workspace>.json`), per
//! workspace, and what they need: their secrets, their images, their egress.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{Catalog, CatalogEntry, ServerKind};
use crate::doctor::Check;
use crate::store::{Home, Secrets};

const CONFIG: &str = "config";
const SECRET: &str = "secret";
const EGRESS: &str = "egress";

/// Every workspace's saved servers, and the files that could not be read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Saved {
    /// Workspace -> the servers it has config for or starts with.
    pub(crate) servers: BTreeMap<String, BTreeSet<String>>,
    pub(crate) problems: Vec<Check>,
}

impl Saved {
    /// Reads every workspace's config and profile under `home`.
    pub(crate) fn read(home: &Home) -> Saved {
        let mut saved = Saved::default();
        for workspace in workspaces(home) {
            let mut servers = BTreeSet::new();
            match home.config(&workspace).load() {
                Ok(config) => servers.extend(config.into_keys()),
                Err(error) => saved.problems.push(unreadable(&error)),
            }
            match home.profile(&workspace).load() {
                Ok(profile) => servers.extend(profile.servers),
                Err(error) => saved.problems.push(unreadable(&error)),
            }
            if !servers.is_empty() {
                saved.servers.insert(workspace, servers);
            }
        }
        saved
    }

    /// The catalog entries of the saved servers (each once), with the workspaces that use
    /// them; a saved server the catalog lacks becomes a warning.
    pub(crate) fn entries<'a>(
        &self,
        catalog: &'a Catalog,
    ) -> (Vec<(&'a CatalogEntry, Vec<&str>)>, Vec<Check>) {
        let mut found: BTreeMap<&str, (&CatalogEntry, Vec<&str>)> = BTreeMap::new();
        let mut unknown = Vec::new();
        for (workspace, servers) in &self.servers {
            for server in servers {
                match catalog.get(server) {
                    Some(entry) => found
                        .entry(entry.name.as_str())
                        .or_insert((entry, Vec::new()))
                        .1
                        .push(workspace.as_str()),
                    None => unknown.push(Check::warn(
                        CONFIG,
                        format!("`{server}` (workspace {workspace}) is saved but not in the catalog, so it cannot be added"),
                        Some(format!("switchboard catalog search {server}")),
                    )),
                }
            }
        }
        (found.into_values().collect(), unknown)
    }
}

/// Workspace names: the stems of the files in `config/` and `profiles/`.
fn workspaces(home: &Home) -> BTreeSet<String> {
    ["config", "profiles"]
        .iter()
        .filter_map(|dir| std::fs::read_dir(home.path().join(dir)).ok())
        .flatten()
        .filter_map(|item| item.ok())
        .filter_map(|item| {
            let path = item.path();
            (path.extension()? == "json")
                .then(|| path.file_stem()?.to_str().map(str::to_string))
                .flatten()
        })
        .collect()
}

fn unreadable(error: &crate::store::Error) -> Check {
    Check::fail(
        CONFIG,
        crate::gateway::error_chain(error),
        "fix the file, or remove it to start that workspace afresh",
    )
}

/// Images to check: image -> the saved servers that run it.
pub(crate) fn images(entries: &[(&CatalogEntry, Vec<&str>)]) -> BTreeMap<String, Vec<String>> {
    let mut images: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (entry, _) in entries {
        if let (ServerKind::Server, Some(image)) = (&entry.kind, &entry.image) {
            images
                .entry(image.clone())
                .or_default()
                .push(entry.name.to_string());
        }
    }
    images
}

/// Required secrets of the saved servers that no lookup finds (the values are never read
/// out, only whether there is one): one finding per server and secret, naming the workspaces
/// that miss it.
pub(crate) fn secrets(
    entries: &[(&CatalogEntry, Vec<&str>)],
    home: &Home,
    secrets: &Secrets,
) -> Vec<Check> {
    // (server, secret, its variable, the command that sets it) -> workspaces missing it.
    let mut missing: BTreeMap<(&str, String, String, String), Vec<&str>> = BTreeMap::new();
    for (entry, workspaces) in entries {
        for workspace in workspaces {
            let own = home.workspace_secrets(workspace);
            let scope = secrets.scope(workspace, &own);
            for spec in crate::gateway::missing_secrets(entry, &scope) {
                let command = scope.set_command(&spec.name);
                missing
                    .entry((entry.name.as_str(), spec.name, spec.env, command))
                    .or_default()
                    .push(workspace);
            }
        }
    }
    if missing.is_empty() {
        return vec![Check::ok(
            SECRET,
            "every secret the saved servers need is set",
        )];
    }
    missing
        .into_iter()
        .map(|((server, name, env, command), workspaces)| {
            let plural = if workspaces.len() == 1 { "" } else { "s" };
            Check::fail(
                SECRET,
                format!(
                    "`{server}` needs the secret {name}, which is not set for workspace{plural} {} (nor ${env} here)",
                    workspaces.join(", ")
                ),
                command,
            )
        })
        .collect()
}

/// Saved servers whose catalog entry limits their egress (`allowHosts`), which the gateway
/// parses but does not enforce yet.
pub(crate) fn egress(entries: &[(&CatalogEntry, Vec<&str>)]) -> Vec<Check> {
    entries
        .iter()
        .filter_map(|(entry, _)| crate::gateway::unenforced_egress(entry))
        .map(|notice| Check::warn(EGRESS, notice, None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    const CATALOG: &str = "registry:
  web:
    description: w
    type: server
    image: example/web:1
    secrets: [{name: web.key, env: WEB_KEY}]
    allowHosts: [api.example.com]
  local:
    description: l
    type: server
    image: example/web:1
";

    fn home_with_config(dir: &std::path::Path) -> Home {
        let home = Home::resolve(Some(dir.display().to_string()), None);
        let config = serde_json::Map::new();
        home.config("default").save("web", &config).unwrap();
        home.config("alice").save("local", &config).unwrap();
        home.config("alice").save("gone", &config).unwrap();
        home.profile("bob")
            .save(&crate::store::Profile {
                servers: vec!["web".into()],
            })
            .unwrap();
        home
    }

    #[test]
    fn saved_servers_their_images_secrets_and_egress() {
        let dir = tempfile::tempdir().unwrap();
        let home = home_with_config(dir.path());
        let saved = Saved::read(&home);
        assert!(saved.problems.is_empty());
        let names: Vec<&String> = saved.servers.keys().collect();
        assert_eq!(names, ["alice", "bob", "default"]);
        let catalog = Catalog::parse("t.yaml", CATALOG).unwrap();
        let (entries, unknown) = saved.entries(&catalog);
        assert_eq!(unknown.len(), 1);
        assert!(unknown[0].message.contains("`gone`"));
        let images = images(&entries);
        assert_eq!(images["example/web:1"], ["local", "web"]);

        // web.key is set for bob alone: default still misses it.
        home.workspace_secrets("bob")
            .set("web.key", crate::store::Secret::new("v4lue".into()))
            .unwrap();
        let none = Secrets::new(Some(home.secrets()), Vec::new());
        let found = secrets(&entries, &home, &none);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].status, Status::Fail);
        assert!(
            found[0].message.contains("workspace default "),
            "{}",
            found[0].message
        );
        assert!(found[0].message.contains("web.key"));
        assert!(
            found[0]
                .fix
                .as_deref()
                .unwrap()
                .starts_with("switchboard secret set web.key")
        );
        // From the catalog's variable in the environment, it is found everywhere.
        let env = Secrets::new(Some(home.secrets()), [("WEB_KEY".into(), "x".into())]);
        let found = secrets(&entries, &home, &env);
        assert_eq!(found[0].status, Status::Ok, "{found:?}");
        assert!(!format!("{found:?}").contains("v4lue"));

        let egress = egress(&entries);
        assert_eq!(egress.len(), 1);
        assert!(egress[0].message.contains("api.example.com"));
    }
}
