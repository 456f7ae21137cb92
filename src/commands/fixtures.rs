//! `murmur fixtures generate`.

use std::path::Path;
use std::process::ExitCode;

/// Writes a sample organisation.
pub fn generate(people: u32, weeks: u32, seed: u64, out: &Path) -> anyhow::Result<ExitCode> {
    let summary = write(people, weeks, seed, out)?;
    println!(
        "Wrote a sample organisation of {people} people over {weeks} weeks (seed {seed}) to {}:",
        out.display()
    );
    println!(
        "  {} posts, {} feedback events ({} malformed and {} re-sent duplicate lines planted)",
        summary.posts, summary.feedback, summary.malformed, summary.duplicates
    );
    for f in &summary.files {
        println!("  {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Generates with a progress bar on a terminal.
pub fn write(
    people: u32,
    weeks: u32,
    seed: u64,
    out: &Path,
) -> anyhow::Result<murmur_fixtures::Summary> {
    let opts = murmur_fixtures::GenerateOptions {
        people,
        weeks,
        seed,
        ..Default::default()
    };
    let bar = super::interactive().then(|| indicatif::ProgressBar::new(u64::from(weeks) * 7));
    let mut progress = |done: u32, total: u32| {
        if let Some(bar) = &bar {
            bar.set_length(u64::from(total));
            bar.set_position(u64::from(done));
        }
    };
    let summary = murmur_fixtures::generate(&opts, out, &mut progress)?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(summary)
}
