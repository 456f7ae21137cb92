//! `murmur run sentiment`: refresh the stored sentiment scores, then test every topic (and
//! team, site, role inside it) for a tone shift as of a day, write
//! `derived/sentiment_shifts/as_of=DATE/` and print the flagged shifts.

use crate::config::Config;
use chrono::NaiveDate;
use murmur_jobs::jobs::{sentiment_scores, sentiment_shift};
use murmur_jobs::sentiment::Analyzer;
use murmur_jobs::topic_source::Origin;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Output of `murmur run sentiment`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ShiftFormat {
    /// An aligned table for people.
    Table,
    /// `{"as_of", "shifts": [...]}`.
    Json,
}

/// Arguments of `murmur run sentiment`.
#[derive(Debug, clap::Args)]
pub struct SentimentArgs {
    /// Day to report as of (YYYY-MM-DD, up to the end of that day UTC; default: the day of
    /// the newest post).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ShiftFormat,
    /// Folder of derived tables (default: `derived` next to the lake folder).
    #[arg(long, value_name = "DIR")]
    pub derived: Option<PathBuf>,
}

fn parse_as_of(text: &str) -> anyhow::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| anyhow::anyhow!("--as-of: expected a date YYYY-MM-DD, got {text:?} ({e})"))
}

/// Runs the job and prints its result.
pub fn run(config: &Config, args: &SentimentArgs) -> anyhow::Result<ExitCode> {
    let as_of = args.as_of.as_deref().map(parse_as_of).transpose()?;
    super::require_lake(config)?;
    let lake = &config.lake.path;
    let derived = super::derived_dir(config, args.derived.as_deref());
    let refreshed = sentiment_scores::refresh(lake, &derived, &Analyzer::new())?;
    let rt = tokio::runtime::Runtime::new()?;
    let outcome = rt.block_on(async {
        let ctx = super::open_lake(config).await?;
        let as_of = match as_of {
            Some(d) => d,
            None => super::newest_post_day(&ctx).await?,
        };
        let outcome = sentiment_shift::run(
            &ctx,
            &derived,
            as_of,
            &config.sentiment,
            config.privacy.min_group_size,
        )
        .await?;
        anyhow::Ok(outcome)
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ShiftFormat::Json => {
            let v = serde_json::json!({
                "as_of": outcome.as_of.to_string(),
                "topics": match outcome.topics {
                    Origin::Tags => "tags".to_string(),
                    Origin::Model { as_of } => format!("topic model as of {as_of}"),
                },
                "tested": outcome.tested,
                "scores": refreshed,
                "shifts": outcome.shifts,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        ShiftFormat::Table => print_table(&mut out, &outcome, &refreshed)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(
    out: &mut dyn Write,
    o: &sentiment_shift::Outcome,
    refreshed: &sentiment_scores::Refreshed,
) -> std::io::Result<()> {
    let day = |us: i64| {
        chrono::DateTime::from_timestamp_micros(us)
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default()
    };
    let last = |us: i64| day(us - 1);
    writeln!(
        out,
        "Sentiment shifts as of {} — recent {} to {}, baseline {} to {}; topics from {}.",
        o.as_of,
        day(o.windows.recent_start_us),
        last(o.windows.end_us),
        day(o.windows.baseline_start_us),
        last(o.windows.recent_start_us),
        match o.topics {
            Origin::Tags => "tags".to_string(),
            Origin::Model { as_of } => format!("the topic model as of {as_of}"),
        }
    )?;
    writeln!(
        out,
        "Scores: {} day(s) scored ({} posts), {} unchanged. {} group(s) tested, {} shift(s) flagged.",
        refreshed.days_scored,
        refreshed.posts_scored,
        refreshed.days_unchanged,
        o.tested,
        o.shifts.len()
    )?;
    if o.shifts.is_empty() {
        return Ok(());
    }
    let header = [
        "topic",
        "group",
        "before",
        "after",
        "delta",
        "p",
        "q",
        "n before",
        "n after",
        "direction",
    ];
    let rows: Vec<[String; 10]> = o
        .shifts
        .iter()
        .map(|s| {
            [
                s.label.clone(),
                s.group.clone(),
                format!("{:+.3}", s.before),
                format!("{:+.3}", s.after),
                format!("{:+.3}", s.delta),
                format!("{:.2e}", s.p_value),
                format!("{:.2e}", s.q_value),
                s.n_before.to_string(),
                s.n_after.to_string(),
                s.direction.clone(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    writeln!(out)?;
    writeln!(out, "{}", line(header.to_vec()))?;
    for r in &rows {
        writeln!(out, "{}", line(r.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
