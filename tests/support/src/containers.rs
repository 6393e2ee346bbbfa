//! What the tests check through the Docker API: which managed containers exist.

use std::collections::HashMap;

use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};

/// `(id, labels)` of every container labelled `io.switchboard.managed=true`, running or not.
pub async fn managed_containers() -> anyhow::Result<Vec<(String, HashMap<String, String>)>> {
    let docker = crate::docker().await?;
    let filters = HashMap::from([("label", vec!["io.switchboard.managed=true"])]);
    let options = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&filters)
        .build();
    Ok(docker
        .list_containers(Some(options))
        .await?
        .into_iter()
        .filter_map(|c| Some((c.id?, c.labels.unwrap_or_default())))
        .collect())
}

/// The workspace label of each managed container whose owner (its `io.switchboard.gateway`
/// label, `host:pid:start`) passes `owner`, sorted.
pub async fn workspaces_of(owner: impl Fn(&str) -> bool) -> anyhow::Result<Vec<String>> {
    let mut workspaces: Vec<String> = managed_containers()
        .await?
        .into_iter()
        .filter(|(_, labels)| {
            labels
                .get("io.switchboard.gateway")
                .is_some_and(|o| owner(o))
        })
        .filter_map(|(_, mut labels)| labels.remove("io.switchboard.workspace"))
        .collect();
    workspaces.sort();
    Ok(workspaces)
}

/// Force-removes the containers of the gateway process `pid`; the safety net when a test fails
/// before the gateway could clean up. Returns how many it removed.
pub async fn remove_containers_of_pid(pid: u32) -> anyhow::Result<usize> {
    let docker = crate::docker().await?;
    let mut removed = 0;
    for (id, labels) in managed_containers().await? {
        let owner = labels
            .get("io.switchboard.gateway")
            .map(String::as_str)
            .unwrap_or_default();
        if owner.split(':').nth(1) == Some(&pid.to_string()) {
            let options = RemoveContainerOptionsBuilder::default().force(true).build();
            if docker.remove_container(&id, Some(options)).await.is_ok() {
                removed += 1;
            }
        }
    }
    Ok(removed)
}
