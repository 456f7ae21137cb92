//! The lake: date-partitioned Parquet tables behind the `object_store` API.
//!
//! Layout: `<table>/date=YYYY-MM-DD/part-<source>-<first>-<last>.parquet`, zstd-compressed
//! (but for small columns, see [`Lake::encode`]), timestamps as UTC microseconds. A file is
//! written under a hidden temporary name
//! (`.tmp-…`, ignored by every reader), fsynced, then renamed, so readers see whole files
//! or nothing. Names are deterministic from the source position, so re-ingesting the same
//! input produces the same names rather than new rows.

use crate::{Error, Result};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use bytes::Bytes;
use futures::TryStreamExt;
use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, local::LocalFileSystem, path::Path as ObjectPath,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Prefix of files being written; readers ignore hidden files.
pub const TEMP_PREFIX: &str = ".tmp-";

/// A table of the lake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// Valid `post/v1` events.
    Posts,
    /// Valid `feedback/v1` events.
    Feedback,
    /// Everything that failed validation, with raw bytes and reason.
    Quarantine,
}

impl Table {
    /// All tables.
    pub const ALL: [Table; 3] = [Table::Posts, Table::Feedback, Table::Quarantine];

    /// Folder and SQL table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Posts => "posts",
            Table::Feedback => "feedback",
            Table::Quarantine => "quarantine",
        }
    }

    /// Column holding the id that is kept once (none for quarantine).
    pub fn id_column(self) -> Option<&'static str> {
        match self {
            Table::Posts => Some("post_id"),
            Table::Feedback => Some("event_id"),
            Table::Quarantine => None,
        }
    }

    /// Categories, flags and per-batch constants, stored without compression (see
    /// [`Lake::encode`]).
    fn small_columns(self) -> impl Iterator<Item = &'static str> {
        let own: &[&str] = match self {
            Table::Posts => &["kind", "team", "role", "site", "channel", "accepted"],
            Table::Feedback => &["team", "role", "type", "value"],
            Table::Quarantine => &["reason_code", "field"],
        };
        own.iter().chain(CONSTANT_LINEAGE_COLUMNS).copied()
    }

    /// Free text: no min/max statistics, which no query prunes on (comparing every value
    /// was ~2% of Kafka ingest's CPU).
    fn text_columns(self) -> &'static [&'static str] {
        match self {
            Table::Posts => &["title", "body"],
            Table::Feedback => &["comment"],
            Table::Quarantine => &["reason", "raw"],
        }
    }

    /// Pseudonyms: 32 hex digits of an HMAC, random to a compressor. zstd level 1 stores
    /// them smaller than level 3 and in about 60% of the time (the dictionary page of
    /// 1,531 authors: 25.9 KB in 126 µs against 27.1 KB in 211 µs).
    fn pseudonym_columns(self) -> &'static [&'static str] {
        match self {
            Table::Posts => &["author_id"],
            Table::Feedback => &["user_id"],
            Table::Quarantine => &[],
        }
    }

    /// Columns holding a different value in every row (no Parquet dictionary).
    fn unique_columns(self) -> &'static [&'static str] {
        match self {
            Table::Posts => &["post_id", "body", "source_position"],
            Table::Feedback => &["event_id", "source_position"],
            Table::Quarantine => &["raw", "source_position"],
        }
    }

    /// The Arrow schema of the table's files (the `date` partition column is in the path).
    pub fn schema(self) -> SchemaRef {
        static SCHEMAS: OnceLock<[SchemaRef; 3]> = OnceLock::new();
        let all = SCHEMAS.get_or_init(|| [posts_schema(), feedback_schema(), quarantine_schema()]);
        all[self as usize].clone()
    }
}

/// Lineage columns every table ends with that hold one value per batch, or nearly.
const CONSTANT_LINEAGE_COLUMNS: &[&str] = &[
    "source_name",
    "source_id",
    "source_partition",
    "ingested_at",
];

/// A column whose values (with offsets and validity) in a file take fewer bytes than this is
/// stored uncompressed.
const MIN_COMPRESSED_BYTES: usize = 1024;

/// UTC timestamp in microseconds, the lake's one time type.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn list_of_strings() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

fn lineage_fields() -> Vec<Field> {
    vec![
        Field::new("source_name", DataType::Utf8, false),
        Field::new("source_id", DataType::Utf8, false),
        Field::new("source_partition", DataType::Int32, true),
        Field::new("source_position", DataType::Int64, false),
        Field::new("ingested_at", timestamp_type(), false),
    ]
}

fn posts_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("post_id", DataType::Utf8, false),
        Field::new("thread_id", DataType::Utf8, false),
        Field::new("parent_id", DataType::Utf8, true),
        Field::new("kind", DataType::Utf8, false),
        Field::new("author_id", DataType::Utf8, false),
        Field::new("team", DataType::Utf8, false),
        Field::new("role", DataType::Utf8, true),
        Field::new("site", DataType::Utf8, true),
        Field::new("channel", DataType::Utf8, false),
        Field::new("created_at", timestamp_type(), false),
        Field::new("title", DataType::Utf8, true),
        Field::new("body", DataType::Utf8, false),
        Field::new("tags", list_of_strings(), true),
        Field::new("accepted", DataType::Boolean, true),
        Field::new("resource_ids", list_of_strings(), true),
    ];
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
}

fn feedback_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("event_id", DataType::Utf8, false),
        Field::new("resource_id", DataType::Utf8, false),
        Field::new("user_id", DataType::Utf8, false),
        Field::new("team", DataType::Utf8, true),
        Field::new("role", DataType::Utf8, true),
        Field::new("type", DataType::Utf8, false),
        Field::new("value", DataType::Int8, true),
        Field::new("comment", DataType::Utf8, true),
        Field::new("post_id", DataType::Utf8, true),
        Field::new("occurred_at", timestamp_type(), false),
    ];
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
}

fn quarantine_schema() -> SchemaRef {
    let mut fields = vec![
        Field::new("reason_code", DataType::Utf8, false),
        Field::new("field", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("raw", DataType::Binary, false),
        Field::new("raw_bytes", DataType::Int64, false),
    ];
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
}

/// Days since 1970-01-01 of a UTC microsecond timestamp.
pub fn day_of(micros: i64) -> i32 {
    micros.div_euclid(86_400_000_000) as i32
}

/// `YYYY-MM-DD` of a day number.
pub fn day_string(day: i32) -> String {
    let date = chrono::DateTime::from_timestamp(i64::from(day) * 86_400, 0)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    date.format("%Y-%m-%d").to_string()
}

/// The lake: a local folder (default) or any object store.
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    /// Set for a local folder: writes go through the file system so they can be fsynced.
    local_root: Option<PathBuf>,
    display: String,
    runtime: tokio::runtime::Runtime,
    zstd_level: i32,
}

impl std::fmt::Debug for Lake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lake").field("at", &self.display).finish()
    }
}

impl Lake {
    /// Opens (creating if needed) a lake in a local folder, and removes temporary files
    /// left by a process that died mid-write.
    pub fn open_local(root: &Path) -> Result<Lake> {
        let io = |source| Error::LakeIo {
            path: root.display().to_string(),
            source,
        };
        for table in Table::ALL {
            std::fs::create_dir_all(root.join(table.name())).map_err(io)?;
        }
        let root = root.canonicalize().map_err(io)?;
        let store = LocalFileSystem::new_with_prefix(&root).map_err(|source| Error::Store {
            path: root.display().to_string(),
            source,
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("murmur-lake-io")
            .enable_all()
            .build()
            .map_err(io)?;
        let lake = Lake {
            store: Arc::new(store),
            display: root.display().to_string(),
            local_root: Some(root),
            runtime,
            zstd_level: 3,
        };
        lake.remove_stale_temp_files()?;
        Ok(lake)
    }

    /// Where the lake is, for messages.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The local folder, when the lake is one.
    pub fn local_root(&self) -> Option<&Path> {
        self.local_root.as_deref()
    }

    fn remove_stale_temp_files(&self) -> Result<()> {
        let Some(root) = &self.local_root else {
            return Ok(());
        };
        for table in Table::ALL {
            let dir = root.join(table.name());
            let Ok(parts) = std::fs::read_dir(&dir) else {
                continue;
            };
            for part in parts.flatten() {
                let Ok(files) = std::fs::read_dir(part.path()) else {
                    continue;
                };
                for file in files.flatten() {
                    if file.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                        tracing::info!(file = %file.path().display(), "Removing temporary file left by an interrupted write.");
                        std::fs::remove_file(file.path()).map_err(|source| Error::LakeIo {
                            path: file.path().display().to_string(),
                            source,
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Object path of a data file.
    pub fn file_path(table: Table, day: i32, name: &str) -> String {
        format!("{}/date={}/{}", table.name(), day_string(day), name)
    }

    /// Encodes a batch as a zstd Parquet file in memory.
    pub fn encode(
        &self,
        table: Table,
        batch: &arrow::record_batch::RecordBatch,
    ) -> Result<Vec<u8>> {
        Lake::encode_with(table, batch, self.writer_properties(table, batch))
    }

    /// Encodes a batch as a Parquet file in memory with the given settings (the lake's are
    /// [`Lake::writer_properties`]; `examples/encode_cost.rs` measures others).
    pub fn encode_with(
        table: Table,
        batch: &arrow::record_batch::RecordBatch,
        properties: WriterProperties,
    ) -> Result<Vec<u8>> {
        let perr = |source| Error::Parquet {
            path: table.name().to_string(),
            source,
        };
        let mut buf = Vec::with_capacity(1 << 20);
        let mut writer =
            ArrowWriter::try_new(&mut buf, batch.schema(), Some(properties)).map_err(perr)?;
        writer.write(batch).map_err(perr)?;
        writer.close().map_err(perr)?;
        Ok(buf)
    }

    /// Parquet settings for a batch of a table: zstd, except for columns that are small by
    /// nature or small in this batch. Public for `examples/encode_cost.rs`.
    pub fn writer_properties(
        &self,
        table: Table,
        batch: &arrow::record_batch::RecordBatch,
    ) -> WriterProperties {
        let mut builder = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(self.zstd_level).unwrap_or_default(),
            ))
            .set_max_row_group_row_count(Some(1 << 20))
            .set_created_by(format!("murmur {}", env!("CARGO_PKG_VERSION")));
        // Categories, flags and per-batch constants take a few bytes per page once
        // dictionary- and run-length-encoded; a zstd frame makes them larger, and each
        // compressed column chunk costs a compression context (and its CPU feature probe).
        for column in table.small_columns() {
            builder =
                builder.set_column_compression(ColumnPath::from(column), Compression::UNCOMPRESSED);
        }
        for column in table.pseudonym_columns() {
            builder = builder.set_column_compression(
                ColumnPath::from(*column),
                Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()),
            );
        }
        // Each compressed column chunk costs a zstd compression and decompression context
        // (parquet makes both), and zstd probes the CPU's features for each with `cpuid`,
        // which takes microseconds in a virtual machine: ~25 µs a chunk here. Not worth it
        // for a column with no values in this file (optional fields nobody sent) or a
        // few hundred bytes of them.
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            // The bytes in use, not the buffers' capacity: a builder starts with room for
            // 1,024 strings, so capacity is over 1 KiB for any string column.
            let used = column
                .to_data()
                .get_slice_memory_size()
                .unwrap_or(usize::MAX);
            if column.null_count() == column.len() || used < MIN_COMPRESSED_BYTES {
                let path = match field.data_type() {
                    DataType::List(item) => {
                        vec![field.name().clone(), "list".into(), item.name().clone()]
                    }
                    _ => vec![field.name().clone()],
                };
                builder = builder
                    .set_column_compression(ColumnPath::new(path), Compression::UNCOMPRESSED);
            }
        }
        // Unique per row: a dictionary only costs hashing and makes the page larger.
        for column in table.unique_columns() {
            builder = builder.set_column_dictionary_enabled(ColumnPath::from(*column), false);
        }
        for column in table.text_columns() {
            builder = builder
                .set_column_statistics_enabled(ColumnPath::from(*column), EnabledStatistics::None);
        }
        builder.build()
    }

    /// Whether an object exists.
    pub fn exists(&self, path: &str) -> Result<bool> {
        if let Some(root) = &self.local_root {
            return Ok(root.join(path).exists());
        }
        let p = ObjectPath::from(path);
        match self.runtime.block_on(self.store.head(&p)) {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(Error::Store {
                path: path.into(),
                source,
            }),
        }
    }

    /// Writes a whole file atomically: readers see all of it or nothing.
    /// Local: hidden temp file, fsync, rename, fsync of the folder.
    pub fn put_atomic(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        let Some(root) = &self.local_root else {
            let p = ObjectPath::from(path);
            return self
                .runtime
                .block_on(self.store.put(&p, PutPayload::from(bytes)))
                .map(|_| ())
                .map_err(|source| Error::Store {
                    path: path.into(),
                    source,
                });
        };
        let target = root.join(path);
        let dir = target.parent().expect("lake paths have a folder");
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |source| Error::LakeIo { path: p, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let name = target
            .file_name()
            .expect("lake paths name a file")
            .to_string_lossy();
        let temp = dir.join(format!("{TEMP_PREFIX}{name}.{}", std::process::id()));
        let result = (|| {
            let mut file = std::fs::File::create(&temp).map_err(io(&temp))?;
            file.write_all(&bytes).map_err(io(&temp))?;
            file.sync_all().map_err(io(&temp))?;
            drop(file);
            std::fs::rename(&temp, &target).map_err(io(&target))?;
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result
    }

    /// Data files of a table, optionally only one day, sorted by path.
    pub fn list_files(&self, table: Table, day: Option<i32>) -> Result<Vec<String>> {
        let prefix = match day {
            Some(d) => format!("{}/date={}", table.name(), day_string(d)),
            None => table.name().to_string(),
        };
        let p = ObjectPath::from(prefix.as_str());
        let listed: Vec<_> = match self
            .runtime
            .block_on(self.store.list(Some(&p)).try_collect::<Vec<_>>())
        {
            Ok(v) => v,
            Err(object_store::Error::NotFound { .. }) => Vec::new(),
            Err(source) => {
                return Err(Error::Store {
                    path: prefix,
                    source,
                });
            }
        };
        let mut files: Vec<String> = listed
            .into_iter()
            .map(|m| m.location.to_string())
            .filter(|p| {
                p.ends_with(".parquet")
                    && !p
                        .rsplit('/')
                        .next()
                        .is_some_and(|n| n.starts_with('.') || n.starts_with('_'))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Reads a whole object.
    pub fn get(&self, path: &str) -> Result<Bytes> {
        let p = ObjectPath::from(path);
        self.runtime
            .block_on(async { self.store.get(&p).await?.bytes().await })
            .map_err(|source| Error::Store {
                path: path.into(),
                source,
            })
    }

    /// Reads some columns of one Parquet file.
    pub fn read_columns(
        &self,
        path: &str,
        columns: &[&str],
    ) -> Result<Vec<arrow::record_batch::RecordBatch>> {
        use parquet::arrow::ProjectionMask;
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let perr = |source| Error::Parquet {
            path: path.into(),
            source,
        };
        let bytes = self.get(path)?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(perr)?;
        let schema = builder.parquet_schema();
        let indices: Vec<usize> = columns
            .iter()
            .filter_map(|c| schema.columns().iter().position(|col| col.name() == *c))
            .collect();
        let mask = ProjectionMask::leaves(schema, indices);
        let reader = builder.with_projection(mask).build().map_err(perr)?;
        reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| perr(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, StringBuilder};
    use arrow::datatypes::{Field, Schema};
    use arrow::record_batch::RecordBatch;

    /// A string column built the way ingest builds it (a builder with room for 1,024
    /// values) is stored uncompressed when its values are small, and zstd-compressed when
    /// they are not; a table's small-by-nature columns always go uncompressed.
    #[test]
    fn small_columns_in_a_file_are_not_compressed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let lake = Lake::open_local(dir.path()).expect("lake");
        let column = |n: usize, len: usize| -> ArrayRef {
            let mut b = StringBuilder::new();
            for i in 0..n {
                b.append_value(format!("{i:0len$}"));
            }
            Arc::new(b.finish())
        };
        let batch = RecordBatch::try_new(
            Arc::new(Schema::new(vec![
                Field::new("post_id", DataType::Utf8, false),
                Field::new("body", DataType::Utf8, false),
                Field::new("team", DataType::Utf8, false),
                Field::new("author_id", DataType::Utf8, false),
            ])),
            vec![
                column(20, 12),
                column(20, 400),
                column(20, 400),
                column(20, 64),
            ],
        )
        .expect("batch");
        let props = lake.writer_properties(Table::Posts, &batch);
        let compression = |c: &str| props.compression(&ColumnPath::from(c));
        assert_eq!(compression("post_id"), Compression::UNCOMPRESSED);
        assert!(matches!(compression("body"), Compression::ZSTD(_)));
        assert_eq!(compression("team"), Compression::UNCOMPRESSED);
        // Pseudonyms (random hex) at zstd level 1, the others at the lake's level.
        let level = |c: &str| match compression(c) {
            Compression::ZSTD(level) => level.compression_level(),
            other => panic!("{c}: expected zstd, got {other:?}"),
        };
        assert_eq!(level("author_id"), 1);
        assert_eq!(level("body"), 3);
        // Free text has no min/max statistics; ids keep theirs.
        let stats = |c: &str| props.statistics_enabled(&ColumnPath::from(c));
        assert_eq!(stats("body"), EnabledStatistics::None);
        assert_eq!(stats("post_id"), EnabledStatistics::Page);
    }
}
