//! What is new in a topic: the terms its recent posts use distinctly more than its earlier
//! posts did.
//!
//! A topic's label describes everything it has held. When a new problem joins a topic that
//! already existed (a burst that the clustering put with the nearest established topic),
//! the label still names the old content while the posts that make it rise are about
//! something else. The contrast names what is rising.
//!
//! The measure is the weighted log-odds ratio with an informative Dirichlet prior (Monroe,
//! Colaresi and Quinn, "Fightin' Words", 2008), counted per post: a term repeated inside one
//! post counts once. The prior is the term's pooled rate over both sets, so a term seen in
//! a handful of posts cannot outrank one seen in dozens, and a term absent before gets a
//! finite, variance-weighted score instead of an infinite ratio.

use crate::fxhash::FxBuild;
use std::collections::HashMap;

/// Strength of the prior, in posts' worth of term occurrences.
const PRIOR: f64 = 100.0;

/// Terms the `recent` documents use more than the `earlier` ones, strongest first, with
/// their z-scores: only terms in at least `min_docs` recent documents and with a z-score of
/// at least `min_z`, at most `k` of them. Each document is its list of terms (repeats
/// allowed; counted once per document).
pub fn distinctive(
    recent: &[Vec<String>],
    earlier: &[Vec<String>],
    min_docs: u32,
    min_z: f64,
    k: usize,
) -> Vec<(String, f64)> {
    let y = doc_counts(recent);
    let z = doc_counts(earlier);
    let n: f64 = y.values().map(|&c| f64::from(c)).sum();
    let m: f64 = z.values().map(|&c| f64::from(c)).sum();
    if n == 0.0 {
        return Vec::new();
    }
    let mut out: Vec<(String, f64)> = y
        .iter()
        .filter(|(_, c)| **c >= min_docs)
        .map(|(term, &yc)| {
            let yc = f64::from(yc);
            let zc = f64::from(z.get(term).copied().unwrap_or(0));
            let a = PRIOR * (yc + zc) / (n + m);
            let delta =
                ((yc + a) / (n + PRIOR - yc - a)).ln() - ((zc + a) / (m + PRIOR - zc - a)).ln();
            let sd = (1.0 / (yc + a) + 1.0 / (zc + a)).sqrt();
            (term.to_string(), delta / sd)
        })
        .filter(|(_, s)| *s >= min_z)
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(k);
    out
}

/// Documents containing each term.
fn doc_counts(docs: &[Vec<String>]) -> HashMap<&str, u32, FxBuild> {
    let mut counts: HashMap<&str, u32, FxBuild> = HashMap::default();
    let mut seen: HashMap<&str, (), FxBuild> = HashMap::default();
    for doc in docs {
        seen.clear();
        for t in doc {
            if seen.insert(t.as_str(), ()).is_none() {
                *counts.entry(t.as_str()).or_default() += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(spec: &[(&str, usize)]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (text, times) in spec {
            for _ in 0..*times {
                out.push(text.split(' ').map(str::to_string).collect());
            }
        }
        out
    }

    #[test]
    fn a_new_subject_inside_an_old_topic_is_what_stands_out() {
        // Earlier: safety training. Recent: mostly hybrid attendance, some safety training.
        let earlier = docs(&[("safety training module", 200), ("training deadline", 50)]);
        let recent = docs(&[
            ("hybrid attendance office", 40),
            ("safety training module", 10),
            ("training attendance", 4),
        ]);
        let got = distinctive(&recent, &earlier, 3, 2.0, 5);
        let terms: Vec<&str> = got.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(terms[..2], ["attendance", "hybrid"][..], "{got:?}");
        assert!(terms.contains(&"office"), "{got:?}");
        // The old subject, used less than before, is not rising.
        for old in ["safety", "training", "module", "deadline"] {
            assert!(!terms.contains(&old), "{old} in {got:?}");
        }
        assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "strongest first");
    }

    #[test]
    fn repeats_inside_one_post_and_rare_terms_do_not_count() {
        let earlier = docs(&[("printer jam", 100)]);
        // One post shouting a word 50 times; a word in only two posts.
        let mut shout = vec!["printer".to_string()];
        shout.extend(std::iter::repeat_n("urgent".to_string(), 50));
        let mut recent = docs(&[("printer toner", 20), ("rare word", 2)]);
        recent.push(shout);
        let got = distinctive(&recent, &earlier, 3, 2.0, 5);
        let terms: Vec<&str> = got.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(terms, ["toner"], "{got:?}");
    }

    #[test]
    fn nothing_recent_or_nothing_different_gives_nothing() {
        let same = docs(&[("vpn token", 30), ("vpn gateway", 30)]);
        assert!(distinctive(&[], &same, 1, 2.0, 5).is_empty());
        assert!(distinctive(&same, &same, 1, 2.0, 5).is_empty());
        assert!(
            distinctive(&same, &same, 1, f64::NEG_INFINITY, 1).len() == 1,
            "k caps"
        );
    }
}
