//! `murmur query`: DataFusion SQL over the lake.

use crate::config::Config;
use murmur_jobs::output::Format;
use murmur_jobs::session::LakeTable;
use murmur_pipeline::lake::Table;
use std::process::ExitCode;

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

/// Runs one statement and prints the result.
pub fn run(config: &Config, sql: &str, format: Format) -> anyhow::Result<ExitCode> {
    if !config.lake.path.is_dir() {
        anyhow::bail!(
            "lake folder {} does not exist; ingest something first or pass --lake DIR",
            config.lake.path.display()
        );
    }
    let rt = tokio::runtime::Runtime::new()?;
    let batches = rt.block_on(async {
        let catalog = config
            .catalog
            .path
            .is_dir()
            .then_some(config.catalog.path.as_path());
        let ctx = murmur_jobs::session::open(&config.lake.path, &lake_tables(), catalog).await?;
        murmur_jobs::session::query(&ctx, sql).await
    })?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    murmur_jobs::output::write(&batches, format, &mut out)?;
    Ok(ExitCode::SUCCESS)
}
