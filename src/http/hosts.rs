//! DNS-rebinding defence: a browser page on another origin must not reach a gateway on
//! loopback, so Host and Origin must name a host we serve.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::app::AppState;

/// Host names always accepted.
pub const LOOPBACK_HOSTS: [&str; 4] = ["localhost", "127.0.0.1", "::1", "[::1]"];

/// Whether a bind address is loopback.
pub fn is_loopback(host: &str) -> bool {
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
        || host == "localhost"
}

/// The host part of a `Host` value or an origin URL, without port or scheme.
fn host_of(value: &str) -> &str {
    let value = value.split("://").nth(1).unwrap_or(value);
    let value = value.split('/').next().unwrap_or(value);
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    value.rsplit_once(':').map_or(value, |(host, _)| host)
}

pub(crate) async fn check(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match refusal(&state.allowed_hosts, request.headers()) {
        Some(reason) => {
            tracing::info!(reason, "refused a request for a host we do not serve");
            state.workspaces.gateway().metrics.request("forbidden");
            (StatusCode::FORBIDDEN, reason).into_response()
        }
        None => next.run(request).await,
    }
}

fn refusal(allowed: &[String], headers: &HeaderMap) -> Option<String> {
    let is_allowed = |host: &str| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        LOOPBACK_HOSTS
            .iter()
            .any(|h| h.trim_start_matches('[').trim_end_matches(']') == host)
            || allowed.iter().any(|a| a.eq_ignore_ascii_case(host))
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(host_of);
    match host {
        Some(host) if is_allowed(host) => {}
        Some(host) => {
            return Some(format!(
                "Host `{host}` is not allowed; start the gateway with `--allowed-hosts {host}` (or SWITCHBOARD_ALLOWED_HOSTS) to serve it"
            ));
        }
        None => return Some("a Host header is required".to_string()),
    }
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        // `null` is what sandboxed frames, `file:` pages and some redirects send: a page we
        // cannot tell is ours, so it gets no more than any other foreign origin.
        if origin.trim() == "null" {
            return Some(
                "Origin `null` is not allowed: requests from sandboxed or local pages cannot reach this gateway".to_string(),
            );
        }
        let origin_host = host_of(origin);
        if !is_allowed(origin_host) {
            return Some(format!(
                "Origin `{origin}` is not allowed; add its host with `--allowed-hosts {origin_host}` if it is yours"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn loopback_and_listed_hosts_pass_others_are_named() {
        let allowed = vec!["gateway.internal".to_string()];
        assert!(refusal(&allowed, &headers(&[("host", "127.0.0.1:8811")])).is_none());
        assert!(refusal(&allowed, &headers(&[("host", "[::1]:8811")])).is_none());
        assert!(refusal(&allowed, &headers(&[("host", "gateway.internal")])).is_none());
        let bad = refusal(&allowed, &headers(&[("host", "evil.example:80")])).unwrap();
        assert!(bad.contains("--allowed-hosts evil.example"), "{bad}");
        let origin = refusal(
            &allowed,
            &headers(&[("host", "localhost"), ("origin", "https://evil.example")]),
        );
        assert!(origin.unwrap().contains("Origin"));
        let null = refusal(
            &allowed,
            &headers(&[("host", "localhost"), ("origin", "null")]),
        );
        assert!(null.unwrap().contains("`null`"));
        assert!(
            refusal(
                &allowed,
                &headers(&[("host", "localhost"), ("origin", "http://localhost:3000")])
            )
            .is_none()
        );
    }
}
