//! Catalogs over HTTP(S): fetched when catalogs load, revalidated against the cached copy
//! (`If-None-Match` / `If-Modified-Since`; a 304 reuses it), and read from that copy with a
//! warning when the fetch fails (offline, an error status, a timeout, a body that does not
//! parse). Only a body that parsed replaces the cached copy. The copies themselves live in
//! `store/catalog_cache.rs`.
//!
//! What is logged or put in an error names the URL without credentials or query (see
//! [`shown`]), and reqwest's errors are stripped of theirs: catalog URLs may one day carry
//! tokens, as request headers may.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod pages;

use crate::catalog::{Catalog, Error};
use crate::store::{CachedCatalog, CatalogCache};

/// How long to wait for the connection, and then for each read.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most a catalog fetch may take in all (a large registry dump over a slow link).
const TOTAL: Duration = Duration::from_secs(120);
/// The largest catalog body accepted.
const MAX_BYTES: usize = 64 << 20;
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 5;

/// Why a fetch failed (the cached copy, if any, is used instead).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot build the HTTP client")]
    Client {
        #[source]
        source: reqwest::Error,
    },
    #[error("the request failed")]
    Request {
        #[source]
        source: reqwest::Error,
    },
    #[error("the server answered HTTP {status}")]
    Status { status: reqwest::StatusCode },
    #[error("the catalog is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the catalog is not UTF-8 text")]
    NotText,
    #[error("the server answered 304 Not Modified to a request without validators")]
    UnexpectedNotModified,
    #[error("page {page} of the registry list is not a list response: {reason}")]
    Page { page: usize, reason: String },
    #[error("the registry list goes on past {} pages", pages::MAX_PAGES)]
    TooManyPages,
}

/// What one fetch brought back.
enum Fetched {
    /// A new body, with its validators.
    Body {
        text: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
    /// 304: the cached copy is current.
    NotModified,
}

/// The catalog at `url`, fetched (or revalidated) now, else the cached copy.
pub(crate) async fn fetch(url: &str, cache: &CatalogCache) -> Result<Catalog, Error> {
    let shown = shown(url);
    let cached = match cache.read(url) {
        Ok(copy) => copy,
        Err(error) => {
            tracing::warn!(url = %shown, error = %causes(&error), "ignoring an unreadable cached catalog");
            None
        }
    };
    let failure = match fetch_all(url, cached.as_ref()).await {
        Ok(Fetched::NotModified) => match &cached {
            Some(copy) => {
                tracing::info!(url = %shown, "catalog not modified; using the cached copy");
                return Catalog::parse(&shown, &copy.body);
            }
            None => FetchError::UnexpectedNotModified,
        },
        Ok(Fetched::Body {
            text,
            etag,
            last_modified,
        }) => match Catalog::parse(&shown, &text) {
            Ok(catalog) => {
                let copy = CachedCatalog {
                    url: url.to_string(),
                    etag,
                    last_modified,
                    fetched_at: now(),
                    body: text,
                };
                if let Err(error) = cache.write(&copy) {
                    tracing::warn!(url = %shown, error = %causes(&error), "cannot cache the fetched catalog");
                }
                tracing::info!(url = %shown, servers = catalog.len(), "catalog fetched");
                return Ok(catalog);
            }
            Err(error) => {
                let Some(copy) = &cached else {
                    return Err(error);
                };
                tracing::warn!(url = %shown, error = %causes(&error), age_seconds = now().saturating_sub(copy.fetched_at), "the fetched catalog is not valid; using the cached copy");
                return Catalog::parse(&shown, &copy.body);
            }
        },
        Err(error) => error,
    };
    let Some(copy) = cached else {
        return Err(Error::Fetch {
            url: shown,
            source: failure,
        });
    };
    tracing::warn!(url = %shown, error = %causes(&failure), age_seconds = now().saturating_sub(copy.fetched_at), "cannot fetch the catalog; using the cached copy");
    Catalog::parse(&shown, &copy.body)
}

/// The catalog at `url`, conditional on the cached copy's validators; a registry list that
/// goes on (`metadata.nextCursor`) is fetched page by page and joined into one list.
async fn fetch_all(url: &str, cached: Option<&CachedCatalog>) -> Result<Fetched, FetchError> {
    let client = client()?;
    match request(&client, url, cached).await? {
        Fetched::Body {
            text,
            etag,
            last_modified,
        } => Ok(Fetched::Body {
            text: pages::follow(&client, url, text).await?,
            etag,
            last_modified,
        }),
        Fetched::NotModified => Ok(Fetched::NotModified),
    }
}

fn client() -> Result<reqwest::Client, FetchError> {
    crate::tls::client_builder()
        .connect_timeout(TIMEOUT)
        .read_timeout(TIMEOUT)
        .timeout(TOTAL)
        // Cross-origin redirects drop `Authorization` in reqwest; other secret headers, if
        // catalogs ever send any, would need the same-origin policy of `upstream/remote.rs`.
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FetchError::Client {
            source: e.without_url(),
        })
}

/// One GET, conditional on the cached copy's validators.
async fn request(
    client: &reqwest::Client,
    url: &str,
    cached: Option<&CachedCatalog>,
) -> Result<Fetched, FetchError> {
    let mut request = client.get(url).header(
        reqwest::header::ACCEPT,
        "application/json, application/yaml, text/yaml, */*;q=0.5",
    );
    if let Some(copy) = cached {
        if let Some(etag) = &copy.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = &copy.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
    }
    let request_error = |e: reqwest::Error| FetchError::Request {
        source: e.without_url(),
    };
    let mut response = request.send().await.map_err(request_error)?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(FetchError::Status { status });
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BYTES as u64)
    {
        return Err(FetchError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(request_error)? {
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).map_err(|_| FetchError::NotText)?;
    Ok(Fetched::Body {
        text,
        etag,
        last_modified,
    })
}

/// `url` as logs and errors show it: no user name or password, no query or fragment.
pub(crate) fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) => {
            let hidden = parsed.query().is_some();
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            if hidden {
                format!("{parsed}?…")
            } else {
                parsed.to_string()
            }
        }
        Err(_) => "(an invalid URL)".to_string(),
    }
}

/// `error` and its causes on one line, for a log field.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    for cause in std::iter::successors(error.source(), |e| e.source()) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_urls_carry_no_credentials_or_query() {
        assert_eq!(
            shown("https://user:pw@example.test/c.json?token=abc#x"),
            "https://example.test/c.json?…"
        );
        assert_eq!(
            shown("http://127.0.0.1:8080/v0/servers"),
            "http://127.0.0.1:8080/v0/servers"
        );
        assert_eq!(shown("http://"), "(an invalid URL)");
    }
}
