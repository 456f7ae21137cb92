//! Which topic each thread belongs to, for jobs that report per topic.
//!
//! The topic model (rising-topics job) writes `derived/topics/as_of=DATE/topics.parquet`
//! (`topic_id`, `label`, `terms` list<utf8>) and
//! `derived/topic_assignments/as_of=DATE/assignments.parquet` (`thread_id`, `topic_id`;
//! replies inherit their thread's topic). [`load`] uses the newest `as_of` on or before the
//! requested one; without any, it falls back to tags (`sql/thread_tags.sql`): a thread
//! counts for every tag on its posts, as topic `tag:<tag>` labelled `<tag>`.
//!
//! [`load`] is the one place that knows this; when the topic job can be called directly,
//! only this function changes.

use crate::columns::Columns;
use crate::{Error, Result, sql};
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Name of the table [`load`] registers: `thread_topics(thread_id, topic_id)`.
pub const TABLE: &str = "thread_topics";

/// A topic's label and its characteristic terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    /// Short name for people.
    pub label: String,
    /// Characteristic terms.
    pub terms: Vec<String>,
}

/// Where the topics came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The topic model's output of this `as_of`.
    Model {
        /// The `as_of` folder used.
        as_of: NaiveDate,
    },
    /// Tags (no topic model output on or before the requested `as_of`).
    Tags,
}

/// The topics of a run: their origin and their descriptions.
#[derive(Debug, Clone)]
pub struct Topics {
    /// Model output or tags.
    pub origin: Origin,
    /// topic_id → label and terms (for the model; tags are described from their id).
    pub known: BTreeMap<String, Topic>,
}

impl Topics {
    /// Label and terms of a topic id (a `tag:` id describes itself).
    pub fn describe(&self, topic_id: &str) -> Topic {
        if let Some(t) = self.known.get(topic_id) {
            return t.clone();
        }
        let label = topic_id
            .strip_prefix("tag:")
            .unwrap_or(topic_id)
            .to_string();
        Topic {
            terms: vec![label.clone()],
            label,
        }
    }
}

/// The newest `derived/<job>/as_of=DATE/` folder with `DATE <= as_of` that holds `file`.
fn newest_as_of(dir: &Path, file: &str, as_of: NaiveDate) -> Result<Option<(NaiveDate, PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: dir.display().to_string(),
                source,
            });
        }
    };
    let mut best: Option<(NaiveDate, PathBuf)> = None;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(date) = name
            .strip_prefix("as_of=")
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        let path = entry.path().join(file);
        if date <= as_of && path.is_file() && best.as_ref().is_none_or(|(b, _)| date > *b) {
            best = Some((date, path));
        }
    }
    Ok(best)
}

/// Registers [`TABLE`] in `ctx` for a run as of `as_of` (exclusive end `end_us`, UTC
/// microseconds) and returns the topics' descriptions.
pub async fn load(
    ctx: &SessionContext,
    derived: &Path,
    as_of: NaiveDate,
    end_us: i64,
) -> Result<Topics> {
    let assignments = newest_as_of(
        &derived.join("topic_assignments"),
        "assignments.parquet",
        as_of,
    )?;
    let Some((model_as_of, assignments)) = assignments else {
        let q = sql::get("thread_tags").expect("thread_tags.sql is embedded");
        let df = ctx.sql(&q.render(&[("end_us", end_us)])).await?;
        ctx.register_table(TABLE, df.into_view())?;
        return Ok(Topics {
            origin: Origin::Tags,
            known: BTreeMap::new(),
        });
    };
    let topics_file = derived
        .join("topics")
        .join(format!("as_of={model_as_of}"))
        .join("topics.parquet");
    crate::session::register_parquet(ctx, "topic_assignments_file", &assignments).await?;
    let batches = ctx
        .sql("SELECT CAST(thread_id AS VARCHAR) AS thread_id, CAST(topic_id AS VARCHAR) AS topic_id FROM topic_assignments_file")
        .await
        .map_err(|e| Error::Data {
            path: assignments.display().to_string(),
            field: "thread_id, topic_id".into(),
            message: e.to_string(),
        })?
        .collect()
        .await?;
    let schema = batches.first().map(|b| b.schema()).unwrap_or_else(|| {
        Arc::new(arrow::datatypes::Schema::new(vec![
            arrow::datatypes::Field::new("thread_id", arrow::datatypes::DataType::Utf8, true),
            arrow::datatypes::Field::new("topic_id", arrow::datatypes::DataType::Utf8, true),
        ]))
    });
    crate::session::register_batches(ctx, TABLE, schema, &batches)?;
    let mut known = BTreeMap::new();
    if topics_file.is_file() {
        crate::session::register_parquet(ctx, "topics_file", &topics_file).await?;
        let bad = |field: &str, message: String| Error::Data {
            path: topics_file.display().to_string(),
            field: field.into(),
            message,
        };
        let batches = ctx
            .sql("SELECT CAST(topic_id AS VARCHAR) AS topic_id, CAST(label AS VARCHAR) AS label, terms FROM topics_file")
            .await
            .map_err(|e| bad("topic_id, label, terms", e.to_string()))?
            .collect()
            .await?;
        let source = topics_file.display().to_string();
        for b in &batches {
            let c = Columns::new(b, &source);
            let (ids, labels, terms) = (
                c.texts("topic_id")?,
                c.texts("label")?,
                c.string_lists("terms")?,
            );
            for ((id, label), terms) in ids.into_iter().zip(labels).zip(terms) {
                known.insert(id, Topic { label, terms });
            }
        }
    } else {
        tracing::warn!(
            path = %topics_file.display(),
            "Topic assignments without topics.parquet; topics are labelled by their id."
        );
    }
    Ok(Topics {
        origin: Origin::Model { as_of: model_as_of },
        known,
    })
}
