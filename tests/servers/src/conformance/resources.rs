//! The resources the scenarios read: a static text and a static binary resource, the watched
//! resource (it changes every few seconds once watched, and its subscribers are told), and the
//! template `test://template/{id}/data`. Unknown URIs are an error, never empty contents
//! (SEP-2164); rmcp turns our -32002 into -32602 for 2026-07-28 clients.

use rmcp::model::{
    CacheScope, ErrorData, ListResourceTemplatesResult, ListResourcesResult, ReadResourceResult,
    Resource, ResourceContents, ResourceTemplate,
};

use super::tools::PNG_BASE64;

pub(crate) const STATIC_TEXT_URI: &str = "test://static-text";
pub(crate) const STATIC_BINARY_URI: &str = "test://static-binary";
pub(crate) const WATCHED_URI: &str = "test://watched-resource";
const TEMPLATE: &str = "test://template/{id}/data";

/// How long clients may cache lists and static contents (SEP-2549); the same for everyone.
pub(crate) const LIST_TTL_MS: u64 = 60_000;

pub(crate) fn list() -> ListResourcesResult {
    let resources = vec![
        Resource::new(STATIC_TEXT_URI, "static-text")
            .with_title("Static Text Resource")
            .with_description("A static text resource for testing")
            .with_mime_type("text/plain"),
        Resource::new(STATIC_BINARY_URI, "static-binary")
            .with_title("Static Binary Resource")
            .with_description("A static binary resource (a 1x1 PNG) for testing")
            .with_mime_type("image/png"),
        Resource::new(WATCHED_URI, "watched-resource")
            .with_title("Watched Resource")
            .with_description(
                "A resource that changes every 3 seconds while watched; subscribe to hear of it",
            )
            .with_mime_type("text/plain"),
    ];
    ListResourcesResult::with_all_items(resources)
        .with_ttl_ms(LIST_TTL_MS)
        .with_cache_scope(CacheScope::Public)
}

pub(crate) fn templates() -> ListResourceTemplatesResult {
    let template = ResourceTemplate::new(TEMPLATE, "template")
        .with_title("Resource Template")
        .with_description("A resource template with parameter substitution")
        .with_mime_type("application/json");
    ListResourceTemplatesResult::with_all_items(vec![template])
        .with_ttl_ms(LIST_TTL_MS)
        .with_cache_scope(CacheScope::Public)
}

/// Whether `uri` names a resource this server can read.
pub(crate) fn exists(uri: &str) -> bool {
    matches!(uri, STATIC_TEXT_URI | STATIC_BINARY_URI | WATCHED_URI) || template_id(uri).is_some()
}

/// The contents of `uri`; `watched_revision` is how often the watched resource has changed.
pub(crate) fn read(uri: &str, watched_revision: u64) -> Result<ReadResourceResult, ErrorData> {
    let (contents, ttl_ms) = match uri {
        STATIC_TEXT_URI => (
            ResourceContents::text("This is the content of the static text resource.", uri),
            LIST_TTL_MS,
        ),
        STATIC_BINARY_URI => (
            ResourceContents::blob(PNG_BASE64, uri).with_mime_type("image/png"),
            LIST_TTL_MS,
        ),
        // It changes, so nobody should cache it.
        WATCHED_URI => (
            ResourceContents::text(
                format!("Watched resource content (revision {watched_revision})"),
                uri,
            ),
            0,
        ),
        _ => match template_id(uri) {
            Some(id) => {
                let data = serde_json::json!({
                    "id": id,
                    "templateTest": true,
                    "data": format!("Data for ID: {id}"),
                });
                (
                    ResourceContents::text(data.to_string(), uri)
                        .with_mime_type("application/json"),
                    LIST_TTL_MS,
                )
            }
            None => return Err(not_found(uri)),
        },
    };
    Ok(ReadResourceResult::new(vec![contents])
        .with_ttl_ms(ttl_ms)
        .with_cache_scope(CacheScope::Public))
}

/// Resource-not-found with the URI in `data`, as SEP-2164 asks.
pub(crate) fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!("Resource not found: {uri}"),
        Some(serde_json::json!({ "uri": uri })),
    )
}

/// The `{id}` of a URI matching the template: one non-empty path segment.
fn template_id(uri: &str) -> Option<&str> {
    let id = uri
        .strip_prefix("test://template/")?
        .strip_suffix("/data")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_substitutes_one_segment() {
        assert_eq!(template_id("test://template/123/data"), Some("123"));
        assert_eq!(template_id("test://template//data"), None);
        assert_eq!(template_id("test://template/1/2/data"), None);
        let result = read("test://template/123/data", 0).expect("a template match");
        let wire = serde_json::to_value(result).expect("serializes");
        assert_eq!(wire["contents"][0]["uri"], "test://template/123/data");
        assert!(
            wire["contents"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains("123"))
        );
    }

    #[test]
    fn unknown_uris_are_not_found_with_the_uri_in_data() {
        let error = read("test://nonexistent", 0).expect_err("not found");
        assert_eq!(
            error.data,
            Some(serde_json::json!({ "uri": "test://nonexistent" }))
        );
        assert!(!exists("test://nonexistent"));
    }
}
