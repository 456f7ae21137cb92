//! End-to-end tests on a generated sample organisation: round trip through an independent
//! reader, privacy, crash safety and the demo.

mod common;

use common::*;
use murmur_pipeline::contract::{Event, parse_event};
use murmur_pipeline::pseudonym::Pseudonymiser;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Ingests the generated sample into `./lake`.
const INGEST_SAMPLE: &[&str] = &[
    "--lake",
    "lake",
    "ingest",
    "file",
    "sample/posts.jsonl",
    "sample/feedback.jsonl",
];

fn generate(dir: &Path, people: u32, weeks: u32, seed: u64) {
    ok(run(
        dir,
        &[
            "fixtures",
            "generate",
            "--people",
            &people.to_string(),
            "--weeks",
            &weeks.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            "sample",
        ],
    ));
}

fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for f in ["posts.jsonl", "feedback.jsonl"] {
        let bytes = std::fs::read(dir.join("sample").join(f)).unwrap();
        lines.extend(
            bytes
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .map(<[u8]>::to_vec),
        );
    }
    lines
}

fn micros(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso)
        .unwrap_or_else(|e| panic!("reader gave {iso}: {e}"))
        .timestamp_micros()
}

fn ingest(dir: &Path) -> Value {
    let out = ok(run(dir, &[INGEST_SAMPLE, &["--json"]].concat()));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn round_trip_through_an_independent_reader() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 60, 6, 3);
    let summary = ingest(dir.path());
    let pseudo = Pseudonymiser::from_hex(KEY).unwrap();

    // What the lake should hold, computed from the input with the contract alone.
    let mut posts = BTreeMap::new();
    let mut feedback = BTreeMap::new();
    let mut bad = 0;
    for line in inputs(dir.path()) {
        match parse_event(&line).map(Event::into_owned) {
            Ok(Event::Post(p)) => {
                posts.entry(p.post_id.clone()).or_insert(p);
            }
            Ok(Event::Feedback(f)) => {
                feedback.entry(f.event_id.clone()).or_insert(f);
            }
            Err(_) => bad += 1,
        }
    }
    assert!(
        posts.len() > 100 && feedback.len() > 100 && bad > 0,
        "sample too small"
    );
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sample/truth.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        truth["expected"]["posts_valid_distinct"],
        posts.len() as u64
    );
    assert_eq!(
        truth["expected"]["feedback_valid_distinct"],
        feedback.len() as u64
    );
    assert_eq!(summary["accepted"]["posts"], posts.len() as u64);

    let lake = read_lake(&dir.path().join("lake"));
    assert_eq!(
        lake["posts"]["schema"]["created_at"],
        "timestamp[us, tz=UTC]"
    );
    let rows = lake["posts"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), posts.len());
    let mut seen = BTreeSet::new();
    for row in rows {
        let id = row["post_id"].as_str().unwrap();
        assert!(seen.insert(id.to_string()), "post {id} twice in the lake");
        let p = &posts[id];
        assert_eq!(
            micros(row["created_at"].as_str().unwrap()),
            p.created_at,
            "{id}"
        );
        assert_eq!(row["body"], &*p.body);
        assert_eq!(row["team"], &*p.team);
        assert_eq!(row["kind"], p.kind.as_str());
        assert_eq!(row["author_id"], pseudo.pseudonymise(&p.author_id).as_str());
        let date = chrono::DateTime::from_timestamp_micros(p.created_at)
            .unwrap()
            .date_naive();
        assert_eq!(
            row["date"].as_str().unwrap(),
            date.to_string(),
            "partition of {id}"
        );
    }
    let rows = lake["feedback"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), feedback.len());
    for row in rows {
        let f = &feedback[row["event_id"].as_str().unwrap()];
        assert_eq!(micros(row["occurred_at"].as_str().unwrap()), f.occurred_at);
        assert_eq!(row["type"], f.kind.as_str());
        assert_eq!(row["value"].as_i64(), f.value.map(i64::from));
    }
    assert_eq!(lake["quarantine"]["rows"].as_array().unwrap().len(), bad);

    // murmur query gives the same counts as the independent reader.
    let q = query_json(
        dir.path(),
        &dir.path().join("lake"),
        "SELECT (SELECT COUNT(*) FROM posts) AS p, (SELECT COUNT(*) FROM feedback) AS f, (SELECT COUNT(*) FROM quarantine) AS q",
    );
    assert_eq!(q[0]["p"], posts.len() as u64);
    assert_eq!(q[0]["f"], feedback.len() as u64);
    assert_eq!(q[0]["q"], bad as u64);
}

/// Every raw author/user id value found in the input (valid or not).
fn raw_ids(lines: &[Vec<u8>]) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for line in lines {
        if let Ok(Value::Object(o)) = serde_json::from_slice::<Value>(line) {
            for k in ["author_id", "user_id"] {
                if let Some(Value::String(s)) = o.get(k) {
                    ids.insert(s.clone());
                }
            }
        }
    }
    ids
}

#[test]
fn no_raw_id_reaches_the_lake() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 40, 4, 5);
    // Bad records carry raw ids too: one valid JSON with a bad field, one broken JSON.
    std::fs::write(
        dir.path().join("sample/bad.jsonl"),
        concat!(
            r#"{"schema":"post/v1","post_id":"b1","thread_id":"b1","kind":"question","author_id":"emp-secret-1","team":"x","channel":"forum","created_at":"soon","body":"x"}"#,
            "\n",
            r#"{"schema":"feedback/v1","user_id" : "emp-secret-2","event_id":"#,
            "\n"
        ),
    )
    .unwrap();
    ingest(dir.path());
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "sample/bad.jsonl"],
    ));
    let mut ids = raw_ids(&inputs(dir.path()));
    ids.insert("emp-secret-1".into());
    ids.insert("emp-secret-2".into());
    assert!(ids.len() >= 30, "too few ids: {}", ids.len());
    // 1. No raw id in any byte of any file (catches Parquet statistics and metadata).
    for (path, bytes) in snapshot(&dir.path().join("lake")) {
        let text = String::from_utf8_lossy(&bytes);
        for id in &ids {
            assert!(
                !text.contains(id.as_str()),
                "raw id {id} in {}",
                path.display()
            );
        }
    }
    // 2. No raw id in any decoded value (the files are compressed, so also look inside).
    let lake = read_lake(&dir.path().join("lake"));
    let decoded = lake.to_string();
    for id in &ids {
        assert!(
            !decoded.contains(&format!("\"{id}\"")),
            "raw id {id} in decoded lake values"
        );
    }
    // Quarantined records keep their raw bytes, with ids pseudonymised.
    let pseudo = Pseudonymiser::from_hex(KEY).unwrap();
    let raws: Vec<&str> = lake["quarantine"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["raw"].as_str().unwrap())
        .collect();
    assert!(
        raws.iter()
            .any(|r| r.contains(&pseudo.pseudonymise("emp-secret-1"))),
        "{raws:?}"
    );
    assert!(
        raws.iter()
            .any(|r| r.contains(&pseudo.pseudonymise("emp-secret-2"))),
        "{raws:?}"
    );
}

#[test]
fn killed_mid_write_leaves_no_partial_file_and_restart_is_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    // Large enough that most runs are still ingesting when killed, even on a fast machine.
    generate(dir.path(), 800, 6, 11);
    let lake_dir = dir.path().join("lake");
    // Small files so that writes are frequent and a kill lands mid-write often.
    let spawn = || {
        murmur()
            .current_dir(dir.path())
            .env("MURMUR__PRIVACY__KEY", KEY)
            .env("MURMUR__INGEST__FILE_MAX_ROWS", "200")
            .env("MURMUR__INGEST__MAX_BUFFERED_EVENTS", "400")
            .args(INGEST_SAMPLE)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut kills = 0;
    let mut delay_ms = 60u64;
    for round in 0..8 {
        let mut child = spawn();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        delay_ms = 40 + (delay_ms * 7 + 31 * round) % 300;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
        // Whatever is visible now is whole: the independent reader opens every file.
        if lake_dir.exists() {
            read_lake(&lake_dir);
        }
    }
    assert!(
        kills >= 5,
        "only {kills} runs were killed mid-ingest; make the input larger"
    );
    let out = ok(run(dir.path(), INGEST_SAMPLE));
    assert!(out.contains("posts"));
    let truth: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("sample/truth.json")).unwrap(),
    )
    .unwrap();
    let lake = read_lake(&lake_dir);
    for (table, id, expected) in [
        (
            "posts",
            "post_id",
            &truth["expected"]["posts_valid_distinct"],
        ),
        (
            "feedback",
            "event_id",
            &truth["expected"]["feedback_valid_distinct"],
        ),
    ] {
        let rows = lake[table]["rows"].as_array().unwrap();
        let ids: BTreeSet<&str> = rows.iter().map(|r| r[id].as_str().unwrap()).collect();
        assert_eq!(
            ids.len(),
            rows.len(),
            "{table}: duplicate rows after restarts"
        );
        assert_eq!(
            rows.len() as u64,
            expected.as_u64().unwrap(),
            "{table}: rows lost or extra"
        );
    }
    let positions: BTreeSet<(String, i64)> = lake["quarantine"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["source_id"].as_str().unwrap().to_string(),
                r["source_position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        positions.len(),
        lake["quarantine"]["rows"].as_array().unwrap().len(),
        "quarantine rows twice"
    );
    // No temporary files are left once a run has completed.
    for (path, _) in snapshot(&lake_dir) {
        assert!(
            !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".tmp-"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn demo_runs_end_to_end_without_a_broker() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(murmur()
        .current_dir(dir.path())
        .args(["demo", "--out", "out", "--people", "40", "--weeks", "4"])
        .output()
        .unwrap());
    assert!(out.contains("overview.md"), "{out}");
    assert!(out.contains("query"), "{out}");
    let report = std::fs::read_to_string(dir.path().join("out/reports/overview.md")).unwrap();
    assert!(report.contains("Posts per week"), "{report}");
    assert!(dir.path().join("out/derived/overview").is_dir());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("out/pseudonym.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let rows = query_json(
        dir.path(),
        &dir.path().join("out/lake"),
        "SELECT COUNT(*) AS n FROM posts",
    );
    assert!(rows[0]["n"].as_u64().unwrap() > 50, "{rows:?}");
    // Running it again replaces, it does not append.
    ok(murmur()
        .current_dir(dir.path())
        .args(["demo", "--out", "out", "--people", "40", "--weeks", "4"])
        .output()
        .unwrap());
    let again = query_json(
        dir.path(),
        &dir.path().join("out/lake"),
        "SELECT COUNT(*) AS n FROM posts",
    );
    assert_eq!(rows, again);
}
