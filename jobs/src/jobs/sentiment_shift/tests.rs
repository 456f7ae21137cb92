//! The statistics on tiny hand-made frames with known answers. Reference values are from
//! scipy 1.x: `mannwhitneyu(x, y, method="asymptotic")` and `false_discovery_control(p)`.

use super::*;

/// scipy: mannwhitneyu(RECENT, BASELINE, method="asymptotic") → U = 109, p = 0.0013367383135745115.
const RECENT: [f64; 10] = [0.5, 0.2, 0.2, -0.1, 0.7, 0.3, 0.3, 0.9, 0.1, 0.4];
const BASELINE: [f64; 12] = [
    -0.5, -0.2, 0.2, -0.1, -0.7, 0.3, -0.3, 0.0, -0.6, -0.4, -0.2, 0.1,
];
const SCIPY_U: f64 = 109.0;
const SCIPY_P: f64 = 0.001_336_738_313_574_511_5;

/// Rows of one topic and group: the recent sample by `recent_authors` distinct authors,
/// the baseline by `baseline_authors`.
fn rows(topic: &str, group: &str, recent_authors: usize, baseline_authors: usize) -> DataFrame {
    let mut t = Vec::new();
    let mut g = Vec::new();
    let mut a = Vec::new();
    let mut c = Vec::new();
    let mut r = Vec::new();
    let mut w = Vec::new();
    for (i, x) in RECENT.iter().enumerate() {
        t.push(topic.to_string());
        g.push(group.to_string());
        a.push(format!("r{}", i % recent_authors));
        c.push(*x);
        r.push(true);
        w.push(7);
    }
    for (i, x) in BASELINE.iter().enumerate() {
        t.push(topic.to_string());
        g.push(group.to_string());
        a.push(format!("b{}", i % baseline_authors));
        c.push(*x);
        r.push(false);
        w.push(if i % 2 == 0 { 0 } else { 7 });
    }
    DataFrame::new_infer_height(vec![
        Column::new("topic_id".into(), t),
        Column::new("group".into(), g),
        Column::new("author_id".into(), a),
        Column::new("compound".into(), c),
        Column::new("recent".into(), r),
        Column::new("week".into(), w),
    ])
    .unwrap()
}

fn settings(min_posts: u32) -> Settings {
    Settings {
        min_posts,
        ..Settings::default()
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-300)
}

#[test]
fn mann_whitney_matches_scipy_on_a_frame_with_ties() {
    let stats = window_stats(rows("t", "all", 5, 5).lazy(), -0.05)
        .unwrap()
        .collect()
        .unwrap();
    let tests = test_groups(stats, &settings(10), 5).unwrap();
    assert_eq!(tests.height(), 1);
    let get = |n: &str| tests.column(n).unwrap().f64().unwrap().get(0).unwrap();
    let geti = |n: &str| tests.column(n).unwrap().i64().unwrap().get(0).unwrap();
    assert_eq!(get("u"), SCIPY_U);
    assert!(close(get("p_value"), SCIPY_P, 1e-5), "{}", get("p_value"));
    assert_eq!(geti("n_after"), 10);
    assert_eq!(geti("n_before"), 12);
    assert!(close(get("after"), 0.35, 1e-12));
    assert!(close(get("before"), -2.4 / 12.0, 1e-12));
    // Negative at or below -0.05: 1 of 10 recent, 8 of 12 baseline.
    assert!(close(get("share_negative_after"), 0.1, 1e-12));
    assert!(close(get("share_negative_before"), 8.0 / 12.0, 1e-12));
    // One test: q = p; flagged (q <= 0.05 and |delta| >= 0.1).
    assert!(close(get("q_value"), SCIPY_P, 1e-5));
    assert_eq!(
        tests.column("flagged").unwrap().bool().unwrap().get(0),
        Some(true)
    );
}

#[test]
fn swapping_the_samples_gives_the_same_p_value() {
    // scipy: mannwhitneyu(BASELINE, RECENT) → U = 11, same p.
    let p = mann_whitney_p(11.0, 12.0, 10.0, tie_term(&RECENT, &BASELINE));
    assert!(close(p, SCIPY_P, 1e-5), "{p}");
}

fn tie_term(x: &[f64], y: &[f64]) -> f64 {
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    all.sort_by(f64::total_cmp);
    let mut sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j] == all[i] {
            j += 1;
        }
        let t = (j - i) as f64;
        sum += t * t * t - t;
        i = j;
    }
    sum
}

#[test]
fn too_few_posts_are_not_tested_and_below_the_floor_are_dropped() {
    let stats = window_stats(rows("t", "all", 5, 5).lazy(), -0.05)
        .unwrap()
        .collect()
        .unwrap();
    // 10 recent posts < min_posts 11: kept (above the floor) but not tested.
    let tests = test_groups(stats.clone(), &settings(11), 5).unwrap();
    assert_eq!(tests.height(), 1);
    assert_eq!(
        tests.column("tested").unwrap().bool().unwrap().get(0),
        Some(false)
    );
    assert_eq!(tests.column("p_value").unwrap().f64().unwrap().get(0), None);
    assert_eq!(
        tests.column("flagged").unwrap().bool().unwrap().get(0),
        Some(false)
    );
    // Four distinct recent authors < privacy floor 5: the group is not shown at all.
    let stats = window_stats(rows("t", "team=Tiny", 4, 5).lazy(), -0.05)
        .unwrap()
        .collect()
        .unwrap();
    assert_eq!(test_groups(stats, &settings(10), 5).unwrap().height(), 0);
}

#[test]
fn a_small_delta_is_not_flagged_even_when_significant() {
    let stats = window_stats(rows("t", "all", 5, 5).lazy(), -0.05)
        .unwrap()
        .collect()
        .unwrap();
    let s = Settings {
        min_posts: 10,
        min_delta: 0.6,
        ..Settings::default()
    };
    let tests = test_groups(stats, &s, 5).unwrap();
    assert_eq!(
        tests.column("flagged").unwrap().bool().unwrap().get(0),
        Some(false)
    );
}

#[test]
fn untested_groups_do_not_shift_the_q_values_of_tested_ones() {
    let mut df = rows("a", "all", 5, 5);
    // "b" sorts first (p is null, sorted last) but has too few recent posts to be tested.
    let small = rows("b", "all", 5, 5)
        .lazy()
        .filter(col("recent").not().or(col("compound").gt(lit(0.25))))
        .collect()
        .unwrap();
    df.vstack_mut(&small).unwrap();
    df.vstack_mut(&rows("c", "all", 5, 5)).unwrap();
    let stats = window_stats(df.lazy(), -0.05).unwrap().collect().unwrap();
    // Floor 3: "b" keeps four distinct recent authors, so it stays in the table untested.
    let tests = test_groups(stats, &settings(10), 3).unwrap();
    let q = tests.column("q_value").unwrap().f64().unwrap();
    let tested = tests.column("tested").unwrap().bool().unwrap();
    let got: Vec<(bool, Option<f64>)> =
        (0..3).map(|i| (tested.get(i).unwrap(), q.get(i))).collect();
    assert!(got[0].0 && got[1].0 && !got[2].0, "{got:?}");
    assert!(close(got[0].1.unwrap(), SCIPY_P, 1e-5), "{got:?}");
    assert!(close(got[1].1.unwrap(), SCIPY_P, 1e-5), "{got:?}");
    assert_eq!(got[2].1, None);
}

#[test]
fn benjamini_hochberg_matches_scipy() {
    // scipy: false_discovery_control([0.01, 0.04, 0.03, 0.2, 0.005])
    let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.2, 0.005]);
    let want = [0.025, 0.05, 0.05, 0.2, 0.025];
    for (a, b) in q.iter().zip(want) {
        assert!(close(*a, b, 1e-12), "{q:?}");
    }
    assert!(benjamini_hochberg(&[]).is_empty());
}

#[test]
fn groups_are_tested_separately_and_corrected_together() {
    let mut df = rows("t", "all", 5, 5);
    // A second group with identical samples but swapped sides: same p, opposite direction.
    let mut other = rows("u", "team=A", 5, 5);
    let flipped = other.column("recent").unwrap().bool().unwrap().clone();
    other
        .with_column(Column::new("recent".into(), !&flipped))
        .unwrap();
    df.vstack_mut(&other).unwrap();
    let stats = window_stats(df.lazy(), -0.05).unwrap().collect().unwrap();
    let tests = test_groups(stats, &settings(10), 5).unwrap();
    assert_eq!(tests.height(), 2);
    let p = tests.column("p_value").unwrap().f64().unwrap();
    let q = tests.column("q_value").unwrap().f64().unwrap();
    for i in 0..2 {
        assert!(close(p.get(i).unwrap(), SCIPY_P, 1e-5));
        // Two equal p-values: BH leaves them as they are.
        assert!(close(q.get(i).unwrap(), SCIPY_P, 1e-5));
    }
    let topics = Topics {
        origin: topic_source::Origin::Tags,
        known: Default::default(),
    };
    let shifts = flagged(&tests, &topics).unwrap();
    let dirs: Vec<(&str, &str)> = shifts
        .iter()
        .map(|s| (s.topic_id.as_str(), s.direction.as_str()))
        .collect();
    assert_eq!(dirs, [("t", "positive"), ("u", "negative")]);
}

#[test]
fn weekly_keeps_only_groups_at_or_above_the_floor() {
    let mut df = rows("t", "all", 5, 5);
    df.vstack_mut(&rows("t", "team=Tiny", 2, 2)).unwrap();
    let w = weekly(df.lazy(), -0.05, 5).collect().unwrap();
    let groups: Vec<&str> = w
        .column("group")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert!(groups.iter().all(|g| *g == "all"), "{groups:?}");
    // Week 0: six baseline posts; week 7: ten recent and six baseline posts.
    let posts: Vec<i64> = w
        .column("posts")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .flatten()
        .collect();
    assert_eq!(posts, [6, 16]);
}

#[test]
fn weeks_start_on_monday() {
    // 2026-03-02 is a Monday; 2026-03-08 23:59 its Sunday.
    let monday = days_from_epoch(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_micros()
    };
    assert_eq!(week_of(at("2026-03-02T00:00:00Z")), monday);
    assert_eq!(week_of(at("2026-03-08T23:59:59Z")), monday);
    assert_eq!(week_of(at("2026-03-09T00:00:00Z")), monday + 7);
}

#[test]
fn windows_end_at_the_end_of_the_as_of_day() {
    let w = Windows::new(
        NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(),
        &Settings::default(),
    );
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_micros()
    };
    assert_eq!(w.end_us, at("2026-03-09T00:00:00Z"));
    assert_eq!(w.recent_start_us, at("2026-03-02T00:00:00Z"));
    assert_eq!(w.baseline_start_us, at("2026-01-05T00:00:00Z"));
}

#[test]
fn default_settings_pass_their_own_check() {
    assert!(Settings::default().check().is_empty());
    let bad = Settings {
        fdr: 0.0,
        min_posts: 1,
        ..Settings::default()
    };
    let problems = bad.check().join("\n");
    assert!(problems.contains("sentiment.fdr"), "{problems}");
    assert!(problems.contains("sentiment.min_posts"), "{problems}");
}
