//! The static embedding model: one int8 vector per vocabulary token, with a scale per row (the
//! distilled, PCA-reduced and SIF-weighted token embeddings of all-MiniLM-L6-v2; how it is
//! made is `index/model/README.md`). A text's vector is the normalized sum of its tokens' rows.
//!
//! The artifact is compiled in; nothing is read until the first semantic query, so start-up
//! does not pay for it.

use super::wordpiece::WordPiece;

/// `static-256.bin`: `SBSE`, format version, vocabulary size, dimensions (u32 LE each), then
/// one f32 LE scale per row, then the int8 rows.
pub(super) static ARTIFACT: &[u8] = include_bytes!("../../model/static-256.bin");
const VOCABULARY: &str = include_str!("../../model/vocab.txt");
const MAGIC: &[u8; 4] = b"SBSE";
const HEADER: usize = 16;

/// The model, parsed from the compiled-in artifact.
pub(crate) struct Model {
    wordpiece: WordPiece,
    /// Dimensions stored per row.
    stored: usize,
    /// Dimensions used (a prefix of the stored ones: PCA orders them by variance).
    dims: usize,
    scales: Vec<f32>,
    /// The int8 rows as stored (each byte read `as i8`).
    rows: &'static [u8],
}

/// Why the compiled-in artifact could not be read; only a broken build gets here.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ModelError {
    #[error("the static model artifact is malformed: {0}")]
    Malformed(&'static str),
}

impl Model {
    /// Reads the compiled-in model, using the first `dims` dimensions of each row.
    pub(crate) fn load(dims: usize) -> Result<Model, ModelError> {
        Model::parse(ARTIFACT, VOCABULARY, dims)
    }

    fn parse(bytes: &'static [u8], vocab: &'static str, dims: usize) -> Result<Model, ModelError> {
        let word = |at: usize| -> Result<usize, ModelError> {
            let raw: [u8; 4] = bytes
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .ok_or(ModelError::Malformed("truncated header"))?;
            usize::try_from(u32::from_le_bytes(raw))
                .map_err(|_| ModelError::Malformed("header value"))
        };
        if bytes.get(..4) != Some(MAGIC.as_slice()) {
            return Err(ModelError::Malformed("no SBSE magic"));
        }
        if word(4)? != 1 {
            return Err(ModelError::Malformed("unknown format version"));
        }
        let (size, stored) = (word(8)?, word(12)?);
        let rows_at = HEADER + 4 * size;
        if bytes.len() != rows_at + size * stored || dims == 0 || dims > stored {
            return Err(ModelError::Malformed("sizes do not add up"));
        }
        let scales = bytes[HEADER..rows_at]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let rows = &bytes[rows_at..];
        let wordpiece = WordPiece::new(vocab).ok_or(ModelError::Malformed("no [UNK] token"))?;
        Ok(Model {
            wordpiece,
            stored,
            dims,
            scales,
            rows,
        })
    }

    /// Whether the model's vocabulary has `word` (lowercase) as a whole word.
    pub(crate) fn knows_word(&self, word: &str) -> bool {
        self.wordpiece.has_word(word)
    }

    /// Dimensions of the vectors it makes.
    pub(crate) fn dims(&self) -> usize {
        self.dims
    }

    /// The unit vector of `text` (all zeros if no token of it is known).
    #[cfg(test)]
    pub(crate) fn embed(&self, text: &str) -> Vec<f32> {
        self.embed_tokens(&self.tokens(text), |_| 1.0)
    }

    /// The token ids of `text`.
    pub(crate) fn tokens(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::new();
        self.wordpiece.encode(text, &mut ids);
        ids
    }

    /// The unit vector of `ids`, each token's row scaled by `weight` of it.
    pub(crate) fn embed_tokens(&self, ids: &[u32], weight: impl Fn(u32) -> f32) -> Vec<f32> {
        let mut sum = vec![0.0f32; self.dims];
        for &id in ids {
            let Some(&scale) = self.scales.get(id as usize) else {
                continue;
            };
            if scale == 0.0 {
                continue;
            }
            let scale = scale * weight(id);
            let at = id as usize * self.stored;
            for (total, value) in sum.iter_mut().zip(&self.rows[at..at + self.dims]) {
                // Two's complement: the byte is the int8 the generation script wrote.
                *total += f32::from(*value as i8) * scale;
            }
        }
        normalize(&mut sum);
        sum
    }

    /// Size of the vocabulary.
    pub(crate) fn vocabulary(&self) -> usize {
        self.scales.len()
    }

    /// The token ids of `text`, for tests against the generation script.
    #[cfg(test)]
    pub(crate) fn ids(&self, text: &str) -> Vec<u32> {
        self.tokens(text)
    }
}

/// Scales `vector` to unit length (a zero vector stays zero).
pub(crate) fn normalize(vector: &mut [f32]) {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for value in vector {
            *value /= norm;
        }
    }
}
