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
    crate::tls::install_crypto_provider();
    let client = reqwest::Client::new();
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
                let path = event.data.unwrap_or_default();
                break base
                    .join(path.trim())
                    .map_err(|e| format!("the server named a bad endpoint `{path}`: {e}"))?;
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
