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

pub struct Summary {
    pub posts: u64,
    pub feedback: u64,
    pub malformed: u64,
    pub duplicates: u64,
    pub files: Vec<std::path::PathBuf>,
}
pub fn write(_p: u32, _w: u32, _s: u64, _o: &Path) -> anyhow::Result<Summary> {
    anyhow::bail!("stub")
}
