//! The legacy HTTP+SSE transport (protocol 2024-11-05), which many hosted servers still speak
//! and rmcp no longer ships: a GET opens an event stream whose first `endpoint` event names the
//! URL to POST messages to; answers come back as `message` events on the stream.

use std::pin::Pin;

use futures::{Sink, Stream, StreamExt};
use http::HeaderMap;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};

use crate::upstream::error::root_cause;

/// Messages to the server, each one POST.
pub(crate) type Outgoing = Pin<Box<dyn Sink<ClientJsonRpcMessage, Error = std::io::Error> + Send>>;
/// Messages from the server, until the event stream ends.
pub(crate) type Incoming = Pin<Box<dyn Stream<Item = ServerJsonRpcMessage> + Send>>;

/// Opens the event stream at `url` and waits for the `endpoint` event; the error says what
/// went wrong in words a user can act on.
pub(crate) async fn connect(url: &str, headers: HeaderMap) -> Result<(Outgoing, Incoming), String> {
    let base = reqwest::Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    let client = crate::upstream::remote::http_client()?;
    let response = client
        .get(base.clone())
        .headers(headers.clone())
        .header(http::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| root_cause(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("opening the event stream: HTTP {status}"));
    }
    let mut events = sse_stream::SseStream::from_bytes_stream(response.bytes_stream());
    let endpoint = loop {
        match events.next().await {
            Some(Ok(event)) if event.event.as_deref() == Some("endpoint") => {
                break endpoint_url(&base, event.data.as_deref().unwrap_or_default())?;
            }
            Some(Ok(_)) => continue,
            Some(Err(error)) => return Err(format!("reading the event stream: {error}")),
            None => return Err("the event stream ended before naming an endpoint".to_string()),
        }
    };
    let incoming = events.filter_map(|event| async move {
        let event = event.ok()?;
        // Events without a type are messages too; other types (pings) are not for us.
        if event.event.as_deref().is_some_and(|e| e != "message") {
            return None;
        }
        match serde_json::from_str::<ServerJsonRpcMessage>(event.data.as_deref()?) {
            Ok(message) => Some(message),
            Err(error) => {
                tracing::warn!(error = %error, "ignoring an event that is not a JSON-RPC message");
                None
            }
        }
    });
    let outgoing = futures::sink::unfold(
        (client, endpoint, headers),
        |(client, endpoint, headers), message: ClientJsonRpcMessage| async move {
            let response = client
                .post(endpoint.clone())
                .headers(headers.clone())
                .json(&message)
                .send()
                .await
                .map_err(|e| std::io::Error::other(root_cause(&e)))?;
            let status = response.status();
            if !status.is_success() {
                return Err(std::io::Error::other(format!(
                    "posting a message: HTTP {status}"
                )));
            }
            Ok((client, endpoint, headers))
        },
    );
    Ok((Box::pin(outgoing), Box::pin(incoming)))
}

/// The URL the `endpoint` event names, resolved against the stream's URL. It must stay on the
/// stream's origin: the POSTs carry the server's secret headers, which must not go elsewhere.
fn endpoint_url(base: &reqwest::Url, named: &str) -> Result<reqwest::Url, String> {
    let endpoint = base
        .join(named.trim())
        .map_err(|e| format!("the server named a bad endpoint `{named}`: {e}"))?;
    if endpoint.origin() != base.origin() {
        return Err(format!(
            "the server named an endpoint on another origin ({}); its headers are not sent there",
            endpoint.origin().ascii_serialization()
        ));
    }
    Ok(endpoint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_resolved_and_kept_on_the_stream_origin() {
        let base = reqwest::Url::parse("https://mcp.example.com/v1/sse").unwrap();
        let relative = endpoint_url(&base, "/messages?session=1").unwrap();
        assert_eq!(
            relative.as_str(),
            "https://mcp.example.com/messages?session=1"
        );
        let sibling = endpoint_url(&base, "messages").unwrap();
        assert_eq!(sibling.as_str(), "https://mcp.example.com/v1/messages");
        let absolute = endpoint_url(&base, "https://mcp.example.com/m").unwrap();
        assert_eq!(absolute.as_str(), "https://mcp.example.com/m");
        for elsewhere in [
            "https://attacker.example/steal",
            "http://mcp.example.com/downgraded",
            "https://mcp.example.com:8443/other-port",
        ] {
            let error = endpoint_url(&base, elsewhere).unwrap_err();
            assert!(error.contains("another origin"), "{elsewhere}: {error}");
        }
    }
}
