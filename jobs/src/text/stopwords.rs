//! Stop-word lists: parsing the files and looking words up.

use std::collections::HashMap;
use std::path::Path;

use super::norm::{fold_accents, normalise};
use super::{Language, TextError};

/// At most this many languages (one bit each in a word's mask).
pub(crate) const MAX_LANGUAGES: usize = 32;

pub(crate) use crate::fxhash::FxBuild;

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
