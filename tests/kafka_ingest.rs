//! `murmur ingest kafka` and `murmur produce` against a real broker (tansu), one broker and
//! unique topics per test. Results are compared by id with an independent reader (pyarrow).

#[path = "common/broker.rs"]
mod broker;
mod common;

use broker::{Broker, Ingest, consume_all, produce_raw, produce_raw_with, unique};
use common::*;
use murmur_pipeline::contract::MAX_EVENT_BYTES;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Setup {
    dir: tempfile::TempDir,
    broker: Broker,
    posts: String,
    feedback: String,
}

impl Setup {
    /// A broker, two fresh topics and a murmur.toml pointing at them.
    fn new(partitions: u32, behind_proxy: bool, extra: &str) -> Setup {
        let broker = if behind_proxy {
            Broker::start_behind_proxy()
        } else {
            Broker::start()
        };
        let posts = unique("posts");
        let feedback = unique("feedback");
        broker.create_topic(&posts, partitions);
        broker.create_topic(&feedback, partitions);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("murmur.toml"),
            format!(
                "[lake]\npath = \"lake\"\n\
                 [kafka]\nbrokers = \"{}\"\ngroup = \"{}\"\nposts_topic = \"{posts}\"\n\
                 feedback_topic = \"{feedback}\"\nflush_interval = \"500ms\"\n{extra}\n\
                 [kafka.client]\n\"session.timeout.ms\" = 6000\n\"heartbeat.interval.ms\" = 1000\n",
                broker.bootstrap,
                unique("group"),
            ),
        )
        .unwrap();
        Setup {
            dir,
            broker,
            posts,
            feedback,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn lake(&self) -> PathBuf {
        self.dir.path().join("lake")
    }

    /// Writes lines to a file and publishes it with `murmur produce`.
    fn produce(&self, name: &str, lines: &[String]) {
        let file = self.path().join(name);
        let mut f = std::fs::File::create(&file).unwrap();
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        drop(f);
        ok(run(self.path(), &["produce", file.to_str().unwrap()]));
    }

    fn ingest(&self, extra: &[&str]) -> Ingest {
        let mut args = vec!["ingest", "kafka"];
        args.extend_from_slice(extra);
        Ingest::spawn(self.path(), &args)
    }

    /// Runs an ingest until it has been idle for 3 s; returns its stdout.
    fn catch_up(&self) -> String {
        let (code, out, log) = self
            .ingest(&["--exit-when-idle", "3s", "--json"])
            .wait(Duration::from_secs(120));
        assert_eq!(code, Some(0), "catch-up run failed:\n{log}");
        out
    }
}

fn posts(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| {
            post(
                &format!("p{i:06}"),
                &format!("emp-{:06}", i % 97),
                "2026-03-02T09:00:00Z",
                &format!("question number {i}"),
            )
        })
        .collect()
}

fn ratings(range: std::ops::Range<usize>) -> Vec<String> {
    range
        .map(|i| {
            rating(
                &format!("e{i:06}"),
                &format!("emp-{:06}", i % 89),
                (i % 5 + 1) as i64,
                "2026-03-03T10:00:00Z",
            )
        })
        .collect()
}

/// Ids per table as read by pyarrow, asserting each appears once; also asserts that every
/// visible file is readable (read_lake fails otherwise).
fn ids_once(lake: &Path) -> (BTreeSet<String>, BTreeSet<String>, usize) {
    let v = read_lake(lake);
    let mut out = Vec::new();
    for (table, column) in [("posts", "post_id"), ("feedback", "event_id")] {
        let mut seen = BTreeSet::new();
        for row in v[table]["rows"].as_array().unwrap() {
            let id = row[column].as_str().unwrap().to_string();
            assert!(seen.insert(id.clone()), "{table} {id} is in the lake twice");
        }
        out.push(seen);
    }
    let quarantined = v["quarantine"]["rows"].as_array().unwrap().len();
    let feedback = out.pop().unwrap();
    (out.pop().unwrap(), feedback, quarantined)
}

fn expected(prefix: &str, range: std::ops::Range<usize>) -> BTreeSet<String> {
    range.map(|i| format!("{prefix}{i:06}")).collect()
}

/// Asserts no temporary file is visible (every data file name starts with `part-`).
fn no_partial_files(lake: &Path) {
    for (path, _) in snapshot(lake) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.extension().is_some_and(|e| e == "parquet") {
            assert!(
                name.starts_with("part-"),
                "unexpected file {}",
                path.display()
            );
        }
    }
}

/// (a) N valid events, malformed ones and re-sent duplicates, over two runs.
#[test]
fn kafka_ingest_keeps_each_valid_event_once_and_quarantines_bad_ones() {
    let s = Setup::new(3, false, "");
    let mut lines = posts(0..300);
    lines.extend(ratings(0..100));
    lines.push("this is not json".into());
    lines.push(r#"{"schema":"post/v1","post_id":"bad1","thread_id":"bad1","kind":"question","author_id":"emp-1","channel":"forum","created_at":"2026-03-02T09:00:00Z","body":"no team"}"#.into());
    lines.push(r#"{"schema":"feedback/v2","event_id":"bad2"}"#.into());
    s.produce("first.jsonl", &lines);
    produce_raw(
        &s.broker.bootstrap,
        &s.posts,
        &[
            (Some("k1"), None),
            (
                Some("k2"),
                Some(b"{\"schema\":\"post/v1\",\"body\":\"\xff\"}"),
            ),
        ],
    );
    let out = s.catch_up();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["accepted"]["posts"], 300, "{summary}");
    assert_eq!(summary["accepted"]["feedback"], 100, "{summary}");

    // Re-send 50 posts and 20 ratings (same keys, so same partitions) plus new events.
    let mut again = posts(250..350);
    again.extend(ratings(90..110));
    s.produce("second.jsonl", &again);
    let out = s.catch_up();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["accepted"]["posts"], 50, "{summary}");
    assert_eq!(summary["duplicates"]["posts"], 50, "{summary}");
    assert_eq!(summary["duplicates"]["feedback"], 10, "{summary}");

    let (p, f, q) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..350));
    assert_eq!(f, expected("e", 0..110));
    assert_eq!(q, 5);
    let rows = query_json(
        s.path(),
        &s.lake(),
        "SELECT reason_code, source_id, source_partition, source_position FROM quarantine",
    );
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        assert!(
            r["source_id"] == s.posts.as_str() || r["source_id"] == s.feedback.as_str(),
            "{r}"
        );
        assert!(r["source_partition"].as_i64().is_some(), "{r}");
        assert!(r["source_position"].as_i64().is_some(), "{r}");
        *reasons
            .entry(r["reason_code"].as_str().unwrap().into())
            .or_default() += 1;
    }
    let want: BTreeMap<String, usize> = [
        ("not_json", 1),
        ("missing_field", 1),
        ("unknown_schema", 1),
        ("null_message", 1),
        ("not_utf8", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(reasons, want);
    no_partial_files(&s.lake());

    // Lineage: each post row names the partition and offset it was first read from, also
    // when a file holds the rows of several partitions. The topic is read back with an
    // independent client.
    let mut first: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for m in consume_all(&s.broker.bootstrap, &s.posts, 400, Duration::from_secs(60)) {
        let Some(v) = m.value.as_deref() else {
            continue;
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(v) else {
            continue;
        };
        if let Some(id) = v["post_id"].as_str() {
            let at = (i64::from(m.partition), m.offset);
            let e = first.entry(id.to_string()).or_insert(at);
            if at.0 == e.0 && at.1 < e.1 {
                *e = at;
            }
        }
    }
    let rows = query_json(
        s.path(),
        &s.lake(),
        "SELECT post_id, source_id, source_partition, source_position FROM posts",
    );
    assert_eq!(rows.len(), 350);
    let partitions: BTreeSet<i64> = rows
        .iter()
        .map(|r| r["source_partition"].as_i64().unwrap())
        .collect();
    assert!(partitions.len() > 1, "{partitions:?}");
    for r in &rows {
        let id = r["post_id"].as_str().unwrap();
        assert_eq!(r["source_id"], s.posts.as_str(), "{r}");
        let at = (
            r["source_partition"].as_i64().unwrap(),
            r["source_position"].as_i64().unwrap(),
        );
        assert_eq!(Some(&at), first.get(id), "{r}");
    }
}

/// (e) SIGTERM closes the open batch (even with a long flush interval) and exits 0.
#[test]
fn kafka_sigterm_commits_the_open_batch_and_exits_0() {
    let s = Setup::new(2, false, "");
    // A batch that would stay open for an hour.
    let toml = std::fs::read_to_string(s.path().join("murmur.toml"))
        .unwrap()
        .replace("flush_interval = \"500ms\"", "flush_interval = \"1h\"");
    std::fs::write(s.path().join("murmur.toml"), toml).unwrap();
    let ingest = s.ingest(&[]);
    ingest.wait_for_log("Partition assigned", Duration::from_secs(60));
    s.produce("events.jsonl", &posts(0..200));
    // Wait until the consumer has read them (progress lines come every 10 s; poll the
    // counters through the lake instead: nothing is written before the batch closes).
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        read_lake(&s.lake())["posts"]["rows"]
            .as_array()
            .unwrap()
            .is_empty(),
        "nothing is written before the batch closes"
    );
    ingest.term();
    let (code, _, log) = ingest.wait(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{log}");
    let (p, _, _) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..200));
    // The markers say where a restart begins: nothing is read again.
    let out = s.catch_up();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["read"], 0, "{summary}");
}

/// murmur turns transparent huge pages off for itself (`src/main.rs`): with them, the kernel
/// zeroed 2 MiB at each first touch of the allocator's memory, ~17% of Kafka ingest's CPU.
/// No broker is needed: with nothing listening, ingest keeps retrying, long enough to look
/// at the process.
#[cfg(target_os = "linux")]
#[test]
fn murmur_runs_with_transparent_huge_pages_off() {
    fn thp_enabled(pid: &str) -> String {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with("THP_enabled:"))
            .unwrap_or_else(|| panic!("no THP_enabled line in /proc/{pid}/status:\n{status}"));
        line["THP_enabled:".len()..].trim().to_string()
    }
    // The flag is inherited: if this process had it, the child's 0 would prove nothing.
    assert_eq!(
        thp_enabled("self"),
        "1",
        "the test needs a parent with huge pages allowed"
    );
    let dir = tempfile::tempdir().unwrap();
    let brokers = format!("127.0.0.1:{}", broker::free_port());
    let mut ingest = Ingest::spawn(
        dir.path(),
        &["--lake", "lake", "ingest", "kafka", "--brokers", &brokers],
    );
    ingest.wait_for_log("Kafka ingest started.", Duration::from_secs(30));
    let flag = thp_enabled(&ingest.child.id().to_string());
    ingest.kill9();
    assert_eq!(flag, "0", "THP_enabled of the murmur process");
}

/// Small xorshift for random kill points (seed printed for reproduction).
fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// (b) kill -9 at random points, restart each time: every event exactly once, no partial file.
#[test]
fn kafka_kill9_at_random_points_loses_and_duplicates_nothing() {
    // Small batches and files so kills land between and inside multi-file batches.
    let s = Setup::new(
        3,
        false,
        "flush_max_events = 700\n[ingest]\nfile_max_rows = 150\nmax_buffered_events = 1000",
    );
    let n = 12_000;
    let mut lines = posts(0..n);
    lines.extend(ratings(0..n / 4));
    s.produce("events.jsonl", &lines);
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill seed {seed}");
    for round in 0..5 {
        let mut ingest = s.ingest(&[]);
        ingest.wait_for_log("Partition assigned", Duration::from_secs(60));
        let delay = 50 + rng(&mut seed) % 1500;
        std::thread::sleep(Duration::from_millis(delay));
        ingest.kill9();
        eprintln!("round {round}: killed after {delay} ms");
        no_partial_files(&s.lake());
        // Re-send some events between restarts (duplicates by id).
        if round == 2 {
            s.produce("again.jsonl", &posts(0..500));
        }
    }
    s.catch_up();
    let (p, f, q) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..n));
    assert_eq!(f, expected("e", 0..n / 4));
    assert_eq!(q, 0);
    no_partial_files(&s.lake());
}

/// (c) Two processes in one group share the partitions; one is killed, the other takes over.
#[test]
fn kafka_two_consumers_share_partitions_and_one_takes_over() {
    let s = Setup::new(4, false, "flush_max_events = 500");
    s.produce("first.jsonl", &posts(0..4000));
    let mut a = s.ingest(&[]);
    let b = s.ingest(&["--exit-when-idle", "12s"]);
    a.wait_for_log("Partition assigned", Duration::from_secs(60));
    b.wait_for_log("Partition assigned", Duration::from_secs(60));
    // Both hold partitions after the group settles.
    std::thread::sleep(Duration::from_secs(2));
    s.produce("second.jsonl", &posts(4000..8000));
    std::thread::sleep(Duration::from_millis(700));
    a.kill9();
    s.produce("third.jsonl", &posts(8000..10000));
    let log_a = a.log();
    let (code, _, log_b) = b.wait(Duration::from_secs(180));
    assert_eq!(code, Some(0), "{log_b}");
    let assigned = |log: &str| {
        log.lines()
            .filter(|l| l.contains("Partition assigned"))
            .count()
    };
    assert!(assigned(&log_a) > 0 && assigned(&log_a) < 8, "A:\n{log_a}");
    assert!(assigned(&log_b) >= 8, "B took over everything:\n{log_b}");
    let (p, _, _) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..10000));
}

/// (d) The broker becomes unreachable mid-run and comes back: ingest resumes, loses nothing.
/// tansu's storage here is memory, so the broker process keeps running and the network path
/// to it is cut instead (a proxy every client goes through).
#[test]
fn kafka_broker_outage_is_waited_out() {
    let s = Setup::new(2, true, "");
    s.produce("first.jsonl", &posts(0..1000));
    let ingest = s.ingest(&["--exit-when-idle", "20s"]);
    ingest.wait_for_log("Partition assigned", Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(2));
    s.broker.cut();
    std::thread::sleep(Duration::from_secs(10));
    s.broker.restore();
    s.produce("second.jsonl", &posts(1000..2000));
    let (code, _, log) = ingest.wait(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("retrying"),
        "a clear log line about the outage:\n{log}"
    );
    let (p, _, _) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..2000));
}

/// With `kafka.dlq_topic` set, every malformed message lands in quarantine *and* on the
/// dead-letter topic with its original bytes (a null value stays null), its key and headers
/// naming the reason and origin; valid events are unaffected. The DLQ is read back with
/// confluent-kafka, an independent client.
#[test]
fn kafka_dlq_gets_malformed_messages_with_original_bytes_and_origin() {
    let dlq = unique("dlq");
    let s = Setup::new(2, false, &format!("dlq_topic = \"{dlq}\""));
    s.broker.create_topic(&dlq, 1);
    let not_json: &[u8] = b"this is not json";
    let wrong_schema: &[u8] = br#"{"schema":"post/v1","post_id":"bad1","thread_id":"bad1","kind":"question","author_id":"emp-raw-1","channel":"forum","created_at":"2026-03-02T09:00:00Z","body":"no team"}"#;
    let unknown_schema: &[u8] = br#"{"schema":"feedback/v2","event_id":"bad2"}"#;
    let not_utf8: &[u8] = b"{\"schema\":\"post/v1\",\"body\":\"\xff\xfe\"}";
    let mut lines = posts(0..200);
    lines.extend(ratings(0..50));
    s.produce("valid.jsonl", &lines);
    produce_raw(
        &s.broker.bootstrap,
        &s.posts,
        &[
            (Some("k-null"), None),
            (Some("k-utf8"), Some(not_utf8)),
            (Some("k-json"), Some(not_json)),
            (Some("k-schema"), Some(wrong_schema)),
        ],
    );
    produce_raw(
        &s.broker.bootstrap,
        &s.feedback,
        &[(Some("k-unknown"), Some(unknown_schema))],
    );
    s.produce("more.jsonl", &posts(200..300));
    s.catch_up();

    // Valid events unaffected.
    let (p, f, q) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..300));
    assert_eq!(f, expected("e", 0..50));
    assert_eq!(q, 5);

    // Quarantine: (origin "topic/partition/offset") -> reason code.
    let rows = query_json(
        s.path(),
        &s.lake(),
        "SELECT reason_code, source_id, source_partition, source_position FROM quarantine",
    );
    let quarantined: BTreeMap<String, String> = rows
        .iter()
        .map(|r| {
            (
                format!(
                    "{}/{}/{}",
                    r["source_id"].as_str().unwrap(),
                    r["source_partition"],
                    r["source_position"]
                ),
                r["reason_code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(quarantined.len(), 5, "{rows:?}");

    // The DLQ holds the same five, by origin, with the original key and bytes.
    let read = consume_all(&s.broker.bootstrap, &dlq, 5, Duration::from_secs(60));
    let mut on_dlq: BTreeMap<String, String> = BTreeMap::new();
    let mut by_key: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    for m in &read {
        let origin = m.header("murmur.source").expect("murmur.source header");
        let code = m.header("murmur.reason_code").expect("reason code header");
        assert!(
            !m.header("murmur.reason").unwrap_or("").is_empty(),
            "a reason in words: {m:?}"
        );
        assert!(
            on_dlq.insert(origin.into(), code.into()).is_none(),
            "{origin} on the DLQ twice"
        );
        let key = String::from_utf8(m.key.clone().expect("key kept")).unwrap();
        by_key.insert(key, m.value.clone());
    }
    assert_eq!(
        on_dlq, quarantined,
        "DLQ and quarantine name the same messages"
    );
    let want: BTreeMap<String, Option<Vec<u8>>> = [
        ("k-null", None),
        ("k-utf8", Some(not_utf8)),
        ("k-json", Some(not_json)),
        ("k-schema", Some(wrong_schema)),
        ("k-unknown", Some(unknown_schema)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.map(<[u8]>::to_vec)))
    .collect();
    assert_eq!(by_key, want, "original bytes, byte for byte");
    let codes: BTreeSet<&str> = quarantined.values().map(String::as_str).collect();
    assert_eq!(
        codes,
        BTreeSet::from([
            "null_message",
            "not_utf8",
            "not_json",
            "missing_field",
            "unknown_schema"
        ])
    );
    no_partial_files(&s.lake());
}

/// A message over the 1 MiB event limit sent over Kafka is quarantined with reason
/// `oversize` and its topic/partition/offset, and does not block its partition: the events
/// after it (same partition) arrive. librdkafka's producer refuses messages over
/// `message.max.bytes` (1,000,000) by default, so the test producer raises it to 4 MB; the
/// consumer keeps murmur's defaults (librdkafka fetches a message larger than
/// `max.partition.fetch.bytes`, 1 MiB, anyway).
#[test]
fn kafka_oversize_message_is_quarantined_and_does_not_block_the_partition() {
    let s = Setup::new(1, false, "");
    s.produce("before.jsonl", &posts(0..100)); // offsets 0..=99
    let big_body = "x".repeat(MAX_EVENT_BYTES + 1000);
    let oversize = post("p-big", "emp-000001", "2026-03-02T09:00:00Z", &big_body);
    produce_raw_with(
        &s.broker.bootstrap,
        &s.posts,
        &[(Some("k-big"), Some(oversize.as_bytes()))], // offset 100
        &[("message.max.bytes", "4000000")],
    );
    s.produce("after.jsonl", &posts(100..200)); // offsets 101..=200
    let out = s.catch_up();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["quarantined"]["oversize"], 1, "{summary}");

    let (p, _, q) = ids_once(&s.lake());
    assert_eq!(
        p,
        expected("p", 0..200),
        "events after the oversize one arrive"
    );
    assert_eq!(q, 1);
    let rows = query_json(
        s.path(),
        &s.lake(),
        "SELECT reason_code, reason, raw_bytes, source_id, source_partition, source_position \
         FROM quarantine",
    );
    let r = &rows[0];
    assert_eq!(r["reason_code"], "oversize", "{r}");
    assert_eq!(r["source_id"], s.posts.as_str(), "{r}");
    assert_eq!(r["source_partition"], 0, "{r}");
    assert_eq!(r["source_position"], 100, "{r}");
    assert_eq!(
        r["raw_bytes"],
        oversize.len(),
        "the original size is kept: {r}"
    );
    assert!(
        r["reason"]
            .as_str()
            .unwrap()
            .contains(&oversize.len().to_string()),
        "the reason gives the size: {r}"
    );
}

/// Files whose name marks them as temporary (`.tmp-…`), anywhere in the lake.
fn temp_files(lake: &Path) -> Vec<PathBuf> {
    snapshot(lake)
        .into_iter()
        .map(|(p, _)| p)
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-")
        })
        .collect()
}

/// The offset markers (`_offsets/…`) with their contents.
fn markers(lake: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = lake.join("_offsets");
    if !dir.exists() {
        return Vec::new();
    }
    snapshot(&dir)
}

/// The lake cannot be written (here: every write past 4 KiB fails with EFBIG, via a
/// file-size limit on the process; the tests may run as root, where a read-only folder
/// does not stop writes, and an unprivileged test cannot mount a tiny filesystem to fill):
/// murmur stops consuming, leaves no partial file and no new marker, exits 2 with a
/// message naming the lake and what to fix. A re-run without the limit resumes after the
/// last durable batch with nothing lost or duplicated.
#[test]
fn kafka_lake_write_failure_stops_with_exit_2_and_a_rerun_resumes() {
    let s = Setup::new(2, false, "");
    s.produce("first.jsonl", &posts(0..300));
    s.catch_up();
    let durable = markers(&s.lake());
    assert!(!durable.is_empty(), "the first run recorded markers");

    s.produce("second.jsonl", &posts(300..2300));
    let limited = Ingest::spawn_with_file_size_limit(
        s.path(),
        &["ingest", "kafka", "--exit-when-idle", "20s"],
        4,
    );
    let (code, _, log) = limited.wait(Duration::from_secs(120));
    assert_eq!(
        code,
        Some(2),
        "exits 2 (not killed by SIGXFSZ, not 0):\n{log}"
    );
    assert!(log.contains("File too large"), "the OS error:\n{log}");
    assert!(
        log.contains(&s.lake().display().to_string()) || log.contains("lake at lake"),
        "names the lake:\n{log}"
    );
    assert!(
        log.contains("raise or remove the limit") && log.contains("start murmur again"),
        "says what to fix:\n{log}"
    );
    assert!(
        temp_files(&s.lake()).is_empty(),
        "{:?}",
        temp_files(&s.lake())
    );
    no_partial_files(&s.lake());
    assert_eq!(
        markers(&s.lake()),
        durable,
        "no marker moved past the failure"
    );
    let (p, _, _) = ids_once(&s.lake());
    assert_eq!(
        p,
        expected("p", 0..300),
        "nothing of the failed batch is visible"
    );

    // Fixed: the next run starts after the last durable batch.
    let out = s.catch_up();
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["read"], 2000, "resumed at the markers: {summary}");
    assert_eq!(summary["accepted"]["posts"], 2000, "{summary}");
    let (p, _, q) = ids_once(&s.lake());
    assert_eq!(p, expected("p", 0..2300));
    assert_eq!(q, 0);
    assert!(temp_files(&s.lake()).is_empty());
}
