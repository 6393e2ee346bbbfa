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
struct Page {
    servers: Vec<Box<RawValue>>,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(rename = "nextCursor", default)]
    next_cursor: Option<String>,
}

impl Page {
    /// The next page's cursor, if there is one.
    fn next(&mut self) -> Option<String> {
        self.metadata.next_cursor.take().filter(|c| !c.is_empty())
    }
}

/// `first` (fetched from `url`) and every page after it, as one list; `first` itself when it
/// names no next page (a catalog of another kind, or a list that fits one page).
pub(super) async fn follow(
    client: &reqwest::Client,
    url: &str,
    first: String,
) -> Result<String, FetchError> {
    let Some((mut servers, mut cursor)) = serde_json::from_str::<Page>(&first)
        .ok()
        .and_then(|mut page| page.next().map(|next| (page.servers, next)))
    else {
        return Ok(first);
    };
    let mut seen = std::collections::HashSet::new();
    let (mut pages, mut size) = (1, first.len());
    // A registry that hands out a cursor twice would go round for ever.
    while seen.insert(cursor.clone()) {
        if pages >= MAX_PAGES {
            return Err(FetchError::TooManyPages);
        }
        let text = match request(client, &with_cursor(url, &cursor)?, None).await? {
            Fetched::Body { text, .. } => text,
            Fetched::NotModified => return Err(FetchError::UnexpectedNotModified),
        };
        pages += 1;
        size += text.len();
        if size > MAX_BYTES {
            return Err(FetchError::TooLarge);
        }
        let mut page: Page = serde_json::from_str(&text).map_err(|error| FetchError::Page {
            page: pages,
            reason: error.to_string(),
        })?;
        let next = page.next();
        servers.append(&mut page.servers);
        match next {
            Some(next) => cursor = next,
            None => break,
        }
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
    fn a_page_names_its_next_one() {
        let mut first: Page = serde_json::from_str(
            r#"{"servers": [{"server": {"name": "a"}}], "metadata": {"nextCursor": "2", "count": 1}}"#,
        )
        .unwrap();
        assert_eq!(first.next().as_deref(), Some("2"));
        let mut last: Page =
            serde_json::from_str(r#"{"servers": [], "metadata": {"nextCursor": ""}}"#).unwrap();
        assert_eq!(last.next(), None);
        assert!(serde_json::from_str::<Page>("registry: {}").is_err());
    }
}
