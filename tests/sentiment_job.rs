//! `murmur run sentiment` through the real binary: the planted tone shift of the sample
//! organisation is found in time and stable topics stay quiet (three seeds), scores are
//! stored and not recomputed, the JSON shape, the privacy floor and replace-not-append.

mod common;

use chrono::{Days, NaiveDate};
use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::SystemTime;

fn run_json(dir: &Path, as_of: &str, env: &[(&str, &str)]) -> Value {
    let mut cmd = murmur();
    cmd.current_dir(dir).env("MURMUR__PRIVACY__KEY", KEY).args([
        "--lake",
        "lake",
        "run",
        "sentiment",
        "--as-of",
        as_of,
        "--format",
        "json",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = ok(cmd.output().expect("murmur runs"));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

fn date(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// Checks the JSON shape of one run.
fn check_shape(v: &Value, as_of: NaiveDate) {
    assert_eq!(v["as_of"], as_of.to_string());
    for s in v["shifts"].as_array().expect("shifts is an array") {
        for key in ["topic_id", "label", "group", "direction"] {
            assert!(s[key].is_string(), "{key} in {s}");
        }
        assert!(s["terms"].as_array().is_some_and(|t| !t.is_empty()), "{s}");
        for key in ["before", "after", "delta", "p_value"] {
            assert!(s[key].is_f64(), "{key} in {s}");
        }
        for key in ["n_before", "n_after"] {
            assert!(s[key].as_u64().is_some_and(|n| n >= 30), "{key} in {s}");
        }
        let delta = s["delta"].as_f64().unwrap();
        let dir = if delta < 0.0 { "negative" } else { "positive" };
        assert_eq!(s["direction"], dir, "{s}");
        let p = s["p_value"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{s}");
        assert!(delta.abs() >= 0.1, "{s}");
    }
}

/// Sample organisation → lake → weekly runs; the planted shift is flagged within 7 days of
/// its start and background topics are flagged in at most 5% of the weeks.
fn quality(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let truth = sample_org(d, 2500, 12, seed, false);
    let topics = truth["topics"].as_array().unwrap();
    // Topics are tags until the topic model exists: a truth topic is known by the tags no
    // other topic uses.
    let mut users: BTreeMap<String, usize> = BTreeMap::new();
    for t in topics {
        for tag in t["tags"].as_array().unwrap() {
            *users.entry(tag.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let own_tags = |t: &Value| -> BTreeSet<String> {
        t["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .filter(|x| users[x] == 1)
            .map(|x| format!("tag:{x}"))
            .collect()
    };
    let shift = topics.iter().find(|t| t["kind"] == "tone_shift").unwrap();
    let shift_tags = own_tags(shift);
    assert!(!shift_tags.is_empty());
    let start = date(&shift["tone"]["start"]);
    let stable: Vec<(String, BTreeSet<String>)> = topics
        .iter()
        .filter(|t| {
            t["kind"] == "background"
                && !t["kinds"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k == "intervention_target")
        })
        .map(|t| (t["key"].as_str().unwrap().to_string(), own_tags(t)))
        .filter(|(_, tags)| !tags.is_empty())
        .collect();
    let span_start = date(&truth["span"]["start"]);
    let span_end = date(&truth["span"]["end"]);

    // Weekly as-of dates aligned so that one ends exactly 7 days after the shift starts.
    let detect_by = start + Days::new(6);
    let mut as_of = detect_by;
    while as_of - Days::new(7) >= span_start + Days::new(27) {
        as_of = as_of - Days::new(7);
    }
    let mut detected = None;
    let (mut weeks, mut flagged_weeks) = (0, 0);
    let mut noisy = Vec::new();
    while as_of <= span_end {
        let v = run_json(d, &as_of.to_string(), &[]);
        check_shape(&v, as_of);
        let shifts = v["shifts"].as_array().unwrap();
        let hit = shifts.iter().any(|s| {
            shift_tags.contains(s["topic_id"].as_str().unwrap()) && s["direction"] == "negative"
        });
        if hit && as_of >= start && as_of <= detect_by && detected.is_none() {
            detected = Some(as_of);
        }
        for (key, tags) in &stable {
            weeks += 1;
            if shifts
                .iter()
                .any(|s| tags.contains(s["topic_id"].as_str().unwrap()))
            {
                flagged_weeks += 1;
                noisy.push(format!("{key} as of {as_of}"));
            }
        }
        as_of = as_of + Days::new(7);
    }
    assert!(
        detected.is_some(),
        "seed {seed}: the tone shift starting {start} ({shift_tags:?}) was not flagged by {detect_by}"
    );
    let rate = f64::from(flagged_weeks) / f64::from(weeks);
    eprintln!(
        "seed {seed}: shift from {start} flagged as of {}; stable topics flagged in {flagged_weeks} of {weeks} topic-weeks ({:.1}%) {noisy:?}",
        detected.unwrap(),
        rate * 100.0
    );
    assert!(
        weeks >= 50 && rate <= 0.05,
        "seed {seed}: stable topics flagged in {flagged_weeks} of {weeks} topic-weeks: {noisy:?}"
    );
}

#[test]
fn planted_shift_found_and_stable_topics_quiet_seed_1() {
    quality(1);
}

#[test]
fn planted_shift_found_and_stable_topics_quiet_seed_2() {
    quality(2);
}

#[test]
fn planted_shift_found_and_stable_topics_quiet_seed_3() {
    quality(3);
}

/// A hand-made lake: topic tag `vpn`; team Big (6 authors) and team Tiny (2 authors, below
/// the floor of 5); praise in the baseline, complaints in the recent window (as of
/// 2026-03-15: recent 2026-03-09..15, baseline 2026-01-12..03-08).
fn small_lake(dir: &Path) {
    let mut lines = Vec::new();
    let mut n = 0;
    let mut post = |team: &str, author: String, day: NaiveDate, body: &str| {
        n += 1;
        lines.push(
            json!({
                "schema": "post/v1", "post_id": format!("p{n}"), "thread_id": format!("p{n}"),
                "kind": "question", "author_id": author, "team": team, "channel": "forum",
                "created_at": format!("{day}T10:00:00Z"), "body": body, "tags": ["vpn"],
            })
            .to_string(),
        );
    };
    let good = "Thanks, the VPN guide is great and really helpful!";
    let bad = "The VPN keeps crashing again, this is terrible and so frustrating.";
    let base = NaiveDate::from_ymd_opt(2026, 2, 2).unwrap();
    let recent = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
    for i in 0..36u64 {
        post("Big", format!("b{}", i % 6), base + Days::new(i % 30), good);
        post("Big", format!("b{}", i % 6), recent + Days::new(i % 7), bad);
    }
    for i in 0..24u64 {
        post(
            "Tiny",
            format!("t{}", i % 2),
            base + Days::new(i % 30),
            good,
        );
        post(
            "Tiny",
            format!("t{}", i % 2),
            recent + Days::new(i % 7),
            bad,
        );
    }
    std::fs::write(dir.join("posts.jsonl"), lines.join("\n") + "\n").unwrap();
    ok(run(
        dir,
        &["--lake", "lake", "ingest", "file", "posts.jsonl"],
    ));
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    snapshot(dir)
        .into_iter()
        .map(|(p, _)| {
            let t = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p.display().to_string(), t)
        })
        .collect()
}

/// Rows of a derived Parquet file, read by pyarrow.
fn parquet_rows(path: &Path) -> Vec<Value> {
    let script = "import sys, json, pyarrow.parquet as pq\n\
                  print(json.dumps(pq.read_table(sys.argv[1]).to_pylist(), default=str))";
    let out = std::process::Command::new(python())
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("python runs (make test-deps)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn privacy_floor_stored_scores_and_replace_not_append() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    small_lake(d);
    let env = [("MURMUR__SENTIMENT__MIN_POSTS", "10")];
    let first = run_json(d, "2026-03-15", &env);
    check_shape_small(&first);
    assert_eq!(first["scores"]["posts_scored"], 120);
    let groups: BTreeSet<&str> = first["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, BTreeSet::from(["all", "team=Big"]), "{first}");
    assert!(
        first["shifts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["direction"] == "negative" && s["topic_id"] == "tag:vpn"),
        "{first}"
    );
    // The tiny team is in no derived table either.
    let out = d.join("derived/sentiment_shifts/as_of=2026-03-15");
    for f in ["shifts.parquet", "tests.parquet", "weekly.parquet"] {
        let rows = parquet_rows(&out.join(f));
        assert!(
            rows.iter().all(|r| r["group"] != "team=Tiny"),
            "{f}: {rows:?}"
        );
        if f != "weekly.parquet" {
            assert!(!rows.is_empty(), "{f} is empty");
        }
    }

    // Stored scores: one file per lake day and a manifest; nothing rescored on a re-run.
    let scores = d.join("derived/sentiment_scores");
    assert!(scores.join("manifest.json").is_file());
    let days = std::fs::read_dir(&scores)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().join("scores.parquet").is_file())
        .count();
    assert_eq!(
        days,
        first["scores"]["days_scored"].as_u64().unwrap() as usize
    );
    let before = mtimes(&scores);
    let tests_before = parquet_rows(&out.join("tests.parquet"));
    let second = run_json(d, "2026-03-15", &env);
    assert_eq!(second["scores"]["days_scored"], 0, "{second}");
    assert_eq!(second["scores"]["days_unchanged"], days, "{second}");
    let after = mtimes(&scores);
    for (path, t) in &before {
        if !path.ends_with("manifest.json") {
            assert_eq!(after.get(path), Some(t), "{path} was rewritten");
        }
    }
    // Replace, not append: the same files with the same rows.
    assert_eq!(second["shifts"], first["shifts"]);
    assert_eq!(parquet_rows(&out.join("tests.parquet")), tests_before);
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(files, ["shifts.parquet", "tests.parquet", "weekly.parquet"]);

    // A new post on one day rescores that day only.
    std::fs::write(
        d.join("more.jsonl"),
        json!({
            "schema": "post/v1", "post_id": "extra", "thread_id": "extra", "kind": "question",
            "author_id": "b1", "team": "Big", "channel": "forum",
            "created_at": "2026-03-10T12:00:00Z", "body": "Still broken.", "tags": ["vpn"],
        })
        .to_string()
            + "\n",
    )
    .unwrap();
    ok(run(d, &["--lake", "lake", "ingest", "file", "more.jsonl"]));
    let third = run_json(d, "2026-03-15", &env);
    assert_eq!(third["scores"]["days_scored"], 1, "{third}");
    // 2026-03-10 held 5 Big and 4 Tiny posts; now one more.
    assert_eq!(third["scores"]["posts_scored"], 10, "{third}");
    let again = mtimes(&scores);
    let changed: Vec<&String> = before
        .iter()
        .filter(|(p, t)| !p.ends_with("manifest.json") && again.get(*p) != Some(*t))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].contains("date=2026-03-10"), "{changed:?}");
}

fn check_shape_small(v: &Value) {
    assert_eq!(v["as_of"], "2026-03-15");
    for s in v["shifts"].as_array().unwrap() {
        for key in [
            "topic_id",
            "label",
            "terms",
            "group",
            "before",
            "after",
            "delta",
            "p_value",
            "n_before",
            "n_after",
            "direction",
        ] {
            assert!(!s[key].is_null(), "{key} missing in {s}");
        }
        assert_eq!(s["label"], "vpn");
        assert_eq!(s["terms"], json!(["vpn"]));
    }
}

#[test]
fn bad_as_of_and_missing_lake_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            "--lake",
            "nolake",
            "run",
            "sentiment",
            "--as-of",
            "2026-13-01",
        ],
    );
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--as-of"), "{}", stderr(&o));
    let o = run(dir.path(), &["--lake", "nolake", "run", "sentiment"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("nolake"), "{}", stderr(&o));
}

/// With the rising job's topics on disk, the shift job groups by them (not tags) and still
/// flags the planted tone shift, under a topic whose terms are the desk-booking ones.
#[test]
fn shifts_use_the_topic_model_when_it_has_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let truth = sample_org(d, 2500, 12, 4, false);
    let shift = truth["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "tone_shift")
        .unwrap()
        .clone();
    let as_of = date(&shift["tone"]["start"]) + Days::new(6);
    ok(run(
        d,
        &[
            "--lake",
            "lake",
            "run",
            "rising",
            "--as-of",
            &as_of.to_string(),
            "--format",
            "json",
        ],
    ));
    let v = run_json(d, &as_of.to_string(), &[]);
    assert_eq!(v["topics"], format!("topic model as of {as_of}"), "{v}");
    let planted: BTreeSet<String> = shift["tags"]
        .as_array()
        .unwrap()
        .iter()
        .chain(shift["terms"].as_array().into_iter().flatten())
        .map(|x| x.as_str().unwrap().to_lowercase())
        .collect();
    let hit = v["shifts"].as_array().unwrap().iter().any(|s| {
        s["direction"] == "negative"
            && s["topic_id"].as_str().unwrap().starts_with("t-")
            && s["terms"].as_array().unwrap().iter().any(|t| {
                let t = t.as_str().unwrap().trim_start_matches('#');
                planted
                    .iter()
                    .any(|p| p.contains(t) || t.contains(p.as_str()))
            })
    });
    assert!(
        hit,
        "no negative shift on a desk-booking topic ({planted:?}): {v}"
    );
}
