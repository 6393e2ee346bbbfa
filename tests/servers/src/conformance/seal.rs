//! Integrity protection for `requestState` (SEP-2322): the client echoes the state back
//! verbatim, so everything the server reads from it must be signed. A state is
//! `<hex HMAC-SHA256 tag>.<JSON payload>`, the tag covering the flow's name and the payload, so a
//! state is accepted only unchanged and only by the flow that issued it.
//!
//! Signed, not encrypted: the payload is readable by the client, so it never holds secrets.

use std::io::Read as _;

use sha2::Digest as _;

/// SHA-256 works on 64-byte blocks; HMAC pads its key to one block (RFC 2104).
const BLOCK: usize = 64;

/// Seals and opens request states with one key, drawn per process.
pub(crate) struct Seal {
    key: [u8; 32],
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Seal { key: <redacted> }")
    }
}

impl Seal {
    /// A seal with a fresh random key, so states never outlive the process that issued them.
    pub(crate) fn random() -> Seal {
        Seal { key: random_key() }
    }

    /// The state string for `payload`, bound to `scope` (the tool or prompt name).
    pub(crate) fn seal(&self, scope: &str, payload: &serde_json::Value) -> String {
        let payload = payload.to_string();
        format!("{}.{payload}", hex(&self.tag(scope, &payload)))
    }

    /// The payload of a state sealed for `scope`, or `None` when it was forged, altered or
    /// issued for another scope.
    pub(crate) fn open(&self, scope: &str, state: &str) -> Option<serde_json::Value> {
        let (tag, payload) = state.split_once('.')?;
        let expected = hex(&self.tag(scope, payload));
        // Compare every byte whatever the first difference, so timing says nothing of the tag.
        let same = tag.len() == expected.len()
            && tag
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        if !same {
            return None;
        }
        serde_json::from_str(payload).ok()
    }

    /// The tag of `payload` in `scope`; the NUL keeps `("ab", "c")` and `("a", "bc")` apart.
    fn tag(&self, scope: &str, payload: &str) -> [u8; 32] {
        hmac_sha256(&self.key, &[scope.as_bytes(), b"\0", payload.as_bytes()])
    }
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`; a key shorter than a block is
/// zero-padded to one, so a 32-byte key is any key of up to 32 bytes.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; BLOCK];
    block[..key.len()].copy_from_slice(key);
    let mut inner = sha2::Sha256::new();
    inner.update(block.map(|byte| byte ^ 0x36));
    for part in parts {
        inner.update(part);
    }
    let mut outer = sha2::Sha256::new();
    outer.update(block.map(|byte| byte ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// 32 bytes from the kernel's random source; if `/dev/urandom` cannot be read (it exists even
/// in a `FROM scratch` container), from std's hasher keys, which are also drawn from the OS's
/// randomness once per process.
fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    let from_kernel = std::fs::File::open("/dev/urandom").and_then(|mut urandom| {
        urandom.read_exact(&mut key)?;
        Ok(())
    });
    if let Err(error) = from_kernel {
        eprintln!("fixture: /dev/urandom unreadable ({error}); keying request states from std");
        use std::hash::{BuildHasher as _, Hasher as _};
        for (index, chunk) in key.chunks_mut(8).enumerate() {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_usize(index);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
    }
    key
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_state_opens_unchanged_in_its_own_scope_only() {
        let seal = Seal::random();
        let payload = serde_json::json!({ "round": 2, "name": "Alice" });
        let state = seal.seal("multi_round", &payload);
        assert_eq!(seal.open("multi_round", &state), Some(payload));
        assert_eq!(seal.open("other_tool", &state), None);
        assert_eq!(seal.open("multi_round", &format!("{state}-TAMPERED")), None);
        assert_eq!(seal.open("multi_round", &state.replace('2', "3")), None);
        assert_eq!(seal.open("multi_round", "not a state"), None);
    }

    #[test]
    fn another_process_key_rejects_the_state() {
        let state = Seal::random().seal("scope", &serde_json::json!({}));
        assert_eq!(Seal::random().open("scope", &state), None);
    }

    #[test]
    fn the_tag_is_rfc_4231_hmac_sha256() {
        // RFC 4231 test case 1: a 20-byte key of 0x0b (zero-padded like any short key).
        let mut key = [0u8; 32];
        key[..20].copy_from_slice(&[0x0b; 20]);
        assert_eq!(
            hex(&hmac_sha256(&key, &[b"Hi ", b"There"])),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }
}
