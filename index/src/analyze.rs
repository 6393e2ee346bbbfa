//! Text analysis shared by indexing and querying, so both sides produce the same terms.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter, TextAnalyzer, Token,
    TokenStream,
};

/// Splitting, lowercasing and English stop words, as tantivy filters.
pub(crate) fn chain() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match StopWordFilter::new(Language::English) {
        Some(stop_words) => builder.filter(stop_words).build(),
        None => builder.build(),
    }
}

/// The analysis shared by indexing and querying: the tokenizer chain, then English stemming
/// through a memo. Stemming is most of the cost of indexing, and words repeat a lot.
#[derive(Clone)]
pub(crate) struct Analyzer {
    chain: TextAnalyzer,
    stemmer: frostem::Stemmer,
    memo: FxHashMap<String, String>,
}

impl Analyzer {
    pub(crate) fn new() -> Analyzer {
        Analyzer {
            chain: chain(),
            stemmer: frostem::Stemmer::new(frostem::Algorithm::English),
            memo: FxHashMap::default(),
        }
    }

    /// Every analyzed token of `text`, with positions, as tantivy indexes them.
    pub(crate) fn tokens(&mut self, text: &str) -> Vec<Token> {
        let prepared = split_identifiers(text);
        let mut out = Vec::new();
        let mut stream = self.chain.token_stream(&prepared);
        stream.process(&mut |token| out.push(token.clone()));
        for token in &mut out {
            token.text = match self.memo.get(&token.text) {
                Some(stem) => stem.clone(),
                None => {
                    let stem = self.stemmer.stem(&token.text).into_owned();
                    self.memo
                        .insert(std::mem::take(&mut token.text), stem.clone());
                    stem
                }
            };
        }
        out
    }

    /// The analyzed terms of `text`, in order, duplicates removed.
    pub(crate) fn terms(&mut self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for token in self.tokens(text) {
            if !out.contains(&token.text) {
                out.push(token.text);
            }
        }
        out
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

/// Splits `camelCase` identifiers into words, keeping the original too so the joined form
/// still matches (`listIssues` gives `listissues list issues`). `snake_case`, `kebab-case` and
/// dotted names need nothing: the tokenizer splits on non-alphanumerics already.
pub(crate) fn split_identifiers(text: &str) -> Cow<'_, str> {
    let is_boundary = |w: &[char]| w[0].is_lowercase() && w[1].is_uppercase();
    let chars: Vec<char> = text.chars().collect();
    if !chars.windows(2).any(is_boundary) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    out.push_str(text);
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let letters: Vec<char> = word.chars().collect();
        if !letters.windows(2).any(is_boundary) {
            continue;
        }
        out.push(' ');
        for (i, c) in letters.iter().enumerate() {
            if i > 0 && is_boundary(&[letters[i - 1], *c]) {
                out.push(' ');
            }
            out.push(*c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_into_words() {
        let mut analyzer = Analyzer::new();
        assert_eq!(
            analyzer.terms("listIssues get_file_contents kebab-case"),
            vec![
                "listissu", "get", "file", "content", "kebab", "case", "list", "issu"
            ]
        );
    }

    #[test]
    fn stop_words_are_dropped_and_words_stemmed() {
        let mut analyzer = Analyzer::new();
        assert_eq!(
            analyzer.terms("the Repositories of THE user"),
            vec!["repositori", "user"]
        );
    }
}
