//! SHA-256 and lowercase hex, for what the store keys by hash (token hashes, cached catalogs
//! by URL) and for random identifiers.

use sha2::Digest;

/// The SHA-256 digest of `text`.
pub(crate) fn sha256(text: &str) -> [u8; 32] {
    sha2::Sha256::digest(text.as_bytes()).into()
}

/// `bytes` as lowercase hex, two digits a byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
