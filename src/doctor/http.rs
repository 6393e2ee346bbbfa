//! The HTTP check: the port `run --transport http` would listen on is free (or a gateway
//! already serves it), or the gateway at `--url` answers `/healthz`.

use std::time::Duration;

use crate::doctor::Check;

const HTTP: &str = "http";

/// What to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpTarget {
    /// The address a gateway would listen on.
    Listen { host: String, port: u16 },
    /// A gateway that should be running: its base URL, `/mcp` URL or `/healthz` URL.
    Gateway { url: String },
}

/// Looks at `target`, waiting at most `timeout` for any answer.
pub(crate) async fn check(target: &HttpTarget, timeout: Duration) -> Check {
    match target {
        HttpTarget::Listen { host, port } => listen(host, *port, timeout).await,
        HttpTarget::Gateway { url } => gateway(url, timeout).await,
    }
}

async fn listen(host: &str, port: u16, timeout: Duration) -> Check {
    let bound = tokio::time::timeout(timeout, tokio::net::TcpListener::bind((host, port))).await;
    let error = match bound {
        Ok(Ok(listener)) => {
            drop(listener);
            return Check::ok(HTTP, format!("port {port} on {host} is free"));
        }
        Ok(Err(error)) => error,
        Err(_) => {
            return Check::warn(
                HTTP,
                format!(
                    "cannot tell whether port {port} on {host} is free: resolving {host} took too long"
                ),
                None,
            );
        }
    };
    if error.kind() != std::io::ErrorKind::AddrInUse {
        return Check::warn(
            HTTP,
            format!("cannot listen on {host}:{port}: {error}"),
            Some(format!(
                "pick another address: `switchboard run --transport http --host {host} --port PORT`"
            )),
        );
    }
    let url = format!("http://{}/healthz", authority(host, port));
    match healthz(&url, timeout).await {
        Ok(()) => Check::ok(
            HTTP,
            format!("port {port} on {host} is taken by a running gateway ({url} answers)"),
        ),
        Err(_) => Check::warn(
            HTTP,
            format!("port {port} on {host} is taken by another program"),
            Some(format!(
                "see what holds it (`ss -ltnp 'sport = :{port}'`), or run with another port: `switchboard run --transport http --port PORT`"
            )),
        ),
    }
}

async fn gateway(url: &str, timeout: Duration) -> Check {
    let url = healthz_url(url);
    match healthz(&url, timeout).await {
        Ok(()) => Check::ok(HTTP, format!("the gateway at {url} is healthy")),
        Err(why) => Check::fail(
            HTTP,
            format!("the gateway at {url} is not healthy: {why}"),
            "start it (`switchboard run --transport http`), or check --url",
        ),
    }
}

/// `host:port` for a URL, with a wildcard address replaced by loopback (where a gateway
/// listening on all addresses also answers) and IPv6 in brackets.
fn authority(host: &str, port: u16) -> String {
    match host {
        "0.0.0.0" | "" => format!("127.0.0.1:{port}"),
        "::" | "[::]" => format!("[::1]:{port}"),
        host if host.contains(':') && !host.starts_with('[') => format!("[{host}]:{port}"),
        host => format!("{host}:{port}"),
    }
}

/// The `/healthz` URL of a gateway given by its base, `/mcp` or `/healthz` URL.
fn healthz_url(url: &str) -> String {
    let url = url.trim_end_matches('/');
    if url.ends_with("/healthz") {
        return url.to_string();
    }
    let base = url.strip_suffix("/mcp").unwrap_or(url);
    format!("{base}/healthz")
}

/// Ok when `url` answers 2xx with `ok`, as a Switchboard gateway's `/healthz` does.
async fn healthz(url: &str, timeout: Duration) -> Result<(), String> {
    let client = crate::tls::client_builder()
        .timeout(timeout)
        .build()
        .map_err(|e| crate::gateway::error_chain(&e))?;
    let response = client.get(url).send().await.map_err(|e| no_answer(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("it answered {status}"));
    }
    let body = response.text().await.map_err(|e| no_answer(&e))?;
    if body.trim() == "ok" {
        Ok(())
    } else {
        Err("it answered, but not as a Switchboard gateway does".to_string())
    }
}

fn no_answer(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".to_string()
    } else {
        format!("no answer ({})", crate::gateway::error_chain(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn urls_and_addresses() {
        assert_eq!(healthz_url("http://h:1"), "http://h:1/healthz");
        assert_eq!(healthz_url("http://h:1/mcp/"), "http://h:1/healthz");
        assert_eq!(healthz_url("http://h:1/healthz"), "http://h:1/healthz");
        assert_eq!(authority("0.0.0.0", 8), "127.0.0.1:8");
        assert_eq!(authority("::1", 8), "[::1]:8");
        assert_eq!(authority("localhost", 8), "localhost:8");
    }

    #[tokio::test]
    async fn a_free_port_is_ok_and_a_taken_one_warns() {
        let timeout = Duration::from_secs(2);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let target = HttpTarget::Listen {
            host: "127.0.0.1".into(),
            port,
        };
        let taken = check(&target, timeout).await;
        assert_eq!(taken.status, Status::Warn, "{taken:?}");
        drop(listener);
        assert_eq!(check(&target, timeout).await.status, Status::Ok);
        let closed = HttpTarget::Gateway {
            url: format!("http://127.0.0.1:{port}"),
        };
        assert_eq!(check(&closed, timeout).await.status, Status::Fail);
    }
}
