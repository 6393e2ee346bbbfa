//! Nothing a slow or greedy client does starves the others: stalled request heads and idle
//! keep-alive connections are closed by the header timeout, and connections beyond the cap
//! wait for room instead of being served half-way.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::STEP;
use crate::common::http::{HttpGateway, raw_client};

/// A connection that sent half a request head and then nothing.
async fn stalled(address: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
        .await
        .unwrap();
    stream
}

/// Waits until the gateway closes `stream` (EOF or reset).
async fn closed(mut stream: TcpStream) {
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => continue,
        }
    }
}

fn address(gw: &HttpGateway) -> String {
    gw.base().trim_start_matches("http://").to_string()
}

/// 200 connections stall in their request head; while they do, a real client is served, and
/// each of them is closed by the header timeout.
#[tokio::test]
async fn stalled_connections_are_closed_while_others_are_served() {
    let gw = HttpGateway::builder()
        .tokens(&["alice"])
        .args(&["--header-timeout", "2"])
        .start()
        .await;
    let address = address(&gw);
    let mut stalls = Vec::new();
    for _ in 0..200 {
        stalls.push(stalled(&address).await);
    }
    // An idle keep-alive connection is held no longer than a stalled one.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 256];
    let n = idle.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));

    let client = gw.client(&gw.tokens[0]).await;
    for _ in 0..10 {
        assert_eq!(client.list_all_tools().await.unwrap().len(), 5);
    }
    let health = raw_client()
        .get(format!("{}/healthz", gw.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    let all = futures::future::join_all(stalls.into_iter().chain([idle]).map(closed));
    tokio::time::timeout(STEP, all)
        .await
        .expect("every stalled and idle connection is closed by the header timeout");
    let _ = client.cancel().await;
}

/// With `--max-connections 3` and three stalled connections, a fourth is not served until the
/// header timeout makes room; then it is.
#[tokio::test]
async fn connections_beyond_the_cap_wait_for_room() {
    let gw = HttpGateway::builder()
        .tokens(&["alice"])
        .args(&["--max-connections", "3", "--header-timeout", "3"])
        .start()
        .await;
    let address = address(&gw);
    let mut stalls = Vec::new();
    for _ in 0..3 {
        stalls.push(stalled(&address).await);
    }
    let request = raw_client().get(format!("{}/healthz", gw.base())).send();
    let mut request = std::pin::pin!(request);
    // Not served while the three hold every place (a broken cap answers in a millisecond).
    let early = tokio::time::timeout(std::time::Duration::from_millis(500), &mut request).await;
    assert!(
        early.is_err(),
        "a fourth connection was served past the cap"
    );
    let served = tokio::time::timeout(STEP, request)
        .await
        .expect("served once the stalled connections time out")
        .unwrap();
    assert_eq!(served.status(), 200);
    for stall in stalls {
        tokio::time::timeout(STEP, closed(stall)).await.unwrap();
    }
}
