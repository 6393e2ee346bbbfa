//! Why a hit matched, for people: which query words were found in which fields and tools, and
//! how much words, meaning and an exact name each added to its score. It reads what the ranker
//! already computed (`Parts`) and the document's terms; it never ranks anything itself.

use crate::analyze::Analyzer;
use crate::rank::{self, DocTerms, Plan, TermGroup, field};

/// The parts of one hit's score, as `search.rs` and `fusion.rs` computed them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Parts {
    pub(crate) words: f32,
    pub(crate) meaning: Option<f32>,
    pub(crate) cosine: Option<f32>,
    pub(crate) exact: f32,
}

/// Why one hit ranked where it did; see [`crate::SearchIndex::search_explained`].
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Each query word (after stop words are dropped) and where in this server it was found.
    pub words: Vec<WordMatch>,
    /// What the words added to the score.
    pub lexical: f32,
    /// What meaning (the semantic stage) added; `None` when the query was ranked by words
    /// alone (lexical mode, or the model is unavailable).
    pub semantic: Option<f32>,
    /// The closeness in meaning of the query to the server (or its best tool), when the
    /// semantic stage ran.
    pub cosine: Option<f32>,
    /// The query is the server's name or title, or one of its tools' names.
    pub exact: Option<ExactMatch>,
    /// Every word of the server's name is in the query.
    pub name_in_query: bool,
}

/// One query word and where a document has it.
#[derive(Debug, Clone, PartialEq)]
pub struct WordMatch {
    /// The word as the query wrote it (lowercased).
    pub word: String,
    /// Its analyzed form (stemmed), as the index compares it.
    pub term: String,
    /// How it was found; `None` if this document does not have it.
    pub found: Option<Via>,
    /// The server's own fields that have it, best first.
    pub fields: Vec<Field>,
    /// The server's tools whose name or description has it.
    pub tools: Vec<String>,
}

/// How a query word was found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// As written (after stemming).
    Word,
    /// Through a synonym, e.g. `k8s` for `kubernetes`.
    Synonym(String),
    /// As a near spelling of a term in a name, title, tag or tool name.
    Spelling(String),
}

/// A field of a catalog server as the ranker weighs it, from the most telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The catalog key.
    Name,
    /// The human title.
    Title,
    /// Category and tags.
    Tags,
    /// A tool's name.
    ToolName,
    /// The description.
    Description,
    /// What the index knows of a well-known product the server names.
    Knowledge,
    /// A tool's description or arguments.
    ToolText,
    /// Config settings and their descriptions.
    Details,
}

impl Field {
    /// A short lowercase name, e.g. `tool_name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Title => "title",
            Field::Tags => "tags",
            Field::ToolName => "tool_name",
            Field::Description => "description",
            Field::Knowledge => "knowledge",
            Field::ToolText => "tool_text",
            Field::Details => "details",
        }
    }

    /// The fields in `mask`, best first.
    fn of(mask: u8) -> Vec<Field> {
        [
            (field::NAME, Field::Name),
            (field::TITLE, Field::Title),
            (field::TAGS, Field::Tags),
            (field::TOOL_NAMES, Field::ToolName),
            (field::DESCRIPTION, Field::Description),
            (field::KNOWLEDGE, Field::Knowledge),
            (field::TOOL_TEXT, Field::ToolText),
            (field::DETAILS, Field::Details),
        ]
        .into_iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, f)| f)
        .collect()
    }
}

/// What an exact match was on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactMatch {
    /// The server's name or title.
    Name,
    /// One of its tools' names.
    Tool,
}

/// Analyzed term -> the query word it came from, in query order.
pub(crate) fn query_words(analyzer: &mut Analyzer, query: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in query.split(|c: char| !c.is_alphanumeric()) {
        for term in analyzer.terms(word) {
            if !out.iter().any(|(t, _)| *t == term) {
                out.push((term, word.to_lowercase()));
            }
        }
    }
    out
}

/// The explanation of one hit on `doc`.
pub(crate) fn explain(
    plan: &Plan,
    words: &[(String, String)],
    doc: &DocTerms,
    parts: &Parts,
) -> Explanation {
    let words = plan
        .groups
        .iter()
        .map(|group| {
            let word = words
                .iter()
                .find(|(term, _)| *term == group.term)
                .map_or_else(|| group.term.clone(), |(_, word)| word.clone());
            word_match(group, word, doc)
        })
        .collect();
    let exact = if parts.exact >= rank::EXACT_NAME_BONUS {
        Some(ExactMatch::Name)
    } else if parts.exact > 0.0 {
        Some(ExactMatch::Tool)
    } else {
        None
    };
    Explanation {
        words,
        lexical: parts.words,
        semantic: parts.meaning,
        cosine: parts.cosine,
        exact,
        name_in_query: rank::name_in_query(plan, doc) > 0.0,
    }
}

/// Where `doc` has the query word of `group`: as written, else through a synonym, else (for a
/// word no server has) as a near spelling in a label.
fn word_match(group: &TermGroup, word: String, doc: &DocTerms) -> WordMatch {
    let has = |terms: &[String]| terms.iter().all(|t| doc.terms.contains_key(t));
    let direct = std::slice::from_ref(&group.term);
    let (found, terms): (Option<Via>, Vec<String>) = if has(direct) {
        (Some(Via::Word), direct.to_vec())
    } else if let Some((synonym, _)) = group.synonyms.iter().find(|(s, _)| has(s)) {
        (Some(Via::Synonym(synonym.join(" "))), synonym.clone())
    } else if let Some(near) = group
        .fuzzy
        .then(|| {
            doc.terms
                .iter()
                .filter(|(t, mask)| *mask & field::LABELS != 0 && rank::close(&group.term, t))
                .map(|(t, _)| t.clone())
                .min()
        })
        .flatten()
    {
        (Some(Via::Spelling(near.clone())), vec![near])
    } else {
        (None, Vec::new())
    };
    // A phrase synonym counts where all its words are: the fields every one of them is in.
    let mask = terms
        .iter()
        .map(|t| doc.terms.get(t).copied().unwrap_or(0))
        .reduce(|a, b| a & b)
        .unwrap_or(0);
    let server_fields = Field::of(mask & !field::TOOL);
    let mut fields = server_fields;
    let tools: Vec<String> = if terms.is_empty() {
        Vec::new()
    } else {
        doc.tools
            .iter()
            .filter(|tool| terms.iter().all(|t| tool.terms.contains_key(t)))
            .map(|tool| tool.name.clone())
            .collect()
    };
    for tool_field in Field::of(mask & field::TOOL) {
        fields.push(tool_field);
    }
    fields.sort_by_key(|f| *f as u8);
    WordMatch {
        word,
        term: group.term.clone(),
        found,
        fields,
        tools,
    }
}

#[cfg(test)]
mod tests {
    use crate::{Document, ExactMatch, Field, Mode, SearchIndex, ToolText, Via};

    fn catalog() -> Vec<Document> {
        let tool = |name: &str, description: &str| ToolText {
            name: name.into(),
            description: description.into(),
        };
        vec![
            Document {
                name: "echo".into(),
                title: "Echo fixture".into(),
                description: "Echoes text back and adds numbers".into(),
                tags: vec!["testing".into()],
                tools: vec![
                    tool("echo", "Echo the given text back"),
                    tool("add", "Add two integers"),
                ],
                ..Document::default()
            },
            Document {
                name: "kubernetes".into(),
                title: "Kubernetes".into(),
                description: "Manage pods and deployments in a cluster".into(),
                tools: vec![tool("list_pods", "List pods")],
                ..Document::default()
            },
        ]
    }

    #[test]
    fn explanations_name_fields_tools_and_keep_the_ranking() {
        let index = SearchIndex::build(&catalog()).unwrap();
        for mode in [Mode::Lexical, Mode::Hybrid] {
            let index = SearchIndex::build(&catalog()).unwrap().with_mode(mode);
            let plain = index.search("echo text", 5).unwrap();
            let explained = index.search_explained("echo text", 5).unwrap();
            let hits: Vec<_> = explained.iter().map(|(hit, _)| hit.clone()).collect();
            assert_eq!(hits, plain, "{mode:?}: same ranking");
            let (hit, why) = &explained[0];
            assert_eq!(hit.doc, 0);
            let echo = &why.words[0];
            assert_eq!(
                (echo.word.as_str(), echo.found.clone()),
                ("echo", Some(Via::Word))
            );
            assert!(
                echo.fields.starts_with(&[Field::Name, Field::Title]),
                "{echo:?}"
            );
            assert_eq!(echo.tools, ["echo"]);
            assert!(why.name_in_query);
            assert_eq!(
                why.semantic.is_some(),
                mode == Mode::Hybrid && crate::load_model()
            );
            assert!(why.lexical > 0.0);
        }
        let (_, why) = &index.search_explained("echo", 1).unwrap()[0];
        assert_eq!(why.exact, Some(ExactMatch::Name));
        // A synonym and a typo are said to be one.
        let lexical = SearchIndex::build(&catalog())
            .unwrap()
            .with_mode(Mode::Lexical);
        let (hit, why) = &lexical.search_explained("k8s", 1).unwrap()[0];
        assert_eq!(hit.doc, 1);
        assert!(
            matches!(why.words[0].found, Some(Via::Synonym(_))),
            "{why:?}"
        );
        let (hit, why) = &lexical.search_explained("kubernetis pods", 1).unwrap()[0];
        assert_eq!(hit.doc, 1);
        assert_eq!(
            why.words[0].found,
            Some(Via::Spelling("kubernet".into())),
            "{why:?}"
        );
        assert_eq!(why.words[1].tools, ["list_pods"]);
        assert_eq!(why.exact, None);
    }
}
