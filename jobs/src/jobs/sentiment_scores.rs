//! `sentiment_scores`: the sentiment of every post, scored once and stored in
//! `derived/sentiment_scores/date=YYYY-MM-DD/scores.parquet` (one file per lake `date`
//! partition of `posts`), so jobs read scores instead of recomputing them.
//!
//! Incremental: `manifest.json` records, per day, the lake files (name and size) the day was
//! scored from and the scorer version. A refresh rescores only the days whose file list
//! changed (new files, a rewritten file, a new day), drops the days that left the lake, and
//! leaves every other day's file untouched. Scoring is parallel (rayon) over days and posts.

use crate::sentiment::Analyzer;
use crate::{Error, Result};
use arrow::array::{Array, ArrayRef, Float64Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Folder name under `derived/`.
pub const NAME: &str = "sentiment_scores";

/// Identifies the scorer; a change rescores every day. Bump when the lexicons or rules change.
pub const SCORER: &str = "vader-3.3.2+workplace+french/score_text/body/1";

const MANIFEST: &str = "manifest.json";
const FILE: &str = "scores.parquet";

/// Schema of the stored scores (the `date` partition column is in the path).
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("post_id", DataType::Utf8, false),
        Field::new("thread_id", DataType::Utf8, false),
        Field::new(
            "created_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("compound", DataType::Float64, false),
        Field::new("pos", DataType::Float64, false),
        Field::new("neu", DataType::Float64, false),
        Field::new("neg", DataType::Float64, false),
    ]))
}

/// What a refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    /// Days (re)scored because their lake files changed or were new.
    pub days_scored: usize,
    /// Days whose lake files were unchanged, so their scores were kept.
    pub days_unchanged: usize,
    /// Days that left the lake; their scores were removed.
    pub days_removed: usize,
    /// Posts scored in this refresh.
    pub posts_scored: usize,
}

/// `manifest.json`: what each day's scores were computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`SCORER`] at the time of scoring.
    pub scorer: String,
    /// Day (`YYYY-MM-DD`) → the lake files of that day as (file name, size in bytes).
    pub days: BTreeMap<String, Vec<(String, u64)>>,
}

impl Manifest {
    /// Reads `derived/sentiment_scores/manifest.json` (empty if absent).
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join(MANIFEST);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Data {
                path: path.display().to_string(),
                field: "days".into(),
                message: format!("not a sentiment-scores manifest: {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(source) => Err(Error::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The `posts` table's day folders and their data files (name, size), as the lake holds them
/// now. Hidden and temporary files are skipped, as every lake reader skips them.
fn lake_days(lake: &Path) -> Result<BTreeMap<String, Vec<(String, u64)>>> {
    let posts = lake.join("posts");
    let mut days = BTreeMap::new();
    let entries = match std::fs::read_dir(&posts) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(days),
        Err(source) => return Err(io(&posts)(source)),
    };
    for entry in entries {
        let entry = entry.map_err(io(&posts))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(day) = name.strip_prefix("date=") else {
            continue;
        };
        let dir = entry.path();
        let mut files = Vec::new();
        for f in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let f = f.map_err(io(&dir))?;
            let fname = f.file_name().to_string_lossy().into_owned();
            if fname.starts_with('.') || fname.starts_with('_') || !fname.ends_with(".parquet") {
                continue;
            }
            let size = f.metadata().map_err(io(&f.path()))?.len();
            files.push((fname, size));
        }
        files.sort();
        if !files.is_empty() {
            days.insert(day.to_string(), files);
        }
    }
    Ok(days)
}

/// Brings `derived/sentiment_scores/` up to date with the lake's `posts` table.
pub fn refresh(lake: &Path, derived: &Path, analyzer: &Analyzer) -> Result<Refreshed> {
    let dir = derived.join(NAME);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let old = Manifest::read(&dir)?;
    let now = lake_days(lake)?;
    let same_scorer = old.scorer == SCORER;
    let stale: Vec<(&String, &Vec<(String, u64)>)> = now
        .iter()
        .filter(|(day, files)| {
            !same_scorer
                || old.days.get(*day) != Some(*files)
                || !dir.join(format!("date={day}")).join(FILE).exists()
        })
        .collect();
    let mut out = Refreshed {
        days_unchanged: now.len() - stale.len(),
        days_scored: stale.len(),
        ..Default::default()
    };
    // Days in parallel, and the posts of each day in parallel inside (rayon nests).
    let counts: Vec<usize> = stale
        .par_iter()
        .map(|(day, files)| {
            let src = lake.join("posts").join(format!("date={day}"));
            let paths: Vec<PathBuf> = files.iter().map(|(f, _)| src.join(f)).collect();
            score_day(&paths, &dir.join(format!("date={day}")), analyzer)
        })
        .collect::<Result<_>>()?;
    out.posts_scored = counts.iter().sum();
    for day in old.days.keys().filter(|d| !now.contains_key(*d)) {
        let gone = dir.join(format!("date={day}"));
        if gone.exists() {
            std::fs::remove_dir_all(&gone).map_err(io(&gone))?;
        }
        out.days_removed += 1;
    }
    let manifest = Manifest {
        scorer: SCORER.to_string(),
        days: now,
    };
    let bytes = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    write_atomic(&dir.join(MANIFEST), &bytes)?;
    tracing::info!(
        days_scored = out.days_scored,
        days_unchanged = out.days_unchanged,
        days_removed = out.days_removed,
        posts_scored = out.posts_scored,
        "Sentiment scores refreshed."
    );
    Ok(out)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Scores every post in the given lake files and writes one `scores.parquet` into `out_dir`.
fn score_day(files: &[PathBuf], out_dir: &Path, analyzer: &Analyzer) -> Result<usize> {
    let mut batches = Vec::new();
    for path in files {
        let pq = |source| Error::Parquet {
            path: path.display().to_string(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io(path))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(pq)?;
        let arrow_schema = builder.schema().clone();
        let mut roots = Vec::new();
        for name in ["post_id", "thread_id", "created_at", "body"] {
            let i = arrow_schema.index_of(name).map_err(|_| Error::Data {
                path: path.display().to_string(),
                field: name.into(),
                message: "column missing from a posts file".into(),
            })?;
            roots.push(i);
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(8192)
            .build()
            .map_err(pq)?;
        for batch in reader {
            let batch = batch.map_err(|e| Error::Parquet {
                path: path.display().to_string(),
                source: e.into(),
            })?;
            batches.push(score_batch(&batch, analyzer, path)?);
        }
    }
    let rows = batches.iter().map(RecordBatch::num_rows).sum();
    std::fs::create_dir_all(out_dir).map_err(io(out_dir))?;
    let target = out_dir.join(FILE);
    let tmp = out_dir.join(format!(".{FILE}.tmp"));
    let pq = |source| Error::Parquet {
        path: target.display().to_string(),
        source,
    };
    let file = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut w = ArrowWriter::try_new(file, schema(), Some(props)).map_err(pq)?;
    for b in &batches {
        w.write(b).map_err(pq)?;
    }
    w.close().map_err(pq)?;
    std::fs::rename(&tmp, &target).map_err(io(&target))?;
    Ok(rows)
}

fn score_batch(batch: &RecordBatch, analyzer: &Analyzer, path: &Path) -> Result<RecordBatch> {
    let col = |name: &str| -> Result<&ArrayRef> {
        batch.column_by_name(name).ok_or_else(|| Error::Data {
            path: path.display().to_string(),
            field: name.into(),
            message: "column missing".into(),
        })
    };
    let wrong = |name: &str, want: &str| Error::Data {
        path: path.display().to_string(),
        field: name.into(),
        message: format!("expected {want}"),
    };
    let body = col("body")?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| wrong("body", "utf8"))?;
    let created = col("created_at")?
        .as_any()
        .downcast_ref::<TimestampMicrosecondArray>()
        .ok_or_else(|| wrong("created_at", "timestamp(us)"))?;
    let scores: Vec<crate::sentiment::Scores> = (0..body.len())
        .into_par_iter()
        .with_min_len(64)
        .map(|i| {
            if body.is_null(i) {
                crate::sentiment::Scores::default()
            } else {
                analyzer.score_text(body.value(i))
            }
        })
        .collect();
    let f = |get: fn(&crate::sentiment::Scores) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(scores.iter().map(get)))
    };
    let created: ArrayRef =
        Arc::new(TimestampMicrosecondArray::from(created.values().to_vec()).with_timezone("UTC"));
    RecordBatch::try_new(
        schema(),
        vec![
            col("post_id")?.clone(),
            col("thread_id")?.clone(),
            created,
            f(|s| s.compound),
            f(|s| s.pos),
            f(|s| s.neu),
            f(|s| s.neg),
        ],
    )
    .map_err(|e| Error::Data {
        path: path.display().to_string(),
        field: "post_id".into(),
        message: e.to_string(),
    })
}
