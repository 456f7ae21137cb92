//! What kind of problem a topic is: skill gap, policy clarification, cultural barrier or
//! tooling defect, from configurable word lists (`jobs/data/topics/issue_types.toml`).

use crate::fxhash::FxBuild;
use crate::text::Tokenizer;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

const BUILT_IN: &str = include_str!("../../data/topics/issue_types.toml");

/// One issue type and its words.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueType {
    /// Machine name, e.g. `skill_gap`.
    pub key: String,
    /// Human name.
    pub title: String,
    /// Words and phrases that point to it.
    pub terms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(rename = "type")]
    types: Vec<IssueType>,
}

/// The classifier: each type's terms, normalised as the tokeniser normalises text.
#[derive(Debug, Clone)]
pub struct Classifier {
    types: Vec<IssueType>,
    /// Normalised term → indices of the types it points to.
    terms: HashMap<String, Vec<usize>, FxBuild>,
}

/// How often each type word appears in some posts, and how many posts there were.
#[derive(Debug, Clone, Default)]
pub struct TermCounts {
    counts: HashMap<String, u32, FxBuild>,
    posts: u32,
}

/// A topic's type and the words that decided it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    /// Type key, or `unclear` when no type's words stand out.
    pub issue_type: String,
    /// The deciding words with how often they appear in the topic's posts.
    pub drivers: Vec<(String, u32)>,
}

impl Classifier {
    /// The built-in word lists.
    pub fn built_in(tokenizer: &Tokenizer) -> Self {
        Self::parse(
            BUILT_IN,
            Path::new("jobs/data/topics/issue_types.toml"),
            tokenizer,
        )
        .expect("the built-in issue types are well formed (checked by tests)")
    }

    /// Word lists from a file; errors name the file.
    pub fn from_file(path: &Path, tokenizer: &Tokenizer) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, path, tokenizer)
    }

    fn parse(text: &str, path: &Path, tokenizer: &Tokenizer) -> Result<Self> {
        let f: File = toml::from_str(text).map_err(|e| Error::Invalid {
            what: path.display().to_string(),
            reason: format!(
                "expected [[type]] tables with key, title and terms: {}",
                e.message()
            ),
        })?;
        let mut terms: HashMap<String, Vec<usize>, FxBuild> = HashMap::default();
        let mut unusable = Vec::new();
        for (i, t) in f.types.iter().enumerate() {
            for raw in &t.terms {
                // A phrase is matched whole, so it may not start or end with a stop word.
                let words = raw.split_whitespace().count();
                let norm = tokenizer
                    .phrases(raw, 3)
                    .into_iter()
                    .max_by_key(|p| p.split(' ').count())
                    .unwrap_or_default();
                if norm.is_empty() || words > 3 || norm.split(' ').count() != words {
                    unusable.push(format!("{raw:?} (type {})", t.key));
                    continue;
                }
                let e = terms.entry(norm).or_default();
                if !e.contains(&i) {
                    e.push(i);
                }
            }
        }
        if !unusable.is_empty() {
            return Err(Error::Invalid {
                what: path.display().to_string(),
                reason: format!(
                    "these terms start or end with a stop word or a number, or are longer than \
                     three words, so they can never match: {}",
                    unusable.join(", ")
                ),
            });
        }
        Ok(Classifier {
            types: f.types,
            terms,
        })
    }

    /// Counts of this classifier's terms in some texts (phrases of up to three words).
    pub fn count(
        &self,
        tokenizer: &Tokenizer,
        texts: impl Iterator<Item = impl AsRef<str>>,
    ) -> TermCounts {
        let mut counts: HashMap<String, u32, FxBuild> = HashMap::default();
        let mut n = 0;
        for text in texts {
            n += 1;
            for p in tokenizer.phrases(text.as_ref(), 3) {
                if self.terms.contains_key(&p) {
                    *counts.entry(p).or_default() += 1;
                }
            }
        }
        TermCounts { counts, posts: n }
    }

    /// The type whose words are used most above their rate in `all` (counts per post).
    pub fn classify(&self, topic: &TermCounts, all: &TermCounts) -> Verdict {
        let (tc, tn) = (&topic.counts, f64::from(topic.posts.max(1)));
        let (ac, an) = (&all.counts, f64::from(all.posts.max(1)));
        let mut score = vec![0.0f64; self.types.len()];
        let mut lifts: Vec<(f64, &str, u32, usize)> = Vec::new();
        for (term, &c) in tc {
            let lift = f64::from(c) / tn - f64::from(ac.get(term).copied().unwrap_or(0)) / an;
            if lift <= 0.0 {
                continue;
            }
            for &i in &self.terms[term] {
                score[i] += lift;
                lifts.push((lift, term, c, i));
            }
        }
        let best = score
            .iter()
            .enumerate()
            .filter(|(_, s)| **s > 0.0)
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)));
        match best {
            None => Verdict {
                issue_type: "unclear".into(),
                drivers: Vec::new(),
            },
            Some((i, _)) => {
                lifts.retain(|l| l.3 == i);
                lifts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
                Verdict {
                    issue_type: self.types[i].key.clone(),
                    drivers: lifts
                        .iter()
                        .take(5)
                        .map(|l| (l.1.to_string(), l.2))
                        .collect(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_the_one_whose_words_stand_out_and_the_drivers_are_shown() {
        let tok = Tokenizer::new();
        let c = Classifier::built_in(&tok);
        let background = [
            "How do I submit my expenses? Is there a guide?",
            "Payslip question: where is my overtime?",
            "Where is the training for the new module?",
        ];
        let topic = [
            "The scanner crashes after the firmware update.",
            "Scanners freeze again since the update, had to reboot twice.",
            "Is there a guide for the reboot?",
        ];
        let mut all: Vec<&str> = background.to_vec();
        all.extend(topic);
        let v = c.classify(
            &c.count(&tok, topic.iter().copied()),
            &c.count(&tok, all.iter().copied()),
        );
        assert_eq!(v.issue_type, "tooling_defect");
        let words: Vec<&str> = v.drivers.iter().map(|d| d.0.as_str()).collect();
        assert!(
            words.contains(&"update") && words.contains(&"reboot"),
            "{words:?}"
        );
        // A topic using only words everyone uses is unclear.
        let none = c.classify(
            &c.count(&tok, ["Hello there"].into_iter()),
            &c.count(&tok, all.iter().copied()),
        );
        assert_eq!(none.issue_type, "unclear");
    }

    #[test]
    fn a_bad_word_list_names_the_file_and_the_type() {
        let tok = Tokenizer::new();
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("types.toml");
        std::fs::write(
            &f,
            "[[type]]\nkey = \"x\"\ntitle = \"X\"\nterms = [\"the\"]\n",
        )
        .unwrap();
        let e = Classifier::from_file(&f, &tok).unwrap_err().to_string();
        assert!(
            e.contains("types.toml") && e.contains("\"the\" (type x)"),
            "{e}"
        );
        std::fs::write(&f, "[[type]]\nkey = 1\n").unwrap();
        let e = Classifier::from_file(&f, &tok).unwrap_err().to_string();
        assert!(
            e.contains("types.toml") && e.contains("expected [[type]]"),
            "{e}"
        );
    }
}
