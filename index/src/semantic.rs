//! The semantic stage: servers and their tools as vectors of a static embedding model
//! (`semantic/model.rs`), compared with the query's vector by cosine. It finds servers that
//! share no word with the query ("will it rain in Paris" -> weather) and lets one well-matched
//! tool of a big server count. `fusion.rs` combines its scores with the lexical ranking.
//!
//! Nothing here runs until the first hybrid query (or an explicit warm-up): the model is parsed
//! once per process, each index's vectors once per index.

mod model;
mod wordpiece;

use std::sync::OnceLock;

use crate::Document;
use model::Model;

/// Dimensions used: the first of the model's PCA components. 128 would halve memory and time
/// but ranked a little worse (dev tasks MRR@10 0.756 against 0.765, extra queries top-1 0.940
/// against 0.955), so all 256 are used.
pub(crate) const DIMS: usize = 256;

/// The process's model; `None` if the compiled-in artifact is unreadable (a broken build),
/// in which case hybrid search is lexical.
pub(crate) fn model() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL.get_or_init(|| Model::load(DIMS).ok()).as_ref()
}

/// The compiled-in model artifact, as stored.
pub(crate) fn artifact() -> &'static [u8] {
    model::ARTIFACT
}

/// Whether `word` (lowercase) is a word of the model's vocabulary: 30,000 common English
/// words and names, so a query word found there is meant, not mistyped.
pub(crate) fn is_word(word: &str) -> bool {
    model().is_some_and(|model| model.knows_word(word))
}

/// Unit vectors stored as int8 with one scale each: a tenth of the memory of f32 for a
/// ranking that does not change.
#[derive(Debug, Default)]
struct Matrix {
    dims: usize,
    values: Vec<i8>,
    scales: Vec<f32>,
}

impl Matrix {
    fn new(dims: usize) -> Matrix {
        Matrix {
            dims,
            ..Matrix::default()
        }
    }

    fn push(&mut self, vector: &[f32]) {
        let (values, scale) = quantize(vector);
        self.values.extend(values);
        self.scales.push(scale);
    }

    fn len(&self) -> usize {
        self.scales.len()
    }

    /// Cosine of row `row` with the quantized query.
    fn cosine(&self, row: usize, query: &Quantized) -> f32 {
        let values = &self.values[row * self.dims..(row + 1) * self.dims];
        let dot: i32 = values
            .iter()
            .zip(&query.values)
            .map(|(a, b)| i32::from(*a) * i32::from(*b))
            .sum();
        dot as f32 * self.scales[row] * query.scale
    }
}

/// A query vector in the matrices' int8 form.
pub(crate) struct Quantized {
    values: Vec<i8>,
    scale: f32,
}

impl Quantized {
    /// Whether the query had no known token (its vector is zero).
    pub(crate) fn is_zero(&self) -> bool {
        self.scale == 0.0
    }
}

fn quantize(vector: &[f32]) -> (Vec<i8>, f32) {
    let max = vector.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return (vec![0; vector.len()], 0.0);
    }
    let scale = max / 127.0;
    // In range by construction: |v| <= max, so |v / scale| <= 127.
    let values = vector
        .iter()
        .map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (values, scale)
}

/// One index's vectors: a server's own text, and each of its tools.
#[derive(Debug, Default)]
pub(crate) struct Vectors {
    servers: Matrix,
    tools: Matrix,
    /// For each server, the range of its tools' rows.
    tool_rows: Vec<(u32, u32)>,
    /// Each token's weight: its IDF over this catalog.
    idf: Vec<f32>,
    /// The mean of the servers' vectors, taken out of every vector before comparing: what all
    /// servers share ("a server that lets you manage ...") would otherwise make a few generic
    /// ones close to every query.
    mean: Vec<f32>,
}

impl Vectors {
    /// Embeds every document (and each of its tools) with `model`. Each token counts by its
    /// rarity in this catalog (IDF over the servers' texts): words every server uses say
    /// little about any of them, and a long task's filler words should not outweigh the few
    /// that name what it needs.
    pub(crate) fn build(model: &Model, documents: &[Document]) -> Vectors {
        let mut text = String::new();
        let servers: Vec<Vec<u32>> = documents
            .iter()
            .map(|document| {
                server_text(document, &mut text);
                model.tokens(&text)
            })
            .collect();
        let tools: Vec<Vec<Vec<u32>>> = documents
            .iter()
            .map(|document| {
                document
                    .tools
                    .iter()
                    .map(|tool| {
                        text.clear();
                        text.push_str(&words_of(&tool.name));
                        text.push_str(". ");
                        text.push_str(first_sentence(&tool.description));
                        model.tokens(&text)
                    })
                    .collect()
            })
            .collect();
        let mut frequency = vec![0u32; model.vocabulary()];
        for (own, tools) in servers.iter().zip(&tools) {
            let mut seen: Vec<u32> = own.iter().chain(tools.iter().flatten()).copied().collect();
            seen.sort_unstable();
            seen.dedup();
            for id in seen {
                frequency[id as usize] += 1;
            }
        }
        let total = documents.len() as f32;
        let idf: Vec<f32> = frequency
            .iter()
            .map(|df| ((total + 1.0) / (*df as f32 + 1.0)).ln() + 1.0)
            .collect();
        let weight = |id: u32| idf.get(id as usize).copied().unwrap_or(1.0);
        let mut vectors = Vectors {
            servers: Matrix::new(model.dims()),
            tools: Matrix::new(model.dims()),
            tool_rows: Vec::with_capacity(documents.len()),
            idf: Vec::new(),
            mean: Vec::new(),
        };
        let own: Vec<Vec<f32>> = servers
            .iter()
            .map(|ids| model.embed_tokens(ids, weight))
            .collect();
        vectors.mean = mean(&own, model.dims());
        for (own, tools) in own.into_iter().zip(&tools) {
            vectors.servers.push(&centered(own, &vectors.mean));
            let first = vectors.tools.len() as u32;
            for tool in tools {
                let tool = model.embed_tokens(tool, weight);
                vectors.tools.push(&centered(tool, &vectors.mean));
            }
            vectors.tool_rows.push((first, vectors.tools.len() as u32));
        }
        vectors.idf = idf;
        vectors
    }

    /// The query's vectors (the whole text, and each sentence of a longer one), its tokens
    /// weighted as the documents' are.
    pub(crate) fn query(&self, model: &Model, query: &str) -> DenseQuery {
        let whole = self.vector(model, query);
        let mut parts = vec![whole];
        let sentences: Vec<&str> = sentences(query).collect();
        if sentences.len() > 1 {
            parts.extend(
                sentences
                    .into_iter()
                    .map(|sentence| self.vector(model, sentence))
                    .filter(|vector| !vector.is_zero()),
            );
        }
        DenseQuery { parts }
    }

    fn vector(&self, model: &Model, text: &str) -> Quantized {
        let weight = |id: u32| self.idf.get(id as usize).copied().unwrap_or(1.0);
        let vector = model.embed_tokens(&model.tokens(text), weight);
        let (values, scale) = if vector.iter().all(|v| *v == 0.0) {
            quantize(&vector)
        } else {
            quantize(&centered(vector, &self.mean))
        };
        Quantized { values, scale }
    }

    /// Each server's cosine with the query (its best with any part), by document position.
    pub(crate) fn servers(&self, query: &DenseQuery) -> Vec<f32> {
        (0..self.servers.len())
            .map(|row| query.best(|part| self.servers.cosine(row, part)))
            .collect()
    }

    /// Cosine of each tool of server `doc` with the query, in the document's tool order.
    pub(crate) fn tools(&self, doc: usize, query: &DenseQuery) -> Vec<f32> {
        let (first, end) = self.tool_rows.get(doc).copied().unwrap_or((0, 0));
        (first as usize..end as usize)
            .map(|row| query.best(|part| self.tools.cosine(row, part)))
            .collect()
    }
}

/// A query as the semantic stage compares it: the whole text and, when it has several
/// sentences, each of them, a document scoring its best cosine with any. A task of two steps
/// ("Pull the figures from the warehouse. Then post a chart to the team's channel.") averages
/// into a vector near neither server; each sentence is near one.
pub(crate) struct DenseQuery {
    /// The whole text first.
    parts: Vec<Quantized>,
}

impl DenseQuery {
    /// Whether the query had no known token.
    pub(crate) fn is_zero(&self) -> bool {
        self.parts.first().is_none_or(Quantized::is_zero)
    }

    fn best(&self, cosine: impl Fn(&Quantized) -> f32) -> f32 {
        self.parts.iter().map(cosine).fold(f32::MIN, f32::max)
    }
}

/// A sentence needs this many words to stand on its own ("Thanks." does not).
const SENTENCE_MIN_WORDS: usize = 3;

/// The sentences of `text`: split at `.`, `;`, `?`, `!` and line breaks, short ones left out.
/// A dot inside a word (`apple.pptx`, `v1.2`) does not end a sentence.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut ends: Vec<usize> = text
        .char_indices()
        .filter(|&(at, c)| match c {
            ';' | '?' | '!' | '\n' => true,
            '.' => text[at + 1..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace),
            _ => false,
        })
        .map(|(at, _)| at + 1)
        .collect();
    ends.push(text.len());
    let starts = std::iter::once(0).chain(ends.clone());
    starts
        .zip(ends)
        .map(|(from, to)| {
            text[from..to].trim_matches(|c: char| c.is_whitespace() || ".;?!".contains(c))
        })
        .filter(|sentence| sentence.split_whitespace().count() >= SENTENCE_MIN_WORDS)
}

/// The mean of `vectors`; zeros for none. Taken out in full even for a handful of servers: the
/// model's rows share a large common direction (what any sentence has), and left in it makes
/// every text close to every other.
fn mean(vectors: &[Vec<f32>], dims: usize) -> Vec<f32> {
    let mut mean = vec![0.0f32; dims];
    for vector in vectors {
        for (total, value) in mean.iter_mut().zip(vector) {
            *total += value;
        }
    }
    let count = vectors.len().max(1) as f32;
    mean.iter_mut().for_each(|total| *total /= count);
    mean
}

/// `vector` less `mean`, back to unit length.
fn centered(mut vector: Vec<f32>, mean: &[f32]) -> Vec<f32> {
    for (value, shared) in vector.iter_mut().zip(mean) {
        *value -= shared;
    }
    model::normalize(&mut vector);
    vector
}

/// What a server's vector is made of: its name and title, description, what it is (product
/// knowledge) and its tags; its tools have vectors of their own.
fn server_text(document: &Document, text: &mut String) {
    text.clear();
    text.push_str(&words_of(&document.name));
    text.push_str(". ");
    text.push_str(&document.title);
    text.push_str(". ");
    text.push_str(&document.description);
    if let Some(about) = crate::knowledge::about(&document.name) {
        text.push_str(". ");
        text.push_str(about);
    }
    for tag in std::iter::once(&document.category).chain(&document.tags) {
        text.push_str(". ");
        text.push_str(tag);
    }
}

/// `get_current_time` and `getCurrentTime` as words.
fn words_of(identifier: &str) -> String {
    let mut out = String::with_capacity(identifier.len() + 4);
    let mut previous_lower = false;
    for c in identifier.chars() {
        if c == '_' || c == '-' || c == '.' || c == '/' {
            out.push(' ');
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

/// A tool's one-line summary: its first sentence (descriptions often go on about arguments).
pub fn first_sentence(description: &str) -> &str {
    let line = description
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let end = line
        .char_indices()
        .find(|(i, c)| *c == '.' && line[i + 1..].starts_with(' '))
        .map_or(line.len(), |(i, _)| i);
    line[..end].trim()
}

#[cfg(test)]
mod tests;
