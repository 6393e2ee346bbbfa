//! BERT's uncased tokenization, which the static model's vocabulary was made for: clean the
//! text, split it on whitespace and punctuation (CJK characters stand alone), lowercase and
//! strip accents, then cut each word into the longest vocabulary pieces from the left (`##`
//! marks a piece that continues a word). A word that cannot be cut whole is `[UNK]`.

use rustc_hash::FxHashMap;
use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// Longer words are `[UNK]`, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// A WordPiece vocabulary: token text -> id (its line in `vocab.txt`).
pub(crate) struct WordPiece {
    ids: FxHashMap<&'static str, u32>,
    unknown: u32,
}

impl WordPiece {
    /// Reads `vocab.txt` (one token per line); `None` if it has no `[UNK]`.
    pub(crate) fn new(vocab: &'static str) -> Option<WordPiece> {
        let ids: FxHashMap<&'static str, u32> = vocab
            .lines()
            .enumerate()
            .map(|(id, token)| (token, u32::try_from(id).unwrap_or(u32::MAX)))
            .collect();
        let unknown = *ids.get("[UNK]")?;
        Some(WordPiece { ids, unknown })
    }

    /// Whether `word` is a whole token of the vocabulary (a word, not a piece of one).
    pub(crate) fn has_word(&self, word: &str) -> bool {
        !word.starts_with("##") && self.ids.contains_key(word)
    }

    /// Appends the token ids of `text` to `out`.
    pub(crate) fn encode(&self, text: &str, out: &mut Vec<u32>) {
        let mut piece = String::new();
        for word in words(text) {
            self.pieces(&word, &mut piece, out);
        }
    }

    /// Greedy longest-match-first over one basic token.
    fn pieces(&self, word: &str, buffer: &mut String, out: &mut Vec<u32>) {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > MAX_WORD_CHARS {
            out.push(self.unknown);
            return;
        }
        let mark = out.len();
        let mut start = 0;
        while start < chars.len() {
            let mut end = chars.len();
            let mut found = None;
            while start < end {
                let from = chars[start].0;
                let to = chars.get(end).map_or(word.len(), |(at, _)| *at);
                buffer.clear();
                if start > 0 {
                    buffer.push_str("##");
                }
                buffer.push_str(&word[from..to]);
                if let Some(id) = self.ids.get(buffer.as_str()) {
                    found = Some(*id);
                    break;
                }
                end -= 1;
            }
            match found {
                Some(id) => out.push(id),
                None => {
                    out.truncate(mark);
                    out.push(self.unknown);
                    return;
                }
            }
            start = end;
        }
    }
}

/// BERT's basic tokens of `text`: cleaned, split on whitespace, CJK characters and
/// punctuation, lowercased, accents stripped.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, words: &mut Vec<String>| {
        if !current.is_empty() {
            words.push(std::mem::take(current));
        }
    };
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            flush(&mut current, &mut words);
            continue;
        }
        if is_cjk(c) {
            flush(&mut current, &mut words);
            words.push(c.to_string());
            continue;
        }
        // Lowercase, then decompose and drop the combining marks: "RÉSUMÉ" is "resume".
        for lower in c.to_lowercase() {
            for part in std::iter::once(lower).nfd() {
                if get_general_category(part) == GeneralCategory::NonspacingMark {
                    continue;
                }
                if is_punctuation(part) {
                    flush(&mut current, &mut words);
                    words.push(part.to_string());
                } else {
                    current.push(part);
                }
            }
        }
    }
    flush(&mut current, &mut words);
    words
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
        || get_general_category(c) == GeneralCategory::SpaceSeparator
}

/// Control and format characters, which BERT removes (tabs and newlines are whitespace).
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    matches!(
        get_general_category(c),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

/// ASCII symbols count as punctuation too, as in BERT (`$`, `^`, `` ` ``).
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    matches!(
        get_general_category(c),
        GeneralCategory::ConnectorPunctuation
            | GeneralCategory::DashPunctuation
            | GeneralCategory::OpenPunctuation
            | GeneralCategory::ClosePunctuation
            | GeneralCategory::InitialPunctuation
            | GeneralCategory::FinalPunctuation
            | GeneralCategory::OtherPunctuation
    )
}

/// The CJK Unified Ideographs blocks, as BERT lists them.
fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_tokens_split_punctuation_and_strip_accents() {
        assert_eq!(
            words("Naïve café, RÉSUMÉ!  k8s-pods\t中文"),
            [
                "naive", "cafe", ",", "resume", "!", "k8s", "-", "pods", "中", "文"
            ]
        );
        assert!(words("\u{0}\u{200b}").is_empty());
    }

    #[test]
    fn pieces_are_longest_first_and_unknown_words_whole() {
        let vocab = "[PAD]\n[UNK]\nun\n##aff\n##able\naff\n##a\n";
        let wordpiece = WordPiece::new(vocab).unwrap();
        let mut ids = Vec::new();
        wordpiece.encode("unaffable xyz", &mut ids);
        assert_eq!(ids, [2, 3, 4, 1]);
    }
}
