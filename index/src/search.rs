//! The in-RAM tantivy index: schema, build, and the ranked query.

use std::collections::HashSet;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions};
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument, Term};

use crate::analyze::{self, ANALYZER};
use crate::{Document, Error, Hit, MAX_LIMIT};

/// Field weights: a hit in the name says far more than one in a tool's long description.
const NAME_BOOST: f32 = 4.0;
const TITLE_BOOST: f32 = 3.0;
const TAGS_BOOST: f32 = 2.0;
const TOOL_NAMES_BOOST: f32 = 1.5;
const DESCRIPTION_BOOST: f32 = 1.0;
const TOOL_TEXT_BOOST: f32 = 0.5;
/// Typo matches count, but never as much as the word itself.
const FUZZY_BOOST: f32 = 0.3;
/// An exact server name or tool name beats any amount of descriptive overlap.
const EXACT_NAME_BOOST: f32 = 1000.0;
const EXACT_TOOL_BOOST: f32 = 200.0;

/// A catalog's search index, built once per catalog load and shared read-only by every query.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// For each document: its tools' names and analyzed terms, to report tool-level hits.
    tool_terms: Vec<Vec<(String, HashSet<String>)>>,
    /// For each document: its name, for the stable tie-break.
    names: Vec<String>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.names.len())
            .finish()
    }
}

#[derive(Clone, Copy)]
struct Fields {
    position: Field,
    exact_name: Field,
    exact_tools: Field,
    name: Field,
    title: Field,
    tags: Field,
    tool_names: Field,
    description: Field,
    tool_text: Field,
}

impl Fields {
    /// Analyzed fields with their weights, in the order queries visit them.
    fn weighted(&self) -> [(Field, f32); 6] {
        [
            (self.name, NAME_BOOST),
            (self.title, TITLE_BOOST),
            (self.tags, TAGS_BOOST),
            (self.tool_names, TOOL_NAMES_BOOST),
            (self.description, DESCRIPTION_BOOST),
            (self.tool_text, TOOL_TEXT_BOOST),
        ]
    }
}

impl SearchIndex {
    /// Indexes `documents` in RAM; a [`Hit`] refers back to them by position.
    pub fn build(documents: &[Document]) -> Result<Self, Error> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let raw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            position: schema.add_u64_field("position", STORED),
            exact_name: schema.add_text_field("exact_name", raw.clone()),
            exact_tools: schema.add_text_field("exact_tools", raw),
            name: schema.add_text_field("name", text.clone()),
            title: schema.add_text_field("title", text.clone()),
            tags: schema.add_text_field("tags", text.clone()),
            tool_names: schema.add_text_field("tool_names", text.clone()),
            description: schema.add_text_field("description", text.clone()),
            tool_text: schema.add_text_field("tool_text", text),
        };
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(ANALYZER, analyze::analyzer());

        let mut analyzer = analyze::analyzer();
        // One thread: the build is deterministic and small catalogs do not need more.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
        let mut tool_terms = Vec::with_capacity(documents.len());
        for (position, document) in documents.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_u64(fields.position, position as u64);
            doc.add_text(fields.exact_name, normalize(&document.name));
            doc.add_text(fields.name, analyze::split_identifiers(&document.name));
            doc.add_text(fields.title, &document.title);
            doc.add_text(fields.description, &document.description);
            doc.add_text(fields.tags, &document.category);
            for tag in &document.tags {
                doc.add_text(fields.tags, analyze::split_identifiers(tag));
            }
            let mut terms_of_tools = Vec::with_capacity(document.tools.len());
            for tool in &document.tools {
                doc.add_text(fields.exact_tools, normalize(&tool.name));
                doc.add_text(fields.tool_names, analyze::split_identifiers(&tool.name));
                doc.add_text(fields.tool_text, &tool.description);
                let mut terms: HashSet<String> = analyze::terms(&mut analyzer, &tool.name)
                    .into_iter()
                    .collect();
                terms.extend(analyze::terms(&mut analyzer, &tool.description));
                terms_of_tools.push((tool.name.clone(), terms));
            }
            tool_terms.push(terms_of_tools);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        reader.reload()?;
        Ok(SearchIndex {
            reader,
            fields,
            tool_terms,
            names: documents.iter().map(|d| d.name.clone()).collect(),
        })
    }

    /// Number of indexed documents.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the index holds no documents.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Ranks documents for a free-text `query`; the text is never parsed as query syntax.
    ///
    /// `limit` is clamped to `1..=MAX_LIMIT`. A non-empty index never returns an empty list:
    /// when no term matches, the closest spellings are tried, then the first names.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, Error> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let mut analyzer = analyze::analyzer();
        let terms = analyze::terms(&mut analyzer, query);
        let exact = normalize(query);
        if terms.is_empty() && exact.is_empty() {
            return Err(Error::EmptyQuery);
        }
        if self.is_empty() {
            return Ok(Vec::new());
        }
        let mut hits = self.run(&self.ranking_query(&terms, &exact, 1), limit)?;
        if hits.is_empty() {
            hits = self.run(&self.ranking_query(&terms, &exact, 2), limit)?;
        }
        if hits.is_empty() {
            hits = self.first_by_name(limit);
        }
        for hit in &mut hits {
            hit.matched_tools = self.matched_tools(hit.doc, &terms);
        }
        Ok(hits)
    }

    fn ranking_query(&self, terms: &[String], exact: &str, fuzzy_distance: u8) -> BooleanQuery {
        let fields = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !exact.is_empty() {
            for (field, boost) in [
                (fields.exact_name, EXACT_NAME_BOOST),
                (fields.exact_tools, EXACT_TOOL_BOOST),
            ] {
                let term = Term::from_field_text(field, exact);
                clauses.push((
                    Occur::Should,
                    boosted(TermQuery::new(term, IndexRecordOption::Basic), boost),
                ));
            }
        }
        for text in terms {
            for (field, boost) in fields.weighted() {
                let term = Term::from_field_text(field, text);
                clauses.push((
                    Occur::Should,
                    boosted(TermQuery::new(term, IndexRecordOption::WithFreqs), boost),
                ));
            }
            // Typos in short words match too much unrelated text; only longer words get slack.
            if text.chars().count() >= 5 || fuzzy_distance > 1 {
                for (field, boost) in [
                    (fields.name, NAME_BOOST),
                    (fields.title, TITLE_BOOST),
                    (fields.tool_names, TOOL_NAMES_BOOST),
                ] {
                    let term = Term::from_field_text(field, text);
                    let fuzzy = FuzzyTermQuery::new(term, fuzzy_distance, true);
                    clauses.push((Occur::Should, boosted(fuzzy, boost * FUZZY_BOOST)));
                }
            }
        }
        BooleanQuery::new(clauses)
    }

    fn run(&self, query: &BooleanQuery, limit: usize) -> Result<Vec<Hit>, Error> {
        let searcher = self.reader.searcher();
        // Fetch a few extra so equal scores at the cut are ordered by name, not by chance.
        let top = searcher.search(query, &TopDocs::with_limit(limit + 10).order_by_score())?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let position = doc
                .get_first(self.fields.position)
                .and_then(|v| tantivy::schema::Value::as_u64(&v))
                .unwrap_or_default() as usize;
            hits.push(Hit {
                doc: position,
                score,
                matched_tools: Vec::new(),
            });
        }
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| self.names[a.doc].cmp(&self.names[b.doc]))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    fn first_by_name(&self, limit: usize) -> Vec<Hit> {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|a, b| self.names[*a].cmp(&self.names[*b]));
        order
            .into_iter()
            .take(limit)
            .map(|doc| Hit {
                doc,
                score: 0.0,
                matched_tools: Vec::new(),
            })
            .collect()
    }

    fn matched_tools(&self, doc: usize, terms: &[String]) -> Vec<String> {
        let mut scored: Vec<(usize, &str)> = self.tool_terms[doc]
            .iter()
            .map(|(name, tool_terms)| {
                (
                    terms.iter().filter(|t| tool_terms.contains(*t)).count(),
                    name.as_str(),
                )
            })
            .filter(|(count, _)| *count > 0)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        scored
            .into_iter()
            .map(|(_, name)| name.to_string())
            .collect()
    }
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// The form an exact name is compared in: trimmed, lowercased, inner spaces as dashes.
fn normalize(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ToolText;

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
}
