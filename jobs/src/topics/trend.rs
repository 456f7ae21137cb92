//! Is a topic rising? Its posts in a window against what its own history predicts.
//!
//! The model, in words: a topic's *share* of all posts is compared with its usual share,
//! so the weekly and daily rhythm of the whole community (quiet weekends, busy mornings)
//! cancels out. The usual share is the highest of three readings of its history:
//! - the `baseline_days` before the window, leaving out the last `guard_days` (its level
//!   before any recent climb);
//! - the same window on the same weekday over `rhythm_weeks` earlier weeks, beyond the
//!   guard (a topic that is always busy on Mondays is expected to be busy on Monday);
//! - the same point of the month one to `rhythm_months` months earlier, counted in working
//!   days before month end (a month-end close topic is expected to surge at month end).
//!
//! The expected count is that share of this window's posts. Posts arrive in threads, so
//! counts vary more than a Poisson count would: the variance is `φ·expected` where φ is the
//! mean thread size weighted by size (a compound Poisson), plus `(κ·expected)²` for the
//! day-to-day wobble of any topic's share. `z` is how many standard deviations the count
//! is above expected.

use super::stats::normal_sf;
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};

/// Hourly post counts of one topic and of everything, from `start_us` (an hour boundary).
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Start of hour 0, microseconds since the epoch, UTC.
    pub start_us: i64,
    /// Posts of the topic per hour.
    pub topic: &'a [u64],
    /// All posts per hour.
    pub total: &'a [u64],
}

/// Settings of the count model.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Days that give the topic's recent level…
    pub baseline_days: u32,
    /// …ending this many days before the window, so a topic that has been climbing for a
    /// while is still measured against where it stood before the climb.
    pub guard_days: u32,
    /// Weeks of same-weekday windows.
    pub rhythm_weeks: u32,
    /// Months of same-point-of-month windows.
    pub rhythm_months: u32,
    /// Compound-Poisson factor (E[s²]/E[s] of thread sizes s; 1 for single posts).
    pub dispersion: f64,
    /// Relative day-to-day wobble of a topic's share.
    pub share_wobble: f64,
}

/// How a window compares with expectation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Posts of the topic in the window.
    pub posts: u64,
    /// Expected posts (usual share × the window's posts).
    pub expected: f64,
    /// Which history gave the expectation: "recent", "weekly" or "monthly".
    pub basis: &'static str,
    /// Standard deviations above expected.
    pub z: f64,
    /// One-sided p-value of `z`.
    pub p_value: f64,
    /// Posts in the window before this one, same length.
    pub previous: u64,
}

const HOUR_US: i64 = 3_600_000_000;

impl Series<'_> {
    fn hour_of(&self, us: i64) -> i64 {
        (us - self.start_us).div_euclid(HOUR_US)
    }

    /// Sums of (topic, total) over hours [from, to) (hour indices), clipped to the series.
    fn sums(&self, from: i64, to: i64) -> Option<(u64, u64)> {
        let n = self.total.len() as i64;
        let (a, b) = (from.max(0), to.min(n));
        if from < 0 || a >= b {
            return None;
        }
        let (a, b) = (a as usize, b as usize);
        Some((self.topic[a..b].iter().sum(), self.total[a..b].iter().sum()))
    }
}

/// Working days (Monday–Friday) from `d` to the last day of its month, inclusive of both.
fn working_days_to_month_end(d: NaiveDate) -> u32 {
    let mut n = 0;
    let mut x = d;
    while x.month() == d.month() {
        if !matches!(x.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        x = x + Days::new(1);
    }
    n
}

/// Working days (Monday–Friday) from the first of `d`'s month to `d`, inclusive of both.
fn working_days_from_month_start(d: NaiveDate) -> u32 {
    let mut n = 0;
    let mut x = d.with_day(1).expect("every month has a first day");
    while x <= d {
        if !matches!(x.weekday(), Weekday::Sat | Weekday::Sun) {
            n += 1;
        }
        x = x + Days::new(1);
    }
    n
}

/// The day `months` earlier at the same point of the month: in the first half, the same
/// number of working days after the month began; in the second, the same number before it
/// ends (so the last working day lines up with the last working day).
fn aligned_day(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    if d.day() > 15 {
        return same_point_of_month(d, months);
    }
    let first = d.with_day(1)?;
    let target_first = first.checked_sub_months(chrono::Months::new(months))?;
    let want = working_days_from_month_start(d);
    let mut x = target_first;
    let mut found = None;
    while x.month() == target_first.month() && x.day() <= 20 {
        if working_days_from_month_start(x) == want {
            found = Some(x);
        }
        x = x + Days::new(1);
    }
    found
}

/// The day in the month `months` before `d` at the same number of working days before
/// month end (the last such day when several share it, e.g. around a weekend).
fn same_point_of_month(d: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first = d.with_day(1)?;
    let target_first = first.checked_sub_months(chrono::Months::new(months))?;
    let want = working_days_to_month_end(d);
    let mut x = target_first;
    let mut found = None;
    while x.month() == target_first.month() {
        if working_days_to_month_end(x) == want {
            found = Some(x);
        }
        x = x + Days::new(1);
    }
    found
}

impl Model {
    /// Reads the window of `hours` hours ending (exclusive) at `end_us`.
    pub fn read(&self, s: &Series<'_>, end_us: i64, hours: i64) -> Reading {
        let end = s.hour_of(end_us);
        let (posts, total) = s.sums(end - hours, end).unwrap_or((0, 0));
        let previous = s.sums(end - 2 * hours, end - hours).map_or(0, |x| x.0);
        let share = |parts: &[(u64, u64)]| -> Option<f64> {
            let (t, a) = parts
                .iter()
                .fold((0u64, 0u64), |acc, x| (acc.0 + x.0, acc.1 + x.1));
            // Half a post of prior keeps a topic never seen before from dividing by zero.
            (a > 0).then(|| (t as f64 + 0.5) / (a as f64 + 1.0))
        };
        let mut candidates: Vec<(&'static str, f64)> = Vec::new();
        let base_hours = i64::from(self.baseline_days) * 24;
        let guard = i64::from(self.guard_days) * 24;
        if let Some(p) = s.sums(end - hours - guard - base_hours, end - hours - guard) {
            candidates.extend(share(&[p]).map(|x| ("recent", x)));
        }
        if hours < 24 * 7 {
            // Weeks inside the guard are skipped for the same reason.
            let first = 1 + i64::from(self.guard_days) / 7;
            let weekly: Vec<(u64, u64)> = (first..first + i64::from(self.rhythm_weeks))
                .filter_map(|w| s.sums(end - hours - w * 168, end - w * 168))
                .collect();
            candidates.extend(share(&weekly).map(|x| ("weekly", x)));
        }
        // Month rhythm, day by day: each day of the window is compared with the days at the
        // same point of earlier months, so a window across a month end is handled.
        let mut monthly = 0.0;
        let mut monthly_seen = false;
        let mut h = end - hours;
        while h < end {
            let slice_start = s.start_us + h * HOUR_US;
            let Some(t) = DateTime::<Utc>::from_timestamp_micros(slice_start) else {
                break;
            };
            let next_midnight = (t.date_naive() + Days::new(1))
                .and_hms_opt(0, 0, 0)
                .map_or(h + 24, |m| s.hour_of(m.and_utc().timestamp_micros()));
            let slice_end = next_midnight.min(end);
            let (_, slice_total) = s.sums(h, slice_end).unwrap_or((0, 0));
            let aligned: Vec<(u64, u64)> = (1..=self.rhythm_months)
                .filter_map(|m| {
                    let day = aligned_day(t.date_naive(), m)?;
                    let from = s.hour_of(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
                    s.sums(from, from + 24)
                })
                .collect();
            if let Some(x) = share(&aligned) {
                monthly += x * slice_total as f64;
                monthly_seen = true;
            }
            h = slice_end;
        }
        let mut expectations: Vec<(&'static str, f64)> = candidates
            .into_iter()
            .map(|(b, x)| (b, x * total as f64))
            .collect();
        if monthly_seen {
            expectations.push(("monthly", monthly));
        }
        let (basis, expected) = expectations
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or(("recent", 0.0));
        let var =
            self.dispersion.max(1.0) * expected.max(0.5) + (self.share_wobble * expected).powi(2);
        let z = (posts as f64 - expected) / var.sqrt();
        Reading {
            posts,
            expected,
            basis,
            z,
            p_value: normal_sf(z),
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY_H: usize = 24;

    fn model() -> Model {
        Model {
            baseline_days: 28,
            guard_days: 0,
            rhythm_weeks: 4,
            rhythm_months: 3,
            dispersion: 1.0,
            share_wobble: 0.2,
        }
    }

    /// 120 days from 2026-01-01 with 100 posts a day at noon; `topic(day)` of them in the topic.
    fn series(topic: impl Fn(usize) -> u64) -> (Vec<u64>, Vec<u64>, i64) {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_micros();
        let mut t = vec![0; 120 * DAY_H];
        let mut a = vec![0; 120 * DAY_H];
        for d in 0..120 {
            t[d * DAY_H + 12] = topic(d);
            a[d * DAY_H + 12] = 100;
        }
        (t, a, start)
    }

    fn end_of_day(start: i64, day: i64) -> i64 {
        start + (day + 1) * 24 * HOUR_US
    }

    #[test]
    fn a_topic_at_its_usual_level_is_not_rising_and_a_jump_is() {
        let (t, a, start) = series(|d| if d >= 100 { 20 } else { 5 });
        let s = Series {
            start_us: start,
            topic: &t,
            total: &a,
        };
        let flat = model().read(&s, end_of_day(start, 90), 24);
        assert_eq!(flat.posts, 5);
        assert!((flat.expected - 5.0).abs() < 0.3, "{flat:?}");
        assert!(flat.z.abs() < 1.0);
        let jump = model().read(&s, end_of_day(start, 100), 24);
        assert_eq!(jump.posts, 20);
        assert!(jump.z > 4.0, "{jump:?}");
        assert_eq!(jump.previous, 5);
    }

    #[test]
    fn the_rhythm_of_the_whole_community_cancels_out() {
        // Everything triples on day 100, the topic with it: its share is unchanged.
        let (mut t, mut a, start) = series(|_| 5);
        a[100 * DAY_H + 12] = 300;
        t[100 * DAY_H + 12] = 15;
        let s = Series {
            start_us: start,
            topic: &t,
            total: &a,
        };
        let r = model().read(&s, end_of_day(start, 100), 24);
        assert!(r.z < 2.0, "{r:?}");
    }

    #[test]
    fn a_month_end_surge_seen_in_earlier_months_is_expected() {
        // 2026: the last three working days of each month carry 25 posts instead of 5.
        let start_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let surge = |d: usize| {
            let date = start_day + Days::new(d as u64);
            let w = working_days_to_month_end(date);
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            if w <= 3 && !weekend { 25 } else { 5 }
        };
        let (t, a, start) = series(surge);
        let s = Series {
            start_us: start,
            topic: &t,
            total: &a,
        };
        // 2026-04-29 (day 118) is the second-last working day of April.
        let r = model().read(&s, end_of_day(start, 118), 24);
        assert_eq!(r.posts, 25);
        assert_eq!(r.basis, "monthly");
        assert!(r.z < 2.0, "{r:?}");
        // Without the monthly reading the same day would look like a surge.
        let no_rhythm = Model {
            rhythm_months: 0,
            ..model()
        };
        assert!(no_rhythm.read(&s, end_of_day(start, 118), 24).z > 4.0);
    }

    #[test]
    fn a_window_across_a_month_end_is_compared_day_by_day() {
        let start_day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let surge = |d: usize| {
            let date = start_day + Days::new(d as u64);
            let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
            if working_days_to_month_end(date) <= 3 && !weekend {
                25
            } else {
                5
            }
        };
        let (t, a, start) = series(surge);
        let s = Series {
            start_us: start,
            topic: &t,
            total: &a,
        };
        // Three days ending 2026-04-01 (day 90): 30 and 31 March are month-end days.
        let r = model().read(&s, end_of_day(start, 90), 72);
        assert_eq!(r.posts, 25 + 25 + 5);
        assert_eq!(r.basis, "monthly");
        assert!(r.z < 2.0, "{r:?}");
        assert_eq!(
            aligned_day(NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(), 1),
            NaiveDate::from_ymd_opt(2026, 3, 2)
        );
    }

    #[test]
    fn same_point_of_month_counts_working_days_before_month_end() {
        let d = NaiveDate::from_ymd_opt(2026, 4, 29).unwrap(); // Wednesday
        assert_eq!(working_days_to_month_end(d), 2);
        let m = same_point_of_month(d, 1).unwrap();
        assert_eq!(m, NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
        assert_eq!(working_days_to_month_end(m), 2);
    }
}
