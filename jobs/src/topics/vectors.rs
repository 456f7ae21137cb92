//! Thread documents as sparse TF-IDF vectors over a vocabulary learnt from the threads
//! themselves.

use crate::fxhash::FxBuild;
use crate::text::{Tokenizer, tag_terms};
use rayon::prelude::*;
use std::collections::HashMap;

/// A sparse vector: (term index, weight) sorted by term index.
pub type Sparse = Vec<(u32, f32)>;

/// What the model reads of one thread: the text of its opening post and its tags.
#[derive(Debug, Clone)]
pub struct ThreadText {
    /// The thread.
    pub thread_id: String,
    /// When the thread was opened (its first post), microseconds since the epoch, UTC.
    pub opened_us: i64,
    /// Title and body of the opening post.
    pub text: String,
    /// Tags of the opening post.
    pub tags: Vec<String>,
}

/// Terms of one thread, with repeats: see [`text_terms`].
pub fn thread_terms(tokenizer: &Tokenizer, t: &ThreadText) -> Vec<String> {
    text_terms(tokenizer, &t.text, &t.tags)
}

/// Terms of a text and its tags, with repeats: phrases of one and two words, and each tag
/// twice (a tag is a strong, language-independent signal).
pub fn text_terms(tokenizer: &Tokenizer, text: &str, tags: &[String]) -> Vec<String> {
    let mut terms = tokenizer.phrases(text, 2);
    for tag in tag_terms(tags) {
        terms.push(tag.clone());
        terms.push(tag);
    }
    terms
}

/// The vocabulary: terms kept for modelling, with their document frequencies.
#[derive(Debug, Clone, Default)]
pub struct Vocab {
    /// Term text by index.
    pub terms: Vec<String>,
    /// Index by term text.
    pub(crate) index: HashMap<String, u32, FxBuild>,
    /// Threads containing each term.
    pub df: Vec<u32>,
    /// Number of threads the vocabulary was learnt from.
    pub n_docs: u32,
}

impl Vocab {
    /// Learns the vocabulary: terms in at least `min_df` threads and at most `max_df_share`
    /// of them (terms everyone uses say nothing about a topic). `language` gives each
    /// document's language (any small number); the share is also checked within each
    /// language with at least 50 documents, so the filler words of a language that is a
    /// minority of the threads are dropped too.
    pub fn learn(docs: &[Vec<String>], language: &[u8], min_df: u32, max_df_share: f64) -> Self {
        const LANGS: usize = 8;
        let mut df: HashMap<&str, (u32, [u32; LANGS]), FxBuild> = HashMap::default();
        let mut seen: HashMap<&str, (), FxBuild> = HashMap::default();
        let mut per_lang = [0u32; LANGS];
        for (i, doc) in docs.iter().enumerate() {
            let lang = usize::from(language.get(i).copied().unwrap_or(0)).min(LANGS - 1);
            per_lang[lang] += 1;
            seen.clear();
            for t in doc {
                if seen.insert(t.as_str(), ()).is_none() {
                    let e = df.entry(t.as_str()).or_default();
                    e.0 += 1;
                    e.1[lang] += 1;
                }
            }
        }
        let n = docs.len() as u32;
        let max_df = ((max_df_share * f64::from(n)).ceil() as u32).max(min_df);
        let filler = |by_lang: &[u32; LANGS]| {
            by_lang.iter().zip(per_lang).any(|(&d, n)| {
                n >= 50 && f64::from(d) > (max_df_share * f64::from(n)).max(f64::from(min_df))
            })
        };
        let mut kept: Vec<(&str, u32)> = df
            .into_iter()
            .filter(|(_, (d, by_lang))| *d >= min_df && *d <= max_df && !filler(by_lang))
            .map(|(t, (d, _))| (t, d))
            .collect();
        // Most frequent first, then alphabetical: the order is part of the output.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut v = Vocab {
            n_docs: n,
            ..Default::default()
        };
        for (i, (t, d)) in kept.into_iter().enumerate() {
            v.terms.push(t.to_string());
            v.index.insert(t.to_string(), i as u32);
            v.df.push(d);
        }
        v
    }

    /// Inverse document frequency (smoothed, as scikit-learn's).
    pub fn idf(&self, i: u32) -> f32 {
        let n = self.n_docs as f32;
        ((1.0 + n) / (1.0 + self.df[i as usize] as f32)).ln() + 1.0
    }

    /// The L2-normalised TF-IDF vector of a document (sub-linear term frequency).
    pub fn vector(&self, doc: &[String]) -> Sparse {
        let mut tf: HashMap<u32, f32, FxBuild> = HashMap::default();
        for t in doc {
            if let Some(&i) = self.index.get(t.as_str()) {
                *tf.entry(i).or_default() += 1.0;
            }
        }
        let mut v: Sparse = tf
            .into_iter()
            .map(|(i, c)| (i, (1.0 + c.ln()) * self.idf(i)))
            .collect();
        v.sort_unstable_by_key(|&(i, _)| i);
        normalise(&mut v);
        v
    }

    /// A stored centroid (term, weight) in this vocabulary's indices, sorted; terms the
    /// vocabulary no longer holds are dropped. Not normalised.
    pub fn project(&self, terms: &[(String, f32)]) -> Sparse {
        let mut v: Sparse = terms
            .iter()
            .filter_map(|(t, w)| self.index.get(t.as_str()).map(|&j| (j, *w)))
            .collect();
        v.sort_unstable_by_key(|&(j, _)| j);
        v
    }

    /// Vectors of many documents, in parallel.
    pub fn vectors(&self, docs: &[Vec<String>]) -> Vec<Sparse> {
        docs.par_iter().map(|d| self.vector(d)).collect()
    }
}

/// Scales a sparse vector to unit length (a zero vector stays zero).
pub fn normalise(v: &mut Sparse) {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, w) in v.iter_mut() {
            *w /= norm;
        }
    }
}

/// Dot product of two sparse vectors sorted by index.
pub fn dot(a: &Sparse, b: &Sparse) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                s += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    s
}

/// The normalised mean of some vectors, keeping its `keep` largest weights.
pub fn centroid<'a>(members: impl Iterator<Item = &'a Sparse>, keep: usize) -> Sparse {
    let mut acc: HashMap<u32, f32, FxBuild> = HashMap::default();
    for v in members {
        for &(i, w) in v {
            *acc.entry(i).or_default() += w;
        }
    }
    let mut c: Sparse = acc.into_iter().collect();
    c.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    c.truncate(keep);
    c.sort_unstable_by_key(|&(i, _)| i);
    normalise(&mut c);
    c
}

/// Scores every document against every centroid through an inverted index, returning
/// for each document its best centroid and the cosine.
pub fn best_matches(docs: &[Sparse], centroids: &[Sparse]) -> Vec<Option<(usize, f32)>> {
    let mut inverted: HashMap<u32, Vec<(usize, f32)>, FxBuild> = HashMap::default();
    for (c, v) in centroids.iter().enumerate() {
        for &(i, w) in v {
            inverted.entry(i).or_default().push((c, w));
        }
    }
    docs.par_iter()
        .map_init(
            || vec![0.0f32; centroids.len()],
            |scores, doc| {
                scores.iter_mut().for_each(|s| *s = 0.0);
                for &(i, w) in doc {
                    if let Some(list) = inverted.get(&i) {
                        for &(c, cw) in list {
                            scores[c] += w * cw;
                        }
                    }
                }
                scores
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| **s > 0.0)
                    .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
                    .map(|(c, s)| (c, *s))
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn vocabulary_keeps_terms_between_the_document_frequency_bounds() {
        let docs = vec![
            doc("vpn token a"),
            doc("vpn token b"),
            doc("vpn c"),
            doc("payslip d"),
        ];
        let v = Vocab::learn(&docs, &[0; 4], 2, 0.5);
        // vpn is in 3 of 4 threads (over half), a/b/c/d in one each.
        assert_eq!(v.terms, vec!["token"]);
        assert_eq!(v.df, vec![2]);
    }

    #[test]
    fn vectors_are_unit_length_and_cosines_rank_the_closest_centroid_first() {
        let docs = vec![
            doc("vpn token vpn"),
            doc("vpn token"),
            doc("payslip tax"),
            doc("payslip tax code"),
            doc("code"),
        ];
        let v = Vocab::learn(&docs, &[0; 5], 1, 1.0);
        let vecs = v.vectors(&docs);
        for x in &vecs {
            let n: f32 = x.iter().map(|(_, w)| w * w).sum();
            assert!((n - 1.0).abs() < 1e-5);
        }
        let cents = vec![
            centroid(vecs[0..2].iter(), 10),
            centroid(vecs[2..4].iter(), 10),
        ];
        let best = best_matches(&vecs, &cents);
        assert_eq!(best[0].unwrap().0, 0);
        assert_eq!(best[3].unwrap().0, 1);
        assert!((dot(&vecs[0], &vecs[0]) - 1.0).abs() < 1e-5);
        assert_eq!(dot(&vecs[0], &vecs[2]), 0.0);
        assert!(best[4].unwrap().1 < best[3].unwrap().1);
    }
}
