//! `murmur run rising`: discover topics, rank the rising ones for a window ending at
//! `--as-of`, write `derived/rising_topics/as_of=DATE/` and print the ranking.

use crate::config::Config;
use murmur_jobs::jobs::rising::{self, Report, Request, Window};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Output of `murmur run rising`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RisingFormat {
    /// An aligned table for people.
    Table,
    /// `{"as_of", "window", "topics": [...]}`.
    Json,
}

/// The ranking window.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum WindowArg {
    /// The last hour (alerts).
    Hour,
    /// The last 24 hours.
    Day,
    /// The last 7 days.
    Week,
}

/// Arguments of `murmur run rising`.
#[derive(Debug, clap::Args)]
pub struct RisingArgs {
    /// End of the window: a date (YYYY-MM-DD, meaning the end of that day, UTC) or an RFC
    /// 3339 timestamp (default: the end of the day of the newest post).
    #[arg(long, value_name = "DATE|TIMESTAMP")]
    pub as_of: Option<String>,
    /// Window length.
    #[arg(long, value_enum, default_value = "day")]
    pub window: WindowArg,
    /// Most topics to show.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: RisingFormat,
    /// Folder of derived tables (default: `derived` next to the lake folder).
    #[arg(long, value_name = "DIR")]
    pub derived: Option<PathBuf>,
}

/// `--as-of` as (exclusive end in microseconds, the text to report).
pub fn parse_as_of(text: &str) -> anyhow::Result<(i64, String)> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let end = (d + chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc();
        return Ok((end.timestamp_micros(), d.to_string()));
    }
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) => Ok((
            t.timestamp_micros(),
            t.with_timezone(&chrono::Utc).to_rfc3339(),
        )),
        Err(e) => anyhow::bail!(
            "--as-of: expected a date (YYYY-MM-DD) or an RFC 3339 timestamp with offset \
             (2026-05-04T13:00:00Z), got {text:?} ({e})"
        ),
    }
}

/// Runs the job and prints the ranking.
pub fn run(config: &Config, args: &RisingArgs) -> anyhow::Result<ExitCode> {
    let derived = super::derived_dir(config, args.derived.as_deref());
    let window = match args.window {
        WindowArg::Hour => Window::Hour,
        WindowArg::Day => Window::Day,
        WindowArg::Week => Window::Week,
    };
    let given = args.as_of.as_deref().map(parse_as_of).transpose()?;
    let rt = tokio::runtime::Runtime::new()?;
    let report = rt.block_on(async {
        let ctx = super::open_lake(config).await?;
        let (as_of_us, as_of_label) = match given {
            Some(g) => g,
            None => {
                let day = super::newest_post_day(&ctx).await?;
                parse_as_of(&day.to_string())?
            }
        };
        let req = Request {
            as_of_us,
            as_of_label,
            window,
            top: args.top,
            min_group_size: config.privacy.min_group_size,
        };
        anyhow::Ok(rising::run(&ctx, &derived, &req, &config.topics, &config.rising).await?)
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        RisingFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        RisingFormat::Table => print_table(&mut out, &report)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    writeln!(
        out,
        "Rising topics, {} window ending {} — {} topics, {} posts in the window ({} fit no topic)",
        r.window.name(),
        r.as_of,
        r.topic_count,
        r.window_posts,
        r.unassigned_posts
    )?;
    if r.topics.is_empty() {
        writeln!(out, "No topic is rising.")?;
    }
    for (i, t) in r.topics.iter().enumerate() {
        writeln!(
            out,
            "\n{:>2}. {} [{}]  score {:.1}",
            i + 1,
            t.label,
            t.topic_id,
            t.score
        )?;
        writeln!(
            out,
            "    {} posts ({} threads) in {} h vs {:.1} expected ({} level), growth ×{:.1}, first seen {}",
            t.posts,
            t.threads,
            t.counted_hours,
            t.baseline,
            t.baseline_basis,
            t.growth,
            t.first_seen
        )?;
        if !t.rising_terms.is_empty() {
            writeln!(out, "    new in it: {}", t.rising_terms.join(", "))?;
        }
        let drivers: Vec<String> = t.issue_drivers.iter().map(|d| d.0.clone()).collect();
        writeln!(
            out,
            "    type: {} ({}); {:.0}% of questions unanswered",
            t.issue_type,
            drivers.join(", "),
            t.unanswered_share * 100.0
        )?;
        writeln!(
            out,
            "    spread: {} teams, {} sites, {} roles{}",
            t.spread.teams,
            t.spread.sites,
            t.spread.roles,
            if t.teams.is_empty() {
                String::new()
            } else {
                format!(" — {}", t.teams.join(", "))
            }
        )?;
        let experts: Vec<String> = t
            .experts
            .iter()
            .map(|e| {
                format!(
                    "{} / {} ({} accepted)",
                    e.team.as_deref().unwrap_or("?"),
                    e.role.as_deref().unwrap_or("?"),
                    e.accepted_answers
                )
            })
            .collect();
        if !experts.is_empty() {
            writeln!(out, "    who can help: {}", experts.join("; "))?;
        }
        let res: Vec<String> = t
            .resources
            .iter()
            .map(|x| {
                format!(
                    "{}{}",
                    x.title.as_deref().unwrap_or(&x.resource_id),
                    if x.effective { " (effective)" } else { "" }
                )
            })
            .collect();
        writeln!(
            out,
            "    content: {}{}",
            if res.is_empty() {
                "none linked".to_string()
            } else {
                res.join("; ")
            },
            if t.content_gap {
                " — CONTENT GAP"
            } else {
                ""
            }
        )?;
        for e in &t.examples {
            writeln!(out, "    e.g. “{e}”")?;
        }
    }
    if let Some(p) = r.written.last() {
        writeln!(out, "\nWritten: {}", p.display())?;
    }
    Ok(())
}
