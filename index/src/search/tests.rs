//! Ranking checks over a small inline catalog.

use crate::{Document, Error, SearchIndex, ToolText};

fn doc(name: &str, title: &str, description: &str, tools: &[&str]) -> Document {
    Document {
        name: name.into(),
        title: title.into(),
        description: description.into(),
        tools: tools
            .iter()
            .map(|t| ToolText {
                name: (*t).into(),
                description: String::new(),
            })
            .collect(),
        ..Document::default()
    }
}

fn catalog() -> Vec<Document> {
    vec![
        doc(
            "github",
            "GitHub",
            "Issues, pull requests and repositories",
            &["create_issue", "list_pull_requests"],
        ),
        doc(
            "gitlab",
            "GitLab",
            "Merge requests and pipelines",
            &["create_merge_request"],
        ),
        doc(
            "postgres",
            "PostgreSQL",
            "Query a Postgres database",
            &["query"],
        ),
        doc(
            "time",
            "Time",
            "Current time and timezone conversion",
            &["get_current_time"],
        ),
        doc(
            "fetch",
            "Fetch",
            "Download web pages as markdown",
            &["fetch"],
        ),
    ]
}

fn check(query: &str, expect: &[&str]) {
    let docs = catalog();
    let index = SearchIndex::build(&docs).unwrap();
    let hits = index.search(query, 3).unwrap();
    let names: Vec<&str> = hits.iter().map(|h| docs[h.doc].name.as_str()).collect();
    assert_eq!(
        &names[..expect.len()],
        expect,
        "query {query:?} ranked {names:?}"
    );
}

#[test]
fn ranks_by_field_weight() {
    check("pull requests", &["github"]);
    check("merge request", &["gitlab"]);
    check("timezone", &["time"]);
}

#[test]
fn exact_names_rank_first() {
    check("fetch", &["fetch"]);
    check("create_merge_request", &["gitlab"]);
    check("get_current_time", &["time"]);
    check("list pull requests", &["github"]);
    check("GitHub", &["github"]);
}

#[test]
fn typos_and_syntax_characters_are_plain_text() {
    check("postgress", &["postgres"]);
    check("\"github (repositories*", &["github"]);
}

#[test]
fn never_empty_and_deterministic() {
    let docs = catalog();
    let index = SearchIndex::build(&docs).unwrap();
    let first = index.search("zzzz qqqq 漢字 🚀", 10).unwrap();
    assert!(!first.is_empty());
    assert_eq!(first, index.search("zzzz qqqq 漢字 🚀", 10).unwrap());
}

#[test]
fn empty_query_is_an_error() {
    let index = SearchIndex::build(&catalog()).unwrap();
    assert!(matches!(index.search("  \t", 5), Err(Error::EmptyQuery)));
}

#[test]
fn limit_is_clamped_and_tools_reported() {
    let docs = catalog();
    let index = SearchIndex::build(&docs).unwrap();
    assert_eq!(index.search("time", 0).unwrap().len(), 1);
    let hits = index.search("current time", 10_000).unwrap();
    assert_eq!(hits[0].matched_tools, vec!["get_current_time".to_string()]);
}

/// A word no server uses is tolerated as a typo only if it is not itself a word.
#[test]
fn real_words_are_not_typos() {
    let index = SearchIndex::build(&[
        doc("jetbrains", "JetBrains", "Brains for your IDE", &[]),
        doc("clock", "Clock", "The current time", &[]),
    ])
    .unwrap();
    let scored = |query: &str| {
        index
            .search_in(query, 5, crate::Mode::Lexical)
            .unwrap()
            .into_iter()
            .filter(|hit| hit.score > 0.0)
            .count()
    };
    assert_eq!(
        scored("rain time"),
        1,
        "rain is a word, not a misspelled brain"
    );
    assert_eq!(scored("brians time"), 2, "brians is a typo of brains");
}
