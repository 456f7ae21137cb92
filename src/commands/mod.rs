//! One module per subcommand.

pub mod demo;
pub mod fixtures;
pub mod ingest;
pub mod kafka;
pub mod query;
pub mod run_rising;
pub mod run_sentiment;
pub mod sentiment;

use crate::config::{self, Config};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `murmur config check`: every problem at once, exit 1 if any.
pub fn config_check(file: Option<&Path>, overrides: &config::Overrides) -> ExitCode {
    match config::load(file, overrides) {
        Ok(c) => {
            println!("configuration OK");
            println!("  lake:    {}", c.lake.path.display());
            println!("  catalog: {}", c.catalog.path.display());
            println!(
                "  key:     {}",
                if c.privacy.key.is_some() {
                    "set (privacy.key, not shown)".to_string()
                } else {
                    format!("file {}", c.privacy.key_file.display())
                }
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!("configuration has {} problem(s):", problems.len());
            for p in problems {
                eprintln!("  - {p}");
            }
            ExitCode::from(1)
        }
    }
}

/// Whether stderr is a terminal (progress bars) or not (periodic log lines).
pub fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

/// Fails with a clear message unless the lake folder exists.
pub fn require_lake(config: &Config) -> anyhow::Result<()> {
    if !config.lake.path.is_dir() {
        anyhow::bail!(
            "lake folder {} does not exist; ingest something first or pass --lake DIR",
            config.lake.path.display()
        );
    }
    Ok(())
}

/// A query session over the lake's tables and, when its folder exists, the catalog's.
pub async fn open_lake(config: &Config) -> anyhow::Result<murmur_jobs::session::SessionContext> {
    require_lake(config)?;
    let catalog = config
        .catalog
        .path
        .is_dir()
        .then_some(config.catalog.path.as_path());
    Ok(murmur_jobs::session::open(&config.lake.path, &query::lake_tables(), catalog).await?)
}

/// Where derived tables live: `--derived`, else `derived/` beside the lake folder.
pub fn derived_dir(config: &Config, flag: Option<&Path>) -> PathBuf {
    match flag {
        Some(d) => d.to_path_buf(),
        None => config
            .lake
            .path
            .parent()
            .map_or_else(|| PathBuf::from("derived"), |p| p.join("derived")),
    }
}

/// The day (UTC) of the newest post in the lake: the jobs' default `--as-of`.
pub async fn newest_post_day(
    ctx: &murmur_jobs::session::SessionContext,
) -> anyhow::Result<NaiveDate> {
    let q = murmur_jobs::sql::get("newest_post").expect("newest_post.sql is embedded");
    let batches = murmur_jobs::session::query(ctx, q.text).await?;
    let newest = match batches.first() {
        Some(b) => murmur_jobs::columns::Columns::new(b, "sql/newest_post.sql")
            .ints("newest_us")?
            .first()
            .copied()
            .flatten(),
        None => None,
    };
    let Some(us) = newest else {
        anyhow::bail!("the lake has no posts; ingest some first");
    };
    Ok(chrono::DateTime::from_timestamp_micros(us)
        .ok_or_else(|| anyhow::anyhow!("posts.created_at: newest value {us} is out of range"))?
        .date_naive())
}
