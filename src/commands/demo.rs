//! `murmur demo`: the embedded default. Sample organisation → lake → jobs → ./out/.

use crate::config::{self, Config};
use murmur_pipeline::ingest::file::Input;
use murmur_pipeline::lake::Lake;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the whole pipeline on generated sample data; no broker needed.
pub fn run(
    config_file: Option<&Path>,
    out: &Path,
    people: u32,
    weeks: u32,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    let overrides = config::Overrides {
        lake: Some(out.join("lake")),
        catalog: Some(out.join("sample/catalog")),
    };
    let mut config: Config = config::load(config_file, &overrides)
        .map_err(|p| anyhow::anyhow!("invalid configuration:\n  - {}", p.join("\n  - ")))?;
    config.privacy.key = None;
    config.privacy.key_file = out.join("pseudonym.key");

    let sample = out.join("sample");
    println!(
        "1/3 Generating a sample organisation ({people} people, {weeks} weeks, seed {seed}) …"
    );
    let summary = super::fixtures::write(people, weeks, seed, &sample)?;
    println!(
        "    {} posts, {} feedback events → {}",
        summary.posts,
        summary.feedback,
        sample.display()
    );

    println!("2/3 Ingesting into the lake …");
    let lake = Arc::new(Lake::open_local(&config.lake.path)?);
    let pseudo = super::ingest::pseudonymiser(&config, &lake)?;
    let inputs = vec![
        Input::File(sample.join("posts.jsonl")),
        Input::File(sample.join("feedback.jsonl")),
    ];
    let stats = super::ingest::run_with_progress(lake.clone(), &pseudo, &inputs, &config)?;
    println!(
        "    {} new events, {} duplicates kept once, {} quarantined → {}",
        stats.accepted_events(),
        stats.duplicates_total(),
        stats.quarantined_total(),
        lake.display()
    );

    println!("3/3 Running jobs …");
    let rt = tokio::runtime::Runtime::new()?;
    let as_of = chrono::Utc::now().date_naive();
    // One session for both jobs.
    let ctx = rt.block_on(super::open_lake(&config))?;
    let ctx = &ctx;
    let written = rt.block_on(async {
        murmur_jobs::jobs::overview::run(
            ctx,
            &out.join("derived"),
            &out.join("reports"),
            as_of,
            config.privacy.min_group_size,
        )
        .await
    })?;
    println!("    overview → {}", written.report.display());
    for t in &written.tables {
        println!("               {}", t.display());
    }
    // Rising topics for the last day of the sample, written beside the overview.
    let rising = rt.block_on(async {
        let day = super::newest_post_day(ctx).await?;
        let (as_of_us, as_of_label) = super::run_rising::parse_as_of(&day.to_string())?;
        let req = murmur_jobs::jobs::rising::Request {
            as_of_us,
            as_of_label,
            window: murmur_jobs::jobs::rising::Window::Week,
            top: 5,
            min_group_size: config.privacy.min_group_size,
        };
        anyhow::Ok(
            murmur_jobs::jobs::rising::run(
                ctx,
                &out.join("derived"),
                &req,
                &config.topics,
                &config.rising,
            )
            .await?,
        )
    })?;
    println!(
        "    rising   → {} topics found, {} rising in the week to {}",
        rising.topic_count,
        rising.topics.len(),
        rising.as_of
    );
    if let Some(p) = rising.written.last() {
        println!("               {}", p.display());
    }

    let lake_arg = config.lake.path.display();
    // The command as it was invoked, so the hints work without murmur on PATH.
    let bin = std::env::args().next().unwrap_or_else(|| "murmur".into());
    println!();
    println!("Done. Look at it:");
    println!("  cat {}", written.report.display());
    println!("  {bin} --lake {lake_arg} run rising --window week");
    println!(
        "  {bin} --lake {lake_arg} query \"SELECT team, COUNT(*) AS posts FROM posts GROUP BY team ORDER BY posts DESC\""
    );
    println!(
        "  {bin} --lake {lake_arg} query --format json \"SELECT reason_code, field, reason FROM quarantine LIMIT 5\""
    );
    println!(
        "  The pseudonymisation key is {} (mode 0600); keep it with the lake.",
        config.privacy.key_file.display()
    );
    Ok(ExitCode::SUCCESS)
}
