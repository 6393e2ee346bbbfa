//! Search quality measurement: queries with the servers that would be acceptable answers.

use crate::{Error, Mode, SearchIndex};

/// One judged query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// The text a user or model would search for.
    pub query: String,
    /// Names of the servers that answer it; any of them ranked first counts as a hit.
    pub acceptable: Vec<String>,
}

/// Reads `query<TAB>name1,name2` lines; `#` lines and blank lines are skipped.
///
/// A line without a tab or without names is an error naming its line number.
pub fn parse_judgements(text: &str) -> Result<Vec<Judgement>, String> {
    let mut judgements = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let Some((query, names)) = line.split_once('\t') else {
            return Err(format!(
                "line {}: expected `query<TAB>name1,name2`",
                number + 1
            ));
        };
        let acceptable: Vec<String> = names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        if query.trim().is_empty() || acceptable.is_empty() {
            return Err(format!(
                "line {}: a query and at least one server name are needed",
                number + 1
            ));
        }
        judgements.push(Judgement {
            query: query.trim().to_string(),
            acceptable,
        });
    }
    Ok(judgements)
}

/// How one query ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The judged query.
    pub judgement: Judgement,
    /// 1-based rank of the first acceptable server in the top 10, if any.
    pub rank: Option<usize>,
    /// The names ranked in the top 10, best first.
    pub ranked: Vec<String>,
}

/// Aggregate quality over a set of judgements.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Cut-off for hit@k and recall@k.
    pub k: usize,
    /// Share of queries whose first result is acceptable.
    pub top1: f64,
    /// Share of queries with an acceptable result in the top k.
    pub hit_at_k: f64,
    /// Mean reciprocal rank of the first acceptable result, counting ranks up to 10.
    pub mrr_at_10: f64,
    /// Mean share of each query's acceptable servers found in the top k.
    pub recall_at_k: f64,
    /// Each query's outcome, in input order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// The summary line `top1=… hit@K=… mrr@10=… recall@K=…`.
    pub fn summary(&self) -> String {
        format!(
            "top1={:.3} hit@{k}={:.3} mrr@10={:.3} recall@{k}={:.3}",
            self.top1,
            self.hit_at_k,
            self.mrr_at_10,
            self.recall_at_k,
            k = self.k
        )
    }
}

/// Runs every judgement against `index` in its own mode; `names[i]` is the name of document `i`.
pub fn evaluate(
    index: &SearchIndex,
    names: &[String],
    judgements: &[Judgement],
    k: usize,
) -> Result<Report, Error> {
    evaluate_in(index, names, judgements, k, index.mode())
}

/// As [`evaluate`], ranking in `mode`.
pub fn evaluate_in(
    index: &SearchIndex,
    names: &[String],
    judgements: &[Judgement],
    k: usize,
    mode: Mode,
) -> Result<Report, Error> {
    let k = k.max(1);
    let depth = k.max(10);
    let mut outcomes = Vec::with_capacity(judgements.len());
    let (mut top1, mut hits, mut reciprocal, mut recall) = (0.0, 0.0, 0.0, 0.0);
    for judgement in judgements {
        let ranked: Vec<String> = index
            .search_in(&judgement.query, depth, mode)?
            .into_iter()
            .filter_map(|hit| names.get(hit.doc).cloned())
            .collect();
        let is_acceptable = |name: &String| judgement.acceptable.contains(name);
        let rank = ranked
            .iter()
            .take(10)
            .position(is_acceptable)
            .map(|p| p + 1);
        if rank == Some(1) {
            top1 += 1.0;
        }
        if rank.is_some_and(|r| r <= k) {
            hits += 1.0;
        }
        if let Some(rank) = rank {
            reciprocal += 1.0 / rank as f64;
        }
        let found = ranked.iter().take(k).filter(|n| is_acceptable(n)).count();
        recall += found as f64 / judgement.acceptable.len() as f64;
        outcomes.push(Outcome {
            judgement: judgement.clone(),
            rank,
            ranked: ranked.into_iter().take(10).collect(),
        });
    }
    let n = judgements.len().max(1) as f64;
    Ok(Report {
        k,
        top1: top1 / n,
        hit_at_k: hits / n,
        mrr_at_10: reciprocal / n,
        recall_at_k: recall / n,
        outcomes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Document;

    #[test]
    fn parses_judgements_and_rejects_bad_lines() {
        let parsed =
            parse_judgements("# comment\n\nread files\tfilesystem, desktop-commander\n").unwrap();
        assert_eq!(
            parsed[0].acceptable,
            vec!["filesystem", "desktop-commander"]
        );
        assert!(
            parse_judgements("no tab here\n")
                .unwrap_err()
                .contains("line 1")
        );
        assert!(parse_judgements("query\t\n").is_err());
    }

    #[test]
    fn computes_the_metrics() {
        let docs: Vec<Document> = [
            ("alpha", "alpha beta"),
            ("beta", "beta"),
            ("gamma", "gamma beta"),
        ]
        .iter()
        .map(|(name, title)| Document {
            name: name.to_string(),
            title: title.to_string(),
            ..Document::default()
        })
        .collect();
        let names: Vec<String> = docs.iter().map(|d| d.name.clone()).collect();
        let index = SearchIndex::build(&docs).unwrap().with_mode(Mode::Lexical);
        let judgements = vec![
            // Ranked first, and one of its two acceptable answers is in the catalog.
            Judgement {
                query: "alpha".into(),
                acceptable: vec!["alpha".into(), "zeta".into()],
            },
            // `beta` is an exact name; `gamma` ties with `alpha` behind it and loses on name.
            Judgement {
                query: "beta".into(),
                acceptable: vec!["gamma".into()],
            },
        ];
        let report = evaluate(&index, &names, &judgements, 5).unwrap();
        assert_eq!(report.outcomes[1].ranked, vec!["beta", "alpha", "gamma"]);
        assert_eq!(report.outcomes[1].rank, Some(3));
        assert_eq!(report.top1, 0.5);
        assert_eq!(report.hit_at_k, 1.0);
        assert!((report.mrr_at_10 - (1.0 + 1.0 / 3.0) / 2.0).abs() < 1e-9);
        assert_eq!(report.recall_at_k, (0.5 + 1.0) / 2.0);
        assert!(
            report
                .summary()
                .starts_with("top1=0.500 hit@5=1.000 mrr@10=0.667")
        );
    }
}
