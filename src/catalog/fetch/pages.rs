//! The MCP Registry's `/v0/servers` answers a page at a time (`?cursor=…`, the next one named
//! in `metadata.nextCursor`). A fetched list that names a next page is followed to its end, and
//! the pages are joined into one list, which is what is parsed and cached; a registry URL then
//! means the whole registry, as a saved dump of it would. Revalidation asks about the first
//! page only (its `ETag` / `Last-Modified`): a registry whose later pages change alone is seen
//! changed when its first page is.

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{FetchError, Fetched, MAX_BYTES, request};

/// The most pages one fetch follows (the registry's pages hold up to 100 servers).
pub(super) const MAX_PAGES: usize = 1000;

/// A page: its servers, unparsed, and the cursor of the next.
#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    servers: Vec<&'a RawValue>,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(rename = "nextCursor", default)]
    next_cursor: Option<String>,
}

/// The next page's cursor, if `text` is a list that has one.
fn next_cursor(text: &str) -> Option<String> {
    let page: Page = serde_json::from_str(text).ok()?;
    page.metadata.next_cursor.filter(|c| !c.is_empty())
}

/// `first` (fetched from `url`) and every page after it, as one list; `first` itself when it
/// names no next page (a catalog of another kind, or a list that fits one page).
pub(super) async fn follow(
    client: &reqwest::Client,
    url: &str,
    first: String,
) -> Result<String, FetchError> {
    let Some(mut cursor) = next_cursor(&first) else {
        return Ok(first);
    };
    let mut bodies = vec![first];
    let mut seen = std::collections::HashSet::new();
    let mut size = bodies[0].len();
    loop {
        if bodies.len() >= MAX_PAGES {
            return Err(FetchError::TooManyPages);
        }
        if !seen.insert(cursor.clone()) {
            // A registry that hands out a cursor twice would go round for ever.
            break;
        }
        let text = match request(client, &with_cursor(url, &cursor)?, None).await? {
            Fetched::Body { text, .. } => text,
            Fetched::NotModified => return Err(FetchError::UnexpectedNotModified),
        };
        size += text.len();
        if size > MAX_BYTES {
            return Err(FetchError::TooLarge);
        }
        let next = match serde_json::from_str::<Page>(&text) {
            Ok(page) => page.metadata.next_cursor.filter(|c| !c.is_empty()),
            Err(error) => {
                return Err(FetchError::Page {
                    page: bodies.len() + 1,
                    reason: error.to_string(),
                });
            }
        };
        bodies.push(text);
        match next {
            Some(next) => cursor = next,
            None => break,
        }
    }
    join(&bodies)
}

/// `url` with its `cursor` query parameter set to `cursor` (other parameters kept).
fn with_cursor(url: &str, cursor: &str) -> Result<String, FetchError> {
    let mut parsed = reqwest::Url::parse(url).map_err(|error| FetchError::Page {
        page: 2,
        reason: format!("the list's URL does not parse: {error}"),
    })?;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != "cursor")
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect();
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(kept)
        .append_pair("cursor", cursor);
    Ok(parsed.into())
}

/// The pages' servers as one list response.
fn join(bodies: &[String]) -> Result<String, FetchError> {
    let mut servers: Vec<&RawValue> = Vec::new();
    for (at, body) in bodies.iter().enumerate() {
        let page: Page = serde_json::from_str(body).map_err(|error| FetchError::Page {
            page: at + 1,
            reason: error.to_string(),
        })?;
        servers.extend(page.servers);
    }
    let count = servers.len();
    serde_json::to_string(&serde_json::json!({
        "servers": servers,
        "metadata": { "count": count },
    }))
    .map_err(|error| FetchError::Page {
        page: 1,
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_replace_the_previous_one_and_keep_other_parameters() {
        assert_eq!(
            with_cursor("https://r.test/v0/servers?limit=100&cursor=a", "b/c").unwrap(),
            "https://r.test/v0/servers?limit=100&cursor=b%2Fc"
        );
        assert_eq!(
            with_cursor("https://r.test/v0/servers", "x").unwrap(),
            "https://r.test/v0/servers?cursor=x"
        );
    }

    #[test]
    fn pages_join_into_one_list() {
        let first = r#"{"servers": [{"server": {"name": "a"}}], "metadata": {"nextCursor": "2", "count": 1}}"#;
        let second = r#"{"servers": [{"server": {"name": "b"}}], "metadata": {"count": 1}}"#;
        assert_eq!(next_cursor(first).as_deref(), Some("2"));
        assert_eq!(next_cursor(second), None);
        assert_eq!(next_cursor("registry: {}"), None);
        let joined: serde_json::Value =
            serde_json::from_str(&join(&[first.into(), second.into()]).unwrap()).unwrap();
        assert_eq!(joined["metadata"]["count"], 2);
        assert_eq!(joined["servers"][1]["server"]["name"], "b");
    }
}
