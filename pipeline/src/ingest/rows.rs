//! The columns of lake files being filled, and their conversion to Arrow record batches.
//!
//! Ingest appends each accepted event straight into the builders of its file's columns
//! (one copy of each string, from the raw event), so nothing is kept per event in between.

use super::Source;
use crate::contract::{Feedback, Post, Rejection};
use crate::lake::Table;
use crate::{Error, Result};
use arrow::array::{
    ArrayRef, BinaryBuilder, BooleanBuilder, Int8Builder, Int32Builder, Int64Array, Int64Builder,
    ListBuilder, StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::record_batch::RecordBatch;
use std::borrow::Cow;
use std::sync::Arc;

fn strs() -> StringBuilder {
    StringBuilder::new()
}

fn ts() -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::new().with_timezone("UTC")
}

fn list_append(b: &mut ListBuilder<StringBuilder>, v: &Option<Vec<Cow<'_, str>>>) {
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

/// The columns of a `posts` file, in schema order.
#[derive(Debug)]
pub struct PostColumns {
    post_id: StringBuilder,
    thread_id: StringBuilder,
    parent_id: StringBuilder,
    kind: StringBuilder,
    author: StringBuilder,
    team: StringBuilder,
    role: StringBuilder,
    site: StringBuilder,
    channel: StringBuilder,
    created: TimestampMicrosecondBuilder,
    title: StringBuilder,
    body: StringBuilder,
    tags: ListBuilder<StringBuilder>,
    accepted: BooleanBuilder,
    resources: ListBuilder<StringBuilder>,
}

impl PostColumns {
    fn new() -> Self {
        PostColumns {
            post_id: strs(),
            thread_id: strs(),
            parent_id: strs(),
            kind: strs(),
            author: strs(),
            team: strs(),
            role: strs(),
            site: strs(),
            channel: strs(),
            created: ts(),
            title: strs(),
            body: strs(),
            tags: ListBuilder::new(strs()),
            accepted: BooleanBuilder::new(),
            resources: ListBuilder::new(strs()),
        }
    }

    fn append(&mut self, p: &Post<'_>, author: &str) {
        self.post_id.append_value(&p.post_id);
        self.thread_id.append_value(&p.thread_id);
        self.parent_id.append_option(p.parent_id.as_deref());
        self.kind.append_value(p.kind.as_str());
        self.author.append_value(author);
        self.team.append_value(&p.team);
        self.role.append_option(p.role.as_deref());
        self.site.append_option(p.site.as_deref());
        self.channel.append_value(&p.channel);
        self.created.append_value(p.created_at);
        self.title.append_option(p.title.as_deref());
        self.body.append_value(&p.body);
        list_append(&mut self.tags, &p.tags);
        self.accepted.append_option(p.accepted);
        list_append(&mut self.resources, &p.resource_ids);
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.post_id.finish()),
            Arc::new(self.thread_id.finish()),
            Arc::new(self.parent_id.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.author.finish()),
            Arc::new(self.team.finish()),
            Arc::new(self.role.finish()),
            Arc::new(self.site.finish()),
            Arc::new(self.channel.finish()),
            Arc::new(self.created.finish()),
            Arc::new(self.title.finish()),
            Arc::new(self.body.finish()),
            Arc::new(self.tags.finish()),
            Arc::new(self.accepted.finish()),
            Arc::new(self.resources.finish()),
        ]
    }
}

/// The columns of a `feedback` file, in schema order.
#[derive(Debug)]
pub struct FeedbackColumns {
    event_id: StringBuilder,
    resource_id: StringBuilder,
    user_id: StringBuilder,
    team: StringBuilder,
    role: StringBuilder,
    kind: StringBuilder,
    value: Int8Builder,
    comment: StringBuilder,
    post_id: StringBuilder,
    occurred: TimestampMicrosecondBuilder,
}

impl FeedbackColumns {
    fn new() -> Self {
        FeedbackColumns {
            event_id: strs(),
            resource_id: strs(),
            user_id: strs(),
            team: strs(),
            role: strs(),
            kind: strs(),
            value: Int8Builder::new(),
            comment: strs(),
            post_id: strs(),
            occurred: ts(),
        }
    }

    fn append(&mut self, f: &Feedback<'_>, user: &str) {
        self.event_id.append_value(&f.event_id);
        self.resource_id.append_value(&f.resource_id);
        self.user_id.append_value(user);
        self.team.append_option(f.team.as_deref());
        self.role.append_option(f.role.as_deref());
        self.kind.append_value(f.kind.as_str());
        self.value.append_option(f.value);
        self.comment.append_option(f.comment.as_deref());
        self.post_id.append_option(f.post_id.as_deref());
        self.occurred.append_value(f.occurred_at);
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.event_id.finish()),
            Arc::new(self.resource_id.finish()),
            Arc::new(self.user_id.finish()),
            Arc::new(self.team.finish()),
            Arc::new(self.role.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.comment.finish()),
            Arc::new(self.post_id.finish()),
            Arc::new(self.occurred.finish()),
        ]
    }
}

/// The columns of a `quarantine` file, in schema order.
#[derive(Debug)]
pub struct QuarantineColumns {
    code: StringBuilder,
    field: StringBuilder,
    reason: StringBuilder,
    raw: BinaryBuilder,
    size: Int64Builder,
}

impl QuarantineColumns {
    fn new() -> Self {
        QuarantineColumns {
            code: strs(),
            field: strs(),
            reason: strs(),
            raw: BinaryBuilder::new(),
            size: Int64Builder::new(),
        }
    }

    fn finish(mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.code.finish()),
            Arc::new(self.field.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.raw.finish()),
            Arc::new(self.size.finish()),
        ]
    }
}

/// Buffers are keyed by table, and each is created with its table's columns.
const ONE_TABLE: &str = "a buffer's columns are those of its table";

/// The table columns of one lake file being filled (the lineage columns are added when
/// the file is written).
#[derive(Debug)]
pub enum Columns {
    /// A `posts` file.
    Posts(Box<PostColumns>),
    /// A `feedback` file.
    Feedback(Box<FeedbackColumns>),
    /// A `quarantine` file.
    Quarantine(Box<QuarantineColumns>),
}

impl Columns {
    /// Empty columns of a table.
    pub fn new(table: Table) -> Self {
        match table {
            Table::Posts => Columns::Posts(Box::new(PostColumns::new())),
            Table::Feedback => Columns::Feedback(Box::new(FeedbackColumns::new())),
            Table::Quarantine => Columns::Quarantine(Box::new(QuarantineColumns::new())),
        }
    }

    /// Appends a post with its author's pseudonym.
    pub fn append_post(&mut self, p: &Post<'_>, author: &str) {
        let Columns::Posts(c) = self else {
            unreachable!("{ONE_TABLE}")
        };
        c.append(p, author);
    }

    /// Appends a feedback event with its user's pseudonym.
    pub fn append_feedback(&mut self, f: &Feedback<'_>, user: &str) {
        let Columns::Feedback(c) = self else {
            unreachable!("{ONE_TABLE}")
        };
        c.append(f, user);
    }

    /// Appends a rejected record: raw bytes with ids redacted, original size.
    pub fn append_rejected(&mut self, rejection: &Rejection, raw: &[u8], size: usize) {
        let Columns::Quarantine(c) = self else {
            unreachable!("{ONE_TABLE}")
        };
        c.code.append_value(rejection.code.as_str());
        c.field.append_option(rejection.field);
        c.reason.append_value(&rejection.message);
        c.raw.append_value(raw);
        c.size.append_value(size as i64);
    }

    fn finish(self) -> Vec<ArrayRef> {
        match self {
            Columns::Posts(c) => c.finish(),
            Columns::Feedback(c) => c.finish(),
            Columns::Quarantine(c) => c.finish(),
        }
    }
}

/// The rows of one file, turned into a record batch by the writer thread that writes it
/// (so the reading thread goes on reading).
#[derive(Debug)]
pub struct FileRows {
    /// The table.
    pub table: Table,
    /// The table's columns.
    pub columns: Columns,
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
    /// Rows in the file.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// The record batch: the table's columns, then where each row came from.
    pub fn into_batch(self) -> Result<RecordBatch> {
        let n = self.len();
        let table = self.table;
        let mut cols = self.columns.finish();
        let mut name = StringBuilder::with_capacity(n, n * self.source.name.len());
        let mut id = StringBuilder::with_capacity(n, n * self.source.id.len());
        let mut part = Int32Builder::with_capacity(n);
        let mut at = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
        for partition in &self.partitions {
            name.append_value(&self.source.name);
            id.append_value(&self.source.id);
            part.append_option(*partition);
            at.append_value(self.ingested_at);
        }
        cols.push(Arc::new(name.finish()));
        cols.push(Arc::new(id.finish()));
        cols.push(Arc::new(part.finish()));
        cols.push(Arc::new(Int64Array::from(self.positions)));
        cols.push(Arc::new(at.finish()));
        RecordBatch::try_new(table.schema(), cols).map_err(|source| Error::Arrow {
            table: table.name(),
            source,
        })
    }
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
