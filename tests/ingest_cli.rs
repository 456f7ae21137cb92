//! End-to-end tests of `murmur ingest file` and `murmur query` through the real binary.

mod common;

use common::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// A file with valid events, a re-sent duplicate, a blank line and one bad record of each kind.
/// Returns the expected quarantine reason per line number.
fn mixed_input(path: &Path) -> BTreeMap<i64, &'static str> {
    let mut f = std::fs::File::create(path).unwrap();
    let mut bad = BTreeMap::new();
    let mut line = 0i64;
    let mut put = |f: &mut std::fs::File, bytes: &[u8], reason: Option<&'static str>| {
        f.write_all(bytes).unwrap();
        f.write_all(b"\n").unwrap();
        line += 1;
        if let Some(r) = reason {
            bad.insert(line, r);
        }
    };
    let p1 = post(
        "p1",
        "emp-000001",
        "2026-03-02T09:00:00+01:00",
        "How do I reset the VPN token?",
    );
    put(&mut f, p1.as_bytes(), None);
    put(
        &mut f,
        post(
            "p2",
            "emp-000002",
            "2026-03-02T23:30:00-05:00",
            "Expense tool keeps crashing",
        )
        .as_bytes(),
        None,
    );
    put(
        &mut f,
        rating("e1", "emp-000003", 4, "2026-03-03T10:00:00Z").as_bytes(),
        None,
    );
    put(&mut f, b"this is not json", Some("not_json"));
    put(&mut f, p1.as_bytes(), None); // re-sent: the same event again
    put(&mut f, br#"{"schema":"post/v1","post_id":"p3","thread_id":"p3","kind":"question","author_id":"emp-000004","team":"Ops","channel":"forum","created_at":"yesterday","body":"x"}"#, Some("out_of_range"));
    put(&mut f, br#"{"schema":"post/v1","post_id":"p4","thread_id":"p4","kind":"question","author_id":"emp-000005","channel":"forum","created_at":"2026-03-02T09:00:00Z","body":"no team"}"#, Some("missing_field"));
    put(&mut f, br#"{"schema":"feedback/v1","event_id":"e2","resource_id":"r","user_id":"emp-000006","type":"rating","value":"five","occurred_at":"2026-03-02T09:00:00Z"}"#, Some("wrong_type"));
    put(
        &mut f,
        br#"{"schema":"feedback/v2","event_id":"e3"}"#,
        Some("unknown_schema"),
    );
    put(&mut f, b"[1,2,3]", Some("not_object"));
    put(
        &mut f,
        b"{\"schema\":\"post/v1\",\"body\":\"\xff\"}",
        Some("not_utf8"),
    );
    let huge = post(
        "p5",
        "emp-000007",
        "2026-03-02T09:00:00Z",
        &"a".repeat(1_100_000),
    );
    put(&mut f, huge.as_bytes(), Some("oversize"));
    put(&mut f, b"   ", None); // blank: no record
    put(
        &mut f,
        rating("e4", "emp-000008", 2, "2026-03-04T08:00:00+02:00").as_bytes(),
        None,
    );
    bad
}

#[test]
fn ingest_routes_quarantines_and_keeps_duplicates_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mixed.jsonl");
    let bad = mixed_input(&input);
    let out = ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "--json", "mixed.jsonl"],
    ));
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["accepted"]["posts"], 2, "{summary}");
    assert_eq!(summary["accepted"]["feedback"], 2, "{summary}");
    assert_eq!(summary["duplicates"]["posts"], 1, "{summary}");
    assert_eq!(
        summary["quarantined"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum::<i64>(),
        bad.len() as i64
    );

    let lake = dir.path().join("lake");
    let ids: Vec<String> = query_json(
        dir.path(),
        &lake,
        "SELECT post_id FROM posts ORDER BY post_id",
    )
    .iter()
    .map(|r| r["post_id"].as_str().unwrap().to_string())
    .collect();
    assert_eq!(ids, ["p1", "p2"]);
    let q = query_json(
        dir.path(),
        &lake,
        "SELECT source_position, reason_code, field, reason FROM quarantine",
    );
    let got: BTreeMap<i64, String> = q
        .iter()
        .map(|r| {
            (
                r["source_position"].as_i64().unwrap(),
                r["reason_code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeMap<i64, String> = bad.iter().map(|(k, v)| (*k, v.to_string())).collect();
    assert_eq!(got, want);
    // Reasons name the field.
    let by_code: BTreeMap<&str, &Value> = q
        .iter()
        .map(|r| (r["reason_code"].as_str().unwrap(), r))
        .collect();
    assert_eq!(
        by_code["out_of_range"]["reason"],
        "created_at: expected RFC 3339 timestamp with offset, got \"yesterday\""
    );
    assert_eq!(by_code["missing_field"]["field"], "team");
    assert_eq!(by_code["wrong_type"]["field"], "value");
}

/// Strings reach the lake exactly as the JSON says, whether they are taken from the raw
/// line as they are (no escape) or decoded (escapes), and author and user ids only as
/// pseudonyms.
#[test]
fn escaped_and_plain_strings_reach_the_lake_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let lines = [
        r#"{"schema":"post/v1","post_id":"q\"1","thread_id":"t1","kind":"question","author_id":"emp-\u00e9t\u00e9","team":"R\u0026D","role":"lead","channel":"forum","created_at":"2026-03-02T09:00:00Z","title":"Tab\there","body":"line one\nline \"two\" caf\u00e9 \ud83d\ude00 \\ end","tags":["a\/b","plain","\u00fcber"],"resource_ids":["r\u00201"]}"#,
        r#"{"schema":"post/v1","post_id":"q2","thread_id":"t1","parent_id":"q\"1","kind":"answer","author_id":"emp-plain","team":"Sales","channel":"forum","created_at":"2026-03-02T10:00:00Z","body":"plain body, déjà vu","tags":[]}"#,
        r#"{"schema":"feedback/v1","event_id":"e\/1","resource_id":"r 1","user_id":"emp-\u00e9t\u00e9","type":"comment","comment":"good\r\nthanks","post_id":"q\"1","occurred_at":"2026-03-02T11:00:00Z"}"#,
    ];
    std::fs::write(dir.path().join("in.jsonl"), lines.join("\n")).unwrap();
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "in.jsonl"],
    ));
    let lake = dir.path().join("lake");
    let posts = query_json(
        dir.path(),
        &lake,
        "SELECT post_id, parent_id, author_id, team, role, title, body, tags, resource_ids \
         FROM posts ORDER BY post_id",
    );
    let pseudo = murmur_pipeline::pseudonym::Pseudonymiser::from_hex(KEY).unwrap();
    let author = pseudo.pseudonymise("emp-été");
    assert_eq!(posts.len(), 2, "{posts:?}");
    let (p1, p2) = (&posts[0], &posts[1]);
    assert_eq!(p1["post_id"], "q\"1");
    assert_eq!(p1["author_id"], author.as_str());
    assert_eq!(p1["team"], "R&D");
    assert_eq!(p1["role"], "lead");
    assert_eq!(p1["title"], "Tab\there");
    assert_eq!(p1["body"], "line one\nline \"two\" café 😀 \\ end");
    assert_eq!(p1["tags"], serde_json::json!(["a/b", "plain", "über"]));
    assert_eq!(p1["resource_ids"], serde_json::json!(["r 1"]));
    assert_eq!(p2["post_id"], "q2");
    assert_eq!(p2["parent_id"], "q\"1");
    assert_eq!(p2["author_id"], pseudo.pseudonymise("emp-plain").as_str());
    assert_eq!(p2["body"], "plain body, déjà vu");
    assert_eq!(p2["tags"], serde_json::json!([]));
    let feedback = query_json(
        dir.path(),
        &lake,
        "SELECT event_id, resource_id, user_id, comment, post_id FROM feedback",
    );
    assert_eq!(feedback.len(), 1, "{feedback:?}");
    let f = &feedback[0];
    assert_eq!(f["event_id"], "e/1");
    assert_eq!(f["resource_id"], "r 1");
    assert_eq!(f["user_id"], author.as_str());
    assert_eq!(f["comment"], "good\r\nthanks");
    assert_eq!(f["post_id"], "q\"1");
}

#[test]
fn human_summary_names_tables_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    mixed_input(&dir.path().join("mixed.jsonl"));
    let out = ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "mixed.jsonl"],
    ));
    assert!(out.contains("posts"), "{out}");
    assert!(out.contains("1 duplicate(s)"), "{out}");
    assert!(out.contains("not_json 1"), "{out}");
    assert!(out.contains("oversize 1"), "{out}");
}

#[test]
fn reingesting_the_same_file_leaves_the_lake_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    mixed_input(&dir.path().join("mixed.jsonl"));
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "mixed.jsonl"],
    ));
    let before = snapshot(&dir.path().join("lake"));
    assert!(before.len() >= 3);
    let out = ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "--json", "mixed.jsonl"],
    ));
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["files_written"], 0, "{summary}");
    assert_eq!(summary["duplicates"]["posts"], 3, "{summary}");
    assert!(summary["already_quarantined"].as_i64().unwrap() > 0);
    let after = snapshot(&dir.path().join("lake"));
    assert_eq!(before, after, "second ingest changed the lake");
    // A copy under another name has the same content hash: still nothing new.
    std::fs::copy(
        dir.path().join("mixed.jsonl"),
        dir.path().join("copy.jsonl"),
    )
    .unwrap();
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "copy.jsonl"],
    ));
    assert_eq!(before.len(), snapshot(&dir.path().join("lake")).len());
}

#[test]
fn stdin_is_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let lines = format!(
        "{}\n{}\n",
        post("s1", "emp-9", "2026-01-01T00:00:00Z", "hello"),
        rating("r1", "emp-9", 5, "2026-01-01T00:00:00Z")
    );
    let mut child = murmur()
        .current_dir(dir.path())
        .env("MURMUR__PRIVACY__KEY", KEY)
        .args(["--lake", "lake", "ingest", "file", "--json", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.as_bytes())
        .unwrap();
    let out = ok(child.wait_with_output().unwrap());
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["accepted"]["posts"], 1);
    assert_eq!(summary["accepted"]["feedback"], 1);
}

#[test]
fn missing_input_fails_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "nope.jsonl"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.jsonl"), "{}", stderr(&o));
}

#[test]
fn missing_key_file_with_existing_lake_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.jsonl"),
        post("k1", "emp-1", "2026-01-01T00:00:00Z", "x") + "\n",
    )
    .unwrap();
    // First ingest without a configured key creates the key file.
    let o = murmur()
        .current_dir(dir.path())
        .args(["--lake", "lake", "ingest", "file", "a.jsonl"])
        .output()
        .unwrap();
    ok(o);
    let key = dir.path().join("data/pseudonym.key");
    assert!(key.exists());
    std::fs::remove_file(&key).unwrap();
    let o = murmur()
        .current_dir(dir.path())
        .args(["--lake", "lake", "ingest", "file", "a.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("pseudonymisation key file"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn query_formats_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    mixed_input(&dir.path().join("mixed.jsonl"));
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "mixed.jsonl"],
    ));
    let csv = ok(run(
        dir.path(),
        &[
            "--lake",
            "lake",
            "query",
            "--format",
            "csv",
            "SELECT post_id, kind FROM posts ORDER BY post_id",
        ],
    ));
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        ["post_id,kind", "p1,question", "p2,question"]
    );
    let table = ok(run(
        dir.path(),
        &[
            "--lake",
            "lake",
            "query",
            "SELECT COUNT(*) AS n FROM feedback",
        ],
    ));
    assert!(table.contains("| n |") || table.contains("| n"), "{table}");
    assert!(table.contains("| 2 "), "{table}");
    // The partition column is a DATE; the type column needs no quoting.
    let rows = query_json(
        dir.path(),
        &dir.path().join("lake"),
        "SELECT date, type FROM feedback WHERE date = DATE '2026-03-03'",
    );
    assert_eq!(rows.len(), 1, "{rows:?}");
    let empty = ok(run(
        dir.path(),
        &[
            "--lake",
            "lake",
            "query",
            "--format",
            "json",
            "SELECT * FROM posts WHERE false",
        ],
    ));
    assert_eq!(empty.trim(), "[]");
    let bad = run(
        dir.path(),
        &["--lake", "lake", "query", "SELECT nope FROM posts"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("nope"), "{}", stderr(&bad));
}

#[test]
fn query_reads_extra_parquet_tables_and_reports_its_time() {
    let dir = tempfile::tempdir().unwrap();
    mixed_input(&dir.path().join("mixed.jsonl"));
    ok(run(
        dir.path(),
        &["--lake", "lake", "ingest", "file", "mixed.jsonl"],
    ));
    // Any Parquet file serves as the extra table: here one day of the lake's own posts.
    let first = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path()
    };
    let day = first(&dir.path().join("lake/posts"));
    let file = first(&day);
    let date = day
        .file_name()
        .unwrap()
        .to_string_lossy()
        .replace("date=", "");
    let spec = format!("extra={}", file.display());
    let query = |args: &[&str]| {
        let mut all = vec!["--lake", "lake", "query", "--format", "csv"];
        all.extend_from_slice(args);
        run(dir.path(), &all)
    };
    let timed = query(&[
        "--table",
        &spec,
        "--timing",
        "SELECT e.post_id FROM extra e JOIN posts p ON p.post_id = e.post_id ORDER BY 1",
    ]);
    let direct = query(&[&format!(
        "SELECT post_id FROM posts WHERE date = DATE '{date}' ORDER BY 1"
    )]);
    assert_eq!(stdout(&timed), ok(direct));
    let rows = stdout(&timed).lines().count() - 1;
    let timing = stderr(&timed);
    assert!(
        timing.starts_with(&format!("{rows} rows in ")) && timing.trim_end().ends_with(" s"),
        "{timing}"
    );
    // --repeat runs it in one session: one timing line per run, the result printed once.
    let repeated = query(&[
        "--table",
        &spec,
        "--timing",
        "--repeat",
        "3",
        "SELECT e.post_id FROM extra e JOIN posts p ON p.post_id = e.post_id ORDER BY 1",
    ]);
    assert_eq!(stdout(&repeated), stdout(&timed));
    let lines: Vec<String> = stderr(&repeated).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (i, line) in lines.iter().enumerate() {
        let head = format!("run {}: {rows} rows in ", i + 1);
        assert!(line.starts_with(&head) && line.ends_with(" s"), "{lines:?}");
    }
    let zero = query(&["--repeat", "0", "SELECT 1"]);
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr(&zero).contains("--repeat"), "{}", stderr(&zero));
    let bad = query(&["--table", "no-equals-sign", "SELECT 1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("NAME=PATH"), "{}", stderr(&bad));
    let missing = query(&["--table", "gone=gone.parquet", "SELECT 1"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("gone.parquet"),
        "{}",
        stderr(&missing)
    );
}

/// DATAFUSION_* variables reach the engine; a bad one is named, not a panic or a silent default.
#[test]
fn query_engine_settings_come_from_datafusion_variables() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lake")).unwrap();
    let setting = "SELECT value FROM information_schema.df_settings \
                   WHERE name = 'datafusion.execution.target_partitions'";
    let query = |env: Option<&str>| {
        let mut c = murmur();
        c.current_dir(dir.path())
            .args(["--lake", "lake", "query", "--format", "csv", setting]);
        if let Some(v) = env {
            c.env("DATAFUSION_EXECUTION_TARGET_PARTITIONS", v);
        }
        c.output().unwrap()
    };
    assert_eq!(ok(query(None)), "value\n2\n");
    assert_eq!(ok(query(Some("3"))), "value\n3\n");
    let bad = query(Some("many"));
    assert_eq!(bad.status.code(), Some(2));
    let e = stderr(&bad);
    assert!(
        e.contains("DATAFUSION_") && e.contains("target_partitions") && e.contains("many"),
        "{e}"
    );
}

#[test]
fn config_check_lists_every_problem_and_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("murmur.toml"),
        "[lake]\nfolder = \"x\"\n[privacy]\nmin_group_size = 0\n[ingest]\nfile_max_rows = 0\n",
    )
    .unwrap();
    let o = run(dir.path(), &["config", "check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("folder"), "{err}");
    assert!(err.contains("min_group_size"), "{err}");
    assert!(err.contains("file_max_rows"), "{err}");
    std::fs::write(dir.path().join("murmur.toml"), "[lake]\npath = \"l\"\n").unwrap();
    let o = run(dir.path(), &["config", "check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let shown = ok(run(dir.path(), &["config", "show"]));
    assert!(!shown.contains(KEY), "secret printed: {shown}");
    assert!(!stdout(&o).contains(KEY));
    // Environment overrides reach every section.
    let o = murmur()
        .current_dir(dir.path())
        .env("MURMUR__LAKE__PATH", "from-env")
        .args(["config", "show"])
        .output()
        .unwrap();
    assert!(stdout(&o).contains("from-env"), "{}", stdout(&o));
}

#[test]
fn sentiment_scores_each_line_from_stdin() {
    let mut child = murmur()
        .args(["sentiment"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"Thanks, the job aid finally made it click!\nI'm stuck again, the expense tool keeps crashing.\n\n")
        .unwrap();
    let out = ok(child.wait_with_output().unwrap());
    let scores: Vec<f64> = out.lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(scores.len(), 3, "{out}");
    assert!(scores[0] > 0.3, "{out}");
    assert!(scores[1] < -0.3, "{out}");
    assert_eq!(scores[2], 0.0);
    // VADER's published example, with the original lexicon only.
    let mut child = murmur()
        .args(["sentiment", "--vader-only", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"VADER is smart, handsome, and funny.\n")
        .unwrap();
    let out = ok(child.wait_with_output().unwrap());
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["compound"], 0.8316);
}
