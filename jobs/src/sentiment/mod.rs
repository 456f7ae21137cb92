//! Sentiment of posts and comments: a faithful port of VADER (Hutto & Gilbert,
//! 2014; vaderSentiment 3.3.2, MIT) with a workplace and a French extension.
//!
//! [`Analyzer::vader_only`] reproduces vaderSentiment's `polarity_scores`
//! exactly (checked against 2,500 sentences scored by the Python package, see
//! `jobs/data/sentiment/vader_reference.tsv`). [`Analyzer::new`] adds
//! `workplace.tsv` and `french.tsv` from `jobs/data/sentiment/` and a few rules
//! the reference lacks:
//! - multi-word phrases ("keeps crashing", "ça marche", and VADER's own
//!   "fed up", "kind of"), matched before scoring and scored as one word;
//! - French negation: "ne … pas" around the verb, "pas"/"jamais" after it, and
//!   elisions ("n'aime", "l'outil");
//! - typographic apostrophes ("don’t") read as ASCII ones, and words that keep
//!   punctuation under VADER's two-character rule ("ok.") looked up without it;
//! - "but" weighting by position (the reference misplaces it when a weighted
//!   value equals a later one, see `vader::but_check`), and "however",
//!   "mais" as contrast words too;
//! - an emoji's description kept apart from a word glued after it ("👍great").
//!
//! A deployment adds or overrides words with [`Analyzer::with_extension_file`].
//! The file format, one entry per line, `#` comments and blank lines ignored:
//!
//! ```text
//! term<TAB>value[<TAB>kind]
//! ```
//!
//! `term` is a word or a phrase (words separated by spaces, case-insensitive);
//! `kind` is `valence` (the default; `value` in -4..=4 like VADER's ratings),
//! `booster` (`value` is added to a following sentiment word's intensity; VADER
//! uses 0.293, and -0.293 for dampeners), `negation` or `contrast` (a word like
//! "but": the words before it count half, those after it one and a half; for
//! both `value` is ignored). A word may be a sentiment word and a booster: it
//! then boosts the next word when that one is a sentiment word ("super
//! helpful") and is scored itself otherwise ("Super!").

mod lexicon;
mod sentences;
#[cfg(test)]
mod tests;
mod vader;

use std::cell::RefCell;
use std::path::Path;

pub use lexicon::LexiconError;
pub use sentences::split_sentences;

use lexicon::{FRENCH_TSV, Lexicon, WORKPLACE_TSV};
use vader::{Scratch, py_round};

/// Sentiment scores of a sentence or a text.
///
/// `pos`, `neu` and `neg` are the proportions of the text that read positive,
/// neutral and negative (they add up to 1, or all are 0 for a text without
/// words); `compound` is the overall sentiment, from -1 (most negative) to +1
/// (most positive). VADER's usual reading: positive at `compound >= 0.05`,
/// negative at `compound <= -0.05`, neutral between.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Scores {
    /// Proportion of negative sentiment.
    pub neg: f64,
    /// Proportion of neutral words.
    pub neu: f64,
    /// Proportion of positive sentiment.
    pub pos: f64,
    /// Normalised overall sentiment in [-1, 1].
    pub compound: f64,
}

/// A sentiment scorer; build it once and share it (it is `Send + Sync`).
#[derive(Debug, Clone)]
pub struct Analyzer {
    lexicon: Lexicon,
    /// Phrases, French negation, tolerant lookups and positional "but".
    extended: bool,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    /// Token buffers reused across calls on this thread.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

impl Analyzer {
    /// VADER with the built-in workplace and French lexicons and the extended rules.
    pub fn new() -> Self {
        let mut lexicon = Lexicon::vader();
        lexicon.enable_vader_phrases();
        lexicon
            .load_tsv(
                WORKPLACE_TSV,
                Path::new("jobs/data/sentiment/workplace.tsv"),
            )
            .expect("the built-in workplace lexicon is well-formed (a unit test loads it)");
        lexicon
            .load_tsv(FRENCH_TSV, Path::new("jobs/data/sentiment/french.tsv"))
            .expect("the built-in French lexicon is well-formed (a unit test loads it)");
        Self {
            lexicon,
            extended: true,
        }
    }

    /// Exactly VADER: its lexicon, emoji and rules, scores equal to vaderSentiment 3.3.2.
    pub fn vader_only() -> Self {
        Self {
            lexicon: Lexicon::vader(),
            extended: false,
        }
    }

    /// Load an extra TSV lexicon on top (format in the module docs); its lines
    /// override earlier entries, and later lines override earlier ones.
    pub fn with_extension_file(mut self, path: &Path) -> Result<Self, LexiconError> {
        let text = std::fs::read_to_string(path).map_err(|source| LexiconError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.lexicon.load_tsv(&text, path)?;
        Ok(self)
    }

    /// Score one sentence with VADER's semantics, rounded as vaderSentiment
    /// rounds (`compound` to 4 decimals, the proportions to 3).
    ///
    /// A whole paragraph works too, but its compound saturates towards ±1 as
    /// sentiment words add up; use [`Analyzer::score_text`] for posts.
    pub fn polarity_scores(&self, sentence: &str) -> Scores {
        let raw = with_scratch(|sc| vader::score(&self.lexicon, sentence, self.extended, sc));
        Scores {
            neg: py_round(raw.neg, 3),
            neu: py_round(raw.neu, 3),
            pos: py_round(raw.pos, 3),
            compound: py_round(raw.compound, 4),
        }
    }

    /// Score a text of any length: split it with [`split_sentences`], score
    /// each sentence, and average the sentences' scores weighted by their
    /// number of words, so a long text stays as positive or negative as its
    /// sentences are rather than saturating. Not rounded.
    pub fn score_text(&self, text: &str) -> Scores {
        with_scratch(|sc| {
            let mut weight = 0.0;
            let mut sum = Scores::default();
            for sentence in sentences::Sentences::new(text) {
                let raw = vader::score(&self.lexicon, sentence, self.extended, sc);
                if raw.tokens == 0 {
                    continue;
                }
                let w = raw.tokens as f64;
                weight += w;
                sum.neg += w * raw.neg;
                sum.neu += w * raw.neu;
                sum.pos += w * raw.pos;
                sum.compound += w * raw.compound;
            }
            if weight == 0.0 {
                return Scores::default();
            }
            Scores {
                neg: sum.neg / weight,
                neu: sum.neu / weight,
                pos: sum.pos / weight,
                compound: sum.compound / weight,
            }
        })
    }
}
