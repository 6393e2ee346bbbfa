//! Text analysis shared by indexing and querying, so both sides produce the same terms.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    TokenStream,
};

/// Name under which the analyzer is registered with tantivy.
pub(crate) const ANALYZER: &str = "switchboard";

/// Lowercase, split on non-alphanumerics, drop English stop words, stem.
pub(crate) fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder
            .filter(stop_words)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

/// How much a weak word counts, relative to its rarity.
pub(crate) const WEAK_WORD_WEIGHT: f32 = 0.3;

/// Analyzed words that say what to do rather than with what: in a catalog of tools they are
/// everywhere (`get_issue`, `list_files`) and tell servers apart poorly.
const WEAK_WORDS: &[&str] = &[
    "get", "list", "creat", "updat", "delet", "set", "add", "remov", "find", "show", "make", "use",
    "need", "want", "help", "manag", "run", "new", "like", "would", "could", "let", "pleas",
    "also", "abl", "allow", "work", "can", "do", "go", "give", "take", "look", "check", "tell",
    "know", "someth", "thing", "way", "want", "tri", "start", "build", "i", "me", "my", "we",
    "our", "us", "mcp", "server", "protocol",
];

/// Whether an analyzed term is a weak word.
pub(crate) fn is_weak(term: &str) -> bool {
    WEAK_WORDS.contains(&term)
}

/// Splits identifiers (`camelCase`, `snake_case`, `kebab-case`, `dotted.names`) into words,
/// keeping the original text too so the joined form still matches.
pub(crate) fn split_identifiers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    out.push_str(text);
    out.push(' ');
    let mut previous: Option<char> = None;
    for c in text.chars() {
        match c {
            '_' | '-' | '.' | '/' => out.push(' '),
            c if c.is_uppercase() && previous.is_some_and(|p| p.is_lowercase()) => {
                out.push(' ');
                out.push(c);
            }
            c => out.push(c),
        }
        previous = Some(c);
    }
    out
}

/// The analyzed terms of `text`, in order, duplicates removed.
pub(crate) fn terms(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let prepared = split_identifiers(text);
    let mut stream = analyzer.token_stream(&prepared);
    let mut out: Vec<String> = Vec::new();
    while stream.advance() {
        let text = &stream.token().text;
        if !out.iter().any(|t| t == text) {
            out.push(text.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        let mut analyzer = analyzer();
        assert_eq!(
            terms(&mut analyzer, "listIssues get_file_contents kebab-case"),
            vec![
                "listissu", "get", "file", "content", "kebab", "case", "list", "issu"
            ]
        );
    }

    #[test]
    fn stop_words_are_dropped_and_words_stemmed() {
        let mut analyzer = analyzer();
        assert_eq!(
            terms(&mut analyzer, "the Repositories of THE user"),
            vec!["repositori", "user"]
        );
    }
}
