//! Text processing for topic discovery: tokens, content terms and phrases of
//! workplace posts in English and French (other languages by stop-word file).
//!
//! [`Tokenizer::tokens`] splits a post into [`Token`]s in one pass:
//! - words are Unicode-aware ("réseau", "cœur", "naïve"), lower-cased (ALL
//!   CAPS too), with apostrophes and hyphens inside kept ("don't",
//!   "follow-up", "e-learning"); typographic apostrophes and hyphens are
//!   folded to ASCII ones, and decomposed accents are composed ("e" + U+0301
//!   is "é");
//! - French elision is split off: "l'outil" is the tokens "l'" and "outil"
//!   (also d' j' m' t' s' c' n' qu' jusqu' lorsqu' puisqu' quoiqu');
//!   an English possessive is dropped ("SAP's" is "sap");
//! - URLs ("https://…", "www.…", bare domains such as "concur.com") become
//!   one [`TokenKind::Url`] whose text is the host; e-mail addresses,
//!   @mentions, #hashtags, numbers ("4012", "10,000", "3pm", "2024-03-01"),
//!   codes ("ERR-4012", "0x80070005", "v2.3", "O365", "E_ACCESSDENIED") and
//!   emoji (including ZWJ sequences, flags and ":)"-style emoticons) each have
//!   their own kind;
//! - a token remembers whether punctuation or a line break separates it from
//!   the one before ([`Token::boundary_before`]), so phrases never cross a
//!   sentence, a comma, brackets or quotes.
//!
//! [`Tokenizer::terms`] turns a post into content terms for modelling and
//! [`Tokenizer::phrases`] into 1..=n-word phrases; [`tag_terms`] turns a post's
//! tags into `#tag` terms, which callers should weight as strong signals.
//!
//! Stop words come from files, one word per line (`#` comments), embedded
//! from `jobs/data/text/` (English and French: the Snowball lists plus
//! workplace chat filler); [`Tokenizer::with_stopword_file`] adds a language
//! or extends one. All stop lists apply to every post, since posts mix
//! languages; [`Tokenizer::detect_language`] routes a post by its stop words.
//!
//! Terms are folded to the singular, conservatively: only plural "-s"
//! endings (with "-ies", "-ches", "-eaux" and the like), words of four
//! letters or more, never codes, tags, acronyms ("AWS") or words listed in
//! `jobs/data/text/stem-exceptions.txt` ("windows", "teams", "cours");
//! "-ing", "-ed" and other suffixes are left alone. English rules apply to
//! posts detected as English, French rules to French ones, none to others.

mod norm;
mod scan;
mod stem;
mod stopwords;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

pub use norm::normalise;

use stopwords::{FxBuild, StopWords};

/// The English stop-word list.
const STOPWORDS_EN: &str = include_str!("../../data/text/stopwords-en.txt");
/// The French stop-word list.
const STOPWORDS_FR: &str = include_str!("../../data/text/stopwords-fr.txt");
/// Words the plural folding leaves alone.
const STEM_EXCEPTIONS: &str = include_str!("../../data/text/stem-exceptions.txt");

/// Longest term kept, in characters; longer words and codes are hashes,
/// identifiers or pasted junk rather than topics.
const MAX_TERM_CHARS: usize = 32;

/// Stop words that, written in capitals in a post that is not shouting, are
/// acronyms worth keeping ("contact IT", "the US team").
const ACRONYM_STOPWORDS: &[&str] = &["it", "us"];

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A word: letters, possibly with inner apostrophes, hyphens, dots or `&`.
    Word,
    /// A number, date, time or quantity ("42", "10,000", "2024-03-01", "3pm").
    Number,
    /// A URL or a bare domain; the token's text is the host ("sap.com").
    Url,
    /// An e-mail address.
    Email,
    /// An @mention ("@marie.dupont"); the text keeps the "@".
    Mention,
    /// A #hashtag; the text is the normalised tag with its "#" ("#e-learning").
    Hashtag,
    /// An error code, version or identifier: letters and digits mixed, a hex
    /// number or an underscore ("err-4012", "0x80070005", "v2.3", "o365").
    Code,
    /// An emoji, an emoji sequence or an ASCII emoticon (":)").
    Emoji,
}

/// One token of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// Normalised text: lower-cased, apostrophes and hyphens folded, accents
    /// kept; borrowed from the input when it needed no change.
    pub text: Cow<'a, str>,
    /// What the token is.
    pub kind: TokenKind,
    /// Byte range of the token in the input.
    pub span: Range<usize>,
    /// Punctuation or a line break separates this token from the previous
    /// one (always true for the first token of a call).
    pub boundary_before: bool,
    /// Written in capitals (two or more letters, none lower-case), before
    /// lower-casing: "SAP", "IT", "ERR-4012".
    pub upper: bool,
}

/// A language with a stop-word list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Language {
    /// English (`en`), built in.
    English,
    /// French (`fr`), built in.
    French,
    /// Another language, by the code its stop-word file was added with.
    Other(Box<str>),
}

impl Language {
    /// The language for a code: `en` and `fr` (any case) are built in.
    pub fn from_code(code: &str) -> Self {
        match code.to_ascii_lowercase().as_str() {
            "en" => Self::English,
            "fr" => Self::French,
            other => Self::Other(other.into()),
        }
    }

    /// The language's code: `en`, `fr`, or the code it was added with.
    pub fn code(&self) -> &str {
        match self {
            Self::English => "en",
            Self::French => "fr",
            Self::Other(code) => code,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A stop-word or exception file could not be used.
#[derive(Debug)]
pub enum TextError {
    /// The file could not be read (missing, unreadable, not UTF-8).
    Read {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// A line holds more than one word.
    Malformed {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// The language code is not usable.
    LanguageCode {
        /// The code as given.
        code: String,
        /// Why it was refused.
        reason: &'static str,
    },
}

impl TextError {
    /// The file the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Self::Read { path, .. } | Self::Malformed { path, .. } => Some(path),
            Self::LanguageCode { .. } => None,
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, source } => {
                write!(f, "cannot read word list {}: {source}", path.display())
            }
            Self::Malformed { path, line, reason } => {
                write!(f, "{}:{line}: {reason}", path.display())
            }
            Self::LanguageCode { code, reason } => {
                write!(f, "language code {code:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for TextError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            Self::Malformed { .. } | Self::LanguageCode { .. } => None,
        }
    }
}

/// Tokenizer, stop words and term extraction; build it once and share it
/// (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Tokenizer {
    stop: StopWords,
    /// Words the plural folding leaves alone.
    stem_exceptions: HashSet<Box<str>, FxBuild>,
    /// Fold plurals in terms and phrases.
    stemming: bool,
    /// Keep URL hosts as terms.
    url_domains: bool,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

/// How one token takes part in terms and phrases.
#[derive(Debug, Clone, PartialEq)]
enum Role {
    /// A content term; may start, end or sit inside a phrase.
    Content(String),
    /// A stop word; may sit inside a phrase, never at an edge.
    Stop,
    /// A term that stands alone (a hashtag, a URL host) and splits phrases.
    Solo(String),
    /// Not a term, and phrases do not cross it.
    Break,
}

impl Tokenizer {
    /// A tokenizer with the built-in English and French stop words, plural
    /// folding on and URLs dropped from terms.
    pub fn new() -> Self {
        let mut stop = StopWords::default();
        let builtin = Path::new("jobs/data/text");
        stop.add(
            Language::English,
            STOPWORDS_EN,
            &builtin.join("stopwords-en.txt"),
        )
        .expect("the built-in English stop-word list is well formed (checked by tests)");
        stop.add(
            Language::French,
            STOPWORDS_FR,
            &builtin.join("stopwords-fr.txt"),
        )
        .expect("the built-in French stop-word list is well formed (checked by tests)");
        let mut stem_exceptions = HashSet::default();
        stopwords::parse_words(STEM_EXCEPTIONS, &builtin.join("stem-exceptions.txt"), |w| {
            stem_exceptions.insert(w.into());
        })
        .expect("the built-in stem exceptions are well formed (checked by tests)");
        Self {
            stop,
            stem_exceptions,
            stemming: true,
            url_domains: false,
        }
    }

    /// Adds the stop words in `path` to the language `lang_code` (`en`, `fr`,
    /// or a new language such as `de`). The file has one word per line; `#`
    /// starts a comment. The error names the file (and the line).
    pub fn with_stopword_file(mut self, lang_code: &str, path: &Path) -> Result<Self, TextError> {
        let language = parse_code(lang_code)?;
        let text = std::fs::read_to_string(path).map_err(|source| TextError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.stop.add(language, &text, path)?;
        Ok(self)
    }

    /// Adds the words in `path` (one per line, `#` comments) to the words
    /// the plural folding leaves alone, such as product names ending in "s".
    pub fn with_stem_exceptions_file(mut self, path: &Path) -> Result<Self, TextError> {
        let text = std::fs::read_to_string(path).map_err(|source| TextError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        stopwords::parse_words(&text, path, |w| {
            self.stem_exceptions.insert(w.into());
        })?;
        Ok(self)
    }

    /// Turns plural folding of terms and phrases on (the default) or off.
    pub fn with_stemming(mut self, on: bool) -> Self {
        self.stemming = on;
        self
    }

    /// Keeps URL hosts ("sap.com") as terms when on; off by default, since
    /// links to documentation sites say little about a topic.
    pub fn with_url_domains(mut self, on: bool) -> Self {
        self.url_domains = on;
        self
    }

    /// The languages with stop words, built-in ones first.
    pub fn languages(&self) -> &[Language] {
        self.stop.languages()
    }

    /// Whether `word` (normalised with [`normalise`] first) is a stop word in
    /// any language.
    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stop.mask(&normalise(word)) != 0
    }

    /// Appends the tokens of `text` to `out`. To reuse one buffer for many
    /// texts that outlive it (a batch of posts), clear it before each call.
    pub fn tokens<'a>(&self, text: &'a str, out: &mut Vec<Token<'a>>) {
        scan::scan(text, out);
    }

    /// Content terms for modelling, in text order with repeats: words that
    /// are not stop words (folded to the singular), codes, `#hashtags`, and
    /// URL hosts when [`Tokenizer::with_url_domains`] is on. Numbers,
    /// mentions, e-mail addresses, emoji, one-letter words and terms longer
    /// than 32 characters are dropped.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let (_, roles) = self.roles(text);
        roles
            .into_iter()
            .filter_map(|role| match role {
                Role::Content(t) | Role::Solo(t) => Some(t),
                Role::Stop | Role::Break => None,
            })
            .collect()
    }

    /// Phrases of 1 to `max_n` words, in text order (by first word, then by
    /// length) with repeats. One-word phrases are the [`Tokenizer::terms`].
    /// A longer phrase is a run of words and codes that no punctuation, line
    /// break, number, URL, mention or emoji interrupts, which neither starts
    /// nor ends with a stop word: "reset the token" is one, "the token" is
    /// not. Words are joined by a space, without one after an elision
    /// ("problème d'accès").
    pub fn phrases(&self, text: &str, max_n: usize) -> Vec<String> {
        let (tokens, roles) = self.roles(text);
        let mut out = Vec::new();
        if max_n == 0 {
            return out;
        }
        for start in 0..roles.len() {
            match &roles[start] {
                Role::Solo(t) => {
                    out.push(t.clone());
                    continue;
                }
                Role::Content(t) => out.push(t.clone()),
                Role::Stop | Role::Break => continue,
            }
            let mut end = start + 1;
            while end < roles.len() && end - start < max_n {
                if tokens[end].boundary_before {
                    break;
                }
                match &roles[end] {
                    Role::Content(_) => out.push(join_phrase(&tokens, &roles, start..end + 1)),
                    Role::Stop => {}
                    Role::Solo(_) | Role::Break => break,
                }
                end += 1;
            }
        }
        out
    }

    /// The language of `text`, by the share of its words that are stop words
    /// of one language only (a word in two lists counts for neither), with
    /// words written with French accents as half a French vote. A text with
    /// no such evidence is English.
    pub fn detect_language(&self, text: &str) -> Language {
        let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
        self.tokens(text, &mut tokens);
        let masks: Vec<u32> = tokens.iter().map(|t| self.mask_of(t)).collect();
        self.stop.languages()[self.vote(&tokens, &masks)].clone()
    }

    /// The stop-word mask of a token: which languages list it (0 for none,
    /// and for anything but a word).
    fn mask_of(&self, token: &Token<'_>) -> u32 {
        if token.kind == TokenKind::Word {
            self.stop.mask(&token.text)
        } else {
            0
        }
    }

    /// Index of the most likely language (0, English, on a tie or no evidence).
    fn vote(&self, tokens: &[Token<'_>], masks: &[u32]) -> usize {
        let languages = self.stop.languages();
        let mut votes = [0.0f32; stopwords::MAX_LANGUAGES];
        let french = languages.iter().position(|l| *l == Language::French);
        for (token, &mask) in tokens.iter().zip(masks) {
            if mask.count_ones() == 1 {
                votes[mask.trailing_zeros() as usize] += 1.0;
            } else if mask == 0
                && let Some(fr) = french
                && token.kind == TokenKind::Word
                && norm::has_french_accent(&token.text)
            {
                votes[fr] += 0.5;
            }
        }
        let mut best = 0;
        for i in 1..languages.len() {
            if votes[i] > votes[best] {
                best = i;
            }
        }
        best
    }

    /// Tokens of `text` and the role of each in terms and phrases.
    fn roles<'a>(&self, text: &'a str) -> (Vec<Token<'a>>, Vec<Role>) {
        let mut tokens = Vec::with_capacity(text.len() / 5 + 1);
        self.tokens(text, &mut tokens);
        let masks: Vec<u32> = tokens.iter().map(|t| self.mask_of(t)).collect();
        let stem_lang = if self.stemming {
            match self.stop.languages()[self.vote(&tokens, &masks)] {
                Language::English => Some(stem::Rules::English),
                Language::French => Some(stem::Rules::French),
                Language::Other(_) => None,
            }
        } else {
            None
        };
        let roles = (0..tokens.len())
            .map(|i| self.role(text, &tokens, &masks, i, stem_lang))
            .collect();
        (tokens, roles)
    }

    /// The role of token `i`.
    fn role(
        &self,
        text: &str,
        tokens: &[Token<'_>],
        masks: &[u32],
        i: usize,
        stem_lang: Option<stem::Rules>,
    ) -> Role {
        let token = &tokens[i];
        match token.kind {
            TokenKind::Word => {}
            TokenKind::Code => {
                return if token.text.chars().count() <= MAX_TERM_CHARS {
                    Role::Content(token.text.to_string())
                } else {
                    Role::Break
                };
            }
            TokenKind::Hashtag => return Role::Solo(token.text.to_string()),
            TokenKind::Url if self.url_domains && !token.text.is_empty() => {
                return Role::Solo(token.text.to_string());
            }
            TokenKind::Url
            | TokenKind::Number
            | TokenKind::Email
            | TokenKind::Mention
            | TokenKind::Emoji => return Role::Break,
        }
        let word: &str = &token.text;
        let chars = word.chars().count();
        if chars > MAX_TERM_CHARS {
            return Role::Break;
        }
        let acronym = token.upper && !shouting(tokens, i);
        if masks[i] != 0 {
            return if acronym && ACRONYM_STOPWORDS.contains(&word) {
                Role::Content(word.to_string())
            } else {
                Role::Stop
            };
        }
        if chars < 2 {
            return Role::Stop;
        }
        let Some(rules) = stem_lang else {
            return Role::Content(word.to_string());
        };
        if acronym {
            return Role::Content(word.to_string());
        }
        let raw = &text[token.span.clone()];
        if stem::mixed_case(raw) {
            // "APIs", "URLs": an acronym with a plural "s"; "PowerApps",
            // "iPhones": a product name, left as written.
            return Role::Content(match stem::acronym_plural(raw, word) {
                Some(singular) => singular.to_string(),
                None => word.to_string(),
            });
        }
        let singular = stem::fold_plural(word, rules, &self.stem_exceptions);
        // The plural of a stop word is one too ("questions", "personnes").
        if singular.len() < word.len() && self.stop.mask(&singular) != 0 {
            return Role::Stop;
        }
        Role::Content(singular.into_owned())
    }
}

/// A caps token is shouting, not an acronym, when a neighbouring word is in
/// capitals too ("IT IS DOWN" against "contact IT about it").
fn shouting(tokens: &[Token<'_>], i: usize) -> bool {
    let is_word = |t: &&Token<'_>| t.kind == TokenKind::Word;
    let before = tokens[..i].iter().rev().find(is_word);
    let after = tokens[i + 1..].iter().find(is_word);
    before.is_some_and(|t| t.upper) || after.is_some_and(|t| t.upper)
}

/// The words of a phrase joined by spaces, none after an elision.
fn join_phrase(tokens: &[Token<'_>], roles: &[Role], range: Range<usize>) -> String {
    let mut out = String::new();
    for i in range {
        let word = match &roles[i] {
            Role::Content(t) => t.as_str(),
            _ => &tokens[i].text,
        };
        if !out.is_empty() && !out.ends_with('\'') {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Checks a language code: 2 to 8 ASCII letters (ISO 639 or a BCP 47
/// primary tag).
fn parse_code(code: &str) -> Result<Language, TextError> {
    if !(2..=8).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(TextError::LanguageCode {
            code: code.to_string(),
            reason: "expected 2 to 8 ASCII letters, such as \"de\"",
        });
    }
    Ok(Language::from_code(code))
}

/// The tags of a post as strong-signal terms: trimmed, lower-cased, a
/// leading "#" dropped, spaces, underscores and hyphens collapsed to one
/// "-", then prefixed with "#" ("Expense Reports" is "#expense-reports").
/// Empty tags are dropped and repeats kept once, in first-seen order.
pub fn tag_terms<I>(tags: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        if let Some(term) = norm::tag_term(tag.as_ref())
            && !out.contains(&term)
        {
            out.push(term);
        }
    }
    out
}
