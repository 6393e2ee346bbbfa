//! The in-RAM index: tantivy finds candidates fast, `rank.rs` orders them.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock, PoisonError};

use rustc_hash::FxHashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, Searcher, TantivyDocument, Term};

use crate::analyze::{self, Analyzer};
use crate::explain::Parts;
use crate::fusion::{self, Lexical};
use crate::rank::{self, DocTerms, FieldStats, Plan, TermGroup, ToolTerms, field};
use crate::semantic::{self, Vectors};
use crate::{Document, Error, Explanation, Hit, MAX_LIMIT, Mode};

/// How many BM25 candidates the ranker re-scores; enough that the right server is among them.
const CANDIDATES: usize = 60;
/// At most this many query words (the rarest) select candidates.
const RETRIEVAL_MAX_TERMS: usize = 20;
/// Queries with more analyzed terms than this get no typo tolerance.
const FUZZY_MAX_TERMS: usize = 6;
/// Retrieval boosts per tantivy field: they only decide which candidates are re-scored.
const LABELS_BOOST: f32 = 3.0;
const TEXT_BOOST: f32 = 1.0;
const EXTRA_BOOST: f32 = 0.3;

/// A catalog's search index, built once per catalog load and shared read-only by every query.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    docs: Vec<DocTerms>,
    stats: FieldStats,
    /// Cloned per query: building one (stop-word set) costs more than a short search.
    analyzer: Analyzer,
    names: Vec<String>,
    doc_freq: FxHashMap<String, u32>,
    /// How `search` ranks.
    mode: Mode,
    /// The documents, kept until the semantic stage has embedded them.
    pending: Mutex<Option<Vec<Document>>>,
    /// The semantic stage's vectors, built on the first hybrid query or by [`SearchIndex::warm`];
    /// `None` if the model is unavailable.
    vectors: OnceLock<Option<Vectors>>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("documents", &self.names.len())
            .finish()
    }
}

/// Retrieval needs only three fields (fewer posting lists per query word); the ranker keeps
/// the finer split in `DocTerms`.
#[derive(Clone, Copy)]
struct Fields {
    position: Field,
    exact: Field,
    /// Name, title, tags, tool names.
    labels: Field,
    /// Description and product knowledge.
    text: Field,
    /// Tool descriptions and config details.
    extra: Field,
}

impl Fields {
    fn for_bit(&self, bit: u8) -> Field {
        if bit & field::LABELS != 0 {
            self.labels
        } else if bit & (field::DESCRIPTION | field::KNOWLEDGE) != 0 {
            self.text
        } else {
            self.extra
        }
    }

    fn boosted(&self) -> [(Field, f32); 3] {
        [
            (self.labels, LABELS_BOOST),
            (self.text, TEXT_BOOST),
            (self.extra, EXTRA_BOOST),
        ]
    }
}

impl SearchIndex {
    /// Indexes `documents` in RAM; a [`Hit`] refers back to them by position. Searches are
    /// hybrid; see [`SearchIndex::with_mode`].
    pub fn build(documents: &[Document]) -> Result<Self, Error> {
        let mut schema = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("whitespace")
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let raw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("raw")
                .set_index_option(IndexRecordOption::Basic),
        );
        let fields = Fields {
            position: schema.add_u64_field("position", FAST),
            exact: schema.add_text_field("exact", raw),
            labels: schema.add_text_field("labels", text.clone()),
            text: schema.add_text_field("text", text.clone()),
            extra: schema.add_text_field("extra", text),
        };
        let index = Index::create_in_ram(schema.build());

        let mut analyzer = Analyzer::new();
        // One thread keeps the build deterministic; catalogs are small enough not to need more.
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 50_000_000)?;
        let mut docs = Vec::with_capacity(documents.len());
        let mut doc_freq: FxHashMap<String, u32> = FxHashMap::default();
        for (position, document) in documents.iter().enumerate() {
            let (doc, terms) = prepare(&fields, &mut analyzer, position, document);
            for term in terms.terms.keys() {
                *doc_freq.entry(term.clone()).or_default() += 1;
            }
            docs.push(terms);
            writer.add_document(doc)?;
        }
        writer.commit()?;
        let reader = index.reader()?;
        reader.reload()?;
        Ok(SearchIndex {
            reader,
            fields,
            // A fresh one: the build's memo of stems would be cloned by every query.
            analyzer: Analyzer::new(),
            stats: FieldStats::of(&docs),
            docs,
            names: documents.iter().map(|d| d.name.clone()).collect(),
            doc_freq,
            mode: Mode::Hybrid,
            pending: Mutex::new(Some(documents.to_vec())),
            vectors: OnceLock::new(),
        })
    }

    /// The same index ranking in `mode` (lexical drops the documents' text at once).
    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        if mode == Mode::Lexical {
            *self
                .pending
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
        self
    }

    /// How [`SearchIndex::search`] ranks.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Loads the model and embeds the documents now rather than on the first hybrid query
    /// (call it from a background thread after start-up); does nothing in lexical mode.
    pub fn warm(&self) {
        if self.mode == Mode::Hybrid {
            self.vectors();
        }
    }

    fn vectors(&self) -> Option<&Vectors> {
        self.vectors
            .get_or_init(|| {
                let documents = self
                    .pending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()?;
                Some(Vectors::build(semantic::model()?, &documents))
            })
            .as_ref()
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
        self.search_in(query, limit, self.mode)
    }

    /// As [`SearchIndex::search`], ranking in `mode` (hybrid on an index built lexical, or
    /// without the model, is lexical).
    pub fn search_in(&self, query: &str, limit: usize, mode: Mode) -> Result<Vec<Hit>, Error> {
        let (_, ranked) = self.ranked(query, limit, mode)?;
        Ok(ranked.into_iter().map(|(hit, _)| hit).collect())
    }

    /// As [`SearchIndex::search`], each hit with why it matched: which query words were found
    /// in which fields and tools, and how much words and meaning each added. The ranking is
    /// `search`'s own (the same code path), so the explanation never describes another order.
    pub fn search_explained(
        &self,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(Hit, Explanation)>, Error> {
        let (plan, ranked) = self.ranked(query, limit, self.mode)?;
        let words = crate::explain::query_words(&mut self.analyzer.clone(), query);
        Ok(ranked
            .into_iter()
            .map(|(hit, parts)| {
                let explanation =
                    crate::explain::explain(&plan, &words, &self.docs[hit.doc], &parts);
                (hit, explanation)
            })
            .collect())
    }

    /// The ranked hits for `query`, with the parts of each score, and the analyzed query.
    fn ranked(
        &self,
        query: &str,
        limit: usize,
        mode: Mode,
    ) -> Result<(Plan, Vec<(Hit, Parts)>), Error> {
        let limit = limit.clamp(1, MAX_LIMIT);
        let plan = self.plan(query);
        if plan.groups.is_empty() && plan.exact.is_empty() {
            return Err(Error::EmptyQuery);
        }
        if self.is_empty() {
            return Ok((plan, Vec::new()));
        }
        let searcher = self.reader.searcher();
        let depth = CANDIDATES.max(limit);
        let mut candidates =
            self.candidates(&searcher, &self.retrieval_query(&plan, false), depth)?;
        if candidates.is_empty() {
            candidates = self.candidates(&searcher, &self.retrieval_query(&plan, true), depth)?;
        }
        let dense = match mode {
            Mode::Hybrid => self.vectors().and_then(|vectors| {
                let query = vectors.query(semantic::model()?, query);
                (!query.is_zero()).then_some((vectors, query))
            }),
            Mode::Lexical => None,
        };
        let mut hits: Vec<(Hit, Parts)> = match &dense {
            Some((vectors, dense_query)) => {
                let lexical = Lexical {
                    plan: &plan,
                    docs: &self.docs,
                    stats: &self.stats,
                };
                fusion::rank(&lexical, &candidates, vectors, dense_query)
            }
            None => candidates
                .into_iter()
                .map(|(doc, bm25)| {
                    let terms = &self.docs[doc];
                    let words = rank::relevance(&plan, terms, &self.stats);
                    let exact = rank::exact_bonus(&plan, terms);
                    // BM25 only separates documents the ranker scores alike.
                    let score = words + exact + 1e-3 * bm25;
                    let hit = Hit {
                        doc,
                        score,
                        matched_tools: Vec::new(),
                    };
                    let parts = Parts {
                        words,
                        meaning: None,
                        cosine: None,
                        exact,
                    };
                    (hit, parts)
                })
                .collect(),
        };
        hits.sort_by(|(a, _), (b, _)| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| self.names[a.doc].cmp(&self.names[b.doc]))
        });
        hits.truncate(limit);
        if hits.is_empty() {
            hits = self
                .first_by_name(limit)
                .into_iter()
                .map(|hit| (hit, Parts::default()))
                .collect();
        }
        if dense.is_none() {
            for (hit, _) in &mut hits {
                hit.matched_tools = rank::matched_tools(&plan, &self.docs[hit.doc]);
            }
        }
        Ok((plan, hits))
    }

    fn plan(&self, query: &str) -> Plan {
        let mut analyzer = self.analyzer.clone();
        let total = self.names.len() as f32;
        let idf = |term: &str| {
            let df = self.doc_freq.get(term).copied().unwrap_or(0) as f32;
            (1.0 + (total - df + 0.5) / (df + 0.5)).ln()
        };
        let terms = analyzer.terms(query);
        // Typo tolerance is for short queries: in a long task text a misspelled word matters
        // little, and expanding every rare word by edit distance would cost more than the rest.
        let fuzzy = terms.len() <= FUZZY_MAX_TERMS;
        // A word no server uses is a typo only if it is not a word: "rain" is not a misspelled
        // "brain". The model's vocabulary is the dictionary; its terms are compared stemmed.
        let words: HashSet<String> = if fuzzy {
            query
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_lowercase)
                .filter(|word| semantic::is_word(word))
                .flat_map(|word| analyzer.terms(&word))
                .collect()
        } else {
            HashSet::new()
        };
        let groups = terms
            .into_iter()
            .map(|term| {
                let weak = analyze::is_weak(&term);
                let term_idf = idf(&term) * if weak { analyze::WEAK_WORD_WEIGHT } else { 1.0 };
                let synonyms = synonyms()
                    .get(&term)
                    .into_iter()
                    .flatten()
                    .map(|words| {
                        let synonym_idf = words.iter().map(|w| idf(w)).fold(f32::MAX, f32::min);
                        (words.clone(), (synonym_idf / idf(&term)).min(1.0))
                    })
                    .collect();
                TermGroup {
                    idf: term_idf,
                    synonyms,
                    fuzzy: fuzzy && !self.doc_freq.contains_key(&term) && !words.contains(&term),
                    term,
                }
            })
            .collect();
        Plan {
            groups,
            exact: normalize(query),
        }
    }

    /// Every term and synonym in every field; misspelled terms also by edit distance.
    fn retrieval_query(&self, plan: &Plan, desperate: bool) -> BooleanQuery {
        let fields = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !plan.exact.is_empty() {
            let term = Term::from_field_text(fields.exact, &plan.exact);
            clauses.push((
                Occur::Should,
                boosted(TermQuery::new(term, IndexRecordOption::Basic), 100.0),
            ));
        }
        // The rarest words pick the candidates; common and weak ones only re-rank them.
        let mut pickers: Vec<&TermGroup> = plan
            .groups
            .iter()
            .filter(|g| !analyze::is_weak(&g.term))
            .collect();
        if pickers.is_empty() {
            pickers = plan.groups.iter().collect();
        }
        pickers.sort_by(|a, b| b.idf.total_cmp(&a.idf));
        pickers.truncate(RETRIEVAL_MAX_TERMS);
        for group in pickers {
            let words =
                std::iter::once(&group.term).chain(group.synonyms.iter().flat_map(|(s, _)| s));
            for word in words {
                for (field, boost) in fields.boosted() {
                    let term = Term::from_field_text(field, word);
                    clauses.push((
                        Occur::Should,
                        boosted(TermQuery::new(term, IndexRecordOption::WithFreqs), boost),
                    ));
                }
            }
            // Fuzzy expansion is costly on big catalogs: only for words no document has.
            if (group.fuzzy || desperate) && group.term.chars().count() >= 4 {
                let distance = if desperate { 2 } else { 1 };
                let term = Term::from_field_text(fields.labels, &group.term);
                let fuzzy = FuzzyTermQuery::new(term, distance, true);
                clauses.push((Occur::Should, Box::new(fuzzy)));
            }
        }
        BooleanQuery::new(clauses)
    }

    /// Up to `depth` `(position, bm25)` pairs.
    fn candidates(
        &self,
        searcher: &Searcher,
        query: &BooleanQuery,
        depth: usize,
    ) -> Result<Vec<(usize, f32)>, Error> {
        let top: Vec<(f32, DocAddress)> =
            searcher.search(query, &TopDocs::with_limit(depth).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, address) in top {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("position")?;
            if let Some(position) = column.first(address.doc_id) {
                out.push((position as usize, score));
            }
        }
        Ok(out)
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
}

/// The tantivy document and the ranker's view of one catalog document.
fn prepare(
    fields: &Fields,
    analyzer: &mut Analyzer,
    position: usize,
    document: &Document,
) -> (TantivyDocument, DocTerms) {
    let mut doc = TantivyDocument::default();
    let mut terms = DocTerms::default();
    doc.add_u64(fields.position, position as u64);
    for exact in [normalize(&document.name), normalize(&document.title)] {
        if !exact.is_empty() {
            doc.add_text(fields.exact, &exact);
            terms.exact.push(exact);
        }
    }
    // Indexes `text` in field `bit`, analyzed once for both tantivy and the ranker, and
    // returns its distinct terms. Big catalogs spend their build time here: allocate only
    // for terms not seen before.
    let mut add = |bit: u8, text: &str, doc: &mut TantivyDocument, terms: &mut DocTerms| {
        let tokens = analyzer.tokens(text);
        terms.lengths[rank::slot(bit)] += tokens.len() as u32;
        let mut distinct: HashSet<String> = HashSet::new();
        for token in &tokens {
            match terms.terms.get_mut(&token.text) {
                Some(mask) => *mask |= bit,
                None => {
                    terms.terms.insert(token.text.clone(), bit);
                }
            }
            if !distinct.contains(&token.text) {
                distinct.insert(token.text.clone());
            }
        }
        // Already analyzed: tantivy only splits the stems again (its `whitespace` tokenizer).
        let stems: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
        doc.add_text(fields.for_bit(bit), stems.join(" "));
        distinct
    };
    let mut name_terms: Vec<String> = add(field::NAME, &document.name, &mut doc, &mut terms)
        .into_iter()
        .collect();
    name_terms.sort();
    terms.name_terms = name_terms;
    // `mcp-discord` is named by "discord": filler like `mcp` or `server` need not be asked for.
    terms.name_terms.retain(|t| !analyze::is_weak(t));
    add(field::TITLE, &document.title, &mut doc, &mut terms);
    add(
        field::DESCRIPTION,
        &document.description,
        &mut doc,
        &mut terms,
    );
    add(field::TAGS, &document.category, &mut doc, &mut terms);
    for tag in &document.tags {
        add(field::TAGS, tag, &mut doc, &mut terms);
    }
    add(field::DETAILS, &document.details, &mut doc, &mut terms);
    if let Some(about) = crate::knowledge::about(&document.name) {
        add(field::KNOWLEDGE, about, &mut doc, &mut terms);
    }
    for tool in &document.tools {
        let exact = normalize(&tool.name);
        if !exact.is_empty() {
            doc.add_text(fields.exact, &exact);
            terms.exact_tools.push(exact);
        }
        let mut own = ToolTerms {
            name: tool.name.clone(),
            ..ToolTerms::default()
        };
        for (i, (bit, text)) in [
            (field::TOOL_NAMES, tool.name.as_str()),
            (field::TOOL_TEXT, tool.description.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            let before = terms.lengths[rank::slot(bit)];
            for term in add(bit, text, &mut doc, &mut terms) {
                *own.terms.entry(term).or_default() |= bit;
            }
            own.lengths[i] = terms.lengths[rank::slot(bit)] - before;
        }
        terms.tools.push(own);
    }
    (doc, terms)
}

/// Analyzed synonym groups: each term maps to its alternatives (a phrase is several terms).
fn synonyms() -> &'static HashMap<String, Vec<Vec<String>>> {
    static SYNONYMS: OnceLock<HashMap<String, Vec<Vec<String>>>> = OnceLock::new();
    SYNONYMS.get_or_init(|| {
        let mut analyzer = Analyzer::new();
        let mut map: HashMap<String, Vec<Vec<String>>> = HashMap::new();
        for group in crate::synonyms::GROUPS {
            let analyzed: Vec<Vec<String>> = group
                .iter()
                .map(|word| analyzer.terms(&word.replace('-', " ")))
                .filter(|terms| !terms.is_empty())
                .collect();
            for (i, words) in analyzed.iter().enumerate() {
                // Only single-word members are looked up; phrases serve as alternatives.
                let [word] = words.as_slice() else { continue };
                let entry = map.entry(word.clone()).or_default();
                for (j, other) in analyzed.iter().enumerate() {
                    if i != j && other != words && !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        map
    })
}

fn boosted(query: impl Query, boost: f32) -> Box<dyn Query> {
    Box::new(BoostQuery::new(Box::new(query), boost))
}

/// The form an exact name is compared in: trimmed, lowercased, separators as dashes.
fn normalize(text: &str) -> String {
    text.trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests;
