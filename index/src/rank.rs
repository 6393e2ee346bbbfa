//! The second stage: re-scores tantivy's candidates with what plain BM25 gets wrong on catalogs.
//!
//! BM25 sums term frequencies, so a server with fifty tools that each say "file" outranks the
//! filesystem server, and a term found in three fields counts three times. Here each query term
//! counts once, from the best field it appears in, weighted by its rarity (IDF); documents that
//! cover more of the query win; synonyms and typos count at a discount; a server whose name is
//! the query, or is contained in it, is lifted.

use rustc_hash::FxHashMap;

/// Which field a document term appears in (bit flags, several per term).
pub(crate) mod field {
    pub(crate) const NAME: u8 = 1;
    pub(crate) const TITLE: u8 = 1 << 1;
    pub(crate) const TAGS: u8 = 1 << 2;
    pub(crate) const TOOL_NAMES: u8 = 1 << 3;
    pub(crate) const DESCRIPTION: u8 = 1 << 4;
    pub(crate) const TOOL_TEXT: u8 = 1 << 5;
    pub(crate) const DETAILS: u8 = 1 << 6;
    pub(crate) const KNOWLEDGE: u8 = 1 << 7;
    /// Fields where a near-miss spelling is still a strong signal.
    pub(crate) const LABELS: u8 = NAME | TITLE | TAGS | TOOL_NAMES;
    /// The fields of one tool; the others describe the whole server.
    pub(crate) const TOOL: u8 = TOOL_NAMES | TOOL_TEXT;
}

/// How much a match in each field is worth, in `field` bit order.
const FIELD_WEIGHTS: [(u8, f32); 8] = [
    (field::NAME, 1.0),
    (field::TITLE, 0.9),
    (field::TAGS, 0.7),
    (field::TOOL_NAMES, 0.6),
    (field::DESCRIPTION, 0.7),
    (field::TOOL_TEXT, 0.35),
    (field::DETAILS, 0.3),
    (field::KNOWLEDGE, 0.5),
];
const SYNONYM_DISCOUNT: f32 = 0.7;
const FUZZY_DISCOUNT: f32 = 0.6;
/// Share of a term's value a document gets for a query it covers only partly, at the least.
const COVERAGE_FLOOR: f32 = 0.3;
/// A match worth this much (a description word, say) covers its term fully.
const COVERAGE_FULL: f32 = 0.5;
/// Matches weaker than this (deep in tool prose, say) add to the score but cover nothing:
/// a long task text shares some words with any verbose server.
const COVERAGE_MIN: f32 = 0.4;
/// A query that is the server's name (or title) outranks everything.
pub(crate) const EXACT_NAME_BONUS: f32 = 1000.0;
/// A query that is one of the server's tool names comes next.
const EXACT_TOOL_BONUS: f32 = 500.0;
/// A server whose whole name appears in the query ("merge request on gitlab").
const NAME_IN_QUERY_BONUS: f32 = 0.5;

/// What the ranker knows of one document.
#[derive(Debug, Default)]
pub(crate) struct DocTerms {
    /// Analyzed term -> the fields it appears in.
    pub(crate) terms: FxHashMap<String, u8>,
    /// Analyzed terms of the name, for the name-in-query bonus.
    pub(crate) name_terms: Vec<String>,
    /// Normalized name and title, for the exact-match bonus.
    pub(crate) exact: Vec<String>,
    /// Normalized tool names, for the exact-tool bonus.
    pub(crate) exact_tools: Vec<String>,
    /// Each tool on its own, for tool-level scoring and hits.
    pub(crate) tools: Vec<ToolTerms>,
    /// Number of terms in each field, in `FIELD_WEIGHTS` order (tool fields summed over tools).
    pub(crate) lengths: [u32; 8],
}

/// One tool of a document: its terms in its name and description, and their lengths.
#[derive(Debug, Default)]
pub(crate) struct ToolTerms {
    pub(crate) name: String,
    /// Analyzed term -> `field::TOOL_NAMES` and/or `field::TOOL_TEXT`.
    pub(crate) terms: FxHashMap<String, u8>,
    /// Terms in its name, then in its description.
    pub(crate) lengths: [u32; 2],
}

/// Average field lengths over the documents that have the field; sets the length penalty.
#[derive(Debug, Default)]
pub(crate) struct FieldStats {
    pub(crate) average: [f32; 8],
    /// Average length of one tool's name and of one tool's description.
    pub(crate) tool_average: [f32; 2],
}

impl FieldStats {
    pub(crate) fn of(docs: &[DocTerms]) -> FieldStats {
        let mut average = [0.0; 8];
        for (slot, value) in average.iter_mut().enumerate() {
            let lengths: Vec<u32> = docs
                .iter()
                .map(|d| d.lengths[slot])
                .filter(|l| *l > 0)
                .collect();
            if !lengths.is_empty() {
                *value = lengths.iter().sum::<u32>() as f32 / lengths.len() as f32;
            }
        }
        let mut tool_average = [0.0; 2];
        for (slot, value) in tool_average.iter_mut().enumerate() {
            let lengths: Vec<u32> = docs
                .iter()
                .flat_map(|d| d.tools.iter().map(move |t| t.lengths[slot]))
                .filter(|l| *l > 0)
                .collect();
            if !lengths.is_empty() {
                *value = lengths.iter().sum::<u32>() as f32 / lengths.len() as f32;
            }
        }
        FieldStats {
            average,
            tool_average,
        }
    }

    /// BM25's length normalization for a single occurrence, capped at 1: a word in a field ten
    /// times the usual length says about a fifth as much, but a short field is no better
    /// than an average one (a one-line description is not more relevant for being terse).
    fn norm(&self, slot: usize, length: u32) -> f32 {
        bm25_norm(self.average[slot], length)
    }
}

/// BM25's length normalization of one occurrence in a field `length` long, capped at 1.
fn bm25_norm(average: f32, length: u32) -> f32 {
    const K1: f32 = 1.2;
    const B: f32 = 0.75;
    if average == 0.0 || length == 0 {
        return 1.0;
    }
    ((K1 + 1.0) / (1.0 + K1 * (1.0 - B + B * length as f32 / average))).min(1.0)
}

impl FieldStats {}

/// One query term with its alternatives and weight.
#[derive(Debug)]
pub(crate) struct TermGroup {
    pub(crate) term: String,
    pub(crate) idf: f32,
    /// Synonyms with their share of `idf` (at most 1: a common synonym of a rare word says
    /// less); a multi-word synonym matches when all its words are present.
    pub(crate) synonyms: Vec<(Vec<String>, f32)>,
    /// True when the term is in no document (probably misspelled) and the query is short
    /// enough for typo tolerance.
    pub(crate) fuzzy: bool,
}

/// The analyzed query.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) groups: Vec<TermGroup>,
    pub(crate) exact: String,
}

impl Plan {
    fn total_idf(&self) -> f32 {
        self.groups.iter().map(|g| g.idf).sum()
    }
}

impl TermGroup {
    /// Whether this query word, or a one-word synonym of it, is `term`.
    fn names(&self, term: &str) -> bool {
        self.term == term
            || self
                .synonyms
                .iter()
                .any(|(words, _)| words.len() == 1 && words[0] == term)
    }
}

/// What a query that is a server's name (or one of its tools' names) adds: enough to put it
/// first whatever else matches.
pub(crate) fn exact_bonus(plan: &Plan, doc: &DocTerms) -> f32 {
    if plan.exact.is_empty() {
        0.0
    } else if doc.exact.contains(&plan.exact) {
        EXACT_NAME_BONUS
    } else if doc.exact_tools.contains(&plan.exact) {
        EXACT_TOOL_BONUS
    } else {
        0.0
    }
}

/// The relevance of `doc` to `plan` without the exact-name bonus: how much of the query it
/// covers, and how well. A server is scored with its own fields and at most one of its tools
/// (the tool that scores best): a task that matches one tool of a big server ranks it, and
/// fifty tools that each share a word with a long task do not add up to a match.
pub(crate) fn relevance(plan: &Plan, doc: &DocTerms, stats: &FieldStats) -> f32 {
    let server: Vec<f32> = plan
        .groups
        .iter()
        .map(|group| {
            let lookup = |term: &str| doc.terms.get(term).map(|mask| mask & !field::TOOL);
            let weight = |mask: u8| weight(mask, doc, stats);
            let labels = doc
                .terms
                .iter()
                .map(|(term, mask)| (term.as_str(), mask & !field::TOOL));
            term_value(group, lookup, weight, labels)
        })
        .collect();
    let mut best = combine(plan, &server);
    let mut values = server.clone();
    for tool in &doc.tools {
        for ((value, own), group) in values.iter_mut().zip(&server).zip(&plan.groups) {
            let lookup = |term: &str| tool.terms.get(term).copied();
            let weight = |mask: u8| tool_weight(mask, tool, stats);
            let labels = tool.terms.iter().map(|(term, mask)| (term.as_str(), *mask));
            *value = own.max(term_value(group, lookup, weight, labels));
        }
        best = best.max(combine(plan, &values));
    }
    best + name_in_query(plan, doc)
}

/// Query terms a plain match has: a server is mostly named by two or three specific words.
const PLAIN_MATCH_TERMS: usize = 2;

/// The relevance of a plain match: a server whose description has the query's
/// `PLAIN_MATCH_TERMS` rarest terms, each covering its term fully. `fusion.rs` scales lexical
/// scores by at least this, so that a weak best match stays weak.
pub(crate) fn plain_match(plan: &Plan) -> f32 {
    let mut idfs: Vec<f32> = plan.groups.iter().map(|group| group.idf).collect();
    idfs.sort_by(|a, b| b.total_cmp(a));
    COVERAGE_FULL * idfs.iter().take(PLAIN_MATCH_TERMS).sum::<f32>()
}

/// Sum of the matched terms' IDF-weighted values, scaled by how much of the query they cover.
fn combine(plan: &Plan, values: &[f32]) -> f32 {
    let mut sum = 0.0;
    let mut covered = 0.0;
    for (group, value) in plan.groups.iter().zip(values) {
        if *value > 0.0 {
            sum += group.idf * value;
            // A match deep in tool prose covers a term less than one in the name does.
            if *value >= COVERAGE_MIN {
                covered += group.idf * value.min(COVERAGE_FULL) / COVERAGE_FULL;
            }
        }
    }
    let total = plan.total_idf();
    let coverage = if total > 0.0 { covered / total } else { 0.0 };
    sum * (COVERAGE_FLOOR + (1.0 - COVERAGE_FLOOR) * coverage)
}

/// The name (every word of it) is in the query, or a synonym of a query word is: `filesystem`
/// for "files", `gitlab` for "merge request on gitlab".
pub(crate) fn name_in_query(plan: &Plan, doc: &DocTerms) -> f32 {
    let named = |name_term: &String| plan.groups.iter().find(|g| g.names(name_term));
    if !doc.name_terms.is_empty() && doc.name_terms.iter().all(|t| named(t).is_some()) {
        let name_idf: f32 = doc.name_terms.iter().filter_map(named).map(|g| g.idf).sum();
        NAME_IN_QUERY_BONUS * name_idf
    } else {
        0.0
    }
}

/// How well one query term is matched: the weight of the best field, discounted for synonyms
/// and misspellings. `lookup` gives a term's fields (0 if none count), `labels` every term
/// with its fields, for typo tolerance.
fn term_value<'a>(
    group: &TermGroup,
    lookup: impl Fn(&str) -> Option<u8>,
    weight: impl Fn(u8) -> f32,
    labels: impl Iterator<Item = (&'a str, u8)>,
) -> f32 {
    let value = |term: &str| lookup(term).filter(|mask| *mask != 0).map(&weight);
    let mut best = value(&group.term).unwrap_or(0.0);
    for (synonym, share) in &group.synonyms {
        let values: Option<Vec<f32>> = synonym.iter().map(|t| value(t)).collect();
        if let Some(values) = values {
            let weakest = values.into_iter().fold(f32::MAX, f32::min);
            best = best.max(SYNONYM_DISCOUNT * share * weakest);
        }
    }
    if best == 0.0 && group.fuzzy {
        best = labels
            .filter(|(term, mask)| *mask & field::LABELS != 0 && close(&group.term, term))
            .map(|(_, mask)| FUZZY_DISCOUNT * weight(mask))
            .fold(0.0, f32::max);
    }
    best
}

/// The value of the best field in `mask`, after the length penalty of that field.
fn weight(mask: u8, doc: &DocTerms, stats: &FieldStats) -> f32 {
    FIELD_WEIGHTS
        .iter()
        .enumerate()
        .filter(|(_, (bit, _))| mask & bit != 0)
        .map(|(slot, (_, w))| w * stats.norm(slot, doc.lengths[slot]))
        .fold(0.0, f32::max)
}

/// The same for one tool's fields, with that tool's lengths against the average tool's.
fn tool_weight(mask: u8, tool: &ToolTerms, stats: &FieldStats) -> f32 {
    [(field::TOOL_NAMES, 0), (field::TOOL_TEXT, 1)]
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(bit, i)| {
            FIELD_WEIGHTS[slot(*bit)].1 * bm25_norm(stats.tool_average[*i], tool.lengths[*i])
        })
        .fold(0.0, f32::max)
}

/// The position of a field bit in `FIELD_WEIGHTS` (and so in `DocTerms::lengths`).
pub(crate) fn slot(bit: u8) -> usize {
    bit.trailing_zeros() as usize
}

/// How many query words (or synonyms) each of `doc`'s tools has, in tool order.
pub(crate) fn tool_hits(plan: &Plan, doc: &DocTerms) -> Vec<usize> {
    doc.tools
        .iter()
        .map(|tool| {
            plan.groups
                .iter()
                .filter(|g| {
                    tool.terms.contains_key(&g.term)
                        || g.synonyms
                            .iter()
                            .any(|(s, _)| s.iter().all(|t| tool.terms.contains_key(t)))
                })
                .count()
        })
        .collect()
}

/// Names of `doc`'s tools that share a term (or a synonym) with the query, best first.
pub(crate) fn matched_tools(plan: &Plan, doc: &DocTerms) -> Vec<String> {
    let hits = tool_hits(plan, doc);
    let mut scored: Vec<(usize, &str)> = doc
        .tools
        .iter()
        .zip(hits)
        .map(|(tool, hits)| (hits, tool.name.as_str()))
        .filter(|(hits, _)| *hits > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .map(|(_, name)| name.to_string())
        .collect()
}

/// Whether two terms are one typo apart (two for long words); short words must match exactly.
pub(crate) fn close(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let shorter = a.len().min(b.len());
    let limit = match shorter {
        0..=3 => return false,
        4..=7 => 1,
        _ => 2,
    };
    a.len().abs_diff(b.len()) <= limit && edit_distance(&a, &b) <= limit
}

/// Damerau-Levenshtein (optimal string alignment) distance.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[(i - 1) * width + j] + 1)
                .min(rows[i * width + j - 1] + 1)
                .min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = best;
        }
    }
    rows[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_distance_depends_on_length() {
        assert!(close("postgress", "postgres"));
        assert!(close("kubernets", "kubernetes"));
        assert!(close("gtihub", "github"));
        assert!(!close("git", "gh"));
        assert!(close("slakc", "slack"));
        assert!(!close("weather", "feather_x"));
    }
}
