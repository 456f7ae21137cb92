//! `sentiment_shifts`: where the tone of a topic changed — per topic and per team, site and
//! role inside it (groups at or above the privacy floor only).
//!
//! For each (topic, group) the posts of the recent window (default the 7 days ending at
//! `as_of`) are compared with those of the baseline (default the 8 weeks before it) by a
//! two-sided Mann–Whitney U test on the posts' compound scores (normal approximation with
//! tie and continuity correction, as `scipy.stats.mannwhitneyu(method="asymptotic")`).
//! Every group with enough posts and distinct authors on both sides is tested; the
//! p-values of all tests are corrected together for the many comparisons
//! (Benjamini–Hochberg). A shift is flagged when the corrected value (q) is at most the
//! false discovery rate and the mean compound moved by at least `min_delta`. Volume plays
//! no part, so a flat-volume topic whose tone turns is flagged.
//!
//! The posts of the windows come from `sql/sentiment_window.sql` over the lake, the stored
//! scores (`sentiment_scores` job) and the topics ([`crate::topic_source`]); the statistics
//! are Polars. Writes `derived/sentiment_shifts/as_of=DATE/`: `shifts.parquet` (flagged),
//! `tests.parquet` (every tested group) and `weekly.parquet` (per topic, group and ISO week:
//! posts, distinct authors, mean compound, share negative). Re-running replaces the folder.

use crate::columns::Columns;
use crate::topic_source::{self, Topics};
use crate::{Error, Result, session, sql};
use arrow::array::{
    Array, ArrayRef, BooleanArray, Date32Array, Float64Array, Int64Array, ListBuilder, StringArray,
    StringBuilder,
};
use arrow::datatypes::{DataType as ArrowType, Field, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Folder name under `derived/`.
pub const NAME: &str = "sentiment_shifts";

const JOB: &str = "sentiment_shifts";

fn stats_err(source: PolarsError) -> Error {
    Error::Stats { job: JOB, source }
}

/// `[sentiment]` settings of the shift test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Days in the recent window, ending at the end of the `as_of` day (UTC).
    pub recent_days: u32,
    /// Days in the baseline window, immediately before the recent window.
    pub baseline_days: u32,
    /// Fewest posts each window must hold for a topic or group to be tested.
    pub min_posts: u32,
    /// Smallest change of the mean compound score (on the -1..1 scale) worth flagging.
    pub min_delta: f64,
    /// False discovery rate of the Benjamini–Hochberg correction over all tested groups.
    pub fdr: f64,
    /// A post counts as negative when its compound score is at or below this value
    /// (VADER's usual cut-off is -0.05).
    pub negative_at_or_below: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            recent_days: 7,
            baseline_days: 56,
            min_posts: 30,
            min_delta: 0.1,
            fdr: 0.05,
            negative_at_or_below: -0.05,
        }
    }
}

impl Settings {
    /// Value checks serde cannot express, one message per problem, naming the field.
    pub fn check(&self) -> Vec<String> {
        let mut p = Vec::new();
        if self.recent_days == 0 {
            p.push("sentiment.recent_days: expected at least 1, got 0".to_string());
        }
        if self.baseline_days == 0 {
            p.push("sentiment.baseline_days: expected at least 1, got 0".to_string());
        }
        if self.min_posts < 2 {
            p.push(format!(
                "sentiment.min_posts: expected at least 2, got {}",
                self.min_posts
            ));
        }
        if !(self.min_delta >= 0.0 && self.min_delta <= 2.0) {
            p.push(format!(
                "sentiment.min_delta: expected 0 to 2, got {}",
                self.min_delta
            ));
        }
        if !(self.fdr > 0.0 && self.fdr < 1.0) {
            p.push(format!(
                "sentiment.fdr: expected more than 0 and less than 1, got {}",
                self.fdr
            ));
        }
        if !(-1.0..=1.0).contains(&self.negative_at_or_below) {
            p.push(format!(
                "sentiment.negative_at_or_below: expected -1 to 1, got {}",
                self.negative_at_or_below
            ));
        }
        p
    }
}

/// The windows of a run, as UTC microseconds (`end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    /// Start of the baseline.
    pub baseline_start_us: i64,
    /// Start of the recent window (end of the baseline).
    pub recent_start_us: i64,
    /// End of the `as_of` day.
    pub end_us: i64,
}

const DAY_US: i64 = 86_400_000_000;

impl Windows {
    /// The windows ending at the end of `as_of` (UTC).
    pub fn new(as_of: NaiveDate, s: &Settings) -> Windows {
        let end_day = i64::from(days_from_epoch(as_of)) + 1;
        let end_us = end_day * DAY_US;
        let recent_start_us = end_us - i64::from(s.recent_days) * DAY_US;
        Windows {
            baseline_start_us: recent_start_us - i64::from(s.baseline_days) * DAY_US,
            recent_start_us,
            end_us,
        }
    }
}

fn days_from_epoch(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("1970-01-01 is a date");
    (d - epoch).num_days() as i32
}

/// One flagged shift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shift {
    /// Topic id (`tag:<tag>` when topics come from tags).
    pub topic_id: String,
    /// Topic label.
    pub label: String,
    /// Topic terms.
    pub terms: Vec<String>,
    /// `all`, or `team=…`, `site=…`, `role=…`.
    pub group: String,
    /// Mean compound score in the baseline.
    pub before: f64,
    /// Mean compound score in the recent window.
    pub after: f64,
    /// `after - before`.
    pub delta: f64,
    /// Two-sided Mann–Whitney p-value (uncorrected).
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted p-value over every group tested in this run.
    pub q_value: f64,
    /// Posts in the baseline.
    pub n_before: u64,
    /// Posts in the recent window.
    pub n_after: u64,
    /// Share of negative posts in the baseline.
    pub share_negative_before: f64,
    /// Share of negative posts in the recent window.
    pub share_negative_after: f64,
    /// `negative` or `positive`.
    pub direction: String,
}

/// What a run found and wrote.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The day the run is as of.
    pub as_of: NaiveDate,
    /// Its windows.
    pub windows: Windows,
    /// Topic model output or tags.
    pub topics: topic_source::Origin,
    /// Groups tested (enough posts and authors on both sides).
    pub tested: usize,
    /// Flagged shifts, strongest evidence first.
    pub shifts: Vec<Shift>,
    /// Files written.
    pub written: Vec<PathBuf>,
}

/// Runs the job on a session where `posts` is registered; registers `sentiment_scores`
/// (from `derived/sentiment_scores`, see [`super::sentiment_scores::refresh`]) and the
/// topics itself. Re-running replaces `derived/sentiment_shifts/as_of=DATE/`.
pub async fn run(
    ctx: &SessionContext,
    derived: &Path,
    as_of: NaiveDate,
    settings: &Settings,
    min_group_size: u32,
) -> Result<Outcome> {
    let windows = Windows::new(as_of, settings);
    let scores_dir = derived.join(super::sentiment_scores::NAME);
    std::fs::create_dir_all(&scores_dir).map_err(|source| Error::Io {
        path: scores_dir.display().to_string(),
        source,
    })?;
    if ctx.table_exist("sentiment_scores")? {
        ctx.deregister_table("sentiment_scores")?;
    }
    session::register_dated(
        ctx,
        "sentiment_scores",
        &scores_dir,
        super::sentiment_scores::schema(),
    )?;
    if ctx.table_exist(topic_source::TABLE)? {
        ctx.deregister_table(topic_source::TABLE)?;
    }
    let topics = topic_source::load(ctx, derived, as_of, windows.end_us).await?;
    let q = sql::get("sentiment_window").expect("sentiment_window.sql is embedded");
    let text = q.render(&[
        ("baseline_start_us", windows.baseline_start_us),
        ("recent_start_us", windows.recent_start_us),
        ("end_us", windows.end_us),
    ]);
    let batches = session::query(ctx, &text).await?;
    let rows = rows_frame(&batches)?;
    let stats = window_stats(rows.clone().lazy(), settings.negative_at_or_below)
        .and_then(LazyFrame::collect)
        .map_err(stats_err)?;
    let tests = test_groups(stats, settings, min_group_size).map_err(stats_err)?;
    let weekly = weekly(rows.lazy(), settings.negative_at_or_below, min_group_size)
        .collect()
        .map_err(stats_err)?;
    let shifts = flagged(&tests, &topics).map_err(stats_err)?;

    let dir = derived.join(NAME).join(format!("as_of={as_of}"));
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| Error::Io { path, source }
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let mut written = Vec::new();
    for (name, batch) in [
        ("shifts.parquet", shifts_batch(&shifts)),
        (
            "tests.parquet",
            frame_to_batch(&tests, &[]).map_err(stats_err)?,
        ),
        (
            "weekly.parquet",
            frame_to_batch(&weekly, &["week"]).map_err(stats_err)?,
        ),
    ] {
        let path = dir.join(name);
        write_parquet(&path, &batch)?;
        written.push(path);
    }
    Ok(Outcome {
        as_of,
        windows,
        topics: topics.origin,
        tested: tests
            .column("tested")
            .and_then(|c| c.bool().map(|b| b.sum().unwrap_or(0) as usize))
            .map_err(stats_err)?,
        shifts,
        written,
    })
}

/// The window rows as a Polars frame: `topic_id`, `group`, `author_id` (str), `compound`
/// (f64), `recent` (bool), `week` (i32, days since 1970-01-01 of the ISO week's Monday).
pub fn rows_frame(batches: &[RecordBatch]) -> Result<DataFrame> {
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let mut topic = Vec::with_capacity(n);
    let mut group = Vec::with_capacity(n);
    let mut author = Vec::with_capacity(n);
    let mut compound = Vec::with_capacity(n);
    let mut recent = Vec::with_capacity(n);
    let mut week = Vec::with_capacity(n);
    for b in batches {
        let c = Columns::new(b, "sql/sentiment_window.sql");
        let (t, g, a) = (
            c.strings("topic_id")?,
            c.strings("group")?,
            c.texts("author_id")?,
        );
        let (score, r, at) = (
            c.floats("compound")?,
            c.bools("recent")?,
            c.ints("created_us")?,
        );
        for i in 0..b.num_rows() {
            let (Some(t), Some(g), Some(score), Some(r), Some(at)) =
                (&t[i], &g[i], score[i], r[i], at[i])
            else {
                continue;
            };
            topic.push(t.clone());
            group.push(g.clone());
            author.push(a[i].clone());
            compound.push(score);
            recent.push(r);
            week.push(week_of(at));
        }
    }
    DataFrame::new_infer_height(vec![
        Column::new("topic_id".into(), topic),
        Column::new("group".into(), group),
        Column::new("author_id".into(), author),
        Column::new("compound".into(), compound),
        Column::new("recent".into(), recent),
        Column::new("week".into(), week),
    ])
    .map_err(stats_err)
}

/// Monday of the ISO week of a UTC timestamp, as days since 1970-01-01 (a Thursday).
pub fn week_of(micros: i64) -> i32 {
    let day = micros.div_euclid(DAY_US);
    (day - (day + 3).rem_euclid(7)) as i32
}

/// Per (`topic_id`, `group`): posts, distinct authors, mean compound and share negative on
/// each side, the rank sum of the recent side over both samples (average ranks for ties),
/// and the tie term Σ(t³ − t) over groups of equal scores.
pub fn window_stats(rows: LazyFrame, negative_at_or_below: f64) -> PolarsResult<LazyFrame> {
    let keys = [col("topic_id"), col("group")];
    let ranked = rows.clone().with_column(
        col("compound")
            .rank(
                RankOptions {
                    method: RankMethod::Average,
                    descending: false,
                },
                None,
            )
            .over(keys.clone())?
            .alias("rank"),
    );
    let t = col("t").cast(DataType::Float64);
    let ties = rows
        .group_by([col("topic_id"), col("group"), col("compound")])
        .agg([len().alias("t")])
        .with_column((t.clone() * t.clone() * t.clone() - t).alias("tie"))
        .group_by(keys.clone())
        .agg([col("tie").sum().alias("tie_term")]);
    let before = col("recent").not();
    let after = col("recent");
    let negative = col("compound")
        .lt_eq(lit(negative_at_or_below))
        .cast(DataType::Float64);
    Ok(ranked
        .group_by(keys.clone())
        .agg([
            col("compound")
                .filter(before.clone())
                .count()
                .cast(DataType::Int64)
                .alias("n_before"),
            col("compound")
                .filter(after.clone())
                .count()
                .cast(DataType::Int64)
                .alias("n_after"),
            col("author_id")
                .filter(before.clone())
                .n_unique()
                .cast(DataType::Int64)
                .alias("authors_before"),
            col("author_id")
                .filter(after.clone())
                .n_unique()
                .cast(DataType::Int64)
                .alias("authors_after"),
            col("compound")
                .filter(before.clone())
                .mean()
                .alias("before"),
            col("compound").filter(after.clone()).mean().alias("after"),
            negative
                .clone()
                .filter(before)
                .mean()
                .alias("share_negative_before"),
            negative
                .filter(after.clone())
                .mean()
                .alias("share_negative_after"),
            col("rank").filter(after).sum().alias("rank_sum_after"),
        ])
        .join(ties, keys.clone(), keys, JoinArgs::new(JoinType::Left))
        .with_column((col("after") - col("before")).alias("delta")))
}

/// Adds `u`, `p_value`, `tested`, `q_value` and `flagged` to [`window_stats`]' output and
/// sorts by p-value. A group is tested when both sides have at least `min_posts` posts and
/// at least `min_group_size` distinct authors (the privacy floor); only tested groups get
/// a p-value and enter the Benjamini–Hochberg correction. Groups below the privacy floor are
/// dropped from the result altogether.
pub fn test_groups(stats: DataFrame, s: &Settings, min_group_size: u32) -> PolarsResult<DataFrame> {
    let floor = i64::from(min_group_size);
    let stats = stats
        .lazy()
        .filter(
            col("authors_before")
                .gt_eq(lit(floor))
                .and(col("authors_after").gt_eq(lit(floor))),
        )
        .collect()?;
    let n1 = stats.column("n_after")?.i64()?;
    let n2 = stats.column("n_before")?.i64()?;
    let rank_sum = stats.column("rank_sum_after")?.f64()?;
    let tie = stats.column("tie_term")?.f64()?;
    let min_posts = i64::from(s.min_posts);
    let mut u = Vec::with_capacity(stats.height());
    let mut p = Vec::with_capacity(stats.height());
    let mut tested = Vec::with_capacity(stats.height());
    for i in 0..stats.height() {
        let (a, b) = (n1.get(i).unwrap_or(0), n2.get(i).unwrap_or(0));
        let ok = a >= min_posts && b >= min_posts;
        let (af, bf) = (a as f64, b as f64);
        let ui = rank_sum.get(i).unwrap_or(0.0) - af * (af + 1.0) / 2.0;
        u.push(ui);
        tested.push(ok);
        p.push(ok.then(|| mann_whitney_p(ui, af, bf, tie.get(i).unwrap_or(0.0))));
    }
    let tested_p: Vec<f64> = p.iter().flatten().copied().collect();
    let mut q_iter = benjamini_hochberg(&tested_p).into_iter();
    // One q per tested p, in order (`map`, not `and`: the iterator must advance only then).
    let q: Vec<Option<f64>> = p
        .iter()
        .map(|x| x.map(|_| q_iter.next().expect("one q-value per tested group")))
        .collect();
    let delta = stats.column("delta")?.f64()?;
    let flagged: Vec<bool> = (0..stats.height())
        .map(|i| {
            q[i].is_some_and(|q| q <= s.fdr) && delta.get(i).is_some_and(|d| d.abs() >= s.min_delta)
        })
        .collect();
    let mut out = stats.clone();
    out.with_column(Column::new("u".into(), u))?;
    out.with_column(Column::new("p_value".into(), p))?;
    out.with_column(Column::new("q_value".into(), q))?;
    out.with_column(Column::new("tested".into(), tested))?;
    out.with_column(Column::new("flagged".into(), flagged))?;
    out.lazy()
        .sort_by_exprs(
            [col("p_value"), col("topic_id"), col("group")],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()
}

/// Per (`topic_id`, `group`, `week`): posts, distinct authors, mean compound and share
/// negative; rows below the privacy floor of distinct authors are left out.
pub fn weekly(rows: LazyFrame, negative_at_or_below: f64, min_group_size: u32) -> LazyFrame {
    rows.group_by([col("topic_id"), col("group"), col("week")])
        .agg([
            len().cast(DataType::Int64).alias("posts"),
            col("author_id")
                .n_unique()
                .cast(DataType::Int64)
                .alias("authors"),
            col("compound").mean().alias("mean_compound"),
            col("compound")
                .lt_eq(lit(negative_at_or_below))
                .cast(DataType::Float64)
                .mean()
                .alias("share_negative"),
        ])
        .filter(col("authors").gt_eq(lit(i64::from(min_group_size))))
        .sort_by_exprs(
            [col("topic_id"), col("group"), col("week")],
            SortMultipleOptions::default(),
        )
}

/// Two-sided p-value of the Mann–Whitney U statistic `u` of a sample of `n1` against one of
/// `n2`, by the normal approximation with tie correction (`tie_term` = Σ(t³ − t) over groups
/// of tied values in both samples together) and continuity correction — the same as
/// `scipy.stats.mannwhitneyu(x, y, method="asymptotic")`.
pub fn mann_whitney_p(u: f64, n1: f64, n2: f64, tie_term: f64) -> f64 {
    let n = n1 + n2;
    if n1 < 1.0 || n2 < 1.0 {
        return 1.0;
    }
    let mu = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if var <= 0.0 {
        return 1.0; // every value tied: no evidence either way
    }
    let z = ((u - mu).abs() - 0.5) / var.sqrt();
    (2.0 * normal_sf(z)).min(1.0)
}

/// Upper tail of the standard normal distribution (shared with the rising job).
pub use crate::topics::stats::normal_sf;

/// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running;
    }
    q
}

/// The flagged rows of [`test_groups`]' output with their topics' labels and terms.
pub fn flagged(tests: &DataFrame, topics: &Topics) -> PolarsResult<Vec<Shift>> {
    let f = tests.clone().lazy().filter(col("flagged")).collect()?;
    let s = |n: &str| f.column(n).and_then(|c| c.str().cloned());
    let x = |n: &str| f.column(n).and_then(|c| c.f64().cloned());
    let i = |n: &str| f.column(n).and_then(|c| c.i64().cloned());
    let (topic, group) = (s("topic_id")?, s("group")?);
    let (before, after, delta, p, q) = (
        x("before")?,
        x("after")?,
        x("delta")?,
        x("p_value")?,
        x("q_value")?,
    );
    let (nb, na) = (i("n_before")?, i("n_after")?);
    let (sb, sa) = (x("share_negative_before")?, x("share_negative_after")?);
    let mut out = Vec::with_capacity(f.height());
    for r in 0..f.height() {
        let topic_id = topic.get(r).unwrap_or_default().to_string();
        let t = topics.describe(&topic_id);
        let d = delta.get(r).unwrap_or(0.0);
        out.push(Shift {
            topic_id,
            label: t.label,
            terms: t.terms,
            group: group.get(r).unwrap_or_default().to_string(),
            before: before.get(r).unwrap_or(0.0),
            after: after.get(r).unwrap_or(0.0),
            delta: d,
            p_value: p.get(r).unwrap_or(1.0),
            q_value: q.get(r).unwrap_or(1.0),
            n_before: nb.get(r).unwrap_or(0) as u64,
            n_after: na.get(r).unwrap_or(0) as u64,
            share_negative_before: sb.get(r).unwrap_or(0.0),
            share_negative_after: sa.get(r).unwrap_or(0.0),
            direction: if d < 0.0 { "negative" } else { "positive" }.to_string(),
        });
    }
    Ok(out)
}

fn shifts_batch(shifts: &[Shift]) -> RecordBatch {
    let strs = |f: fn(&Shift) -> &str| -> ArrayRef {
        std::sync::Arc::new(StringArray::from_iter_values(shifts.iter().map(f)))
    };
    let nums = |f: fn(&Shift) -> f64| -> ArrayRef {
        std::sync::Arc::new(Float64Array::from_iter_values(shifts.iter().map(f)))
    };
    let ints = |f: fn(&Shift) -> u64| -> ArrayRef {
        std::sync::Arc::new(Int64Array::from_iter_values(
            shifts.iter().map(|s| f(s) as i64),
        ))
    };
    let mut terms = ListBuilder::new(StringBuilder::new());
    for s in shifts {
        for t in &s.terms {
            terms.values().append_value(t);
        }
        terms.append(true);
    }
    let terms: ArrayRef = std::sync::Arc::new(terms.finish());
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("topic_id", strs(|s| &s.topic_id)),
        ("label", strs(|s| &s.label)),
        ("terms", terms),
        ("group", strs(|s| &s.group)),
        ("before", nums(|s| s.before)),
        ("after", nums(|s| s.after)),
        ("delta", nums(|s| s.delta)),
        ("p_value", nums(|s| s.p_value)),
        ("q_value", nums(|s| s.q_value)),
        ("n_before", ints(|s| s.n_before)),
        ("n_after", ints(|s| s.n_after)),
        ("share_negative_before", nums(|s| s.share_negative_before)),
        ("share_negative_after", nums(|s| s.share_negative_after)),
        ("direction", strs(|s| &s.direction)),
    ];
    batch(cols)
}

fn batch(cols: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        std::sync::Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("columns of one frame have one length")
}

/// A Polars frame as an Arrow batch (strings, floats, integers, booleans; the columns named
/// in `dates` hold days since 1970-01-01 and become DATEs).
fn frame_to_batch(df: &DataFrame, dates: &[&str]) -> PolarsResult<RecordBatch> {
    let mut cols: Vec<(&str, ArrayRef)> = Vec::new();
    for c in df.columns() {
        let name = c.name().as_str();
        let array: ArrayRef = match c.dtype() {
            DataType::String => std::sync::Arc::new(c.str()?.iter().collect::<StringArray>()),
            DataType::Float64 => std::sync::Arc::new(c.f64()?.iter().collect::<Float64Array>()),
            DataType::Boolean => std::sync::Arc::new(c.bool()?.iter().collect::<BooleanArray>()),
            _ if dates.contains(&name) => {
                let v = c.cast(&DataType::Int32)?;
                std::sync::Arc::new(v.i32()?.iter().collect::<Date32Array>())
            }
            _ => {
                let v = c.cast(&DataType::Int64)?;
                std::sync::Arc::new(v.i64()?.iter().collect::<Int64Array>())
            }
        };
        cols.push((name, array));
    }
    let _ = ArrowType::Utf8;
    Ok(batch(cols))
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::basic::{Compression, ZstdLevel};
    use datafusion::parquet::file::properties::WriterProperties;
    let pq = |source| Error::Parquet {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::create(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(pq)?;
    w.write(batch).map_err(pq)?;
    w.close().map_err(pq)?;
    Ok(())
}

#[cfg(test)]
mod tests;
