//! Lexicons: the VADER word list and emoji descriptions, VADER's fixed word
//! lists (boosters, negations), and TSV extensions with multi-word phrases.

use crate::fxhash::FxBuild;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::vader::{BOOSTER_DICT, MULTIWORD_BOOSTERS, NEGATE};

/// The original VADER lexicon (vaderSentiment 3.3.2), `token<TAB>mean<TAB>sd<TAB>ratings`.
pub(crate) const VADER_LEXICON: &str = include_str!("../../data/sentiment/vader_lexicon.txt");
/// The VADER emoji lexicon (vaderSentiment 3.3.2), `emoji<TAB>description`.
pub(crate) const EMOJI_LEXICON: &str = include_str!("../../data/sentiment/emoji_utf8_lexicon.txt");
/// Workplace and learning vocabulary on top of VADER.
pub(crate) const WORKPLACE_TSV: &str = include_str!("../../data/sentiment/workplace.tsv");
/// Common French sentiment words and phrases.
pub(crate) const FRENCH_TSV: &str = include_str!("../../data/sentiment/french.tsv");

/// Highest absolute valence an extension may give, VADER's scale.
const MAX_VALENCE: f64 = 4.0;

/// A sentiment lexicon file could not be read or has a malformed line.
#[derive(Debug)]
pub enum LexiconError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A line does not follow `term<TAB>value[<TAB>kind]`.
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
}

impl LexiconError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Read { path, .. } | Self::Malformed { path, .. } => path,
        }
    }

    /// The 1-based line number of a malformed line; `None` when the file could not be read.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Read { .. } => None,
            Self::Malformed { line, .. } => Some(*line),
        }
    }
}

impl fmt::Display for LexiconError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => {
                write!(
                    f,
                    "cannot read sentiment lexicon {}: {source}",
                    path.display()
                )
            }
            Self::Malformed { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
        }
    }
}

impl std::error::Error for LexiconError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Malformed { .. } => None,
        }
    }
}

/// What the lexicon knows about one word or phrase.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entry {
    /// Sentiment valence; `Some` means "in the lexicon" in VADER's sense.
    pub valence: Option<f64>,
    /// Booster (> 0) or dampener (< 0) scalar, VADER's B_INCR / B_DECR.
    pub booster: Option<f64>,
    /// A negation word (VADER's NEGATE list and extensions).
    pub negation: bool,
    /// A contrastive conjunction ("but").
    pub contrast: bool,
    /// Phrases that start with this word, longest first (indices into `Lexicon::phrases`).
    pub phrases: Vec<u32>,
}

/// A multi-word lexicon entry.
#[derive(Debug, Clone)]
pub(crate) struct Phrase {
    /// The words, lowercased, ASCII punctuation trimmed.
    pub words: Vec<Box<str>>,
    /// The words joined by single spaces.
    pub key: Box<str>,
    /// What the phrase means; `phrases` is unused.
    pub entry: Entry,
}

/// How a TSV line's value is used.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Valence,
    Booster,
    Negation,
    Contrast,
}

/// All the word knowledge an `Analyzer` uses.
#[derive(Clone)]
pub(crate) struct Lexicon {
    map: HashMap<Box<str>, Entry, FxBuild>,
    pub phrases: Vec<Phrase>,
    phrase_ids: HashMap<Box<str>, u32, FxBuild>,
    emoji: HashMap<char, Box<str>, FxBuild>,
    /// The smallest emoji code point, to skip the emoji lookup for most characters.
    emoji_min: char,
}

impl fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lexicon")
            .field("words", &self.map.len())
            .field("phrases", &self.phrases.len())
            .field("emoji", &self.emoji.len())
            .finish()
    }
}

/// Python's `str.strip()` whitespace: Rust's plus the four ASCII separators.
#[inline]
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Lowercase a term the way text tokens are lowercased in extended mode.
pub(crate) fn normalize_term(term: &str) -> String {
    term.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'")
}

impl Lexicon {
    /// Exactly what vaderSentiment's `SentimentIntensityAnalyzer()` knows.
    pub fn vader() -> Self {
        let mut lex = Lexicon {
            map: HashMap::with_capacity_and_hasher(8192, FxBuild::default()),
            phrases: Vec::new(),
            phrase_ids: HashMap::default(),
            emoji: HashMap::with_capacity_and_hasher(2048, FxBuild::default()),
            emoji_min: char::MAX,
        };
        // Mirrors make_lex_dict: keys are kept verbatim (so a key with capitals,
        // like ":D", is never reached by the lowercased lookup, as in Python) and a
        // later duplicate line overrides an earlier one.
        for line in VADER_LEXICON.trim_end_matches('\n').split('\n') {
            if line.is_empty() {
                continue;
            }
            let mut cols = line.trim_matches(is_py_space).split('\t');
            let (Some(word), Some(measure)) = (cols.next(), cols.next()) else {
                continue;
            };
            let Ok(v) = measure.parse::<f64>() else {
                continue;
            };
            lex.entry_mut(word).valence = Some(v);
        }
        // Mirrors make_emoji_dict. Python walks the text one code point at a
        // time, so only single-code-point emoji can ever match.
        for line in EMOJI_LEXICON.trim_end_matches('\n').split('\n') {
            let mut cols = line.trim_matches(is_py_space).split('\t');
            let (Some(emoji), Some(desc)) = (cols.next(), cols.next()) else {
                continue;
            };
            let mut chars = emoji.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                lex.emoji.insert(c, desc.into());
                lex.emoji_min = lex.emoji_min.min(c);
            }
        }
        for &(word, b) in BOOSTER_DICT {
            lex.entry_mut(word).booster = Some(b);
        }
        for &word in NEGATE {
            lex.entry_mut(word).negation = true;
        }
        lex.entry_mut("but").contrast = true;
        lex
    }

    /// Make VADER's multi-word lexicon entries ("fed up", "can't stand") and
    /// multi-word boosters ("kind of") usable as phrases. The reference scores
    /// one token at a time, so it never reaches them.
    pub fn enable_vader_phrases(&mut self) {
        let multi: Vec<(String, f64)> = self
            .map
            .iter()
            .filter(|(k, _)| k.contains(' '))
            .filter_map(|(k, e)| e.valence.map(|v| (k.to_string(), v)))
            .collect();
        for (k, v) in multi {
            // Entries like "( '}{' )" are emoticons with spaces, not phrases.
            let words: Vec<&str> = k.split(' ').collect();
            if words.iter().all(|w| w.chars().any(char::is_alphabetic)) {
                // Infallible: the words are non-empty.
                let _ = self.add(&k, v, Kind::Valence);
            }
        }
        for &(words, b) in MULTIWORD_BOOSTERS {
            let _ = self.add(&words.join(" "), b, Kind::Booster);
        }
    }

    /// Load a TSV extension (see `workplace.tsv` for the format); later lines override.
    pub fn load_tsv(&mut self, text: &str, path: &Path) -> Result<(), LexiconError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (n, line) in text.lines().enumerate() {
            let malformed = |reason: String| LexiconError::Malformed {
                path: path.to_path_buf(),
                line: n + 1,
                reason,
            };
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
            if !(2..=3).contains(&cols.len()) {
                return Err(malformed(format!(
                    "expected `term<TAB>value` or `term<TAB>value<TAB>kind`, found {} tab-separated column{}",
                    cols.len(),
                    if cols.len() == 1 { "" } else { "s" }
                )));
            }
            let term = cols[0];
            if term.is_empty() {
                return Err(malformed("empty term".into()));
            }
            let value: f64 = cols[1]
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| malformed(format!("value `{}` is not a number", cols[1])))?;
            let kind = match cols.get(2).copied().unwrap_or("") {
                "" | "valence" => Kind::Valence,
                "booster" => Kind::Booster,
                "negation" => Kind::Negation,
                "contrast" => Kind::Contrast,
                other => {
                    return Err(malformed(format!(
                        "unknown kind `{other}` (expected valence, booster, negation or contrast)"
                    )));
                }
            };
            if kind == Kind::Valence && value.abs() > MAX_VALENCE {
                return Err(malformed(format!(
                    "valence {value} is outside VADER's scale -{MAX_VALENCE}..={MAX_VALENCE}"
                )));
            }
            self.add(term, value, kind).map_err(malformed)?;
        }
        Ok(())
    }

    fn add(&mut self, term: &str, value: f64, kind: Kind) -> Result<(), String> {
        let key = normalize_term(term);
        let raw_words: Vec<&str> = key.split_whitespace().collect();
        let entry = if raw_words.len() <= 1 {
            self.entry_mut(key.trim())
        } else {
            // Phrase words are matched against tokens with punctuation trimmed.
            let words: Vec<Box<str>> = raw_words
                .iter()
                .map(|w| w.trim_matches(is_trim_punct))
                .filter(|w| !w.is_empty())
                .map(Box::from)
                .collect();
            match words.len() {
                0 => return Err(format!("term `{term}` has no words")),
                1 => self.entry_mut(&words[0]),
                _ => self.phrase_mut(words),
            }
        };
        match kind {
            Kind::Valence => entry.valence = Some(value),
            Kind::Booster => entry.booster = Some(value),
            Kind::Negation => entry.negation = true,
            Kind::Contrast => entry.contrast = true,
        }
        Ok(())
    }

    fn entry_mut(&mut self, word: &str) -> &mut Entry {
        if !self.map.contains_key(word) {
            self.map.insert(word.into(), Entry::default());
        }
        self.map.get_mut(word).expect("inserted just above")
    }

    fn phrase_mut(&mut self, words: Vec<Box<str>>) -> &mut Entry {
        let key: Box<str> = words.join(" ").into();
        let id = match self.phrase_ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = u32::try_from(self.phrases.len()).expect("fewer than 2^32 phrases");
                let first = words[0].clone();
                self.phrases.push(Phrase {
                    words,
                    key: key.clone(),
                    entry: Entry::default(),
                });
                self.phrase_ids.insert(key, id);
                if !self.map.contains_key(&*first) {
                    self.map.insert(first.clone(), Entry::default());
                }
                let list = &mut self
                    .map
                    .get_mut(&*first)
                    .expect("inserted just above")
                    .phrases;
                list.push(id);
                let phrases = &self.phrases;
                // Longest first, so the longest match wins.
                list.sort_by_key(|&p| std::cmp::Reverse(phrases[p as usize].words.len()));
                id
            }
        };
        &mut self.phrases[id as usize].entry
    }

    /// Look a lowercased word up.
    #[inline]
    pub fn get(&self, word: &str) -> Option<&Entry> {
        self.map.get(word)
    }

    /// The description of a single-code-point emoji.
    #[inline]
    pub fn emoji(&self, c: char) -> Option<&str> {
        if c < self.emoji_min {
            return None;
        }
        self.emoji.get(&c).map(|d| &**d)
    }

    /// The smallest code point with an emoji description; all ASCII is below it.
    #[inline]
    pub fn emoji_min(&self) -> char {
        self.emoji_min
    }
}

/// Punctuation trimmed from words before phrase matching and fallback lookups:
/// ASCII punctuation as VADER strips it, and common typographic marks.
#[inline]
pub(crate) fn is_trim_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '«' | '»' | '“' | '”' | '‘' | '’' | '…' | '¡' | '¿' | '–' | '—'
        )
}
