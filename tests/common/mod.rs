//! Helpers shared by the end-to-end tests: run the real binary, make inputs, read the lake
//! back with an independent reader (pyarrow).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fixed test key (hex), so tests can compute expected pseudonyms.
pub const KEY: &str = "6d75726d75722d746573742d6b65792d3030303030303030";

/// The murmur binary under test.
pub fn murmur() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_murmur"));
    c.env_remove("MURMUR__PRIVACY__KEY")
        .env("MURMUR_LOG", "warn")
        .stdin(Stdio::null());
    c
}

/// Runs murmur with args in `dir` and the test key; returns the output.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    murmur()
        .current_dir(dir)
        .env("MURMUR__PRIVACY__KEY", KEY)
        .args(args)
        .output()
        .expect("murmur runs")
}

/// stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "murmur failed ({}):\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Generates the sample organisation into `dir/sample` (people × weeks, seeded), ingests
/// its posts (and, with `feedback`, its feedback) into `dir/lake`, and returns its planted
/// truth (`sample/truth.json`).
pub fn sample_org(
    dir: &Path,
    people: u32,
    weeks: u32,
    seed: u64,
    feedback: bool,
) -> serde_json::Value {
    let (people, weeks, seed) = (people.to_string(), weeks.to_string(), seed.to_string());
    ok(run(
        dir,
        &[
            "fixtures", "generate", "--people", &people, "--weeks", &weeks, "--seed", &seed,
            "--out", "sample",
        ],
    ));
    let mut ingest = vec!["--lake", "lake", "ingest", "file", "sample/posts.jsonl"];
    if feedback {
        ingest.push("sample/feedback.jsonl");
    }
    ok(run(dir, &ingest));
    serde_json::from_str(&std::fs::read_to_string(dir.join("sample/truth.json")).unwrap()).unwrap()
}

/// The Python with pyarrow (installed by `make test-deps`).
pub fn python() -> String {
    std::env::var("MURMUR_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Reads the lake with pyarrow (tests/read_lake.py) and returns its JSON.
pub fn read_lake(lake: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/read_lake.py");
    let out = Command::new(python())
        .arg(script)
        .arg(lake)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} (run `make test-deps`): {e}", python()));
    assert!(
        out.status.success(),
        "independent reader failed (is pyarrow installed? `make test-deps`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("reader prints JSON")
}

/// Every file under a folder, with its bytes, sorted by path.
pub fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("readable file");
                out.push((p, bytes));
            }
        }
    }
    out.sort();
    out
}

/// Runs a query and parses its JSON rows.
pub fn query_json(dir: &Path, lake: &Path, sql: &str) -> Vec<serde_json::Value> {
    let out = ok(run(
        dir,
        &[
            "--lake",
            lake.to_str().unwrap(),
            "query",
            "--format",
            "json",
            sql,
        ],
    ));
    match serde_json::from_str::<serde_json::Value>(&out).expect("query prints JSON") {
        serde_json::Value::Array(rows) => rows,
        other => panic!("expected a JSON array, got {other}"),
    }
}

/// A post/v1 line.
pub fn post(id: &str, author: &str, created_at: &str, body: &str) -> String {
    serde_json::json!({
        "schema": "post/v1", "post_id": id, "thread_id": id, "kind": "question",
        "author_id": author, "team": "Sales", "channel": "forum",
        "created_at": created_at, "body": body, "tags": ["vpn"]
    })
    .to_string()
}

/// A feedback/v1 rating line.
pub fn rating(id: &str, user: &str, value: i64, at: &str) -> String {
    serde_json::json!({
        "schema": "feedback/v1", "event_id": id, "resource_id": "res-1", "user_id": user,
        "type": "rating", "value": value, "occurred_at": at
    })
    .to_string()
}
