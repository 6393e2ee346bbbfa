//! Words that mean the same thing to someone looking for a tool: abbreviations, product
//! nicknames and spelling variants. Each group is symmetric; a query word matches a document
//! word of its group at a slight discount (see `rank.rs`).
//!
//! Keep groups to true equivalents: a loose group ("cache" ~ "redis") would favour one product
//! over the others that do the same job.

/// Groups of interchangeable words, in plain (unanalyzed) form.
pub(crate) const GROUPS: &[&[&str]] = &[
    &["postgres", "postgresql", "pg", "psql"],
    &["k8s", "kubernetes", "kube", "kubectl"],
    &["repo", "repository", "repositories", "repos"],
    &["db", "database", "databases"],
    &["doc", "docs", "documentation"],
    &["js", "javascript", "node", "nodejs"],
    &["ts", "typescript"],
    &["py", "python"],
    &["gh", "github"],
    &["email", "mail", "e-mail", "emails", "inbox"],
    &["pr", "pull-request", "pullrequest"],
    &["mr", "merge-request"],
    &["aws", "amazon"],
    &["gcp", "google-cloud"],
    &["az", "azure"],
    &["llm", "llms", "genai"],
    &["ml", "machine-learning"],
    &["vm", "vms", "virtual-machine"],
    &["ci", "cicd", "ci-cd", "pipeline", "pipelines"],
    &["dir", "directory", "folder", "folders", "directories"],
    &["file", "files", "filesystem", "fs"],
    &["url", "urls", "link", "links"],
    &["webpage", "webpages", "website", "websites"],
    &["web", "internet", "online"],
    &["screenshot", "screenshots", "screen-capture"],
    &["browser", "chrome", "chromium", "headless"],
    &["ocr", "text-recognition"],
    &["tts", "text-to-speech", "speech", "synthesis", "synthesize"],
    &[
        "stt",
        "speech-to-text",
        "transcribe",
        "transcription",
        "transcript",
        "transcripts",
        "captions",
        "subtitles",
    ],
    &["calendar", "schedule", "meeting", "meetings"],
    &["chat", "message", "messages", "messaging"],
    &["ticket", "tickets", "issue", "issues", "bug", "bugs"],
    &["wiki", "wikipedia", "encyclopedia"],
    &[
        "paper",
        "papers",
        "research",
        "scholarly",
        "academic",
        "arxiv",
    ],
    &["payment", "payments", "pay", "billing", "checkout"],
    &["crypto", "cryptocurrency", "blockchain", "web3"],
    &["stock", "stocks", "equity", "equities", "shares"],
    &["map", "maps", "directions", "geocoding", "navigation"],
    &["weather", "forecast", "meteo"],
    &["flight", "flights", "airline", "airfare"],
    &["hotel", "hotels", "lodging", "accommodation", "booking"],
    &["video", "videos", "movie", "footage"],
    &["image", "images", "picture", "pictures", "photo", "photos"],
    &[
        "math",
        "maths",
        "mathematics",
        "calculate",
        "calculation",
        "computation",
        "compute",
    ],
    &["sandbox", "sandboxed", "interpreter"],
    &["vulnerability", "vulnerabilities", "cve", "cves", "exploit"],
    &[
        "secret",
        "secrets",
        "credential",
        "credentials",
        "password",
        "passwords",
        "vault",
    ],
    &["log", "logs", "logging"],
    &["metric", "metrics", "monitoring", "telemetry"],
    &["trace", "traces", "tracing", "apm"],
    &["observability", "o11y"],
    &["spreadsheet", "spreadsheets", "sheet", "sheets", "excel"],
    &["note", "notes", "notebook", "notebooks"],
    &["todo", "todos", "task", "tasks"],
    &["crm", "customer-relationship"],
    &["seo", "search-engine-optimization"],
    &["graphql", "gql"],
    &["nosql", "document-store"],
    &["vector", "vectors", "embedding", "embeddings", "semantic"],
    &["kv", "key-value"],
    &["container", "containers", "docker"],
    &["iac", "infrastructure-as-code"],
    &["dns", "domain", "domains"],
    &["sms", "text-message"],
    &["news", "headlines"],
    &["shop", "ecommerce", "e-commerce", "shopping"],
    &["translate", "translation", "translator"],
    &["pdf", "pdfs"],
    &["youtube", "yt"],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_have_no_duplicates_and_several_words() {
        let mut seen = std::collections::HashSet::new();
        for group in GROUPS {
            assert!(group.len() >= 2, "{group:?}");
            for word in *group {
                assert!(seen.insert(*word), "{word} is in two groups");
            }
        }
    }
}
