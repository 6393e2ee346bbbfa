use std::collections::HashMap;

use bollard::models::ContainerCreateBody;
use serde_json::json;

use crate::common::{TestGateway, eventually, fixture_catalog, text};

async fn assert_no_containers_of(pid: u32) {
    let left = switchboard_testsupport::managed_containers().await.unwrap();
    let mine: Vec<_> = left
        .iter()
        .filter(|(_, l)| {
            l.get("io.switchboard.gateway")
                .is_some_and(|g| g.split(':').nth(1) == Some(&pid.to_string()))
        })
        .collect();
    assert!(
        mine.is_empty(),
        "containers of gateway {pid} left: {mine:?}"
    );
}

#[tokio::test]
async fn sigterm_and_sigint_remove_every_container() {
    for signal in ["TERM", "INT"] {
        let gw = TestGateway::start(&fixture_catalog(), &[]).await;
        for server in ["echo", "collide"] {
            let added = gw.call("mcp-add", json!({"name": server})).await;
            assert_eq!(added.is_error, Some(false), "{}", text(&added));
        }
        assert_eq!(gw.containers(None).await.len(), 2);
        let pid = gw.pid();
        let status = gw.signal(signal).await;
        assert!(status.success(), "SIG{signal}: {status}");
        assert_no_containers_of(pid).await;
    }
}

#[tokio::test]
async fn a_client_that_disconnects_mid_call_leaves_nothing() {
    let gw = TestGateway::start(&fixture_catalog(), &[]).await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    let peer = gw.client().peer().clone();
    let slow = tokio::spawn(async move {
        let mut params = rmcp::model::CallToolRequestParams::new("sleep");
        params.arguments = json!({"ms": 30_000}).as_object().cloned();
        peer.call_tool(params).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pid = gw.pid();
    let started = std::time::Instant::now();
    let status = gw.disconnect().await;
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed().as_secs() < 20,
        "the gateway waited for the slow call"
    );
    assert!(
        slow.await.unwrap().is_err(),
        "the abandoned call cannot succeed"
    );
    assert_no_containers_of(pid).await;
}

#[tokio::test]
async fn orphans_of_dead_gateways_are_swept_at_start_up() {
    let image = switchboard_testsupport::ensure_fixture_image().unwrap();
    let docker = bollard::Docker::connect_with_defaults()
        .unwrap()
        .negotiate_version()
        .await
        .unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    // pid 4194304 is above Linux's pid_max: no live process can have it.
    let orphan = create_idle(&docker, &image, &format!("{host}:4194304:1")).await;
    let foreign = create_idle(&docker, &image, "another-host:1:1").await;

    let _gw = TestGateway::start(&fixture_catalog(), &[]).await;
    eventually("the orphan is removed", || async {
        docker
            .inspect_container(
                &orphan,
                None::<bollard::query_parameters::InspectContainerOptions>,
            )
            .await
            .is_err()
    })
    .await;
    let kept = docker
        .inspect_container(
            &foreign,
            None::<bollard::query_parameters::InspectContainerOptions>,
        )
        .await;
    let remove = bollard::query_parameters::RemoveContainerOptionsBuilder::default()
        .force(true)
        .build();
    docker
        .remove_container(&foreign, Some(remove))
        .await
        .unwrap();
    assert!(
        kept.is_ok(),
        "a container of a gateway on another host must be left alone"
    );
}

/// A managed container that idles on open stdin, owned by the given gateway label.
async fn create_idle(docker: &bollard::Docker, image: &str, gateway: &str) -> String {
    let labels = HashMap::from([
        ("io.switchboard.managed".to_string(), "true".to_string()),
        ("io.switchboard.server".to_string(), "echo".to_string()),
        ("io.switchboard.workspace".to_string(), "test".to_string()),
        ("io.switchboard.gateway".to_string(), gateway.to_string()),
    ]);
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        open_stdin: Some(true),
        labels: Some(labels),
        ..Default::default()
    };
    let id = docker
        .create_container(
            None::<bollard::query_parameters::CreateContainerOptions>,
            body,
        )
        .await
        .unwrap()
        .id;
    docker
        .start_container(
            &id,
            None::<bollard::query_parameters::StartContainerOptions>,
        )
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn idle_servers_stop_and_start_again_on_the_next_call() {
    let gw = TestGateway::start(&fixture_catalog(), &["--idle-timeout", "1"]).await;
    let added = gw.call("mcp-add", json!({"name": "echo"})).await;
    assert_eq!(added.is_error, Some(false), "{}", text(&added));
    // A call in flight keeps the server: a sleep longer than the timeout still completes.
    let slept = gw.call("sleep", json!({"ms": 1500})).await;
    assert_eq!(text(&slept), "slept 1500 ms");
    eventually("the idle container is stopped", || async {
        gw.containers(Some("echo")).await.is_empty()
    })
    .await;
    assert!(
        gw.tool_names().await.contains(&"echo".to_string()),
        "the tools stay registered"
    );
    let echoed = gw.call("echo", json!({"text": "awake"})).await;
    assert_eq!(text(&echoed), "awake");
    assert_eq!(gw.containers(Some("echo")).await.len(), 1);
}
