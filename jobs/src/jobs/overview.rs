//! `overview`: what is in the lake, week by week — volume, teams (above the privacy floor),
//! feedback and quarantine. Writes `derived/overview/as_of=DATE/<query>.parquet` and a
//! Markdown report.

use crate::output::{self, Format};
use crate::{Error, Result, sql};
use arrow::record_batch::RecordBatch;
use datafusion::prelude::SessionContext;
use std::path::{Path, PathBuf};

/// Queries of this job, in report order, with their headings.
const SECTIONS: &[(&str, &str)] = &[
    ("weekly_volume", "Posts per week and kind"),
    (
        "team_volume",
        "Posts per team (teams with enough distinct authors)",
    ),
    ("feedback_by_type", "Feedback on learning resources"),
    ("quarantine_reasons", "Quarantined records"),
];

/// What the job wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// Derived Parquet tables.
    pub tables: Vec<PathBuf>,
    /// The Markdown report.
    pub report: PathBuf,
}

/// Runs the job; re-running replaces the outputs of the same `as_of`.
pub async fn run(
    ctx: &SessionContext,
    derived: &Path,
    reports: &Path,
    as_of: chrono::NaiveDate,
    min_group_size: u32,
) -> Result<Written> {
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| Error::Io { path, source }
    };
    let dir = derived.join("overview").join(format!("as_of={as_of}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    std::fs::create_dir_all(reports).map_err(io(reports))?;
    let mut report = format!("# murmur overview — as of {as_of}\n\n");
    let mut tables = Vec::new();
    for (name, heading) in SECTIONS {
        let q = sql::get(name).expect("overview queries are embedded");
        let text = q.render(&[("min_group_size", i64::from(min_group_size))]);
        let batches = crate::session::query(ctx, &text).await?;
        let path = dir.join(format!("{name}.parquet"));
        write_parquet(&path, &batches)?;
        tables.push(path);
        report.push_str(&format!("## {heading}\n\n```\n"));
        let mut buf = Vec::new();
        output::write(&batches, Format::Table, &mut buf)?;
        report.push_str(&String::from_utf8_lossy(&buf));
        report.push_str("```\n\n");
    }
    let report_path = reports.join("overview.md");
    std::fs::write(&report_path, report).map_err(io(&report_path))?;
    Ok(Written {
        tables,
        report: report_path,
    })
}

fn write_parquet(path: &Path, batches: &[RecordBatch]) -> Result<()> {
    use datafusion::parquet::arrow::ArrowWriter;
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let file = std::fs::File::create(path).map_err(io)?;
    let mut w =
        ArrowWriter::try_new(file, first.schema(), None).map_err(|e| Error::Query(e.into()))?;
    for b in batches {
        w.write(b).map_err(|e| Error::Query(e.into()))?;
    }
    w.close().map_err(|e| Error::Query(e.into()))?;
    Ok(())
}
