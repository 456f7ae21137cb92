//! Pseudonymisation of author and user ids with a keyed HMAC-SHA256.
//!
//! The same raw id always maps to the same pseudonym under one key, so people can be
//! counted and followed across posts, but the raw id cannot be recovered without the key.
//! Raw ids never reach the lake: quarantined raw bytes are redacted with [`Pseudonymiser::redact`].

use crate::{Error, Result};
use hmac::{Hmac, Mac};
use rustc_hash::FxHashMap;
use sha2::Sha256;
use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Shortest key accepted, in bytes.
pub const MIN_KEY_BYTES: usize = 16;
/// Hex characters kept from the HMAC (128 bits).
const PSEUDONYM_HEX: usize = 32;
/// Raw ids whose pseudonyms each thread remembers; the memory is cleared when it is full.
/// An organisation's people post again and again, so nearly every id is a hit: the HMAC
/// costs two SHA-256 blocks (~0.2 µs), a lookup a hash of a few bytes.
const REMEMBERED_IDS: usize = 1 << 15;
/// Raw ids longer than this are not remembered (ids are short; this bounds the memory).
const REMEMBERED_ID_BYTES: usize = 64;

/// Numbers pseudonymisers, so a thread's remembered pseudonyms are never used under
/// another key.
static NEXT_KEY_NUMBER: AtomicU64 = AtomicU64::new(1);

/// Each thread's remembered pseudonyms, for one pseudonymiser at a time.
struct Remembered {
    key_number: u64,
    ids: FxHashMap<Box<[u8]>, Pseudonym>,
}

thread_local! {
    static REMEMBERED: RefCell<Remembered> = RefCell::new(Remembered {
        key_number: 0,
        ids: FxHashMap::default(),
    });
}

/// A pseudonym: 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Pseudonym([u8; PSEUDONYM_HEX]);

impl Pseudonym {
    /// The hex digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hex digits are ASCII")
    }
}

impl std::fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pseudonym({})", self.as_str())
    }
}

/// Maps raw ids to pseudonyms. Cheap to clone; the keyed state is precomputed once.
#[derive(Clone)]
pub struct Pseudonymiser {
    mac: Hmac<Sha256>,
    /// Unique to this key's pseudonymiser (shared by its clones).
    key_number: u64,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser { key: <secret> }")
    }
}

impl Pseudonymiser {
    /// A pseudonymiser for a key of at least [`MIN_KEY_BYTES`] bytes.
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::Key(format!(
                "expected at least {MIN_KEY_BYTES} bytes, got {}",
                key.len()
            )));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key)
            .map_err(|e| Error::Key(format!("unusable key: {e}")))?;
        Ok(Pseudonymiser {
            mac,
            key_number: NEXT_KEY_NUMBER.fetch_add(1, Ordering::Relaxed),
        })
    }

    /// A pseudonymiser for a key written as hex (as in `privacy.key`).
    pub fn from_hex(hex_key: &str) -> Result<Self> {
        let key = hex::decode(hex_key.trim())
            .map_err(|e| Error::Key(format!("expected hex digits: {e}")))?;
        Self::new(&key)
    }

    /// Reads a key file holding hex digits (as written by [`write_new_key_file`]).
    pub fn from_key_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Key(format!("cannot read key file {}: {e}", path.display())))?;
        Self::from_hex(&text).map_err(|e| Error::Key(format!("key file {}: {e}", path.display())))
    }

    /// The pseudonym of a raw id: 32 hex characters of HMAC-SHA256(key, id).
    pub fn pseudonymise(&self, raw_id: &str) -> String {
        self.pseudonym(raw_id).as_str().to_owned()
    }

    /// [`Pseudonymiser::pseudonymise`] without allocating: ingest needs one per event.
    /// Remembers recent ids per thread (see [`REMEMBERED_IDS`]).
    pub fn pseudonym(&self, raw_id: &str) -> Pseudonym {
        let id = raw_id.as_bytes();
        if id.len() > REMEMBERED_ID_BYTES {
            return self.compute(raw_id);
        }
        REMEMBERED.with_borrow_mut(|r| {
            if r.key_number != self.key_number {
                r.ids.clear();
                r.key_number = self.key_number;
            }
            if let Some(p) = r.ids.get(id) {
                return *p;
            }
            if r.ids.len() >= REMEMBERED_IDS {
                r.ids.clear();
            }
            let p = self.compute(raw_id);
            r.ids.insert(id.into(), p);
            p
        })
    }

    /// The HMAC itself.
    fn compute(&self, raw_id: &str) -> Pseudonym {
        let mut mac = self.mac.clone();
        mac.update(raw_id.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = [0u8; PSEUDONYM_HEX];
        hex::encode_to_slice(&digest[..PSEUDONYM_HEX / 2], &mut out)
            .expect("the output holds two hex digits per byte");
        Pseudonym(out)
    }

    /// Replaces the values of `"author_id"` and `"user_id"` in raw (possibly broken) JSON
    /// bytes by their pseudonyms, leaving every other byte as it was. Used for quarantine,
    /// whose raw bytes must not carry raw ids either.
    pub fn redact(&self, raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if let Some((value_start, value_end)) = id_value_at(raw, i) {
                out.extend_from_slice(&raw[i..value_start]);
                let value = String::from_utf8_lossy(&raw[value_start..value_end]);
                out.extend_from_slice(self.pseudonymise(&value).as_bytes());
                i = value_end;
            } else {
                out.push(raw[i]);
                i += 1;
            }
        }
        out
    }
}

/// If `raw[at..]` starts with `"author_id"` or `"user_id"` followed by `:` and a string,
/// the byte range of that string's contents (between the quotes).
fn id_value_at(raw: &[u8], at: usize) -> Option<(usize, usize)> {
    const KEYS: [&[u8]; 2] = [b"\"author_id\"", b"\"user_id\""];
    let rest = &raw[at..];
    let key = KEYS.iter().find(|k| rest.starts_with(k))?;
    let mut j = at + key.len();
    while j < raw.len() && raw[j].is_ascii_whitespace() {
        j += 1;
    }
    if raw.get(j) != Some(&b':') {
        return None;
    }
    j += 1;
    while j < raw.len() && raw[j].is_ascii_whitespace() {
        j += 1;
    }
    if raw.get(j) != Some(&b'"') {
        return None;
    }
    let start = j + 1;
    let mut k = start;
    while k < raw.len() {
        match raw[k] {
            b'\\' => k += 2,
            b'"' => return Some((start, k)),
            _ => k += 1,
        }
    }
    // Unterminated string: redact to the end.
    Some((start, raw.len()))
}

/// Creates a new random 32-byte key file (hex) readable only by its owner (0600).
/// Fails if the file already exists, so an existing key is never replaced.
pub fn write_new_key_file(path: &Path) -> Result<()> {
    use rand::TryRngCore;
    use std::io::Write;
    let mut key = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut key)
        .map_err(|e| Error::Key(format!("no randomness from the OS: {e}")))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Key(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| Error::Key(format!("cannot create key file {}: {e}", path.display())))?;
    writeln!(file, "{}", hex::encode(key))
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::Key(format!("cannot write key file {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Pseudonymiser {
        Pseudonymiser::new(b"0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn stable_keyed_and_not_the_raw_id() {
        let a = p().pseudonymise("emp-000042");
        assert_eq!(a, p().pseudonymise("emp-000042"));
        assert_eq!(a.len(), 32);
        assert_ne!(a, p().pseudonymise("emp-000043"));
        let other = Pseudonymiser::new(b"another key, 16+ bytes long").unwrap();
        assert_ne!(a, other.pseudonymise("emp-000042"));
        assert!(!a.contains("emp"));
    }

    #[test]
    fn remembered_pseudonyms_equal_computed_ones_and_never_cross_keys() {
        let a = p();
        let b = Pseudonymiser::new(b"another key, 16+ bytes long").unwrap();
        let long = "x".repeat(REMEMBERED_ID_BYTES + 1);
        let id = |i: usize| {
            if i == 7 {
                long.clone()
            } else {
                format!("emp-{i}")
            }
        };
        // Every answer (computed, remembered, or forgotten and computed again) must be the
        // HMAC under the asking pseudonymiser's own key: each key asks for the same ids
        // twice (the second time from memory), then the keys take turns on one thread.
        for ps in [&a, &b, &a.clone(), &b] {
            for _ in 0..2 {
                for i in 0..1000 {
                    assert_eq!(ps.pseudonym(&id(i)), ps.compute(&id(i)));
                }
            }
        }
        for i in 0..1000 {
            for ps in [&a, &b, &a.clone()] {
                assert_eq!(ps.pseudonym(&id(i)), ps.compute(&id(i)));
            }
        }
        // More ids than are remembered: the memory is cleared and filled again.
        for _ in 0..2 {
            for i in 0..REMEMBERED_IDS + 10 {
                assert_eq!(a.pseudonym(&id(i)), a.compute(&id(i)));
            }
        }
        assert_ne!(a.pseudonym("emp-1"), b.pseudonym("emp-1"));
    }

    #[test]
    fn short_key_is_refused() {
        assert!(Pseudonymiser::new(b"short").is_err());
        assert!(Pseudonymiser::from_hex("zz").is_err());
    }

    #[test]
    fn redact_replaces_ids_in_valid_and_broken_json() {
        let ps = p();
        let raw = br#"{"author_id": "emp-1", "team":"x", "user_id":"u\"2", "body":"hi"#;
        let out = String::from_utf8(ps.redact(raw)).unwrap();
        assert!(!out.contains("emp-1"), "{out}");
        assert!(!out.contains("u\\\"2"), "{out}");
        assert!(out.contains(&ps.pseudonymise("emp-1")));
        assert!(out.contains(r#""team":"x""#));
        assert!(out.ends_with(r#""body":"hi"#));
        // Not-an-id keys are untouched.
        assert_eq!(
            ps.redact(br#"{"author":"a"}"#),
            br#"{"author":"a"}"#.to_vec()
        );
    }

    #[test]
    fn key_file_is_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k/key");
        write_new_key_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(write_new_key_file(&path).is_err());
        assert!(Pseudonymiser::from_key_file(&path).is_ok());
    }
}
