//! `murmur run rising` through the real binary on the sample organisation's planted truth,
//! for three seeds: planted emerging problems reach the daily top 5 within 3 days of onset
//! (5 for a slow burn) and stay while they grow (one sampled day may miss), the month-end
//! topic never does, false alarms stay under one a week, and
//! topics keep their ids over consecutive weekly runs. The full daily evaluation (every day,
//! median delay) is `scripts/eval_rising.py`; this test samples days to keep it quick.

mod common;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const PEOPLE: u32 = 4000;
const WEEKS: u32 = 20;

struct Org {
    dir: tempfile::TempDir,
    truth: Value,
    /// Opening post (thread) → planted topic.
    thread_topic: HashMap<String, String>,
}

fn org(seed: u64) -> Org {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Posts only: the ranking's quality does not depend on feedback, and it keeps the test
    // quick. (Resources and content gaps are checked in the shape test below.)
    let truth = sample_org(d, PEOPLE, WEEKS, seed, false);
    let mut thread_topic = HashMap::new();
    let csv = std::fs::read_to_string(d.join("sample/truth_posts.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == f[1] {
            thread_topic.insert(f[1].to_string(), f[2].to_string());
        }
    }
    Org {
        dir,
        truth,
        thread_topic,
    }
}

/// The daily top 5 as of the end of `day`: (topic id, planted topic most of its threads
/// belong to, score).
fn top5(o: &Org, day: NaiveDate) -> Vec<(String, String, f64)> {
    let d = o.dir.path();
    let out = ok(run(
        d,
        &[
            "--lake",
            "lake",
            "--catalog",
            "sample/catalog",
            "run",
            "rising",
            "--as-of",
            &day.to_string(),
            "--window",
            "day",
            "--top",
            "5",
            "--format",
            "json",
        ],
    ));
    let report: Value = serde_json::from_str(&out).unwrap();
    let planted = planted_by_topic(o, d, day);
    report["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let id = t["topic_id"].as_str().unwrap().to_string();
            let p = planted.get(&id).cloned().unwrap_or_default();
            (id, p, t["score"].as_f64().unwrap())
        })
        .collect()
}

/// Topic id → the planted topic most of its threads belong to, from the run's assignments.
fn planted_by_topic(o: &Org, d: &Path, day: NaiveDate) -> HashMap<String, String> {
    thread_counts(o, d, day)
        .into_iter()
        .map(|(t, c)| {
            let best = c.into_iter().max_by_key(|(_, n)| *n).unwrap().0;
            (t, best)
        })
        .collect()
}

/// Planted topic → the topic id holding most of its threads.
fn topic_of_planted(o: &Org, d: &Path, day: NaiveDate) -> HashMap<String, String> {
    let mut best: HashMap<String, (usize, String)> = HashMap::new();
    for (topic, counts) in thread_counts(o, d, day) {
        for (planted, n) in counts {
            let e = best.entry(planted).or_insert((0, String::new()));
            if n > e.0 || (n == e.0 && topic < e.1) {
                *e = (n, topic.clone());
            }
        }
    }
    best.into_iter().map(|(p, (_, t))| (p, t)).collect()
}

/// Topic id → planted topic → threads, from the run's assignments.
fn thread_counts(o: &Org, d: &Path, day: NaiveDate) -> HashMap<String, BTreeMap<String, usize>> {
    let file = format!("derived/topic_assignments/as_of={day}/assignments.parquet");
    let out = ok(run(
        d,
        &[
            "--lake",
            "lake",
            "query",
            "--format",
            "csv",
            "--table",
            &format!("a={file}"),
            "SELECT thread_id, topic_id FROM a",
        ],
    ));
    let mut counts: HashMap<String, BTreeMap<String, usize>> = HashMap::new();
    for line in out.lines().skip(1) {
        let (thread, topic) = line.split_once(',').unwrap();
        let planted = o.thread_topic.get(thread).cloned().unwrap_or_default();
        *counts
            .entry(topic.to_string())
            .or_default()
            .entry(planted)
            .or_default() += 1;
    }
    counts
}

fn date(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap()
}

/// Whether a planted topic really surged on `day`: at least twice its mean of the previous
/// 28 days, and at least 5 posts.
fn real_surge(topic: &Value, day: NaiveDate) -> bool {
    let dc = &topic["daily_counts"];
    let n = |d: NaiveDate| dc[d.to_string()].as_f64().unwrap_or(0.0);
    let mean = (1..=28).map(|i| n(day - Days::new(i))).sum::<f64>() / 28.0;
    n(day) >= 5.0 && n(day) >= 2.0 * mean
}

fn quality(seed: u64) {
    let o = org(seed);
    let topics: Vec<Value> = o.truth["topics"].as_array().unwrap().clone();
    let by_key: HashMap<String, Value> = topics
        .iter()
        .map(|t| (t["key"].as_str().unwrap().to_string(), t.clone()))
        .collect();
    let kind = |k: &str| by_key.get(k).map_or("", |t| t["kind"].as_str().unwrap());
    let start = date(&o.truth["span"]["start"]);
    let end = date(&o.truth["span"]["end"]);
    let first_day = start + Days::new(28);

    // Days to run: onset to onset + 3, then every third day to the peak, for each emerging
    // problem; the last working day of each month; four consecutive weekly runs.
    let mut days: BTreeSet<NaiveDate> = BTreeSet::new();
    let emerging: Vec<&Value> = topics.iter().filter(|t| t["kind"] == "emerging").collect();
    for t in &emerging {
        let (onset, peak) = (date(&t["onset"]), date(&t["peak"]));
        for i in 0..=7 {
            days.insert(onset + Days::new(i));
        }
        let mut d = onset + Days::new(6);
        while d <= peak {
            days.insert(d);
            d = d + Days::new(3);
        }
        days.insert(peak);
    }
    let mut d = first_day;
    while d < end {
        let next = d + Days::new(1);
        if next.month() != d.month() && d.weekday() != Weekday::Sat && d.weekday() != Weekday::Sun {
            days.insert(d);
        }
        d = next;
    }
    // Weeks 8 to 11: topics have two months of history by then.
    let weekly: Vec<NaiveDate> = (8..12).map(|w| start + Days::new(7 * w)).collect();
    days.extend(weekly.iter().copied());
    days.retain(|d| *d >= first_day && *d < end);

    let mut tops: BTreeMap<NaiveDate, Vec<(String, String, f64)>> = BTreeMap::new();
    for day in &days {
        tops.insert(*day, top5(&o, *day));
    }
    let has =
        |day: NaiveDate, key: &str| tops.get(&day).is_some_and(|e| e.iter().any(|x| x.1 == key));

    let mut report = Vec::new();
    for t in &emerging {
        let key = t["key"].as_str().unwrap();
        let (onset, peak) = (date(&t["onset"]), date(&t["peak"]));
        // Within 3 days of onset (the target), except a slow burn (a ramp of more
        // than two weeks from onset to peak): its first days add little to the trickle
        // before it, and the job finds it on day 4 or 5 (known gap, docs/rising.md).
        let slow_burn = peak - onset > chrono::TimeDelta::days(14);
        let allowed = if slow_burn { 5 } else { 3 };
        let first = (0..=allowed)
            .map(|i| onset + Days::new(i))
            .find(|d| has(*d, key))
            .unwrap_or_else(|| {
                panic!(
                    "seed {seed}: {key} not in the top 5 within {allowed} days of {onset}: {tops:?}"
                )
            });
        report.push(format!(
            "{key}: first in top 5 on {first}, {} days after onset {onset}{}",
            (first - onset).num_days(),
            if slow_burn { " (slow burn)" } else { "" }
        ));
        // While it grows it stays in the top 5. Known gap (see docs/rising.md): on some
        // seeds a young topic's threads fall into a similar established topic for a day, so
        // the test allows one sampled day to miss.
        let growing: Vec<_> = tops.range(first..=peak).collect();
        let missed: Vec<_> = growing
            .iter()
            .filter(|(_, entries)| !entries.iter().any(|e| e.1 == key))
            .collect();
        assert!(
            missed.len() <= 1,
            "seed {seed}: {key} left the top 5 on {} of {} sampled days while growing (peak {peak}): {missed:?}",
            missed.len(),
            growing.len()
        );
        report.push(format!(
            "{key}: in the top 5 on {} of {} sampled days to the peak",
            growing.len() - missed.len(),
            growing.len()
        ));
    }
    // The recurring topic never ranks; false alarms stay under one a week.
    let mut false_alarms = Vec::new();
    for (day, entries) in &tops {
        for (id, planted, score) in entries {
            assert_ne!(
                kind(planted),
                "recurring",
                "seed {seed}: the month-end topic ranked on {day}: {entries:?}"
            );
            let surge = by_key.get(planted).is_some_and(|t| real_surge(t, *day));
            if kind(planted) != "emerging" && !surge {
                false_alarms.push((*day, id.clone(), planted.clone(), *score));
            }
        }
    }
    let per_week = false_alarms.len() as f64 * 7.0 / tops.len() as f64;
    assert!(
        per_week <= 1.0,
        "seed {seed}: {per_week:.2} false alarms a week: {false_alarms:?}"
    );
    // Ids: background topics keep their id over four consecutive weekly runs.
    let ids: Vec<HashMap<String, String>> = weekly
        .iter()
        .map(|day| topic_of_planted(&o, o.dir.path(), *day))
        .collect();
    let background: Vec<&str> = topics
        .iter()
        .filter(|t| t["kind"] == "background")
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    let stable = background
        .iter()
        .filter(|k| {
            let first = ids[0].get(**k);
            first.is_some() && ids.iter().all(|m| m.get(**k) == first)
        })
        .count();
    assert!(
        stable * 10 >= background.len() * 9,
        "seed {seed}: only {stable} of {} background topics kept their id over 4 weekly runs",
        background.len()
    );
    eprintln!(
        "seed {seed}: {} runs, {} false alarms ({per_week:.2}/week), {stable}/{} ids stable\n  {}",
        tops.len(),
        false_alarms.len(),
        background.len(),
        report.join("\n  ")
    );
}

#[test]
fn rising_quality_seed_1() {
    quality(1);
}

#[test]
fn rising_quality_seed_2() {
    quality(2);
}

#[test]
fn rising_quality_seed_3() {
    quality(3);
}

/// The JSON shape, the outputs on disk, replace-not-append, privacy of examples, and a
/// clear error for a bad --as-of.
#[test]
fn rising_json_outputs_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let truth = sample_org(d, 1500, 12, 5, true);
    let peak = truth["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "emerging")
        .map(|t| date(&t["peak"]))
        .unwrap();
    let args = [
        "--lake",
        "lake",
        "--catalog",
        "sample/catalog",
        "run",
        "rising",
        "--as-of",
        &peak.to_string(),
        "--format",
        "json",
    ];
    let first = ok(run(d, &args));
    let v: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["as_of"], peak.to_string());
    assert_eq!(v["window"], "day");
    let topics = v["topics"].as_array().unwrap();
    assert!(
        !topics.is_empty(),
        "a planted problem at its peak ranks: {v}"
    );
    let mut last = f64::INFINITY;
    for t in topics {
        for k in [
            "topic_id",
            "label",
            "rising_label",
            "first_seen",
            "issue_type",
        ] {
            assert!(t[k].is_string(), "{k} in {t}");
        }
        for k in ["score", "baseline", "growth", "unanswered_share"] {
            assert!(t[k].is_f64(), "{k} in {t}");
        }
        for k in [
            "terms",
            "teams",
            "sites",
            "experts",
            "resources",
            "examples",
        ] {
            assert!(t[k].is_array(), "{k} in {t}");
        }
        // What is new in it: a label made of its rising terms, or its own label when none.
        let rising: Vec<&str> = t["rising_terms"]
            .as_array()
            .unwrap_or_else(|| panic!("rising_terms in {t}"))
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let rising_label = t["rising_label"].as_str().unwrap();
        if rising.is_empty() {
            assert_eq!(rising_label, t["label"].as_str().unwrap(), "{t}");
        } else {
            assert!(rising.len() <= 5, "{t}");
            for part in rising_label.split(" · ") {
                assert!(
                    rising.iter().any(|r| r.trim_start_matches('#') == part),
                    "{part} of rising_label not among rising_terms: {t}"
                );
            }
        }
        let (posts, threads) = (t["posts"].as_u64().unwrap(), t["threads"].as_u64().unwrap());
        assert!(posts >= 5 && (3..=posts).contains(&threads), "{t}");
        assert!(t["content_gap"].is_boolean());
        let score = t["score"].as_f64().unwrap();
        assert!(score <= last, "ordered by score");
        last = score;
        assert!(
            [
                "skill_gap",
                "policy_clarification",
                "cultural_barrier",
                "tooling_defect",
                "unclear"
            ]
            .contains(&t["issue_type"].as_str().unwrap())
        );
        for e in t["experts"].as_array().unwrap() {
            let id = e["author_id"].as_str().unwrap();
            assert!(!id.starts_with("emp-"), "experts are pseudonymous: {e}");
        }
        // Examples only from teams with enough people: every listed team is above the floor.
        assert!(
            t["teams"].as_array().unwrap().len() as i64 <= t["spread"]["teams"].as_i64().unwrap()
        );
    }
    let dir_out = d.join(format!("derived/rising_topics/as_of={peak}"));
    for f in ["rising_day.parquet", "rising_day.json"] {
        assert!(dir_out.join(f).is_file(), "{f} written");
    }
    assert!(
        d.join(format!("derived/topics/as_of={peak}/topics.parquet"))
            .is_file()
    );
    // The ranking file, read back by pyarrow, holds what the JSON shows.
    let read = std::process::Command::new(python())
        .args([
            "-c",
            "import json, sys, pyarrow.parquet as pq; \
             print(json.dumps(pq.read_table(sys.argv[1]).select(\
             ['topic_id', 'label', 'rising_label', 'rising_terms']).to_pylist()))",
        ])
        .arg(dir_out.join("rising_day.parquet"))
        .output()
        .unwrap();
    assert!(read.status.success(), "{}", stderr(&read));
    let rows: Value = serde_json::from_slice(&read.stdout).unwrap();
    let shown: Vec<Value> = topics
        .iter()
        .map(|t| {
            serde_json::json!({"topic_id": t["topic_id"], "label": t["label"],
                "rising_label": t["rising_label"], "rising_terms": t["rising_terms"]})
        })
        .collect();
    assert_eq!(rows, Value::Array(shown));
    // Re-running replaces: same ranking, same files.
    let second = ok(run(d, &args));
    let v2: Value = serde_json::from_str(&second).unwrap();
    assert_eq!(v["topics"], v2["topics"]);
    assert_eq!(std::fs::read_dir(&dir_out).unwrap().count(), 2);
    // A table for people.
    let table = ok(run(d, &args[..args.len() - 2]));
    assert!(
        table.contains("Rising topics, day window ending"),
        "{table}"
    );
    // The thread rule is applied: asking for more threads than the whole lake holds ranks
    // nothing.
    let strict = murmur()
        .current_dir(d)
        .env("MURMUR__PRIVACY__KEY", KEY)
        .env("MURMUR__RISING__MIN_THREADS", "1000000")
        .args(args)
        .output()
        .unwrap();
    let strict: Value = serde_json::from_str(&ok(strict)).unwrap();
    assert_eq!(strict["topics"], serde_json::json!([]), "{strict}");
    // A bad --as-of names the flag and what was expected.
    let bad = run(
        d,
        &["--lake", "lake", "run", "rising", "--as-of", "yesterday"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("--as-of"), "{}", stderr(&bad));
}
