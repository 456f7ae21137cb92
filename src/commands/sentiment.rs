//! `murmur sentiment`: score text from stdin, one line at a time.

use murmur_jobs::sentiment::Analyzer;
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

/// Output of `murmur sentiment`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SentimentFormat {
    /// One compound score per line.
    Score,
    /// One JSON object per line: text, neg, neu, pos, compound.
    Json,
}

/// Reads lines from stdin and prints one score per line (blank lines give 0).
pub fn run(
    format: SentimentFormat,
    lexicon: Option<&Path>,
    vader_only: bool,
) -> anyhow::Result<ExitCode> {
    let mut analyzer = if vader_only {
        Analyzer::vader_only()
    } else {
        Analyzer::new()
    };
    if let Some(path) = lexicon {
        analyzer = analyzer.with_extension_file(path)?;
    }
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let s = analyzer.score_text(&line);
        match format {
            SentimentFormat::Score => writeln!(out, "{:.4}", s.compound)?,
            SentimentFormat::Json => writeln!(
                out,
                "{}",
                serde_json::json!({
                    "text": line,
                    "neg": round(s.neg, 3),
                    "neu": round(s.neu, 3),
                    "pos": round(s.pos, 3),
                    "compound": round(s.compound, 4),
                })
            )?,
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}
