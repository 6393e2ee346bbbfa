//! A remote MCP server reached over streamable HTTP, and the headers (some of them secret) it
//! needs on every request.

use std::collections::HashMap;

use http::{HeaderMap, HeaderName, HeaderValue};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;

use crate::runtime::EnvValue;

/// Where and how to reach a remote server.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub transport: Transport,
    pub headers: Vec<Header>,
}

/// The two HTTP transports of MCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Streamable HTTP (protocol 2025-03-26 and later).
    StreamableHttp,
    /// HTTP with server-sent events (protocol 2024-11-05).
    Sse,
}

/// One request header; a secret value stays wrapped so `Debug` cannot show it.
#[derive(Debug, Clone)]
pub struct Header {
    pub name: String,
    pub value: EnvValue,
}

impl Endpoint {
    /// The secret header values, to scrub from any error text.
    pub fn secret_values(&self) -> Vec<String> {
        self.headers
            .iter()
            .filter_map(|h| h.value.secret().map(str::to_string))
            .collect()
    }

    /// The headers as HTTP sends them, secret ones marked sensitive; an error names a header
    /// that HTTP cannot carry (never its value).
    pub(crate) fn header_map(&self) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        for header in &self.headers {
            let name = HeaderName::try_from(header.name.as_str())
                .map_err(|_| format!("`{}` is not a valid HTTP header name", header.name))?;
            let mut value = HeaderValue::try_from(header.value.expose()).map_err(|_| {
                format!("the value of header `{}` is not valid in HTTP", header.name)
            })?;
            value.set_sensitive(header.value.secret().is_some());
            headers.insert(name, value);
        }
        Ok(headers)
    }

    /// The rmcp client transport for streamable HTTP.
    pub(crate) fn streamable_http(
        &self,
    ) -> Result<StreamableHttpClientTransport<reqwest::Client>, String> {
        let headers: HashMap<HeaderName, HeaderValue> = self
            .header_map()?
            .into_iter()
            .filter_map(|(name, value)| Some((name?, value)))
            .collect();
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.as_str())
            .custom_headers(headers);
        Ok(StreamableHttpClientTransport::with_client(
            http_client()?,
            config,
        ))
    }
}

/// The HTTP client for remote servers. It follows a redirect only within the same origin:
/// reqwest drops `Authorization` on a cross-origin redirect, but not the other secret headers
/// catalogs use (`CONTEXT7_API_KEY: ...`), which must not reach another host.
pub(crate) fn http_client() -> Result<reqwest::Client, String> {
    let same_origin = reqwest::redirect::Policy::custom(|attempt| {
        let stays = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if stays && attempt.previous().len() < 5 {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    crate::tls::client_builder()
        .redirect(same_origin)
        .build()
        .map_err(|error| {
            let mut text = format!("cannot build the HTTP client: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(inner) = source {
                text.push_str(&format!(": {inner}"));
                source = inner.source();
            }
            text
        })
}
