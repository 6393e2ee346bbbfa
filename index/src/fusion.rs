//! Hybrid ranking: the lexical ranker's relevance and the semantic stage's cosine, in one
//! formula. For query `q` and each candidate server `d`:
//!
//! ```text
//! dense(d)  = max( cos(q, d), TOOL_SHARE · max over d's tools t of cos(q, t) )
//! hybrid(d) = (1 − W) · lexical(d) / max(max lexical, plain)  +  W · (dense(d) − min dense) / (max dense − min dense)
//!             + exact(d)
//! ```
//!
//! The maxima and minima run over the candidates: the lexical top `CANDIDATES` and the dense
//! top `CANDIDATES`. `lexical` is `rank::relevance` (coverage of the query, by field), `plain`
//! what a server scores whose description has the query's two rarest words
//! (`rank::plain_match`): when no candidate matches the words that well, the words' scores
//! shrink and the meaning decides. `exact` is the bonus of a query that is the server's (or a
//! tool's) name, so naming a server still ranks it first. Min-max scaling puts the cosines on
//! the words' scale whatever the query's length.

use rustc_hash::FxHashMap;

use crate::Hit;
use crate::explain::Parts;
use crate::rank::{self, DocTerms, FieldStats, Plan};
use crate::semantic::{DenseQuery, Vectors};

/// Dense candidates added to the lexical ones.
pub(crate) const CANDIDATES: usize = 60;
/// How much a server's best tool counts beside the server's own text.
const TOOL_SHARE: f32 = 0.5;
/// The dense share `W`. One share for every query length: a larger share for long queries
/// ranked the dev tasks no better.
const W: f32 = 0.3;
/// A tool whose cosine with the query is at least this counts as matched, words or not.
const TOOL_MATCH_MIN: f32 = 0.45;

/// The documents and their statistics, as the lexical ranker sees them.
pub(crate) struct Lexical<'a> {
    pub(crate) plan: &'a Plan,
    pub(crate) docs: &'a [DocTerms],
    pub(crate) stats: &'a FieldStats,
}

/// Ranks the union of `lexical_candidates` and the dense top candidates, each hit with the
/// parts of its score; ties keep `order`'s (name) order, which the caller applies.
pub(crate) fn rank(
    lexical: &Lexical<'_>,
    lexical_candidates: &[(usize, f32)],
    vectors: &Vectors,
    query: &DenseQuery,
) -> Vec<(Hit, Parts)> {
    let server_cosines = vectors.servers(query);
    let mut pool: FxHashMap<usize, f32> = lexical_candidates.iter().copied().collect();
    for doc in top(&server_cosines, CANDIDATES) {
        pool.entry(doc).or_insert(0.0);
    }
    struct Scored {
        doc: usize,
        lexical: f32,
        dense: f32,
        exact: f32,
        bm25: f32,
        tools: Vec<f32>,
    }
    let scored: Vec<Scored> = pool
        .into_iter()
        .map(|(doc, bm25)| {
            let tools = vectors.tools(doc, query);
            let best_tool = tools.iter().copied().fold(f32::MIN, f32::max);
            let dense = server_cosines[doc].max(TOOL_SHARE * best_tool);
            let terms = &lexical.docs[doc];
            Scored {
                doc,
                lexical: rank::relevance(lexical.plan, terms, lexical.stats),
                dense,
                exact: rank::exact_bonus(lexical.plan, terms),
                bm25,
                tools,
            }
        })
        .collect();
    // Scaled by the best candidate, but never by less than a plain match: a lone common word
    // in one of a big server's tools is no reason to outrank every server that means the query.
    let max_lexical = scored
        .iter()
        .map(|s| s.lexical)
        .fold(rank::plain_match(lexical.plan), f32::max);
    let (min_dense, max_dense) = scored.iter().fold((f32::MAX, f32::MIN), |(lo, hi), s| {
        (lo.min(s.dense), hi.max(s.dense))
    });
    let spread = max_dense - min_dense;
    scored
        .into_iter()
        .map(|s| {
            let lexical_part = if max_lexical > 0.0 {
                s.lexical / max_lexical
            } else {
                0.0
            };
            let dense_part = if spread > 0.0 {
                (s.dense - min_dense) / spread
            } else {
                0.0
            };
            // BM25 only separates documents scored alike.
            let score = (1.0 - W) * lexical_part + W * dense_part + s.exact + 1e-4 * s.bm25;
            let hit = Hit {
                doc: s.doc,
                score,
                matched_tools: matched_tools(lexical, s.doc, &s.tools),
            };
            let parts = Parts {
                words: (1.0 - W) * lexical_part,
                meaning: Some(W * dense_part),
                cosine: Some(s.dense),
                exact: s.exact,
            };
            (hit, parts)
        })
        .collect()
}

/// The `n` positions with the highest values.
fn top(values: &[f32], n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    let n = n.min(order.len());
    if n == 0 {
        return Vec::new();
    }
    order.select_nth_unstable_by(n - 1, |a, b| values[*b].total_cmp(&values[*a]));
    order.truncate(n);
    order
}

/// Tools that share words with the query or mean nearly the same, best first by the same
/// blend as servers.
fn matched_tools(lexical: &Lexical<'_>, doc: usize, cosines: &[f32]) -> Vec<String> {
    let terms = &lexical.docs[doc];
    let words = rank::tool_hits(lexical.plan, terms);
    let groups = lexical.plan.groups.len().max(1) as f32;
    let mut scored: Vec<(f32, &str)> = terms
        .tools
        .iter()
        .enumerate()
        .filter_map(|(i, tool)| {
            let hits = words.get(i).copied().unwrap_or(0);
            let cosine = cosines.get(i).copied().unwrap_or(0.0);
            (hits > 0 || cosine >= TOOL_MATCH_MIN).then(|| {
                let score = (1.0 - W) * hits as f32 / groups + W * cosine;
                (score, tool.name.as_str())
            })
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored
        .into_iter()
        .map(|(_, name)| name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_picks_the_highest() {
        let mut picked = top(&[0.1, 0.9, 0.5, 0.7], 2);
        picked.sort();
        assert_eq!(picked, [1, 3]);
        assert!(top(&[], 3).is_empty());
    }
}
