//! Buffered rows and their conversion to Arrow record batches.

use super::Source;
use crate::contract::{Event, Rejection};
use crate::lake::Table;
use crate::{Error, Result};
use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Int8Builder, Int32Builder, Int64Builder, ListBuilder,
    StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::record_batch::RecordBatch;
use std::sync::Arc;

/// One buffered row.
// Valid events are the common case; boxing them would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Row {
    /// A valid post or feedback event (ids pseudonymised).
    Event(Event),
    /// A rejected record.
    Rejected {
        /// Why.
        rejection: Rejection,
        /// Raw bytes with ids redacted.
        raw: Vec<u8>,
        /// Original size.
        size: usize,
    },
}

fn strs() -> StringBuilder {
    StringBuilder::new()
}

fn ts() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

fn list_append(b: &mut ListBuilder<StringBuilder>, v: &Option<Vec<String>>) {
    match v {
        Some(items) => {
            for s in items {
                b.values().append_value(s);
            }
            b.append(true);
        }
        None => b.append(false),
    }
}

/// The rows of one file, turned into a record batch by the writer thread that writes it
/// (so the reading thread goes on reading).
#[derive(Debug)]
pub struct FileRows {
    /// The table.
    pub table: Table,
    /// The rows.
    pub rows: Vec<Row>,
    /// Position (line, offset) of each row in its source.
    pub positions: Vec<i64>,
    /// Kafka partition of each row.
    pub partitions: Vec<Option<i32>>,
    /// Where the rows came from.
    pub source: Source,
    /// `ingested_at` of every row.
    pub ingested_at: i64,
}

impl FileRows {
    /// The record batch.
    pub fn to_batch(&self) -> Result<RecordBatch> {
        to_batch(
            self.table,
            &self.rows,
            &self.positions,
            &self.partitions,
            &self.source,
            self.ingested_at,
        )
    }
}

/// Builds the record batch of a buffer of rows of one table and one source id (the
/// partition of each row in `partitions`).
pub fn to_batch(
    table: Table,
    rows: &[Row],
    positions: &[i64],
    partitions: &[Option<i32>],
    src: &Source,
    ingested_at: i64,
) -> Result<RecordBatch> {
    let n = rows.len();
    let mut cols: Vec<ArrayRef> = match table {
        Table::Posts => posts(rows),
        Table::Feedback => feedback(rows),
        Table::Quarantine => quarantine(rows),
    };
    // Lineage: where each row came from.
    let mut name = strs();
    let mut id = strs();
    let mut part = Int32Builder::with_capacity(n);
    let mut at = ts();
    for partition in partitions {
        name.append_value(&src.name);
        id.append_value(&src.id);
        part.append_option(*partition);
        at.append_value(ingested_at);
    }
    cols.push(Arc::new(name.finish()));
    cols.push(Arc::new(id.finish()));
    cols.push(Arc::new(part.finish()));
    cols.push(Arc::new(arrow::array::Int64Array::from(positions.to_vec())));
    cols.push(Arc::new(at.finish()));
    RecordBatch::try_new(table.schema(), cols).map_err(|source| Error::Arrow {
        table: table.name(),
        source,
    })
}

fn posts(rows: &[Row]) -> Vec<ArrayRef> {
    let n = rows.len();
    let (mut post_id, mut thread_id, mut parent_id, mut kind) = (strs(), strs(), strs(), strs());
    let (mut author, mut team, mut role, mut site, mut channel) =
        (strs(), strs(), strs(), strs(), strs());
    let mut created = ts();
    let (mut title, mut body) = (strs(), strs());
    let mut tags = ListBuilder::new(strs());
    let mut accepted = BooleanBuilder::with_capacity(n);
    let mut resources = ListBuilder::new(strs());
    for row in rows {
        let Row::Event(Event::Post(p)) = row else {
            continue;
        };
        post_id.append_value(&p.post_id);
        thread_id.append_value(&p.thread_id);
        parent_id.append_option(p.parent_id.as_deref());
        kind.append_value(p.kind.as_str());
        author.append_value(&p.author_id);
        team.append_value(&p.team);
        role.append_option(p.role.as_deref());
        site.append_option(p.site.as_deref());
        channel.append_value(&p.channel);
        created.append_value(p.created_at);
        title.append_option(p.title.as_deref());
        body.append_value(&p.body);
        list_append(&mut tags, &p.tags);
        accepted.append_option(p.accepted);
        list_append(&mut resources, &p.resource_ids);
    }
    vec![
        Arc::new(post_id.finish()),
        Arc::new(thread_id.finish()),
        Arc::new(parent_id.finish()),
        Arc::new(kind.finish()),
        Arc::new(author.finish()),
        Arc::new(team.finish()),
        Arc::new(role.finish()),
        Arc::new(site.finish()),
        Arc::new(channel.finish()),
        Arc::new(created.finish()),
        Arc::new(title.finish()),
        Arc::new(body.finish()),
        Arc::new(tags.finish()),
        Arc::new(accepted.finish()),
        Arc::new(resources.finish()),
    ]
}

fn feedback(rows: &[Row]) -> Vec<ArrayRef> {
    let n = rows.len();
    let (mut event_id, mut resource_id, mut user_id, mut team, mut role, mut kind) =
        (strs(), strs(), strs(), strs(), strs(), strs());
    let mut value = Int8Builder::with_capacity(n);
    let (mut comment, mut post_id) = (strs(), strs());
    let mut occurred = ts();
    for row in rows {
        let Row::Event(Event::Feedback(f)) = row else {
            continue;
        };
        event_id.append_value(&f.event_id);
        resource_id.append_value(&f.resource_id);
        user_id.append_value(&f.user_id);
        team.append_option(f.team.as_deref());
        role.append_option(f.role.as_deref());
        kind.append_value(f.kind.as_str());
        value.append_option(f.value);
        comment.append_option(f.comment.as_deref());
        post_id.append_option(f.post_id.as_deref());
        occurred.append_value(f.occurred_at);
    }
    vec![
        Arc::new(event_id.finish()),
        Arc::new(resource_id.finish()),
        Arc::new(user_id.finish()),
        Arc::new(team.finish()),
        Arc::new(role.finish()),
        Arc::new(kind.finish()),
        Arc::new(value.finish()),
        Arc::new(comment.finish()),
        Arc::new(post_id.finish()),
        Arc::new(occurred.finish()),
    ]
}

fn quarantine(rows: &[Row]) -> Vec<ArrayRef> {
    let n = rows.len();
    let (mut code, mut field, mut reason) = (strs(), strs(), strs());
    let mut raw_b = BinaryBuilder::new();
    let mut size_b = Int64Builder::with_capacity(n);
    for row in rows {
        let Row::Rejected {
            rejection,
            raw,
            size,
        } = row
        else {
            continue;
        };
        code.append_value(rejection.code.as_str());
        field.append_option(rejection.field);
        reason.append_value(&rejection.message);
        raw_b.append_value(raw);
        size_b.append_value(*size as i64);
    }
    vec![
        Arc::new(code.finish()),
        Arc::new(field.finish()),
        Arc::new(reason.finish()),
        Arc::new(raw_b.finish()),
        Arc::new(size_b.finish()),
    ]
}

/// The values of a non-null string column, with an error naming the file if absent.
pub fn strings<'a>(batch: &'a RecordBatch, column: &str, path: &str) -> Result<Vec<&'a str>> {
    let array = batch
        .column_by_name(column)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| Error::Parquet {
            path: path.into(),
            source: parquet::errors::ParquetError::General(format!(
                "column {column} missing or not a string column"
            )),
        })?;
    Ok(array.iter().flatten().collect())
}
