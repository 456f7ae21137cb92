//! Topics discovered from the posts themselves.
//!
//! A run looks at the threads opened in the last `history_days` before `as_of`:
//! 1. Each thread (the title, body and tags of its opening post) becomes a TF-IDF vector
//!    over terms and two-word phrases learnt from those threads.
//! 2. **Established topics**: k-means (linfa; terms feature-hashed to `kmeans_dims`) over a sample of the threads — the last
//!    week in full — started from the topics the registry already knows, so a topic that
//!    exists keeps its place. Near-duplicate clusters are merged, tiny ones dropped.
//! 3. **New topics**: terms whose use in the last `burst_days` jumped far above their own
//!    history (a Poisson test) are grouped by the threads they share; a group that is
//!    unlike every established topic becomes a topic of its own. This is what lets a
//!    problem be named while it is still a handful of threads.
//! 4. Every thread goes to its most similar topic, or to none when nothing is similar
//!    enough (it is counted as unassigned, not forced).
//! 5. Labels are each topic's most distinctive phrases (class-based TF-IDF); ids come
//!    from the registry, so a topic keeps its id from run to run while it grows.

pub mod contrast;
pub mod issue_type;
pub mod registry;
pub mod stats;
pub mod trend;
pub mod vectors;

use crate::fxhash::FxBuild;
use crate::text::Tokenizer;
use crate::{Error, Result};
use linfa::DatasetBase;
use linfa::traits::{Fit, Predict};
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::Array2;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use registry::{Entry, Registry};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use vectors::{Sparse, ThreadText, Vocab, best_matches, centroid, dot};

/// `[topics]`: how topics are found.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicSettings {
    /// Days of threads (ending at `as_of`) the model learns from.
    pub history_days: u32,
    /// Clusters k-means looks for before near-duplicates are merged and tiny ones dropped.
    pub clusters: usize,
    /// Most threads k-means learns from (the last week in full, older ones sampled).
    pub sample_threads: usize,
    /// Most frequent terms k-means sees (every term is used to assign threads).
    pub kmeans_terms: usize,
    /// Dimensions those terms are hashed into for k-means (feature hashing keeps k-means
    /// fast; final topics and assignments use every term unhashed).
    pub kmeans_dims: usize,
    /// Terms in fewer threads than this are ignored.
    pub min_df: u32,
    /// Terms in more than this share of threads are ignored.
    pub max_df_share: f64,
    /// Smallest topic, in threads.
    pub min_topic_threads: usize,
    /// Clusters whose centres are at least this similar (cosine) are merged.
    pub merge_similarity: f32,
    /// A thread less similar than this to every topic stays unassigned.
    pub assign_similarity: f32,
    /// A topic at least this similar to a registered one takes its id.
    pub match_similarity: f32,
    /// Recent days in which a jump in a term's use can found a new topic.
    pub burst_days: u32,
    /// Fewest recent threads behind a new topic.
    pub burst_min_threads: u32,
    /// A bursting term is used at least this many times more than its history predicts.
    pub burst_min_ratio: f64,
    /// …and that jump has at most this probability under its history (Poisson).
    pub burst_max_p: f64,
    /// A burst less similar than this to every established topic is a new topic.
    pub novelty_similarity: f32,
    /// Optional taxonomy file (TOML `[[topic]] name = "…", terms = ["…"]`) naming known
    /// topics; a discovered topic whose top terms include at least two of an entry's terms
    /// takes its name.
    pub taxonomy: Option<PathBuf>,
}

impl Default for TopicSettings {
    fn default() -> Self {
        TopicSettings {
            history_days: 112,
            clusters: 36,
            sample_threads: 5000,
            kmeans_terms: 1500,
            kmeans_dims: 128,
            min_df: 3,
            max_df_share: 0.2,
            min_topic_threads: 8,
            merge_similarity: 0.35,
            assign_similarity: 0.2,
            match_similarity: 0.45,
            burst_days: 3,
            burst_min_threads: 3,
            burst_min_ratio: 4.0,
            burst_max_p: 1e-3,
            novelty_similarity: 0.35,
            taxonomy: None,
        }
    }
}

impl TopicSettings {
    /// Value checks serde cannot express, as `topics.<field>: …` messages.
    pub fn check(&self) -> Vec<String> {
        let mut p = Vec::new();
        let unit = |name: &str, v: f64, p: &mut Vec<String>| {
            if !(0.0..=1.0).contains(&v) {
                p.push(format!(
                    "topics.{name}: expected a number in [0, 1], got {v}"
                ));
            }
        };
        unit("max_df_share", self.max_df_share, &mut p);
        unit("merge_similarity", self.merge_similarity.into(), &mut p);
        unit("assign_similarity", self.assign_similarity.into(), &mut p);
        unit("match_similarity", self.match_similarity.into(), &mut p);
        unit("novelty_similarity", self.novelty_similarity.into(), &mut p);
        unit("burst_max_p", self.burst_max_p, &mut p);
        for (name, v) in [
            ("history_days", self.history_days as usize),
            ("clusters", self.clusters),
            ("sample_threads", self.sample_threads),
            ("kmeans_terms", self.kmeans_terms),
            ("kmeans_dims", self.kmeans_dims),
            ("min_topic_threads", self.min_topic_threads),
            ("burst_days", self.burst_days as usize),
        ] {
            if v == 0 {
                p.push(format!("topics.{name}: expected a positive number, got 0"));
            }
        }
        if let Some(t) = &self.taxonomy
            && !t.is_file()
        {
            p.push(format!(
                "topics.taxonomy: {} is not a file (expected a TOML taxonomy)",
                t.display()
            ));
        }
        p
    }
}

/// A known topic from the taxonomy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyEntry {
    /// Its name, used as the label.
    pub name: String,
    /// Words and phrases that identify it.
    pub terms: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxonomyFile {
    topic: Vec<TaxonomyEntry>,
}

/// Reads a taxonomy file; errors name the file.
pub fn load_taxonomy(path: &Path) -> Result<Vec<TaxonomyEntry>> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let f: TaxonomyFile = toml::from_str(&text).map_err(|e| Error::Invalid {
        what: path.display().to_string(),
        reason: format!(
            "expected [[topic]] tables with name and terms: {}",
            e.message()
        ),
    })?;
    Ok(f.topic)
}

/// How a topic was found in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A k-means cluster of the established conversation.
    Cluster,
    /// A burst of new terms.
    Burst,
}

/// One topic of a run.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Stable id from the registry.
    pub id: String,
    /// Its most distinctive phrases, or its taxonomy name.
    pub label: String,
    /// Its ten most distinctive terms (tags as `#tag`).
    pub terms: Vec<String>,
    /// The run date that first named it.
    pub first_seen: String,
    /// Threads assigned to it in this run.
    pub threads: usize,
    /// How it was found.
    pub origin: Origin,
    /// Its centre (unit vector over the run's vocabulary).
    pub centroid: Sparse,
}

/// The result of a run of the topic model.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// Topics, largest first.
    pub topics: Vec<Topic>,
    /// For each input thread, its topic's index in `topics`, or `None`.
    pub assignment: Vec<Option<usize>>,
    /// The vocabulary of the run.
    pub vocab: Vocab,
}

/// A cluster while the model is being built.
struct Cluster {
    centroid: Sparse,
    origin: Origin,
}

const DAY_US: i64 = 86_400_000_000;

/// Finds the topics of `threads` (opened before `as_of_us`), names them through the
/// registry (which it updates) and assigns each thread.
pub fn fit(
    threads: &[ThreadText],
    as_of_us: i64,
    as_of: &str,
    registry: &mut Registry,
    tokenizer: &Tokenizer,
    s: &TopicSettings,
    taxonomy: &[TaxonomyEntry],
) -> Fitted {
    let t0 = std::time::Instant::now();
    let lap = |step: &str| tracing::debug!(step, secs = t0.elapsed().as_secs_f64(), "Topic model.");
    let docs: Vec<Vec<String>> = threads
        .par_iter()
        .map(|t| vectors::thread_terms(tokenizer, t))
        .collect();
    let languages: Vec<u8> = threads
        .par_iter()
        .map(|t| {
            let lang = tokenizer.detect_language(&t.text);
            tokenizer
                .languages()
                .iter()
                .position(|l| *l == lang)
                .unwrap_or(0) as u8
        })
        .collect();
    let vocab = Vocab::learn(&docs, &languages, s.min_df, s.max_df_share);
    let vecs = vocab.vectors(&docs);

    lap("vectors");
    let mut clusters = kmeans_clusters(threads, &vecs, &vocab, as_of_us, as_of, registry, s);
    lap("k-means");
    for (c, signature) in burst_clusters(threads, &vecs, &vocab, as_of_us, s) {
        // Novel when the jumping words are not what an established topic is made of (a
        // month-end surge jumps in the month-end topic's own words).
        let novel = clusters
            .iter()
            .all(|k| dot(&k.centroid, &signature) < s.novelty_similarity);
        if novel {
            clusters.push(Cluster {
                centroid: c,
                origin: Origin::Burst,
            });
        }
    }

    // A new topic, once founded, is kept while it is young even if this run's k-means or
    // bursts did not find it again, so a growing problem does not fall back into the
    // established topics it resembles.
    let young_from = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
        .map(|d| (d - chrono::Days::new(21)).to_string())
        .unwrap_or_default();
    for (_, e) in registry.visible(as_of) {
        if e.first_seen < young_from {
            continue;
        }
        let mut c = vocab.project(&e.centroid);
        vectors::normalise(&mut c);
        if !c.is_empty()
            && clusters
                .iter()
                .all(|k| dot(&k.centroid, &c) < s.match_similarity)
        {
            clusters.push(Cluster {
                centroid: c,
                origin: Origin::Burst,
            });
        }
    }
    lap("bursts");
    // Assign, re-centre on everything assigned, drop topics left too small, assign again.
    let mut assignment = assign(&vecs, &clusters, s.assign_similarity);
    for _ in 0..2 {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
        for (i, a) in assignment.iter().enumerate() {
            if let Some(c) = a {
                members[*c].push(i);
            }
        }
        let mut kept = Vec::new();
        for (c, m) in clusters.into_iter().zip(members) {
            let min = if c.origin == Origin::Burst {
                s.burst_min_threads as usize
            } else {
                s.min_topic_threads
            };
            if m.len() >= min {
                kept.push(Cluster {
                    centroid: centroid(m.iter().map(|&i| &vecs[i]), 200),
                    origin: c.origin,
                });
            }
        }
        clusters = merge_similar(kept, s.merge_similarity);
        assignment = assign(&vecs, &clusters, s.assign_similarity);
    }

    // Describe, name and order the topics.
    let mut sizes = vec![0usize; clusters.len()];
    for c in assignment.iter().flatten() {
        sizes[*c] += 1;
    }
    lap("assigned");
    let described = describe(&docs, &assignment, clusters.len(), tokenizer, taxonomy);
    let ids = name(&clusters, &described, &vocab, as_of, registry, s);
    lap("described and named");
    let mut order: Vec<usize> = (0..clusters.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(ids[a].0.cmp(&ids[b].0)));
    let mut new_index = vec![0usize; clusters.len()];
    for (pos, &old) in order.iter().enumerate() {
        new_index[old] = pos;
    }
    let topics = order
        .iter()
        .map(|&c| Topic {
            id: ids[c].0.clone(),
            first_seen: ids[c].1.clone(),
            label: described[c].0.clone(),
            terms: described[c].1.clone(),
            threads: sizes[c],
            origin: clusters[c].origin,
            centroid: clusters[c].centroid.clone(),
        })
        .collect();
    let assignment = assignment
        .into_iter()
        .map(|a| a.map(|c| new_index[c]))
        .collect();
    Fitted {
        topics,
        assignment,
        vocab,
    }
}

/// Merges topics whose centres are at least `min` similar (a burst that turned out to be
/// an established topic's surge, or one conversation split in two); the merged centre is
/// the normalised sum, and a merge with an established topic stays established.
fn merge_similar(clusters: Vec<Cluster>, min: f32) -> Vec<Cluster> {
    let mut out: Vec<Cluster> = Vec::new();
    // Established topics first, so a burst merges into them and not the other way.
    let (mut established, bursts): (Vec<Cluster>, Vec<Cluster>) = clusters
        .into_iter()
        .partition(|c| c.origin == Origin::Cluster);
    established.extend(bursts);
    for c in established {
        if let Some(into) = out
            .iter_mut()
            .find(|o| dot(&o.centroid, &c.centroid) >= min)
        {
            into.centroid = centroid([&into.centroid, &c.centroid].into_iter(), 200);
        } else {
            out.push(c);
        }
    }
    out
}

fn assign(vecs: &[Sparse], clusters: &[Cluster], min: f32) -> Vec<Option<usize>> {
    let cents: Vec<Sparse> = clusters.iter().map(|c| c.centroid.clone()).collect();
    best_matches(vecs, &cents)
        .into_iter()
        .map(|b| b.filter(|(_, sim)| *sim >= min).map(|(c, _)| c))
        .collect()
}

/// Deterministic per-thread hash, for sampling.
fn thread_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// Established topics: k-means over a sample, warm-started from the registry.
fn kmeans_clusters(
    threads: &[ThreadText],
    vecs: &[Sparse],
    vocab: &Vocab,
    as_of_us: i64,
    as_of: &str,
    registry: &Registry,
    s: &TopicSettings,
) -> Vec<Cluster> {
    let terms = s.kmeans_terms.min(vocab.terms.len());
    let dims = s.kmeans_dims;
    if terms == 0 {
        return Vec::new();
    }
    // Feature hashing: each term to a bucket with a sign, both from the term's text, so the
    // same term lands in the same place in every run.
    let bucket: Vec<(u32, f32)> = vocab.terms[..terms]
        .iter()
        .map(|t| {
            let h = xxhash_rust::xxh3::xxh3_64(t.as_bytes());
            (
                (h % dims as u64) as u32,
                if h >> 63 == 1 { -1.0 } else { 1.0 },
            )
        })
        .collect();
    // The sample: the last week in full, then older threads by hash until full.
    let recent_from = as_of_us - 7 * DAY_US;
    let mut sample: Vec<usize> = Vec::new();
    let mut older: Vec<(u64, usize)> = Vec::new();
    for (i, t) in threads.iter().enumerate() {
        if vecs[i].iter().all(|&(j, _)| j as usize >= terms) {
            continue;
        }
        if t.opened_us >= recent_from {
            sample.push(i);
        } else {
            older.push((thread_hash(&t.thread_id), i));
        }
    }
    older.sort_unstable();
    let room = s.sample_threads.saturating_sub(sample.len());
    sample.extend(older.into_iter().take(room).map(|(_, i)| i));
    sample.sort_unstable();
    let project = |v: &mut dyn Iterator<Item = (u32, f32)>| -> Sparse {
        let mut dense = vec![0f32; dims];
        for (j, w) in v {
            if (j as usize) < terms {
                let (b, sign) = bucket[j as usize];
                dense[b as usize] += sign * w;
            }
        }
        let mut p: Sparse = dense
            .into_iter()
            .enumerate()
            .filter(|(_, w)| *w != 0.0)
            .map(|(b, w)| (b as u32, w))
            .collect();
        vectors::normalise(&mut p);
        p
    };
    let rows: Vec<Sparse> = sample
        .iter()
        .map(|&i| project(&mut vecs[i].iter().copied()))
        .collect();
    let k_wanted = s.clusters;
    if rows.len() < 2 * s.min_topic_threads {
        return Vec::new();
    }

    // Starting centres: registered topics still in view, then k-means++ picks.
    let history_from = chrono::NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
        .map(|d| (d - chrono::Days::new(u64::from(s.history_days))).to_string())
        .unwrap_or_default();
    let mut init: Vec<Sparse> = registry
        .visible(as_of)
        .filter(|(_, e)| e.last_seen >= history_from)
        .filter_map(|(_, e)| {
            let v = project(&mut vocab.project(&e.centroid).into_iter());
            (!v.is_empty()).then_some(v)
        })
        .collect();
    let k = k_wanted.max(init.len() + k_wanted / 4).min(rows.len() / 2);
    init.truncate(k);
    plus_plus(&rows, &mut init, k);

    let mut flat = vec![0f32; rows.len() * dims];
    for (r, v) in rows.iter().enumerate() {
        for &(j, w) in v {
            flat[r * dims + j as usize] = w;
        }
    }
    let data =
        Array2::from_shape_vec((rows.len(), dims), flat).expect("rows × dims matches the buffer");
    let mut start = Array2::<f32>::zeros((init.len(), dims));
    for (r, v) in init.iter().enumerate() {
        for &(j, w) in v {
            start[[r, j as usize]] = w;
        }
    }
    let dataset = DatasetBase::from(data);
    // One run: the start is fixed, so linfa's default of ten identical runs would only
    // repeat the work.
    let model = match KMeans::params(init.len())
        .n_runs(1)
        .init_method(KMeansInit::Precomputed(start))
        .max_n_iterations(15)
        .tolerance(1e-3)
        .fit(&dataset)
    {
        Ok(m) => m,
        Err(error) => {
            tracing::warn!(%error, "k-means failed; only bursts make topics in this run");
            return Vec::new();
        }
    };
    let labels = model.predict(dataset.records());

    // Clusters in the full vocabulary, largest first; near-duplicates merged.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); init.len()];
    for (r, &c) in labels.iter().enumerate() {
        members[c].push(sample[r]);
    }
    members.sort_by_key(|m| std::cmp::Reverse(m.len()));
    let mut out: Vec<(Sparse, Vec<usize>)> = Vec::new();
    for m in members {
        if m.len() < s.min_topic_threads.min(m.len().max(1)) || m.is_empty() {
            continue;
        }
        let c = centroid(m.iter().map(|&i| &vecs[i]), 200);
        if let Some(into) = out
            .iter_mut()
            .find(|(o, _)| dot(o, &c) >= s.merge_similarity)
        {
            into.1.extend(m);
            into.0 = centroid(into.1.iter().map(|&i| &vecs[i]), 200);
        } else {
            out.push((c, m));
        }
    }
    out.into_iter()
        .filter(|(_, m)| m.len() >= s.min_topic_threads)
        .map(|(c, _)| Cluster {
            centroid: c,
            origin: Origin::Cluster,
        })
        .collect()
}

/// Adds k-means++ picks (D² sampling, seeded) to `init` until it holds `k` centres.
fn plus_plus(rows: &[Sparse], init: &mut Vec<Sparse>, k: usize) {
    let mut rng = SmallRng::seed_from_u64(0x6d75_726d_7572);
    // Squared distance of unit vectors: 2 - 2·cos (centres here are unit too).
    let mut d2: Vec<f32> = rows
        .iter()
        .map(|r| {
            init.iter()
                .map(|c| 2.0 - 2.0 * dot(r, c))
                .fold(f32::INFINITY, f32::min)
                .min(4.0)
        })
        .collect();
    while init.len() < k {
        let total: f64 = d2.iter().map(|&d| f64::from(d.max(0.0))).sum();
        if total <= 0.0 {
            break;
        }
        let mut target = rng.random::<f64>() * total;
        let mut pick = rows.len() - 1;
        for (i, &d) in d2.iter().enumerate() {
            target -= f64::from(d.max(0.0));
            if target <= 0.0 {
                pick = i;
                break;
            }
        }
        let c = rows[pick].clone();
        for (r, d) in rows.iter().zip(d2.iter_mut()) {
            *d = d.min(2.0 - 2.0 * dot(r, &c));
        }
        init.push(c);
    }
}

/// New topics: groups of terms whose recent use jumped far above their history, as (the
/// centre of their threads, the jumping terms weighted by recent use × idf).
fn burst_clusters(
    threads: &[ThreadText],
    vecs: &[Sparse],
    vocab: &Vocab,
    as_of_us: i64,
    s: &TopicSettings,
) -> Vec<(Sparse, Sparse)> {
    let recent_from = as_of_us - i64::from(s.burst_days) * DAY_US;
    let reference_from = recent_from - 28 * DAY_US;
    let mut recent_threads: Vec<usize> = Vec::new();
    let mut n_ref = 0u64;
    let mut r_count = vec![0u32; vocab.terms.len()];
    let mut b_count = vec![0u32; vocab.terms.len()];
    for (i, t) in threads.iter().enumerate() {
        if t.opened_us >= recent_from && t.opened_us < as_of_us {
            recent_threads.push(i);
            for &(j, _) in &vecs[i] {
                r_count[j as usize] += 1;
            }
        } else if t.opened_us >= reference_from && t.opened_us < recent_from {
            n_ref += 1;
            for &(j, _) in &vecs[i] {
                b_count[j as usize] += 1;
            }
        }
    }
    let n_recent = recent_threads.len() as f64;
    if n_recent == 0.0 {
        return Vec::new();
    }
    let scale = n_recent / (n_ref.max(1) as f64);
    let bursting: Vec<u32> = (0..vocab.terms.len() as u32)
        .filter(|&j| {
            let r = r_count[j as usize];
            let expected = (f64::from(b_count[j as usize]) + 0.5) * scale;
            r >= s.burst_min_threads
                && f64::from(r) >= s.burst_min_ratio * expected
                && stats::poisson_sf(u64::from(r), expected) <= s.burst_max_p
        })
        .collect();
    if bursting.is_empty() {
        return Vec::new();
    }
    // Recent threads of each bursting term, then terms joined when their threads overlap.
    let pos: HashMap<u32, usize, FxBuild> =
        bursting.iter().enumerate().map(|(p, &j)| (j, p)).collect();
    let mut holders: Vec<Vec<usize>> = vec![Vec::new(); bursting.len()];
    for &i in &recent_threads {
        for &(j, _) in &vecs[i] {
            if let Some(&p) = pos.get(&j) {
                holders[p].push(i);
            }
        }
    }
    let mut parent: Vec<usize> = (0..bursting.len()).collect();
    fn root(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for a in 0..bursting.len() {
        for b in a + 1..bursting.len() {
            let shared = holders[a]
                .iter()
                .filter(|i| holders[b].binary_search(i).is_ok())
                .count();
            let smaller = holders[a].len().min(holders[b].len()).max(1);
            if shared * 2 >= smaller {
                let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                parent[ra] = rb;
            }
        }
    }
    let mut groups: HashMap<usize, (Vec<usize>, Sparse), FxBuild> = HashMap::default();
    for p in 0..bursting.len() {
        let r = root(&mut parent, p);
        let g = groups.entry(r).or_default();
        g.0.extend(holders[p].iter().copied());
        let j = bursting[p];
        g.1.push((j, r_count[j as usize] as f32 * vocab.idf(j)));
    }
    let mut out: Vec<(usize, Sparse, Sparse)> = groups
        .into_values()
        .filter_map(|(mut ts, mut signature)| {
            ts.sort_unstable();
            ts.dedup();
            signature.sort_unstable_by_key(|&(j, _)| j);
            vectors::normalise(&mut signature);
            (ts.len() >= s.burst_min_threads as usize).then(|| {
                (
                    ts.len(),
                    centroid(ts.iter().map(|&i| &vecs[i]), 200),
                    signature,
                )
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(a.2.first().map(|x| x.0).cmp(&b.2.first().map(|x| x.0)))
    });
    out.into_iter().map(|(_, c, sig)| (c, sig)).collect()
}

/// Labels and top terms per topic by class-based TF-IDF, or the taxonomy name.
fn describe(
    docs: &[Vec<String>],
    assignment: &[Option<usize>],
    n: usize,
    tokenizer: &Tokenizer,
    taxonomy: &[TaxonomyEntry],
) -> Vec<(String, Vec<String>)> {
    let mut tf: Vec<HashMap<&str, f64, FxBuild>> = vec![HashMap::default(); n];
    let mut total: HashMap<&str, f64, FxBuild> = HashMap::default();
    for (doc, a) in docs.iter().zip(assignment) {
        let Some(c) = a else { continue };
        for t in doc {
            *tf[*c].entry(t.as_str()).or_default() += 1.0;
            *total.entry(t.as_str()).or_default() += 1.0;
        }
    }
    let avg = tf.iter().map(|m| m.values().sum::<f64>()).sum::<f64>() / n.max(1) as f64;
    let tax: Vec<(String, Vec<String>)> = taxonomy
        .iter()
        .map(|e| {
            let terms = e
                .terms
                .iter()
                .map(|t| {
                    if t.starts_with('#') {
                        crate::text::tag_terms([t.as_str()]).join(" ")
                    } else {
                        tokenizer.terms(t).join(" ")
                    }
                })
                .filter(|t| !t.is_empty())
                .collect();
            (e.name.clone(), terms)
        })
        .collect();
    tf.iter()
        .map(|m| {
            let size: f64 = m.values().sum::<f64>().max(1.0);
            let mut w: Vec<(&str, f64)> = m
                .iter()
                .map(|(t, c)| (*t, c / size * (1.0 + avg / total[t]).ln()))
                .collect();
            w.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            let terms: Vec<String> = w.iter().take(10).map(|(t, _)| t.to_string()).collect();
            let top30: Vec<&str> = w.iter().take(30).map(|(t, _)| *t).collect();
            let named = tax
                .iter()
                .map(|(name, ts)| {
                    let hits = ts.iter().filter(|t| top30.contains(&t.as_str())).count();
                    (hits, name)
                })
                .filter(|(hits, _)| *hits >= 2)
                .max_by_key(|(hits, _)| *hits);
            let label = match named {
                Some((_, name)) => name.clone(),
                None => label_of(&w),
            };
            (label, terms)
        })
        .collect()
}

/// The three most distinctive phrases, skipping one contained in a phrase already chosen
/// (or containing it), and tags unless nothing else is left.
pub(crate) fn label_of(weighted: &[(&str, f64)]) -> String {
    let mut chosen: Vec<&str> = Vec::new();
    for pass_tags in [false, true] {
        for (t, _) in weighted {
            if chosen.len() == 3 {
                break;
            }
            if t.starts_with('#') != pass_tags {
                continue;
            }
            let bare = t.trim_start_matches('#');
            let overlaps = chosen.iter().any(|c| {
                let c = c.trim_start_matches('#');
                c.contains(bare) || bare.contains(c)
            });
            if !overlaps {
                chosen.push(t);
            }
        }
    }
    chosen
        .iter()
        .map(|t| t.trim_start_matches('#'))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Gives each cluster a registry id (matching by centre similarity, best pairs first),
/// registering the unmatched ones; returns (id, first_seen) per cluster.
fn name(
    clusters: &[Cluster],
    described: &[(String, Vec<String>)],
    vocab: &Vocab,
    as_of: &str,
    registry: &mut Registry,
    s: &TopicSettings,
) -> Vec<(String, String)> {
    let as_text = |c: &Sparse| -> Vec<(String, f32)> {
        let mut v: Vec<(String, f32)> = c
            .iter()
            .map(|&(j, w)| (vocab.terms[j as usize].clone(), w))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(100);
        v
    };
    let visible: Vec<usize> = registry.visible(as_of).map(|(i, _)| i).collect();
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        for &ri in &visible {
            let e = &registry.topics[ri];
            let sim = dot(&c.centroid, &vocab.project(&e.centroid));
            if sim >= s.match_similarity {
                pairs.push((sim, ci, ri));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut taken_c = vec![None; clusters.len()];
    let mut taken_r = vec![false; registry.topics.len()];
    for (_, ci, ri) in pairs {
        if taken_c[ci].is_none() && !taken_r[ri] {
            taken_c[ci] = Some(ri);
            taken_r[ri] = true;
        }
    }
    let mut out = Vec::with_capacity(clusters.len());
    for (ci, c) in clusters.iter().enumerate() {
        let centroid = as_text(&c.centroid);
        let label = described[ci].0.clone();
        let ri = match taken_c[ci] {
            Some(ri) => {
                let e = &mut registry.topics[ri];
                // Later runs refresh the definition; re-running an older date does not.
                if as_of >= e.last_seen.as_str() {
                    e.last_seen = as_of.to_string();
                    e.label = label;
                    e.centroid = centroid;
                }
                ri
            }
            None => {
                let key: Vec<&str> = centroid.iter().take(3).map(|(t, _)| t.as_str()).collect();
                let mut id = format!(
                    "t-{:06x}",
                    xxhash_rust::xxh3::xxh3_64(format!("{as_of}|{}", key.join("|")).as_bytes())
                        & 0xff_ffff
                );
                while registry.topics.iter().any(|e| e.id == id) {
                    id.push('x');
                }
                registry.topics.push(Entry {
                    id,
                    first_seen: as_of.to_string(),
                    last_seen: as_of.to_string(),
                    label,
                    centroid,
                });
                taken_r.push(true);
                registry.topics.len() - 1
            }
        };
        let e = &registry.topics[ri];
        out.push((e.id.clone(), e.first_seen.clone()));
    }
    out
}

#[cfg(test)]
mod tests;
