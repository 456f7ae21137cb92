//! `murmur ingest kafka`: a consumer group reading `murmur.posts` and `murmur.feedback` into
//! the lake, exactly once.
//!
//! How exactly-once works (see docs/kafka.md):
//! - Messages are read in order per partition and fed to the shared [`Ingestor`]
//!   (dedup by id, quarantine once by topic/partition/offset).
//! - A *batch* closes after `flush_max_events` messages or `flush_interval`. Closing it hands
//!   every buffer to the writers; once they are all written, fsynced and renamed, one small
//!   marker per partition, `_offsets/<topic>/<partition>.json`, is written atomically with
//!   the last offset of the batch. Only then are group offsets committed (for monitoring
//!   only). The next batch is read while one is written; at most one batch waits for its
//!   files, and a revocation or shutdown waits for both.
//! - On every assignment each partition starts at marker + 1 (or the beginning without a
//!   marker). Replaying a partly written batch is harmless: its rows are already in the lake
//!   and de-duplication drops them.
//! - On revocation the open batch is closed before the partitions are given up (classic,
//!   eager rebalancing), so the next owner starts exactly after it.

use super::{Accepted, IngestOptions, Ingestor, Prepared, Source, Stats, prepare};
use crate::contract::{MAX_EVENT_BYTES, Rejection};
use crate::lake::Lake;
use crate::pseudonym::Pseudonymiser;
use crate::{Error, Result};
use rayon::prelude::*;
use rdkafka::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use rdkafka::types::RDKafkaRespErr;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Messages polled, parsed in parallel, then accepted in order, at a time.
const CHUNK: usize = 8192;
/// How often the per-partition progress line is logged.
const STATS_EVERY: Duration = Duration::from_secs(10);

/// `[kafka]`: where to read from, how to batch, and librdkafka properties passed through.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaOptions {
    /// Bootstrap brokers, `HOST:PORT[,HOST:PORT…]` (librdkafka `bootstrap.servers`).
    pub brokers: String,
    /// Consumer group shared by every `murmur ingest kafka` process of one lake.
    pub group: String,
    /// Topic of `post/v1` events.
    pub posts_topic: String,
    /// Topic of `feedback/v1` events.
    pub feedback_topic: String,
    /// Messages after which the open batch is written and its offsets recorded.
    pub flush_max_events: usize,
    /// Time after which the open batch is written and its offsets recorded (`10s`, `500ms`,
    /// or a number of milliseconds). Bounds how long an event waits before it is queryable.
    #[serde(with = "duration_text")]
    pub flush_interval: Duration,
    /// Topic that also receives every quarantined message (original bytes, with the reason
    /// and origin in headers); off when unset, e.g. `"murmur.dlq"`.
    pub dlq_topic: Option<String>,
    /// librdkafka properties passed through as they are (`security.protocol`,
    /// `sasl.mechanisms`, `session.timeout.ms`, …); they override murmur's defaults, except
    /// the few that exactly-once depends on.
    pub client: BTreeMap<String, ClientValue>,
}

impl Default for KafkaOptions {
    fn default() -> Self {
        KafkaOptions {
            brokers: "127.0.0.1:9092".into(),
            group: "murmur-ingest".into(),
            posts_topic: "murmur.posts".into(),
            feedback_topic: "murmur.feedback".into(),
            flush_max_events: 100_000,
            flush_interval: Duration::from_secs(10),
            dlq_topic: None,
            client: BTreeMap::new(),
        }
    }
}

/// A librdkafka property value: written as a string, number or boolean in TOML.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ClientValue {
    /// `"SASL_SSL"`
    Text(String),
    /// `6000`
    Integer(i64),
    /// `true`
    Bool(bool),
    /// `0.5`
    Float(f64),
}

impl std::fmt::Display for ClientValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientValue::Text(s) => f.write_str(s),
            ClientValue::Integer(i) => write!(f, "{i}"),
            ClientValue::Bool(b) => write!(f, "{b}"),
            ClientValue::Float(x) => write!(f, "{x}"),
        }
    }
}

/// Properties murmur sets itself because exactly-once depends on them.
const FIXED: &[(&str, &str)] = &[
    ("enable.auto.commit", "false"),
    ("enable.auto.offset.store", "false"),
];

impl KafkaOptions {
    /// Problems with these settings, each naming its key (empty when fine).
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, value) in [
            ("kafka.brokers", &self.brokers),
            ("kafka.group", &self.group),
            ("kafka.posts_topic", &self.posts_topic),
            ("kafka.feedback_topic", &self.feedback_topic),
        ] {
            if value.trim().is_empty() {
                problems.push(format!("{key}: expected a non-empty value"));
            }
        }
        if self.posts_topic == self.feedback_topic {
            problems.push(format!(
                "kafka.feedback_topic: must differ from kafka.posts_topic ({})",
                self.posts_topic
            ));
        }
        if self.flush_max_events == 0 {
            problems.push("kafka.flush_max_events: expected a positive number, got 0".into());
        }
        if self.flush_interval.is_zero() {
            problems.push("kafka.flush_interval: expected a positive duration".into());
        }
        if self
            .dlq_topic
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            problems.push("kafka.dlq_topic: expected a topic name or no value".into());
        }
        for (key, required) in FIXED {
            if let Some(v) = self.client.get(*key)
                && v.to_string() != *required
            {
                problems.push(format!(
                    "kafka.client.\"{key}\": murmur needs {required} (offsets are recorded in the lake)"
                ));
            }
        }
        if let Some(v) = self.client.get("partition.assignment.strategy")
            && v.to_string().contains("cooperative")
        {
            problems.push(
                "kafka.client.\"partition.assignment.strategy\": use range or roundrobin \
                 (murmur closes its batch on eager rebalances)"
                    .into(),
            );
        }
        problems
    }

    /// librdkafka configuration: murmur's defaults, then `client`, then the fixed properties.
    fn client_config(&self, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        for (k, v) in defaults {
            config.set(*k, *v);
        }
        for (k, v) in &self.client {
            config.set(k, v.to_string());
        }
        config.set_log_level(RDKafkaLogLevel::Warning);
        config
    }

    fn consumer_config(&self, group: &str) -> ClientConfig {
        let stats_ms = STATS_EVERY.as_millis().to_string();
        let mut config = self.client_config(&[
            ("group.id", group),
            ("client.id", "murmur-ingest"),
            ("auto.offset.reset", "earliest"),
            ("partition.assignment.strategy", "range"),
            ("statistics.interval.ms", &stats_ms),
            ("fetch.wait.max.ms", "100"),
            // Once a partition's local queue holds `queued.min.messages` (100,000) messages
            // or the consumer queue `queued.max.messages.kbytes`, librdkafka stops fetching
            // that partition for `fetch.queue.backoff.ms`, 1 s by default. During a catch-up
            // that second was most of the time: the queue drained in a fraction of it and
            // reading then waited for the next fetch (`make bench-kafka`: ~150,000 → ~325,000
            // events/s, docs/kafka.md). 10 ms keeps fetching as soon as there is room; the
            // queue limits, and so memory, are unchanged.
            ("fetch.queue.backoff.ms", "10"),
        ]);
        for (k, v) in FIXED {
            config.set(*k, *v);
        }
        config
    }

    fn producer_config(&self) -> ClientConfig {
        let mut config = self.client_config(&[
            ("client.id", "murmur-produce"),
            ("linger.ms", "20"),
            ("queue.buffering.max.messages", "500000"),
            ("enable.idempotence", "false"),
        ]);
        // Consumer-only properties make librdkafka warn in a producer; drop them.
        for key in [
            "group.id",
            "session.timeout.ms",
            "heartbeat.interval.ms",
            "auto.offset.reset",
            "partition.assignment.strategy",
            "fetch.wait.max.ms",
            "fetch.queue.backoff.ms",
            "max.poll.interval.ms",
            "enable.auto.commit",
            "enable.auto.offset.store",
        ] {
            config.remove(key);
        }
        config
    }
}

/// Durations written as `250ms`, `10s`, `2m`, `1h`, or a bare number of milliseconds.
pub mod duration_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Parses `250ms`, `10s`, `1.5s`, `2m`, `1h` or `500` (milliseconds).
    pub fn parse(text: &str) -> Result<Duration, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let n: f64 = number
            .parse()
            .map_err(|_| format!("expected a duration like 10s or 500ms, got {text:?}"))?;
        let secs = match unit.trim() {
            "" | "ms" => n / 1000.0,
            "s" => n,
            "m" | "min" => n * 60.0,
            "h" => n * 3600.0,
            other => {
                return Err(format!(
                    "unknown unit {other:?} in {text:?} (use ms, s, m or h)"
                ));
            }
        };
        if !secs.is_finite() || secs < 0.0 {
            return Err(format!("expected a non-negative duration, got {text:?}"));
        }
        Ok(Duration::from_secs_f64(secs))
    }

    /// Shortest exact text: `500ms`, `10s`.
    pub fn format(d: &Duration) -> String {
        if d.subsec_millis() == 0 && d.as_secs() > 0 {
            format!("{}s", d.as_secs())
        } else {
            format!("{}ms", d.as_millis())
        }
    }

    /// serde: write as text.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(d))
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Millis(u64),
        Text(String),
    }

    /// serde: read text or milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        match Raw::deserialize(d)? {
            Raw::Millis(ms) => Ok(Duration::from_millis(ms)),
            Raw::Text(t) => parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Live counters of one partition, for log lines and `murmur serve`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartitionCounters {
    /// Messages read since start.
    pub consumed: u64,
    /// Messages newly quarantined since start.
    pub quarantined: u64,
    /// Valid events already in the lake (kept once).
    pub duplicates: u64,
    /// Last offset read (-1 before any).
    pub last_offset: i64,
    /// Last offset recorded durable in the lake (the marker; -1 before any).
    pub durable_offset: i64,
    /// High watermark from the latest client statistics (-1 unknown).
    pub high_watermark: i64,
    /// Messages behind the high watermark (-1 unknown).
    pub lag: i64,
    /// Messages per second over the last stats interval.
    pub events_per_sec: f64,
}

/// Counters of a Kafka ingest, shared with whoever wants to show them.
#[derive(Debug, Default)]
pub struct KafkaCounters {
    partitions: Mutex<BTreeMap<(String, i32), PartitionCounters>>,
    batches: AtomicU64,
}

impl KafkaCounters {
    /// A copy of every partition's counters, by (topic, partition).
    pub fn snapshot(&self) -> BTreeMap<(String, i32), PartitionCounters> {
        self.partitions.lock().expect("counters lock").clone()
    }

    /// Batches made durable since start.
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    fn update(&self, topic: &str, partition: i32, f: impl FnOnce(&mut PartitionCounters)) {
        let mut map = self.partitions.lock().expect("counters lock");
        let entry = map
            .entry((topic.to_string(), partition))
            .or_insert_with(|| PartitionCounters {
                last_offset: -1,
                durable_offset: -1,
                high_watermark: -1,
                lag: -1,
                ..PartitionCounters::default()
            });
        f(entry);
    }
}

/// How a run ends and what it reports.
#[derive(Debug, Clone, Default)]
pub struct RunControl {
    /// Set (e.g. by SIGTERM) to close the open batch and stop.
    pub stop: Arc<AtomicBool>,
    /// Stop after this long without a message once partitions are assigned (catch-up runs).
    pub exit_when_idle: Option<Duration>,
    /// Read and drop messages without parsing or writing (benchmark baseline).
    pub discard: bool,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KafkaSummary {
    /// Ingest counts (as for files).
    pub stats: Stats,
    /// Batches made durable.
    pub batches: u64,
    /// Seconds from start until the first message was read.
    pub seconds_to_first_message: f64,
    /// Seconds from start until the last message was read.
    pub seconds_to_last_message: f64,
    /// Whole run in seconds.
    pub seconds: f64,
    /// Messages read in discard mode (benchmark baseline).
    pub discarded: u64,
}

type TopicPartition = (usize, i32);

/// State the poll loop and the rebalance callback share.
struct Core {
    lake: Arc<Lake>,
    ingestor: Ingestor,
    topics: [String; 2],
    /// These two are looked up once per message, so hashed with FxHash.
    sources: FxHashMap<TopicPartition, usize>,
    /// Last offset accepted per partition in this assignment.
    consumed: FxHashMap<TopicPartition, i64>,
    /// Last offset recorded in a marker per partition.
    marked: HashMap<TopicPartition, i64>,
    batch_events: usize,
    batch_started: Instant,
    dlq: Option<Dlq>,
    /// A closed batch whose files are being written; its markers follow once they are.
    writing: Option<ClosedBatch>,
    fatal: Option<Error>,
    /// Set once writing the lake failed: from then on no batch is closed, no marker
    /// written and no offset committed (the revocation on shutdown must not record a batch
    /// whose files were never written).
    halted: bool,
    counters: Arc<KafkaCounters>,
    assigned_once: bool,
}

/// A batch handed to the writers: the writer ticket covering its files and the last offset
/// of each partition it read.
struct ClosedBatch {
    ticket: u64,
    offsets: Vec<(TopicPartition, i64)>,
}

struct Dlq {
    topic: String,
    producer: BaseProducer<DeliveryCounter>,
}

fn marker_path(topic: &str, partition: i32) -> String {
    format!("_offsets/{topic}/{partition}.json")
}

#[derive(Serialize, Deserialize)]
struct Marker {
    topic: String,
    partition: i32,
    /// Last offset whose event (and every earlier one) is durable in the lake.
    offset: i64,
    written_at: String,
}

/// The marker's offset for a partition, if one was written.
pub fn read_marker(lake: &Lake, topic: &str, partition: i32) -> Result<Option<i64>> {
    let path = marker_path(topic, partition);
    if !lake.exists(&path)? {
        return Ok(None);
    }
    let bytes = lake.get(&path)?;
    let marker: Marker = serde_json::from_slice(&bytes).map_err(|e| Error::LakeIo {
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    Ok(Some(marker.offset))
}

impl Core {
    fn topic_index(&self, topic: &str) -> Option<usize> {
        self.topics.iter().position(|t| t == topic)
    }

    fn source(&mut self, tp: TopicPartition) -> usize {
        if let Some(s) = self.sources.get(&tp) {
            return *s;
        }
        let topic: Arc<str> = self.topics[tp.0].as_str().into();
        let s = self.ingestor.add_source(Source {
            name: topic.clone(),
            id: topic,
            partition: Some(tp.1),
        });
        self.sources.insert(tp, s);
        s
    }

    /// Closes the open batch and waits until it and the one before are durable and
    /// recorded (revocation, shutdown).
    fn close_batch(&mut self, consumer: &BaseConsumer<Ctx>) -> Result<()> {
        self.guarded(|core| {
            core.start_batch_close(consumer)?;
            core.record_written(consumer, true)
        })
    }

    /// Closes the open batch without waiting for its files: they are written while the
    /// next batch is read, and [`Core::poll_written`] records it once they are durable.
    /// Waits for the batch before, so at most one batch is being written.
    fn close_batch_in_background(&mut self, consumer: &BaseConsumer<Ctx>) -> Result<()> {
        self.guarded(|core| core.start_batch_close(consumer))
    }

    /// Records the batch being written if its files are durable (does not wait).
    fn poll_written(&mut self, consumer: &BaseConsumer<Ctx>) -> Result<()> {
        if self.writing.is_none() {
            return Ok(());
        }
        self.guarded(|core| core.record_written(consumer, false))
    }

    /// Runs `f` unless halted; halts on its failure, so nothing is recorded after one.
    fn guarded(&mut self, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        if self.halted {
            return Err(Error::Halted {
                first: "see the error above".into(),
            });
        }
        let result = f(self);
        if result.is_err() {
            self.halted = true;
        }
        result
    }

    fn start_batch_close(&mut self, consumer: &BaseConsumer<Ctx>) -> Result<()> {
        // One batch at a time is being written: this bounds memory, and markers are
        // written in batch order.
        self.record_written(consumer, true)?;
        let dirty: Vec<(TopicPartition, i64)> = self
            .consumed
            .iter()
            .filter(|(tp, off)| self.marked.get(tp) != Some(off))
            .map(|(tp, off)| (*tp, *off))
            .collect();
        self.batch_started = Instant::now();
        if dirty.is_empty() && self.batch_events == 0 {
            return Ok(());
        }
        let ticket = self.ingestor.flush_for_ticket()?;
        self.writing = Some(ClosedBatch {
            ticket,
            offsets: dirty,
        });
        self.ingestor
            .set_ingested_at(chrono::Utc::now().timestamp_micros());
        self.batch_events = 0;
        Ok(())
    }

    /// Writes the markers of the batch being written once its files are durable (waiting
    /// for them if `wait`), then commits group offsets.
    fn record_written(&mut self, consumer: &BaseConsumer<Ctx>, wait: bool) -> Result<()> {
        let Some(batch) = &self.writing else {
            return Ok(());
        };
        if wait {
            self.ingestor.wait_durable(batch.ticket)?;
        } else if !self.ingestor.is_durable(batch.ticket)? {
            return Ok(());
        }
        let dirty = self.writing.take().expect("checked above").offsets;
        if let Some(dlq) = &self.dlq {
            dlq.producer
                .flush(Duration::from_secs(60))
                .map_err(|source| Error::Kafka {
                    context: format!("flushing dead-letter topic {}", dlq.topic),
                    source,
                })?;
        }
        let now = chrono::Utc::now();
        let mut tpl = TopicPartitionList::new();
        for ((t, p), offset) in &dirty {
            let topic = &self.topics[*t];
            let marker = Marker {
                topic: topic.clone(),
                partition: *p,
                offset: *offset,
                written_at: now.to_rfc3339(),
            };
            let bytes = serde_json::to_vec(&marker).expect("marker serialises");
            self.lake.put_atomic(&marker_path(topic, *p), bytes)?;
            self.marked.insert((*t, *p), *offset);
            self.counters
                .update(topic, *p, |c| c.durable_offset = *offset);
            let _ = tpl.add_partition_offset(topic, *p, Offset::Offset(offset + 1));
        }
        if tpl.count() > 0
            && let Err(error) = consumer.commit(&tpl, CommitMode::Async)
        {
            tracing::debug!(%error, "Group offset commit failed (monitoring only; the lake holds the truth).");
        }
        self.counters.batches.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(partitions = dirty.len(), "Batch durable.");
        Ok(())
    }

    /// New assignment: every partition starts right after its marker.
    fn on_assign(&mut self, tpl: &mut TopicPartitionList) -> Result<()> {
        self.close_batch_without_commit()?;
        // Another process may have written these partitions since we last looked.
        self.ingestor.refresh_from_lake()?;
        self.consumed.clear();
        self.marked.clear();
        let elements: Vec<(String, i32)> = tpl
            .elements()
            .iter()
            .map(|e| (e.topic().to_string(), e.partition()))
            .collect();
        for (topic, partition) in elements {
            let marker = read_marker(&self.lake, &topic, partition)?;
            let offset = match marker {
                Some(m) => Offset::Offset(m + 1),
                None => Offset::Beginning,
            };
            if let Some(t) = self.topic_index(&topic) {
                if let Some(m) = marker {
                    self.consumed.insert((t, partition), m);
                    self.marked.insert((t, partition), m);
                }
                self.counters.update(&topic, partition, |c| {
                    c.durable_offset = marker.unwrap_or(-1)
                });
            }
            tracing::info!(topic = %topic, partition, start = ?offset, "Partition assigned.");
            tpl.set_partition_offset(&topic, partition, offset)
                .map_err(|source| Error::Kafka {
                    context: format!("seeking {topic}/{partition}"),
                    source,
                })?;
        }
        self.assigned_once = true;
        Ok(())
    }

    /// Only reached if something was buffered outside an assignment (not expected with eager
    /// rebalancing): made durable without markers, which is always safe.
    fn close_batch_without_commit(&mut self) -> Result<()> {
        if self.halted {
            return Err(Error::Halted {
                first: "see the error above".into(),
            });
        }
        // A batch still being written is waited for but not recorded: without its
        // markers it is read again, which de-duplication makes harmless.
        self.writing = None;
        if let Err(e) = self.ingestor.sync() {
            self.halted = true;
            return Err(e);
        }
        Ok(())
    }
}

/// The consumer context: rebalance hooks, logs and statistics.
struct Ctx {
    core: Arc<Mutex<Core>>,
    /// Bumped on every rebalance; messages polled before one are dropped.
    generation: AtomicU64,
    counters: Arc<KafkaCounters>,
    last_error_log: Mutex<Option<Instant>>,
    /// Last broker problem: `--exit-when-idle` does not count time the broker was away.
    last_problem: Mutex<Option<Instant>>,
}

impl ClientContext for Ctx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error
            | RDKafkaLogLevel::Warning => {
                tracing::debug!(facility = fac, message, "librdkafka.")
            }
            _ => tracing::trace!(facility = fac, message, "librdkafka."),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        // librdkafka reconnects by itself with backoff (reconnect.backoff.ms…); say so once
        // every few seconds rather than once per attempt.
        *self.last_problem.lock().expect("problem time lock") = Some(Instant::now());
        let mut last = self.last_error_log.lock().expect("error log lock");
        if last.is_none_or(|t| t.elapsed() > Duration::from_secs(5)) {
            *last = Some(Instant::now());
            tracing::warn!(%error, reason, "Kafka broker problem; retrying with backoff.");
        }
    }

    fn stats(&self, statistics: Statistics) {
        for (topic, t) in &statistics.topics {
            for (partition, p) in &t.partitions {
                if *partition < 0 || p.hi_offset < 0 {
                    continue;
                }
                self.counters.update(topic, *partition, |c| {
                    c.high_watermark = p.hi_offset;
                    c.lag = (p.hi_offset - (c.last_offset + 1)).max(0);
                });
            }
        }
    }
}

impl ConsumerContext for Ctx {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut core = self.core.lock().expect("ingest state lock");
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                if core.fatal.is_none()
                    && !core.halted
                    && let Err(e) = core.on_assign(tpl)
                {
                    core.halted = true;
                    core.fatal = Some(e);
                }
                if core.fatal.is_some() || core.halted {
                    // Consume nothing: the run stops with the error.
                    let _ = consumer.assign(&TopicPartitionList::new());
                } else if let Err(error) = consumer.assign(tpl) {
                    tracing::warn!(%error, "Assigning partitions failed.");
                }
            }
            _ => {
                if err != RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS {
                    tracing::warn!(error = ?err, "Rebalance error; closing the open batch.");
                }
                let recorded = match core.close_batch(consumer) {
                    Ok(()) => true,
                    Err(e) => {
                        if core.fatal.is_none() {
                            core.fatal = Some(e);
                        }
                        false
                    }
                };
                let revoked: Vec<(String, i32)> = tpl
                    .elements()
                    .iter()
                    .map(|e| (e.topic().to_string(), e.partition()))
                    .collect();
                for (topic, partition) in &revoked {
                    if recorded {
                        tracing::info!(topic = %topic, partition, "Partition revoked after its batch was made durable.");
                    } else {
                        tracing::warn!(topic = %topic, partition, "Partition revoked; its open batch was not recorded (the lake write failed) and will be read again on the next start.");
                    }
                    if let Some(t) = core.topic_index(topic) {
                        core.consumed.remove(&(t, *partition));
                        core.marked.remove(&(t, *partition));
                    }
                }
                if let Err(error) = consumer.unassign() {
                    tracing::warn!(%error, "Unassigning partitions failed.");
                }
            }
        }
    }
}

/// Counts failed deliveries of a producer.
#[derive(Default)]
struct DeliveryCounter {
    failed: AtomicU64,
    first_error: Mutex<Option<KafkaError>>,
}

impl ClientContext for DeliveryCounter {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::warn!(%error, reason, "Kafka broker problem; retrying with backoff.");
    }
}

impl ProducerContext for DeliveryCounter {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((error, _)) = result {
            self.failed.fetch_add(1, Ordering::Relaxed);
            let mut first = self.first_error.lock().expect("delivery error lock");
            if first.is_none() {
                *first = Some(error.clone());
            }
        }
    }
}

/// One polled message, held in the client's fetch buffer (not copied) until its chunk is
/// accepted.
struct Polled<'c> {
    topic: usize,
    partition: i32,
    offset: i64,
    generation: u64,
    message: BorrowedMessage<'c>,
}

impl Polled<'_> {
    fn payload(&self) -> Option<&[u8]> {
        self.message.payload()
    }

    fn key(&self) -> Option<&[u8]> {
        self.message.key()
    }
}

/// Runs the consumer until `control.stop` is set (or it goes idle), closing the last batch.
/// Returns an error only for what a person has to fix (the lake is not writable, bad
/// client settings); broker outages are waited out.
pub fn ingest_kafka(
    lake: Arc<Lake>,
    pseudo: &Pseudonymiser,
    ingest: &IngestOptions,
    options: &KafkaOptions,
    control: &RunControl,
    counters: Arc<KafkaCounters>,
) -> Result<KafkaSummary> {
    let problems = options.check();
    if !problems.is_empty() {
        return Err(Error::Config { problems });
    }
    let started = Instant::now();
    let dlq = match &options.dlq_topic {
        Some(topic) if !control.discard => Some(Dlq {
            topic: topic.clone(),
            producer: options
                .producer_config()
                .create_with_context(DeliveryCounter::default())
                .map_err(|source| client_error("creating the dead-letter producer", source))?,
        }),
        _ => None,
    };
    let core = Arc::new(Mutex::new(Core {
        lake: lake.clone(),
        ingestor: Ingestor::new(lake, ingest.clone())?,
        topics: [options.posts_topic.clone(), options.feedback_topic.clone()],
        sources: FxHashMap::default(),
        consumed: FxHashMap::default(),
        marked: HashMap::new(),
        batch_events: 0,
        batch_started: Instant::now(),
        dlq,
        writing: None,
        fatal: None,
        halted: false,
        counters: counters.clone(),
        assigned_once: false,
    }));
    let ctx = Ctx {
        core: core.clone(),
        generation: AtomicU64::new(0),
        counters: counters.clone(),
        last_error_log: Mutex::new(None),
        last_problem: Mutex::new(None),
    };
    let consumer: BaseConsumer<Ctx> = options
        .consumer_config(&options.group)
        .create_with_context(ctx)
        .map_err(|source| client_error("creating the consumer", source))?;
    consumer
        .subscribe(&[&options.posts_topic, &options.feedback_topic])
        .map_err(|source| Error::Kafka {
            context: format!(
                "subscribing to {} and {}",
                options.posts_topic, options.feedback_topic
            ),
            source,
        })?;
    tracing::info!(
        brokers = %options.brokers,
        group = %options.group,
        posts_topic = %options.posts_topic,
        feedback_topic = %options.feedback_topic,
        "Kafka ingest started."
    );

    let topics = [
        options.posts_topic.as_str(),
        options.feedback_topic.as_str(),
    ];
    let mut polled: Vec<Polled<'_>> = Vec::with_capacity(CHUNK);
    let mut last_message = Instant::now();
    let mut seen_generation = 0u64;
    let mut last_message_at = 0.0f64;
    let mut first_message_at: Option<f64> = None;
    let mut discarded = 0u64;
    let mut backoff = Duration::from_millis(100);
    let mut last_stats = Instant::now();
    let mut last_counts: HashMap<(String, i32), u64> = HashMap::new();
    let run: Result<()> = loop {
        if control.stop.load(Ordering::SeqCst) {
            tracing::info!("Stop requested; closing the open batch.");
            break Ok(());
        }
        polled.clear();
        let mut poll_error = None;
        let mut wait = Duration::from_millis(100);
        while polled.len() < CHUNK {
            match consumer.poll(wait) {
                None => break,
                Some(Err(error)) => {
                    poll_error = Some(error);
                    break;
                }
                Some(Ok(m)) => {
                    let generation = consumer.context().generation.load(Ordering::SeqCst);
                    let Some(topic) = topics.iter().position(|t| *t == m.topic()) else {
                        continue;
                    };
                    polled.push(Polled {
                        topic,
                        partition: m.partition(),
                        offset: m.offset(),
                        generation,
                        message: m,
                    });
                }
            }
            wait = Duration::ZERO;
        }
        if let Some(error) = poll_error {
            // Partition-level errors (unknown topic while it is being created, broker down):
            // keep going with backoff; librdkafka reconnects by itself.
            tracing::warn!(%error, backoff_ms = backoff.as_millis() as u64, "Kafka consume error; retrying.");
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(5));
            // Not idle: the broker is away, we do not know that we have caught up.
            last_message = Instant::now();
        } else if !polled.is_empty() {
            backoff = Duration::from_millis(100);
        }
        // Drop messages polled before a rebalance: their partitions may belong to another
        // process now, and ours restart at marker + 1 anyway.
        let generation = consumer.context().generation.load(Ordering::SeqCst);
        polled.retain(|m| m.generation == generation);
        if generation != seen_generation {
            // A rebalance: idle time counts from the new assignment.
            seen_generation = generation;
            last_message = Instant::now();
        }
        if !polled.is_empty() {
            if first_message_at.is_none() {
                first_message_at = Some(started.elapsed().as_secs_f64());
            }
            last_message = Instant::now();
            last_message_at = started.elapsed().as_secs_f64();
        }
        if control.discard {
            discarded += polled.len() as u64;
        }
        // Time spent parsing and writing is not idle time: a batch that takes longer to
        // write than `exit_when_idle` must not end a catch-up run before it caught up.
        let work_started = Instant::now();
        let mut guard = core.lock().expect("ingest state lock");
        if let Some(e) = guard.fatal.take() {
            break Err(e);
        }
        if !control.discard
            && !polled.is_empty()
            && let Err(e) = accept_chunk(&mut guard, &polled, pseudo)
        {
            break Err(e);
        }
        if let Err(e) = guard.poll_written(&consumer) {
            break Err(e);
        }
        let close = guard.batch_events >= options.flush_max_events
            || (guard.batch_started.elapsed() >= options.flush_interval);
        if close && let Err(e) = guard.close_batch_in_background(&consumer) {
            break Err(e);
        }
        let assigned_once = guard.assigned_once;
        drop(guard);
        last_message += work_started.elapsed();
        if last_stats.elapsed() >= STATS_EVERY {
            log_progress(&counters, &mut last_counts, last_stats.elapsed());
            last_stats = Instant::now();
        }
        let last_problem = *consumer
            .context()
            .last_problem
            .lock()
            .expect("problem time lock");
        if let Some(idle) = control.exit_when_idle
            && assigned_once
            && last_message.elapsed() >= idle
            && last_problem.is_none_or(|t| t.elapsed() >= idle)
        {
            tracing::info!(
                idle_s = idle.as_secs_f64(),
                "No message for a while; stopping."
            );
            break Ok(());
        }
    };
    // The messages borrow the consumer, which is dropped below.
    drop(polled);
    let mut guard = core.lock().expect("ingest state lock");
    let result = run.and_then(|()| guard.close_batch(&consumer));
    if result.is_err() {
        // Whatever failed, dropping the consumer below revokes the partitions; that must
        // not record anything.
        guard.halted = true;
    }
    drop(guard);
    match result {
        Ok(()) => {
            // Leaving the group revokes the partitions; the batch is already closed.
            consumer.unsubscribe();
            drop(consumer);
        }
        Err(e) => {
            // Leave without writing anything more; the next run resumes at the markers.
            return Err(e);
        }
    }
    let core = Arc::try_unwrap(core)
        .map_err(|_| ())
        .expect("the consumer (and its context) is dropped")
        .into_inner()
        .expect("ingest state lock");
    let batches = counters.batches();
    let stats = core.ingestor.finish()?;
    log_progress(&counters, &mut last_counts, last_stats.elapsed());
    Ok(KafkaSummary {
        stats,
        batches,
        seconds_to_first_message: first_message_at.unwrap_or(0.0),
        seconds_to_last_message: last_message_at,
        seconds: started.elapsed().as_secs_f64(),
        discarded,
    })
}

fn client_error(context: &str, source: KafkaError) -> Error {
    match source {
        KafkaError::ClientConfig(_, ref message, ref key, ref value) => Error::Config {
            problems: vec![format!(
                "kafka.client.\"{key}\" = {value:?}: {message} (while {context})"
            )],
        },
        source => Error::Kafka {
            context: context.to_string(),
            source,
        },
    }
}

/// Parses a chunk in parallel, then accepts it in order (per partition).
fn accept_chunk(core: &mut Core, polled: &[Polled<'_>], pseudo: &Pseudonymiser) -> Result<()> {
    // Client messages cannot be shared between threads; their payload slices can.
    let payloads: Vec<Option<&[u8]>> = polled.iter().map(Polled::payload).collect();
    let prepared: Vec<Prepared> = payloads
        .par_iter()
        .map(|payload| match payload {
            Some(p) if p.len() > MAX_EVENT_BYTES => Prepared::Rejected {
                rejection: Rejection::oversize(p.len()),
                raw: pseudo.redact(&p[..MAX_EVENT_BYTES]),
                size: p.len(),
            },
            p => prepare(*p, pseudo),
        })
        .collect();
    let mut per_partition: FxHashMap<TopicPartition, (u64, u64, u64, i64)> = FxHashMap::default();
    for (m, p) in polled.iter().zip(prepared) {
        let tp = (m.topic, m.partition);
        if core.consumed.get(&tp).is_some_and(|last| m.offset <= *last) {
            continue; // Already accepted (a re-fetch after a seek).
        }
        let source = core.source(tp);
        let reason = match &p {
            Prepared::Rejected { rejection, .. } => Some(rejection.clone()),
            Prepared::Event(..) => None,
        };
        let accepted = core.ingestor.accept(source, m.offset, p)?;
        let newly_quarantined = accepted == Accepted::Quarantined;
        let duplicate = accepted == Accepted::Duplicate;
        if let Some(rejection) = reason
            && newly_quarantined
        {
            tracing::debug!(topic = %core.topics[m.topic], partition = m.partition, offset = m.offset, reason = rejection.code.as_str(), "Event quarantined.");
            if let Some(dlq) = &core.dlq {
                send_dlq(dlq, &core.topics[m.topic], m, &rejection);
            }
        }
        let entry = per_partition.entry(tp).or_default();
        entry.0 += 1;
        entry.1 += u64::from(newly_quarantined);
        entry.2 += u64::from(duplicate);
        entry.3 = m.offset;
        core.consumed.insert(tp, m.offset);
        core.batch_events += 1;
    }
    for ((t, p), (n, q, d, last)) in per_partition {
        core.counters.update(&core.topics[t], p, |c| {
            c.consumed += n;
            c.quarantined += q;
            c.duplicates += d;
            c.last_offset = last;
            if c.high_watermark >= 0 {
                c.lag = (c.high_watermark - (last + 1)).max(0);
            }
        });
    }
    Ok(())
}

/// Sends a quarantined message's original bytes to the dead-letter topic (at least once).
fn send_dlq(dlq: &Dlq, topic: &str, m: &Polled<'_>, rejection: &Rejection) {
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: "murmur.reason_code",
            value: Some(rejection.code.as_str()),
        })
        .insert(Header {
            key: "murmur.reason",
            value: Some(rejection.message.as_str()),
        })
        .insert(Header {
            key: "murmur.source",
            value: Some(&format!("{topic}/{}/{}", m.partition, m.offset)),
        });
    // A null value stays null (not an empty one): the DLQ carries the message as it was.
    let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&dlq.topic).headers(headers);
    if let Some(p) = m.payload() {
        record = record.payload(p);
    }
    if let Some(k) = m.key() {
        record = record.key(k);
    }
    loop {
        match dlq.producer.send(record) {
            Ok(()) => break,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                dlq.producer.poll(Duration::from_millis(100));
                record = r;
            }
            Err((error, _)) => {
                tracing::warn!(topic = %dlq.topic, %error, "Could not send to the dead-letter topic (the event is in quarantine).");
                break;
            }
        }
    }
    dlq.producer.poll(Duration::ZERO);
}

fn log_progress(
    counters: &KafkaCounters,
    last: &mut HashMap<(String, i32), u64>,
    elapsed: Duration,
) {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let mut map = counters.partitions.lock().expect("counters lock");
    for ((topic, partition), c) in map.iter_mut() {
        let before = last
            .insert((topic.clone(), *partition), c.consumed)
            .unwrap_or(0);
        c.events_per_sec = (c.consumed - before) as f64 / secs;
        tracing::info!(
            topic = %topic,
            partition = *partition,
            events_per_s = c.events_per_sec.round() as u64,
            lag = c.lag,
            offset = c.last_offset,
            durable_offset = c.durable_offset,
            quarantined = c.quarantined,
            "Kafka ingest progress."
        );
    }
}

/// Counts of a `murmur produce` run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProduceStats {
    /// Messages delivered, per topic.
    pub sent: BTreeMap<String, u64>,
    /// Seconds taken.
    pub seconds: f64,
}

/// Publishes JSONL files, one message a line, keyed by `thread_id` (posts) or
/// `resource_id` (feedback). Without `topic`, each line goes to the posts or feedback topic
/// its `schema` names (lines that are not valid events go to the posts topic, unkeyed, so
/// they can be seen in quarantine).
pub fn produce_jsonl(
    options: &KafkaOptions,
    topic: Option<&str>,
    inputs: &[PathBuf],
) -> Result<ProduceStats> {
    #[derive(Deserialize)]
    struct Keys {
        schema: Option<String>,
        thread_id: Option<String>,
        resource_id: Option<String>,
    }
    let started = Instant::now();
    let producer: BaseProducer<DeliveryCounter> = options
        .producer_config()
        .create_with_context(DeliveryCounter::default())
        .map_err(|source| client_error("creating the producer", source))?;
    let mut stats = ProduceStats::default();
    for path in inputs {
        let io = |source| Error::Input {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let reader = std::io::BufReader::with_capacity(1 << 20, file);
        for line in reader.split(b'\n') {
            let mut line = line.map_err(io)?;
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let keys: Option<Keys> = serde_json::from_slice(&line).ok();
            let is_feedback = keys
                .as_ref()
                .and_then(|k| k.schema.as_deref())
                .is_some_and(|s| s.starts_with("feedback/"));
            let target = topic.unwrap_or(if is_feedback {
                &options.feedback_topic
            } else {
                &options.posts_topic
            });
            let key = keys.and_then(|k| {
                if is_feedback {
                    k.resource_id
                } else {
                    k.thread_id
                }
            });
            let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(target).payload(&line);
            if let Some(k) = &key {
                record = record.key(k.as_bytes());
            }
            loop {
                match producer.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                        producer.poll(Duration::from_millis(50));
                        record = r;
                    }
                    Err((source, _)) => {
                        return Err(Error::Kafka {
                            context: format!("producing to {target}"),
                            source,
                        });
                    }
                }
            }
            producer.poll(Duration::ZERO);
            *stats.sent.entry(target.to_string()).or_default() += 1;
        }
    }
    producer
        .flush(Duration::from_secs(120))
        .map_err(|source| Error::Kafka {
            context: format!("delivering to {}", options.brokers),
            source,
        })?;
    let ctx = producer.context();
    let failed = ctx.failed.load(Ordering::Relaxed);
    if failed > 0 {
        let first = ctx
            .first_error
            .lock()
            .expect("delivery error lock")
            .clone()
            .unwrap_or(KafkaError::Canceled);
        return Err(Error::Kafka {
            context: format!("{failed} message(s) not delivered to {}", options.brokers),
            source: first,
        });
    }
    stats.seconds = started.elapsed().as_secs_f64();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The consumer refetches 10 ms after its queue was full, not librdkafka's 1 s (the
    /// catch-up rate depends on it, see docs/kafka.md); `[kafka.client]` can still change
    /// it, librdkafka accepts it, and the producer does not get this consumer-only property.
    #[test]
    fn fetch_queue_backoff_is_short_and_overridable() {
        use rdkafka::consumer::BaseConsumer;
        let mut options = KafkaOptions::default();
        let config = options.consumer_config("g");
        assert_eq!(config.get("fetch.queue.backoff.ms"), Some("10"));
        let consumer: Result<BaseConsumer, _> = config.create();
        assert!(consumer.is_ok(), "{:?}", consumer.err());
        assert_eq!(
            options.producer_config().get("fetch.queue.backoff.ms"),
            None
        );
        options
            .client
            .insert("fetch.queue.backoff.ms".into(), ClientValue::Integer(1000));
        let config = options.consumer_config("g");
        assert_eq!(config.get("fetch.queue.backoff.ms"), Some("1000"));
    }

    /// `[kafka.client]` reaches librdkafka, and this build has TLS and SASL (PLAIN, SCRAM,
    /// OAUTHBEARER): a client for a secured cluster (MSK, Confluent Cloud) can be created.
    #[test]
    fn tls_and_sasl_client_properties_are_passed_through_and_supported() {
        use rdkafka::consumer::BaseConsumer;
        let mut options = KafkaOptions::default();
        for (k, v) in [
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanisms", "SCRAM-SHA-512"),
            ("sasl.username", "murmur"),
            ("sasl.password", "not-a-real-secret"),
            ("ssl.endpoint.identification.algorithm", "https"),
        ] {
            options.client.insert(k.into(), ClientValue::Text(v.into()));
        }
        let config = options.consumer_config("g");
        assert_eq!(config.get("security.protocol"), Some("SASL_SSL"));
        let consumer: Result<BaseConsumer, _> = config.create();
        assert!(consumer.is_ok(), "{:?}", consumer.err());
        // An unknown property is refused by librdkafka with its name.
        options
            .client
            .insert("no.such.property".into(), ClientValue::Integer(1));
        let err = options
            .consumer_config("g")
            .create::<BaseConsumer>()
            .err()
            .expect("unknown property refused");
        assert!(err.to_string().contains("no.such.property"), "{err}");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(
            duration_text::parse("10s").unwrap(),
            Duration::from_secs(10)
        );
        assert_eq!(
            duration_text::parse("250ms").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(
            duration_text::parse("500").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(
            duration_text::parse("2m").unwrap(),
            Duration::from_secs(120)
        );
        assert!(duration_text::parse("soon").is_err());
        assert!(duration_text::parse("5 parsecs").is_err());
        assert_eq!(duration_text::format(&Duration::from_secs(10)), "10s");
        assert_eq!(
            duration_text::format(&Duration::from_millis(1500)),
            "1500ms"
        );
    }

    #[test]
    fn settings_exactly_once_depends_on_cannot_be_overridden() {
        let mut o = KafkaOptions::default();
        assert!(o.check().is_empty());
        o.client
            .insert("enable.auto.commit".into(), ClientValue::Bool(true));
        o.client.insert(
            "partition.assignment.strategy".into(),
            ClientValue::Text("cooperative-sticky".into()),
        );
        o.flush_max_events = 0;
        let problems = o.check().join("\n");
        assert!(problems.contains("enable.auto.commit"), "{problems}");
        assert!(
            problems.contains("partition.assignment.strategy"),
            "{problems}"
        );
        assert!(problems.contains("flush_max_events"), "{problems}");
    }
}
