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

use crate::{Error, Result, sql};
use arrow::array::{Array, ListArray, StringArray};
use chrono::NaiveDate;
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
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
    let read = |path: &Path, name: &str| {
        let path = path.display().to_string();
        let ctx = ctx.clone();
        let name = name.to_string();
        async move {
            ctx.register_parquet(&name, &path, ParquetReadOptions::default())
                .await?;
            Ok::<_, Error>(())
        }
    };
    read(&assignments, "topic_assignments_file").await?;
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
    ctx.register_table(TABLE, Arc::new(MemTable::try_new(schema, vec![batches])?))?;
    let mut known = BTreeMap::new();
    if topics_file.is_file() {
        read(&topics_file, "topics_file").await?;
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
        for b in batches {
            let utf8 = |i: usize| {
                arrow::compute::cast(b.column(i), &arrow::datatypes::DataType::Utf8)
                    .map_err(|e| bad("topic_id, label", format!("expected strings ({e})")))
            };
            let (ids_col, labels_col) = (utf8(0)?, utf8(1)?);
            let ids = ids_col.as_any().downcast_ref::<StringArray>();
            let labels = labels_col.as_any().downcast_ref::<StringArray>();
            // Parquet strings may come back as views; cast to plain lists of strings.
            let list_of_utf8 = arrow::datatypes::DataType::List(Arc::new(
                arrow::datatypes::Field::new("item", arrow::datatypes::DataType::Utf8, true),
            ));
            let terms_col = arrow::compute::cast(b.column(2), &list_of_utf8)
                .map_err(|e| bad("terms", format!("expected a list of strings ({e})")))?;
            let terms = terms_col.as_any().downcast_ref::<ListArray>();
            let (Some(ids), Some(labels), Some(terms)) = (ids, labels, terms) else {
                return Err(bad("terms", "expected a list of strings".into()));
            };
            for i in 0..b.num_rows() {
                let list = terms.value(i);
                let words = list
                    .as_any()
                    .downcast_ref::<StringArray>()
                    .ok_or_else(|| bad("terms", "expected a list of strings".into()))?;
                known.insert(
                    ids.value(i).to_string(),
                    Topic {
                        label: labels.value(i).to_string(),
                        terms: words.iter().flatten().map(str::to_string).collect(),
                    },
                );
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
