//! Search quality on the real Docker catalog: the shared dev set must stay at the targets of
//! issue 3, and our own extra queries (other phrasings, typos, long task texts) close to them.

use std::path::Path;

use switchboard::catalog::{IndexedCatalog, Source, load};

fn report(queries: &Path) -> switchboard_index::Report {
    let root = switchboard_testsupport::repo_root();
    let catalog = load(&[Source::File(
        root.join("../shared/catalogs/docker-mcp-catalog.yaml"),
    )])
    .expect("the shared Docker catalog loads");
    let indexed = IndexedCatalog::build(catalog).unwrap();
    let text = std::fs::read_to_string(queries).expect("queries file");
    let judgements = switchboard_index::parse_judgements(&text).unwrap();
    switchboard_index::evaluate(indexed.index(), indexed.names(), &judgements, 5).unwrap()
}

fn misses(report: &switchboard_index::Report) -> String {
    report
        .outcomes
        .iter()
        .filter(|o| o.rank != Some(1))
        .map(|o| {
            format!(
                "{:?} rank {:?}: got {:?}\n",
                o.judgement.query,
                o.rank,
                &o.ranked[..o.ranked.len().min(3)]
            )
        })
        .collect()
}

#[test]
fn shared_dev_set_meets_the_targets() {
    let report =
        report(&switchboard_testsupport::repo_root().join("../shared/eval/dev-queries.tsv"));
    assert!(
        report.top1 >= 0.90 && report.hit_at_k >= 0.975,
        "{}\n{}",
        report.summary(),
        misses(&report)
    );
}

#[test]
fn our_own_queries_stay_close_to_the_targets() {
    let report = report(&switchboard_testsupport::repo_root().join("index/eval/extra-queries.tsv"));
    assert!(
        report.top1 >= 0.85 && report.hit_at_k >= 0.95,
        "{}\n{}",
        report.summary(),
        misses(&report)
    );
}
