//! `rising`: which topics are rising now, how fast, where, what kind of problem, who can
//! help and whether content exists. See `docs/rising.md` for the method in plain words.
//!
//! Writes `derived/topics/as_of=DATE/topics.parquet`,
//! `derived/topic_assignments/as_of=DATE/assignments.parquet` (thread → topic) and
//! `derived/rising_topics/as_of=DATE/rising_<window>.{parquet,json}`; re-running the same
//! `as_of` replaces them. The topic registry `derived/topic_registry.json` keeps ids stable.

use crate::columns::Columns;
use crate::text::Tokenizer;
use crate::topics::issue_type::Classifier;
use crate::topics::registry::Registry;
use crate::topics::trend::{Model, Reading, Series};
use crate::topics::vectors::{ThreadText, text_terms};
use crate::topics::{self, TopicSettings};
use crate::{Error, Result, sql};
use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, ListArray, RecordBatch, StringArray,
    StringBuilder, TimestampMicrosecondArray, UInt64Array,
};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// `[rising]`: how rising topics are scored and described.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RisingSettings {
    /// Days that give a topic's recent level…
    pub baseline_days: u32,
    /// …ending this many days before the window (so a climb of a few weeks is measured
    /// against where the topic stood before it).
    pub guard_days: u32,
    /// Weeks of same-weekday windows that count as a topic's weekly rhythm.
    pub rhythm_weeks: u32,
    /// Months of same-point-of-month windows (working days before month end).
    pub rhythm_months: u32,
    /// Relative day-to-day wobble of a topic's share allowed before a rise is unusual.
    pub share_wobble: f64,
    /// A topic is rising when its posts are at least this many standard deviations above
    /// expected…
    pub min_z: f64,
    /// …and it has at least this many posts in the window…
    pub min_posts: u64,
    /// …in at least this many threads (one or two busy conversations are not a trend).
    pub min_threads: u64,
    /// A resource counts as effective with at least this helpful share…
    pub effective_helpful_share: f64,
    /// …over at least this many helpful/not-helpful judgements (or this many ratings with a
    /// mean of at least `effective_mean_rating`).
    pub effective_min_judgements: i64,
    /// Mean rating (1–5) that makes a resource effective.
    pub effective_mean_rating: f64,
    /// Experts shown per topic.
    pub experts: usize,
    /// Resources shown per topic.
    pub resources: usize,
    /// Example posts shown per topic.
    pub examples: usize,
    /// Issue-type word lists (default: the built-in `jobs/data/topics/issue_types.toml`).
    pub issue_types: Option<PathBuf>,
}

impl Default for RisingSettings {
    fn default() -> Self {
        RisingSettings {
            baseline_days: 28,
            guard_days: 7,
            rhythm_weeks: 4,
            rhythm_months: 3,
            share_wobble: 0.25,
            min_z: 3.0,
            min_posts: 5,
            min_threads: 3,
            effective_helpful_share: 0.6,
            effective_min_judgements: 5,
            effective_mean_rating: 3.5,
            experts: 5,
            resources: 5,
            examples: 3,
            issue_types: None,
        }
    }
}

impl RisingSettings {
    /// Value checks serde cannot express, as `rising.<field>: …` messages.
    pub fn check(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.baseline_days == 0 {
            p.push("rising.baseline_days: expected a positive number, got 0".into());
        }
        if !(0.0..=1.0).contains(&self.effective_helpful_share) {
            p.push(format!(
                "rising.effective_helpful_share: expected a number in [0, 1], got {}",
                self.effective_helpful_share
            ));
        }
        if self.share_wobble < 0.0 {
            p.push(format!(
                "rising.share_wobble: expected a number ≥ 0, got {}",
                self.share_wobble
            ));
        }
        if let Some(f) = &self.issue_types
            && !f.is_file()
        {
            p.push(format!(
                "rising.issue_types: {} is not a file (expected a TOML word list)",
                f.display()
            ));
        }
        p
    }
}

/// The ranking window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// The last hour (for alerts).
    Hour,
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
}

impl Window {
    /// Length in hours.
    pub fn hours(self) -> i64 {
        match self {
            Window::Hour => 1,
            Window::Day => 24,
            Window::Week => 168,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Window::Hour => "hour",
            Window::Day => "day",
            Window::Week => "week",
        }
    }
}

/// What to rank.
#[derive(Debug, Clone)]
pub struct Request {
    /// End of the window (exclusive), microseconds since the epoch, UTC.
    pub as_of_us: i64,
    /// As given (a date or a timestamp), for the output.
    pub as_of_label: String,
    /// The window.
    pub window: Window,
    /// Most topics to report.
    pub top: usize,
    /// Smallest group of distinct people any breakdown may show.
    pub min_group_size: u32,
}

/// A person whose answers on the topic were accepted (pseudonymous).
#[derive(Debug, Clone, Serialize)]
pub struct Expert {
    /// Pseudonym.
    pub author_id: String,
    /// Team.
    pub team: Option<String>,
    /// Role.
    pub role: Option<String>,
    /// Accepted answers on the topic.
    pub accepted_answers: i64,
}

/// A resource linked from the topic's posts.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Catalog id.
    pub resource_id: String,
    /// Catalog title, when catalogued.
    pub title: Option<String>,
    /// Posts on the topic linking it.
    pub links: i64,
    /// Helpful / (helpful + not helpful), when judged.
    pub helpful_share: Option<f64>,
    /// Helpful plus not-helpful judgements.
    pub judgements: i64,
    /// Mean rating 1–5, when rated.
    pub mean_rating: Option<f64>,
    /// Number of ratings.
    pub ratings: i64,
    /// Whether it meets the effectiveness bar.
    pub effective: bool,
}

/// One ranked topic.
#[derive(Debug, Clone, Serialize)]
pub struct RisingTopic {
    /// Stable id.
    pub topic_id: String,
    /// Label (most distinctive phrases, or the taxonomy name).
    pub label: String,
    /// Top terms.
    pub terms: Vec<String>,
    /// What is new in it: the terms its counted posts use distinctly more than its posts
    /// in the four weeks before them (`topics::contrast`), strongest first. Empty when
    /// nothing stands out: its usual subject is what rises, or it has too little history
    /// to compare with.
    pub rising_terms: Vec<String>,
    /// `rising_terms` as a label, or `label` when they are empty.
    pub rising_label: String,
    /// Ranking score (see docs/rising.md).
    pub score: f64,
    /// Posts in the hours counted (`counted_hours`).
    pub posts: u64,
    /// Threads those posts belong to.
    pub threads: u64,
    /// Hours the count covers: the window, or for the daily ranking the last 72 hours when
    /// those show the stronger rise (a quiet weekend day does not hide a rising topic).
    pub counted_hours: i64,
    /// Posts expected in those hours from the topic's history.
    pub baseline: f64,
    /// Which history set the expectation: recent, weekly or monthly.
    pub baseline_basis: String,
    /// Standard deviations above expected.
    pub z: f64,
    /// One-sided p-value of `z`.
    pub p_value: f64,
    /// Posts in the window divided by posts in the window before it (+1 smoothing).
    pub growth: f64,
    /// Date of the topic's first post in the history the run read.
    pub first_seen: String,
    /// Teams with at least the privacy floor of distinct people posting on it in the
    /// window, busiest first.
    pub teams: Vec<String>,
    /// Sites of those teams.
    pub sites: Vec<String>,
    /// Distinct teams, sites and roles posting on it in the window (counts only).
    pub spread: Spread,
    /// skill_gap, policy_clarification, cultural_barrier, tooling_defect or unclear.
    pub issue_type: String,
    /// The words that decided the issue type, with their counts.
    pub issue_drivers: Vec<(String, u32)>,
    /// Share of the window's opening questions without an answer from someone else.
    pub unanswered_share: f64,
    /// People whose answers on it were accepted.
    pub experts: Vec<Expert>,
    /// Resources linked from its posts and how well they work.
    pub resources: Vec<Resource>,
    /// No effective resource is linked from its posts.
    pub content_gap: bool,
    /// Titles (or openings) of recent threads, from teams at or above the privacy floor.
    pub examples: Vec<String>,
}

/// Distinct groups posting on a topic.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Spread {
    /// Distinct teams.
    pub teams: i64,
    /// Distinct sites.
    pub sites: i64,
    /// Distinct roles.
    pub roles: i64,
}

/// The job's result.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// As requested.
    pub as_of: String,
    /// hour, day or week.
    pub window: Window,
    /// Rising topics, highest score first.
    pub topics: Vec<RisingTopic>,
    /// Topics the model found in the history read.
    pub topic_count: usize,
    /// Posts in the window.
    pub window_posts: u64,
    /// Posts in the window whose thread fits no topic.
    pub unassigned_posts: u64,
    /// Where the outputs went.
    #[serde(skip)]
    pub written: Vec<PathBuf>,
}

const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

/// Columns of `sql/rising_posts.sql` the job keeps.
#[derive(Default)]
struct Posts {
    post_id: Vec<String>,
    thread_id: Vec<String>,
    author_id: Vec<Option<String>>,
    team: Vec<Option<String>>,
    created_us: Vec<i64>,
    title: Vec<Option<String>>,
    body: Vec<String>,
    tags: Vec<Vec<String>>,
}

impl Posts {
    fn load(batches: &[RecordBatch]) -> Result<Self> {
        let mut p = Posts::default();
        for b in batches {
            let c = Columns::new(b, "sql/rising_posts.sql");
            p.post_id.extend(c.texts("post_id")?);
            p.thread_id.extend(c.texts("thread_id")?);
            p.author_id.extend(c.strings("author_id")?);
            p.team.extend(c.strings("team")?);
            p.created_us.extend(c.micros("created_at")?);
            p.title.extend(c.strings("title")?);
            p.body.extend(c.texts("body")?);
            p.tags.extend(c.string_lists("tags")?);
        }
        Ok(p)
    }

    /// Title and body, as the topic model and the issue-type counts read them.
    fn text(&self, i: usize) -> String {
        format!(
            "{}\n{}",
            self.title[i].as_deref().unwrap_or(""),
            self.body[i]
        )
    }
}

/// The per-topic detail queries, each decoded once into values by topic id.
#[derive(Default)]
struct Details {
    /// Spread and unanswered share in the window.
    stats: HashMap<String, (Spread, f64)>,
    /// Teams (with their site) at or above the privacy floor in the window.
    teams: HashMap<String, Vec<(String, Option<String>)>>,
    /// Teams at or above the floor over the history: examples may come from these.
    example_teams: HashMap<String, Vec<String>>,
    /// Accepted answerers, most accepted first.
    experts: HashMap<String, Vec<Expert>>,
    /// Linked resources, most linked first.
    resources: HashMap<String, Vec<Resource>>,
}

impl Details {
    async fn query(
        ctx: &SessionContext,
        window: [(&'static str, i64); 2],
        history: [(&'static str, i64); 2],
        min_group_size: u32,
        rs: &RisingSettings,
    ) -> Result<Self> {
        let floor = ("min_group_size", i64::from(min_group_size));
        let run = |name: &'static str, params: Vec<(&'static str, i64)>| async move {
            let batches = crate::session::query(ctx, &render(name, &params)).await?;
            Ok::<_, Error>((name, batches))
        };
        let mut d = Details::default();
        // The whole topic is counted, whatever its size: spread figures are counts only.
        let (src, batches) = run(
            "rising_window_stats",
            vec![window[0], window[1], ("min_group_size", 1)],
        )
        .await?;
        for b in &batches {
            let c = Columns::new(b, src);
            let ids = c.texts("topic_id")?;
            let (teams, sites, roles) =
                (c.counts("teams")?, c.counts("sites")?, c.counts("roles")?);
            let (questions, unanswered) = (c.counts("questions")?, c.counts("unanswered")?);
            for (i, id) in ids.into_iter().enumerate() {
                let share = if questions[i] > 0 {
                    unanswered[i] as f64 / questions[i] as f64
                } else {
                    0.0
                };
                let spread = Spread {
                    teams: teams[i],
                    sites: sites[i],
                    roles: roles[i],
                };
                d.stats.insert(id, (spread, share));
            }
        }
        for (range, examples) in [(window, false), (history, true)] {
            let (src, batches) = run("rising_team_floor", vec![range[0], range[1], floor]).await?;
            for b in &batches {
                let c = Columns::new(b, src);
                let (ids, teams, sites) =
                    (c.texts("topic_id")?, c.texts("team")?, c.strings("site")?);
                for ((id, team), site) in ids.into_iter().zip(teams).zip(sites) {
                    if examples {
                        d.example_teams.entry(id).or_default().push(team);
                    } else {
                        d.teams.entry(id).or_default().push((team, site));
                    }
                }
            }
        }
        let (src, batches) = run("rising_experts", history.to_vec()).await?;
        for b in &batches {
            let c = Columns::new(b, src);
            let ids = c.texts("topic_id")?;
            let (authors, teams, roles) = (
                c.texts("author_id")?,
                c.strings("team")?,
                c.strings("role")?,
            );
            let accepted = c.counts("accepted_answers")?;
            for (i, id) in ids.into_iter().enumerate() {
                d.experts.entry(id).or_default().push(Expert {
                    author_id: authors[i].clone(),
                    team: teams[i].clone(),
                    role: roles[i].clone(),
                    accepted_answers: accepted[i],
                });
            }
        }
        ensure_resources_table(ctx).await?;
        let (src, batches) = run("rising_resources", history.to_vec()).await?;
        for b in &batches {
            let c = Columns::new(b, src);
            let ids = c.texts("topic_id")?;
            let (resource_ids, titles, links) = (
                c.texts("resource_id")?,
                c.strings("title")?,
                c.counts("links")?,
            );
            let (helpful, not_helpful, ratings) = (
                c.counts("helpful")?,
                c.counts("not_helpful")?,
                c.counts("ratings")?,
            );
            let (helpful_share, mean_rating) =
                (c.floats("helpful_share")?, c.floats("mean_rating")?);
            for (i, id) in ids.into_iter().enumerate() {
                let judgements = helpful[i] + not_helpful[i];
                let effective = (judgements >= rs.effective_min_judgements
                    && helpful_share[i].unwrap_or(0.0) >= rs.effective_helpful_share)
                    || (ratings[i] >= rs.effective_min_judgements
                        && mean_rating[i].unwrap_or(0.0) >= rs.effective_mean_rating);
                d.resources.entry(id).or_default().push(Resource {
                    resource_id: resource_ids[i].clone(),
                    title: titles[i].clone(),
                    links: links[i],
                    helpful_share: helpful_share[i],
                    judgements,
                    mean_rating: mean_rating[i],
                    ratings: ratings[i],
                    effective,
                });
            }
        }
        Ok(d)
    }
}

/// Runs the job: topics, assignment, ranking; writes the derived tables.
pub async fn run(
    ctx: &SessionContext,
    derived: &Path,
    req: &Request,
    ts: &TopicSettings,
    rs: &RisingSettings,
) -> Result<Report> {
    let tokenizer = Tokenizer::new();
    let classifier = match &rs.issue_types {
        Some(f) => Classifier::from_file(f, &tokenizer)?,
        None => Classifier::built_in(&tokenizer),
    };
    let taxonomy = match &ts.taxonomy {
        Some(f) => topics::load_taxonomy(f)?,
        None => Vec::new(),
    };
    let as_of_date = chrono::DateTime::from_timestamp_micros(req.as_of_us - 1)
        .map(|t| t.date_naive())
        .ok_or_else(|| Error::Invalid {
            what: "--as-of".into(),
            reason: "out of range".into(),
        })?;
    // History: whole days, so the hourly series starts on an hour boundary.
    let history_from =
        (req.as_of_us - i64::from(ts.history_days) * DAY_US).div_euclid(HOUR_US) * HOUR_US;
    let range = [("from_us", history_from), ("to_us", req.as_of_us)];

    let started = std::time::Instant::now();
    let posts = Posts::load(&crate::session::query(ctx, &render("rising_posts", &range)).await?)?;
    tracing::info!(
        posts = posts.post_id.len(),
        secs = started.elapsed().as_secs_f64(),
        "Posts read."
    );

    // Threads: the opening post's text, or the thread's first post in the history.
    let mut thread_index: HashMap<&str, usize> = HashMap::new();
    let mut threads: Vec<ThreadText> = Vec::new();
    let mut sizes: Vec<u64> = Vec::new();
    // Each thread's latest post (the history ends at the window's end).
    let mut last_us: Vec<i64> = Vec::new();
    for i in 0..posts.post_id.len() {
        let tid = posts.thread_id[i].as_str();
        let opening = posts.post_id[i] == posts.thread_id[i];
        let text = || ThreadText {
            thread_id: tid.to_string(),
            opened_us: posts.created_us[i],
            text: posts.text(i),
            tags: posts.tags[i].clone(),
        };
        match thread_index.get(tid) {
            Some(&t) => {
                sizes[t] += 1;
                last_us[t] = last_us[t].max(posts.created_us[i]);
                if opening {
                    threads[t] = text();
                }
            }
            None => {
                thread_index.insert(tid, threads.len());
                threads.push(text());
                sizes.push(1);
                last_us.push(posts.created_us[i]);
            }
        }
    }

    let reg_path = Registry::path(derived);
    let mut registry = Registry::load(&reg_path)?;
    let fitted = topics::fit(
        &threads,
        req.as_of_us,
        &as_of_date.to_string(),
        &mut registry,
        &tokenizer,
        ts,
        &taxonomy,
    );
    registry.save(&reg_path)?;
    tracing::info!(
        topics = fitted.topics.len(),
        threads = threads.len(),
        secs = started.elapsed().as_secs_f64(),
        "Topics found."
    );

    let mut written = Vec::new();
    written.push(write_topics(derived, as_of_date, &fitted, &threads)?);
    written.push(write_assignments(derived, as_of_date, &fitted, &threads)?);
    register_topic_threads(ctx, &fitted, &threads)?;

    // Hourly counts per topic and overall, from the history start.
    let n_hours = ((req.as_of_us - history_from + HOUR_US - 1) / HOUR_US) as usize;
    let hours = crate::session::query(ctx, &render("rising_topic_hours", &range)).await?;
    let topic_pos: HashMap<&str, usize> = fitted
        .topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let mut counts = vec![vec![0u64; n_hours]; fitted.topics.len()];
    let mut total = vec![0u64; n_hours];
    for b in &hours {
        let c = Columns::new(b, "sql/rising_topic_hours.sql");
        let (ids, at, n) = (c.texts("topic_id")?, c.micros("hour")?, c.counts("posts")?);
        for ((id, at), n) in ids.iter().zip(at).zip(n) {
            let h = (at - history_from).div_euclid(HOUR_US);
            if !(0..n_hours as i64).contains(&h) {
                continue;
            }
            let n = n.max(0) as u64;
            if id == "*" {
                total[h as usize] += n;
            } else if let Some(&t) = topic_pos.get(id.as_str()) {
                counts[t][h as usize] += n;
            }
        }
    }
    // Compound-Poisson factor from thread sizes: E[s²] / E[s].
    let (s1, s2) = sizes
        .iter()
        .fold((0f64, 0f64), |a, &s| (a.0 + s as f64, a.1 + (s * s) as f64));
    let model = Model {
        baseline_days: rs.baseline_days,
        guard_days: rs.guard_days,
        rhythm_weeks: rs.rhythm_weeks,
        rhythm_months: rs.rhythm_months,
        dispersion: if s1 > 0.0 { s2 / s1 } else { 1.0 },
        share_wobble: rs.share_wobble,
    };
    let hours_len = req.window.hours();
    // Threads with posts in the window, per topic: the window's and the last 72 hours'.
    let threads_in = |hours: i64| {
        let from = req.as_of_us - hours * HOUR_US;
        let mut n = vec![0u64; fitted.topics.len()];
        for (t, &last) in last_us.iter().enumerate() {
            if last >= from
                && let Some(k) = fitted.assignment[t]
            {
                n[k] += 1;
            }
        }
        n
    };
    let window_threads = threads_in(hours_len);
    let three_day_threads = if req.window == Window::Day {
        threads_in(72)
    } else {
        Vec::new()
    };
    // The daily ranking also reads the last three days and keeps the stronger signal, so a
    // quiet weekend day does not hide a problem that has been rising all week.
    let readings: Vec<Counted> = counts
        .iter()
        .enumerate()
        .map(|(t, c)| {
            let series = Series {
                start_us: history_from,
                topic: c,
                total: &total,
            };
            let r = Counted {
                reading: model.read(&series, req.as_of_us, hours_len),
                hours: hours_len,
                threads: window_threads[t],
            };
            if req.window != Window::Day {
                return r;
            }
            let three = Counted {
                reading: model.read(&series, req.as_of_us, 72),
                hours: 72,
                threads: three_day_threads[t],
            };
            // The 72 hours count if they pass the post and thread minimums and either read
            // stronger or the window alone does not pass them.
            if three.enough(rs) && (three.reading.z > r.reading.z || !r.enough(rs)) {
                three
            } else {
                r
            }
        })
        .collect();
    let window_from = req.as_of_us - hours_len * HOUR_US;
    let window_posts: u64 = posts
        .created_us
        .iter()
        .filter(|&&t| t >= window_from)
        .count() as u64;
    let window_hours_from = n_hours.saturating_sub(hours_len as usize);
    let assigned_window: u64 = counts
        .iter()
        .map(|c| c[window_hours_from..].iter().sum::<u64>())
        .sum();

    for (t, c) in readings.iter().enumerate() {
        let r = &c.reading;
        tracing::debug!(
            topic = %fitted.topics[t].id,
            label = %fitted.topics[t].label,
            posts = r.posts,
            threads = c.threads,
            hours = c.hours,
            expected = r.expected,
            basis = r.basis,
            z = r.z,
            "Topic reading."
        );
    }
    // Only rising topics are described and ranked.
    let rising: Vec<usize> = (0..fitted.topics.len())
        .filter(|&t| readings[t].enough(rs) && readings[t].reading.z >= rs.min_z)
        .collect();
    // Details and issue-type counts only when something is rising.
    let (details, all_counts, post_topic) = if rising.is_empty() {
        (Details::default(), Default::default(), Vec::new())
    } else {
        let details = Details::query(
            ctx,
            [("from_us", window_from), ("to_us", req.as_of_us)],
            range,
            req.min_group_size,
            rs,
        )
        .await?;
        let all = classifier.count(&tokenizer, (0..posts.post_id.len()).map(|i| posts.text(i)));
        let post_topic: Vec<Option<usize>> = posts
            .thread_id
            .iter()
            .map(|t| {
                thread_index
                    .get(t.as_str())
                    .and_then(|&i| fitted.assignment[i])
            })
            .collect();
        (details, all, post_topic)
    };

    let mut out = Vec::new();
    for &t in &rising {
        let topic = &fitted.topics[t];
        let Counted {
            reading: r,
            hours: counted_hours,
            threads: thread_count,
        } = &readings[t];
        let recent_from = req.as_of_us - (hours_len.max(24 * 14)) * HOUR_US;
        let idx: Vec<usize> = (0..posts.post_id.len())
            .filter(|&i| post_topic[i] == Some(t) && posts.created_us[i] >= recent_from)
            .collect();
        let verdict = classifier.classify(
            &classifier.count(&tokenizer, idx.iter().map(|&i| posts.text(i))),
            &all_counts,
        );
        let (spread, unanswered_share) = details.stats.get(&topic.id).cloned().unwrap_or_default();
        let mut team_list = Vec::new();
        let mut site_list: Vec<String> = Vec::new();
        for (team, site) in details.teams.get(&topic.id).into_iter().flatten() {
            team_list.push(team.clone());
            if let Some(s) = site
                && !site_list.contains(s)
            {
                site_list.push(s.clone());
            }
        }
        let no_teams = Vec::new();
        let allowed_teams = details.example_teams.get(&topic.id).unwrap_or(&no_teams);
        let experts_out: Vec<Expert> = details
            .experts
            .get(&topic.id)
            .into_iter()
            .flatten()
            .take(rs.experts)
            .cloned()
            .collect();
        let resources_out: Vec<Resource> = details
            .resources
            .get(&topic.id)
            .cloned()
            .unwrap_or_default();
        let content_gap = !resources_out.iter().any(|r| r.effective);
        let mut examples: Vec<(i64, String)> = idx
            .iter()
            .filter(|&&i| posts.post_id[i] == posts.thread_id[i])
            .filter(|&&i| {
                posts.team[i]
                    .as_ref()
                    .is_some_and(|team| allowed_teams.contains(team))
            })
            .map(|&i| {
                let text = posts.title[i].clone().unwrap_or_else(|| {
                    let b = &posts.body[i];
                    let cut = b.char_indices().nth(160).map_or(b.len(), |(at, _)| at);
                    format!("{}{}", &b[..cut], if cut < b.len() { "…" } else { "" })
                });
                (posts.created_us[i], text)
            })
            .collect();
        examples.sort_by_key(|e| std::cmp::Reverse(e.0));
        let first_seen = (0..threads.len())
            .filter(|&i| fitted.assignment[i] == Some(t))
            .map(|i| threads[i].opened_us)
            .min()
            .and_then(chrono::DateTime::from_timestamp_micros)
            .map(|d| d.date_naive().to_string())
            .unwrap_or_else(|| topic.first_seen.clone());
        let spread_factor = 1.0 + 0.1 * ((spread.teams - 1).clamp(0, 5) as f64);
        let score = r.z * spread_factor * (1.0 + 0.5 * unanswered_share);
        out.push(RisingTopic {
            topic_id: topic.id.clone(),
            label: topic.label.clone(),
            terms: topic.terms.clone(),
            rising_terms: Vec::new(),
            rising_label: topic.label.clone(),
            score: round(score, 3),
            posts: r.posts,
            threads: *thread_count,
            counted_hours: *counted_hours,
            baseline: round(r.expected, 2),
            baseline_basis: r.basis.to_string(),
            z: round(r.z, 3),
            p_value: r.p_value,
            growth: round((r.posts as f64 + 1.0) / (r.previous as f64 + 1.0), 3),
            first_seen,
            teams: team_list,
            sites: site_list,
            spread,
            issue_type: verdict.issue_type,
            issue_drivers: verdict.drivers,
            unanswered_share: round(unanswered_share, 3),
            experts: experts_out,
            resources: resources_out.into_iter().take(rs.resources).collect(),
            content_gap,
            examples: examples
                .into_iter()
                .take(rs.examples)
                .map(|e| e.1)
                .collect(),
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.topic_id.cmp(&b.topic_id))
    });
    out.truncate(req.top);
    for entry in &mut out {
        let Some(t) = fitted.topics.iter().position(|x| x.id == entry.topic_id) else {
            continue;
        };
        let terms = what_is_new(
            &posts,
            &post_topic,
            t,
            req.as_of_us,
            entry.counted_hours,
            req.min_group_size,
            &tokenizer,
        );
        if !terms.is_empty() {
            let weighted: Vec<(&str, f64)> = terms.iter().map(|(t, z)| (t.as_str(), *z)).collect();
            entry.rising_label = topics::label_of(&weighted);
            entry.rising_terms = terms.into_iter().map(|t| t.0).collect();
        }
    }

    let mut report = Report {
        as_of: req.as_of_label.clone(),
        window: req.window,
        topics: out,
        topic_count: fitted.topics.len(),
        window_posts,
        unassigned_posts: window_posts.saturating_sub(assigned_window),
        written: Vec::new(),
    };
    written.extend(write_ranking(derived, as_of_date, req, &report)?);
    report.written = written;
    tracing::info!(
        rising = report.topics.len(),
        secs = started.elapsed().as_secs_f64(),
        "Ranking written."
    );
    Ok(report)
}

/// Posts before the counted hours that the contrast reads: the four weeks before them, at
/// most this many (the latest).
const EARLIER_DAYS: i64 = 28;
const EARLIER_GAP_DAYS: i64 = 7;
const EARLIER_POSTS: usize = 5_000;
/// Fewer earlier posts than this and there is nothing to contrast with: the whole topic is new.
const EARLIER_MIN: usize = 20;

/// Terms topic `t`'s posts in the `hours` before `as_of_us` use distinctly more than its
/// posts in the four weeks before them (at least 3 posts and a z-score of 3), at most 5.
/// Privacy floor: a term counts only when posts by at least `min_authors` distinct people
/// use it, so nobody's own words are singled out.
fn what_is_new(
    posts: &Posts,
    post_topic: &[Option<usize>],
    t: usize,
    as_of_us: i64,
    hours: i64,
    min_authors: u32,
    tokenizer: &Tokenizer,
) -> Vec<(String, f64)> {
    let from = as_of_us - hours * HOUR_US;
    // The earlier posts end a week before `as_of` at the latest, so a subject that began a
    // few days ago is new against them even when the counted hours are only the last day.
    let earlier_to = from.min(as_of_us - EARLIER_GAP_DAYS * 24 * HOUR_US);
    let earlier_from = earlier_to - EARLIER_DAYS * 24 * HOUR_US;
    // Posts are in time order: each period is a slice of them.
    let at = |us: i64| posts.created_us.partition_point(|&c| c < us);
    let of_topic = |i: &usize| post_topic.get(*i).copied().flatten() == Some(t);
    let terms = |i: usize| text_terms(tokenizer, &posts.text(i), &posts.tags[i]);
    let earlier: Vec<usize> = (at(earlier_from)..at(earlier_to))
        .rev()
        .filter(of_topic)
        .take(EARLIER_POSTS)
        .collect();
    if earlier.len() < EARLIER_MIN {
        return Vec::new();
    }
    let recent_idx: Vec<usize> = (at(from)..at(as_of_us)).filter(of_topic).collect();
    let recent: Vec<Vec<String>> = recent_idx.iter().map(|&i| terms(i)).collect();
    let earlier: Vec<Vec<String>> = earlier.into_iter().map(terms).collect();
    let candidates = topics::contrast::distinctive(&recent, &earlier, 3, 3.0, usize::MAX);
    // The people behind each candidate, in one pass over the counted posts.
    let index: HashMap<&str, usize> = candidates
        .iter()
        .enumerate()
        .map(|(k, (term, _))| (term.as_str(), k))
        .collect();
    let mut people: Vec<Vec<&str>> = vec![Vec::new(); candidates.len()];
    for (&i, doc) in recent_idx.iter().zip(&recent) {
        let Some(author) = posts.author_id[i].as_deref() else {
            continue;
        };
        for term in doc {
            if let Some(&k) = index.get(term.as_str()) {
                people[k].push(author);
            }
        }
    }
    let enough: Vec<bool> = people
        .iter_mut()
        .map(|who| {
            who.sort_unstable();
            who.dedup();
            who.len() >= min_authors as usize
        })
        .collect();
    candidates
        .into_iter()
        .zip(enough)
        .filter_map(|(c, ok)| ok.then_some(c))
        .take(5)
        .collect()
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn render(name: &str, params: &[(&str, i64)]) -> String {
    sql::get(name)
        .expect("the rising queries are embedded")
        .render(params)
}

/// `resources` from the catalog, or an empty table when there is none.
async fn ensure_resources_table(ctx: &SessionContext) -> Result<()> {
    if ctx.table_exist("resources")? {
        return Ok(());
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("resource_id", DataType::Utf8, true),
        Field::new("title", DataType::Utf8, true),
    ]));
    let t = MemTable::try_new(schema, vec![vec![]])?;
    ctx.register_table("resources", Arc::new(t))?;
    Ok(())
}

fn register_topic_threads(
    ctx: &SessionContext,
    fitted: &topics::Fitted,
    threads: &[ThreadText],
) -> Result<()> {
    let batch = assignment_batch(fitted, threads)?;
    crate::session::register_batches(ctx, "topic_threads", batch.schema(), &[batch])
}

fn assignment_batch(fitted: &topics::Fitted, threads: &[ThreadText]) -> Result<RecordBatch> {
    let mut tid = StringBuilder::new();
    let mut top = StringBuilder::new();
    for (t, a) in threads.iter().zip(&fitted.assignment) {
        if let Some(c) = a {
            tid.append_value(&t.thread_id);
            top.append_value(&fitted.topics[*c].id);
        }
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("thread_id", DataType::Utf8, false),
        Field::new("topic_id", DataType::Utf8, false),
    ]));
    RecordBatch::try_new(schema, vec![Arc::new(tid.finish()), Arc::new(top.finish())])
        .map_err(|e| Error::Query(e.into()))
}

/// Replaces `derived/<table>/as_of=DATE/` (or one file in it) with new content.
fn job_dir(derived: &Path, table: &str, as_of: chrono::NaiveDate, clear: bool) -> Result<PathBuf> {
    let dir = derived.join(table).join(format!("as_of={as_of}"));
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    if clear && dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io)?;
    }
    std::fs::create_dir_all(&dir).map_err(io)?;
    Ok(dir)
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    use datafusion::parquet::arrow::ArrowWriter;
    let tmp = path.with_extension("parquet.tmp");
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(&tmp).map_err(io)?;
    let mut w =
        ArrowWriter::try_new(file, batch.schema(), None).map_err(|e| Error::Query(e.into()))?;
    w.write(batch).map_err(|e| Error::Query(e.into()))?;
    w.close().map_err(|e| Error::Query(e.into()))?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn list_of(values: impl Iterator<Item = Vec<String>>) -> ListArray {
    let mut b = arrow::array::ListBuilder::new(StringBuilder::new());
    for v in values {
        for s in v {
            b.values().append_value(s);
        }
        b.append(true);
    }
    b.finish()
}

fn write_topics(
    derived: &Path,
    as_of: chrono::NaiveDate,
    fitted: &topics::Fitted,
    threads: &[ThreadText],
) -> Result<PathBuf> {
    let dir = job_dir(derived, "topics", as_of, true)?;
    let mut first = vec![i64::MAX; fitted.topics.len()];
    for (t, a) in threads.iter().zip(&fitted.assignment) {
        if let Some(c) = a {
            first[*c] = first[*c].min(t.opened_us);
        }
    }
    let ts = &fitted.topics;
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "topic_id",
            Arc::new(StringArray::from_iter_values(ts.iter().map(|t| &t.id))),
        ),
        (
            "label",
            Arc::new(StringArray::from_iter_values(ts.iter().map(|t| &t.label))),
        ),
        (
            "terms",
            Arc::new(list_of(ts.iter().map(|t| t.terms.clone()))),
        ),
        (
            "threads",
            Arc::new(UInt64Array::from_iter_values(
                ts.iter().map(|t| t.threads as u64),
            )),
        ),
        (
            "first_post_at",
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(first.iter().copied())
                    .with_timezone("UTC"),
            ),
        ),
        (
            "named_on",
            Arc::new(StringArray::from_iter_values(
                ts.iter().map(|t| &t.first_seen),
            )),
        ),
        (
            "origin",
            Arc::new(StringArray::from_iter_values(ts.iter().map(
                |t| match t.origin {
                    topics::Origin::Cluster => "cluster",
                    topics::Origin::Burst => "burst",
                },
            ))),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).map_err(|e| Error::Query(e.into()))?;
    let path = dir.join("topics.parquet");
    write_parquet(&path, &batch)?;
    Ok(path)
}

fn write_assignments(
    derived: &Path,
    as_of: chrono::NaiveDate,
    fitted: &topics::Fitted,
    threads: &[ThreadText],
) -> Result<PathBuf> {
    let dir = job_dir(derived, "topic_assignments", as_of, true)?;
    let path = dir.join("assignments.parquet");
    write_parquet(&path, &assignment_batch(fitted, threads)?)?;
    Ok(path)
}

fn write_ranking(
    derived: &Path,
    as_of: chrono::NaiveDate,
    req: &Request,
    report: &Report,
) -> Result<Vec<PathBuf>> {
    let dir = job_dir(derived, "rising_topics", as_of, false)?;
    let stem = match req.window {
        Window::Hour => {
            let h = chrono::DateTime::from_timestamp_micros(req.as_of_us)
                .map(|t| t.format("%H").to_string())
                .unwrap_or_default();
            format!("rising_hour_{h}")
        }
        w => format!("rising_{}", w.name()),
    };
    let t = &report.topics;
    let json = |v: &dyn erased::Json| v.to_json();
    let cols: Vec<(&str, ArrayRef)> = vec![
        (
            "rank",
            Arc::new(Int64Array::from_iter_values(1..=t.len() as i64)),
        ),
        (
            "topic_id",
            Arc::new(StringArray::from_iter_values(t.iter().map(|x| &x.topic_id))),
        ),
        (
            "label",
            Arc::new(StringArray::from_iter_values(t.iter().map(|x| &x.label))),
        ),
        (
            "terms",
            Arc::new(list_of(t.iter().map(|x| x.terms.clone()))),
        ),
        (
            "rising_label",
            Arc::new(StringArray::from_iter_values(
                t.iter().map(|x| &x.rising_label),
            )),
        ),
        (
            "rising_terms",
            Arc::new(list_of(t.iter().map(|x| x.rising_terms.clone()))),
        ),
        (
            "score",
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.score))),
        ),
        (
            "posts",
            Arc::new(UInt64Array::from_iter_values(t.iter().map(|x| x.posts))),
        ),
        (
            "threads",
            Arc::new(UInt64Array::from_iter_values(t.iter().map(|x| x.threads))),
        ),
        (
            "baseline",
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.baseline))),
        ),
        (
            "growth",
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.growth))),
        ),
        (
            "p_value",
            Arc::new(Float64Array::from_iter_values(t.iter().map(|x| x.p_value))),
        ),
        (
            "first_seen",
            Arc::new(StringArray::from_iter_values(
                t.iter().map(|x| &x.first_seen),
            )),
        ),
        (
            "teams",
            Arc::new(list_of(t.iter().map(|x| x.teams.clone()))),
        ),
        (
            "sites",
            Arc::new(list_of(t.iter().map(|x| x.sites.clone()))),
        ),
        (
            "issue_type",
            Arc::new(StringArray::from_iter_values(
                t.iter().map(|x| &x.issue_type),
            )),
        ),
        (
            "unanswered_share",
            Arc::new(Float64Array::from_iter_values(
                t.iter().map(|x| x.unanswered_share),
            )),
        ),
        (
            "content_gap",
            Arc::new(BooleanArray::from(
                t.iter().map(|x| x.content_gap).collect::<Vec<_>>(),
            )),
        ),
        (
            "experts_json",
            Arc::new(StringArray::from_iter_values(
                t.iter().map(|x| json(&x.experts)),
            )),
        ),
        (
            "resources_json",
            Arc::new(StringArray::from_iter_values(
                t.iter().map(|x| json(&x.resources)),
            )),
        ),
        (
            "examples",
            Arc::new(list_of(t.iter().map(|x| x.examples.clone()))),
        ),
    ];
    let batch = RecordBatch::try_from_iter(cols).map_err(|e| Error::Query(e.into()))?;
    let parquet = dir.join(format!("{stem}.parquet"));
    write_parquet(&parquet, &batch)?;
    let json_path = dir.join(format!("{stem}.json"));
    let text = serde_json::to_string_pretty(report).expect("the report serialises");
    std::fs::write(&json_path, text).map_err(|source| Error::Io {
        path: json_path.display().to_string(),
        source,
    })?;
    Ok(vec![parquet, json_path])
}

/// JSON text of a serialisable value, behind a trait object so one closure serves all.
mod erased {
    /// Anything that serialises to JSON.
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).expect("plain data serialises")
        }
    }
}

/// A topic's reading over the hours counted, with the threads its posts belong to.
struct Counted {
    reading: Reading,
    hours: i64,
    threads: u64,
}

impl Counted {
    /// Enough posts, from enough threads, to call it a rise at all.
    fn enough(&self, rs: &RisingSettings) -> bool {
        self.reading.posts >= rs.min_posts && self.threads >= rs.min_threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * HOUR_US;
    const AS_OF: i64 = 1_780_000_000_000_000;

    /// Posts of a topic (None: unassigned): text, how many, spread over days ago (from,
    /// to) before AS_OF, by how many different people (in turn).
    type Spec<'a> = (Option<usize>, &'a str, usize, (f64, f64), usize);
    const FLOOR: u32 = 5;

    /// Posts in time order, with their topics.
    fn posts(spec: &[Spec<'_>]) -> (Posts, Vec<Option<usize>>) {
        let mut rows: Vec<(i64, &str, Option<usize>, String)> = Vec::new();
        for (s, &(topic, text, n, (from, to), people)) in spec.iter().enumerate() {
            for k in 0..n {
                let ago = from + (to - from) * (k as f64 + 0.5) / n as f64;
                let author = format!("person-{s}-{}", k % people);
                rows.push((AS_OF - (ago * DAY as f64) as i64, text, topic, author));
            }
        }
        rows.sort_by_key(|r| r.0);
        let mut p = Posts::default();
        for (i, (at, text, _, author)) in rows.iter().enumerate() {
            p.post_id.push(format!("post-{i}"));
            p.thread_id.push(format!("post-{i}"));
            p.author_id.push(Some(author.clone()));
            p.team.push(None);
            p.created_us.push(*at);
            p.title.push(None);
            p.body.push(text.to_string());
            p.tags.push(Vec::new());
        }
        (p, rows.iter().map(|r| r.2).collect())
    }

    #[test]
    fn what_is_new_names_the_subject_that_joined_a_topic() {
        let tok = Tokenizer::new();
        let (safety, hybrid) = (
            "safety training module overdue",
            "hybrid attendance badge count wrong",
        );
        let (p, t) = posts(&[
            (Some(0), safety, 60, (8.0, 34.0), 10),
            // The new subject began six days ago: inside the week before as_of, so it is
            // not part of what the counted day is compared with.
            (Some(0), hybrid, 90, (1.0, 6.0), 10),
            (Some(0), hybrid, 25, (0.0, 1.0), 10),
            (Some(0), safety, 5, (0.0, 1.0), 10),
            // Another topic and unassigned posts say other things.
            (Some(1), "payroll overtime missing", 40, (0.0, 30.0), 10),
            (None, "printer toner empty", 40, (0.0, 1.0), 10),
        ]);
        let got = what_is_new(&p, &t, 0, AS_OF, 24, FLOOR, &tok);
        let terms: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
        assert!(!terms.is_empty() && terms.len() <= 5, "{got:?}");
        for term in &terms {
            assert!(
                ["hybrid", "attendance", "badge", "count", "wrong"]
                    .iter()
                    .any(|w| term.contains(w)),
                "{term} is not the new subject: {got:?}"
            );
        }
        assert!(got.iter().all(|g| g.1 >= 3.0), "{got:?}");
        // The topic's usual subject rising is nothing new.
        assert!(what_is_new(&p, &t, 1, AS_OF, 24 * 7, FLOOR, &tok).is_empty());
    }

    #[test]
    fn a_topic_without_enough_history_has_nothing_to_compare_with() {
        let tok = Tokenizer::new();
        let new = (Some(0), "scanner firmware crash", 30, (0.0, 1.0), 10);
        let (p, t) = posts(&[
            (
                Some(0),
                "vpn token expired",
                EARLIER_MIN - 1,
                (8.0, 30.0),
                10,
            ),
            new,
        ]);
        assert!(what_is_new(&p, &t, 0, AS_OF, 24, FLOOR, &tok).is_empty());
        // One more earlier post and there is.
        let (p, t) = posts(&[
            (Some(0), "vpn token expired", EARLIER_MIN, (8.0, 30.0), 10),
            new,
        ]);
        assert!(!what_is_new(&p, &t, 0, AS_OF, 24, FLOOR, &tok).is_empty());
    }

    #[test]
    fn words_of_fewer_people_than_the_privacy_floor_are_not_shown() {
        let tok = Tokenizer::new();
        let old = (Some(0), "vpn token expired", 40, (8.0, 30.0), 10);
        let new = |people| (Some(0), "scanner firmware crash", 30, (0.0, 1.0), people);
        let (p, t) = posts(&[old, new(FLOOR as usize - 1)]);
        assert!(what_is_new(&p, &t, 0, AS_OF, 24, FLOOR, &tok).is_empty());
        let (p, t) = posts(&[old, new(FLOOR as usize)]);
        assert!(!what_is_new(&p, &t, 0, AS_OF, 24, FLOOR, &tok).is_empty());
    }
}
