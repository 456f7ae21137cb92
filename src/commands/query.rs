//! `murmur query`: DataFusion SQL over the lake.

use crate::config::Config;
use murmur_jobs::output::Format;
use murmur_jobs::session::LakeTable;
use murmur_pipeline::lake::Table;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// `--format` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned text table.
    Table,
    /// CSV with a header.
    Csv,
    /// JSON array of row objects.
    Json,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Table => Format::Table,
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
        }
    }
}

/// `--table NAME=PATH`: a Parquet file or folder registered beside the lake tables.
#[derive(Debug, Clone)]
pub struct ExtraTable {
    /// SQL table name.
    pub name: String,
    /// Parquet file or folder of Parquet files.
    pub path: PathBuf,
}

/// Parses `NAME=PATH` for clap.
pub fn parse_extra_table(s: &str) -> Result<ExtraTable, String> {
    match s.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok(ExtraTable {
            name: name.to_string(),
            path: PathBuf::from(path),
        }),
        _ => Err(format!("expected NAME=PATH, got {s:?}")),
    }
}

/// The lake tables as the jobs crate sees them.
pub fn lake_tables() -> Vec<LakeTable> {
    Table::ALL
        .iter()
        .map(|t| LakeTable {
            name: t.name().to_string(),
            schema: t.schema(),
        })
        .collect()
}

/// Runs one statement `repeat` times in one session and prints the last result; with
/// `timing`, prints to stderr each run's rows and seconds (the first from opening the
/// session, later ones from planning), not the printing.
pub fn run(
    config: &Config,
    sql: &str,
    format: Format,
    extra: &[ExtraTable],
    timing: bool,
    repeat: u32,
) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    let batches = rt.block_on(async {
        let mut started = Instant::now();
        let ctx = super::open_lake(config).await?;
        for t in extra {
            murmur_jobs::session::register_parquet(&ctx, &t.name, &t.path).await?;
        }
        let mut batches = Vec::new();
        for run in 1..=repeat {
            batches = murmur_jobs::session::query(&ctx, sql).await?;
            if timing {
                let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                let secs = started.elapsed().as_secs_f64();
                if repeat == 1 {
                    eprintln!("{rows} rows in {secs:.3} s");
                } else {
                    eprintln!("run {run}: {rows} rows in {secs:.3} s");
                }
            }
            started = Instant::now();
        }
        anyhow::Ok(batches)
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    murmur_jobs::output::write(&batches, format, &mut out)?;
    Ok(ExitCode::SUCCESS)
}
