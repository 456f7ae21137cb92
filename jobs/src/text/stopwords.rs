//! Stop-word lists: parsing the files and looking words up.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use super::norm::{fold_accents, normalise};
use super::{Language, TextError};

/// At most this many languages (one bit each in a word's mask).
pub(crate) const MAX_LANGUAGES: usize = 32;

/// FxHash: stop words are trusted data and lookups are the hot path, so a
/// fast hash that does not resist flooding beats SipHash here.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const FX_K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_K);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FxHasher`]s.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

/// Stop words of all languages: each word maps to the set of languages that
/// list it, one bit per language in the order they were added.
#[derive(Debug, Clone, Default)]
pub(crate) struct StopWords {
    map: HashMap<Box<str>, u32, FxBuild>,
    languages: Vec<Language>,
}

impl StopWords {
    /// Adds the words of a list file's `text` (read from `path`) to
    /// `language`; a malformed file adds nothing.
    pub(crate) fn add(
        &mut self,
        language: Language,
        text: &str,
        path: &Path,
    ) -> Result<(), TextError> {
        let mut words = Vec::new();
        parse_words(text, path, |w| words.push(w.to_string()))?;
        let bit = match self.languages.iter().position(|l| *l == language) {
            Some(bit) => bit,
            None if self.languages.len() == MAX_LANGUAGES => {
                return Err(TextError::LanguageCode {
                    code: language.code().to_string(),
                    reason: "too many languages (at most 32)",
                });
            }
            None => {
                self.languages.push(language);
                self.languages.len() - 1
            }
        };
        let mask = 1u32 << bit;
        for word in words {
            if let Some(plain) = fold_accents(&word) {
                *self.map.entry(plain.into()).or_default() |= mask;
            }
            *self.map.entry(word.into()).or_default() |= mask;
        }
        Ok(())
    }

    /// The languages that list `word` (already normalised), one bit each.
    #[inline]
    pub(crate) fn mask(&self, word: &str) -> u32 {
        self.map.get(word).copied().unwrap_or(0)
    }

    /// The languages, in bit order.
    pub(crate) fn languages(&self) -> &[Language] {
        &self.languages
    }
}

/// Calls `f` with each word of a word-list file, normalised like post text.
/// One word per line; `#` starts a comment (at the start of a line or after
/// the word); blank lines are ignored; a byte-order mark is skipped.
pub(crate) fn parse_words(
    text: &str,
    path: &Path,
    mut f: impl FnMut(&str),
) -> Result<(), TextError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim_start();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(TextError::Malformed {
                path: path.to_path_buf(),
                line: n + 1,
                reason: format!("expected one word per line, found {line:?}"),
            });
        }
        let word = normalise(word);
        if !word.is_empty() {
            f(&word);
        }
    }
    Ok(())
}
