//! `cargo bench --bench search`: `mcp-find` latency, lexical and hybrid, and index build time on
//! the real Docker catalog (328 servers) and on a synthetic 10,000-server catalog made from it;
//! the semantic model's load time and the time to embed each catalog.
//! Prints `RESULT p50_us_328=… p50_us_10k=… hybrid_p50_us_328=… hybrid_p50_us_10k=…
//! build_ms_10k=… model_load_ms=… …` last.

use std::time::Instant;

use switchboard::catalog::{IndexedCatalog, Source, load};
use switchboard_index::{Document, Mode, SearchIndex};
use switchboard_testsupport::percentile;

const SHORT: &[&str] = &[
    "github pull requests",
    "postgres database",
    "web search api",
    "kubernetes pods",
    "send email",
    "weather forecast",
    "take a screenshot of a web page",
    "slack messages",
    "vector database",
    "kuberntes",
];

const LONG: &[&str] = &[
    "I am debugging a production incident where the checkout service started throwing errors an hour ago and I need to look at the recent exceptions and stack traces our application reported, group them by release, and find out which users were affected by it",
    "We keep our infrastructure in code and I need to look up the documentation and the latest version of the cloud provider and a few community modules before I write a new configuration for a storage bucket and an access role for the team",
    "Please help me find recent academic research papers about retrieval augmented generation for large language models, read their abstracts and summarize the main approaches that they compare, with links to each paper and the year it was published",
    "I want to automate a browser session: open our staging website, log in with a test account, click through the signup form, fill in every field and take a screenshot of the confirmation page so that it can go into the quality report",
];

const ROUNDS: usize = 50;

fn main() {
    let root = switchboard_testsupport::repo_root();
    let catalog = load(&[Source::File(
        root.join("../shared/catalogs/docker-mcp-catalog.yaml"),
    )])
    .expect("catalog");
    let started = Instant::now();
    let indexed = IndexedCatalog::build(catalog).expect("index");
    let build_328 = started.elapsed().as_secs_f64() * 1e3;
    let index = indexed.index().expect("index");

    // The semantic stage: the model once per process, then each index's vectors.
    let started = Instant::now();
    assert!(switchboard_index::load_model(), "the semantic model loads");
    let model_load = started.elapsed().as_secs_f64() * 1e3;
    let started = Instant::now();
    index.warm();
    let vectors_328 = started.elapsed().as_secs_f64() * 1e3;

    let documents = synthetic(&real_documents(&root), 10_000);
    // The median of three builds: one build is too noisy a sample on a shared machine.
    let mut builds = Vec::new();
    let mut big = None;
    for _ in 0..3 {
        let started = Instant::now();
        big = Some(SearchIndex::build(&documents).expect("index 10k"));
        builds.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let build_10k = percentile(&mut builds, 0.5);
    let big = big.expect("built three times");
    let started = Instant::now();
    big.warm();
    let vectors_10k = started.elapsed().as_secs_f64() * 1e3;

    println!(
        "build_ms_328={build_328:.1} model_load_ms={model_load:.1} vectors_ms_328={vectors_328:.1} vectors_ms_10k={vectors_10k:.0}"
    );
    let mut result = String::from("RESULT");
    for mode in [Mode::Lexical, Mode::Hybrid] {
        let prefix = match mode {
            Mode::Lexical => "",
            Mode::Hybrid => "hybrid_",
        };
        let (mut short_328, mut long_328) = (time(index, SHORT, mode), time(index, LONG, mode));
        let (mut short_10k, mut long_10k) = (time(&big, SHORT, mode), time(&big, LONG, mode));
        let mut all_328: Vec<f64> = short_328.iter().chain(&long_328).copied().collect();
        let mut all_10k: Vec<f64> = short_10k.iter().chain(&long_10k).copied().collect();
        for (label, samples) in [
            ("328 short", &mut short_328),
            ("328 40-word", &mut long_328),
            ("10k short", &mut short_10k),
            ("10k 40-word", &mut long_10k),
        ] {
            println!(
                "{:<8} {label:<12} p50_us={:.0} p99_us={:.0}",
                mode.as_str(),
                percentile(samples, 0.5),
                percentile(samples, 0.99)
            );
        }
        result.push_str(&format!(
            " {prefix}p50_us_328={:.0} {prefix}p99_us_328={:.0} {prefix}p50_us_10k={:.0} {prefix}p99_us_10k={:.0}",
            percentile(&mut all_328, 0.5),
            percentile(&mut all_328, 0.99),
            percentile(&mut all_10k, 0.5),
            percentile(&mut all_10k, 0.99),
        ));
    }
    println!(
        "{result} build_ms_10k={build_10k:.0} model_load_ms={model_load:.1} vectors_ms_10k={vectors_10k:.0}"
    );
}

/// The real catalog's entries as index documents.
fn real_documents(root: &std::path::Path) -> Vec<Document> {
    let catalog = load(&[Source::File(
        root.join("../shared/catalogs/docker-mcp-catalog.yaml"),
    )])
    .expect("catalog");
    catalog
        .entries()
        .map(switchboard::catalog::index_document)
        .collect()
}

/// Microseconds per search in `mode`, `ROUNDS` times over `queries`, after one warm-up pass.
fn time(index: &SearchIndex, queries: &[&str], mode: Mode) -> Vec<f64> {
    for query in queries {
        index.search_in(query, 10, mode).expect("search");
    }
    let mut samples = Vec::with_capacity(ROUNDS * queries.len());
    for _ in 0..ROUNDS {
        for query in queries {
            let started = Instant::now();
            let hits = index.search_in(query, 10, mode).expect("search");
            samples.push(started.elapsed().as_secs_f64() * 1e6);
            assert!(!hits.is_empty());
        }
    }
    samples
}

/// A catalog of `n` servers made from the real one, so that words keep their real
/// frequencies: server `i` is real server `i % 328` under a new name, with half of another
/// real server's description and tools mixed in. Deterministic.
fn synthetic(real: &[Document], n: usize) -> Vec<Document> {
    (0..n)
        .map(|i| {
            let base = &real[i % real.len()];
            let mix = &real[(i * 7919 + 13) % real.len()];
            let mix_words: Vec<&str> = mix.description.split_whitespace().collect();
            let mut tools = base.tools.clone();
            tools.extend(mix.tools.iter().take(mix.tools.len() / 2).cloned());
            Document {
                name: format!("{}-{i}", base.name),
                title: format!("{} {i}", base.title),
                description: format!(
                    "{} {}",
                    base.description,
                    mix_words[..mix_words.len() / 2].join(" ")
                ),
                category: base.category.clone(),
                tags: base.tags.clone(),
                tools,
                details: base.details.clone(),
            }
        })
        .collect()
}
