//! `murmur ingest file`.

use crate::config::Config;
use anyhow::Context;
use murmur_pipeline::ingest::Stats;
use murmur_pipeline::ingest::file::{Input, Progress, ingest_files};
use murmur_pipeline::lake::{Lake, Table};
use murmur_pipeline::pseudonym::{Pseudonymiser, write_new_key_file};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The pseudonymiser from `privacy.key`, or from `privacy.key_file`; a key file is created
/// only when the lake holds no events yet (a new key would break continuity otherwise).
pub fn pseudonymiser(config: &Config, lake: &Lake) -> anyhow::Result<Pseudonymiser> {
    if let Some(key) = &config.privacy.key {
        return Pseudonymiser::from_hex(key).context("privacy.key");
    }
    let path = &config.privacy.key_file;
    if !path.exists() {
        let has_events = !lake.list_files(Table::Posts, None)?.is_empty()
            || !lake.list_files(Table::Feedback, None)?.is_empty();
        if has_events {
            anyhow::bail!(
                "pseudonymisation key file {} is missing but the lake {} already holds events; \
                 restore the key file (or set privacy.key / MURMUR__PRIVACY__KEY): a new key would \
                 give every person a new pseudonym",
                path.display(),
                lake.display()
            );
        }
        write_new_key_file(path)?;
        tracing::info!(key_file = %path.display(), "Created a new pseudonymisation key (mode 0600). Keep it with the lake.");
    }
    Ok(Pseudonymiser::from_key_file(path)?)
}

/// Ingests files and prints the summary.
pub fn file(config: &Config, paths: &[String], json: bool) -> anyhow::Result<ExitCode> {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::parse(p)).collect();
    for input in &inputs {
        if let Input::File(p) = input
            && !p.is_file()
        {
            anyhow::bail!("input {}: no such file", p.display());
        }
    }
    let lake = Arc::new(Lake::open_local(&config.lake.path)?);
    let pseudo = pseudonymiser(config, &lake)?;
    let started = Instant::now();
    let stats = run_with_progress(lake.clone(), &pseudo, &inputs, config)?;
    let elapsed = started.elapsed();
    if json {
        let mut v = serde_json::to_value(&stats)?;
        v["seconds"] = serde_json::json!(elapsed.as_secs_f64());
        v["lake"] = serde_json::json!(lake.display());
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_summary(&stats, lake.display(), inputs.len(), elapsed);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a file ingest with a progress bar on a terminal, or a log line every 10 s otherwise.
pub fn run_with_progress(
    lake: Arc<Lake>,
    pseudo: &Pseudonymiser,
    inputs: &[Input],
    config: &Config,
) -> anyhow::Result<Stats> {
    let bar = super::interactive().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} ingest [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar
    });
    let mut last_log = Instant::now();
    let mut on_progress = |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_done);
        } else if last_log.elapsed() > Duration::from_secs(10) {
            last_log = Instant::now();
            tracing::info!(
                bytes_done = p.bytes_done,
                bytes_total = p.bytes_total,
                "Ingest progress."
            );
        }
    };
    let stats = ingest_files(lake, pseudo, inputs, &config.ingest, &mut on_progress);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(stats?)
}

fn print_summary(stats: &Stats, lake: &str, inputs: usize, elapsed: Duration) {
    let secs = elapsed.as_secs_f64().max(1e-9);
    println!(
        "Ingested {} record(s) from {} input(s) into {} in {:.2} s ({:.0} records/s)",
        stats.read,
        inputs,
        lake,
        secs,
        stats.read as f64 / secs
    );
    for table in ["posts", "feedback"] {
        println!(
            "  {table:<11} {:>9} new, {} duplicate(s) kept once",
            stats.accepted.get(table).copied().unwrap_or(0),
            stats.duplicates.get(table).copied().unwrap_or(0)
        );
    }
    let reasons: Vec<String> = stats
        .quarantined
        .iter()
        .map(|(r, n)| format!("{r} {n}"))
        .collect();
    println!(
        "  {:<11} {:>9} new{}{}",
        "quarantine",
        stats.quarantined_total(),
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        if stats.already_quarantined > 0 {
            format!(
                ", {} already quarantined earlier",
                stats.already_quarantined
            )
        } else {
            String::new()
        }
    );
    println!(
        "  {:<11} {:>9} Parquet file(s), {:.1} MB",
        "files",
        stats.files_written,
        stats.bytes_written as f64 / 1e6
    );
}
