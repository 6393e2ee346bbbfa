//! `cargo bench --bench slow_clients`: what 500 stalled connections (half a request head, then
//! nothing) cost the gateway, what it gets back once the header timeout closes them, and how
//! soon `token create` and `token rm` reach a running gateway (median of five, measured from
//! the command's start to the first request that sees the change). Prints
//! `RESULT stalled=500 rss_idle_kb=… rss_stalled_kb=… rss_closed_kb=… token_create_ms=…
//! token_rm_ms=…` last.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use switchboard_testsupport::rss_kb;
use tokio::io::AsyncWriteExt;

const STALLED: usize = 500;

#[tokio::main]
async fn main() {
    let gw = common::http::HttpGateway::builder()
        .tokens(&["bench"])
        .args(&["--log", "warn", "--header-timeout", "5"])
        .start()
        .await;
    let pid = gw.pid().expect("the gateway runs");
    let client = gw.client(&gw.tokens[0]).await;
    for _ in 0..20 {
        client.list_all_tools().await.expect("tools/list");
    }
    let _ = client.cancel().await;
    let idle = rss_kb(pid);
    println!("rss_idle_kb={idle}");

    let address = gw.base().trim_start_matches("http://").to_string();
    let mut stalls = Vec::with_capacity(STALLED);
    for _ in 0..STALLED {
        let mut stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connect");
        stream
            .write_all(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz")
            .await
            .expect("write half a head");
        stalls.push(stream);
    }
    // The metrics request itself is one connection more.
    wait_for_connections(&gw, |open| open > STALLED).await;
    let stalled = rss_kb(pid);
    println!("rss_stalled_kb={stalled}");
    // Each stalled connection is closed by the gateway (EOF on our side).
    let closing = futures::future::join_all(stalls.into_iter().map(|mut stream| async move {
        use tokio::io::AsyncReadExt;
        let mut buffer = [0u8; 256];
        while let Ok(n) = stream.read(&mut buffer).await {
            if n == 0 {
                break;
            }
        }
    }));
    tokio::time::timeout(Duration::from_secs(60), closing)
        .await
        .expect("the header timeout closes every stalled connection");
    let closed = rss_kb(pid);
    println!("rss_closed_kb={closed}");

    let (mut created, mut removed) = (Vec::new(), Vec::new());
    for round in 0..5 {
        let name = format!("tenant-{round}");
        let started = Instant::now();
        let token = gw.command(&["token", "create", &name], "");
        wait_for_status(&gw, &token, 200).await;
        created.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        gw.command(&["token", "rm", &name], "");
        wait_for_status(&gw, &token, 401).await;
        removed.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let create = switchboard_testsupport::percentile(&mut created, 0.5);
    let rm = switchboard_testsupport::percentile(&mut removed, 0.5);
    println!("token_create_ms={create:.0} token_rm_ms={rm:.0}");
    println!(
        "RESULT stalled={STALLED} rss_idle_kb={idle} rss_stalled_kb={stalled} rss_closed_kb={closed} token_create_ms={create:.0} token_rm_ms={rm:.0}"
    );
}

/// Polls `/metrics` until the open-connections gauge satisfies `done`.
async fn wait_for_connections(gw: &common::http::HttpGateway, done: impl Fn(usize) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let open = gw
            .metrics()
            .await
            .lines()
            .find_map(|l| l.strip_prefix("switchboard_http_connections "))
            .and_then(|v| v.trim().parse().ok())
            .expect("the connections gauge");
        if done(open) {
            return;
        }
        assert!(Instant::now() < deadline, "{open} connections open");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Polls `initialize` with `token` until it is answered with `status`.
async fn wait_for_status(gw: &common::http::HttpGateway, token: &str, status: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = common::http::initialize(&gw.url, token).await;
        if response.status().as_u16() == status {
            return;
        }
        assert!(Instant::now() < deadline, "still {}", response.status());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
