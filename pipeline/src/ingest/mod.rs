//! Ingest: raw events in, lake files out. Source-agnostic; `file` reads JSONL, Kafka later
//! feeds the same [`Ingestor`].
//!
//! Per event: [`prepare`] (parse, validate, pseudonymise; pure, run in parallel; the event
//! borrows its strings from the raw bytes), then [`Ingestor::accept`] (dedup, then append
//! to the column builders of the event's file; in source order). Buffers are per
//! (table, date, source) — one input file, or one Kafka topic with all its partitions — and
//! are written as one Parquet file each when they fill up, when the total buffered passes a
//! bound, or when the source ends.

pub mod file;
pub mod kafka;
mod rows;
mod writer;

use crate::contract::{self, Event, ReasonCode, Rejection};
use crate::lake::{Lake, Table, day_of};
use crate::pseudonym::{Pseudonym, Pseudonymiser};
use crate::{Error, Result};
use rows::{Columns, FileRows};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;
use writer::Writer;
use xxhash_rust::xxh3::xxh3_128;

/// Knobs of the ingest buffers. Defaults keep memory bounded (a few hundred MB at most).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IngestOptions {
    /// Rows at which one (table, date, source) buffer is written as a file.
    pub file_max_rows: usize,
    /// Events buffered in total before every buffer is written out.
    pub max_buffered_events: usize,
    /// Ids kept in memory for de-duplication before the least recently used days are
    /// dropped (they are re-read from the lake when an event for that day arrives again).
    pub dedup_index_max_ids: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            file_max_rows: 250_000,
            max_buffered_events: 250_000,
            dedup_index_max_ids: 2_000_000,
        }
    }
}

/// Where an event came from: a file line or a Kafka offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// What a person calls it: a file path or a topic.
    pub name: Arc<str>,
    /// Stable identity: file content hash (hex) or topic name.
    pub id: Arc<str>,
    /// Kafka partition.
    pub partition: Option<i32>,
}

/// The result of [`prepare`] for one raw event; a valid one borrows from the raw bytes.
// Valid events are the common case; boxing them would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Prepared<'a> {
    /// Valid, with the pseudonym of its author or user. The event's own `author_id` /
    /// `user_id` is emptied, so the raw id cannot reach the lake.
    Event(Event<'a>, Pseudonym),
    /// Rejected; `raw` has ids redacted.
    Rejected {
        /// Why.
        rejection: Rejection,
        /// The raw bytes, author/user ids replaced by pseudonyms.
        raw: Vec<u8>,
        /// Original size in bytes.
        size: usize,
    },
}

/// Parses, validates and pseudonymises one raw event. Pure: safe to run in parallel.
pub fn prepare<'a>(raw: Option<&'a [u8]>, pseudo: &Pseudonymiser) -> Prepared<'a> {
    let Some(raw) = raw else {
        return Prepared::Rejected {
            rejection: Rejection::null_message(),
            raw: Vec::new(),
            size: 0,
        };
    };
    match contract::parse_event(raw) {
        Ok(mut event) => {
            let raw_id = match &mut event {
                Event::Post(p) => &mut p.author_id,
                Event::Feedback(f) => &mut f.user_id,
            };
            let pseudonym = pseudo.pseudonym(raw_id);
            *raw_id = Cow::Borrowed("");
            Prepared::Event(event, pseudonym)
        }
        Err(rejection) => Prepared::Rejected {
            rejection,
            raw: pseudo.redact(raw),
            size: raw.len(),
        },
    }
}

/// Counts of one ingest run.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Stats {
    /// Events read.
    pub read: u64,
    /// New rows written per table (`posts`, `feedback`, `quarantine`).
    pub accepted: BTreeMap<&'static str, u64>,
    /// Valid events already in the lake (same id), kept once, per table.
    pub duplicates: BTreeMap<&'static str, u64>,
    /// Rejected events per reason code.
    pub quarantined: BTreeMap<&'static str, u64>,
    /// Rejected events already in quarantine from an earlier run of the same input.
    pub already_quarantined: u64,
    /// Parquet files written.
    pub files_written: u64,
    /// Bytes of Parquet written.
    pub bytes_written: u64,
}

impl Stats {
    /// Rows newly written to posts and feedback.
    pub fn accepted_events(&self) -> u64 {
        self.accepted.get("posts").copied().unwrap_or(0)
            + self.accepted.get("feedback").copied().unwrap_or(0)
    }
    /// Events newly quarantined.
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum()
    }
    /// Duplicates over all tables.
    pub fn duplicates_total(&self) -> u64 {
        self.duplicates.values().sum()
    }
}

/// What [`Ingestor::accept`] did with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// A new row, buffered for the lake.
    New,
    /// A valid event whose id is already in the lake or this run: kept once.
    Duplicate,
    /// A rejected record, buffered for the quarantine table.
    Quarantined,
    /// A rejected record already in quarantine from an earlier run.
    AlreadyQuarantined,
}

/// Hashes a key that already is a 128-bit xxh3 hash by folding it to 64 bits: hashing it
/// again with SipHash was a visible part of ingest CPU.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u128 keys are hashed here; stay correct for anything else.
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = (n as u64) ^ ((n >> 64) as u64);
    }
}

/// A set of xxh3-128 keys.
type KeySet = std::collections::HashSet<u128, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct DayIds {
    ids: KeySet,
    last_used: u64,
}

/// Ids already in the lake or in this run, per (table, day), loaded lazily and bounded.
struct DedupIndex {
    /// Looked up per event, so hashed with FxHash.
    days: FxHashMap<(Table, i32), DayIds>,
    total: usize,
    clock: u64,
}

struct Buffer {
    columns: Columns,
    positions: Vec<i64>,
    /// The source (e.g. Kafka partition) of each row.
    sources: Vec<usize>,
}

/// Turns prepared events into lake files, keeping each id once.
pub struct Ingestor {
    lake: Arc<Lake>,
    options: IngestOptions,
    index: DedupIndex,
    quarantine_keys: KeySet,
    /// Keyed by (table, day, group): sources that differ only by partition (the
    /// partitions of one topic) share a group, and so a file per table and day. Looked up
    /// once per event, so hashed with FxHash; written in key order.
    buffers: FxHashMap<(Table, i32, usize), Buffer>,
    buffered: usize,
    sources: Vec<Source>,
    /// The group of each source: the index of the first source with its name and id.
    groups: Vec<usize>,
    writer: Writer,
    stats: Stats,
    /// New rows and duplicates per table (by `Table as usize`), counted here per event and
    /// moved into `stats` by `finish`: a map update per event was visible in profiles.
    accepted: [u64; 3],
    duplicates: [u64; 3],
    ingested_at: i64,
}

fn event_table(event: &Event) -> Table {
    match event {
        Event::Post(_) => Table::Posts,
        Event::Feedback(_) => Table::Feedback,
    }
}

fn quarantine_key(source_id: &str, partition: Option<i32>, position: i64) -> u128 {
    let key = format!("{source_id}\u{0}{}\u{0}{position}", partition.unwrap_or(-1));
    xxh3_128(key.as_bytes())
}

impl Ingestor {
    /// An ingestor writing to `lake`. Reads the quarantine keys already in the lake so a
    /// bad record seen again is not quarantined twice.
    pub fn new(lake: Arc<Lake>, options: IngestOptions) -> Result<Self> {
        let quarantine_keys = load_quarantine_keys(&lake)?;
        // Rows being written are bounded too: at most 1.5 × `max_buffered_events` rows are
        // in memory. Half is enough for reading to go on while a Kafka batch (100,000 by
        // default) or a file-ingest flush is written; the whole bound measured the same speed
        // for ~100 MB more.
        let writer = Writer::start(lake.clone(), options.max_buffered_events / 2);
        Ok(Ingestor {
            lake,
            options,
            index: DedupIndex {
                days: FxHashMap::default(),
                total: 0,
                clock: 0,
            },
            quarantine_keys,
            buffers: FxHashMap::default(),
            buffered: 0,
            sources: Vec::new(),
            groups: Vec::new(),
            writer,
            stats: Stats::default(),
            accepted: [0; 3],
            duplicates: [0; 3],
            ingested_at: chrono::Utc::now().timestamp_micros(),
        })
    }

    /// Forgets the ids and quarantine keys held in memory and re-reads the quarantine keys,
    /// so files another process wrote since are seen (Kafka calls this on each partition
    /// assignment). Ids are re-read per day on demand. Call with nothing buffered.
    pub fn refresh_from_lake(&mut self) -> Result<()> {
        debug_assert_eq!(self.buffered, 0, "refresh_from_lake with rows buffered");
        self.quarantine_keys = load_quarantine_keys(&self.lake)?;
        self.index.days.clear();
        self.index.total = 0;
        Ok(())
    }

    /// Sets the `ingested_at` of rows accepted from now on (a Kafka ingest runs for days).
    pub fn set_ingested_at(&mut self, micros: i64) {
        self.ingested_at = micros;
    }

    /// Registers a source and returns its handle for [`Ingestor::accept`].
    pub fn add_source(&mut self, source: Source) -> usize {
        if let Some(i) = self.sources.iter().position(|s| *s == source) {
            return i;
        }
        let i = self.sources.len();
        let group = self
            .sources
            .iter()
            .position(|s| s.id == source.id && s.name == source.name)
            .unwrap_or(i);
        self.sources.push(source);
        self.groups.push(group);
        i
    }

    /// Moves the per-table counts kept per event into `stats`.
    fn fold_counts(&mut self) {
        for table in Table::ALL {
            let i = table as usize;
            for (map, n) in [
                (&mut self.stats.accepted, self.accepted[i]),
                (&mut self.stats.duplicates, self.duplicates[i]),
            ] {
                if n > 0 {
                    map.insert(table.name(), n);
                }
            }
        }
    }

    /// Takes one prepared event at `position` of `source` (in source order).
    pub fn accept(
        &mut self,
        source: usize,
        position: i64,
        prepared: Prepared<'_>,
    ) -> Result<Accepted> {
        self.stats.read += 1;
        let (table, day) = match &prepared {
            Prepared::Event(event, _) => {
                let table = event_table(event);
                let day = day_of(event.timestamp());
                let key = xxh3_128(event.id().as_bytes());
                if !self.index_insert(table, day, key)? {
                    self.duplicates[table as usize] += 1;
                    return Ok(Accepted::Duplicate);
                }
                (table, day)
            }
            Prepared::Rejected { rejection, .. } => {
                let src = &self.sources[source];
                if !self
                    .quarantine_keys
                    .insert(quarantine_key(&src.id, src.partition, position))
                {
                    self.stats.already_quarantined += 1;
                    return Ok(Accepted::AlreadyQuarantined);
                }
                let code: ReasonCode = rejection.code;
                *self.stats.quarantined.entry(code.as_str()).or_default() += 1;
                (Table::Quarantine, day_of(self.ingested_at))
            }
        };
        self.accepted[table as usize] += 1;
        let group = self.groups[source];
        let buffer = self
            .buffers
            .entry((table, day, group))
            .or_insert_with(|| Buffer {
                columns: Columns::new(table),
                positions: Vec::new(),
                sources: Vec::new(),
            });
        match &prepared {
            Prepared::Event(Event::Post(p), author) => {
                buffer.columns.append_post(p, author.as_str());
            }
            Prepared::Event(Event::Feedback(f), user) => {
                buffer.columns.append_feedback(f, user.as_str());
            }
            Prepared::Rejected {
                rejection,
                raw,
                size,
            } => buffer.columns.append_rejected(rejection, raw, *size),
        }
        buffer.positions.push(position);
        buffer.sources.push(source);
        self.buffered += 1;
        if buffer.positions.len() >= self.options.file_max_rows {
            self.flush_buffer((table, day, group))?;
        }
        if self.buffered >= self.options.max_buffered_events {
            self.flush_all()?;
        }
        Ok(if table == Table::Quarantine {
            Accepted::Quarantined
        } else {
            Accepted::New
        })
    }

    /// Inserts an id; false if it was already there.
    fn index_insert(&mut self, table: Table, day: i32, key: u128) -> Result<bool> {
        self.index.clock += 1;
        let clock = self.index.clock;
        if !self.index.days.contains_key(&(table, day)) {
            let ids = self.load_day_ids(table, day)?;
            self.index.total += ids.len();
            self.index
                .days
                .insert((table, day), DayIds { ids, last_used: 0 });
        }
        let entry = self
            .index
            .days
            .get_mut(&(table, day))
            .expect("inserted above");
        entry.last_used = clock;
        let new = entry.ids.insert(key);
        if new {
            self.index.total += 1;
        }
        Ok(new)
    }

    fn load_day_ids(&self, table: Table, day: i32) -> Result<KeySet> {
        let mut ids = KeySet::default();
        let Some(column) = table.id_column() else {
            return Ok(ids);
        };
        for path in self.lake.list_files(table, Some(day))? {
            for batch in self.lake.read_columns(&path, &[column])? {
                for id in rows::strings(&batch, column, &path)? {
                    ids.insert(xxh3_128(id.as_bytes()));
                }
            }
        }
        Ok(ids)
    }

    fn flush_buffer(&mut self, key: (Table, i32, usize)) -> Result<()> {
        let Some(buffer) = self.buffers.remove(&key) else {
            return Ok(());
        };
        let (table, day, group) = key;
        self.buffered -= buffer.positions.len();
        let src = &self.sources[group];
        let partitions: Vec<Option<i32>> = buffer
            .sources
            .iter()
            .map(|s| self.sources[*s].partition)
            .collect();
        let name = file_name(src, &self.sources, &buffer);
        let mut path = Lake::file_path(table, day, &name);
        if self.lake.exists(&path)? {
            // Same source range written before with other rows (an earlier run that was
            // interrupted); keep both under distinct names.
            let suffix = format!(
                "{:08x}",
                xxh3_128(format!("{}{}", self.ingested_at, buffer.positions.len()).as_bytes())
                    as u32
            );
            path = Lake::file_path(
                table,
                day,
                &name.replace(".parquet", &format!("-{suffix}.parquet")),
            );
        }
        let rows = FileRows {
            table,
            columns: buffer.columns,
            positions: buffer.positions,
            partitions,
            source: src.clone(),
            ingested_at: self.ingested_at,
        };
        self.writer.submit(path, rows)?;
        Ok(())
    }

    /// Writes every open buffer.
    pub fn flush_all(&mut self) -> Result<()> {
        let mut keys: Vec<_> = self.buffers.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            self.flush_buffer(key)?;
        }
        if self.index.total > self.options.dedup_index_max_ids {
            self.evict();
        }
        Ok(())
    }

    /// Drops the least recently used days from the dedup index until it is half full.
    fn evict(&mut self) {
        let mut by_age: Vec<((Table, i32), u64, usize)> = self
            .index
            .days
            .iter()
            .map(|(k, v)| (*k, v.last_used, v.ids.len()))
            .collect();
        by_age.sort_by_key(|(_, used, _)| *used);
        let target = self.options.dedup_index_max_ids / 2;
        for (key, _, n) in by_age {
            if self.index.total <= target {
                break;
            }
            self.index.days.remove(&key);
            self.index.total -= n;
        }
    }

    /// Writes everything buffered and waits until it is durable in the lake.
    pub fn finish(mut self) -> Result<Stats> {
        self.flush_all()?;
        self.fold_counts();
        let (files, bytes) = self.writer.finish()?;
        self.stats.files_written = files;
        self.stats.bytes_written = bytes;
        Ok(self.stats)
    }

    /// Writes everything buffered and waits for it, keeping the ingestor open (used at
    /// source boundaries and by Kafka before committing offsets).
    pub fn sync(&mut self) -> Result<()> {
        self.flush_all()?;
        self.writer.wait()?;
        Ok(())
    }

    /// Hands everything buffered to the writers without waiting and returns a ticket that
    /// [`Ingestor::is_durable`] and [`Ingestor::wait_durable`] take: Kafka reads the next
    /// batch while this one is written.
    pub fn flush_for_ticket(&mut self) -> Result<u64> {
        self.flush_all()?;
        Ok(self.writer.ticket())
    }

    /// Whether everything flushed before `ticket` was taken is durable; fails if a write
    /// failed.
    pub fn is_durable(&self, ticket: u64) -> Result<bool> {
        self.writer.is_durable(ticket)
    }

    /// Waits until everything flushed before `ticket` was taken is durable.
    pub fn wait_durable(&self, ticket: u64) -> Result<()> {
        self.writer.wait_for(ticket)
    }
}

/// Keys (source id, partition, position) of every record already in quarantine.
fn load_quarantine_keys(lake: &Lake) -> Result<KeySet> {
    let mut quarantine_keys = KeySet::default();
    for path in lake.list_files(Table::Quarantine, None)? {
        for batch in
            lake.read_columns(&path, &["source_id", "source_partition", "source_position"])?
        {
            let ids = rows::strings(&batch, "source_id", &path)?;
            let parts = batch.column_by_name("source_partition").and_then(|c| {
                c.as_any()
                    .downcast_ref::<arrow::array::Int32Array>()
                    .cloned()
            });
            let pos = batch
                .column_by_name("source_position")
                .and_then(|c| {
                    c.as_any()
                        .downcast_ref::<arrow::array::Int64Array>()
                        .cloned()
                })
                .ok_or_else(|| Error::Parquet {
                    path: path.clone(),
                    source: parquet::errors::ParquetError::General(
                        "column source_position missing or not int64".into(),
                    ),
                })?;
            for (i, id) in ids.iter().enumerate() {
                let part = parts.as_ref().and_then(|p| {
                    use arrow::array::Array;
                    (!p.is_null(i)).then(|| p.value(i))
                });
                quarantine_keys.insert(quarantine_key(id, part, pos.value(i)));
            }
        }
    }
    Ok(quarantine_keys)
}

/// Deterministic file name from the source position range; for rows of several partitions,
/// the partitions and a hash of each one's range.
fn file_name(src: &Source, sources: &[Source], buffer: &Buffer) -> String {
    // (partition, first, last) of each source in the buffer, in order of first appearance.
    let mut ranges: Vec<(Option<i32>, i64, i64)> = Vec::new();
    for (s, pos) in buffer.sources.iter().zip(&buffer.positions) {
        let partition = sources[*s].partition;
        match ranges.iter_mut().find(|r| r.0 == partition) {
            Some(r) => r.2 = *pos,
            None => ranges.push((partition, *pos, *pos)),
        }
    }
    if let [(partition, first, last)] = ranges[..] {
        return single_source_file_name(src, partition, first, last);
    }
    ranges.sort_unstable();
    let parts: Vec<String> = ranges
        .iter()
        .map(|(p, _, _)| p.unwrap_or(-1).to_string())
        .collect();
    let key: String = ranges
        .iter()
        .map(|(p, first, last)| format!("{}:{first}-{last};", p.unwrap_or(-1)))
        .collect();
    format!(
        "part-{}-p{}-{:016x}.parquet",
        safe_id(&src.id),
        parts.join("_"),
        xxh3_128(key.as_bytes()) as u64
    )
}

/// A source id as it may appear in a file name.
fn safe_id(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

/// File name of rows from one source: its id, partition and position range.
fn single_source_file_name(src: &Source, partition: Option<i32>, first: i64, last: i64) -> String {
    let id = safe_id(&src.id);
    match partition {
        Some(p) => format!("part-{id}-{p}-{first:020}-{last:020}.parquet"),
        None => format!("part-{id}-{first:012}-{last:012}.parquet"),
    }
}
