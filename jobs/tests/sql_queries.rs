//! Each query in `sql/` on small hand-made tables, with the expected rows written out.

use arrow::array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Int8Array, ListBuilder, StringArray,
    StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{Field, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use murmur_jobs::sql;
use std::sync::Arc;

fn ts(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_micros()
}

fn table(ctx: &SessionContext, name: &str, cols: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = cols
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        cols.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let t = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
    ctx.register_table(name, Arc::new(t)).unwrap();
}

fn strs(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn times(v: &[&str]) -> ArrayRef {
    Arc::new(
        TimestampMicrosecondArray::from(v.iter().map(|s| ts(s)).collect::<Vec<_>>())
            .with_timezone("UTC"),
    )
}

/// posts: team A has 5 distinct authors, team B only 2 (below the floor of 5).
fn fixture() -> SessionContext {
    let ctx = SessionContext::new();
    let authors = ["a1", "a2", "a3", "a4", "a5", "a1", "b1", "b2"];
    let teams = ["A", "A", "A", "A", "A", "A", "B", "B"];
    let kinds = [
        "question", "answer", "question", "comment", "question", "answer", "question", "question",
    ];
    let created = [
        "2026-03-02T09:00:00Z", // Monday, week of 2026-03-02
        "2026-03-03T09:00:00Z",
        "2026-03-08T23:59:59Z", // Sunday: still the week of 2026-03-02
        "2026-03-09T00:00:00Z", // next week
        "2026-03-09T10:00:00+01:00",
        "2026-03-10T09:00:00Z",
        "2026-03-02T09:00:00Z",
        "2026-03-10T09:00:00Z",
    ];
    table(
        &ctx,
        "posts",
        vec![
            ("team", strs(&teams)),
            ("author_id", strs(&authors)),
            ("kind", strs(&kinds)),
            ("created_at", times(&created)),
        ],
    );
    table(
        &ctx,
        "feedback",
        vec![
            ("type", strs(&["rating", "rating", "view", "view", "view"])),
            ("resource_id", strs(&["r1", "r2", "r1", "r1", "r3"])),
            (
                "value",
                Arc::new(Int8Array::from(vec![Some(4), Some(5), None, None, None])) as ArrayRef,
            ),
        ],
    );
    let raw: ArrayRef = Arc::new(BinaryArray::from_vec(vec![b"x", b"y", b"z"]));
    table(
        &ctx,
        "quarantine",
        vec![
            (
                "reason_code",
                strs(&["not_json", "missing_field", "not_json"]),
            ),
            (
                "field",
                Arc::new(StringArray::from(vec![None, Some("team"), None])) as ArrayRef,
            ),
            ("raw", raw),
            (
                "ingested_at",
                times(&[
                    "2026-03-02T09:00:00Z",
                    "2026-03-03T09:00:00Z",
                    "2026-03-04T09:00:00Z",
                ]),
            ),
        ],
    );
    ctx
}

/// Runs a query from `sql/` on `ctx` and returns its rows as a printed table.
async fn run(ctx: &SessionContext, name: &str, params: &[(&str, i64)]) -> Vec<String> {
    let q = sql::get(name).unwrap_or_else(|| panic!("no query {name}"));
    let batches = murmur_jobs::session::query(ctx, &q.render(params))
        .await
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    text.lines().map(str::to_string).collect()
}

async fn rows(name: &str) -> Vec<String> {
    run(&fixture(), name, &[("min_group_size", 5)]).await
}

fn expect(got: Vec<String>, want: &str) {
    let want: Vec<String> = want.trim().lines().map(|l| l.trim().to_string()).collect();
    assert_eq!(got, want, "\ngot:\n{}\n", got.join("\n"));
}

#[tokio::test]
async fn weekly_volume_counts_by_iso_week_and_kind() {
    expect(
        rows("weekly_volume").await,
        r"
+------------+----------+-------+---------+
| week       | kind     | posts | authors |
+------------+----------+-------+---------+
| 2026-03-02 | answer   | 1     | 1       |
| 2026-03-02 | question | 3     | 3       |
| 2026-03-09 | answer   | 1     | 1       |
| 2026-03-09 | comment  | 1     | 1       |
| 2026-03-09 | question | 2     | 2       |
+------------+----------+-------+---------+",
    );
}

#[tokio::test]
async fn team_volume_hides_teams_below_the_privacy_floor() {
    expect(
        rows("team_volume").await,
        r"
+------+-------+---------+-----------+
| team | posts | authors | questions |
+------+-------+---------+-----------+
| A    | 6     | 5       | 3         |
+------+-------+---------+-----------+",
    );
}

#[tokio::test]
async fn feedback_by_type_averages_ratings() {
    expect(
        rows("feedback_by_type").await,
        r"
+--------+--------+-----------+------------+
| type   | events | resources | mean_value |
+--------+--------+-----------+------------+
| view   | 3      | 2         |            |
| rating | 2      | 2         | 4.5        |
+--------+--------+-----------+------------+",
    );
}

#[tokio::test]
async fn quarantine_reasons_group_by_code_and_field() {
    expect(
        rows("quarantine_reasons").await,
        r"
+---------------+-------+---------+----------------------+----------------------+
| reason_code   | field | records | first_seen           | last_seen            |
+---------------+-------+---------+----------------------+----------------------+
| not_json      |       | 2       | 2026-03-02T09:00:00Z | 2026-03-04T09:00:00Z |
| missing_field | team  | 1       | 2026-03-03T09:00:00Z | 2026-03-03T09:00:00Z |
+---------------+-------+---------+----------------------+----------------------+",
    );
}

// The rising queries: one hand-made conversation, a week's window, a privacy floor of 2.

const FROM: &str = "2026-03-02T00:00:00Z";
const TO: &str = "2026-03-09T00:00:00Z";

/// People: (author, team, site, role).
const PEOPLE: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    ("a1", "A", Some("Paris"), Some("engineer")),
    ("a2", "A", Some("Paris"), Some("engineer")),
    ("a3", "A", Some("Lyon"), Some("analyst")),
    ("a4", "B", None, Some("analyst")),
    ("b1", "B", Some("Lyon"), Some("sales")),
    ("b2", "B", Some("Lyon"), Some("sales")),
    ("c1", "C", Some("Paris"), None),
];

/// A post: (post_id, thread_id, kind, author, created_at, accepted, resource_ids). The
/// opening post's id is its thread's; replies answer the opening post.
type Post = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<bool>,
    &'static [&'static str],
);

/// Topics: p00, p01, p04 → T1; p08, p12 → T2; p15 → T3 (one author); p11 has none.
const POSTS: &[Post] = &[
    (
        "p00",
        "p00",
        "question",
        "a1",
        "2026-03-01T23:59:59Z",
        None,
        &[],
    ), // before the window
    ("p01", "p01", "question", "a1", FROM, None, &[]), // at from: in
    (
        "p02",
        "p01",
        "answer",
        "a2",
        "2026-03-02T10:00:00Z",
        Some(true),
        &["r1", "r2"],
    ),
    (
        "p03",
        "p01",
        "answer",
        "a3",
        "2026-03-03T09:30:00Z",
        None,
        &["r1"],
    ),
    (
        "p14",
        "p01",
        "answer",
        "a2",
        "2026-03-03T08:00:00Z",
        Some(false),
        &[],
    ),
    (
        "p04",
        "p04",
        "question",
        "a4",
        "2026-03-04T12:00:00Z",
        None,
        &[],
    ),
    (
        "p05",
        "p04",
        "answer",
        "a4",
        "2026-03-04T13:00:00Z",
        Some(false),
        &[],
    ), // own answer
    ("p06", "p04", "answer", "a2", TO, Some(true), &[]), // at to: out
    (
        "p07",
        "p04",
        "answer",
        "a3",
        "2026-03-10T08:00:00Z",
        Some(true),
        &[],
    ), // after to
    (
        "p08",
        "p08",
        "question",
        "b1",
        "2026-03-05T09:00:00Z",
        None,
        &["r2", "r2"],
    ),
    (
        "p09",
        "p08",
        "comment",
        "a1",
        "2026-03-05T09:20:00Z",
        None,
        &[],
    ), // a T1 regular in T2
    (
        "p10",
        "p08",
        "answer",
        "b2",
        "2026-03-05T10:00:00Z",
        Some(true),
        &["r3"],
    ),
    (
        "p11",
        "p11",
        "post",
        "c1",
        "2026-03-05T09:40:00Z",
        None,
        &["r1"],
    ), // no topic
    (
        "p12",
        "p12",
        "question",
        "b2",
        "2026-03-06T08:00:00Z",
        None,
        &[],
    ),
    (
        "p13",
        "p12",
        "answer",
        "b1",
        "2026-03-01T20:00:00Z",
        Some(false),
        &[],
    ), // before from
    (
        "p15",
        "p15",
        "question",
        "c1",
        "2026-03-07T12:00:00Z",
        None,
        &[],
    ),
];

const TOPICS: &[(&str, &str)] = &[
    ("p00", "T1"),
    ("p01", "T1"),
    ("p04", "T1"),
    ("p08", "T2"),
    ("p12", "T2"),
    ("p15", "T3"),
];

/// Feedback: (resource_id, type, value, occurred_at). r3 has none; r4 is linked by nothing.
const FEEDBACK: &[(&str, &str, Option<i8>, &str)] = &[
    ("r1", "view", None, "2026-03-01T10:00:00Z"),
    ("r1", "view", None, "2026-03-03T10:00:00Z"),
    ("r1", "rating", Some(4), "2026-02-20T10:00:00Z"),
    ("r1", "rating", Some(5), "2026-03-05T10:00:00Z"),
    ("r1", "helpful", None, "2026-03-04T10:00:00Z"),
    ("r1", "not_helpful", None, "2026-03-04T11:00:00Z"),
    ("r1", "helpful", None, TO),
    ("r1", "rating", Some(1), "2026-03-10T10:00:00Z"),
    ("r2", "view", None, "2026-03-02T10:00:00Z"),
    ("r2", "helpful", None, "2026-03-03T10:00:00Z"),
    ("r4", "view", None, "2026-03-04T10:00:00Z"),
];

/// The `date` partition column of each timestamp.
fn dates(v: &[&str]) -> ArrayRef {
    let day = |s: &&str| ts(s).div_euclid(86_400_000_000) as i32;
    Arc::new(Date32Array::from(pick(v, day)))
}

fn opt_strs(v: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

fn lists(v: &[Option<&[&str]>]) -> ArrayRef {
    let mut b = ListBuilder::new(StringBuilder::new());
    for list in v {
        match list {
            Some(items) => {
                items.iter().for_each(|s| b.values().append_value(s));
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

/// One column of a hand-made table: `f` applied to each row.
fn pick<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

fn rising_fixture() -> SessionContext {
    let ctx = SessionContext::new();
    let person = |p: &Post| {
        PEOPLE
            .iter()
            .find(|x| x.0 == p.3)
            .expect("author in PEOPLE")
    };
    let reply = |p: &Post| p.0 != p.1;
    let created = pick(POSTS, |p| p.4);
    let occurred = pick(FEEDBACK, |f| f.3);
    let accepted = BooleanArray::from(pick(POSTS, |p| p.5));
    table(
        &ctx,
        "posts",
        vec![
            ("post_id", strs(&pick(POSTS, |p| p.0))),
            ("thread_id", strs(&pick(POSTS, |p| p.1))),
            (
                "parent_id",
                opt_strs(&pick(POSTS, |p| reply(p).then_some(p.1))),
            ),
            ("kind", strs(&pick(POSTS, |p| p.2))),
            ("author_id", strs(&pick(POSTS, |p| p.3))),
            ("team", strs(&pick(POSTS, |p| person(p).1))),
            ("role", opt_strs(&pick(POSTS, |p| person(p).3))),
            ("site", opt_strs(&pick(POSTS, |p| person(p).2))),
            ("channel", strs(&pick(POSTS, |_| "qa"))),
            ("created_at", times(&created)),
            (
                "title",
                opt_strs(&pick(POSTS, |p| (!reply(p)).then_some("title"))),
            ),
            ("body", strs(&pick(POSTS, |_| "body"))),
            (
                "tags",
                lists(&pick(POSTS, |p| (!reply(p)).then_some(&["vpn"][..]))),
            ),
            ("accepted", Arc::new(accepted)),
            (
                "resource_ids",
                lists(&pick(POSTS, |p| (!p.6.is_empty()).then_some(p.6))),
            ),
            ("date", dates(&created)),
        ],
    );
    table(
        &ctx,
        "topic_threads",
        vec![
            ("thread_id", strs(&pick(TOPICS, |t| t.0))),
            ("topic_id", strs(&pick(TOPICS, |t| t.1))),
        ],
    );
    table(
        &ctx,
        "feedback",
        vec![
            ("resource_id", strs(&pick(FEEDBACK, |f| f.0))),
            ("type", strs(&pick(FEEDBACK, |f| f.1))),
            ("value", Arc::new(Int8Array::from(pick(FEEDBACK, |f| f.2)))),
            ("occurred_at", times(&occurred)),
            ("date", dates(&occurred)),
        ],
    );
    table(
        &ctx,
        "resources",
        vec![
            ("resource_id", strs(&["r1", "r2", "r4"])),
            ("title", strs(&["Expense guide", "VPN setup", "Unused"])),
        ],
    );
    ctx
}

async fn rising(name: &str) -> Vec<String> {
    let params = [
        ("from_us", ts(FROM)),
        ("to_us", ts(TO)),
        ("min_group_size", 2),
    ];
    run(&rising_fixture(), name, &params).await
}

#[tokio::test]
async fn rising_posts_are_the_window_oldest_first() {
    expect(
        rising("rising_posts").await,
        r"
+---------+-----------+-----------+----------+-----------+------+-------+----------+----------------------+-------+------+-------+----------+--------------+
| post_id | thread_id | parent_id | kind     | author_id | team | site  | role     | created_at           | title | body | tags  | accepted | resource_ids |
+---------+-----------+-----------+----------+-----------+------+-------+----------+----------------------+-------+------+-------+----------+--------------+
| p01     | p01       |           | question | a1        | A    | Paris | engineer | 2026-03-02T00:00:00Z | title | body | [vpn] |          |              |
| p02     | p01       | p01       | answer   | a2        | A    | Paris | engineer | 2026-03-02T10:00:00Z |       | body |       | true     | [r1, r2]     |
| p14     | p01       | p01       | answer   | a2        | A    | Paris | engineer | 2026-03-03T08:00:00Z |       | body |       | false    |              |
| p03     | p01       | p01       | answer   | a3        | A    | Lyon  | analyst  | 2026-03-03T09:30:00Z |       | body |       |          | [r1]         |
| p04     | p04       |           | question | a4        | B    |       | analyst  | 2026-03-04T12:00:00Z | title | body | [vpn] |          |              |
| p05     | p04       | p04       | answer   | a4        | B    |       | analyst  | 2026-03-04T13:00:00Z |       | body |       | false    |              |
| p08     | p08       |           | question | b1        | B    | Lyon  | sales    | 2026-03-05T09:00:00Z | title | body | [vpn] |          | [r2, r2]     |
| p09     | p08       | p08       | comment  | a1        | A    | Paris | engineer | 2026-03-05T09:20:00Z |       | body |       |          |              |
| p11     | p11       |           | post     | c1        | C    | Paris |          | 2026-03-05T09:40:00Z | title | body | [vpn] |          | [r1]         |
| p10     | p08       | p08       | answer   | b2        | B    | Lyon  | sales    | 2026-03-05T10:00:00Z |       | body |       | true     | [r3]         |
| p12     | p12       |           | question | b2        | B    | Lyon  | sales    | 2026-03-06T08:00:00Z | title | body | [vpn] |          |              |
| p15     | p15       |           | question | c1        | C    | Paris |          | 2026-03-07T12:00:00Z | title | body | [vpn] |          |              |
+---------+-----------+-----------+----------+-----------+------+-------+----------+----------------------+-------+------+-------+----------+--------------+",
    );
}

#[tokio::test]
async fn rising_topic_hours_count_replies_in_their_thread_topic_and_all_posts_under_star() {
    expect(
        rising("rising_topic_hours").await,
        r"
+----------+----------------------+-------+
| topic_id | hour                 | posts |
+----------+----------------------+-------+
| *        | 2026-03-02T00:00:00Z | 1     |
| *        | 2026-03-02T10:00:00Z | 1     |
| *        | 2026-03-03T08:00:00Z | 1     |
| *        | 2026-03-03T09:00:00Z | 1     |
| *        | 2026-03-04T12:00:00Z | 1     |
| *        | 2026-03-04T13:00:00Z | 1     |
| *        | 2026-03-05T09:00:00Z | 3     |
| *        | 2026-03-05T10:00:00Z | 1     |
| *        | 2026-03-06T08:00:00Z | 1     |
| *        | 2026-03-07T12:00:00Z | 1     |
| T1       | 2026-03-02T00:00:00Z | 1     |
| T1       | 2026-03-02T10:00:00Z | 1     |
| T1       | 2026-03-03T08:00:00Z | 1     |
| T1       | 2026-03-03T09:00:00Z | 1     |
| T1       | 2026-03-04T12:00:00Z | 1     |
| T1       | 2026-03-04T13:00:00Z | 1     |
| T2       | 2026-03-05T09:00:00Z | 2     |
| T2       | 2026-03-05T10:00:00Z | 1     |
| T2       | 2026-03-06T08:00:00Z | 1     |
| T3       | 2026-03-07T12:00:00Z | 1     |
+----------+----------------------+-------+",
    );
}

#[tokio::test]
async fn rising_window_stats_count_spread_and_unanswered_questions() {
    expect(
        rising("rising_window_stats").await,
        r"
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+
| topic_id | posts | threads | authors | teams | sites | roles | questions | unanswered |
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+
| T1       | 6     | 2       | 4       | 2     | 2     | 2     | 2         | 1          |
| T2       | 4     | 2       | 3       | 2     | 2     | 2     | 2         | 0          |
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+",
    );
}

/// A question counts as answered only when someone other than the asker answered before the
/// window's end, whether the other answerer's id sorts before or after the asker's.
#[tokio::test]
async fn rising_window_stats_answered_means_answered_by_someone_else() {
    // (post_id, thread_id, kind, author_id, created_at)
    const ROWS: &[(&str, &str, &str, &str, &str)] = &[
        ("q1", "q1", "question", "m", "2026-03-02T09:00:00Z"),
        ("q1a", "q1", "answer", "m", "2026-03-02T10:00:00Z"),
        ("q1b", "q1", "answer", "z", "2026-03-02T11:00:00Z"), // sorts after the asker
        ("q2", "q2", "question", "m", "2026-03-02T09:00:00Z"),
        ("q2a", "q2", "answer", "a", "2026-03-02T10:00:00Z"), // sorts before the asker
        ("q2b", "q2", "answer", "m", "2026-03-02T11:00:00Z"),
        ("q3", "q3", "question", "m", "2026-03-02T09:00:00Z"),
        ("q3a", "q3", "answer", "m", "2026-03-02T10:00:00Z"), // only the asker
        ("q4", "q4", "question", "m", "2026-03-02T09:00:00Z"), // no answer
        ("q5", "q5", "question", "m", "2026-03-02T09:00:00Z"),
        ("q5a", "q5", "answer", "a", TO), // at the end: too late
        ("q5b", "q5", "comment", "z", "2026-03-02T10:00:00Z"), // a comment is no answer
    ];
    let ctx = SessionContext::new();
    let created = pick(ROWS, |r| r.4);
    table(
        &ctx,
        "posts",
        vec![
            ("post_id", strs(&pick(ROWS, |r| r.0))),
            ("thread_id", strs(&pick(ROWS, |r| r.1))),
            ("kind", strs(&pick(ROWS, |r| r.2))),
            ("author_id", strs(&pick(ROWS, |r| r.3))),
            ("team", strs(&pick(ROWS, |_| "A"))),
            ("site", strs(&pick(ROWS, |_| "Paris"))),
            ("role", strs(&pick(ROWS, |_| "engineer"))),
            ("created_at", times(&created)),
            ("date", dates(&created)),
        ],
    );
    let threads = ["q1", "q2", "q3", "q4", "q5"];
    table(
        &ctx,
        "topic_threads",
        vec![
            ("thread_id", strs(&threads)),
            ("topic_id", strs(&pick(&threads, |_| "T"))),
        ],
    );
    let params = [
        ("from_us", ts(FROM)),
        ("to_us", ts(TO)),
        ("min_group_size", 2),
    ];
    expect(
        run(&ctx, "rising_window_stats", &params).await,
        r"
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+
| topic_id | posts | threads | authors | teams | sites | roles | questions | unanswered |
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+
| T        | 11    | 5       | 3       | 1     | 1     | 1     | 5         | 3          |
+----------+-------+---------+---------+-------+-------+-------+-----------+------------+",
    );
}

#[tokio::test]
async fn rising_team_floor_hides_teams_below_the_floor() {
    expect(
        rising("rising_team_floor").await,
        r"
+----------+------+-------+-------+---------+
| topic_id | team | site  | posts | authors |
+----------+------+-------+-------+---------+
| T1       | A    | Paris | 4     | 3       |
| T2       | B    | Lyon  | 3     | 2       |
+----------+------+-------+-------+---------+",
    );
}

#[tokio::test]
async fn rising_experts_are_authors_of_accepted_answers_in_the_window() {
    expect(
        rising("rising_experts").await,
        r"
+----------+-----------+------+----------+------------------+---------+
| topic_id | author_id | team | role     | accepted_answers | answers |
+----------+-----------+------+----------+------------------+---------+
| T1       | a2        | A    | engineer | 1                | 2       |
| T2       | b2        | B    | sales    | 1                | 1       |
+----------+-----------+------+----------+------------------+---------+",
    );
}

/// An expert's team and role are those of their latest answer in the window, whatever the
/// rows' order, whichever team name sorts first, and a missing role stays missing.
#[tokio::test]
async fn rising_experts_show_the_team_and_role_of_their_latest_answer() {
    // (author, team, role, created_at, accepted); every answer is in thread q1, topic T1.
    type Answer = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        bool,
    );
    let answers: &[Answer] = &[
        // e1 moved from A to B and has a role starting with the role marker's digit.
        ("e1", "A", Some("engineer"), "2026-03-02T10:00:00Z", true),
        ("e1", "B", Some("1st line"), "2026-03-04T10:00:00Z", false),
        // e2's latest answer has no role.
        ("e2", "C", Some("analyst"), "2026-03-02T11:00:00Z", true),
        ("e2", "C", None, "2026-03-05T11:00:00.000001Z", false),
        // e3's later answer comes first in the table and its team sorts first.
        ("e3", "Alpha", Some("lead"), "2026-03-06T09:00:00Z", true),
        ("e3", "Zeta", Some("intern"), "2026-03-03T09:00:00Z", true),
        // After the window: not the latest in it.
        ("e3", "Omega", Some("boss"), TO, true),
    ];
    let created = pick(answers, |a| a.3);
    let ctx = SessionContext::new();
    table(
        &ctx,
        "posts",
        vec![
            ("thread_id", strs(&pick(answers, |_| "q1"))),
            ("kind", strs(&pick(answers, |_| "answer"))),
            ("author_id", strs(&pick(answers, |a| a.0))),
            ("team", strs(&pick(answers, |a| a.1))),
            ("role", opt_strs(&pick(answers, |a| a.2))),
            ("created_at", times(&created)),
            (
                "accepted",
                Arc::new(BooleanArray::from(pick(answers, |a| a.4))),
            ),
            ("date", dates(&created)),
        ],
    );
    table(
        &ctx,
        "topic_threads",
        vec![("thread_id", strs(&["q1"])), ("topic_id", strs(&["T1"]))],
    );
    let params = [("from_us", ts(FROM)), ("to_us", ts(TO))];
    expect(
        run(&ctx, "rising_experts", &params).await,
        r"
+----------+-----------+-------+----------+------------------+---------+
| topic_id | author_id | team  | role     | accepted_answers | answers |
+----------+-----------+-------+----------+------------------+---------+
| T1       | e3        | Alpha | lead     | 2                | 2       |
| T1       | e1        | B     | 1st line | 1                | 2       |
| T1       | e2        | C     |          | 1                | 2       |
+----------+-----------+-------+----------+------------------+---------+",
    );
    // The table above prints NULL and '' alike: e2's role must be NULL.
    let q = sql::get("rising_experts").unwrap().render(&params);
    let nulls = murmur_jobs::session::query(
        &ctx,
        &format!("SELECT author_id FROM ({q}) WHERE role IS NULL"),
    )
    .await
    .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&nulls).unwrap();
    assert_eq!(
        text.to_string().lines().nth(3),
        Some("| e2        |"),
        "{text}"
    );
}

#[tokio::test]
async fn rising_resources_join_links_with_all_feedback_before_the_end() {
    expect(
        rising("rising_resources").await,
        r"
+----------+-------------+---------------+-------+-------+---------+-------------+---------+-------------+---------------+
| topic_id | resource_id | title         | links | views | helpful | not_helpful | ratings | mean_rating | helpful_share |
+----------+-------------+---------------+-------+-------+---------+-------------+---------+-------------+---------------+
| T1       | r1          | Expense guide | 2     | 2     | 1       | 1           | 2       | 4.5         | 0.5           |
| T1       | r2          | VPN setup     | 1     | 1     | 1       | 0           | 0       |             | 1.0           |
| T2       | r2          | VPN setup     | 1     | 1     | 1       | 0           | 0       |             | 1.0           |
| T2       | r3          |               | 1     | 0     | 0       | 0           | 0       |             |               |
+----------+-------------+---------------+-------+-------+---------+-------------+---------+-------------+---------------+",
    );
}

#[tokio::test]
async fn newest_post_is_the_latest_created_at_in_micros() {
    // 2026-03-10T09:00:00Z.
    expect(
        rows("newest_post").await,
        r"
+------------------+
| newest_us        |
+------------------+
| 1773133200000000 |
+------------------+",
    );
}

/// Windows of the sentiment fixture: baseline from 2026-03-01, recent from 2026-03-08,
/// end 2026-03-15 (exclusive).
const BASELINE_START: &str = "2026-03-01T00:00:00Z";
const RECENT_START: &str = "2026-03-08T00:00:00Z";
const END: &str = "2026-03-15T00:00:00Z";

/// posts with tags and the `date` partition, stored scores, and topics per thread.
/// p1 (baseline) and p2 (recent reply, no site, empty role) are in thread t1 (topics x, y);
/// p3 (recent) in t2 (topic z); p4 is at the exclusive end; p5 before the baseline.
fn sentiment_fixture() -> SessionContext {
    use arrow::array::{Date32Array, Float64Array, ListBuilder, StringBuilder};
    let ctx = SessionContext::new();
    let created = [
        "2026-03-02T10:00:00Z",
        "2026-03-09T10:00:00Z",
        "2026-03-10T10:00:00Z",
        END,
        "2026-02-28T23:59:59Z",
    ];
    let days: Vec<i32> = created
        .iter()
        .map(|c| (ts(c).div_euclid(86_400_000_000)) as i32)
        .collect();
    let mut tags = ListBuilder::new(StringBuilder::new());
    for t in [
        Some(vec!["x", "y"]),
        None,
        Some(vec!["z", ""]),
        Some(vec!["late"]),
        Some(vec!["x"]),
    ] {
        match t {
            Some(v) => {
                for x in v {
                    tags.values().append_value(x);
                }
                tags.append(true);
            }
            None => tags.append(false),
        }
    }
    let ids = ["p1", "p2", "p3", "p4", "p5"];
    table(
        &ctx,
        "posts",
        vec![
            ("post_id", strs(&ids)),
            ("thread_id", strs(&["t1", "t1", "t2", "t1", "t2"])),
            ("author_id", strs(&["a1", "a2", "a3", "a1", "a4"])),
            ("team", strs(&["A", "A", "B", "A", "B"])),
            (
                "site",
                Arc::new(StringArray::from(vec![
                    Some("S"),
                    None,
                    Some("S"),
                    Some("S"),
                    Some("S"),
                ])) as ArrayRef,
            ),
            ("role", strs(&["R", "", "R", "R", "R"])),
            ("created_at", times(&created)),
            ("tags", Arc::new(tags.finish()) as ArrayRef),
            (
                "date",
                Arc::new(Date32Array::from(days.clone())) as ArrayRef,
            ),
        ],
    );
    table(
        &ctx,
        "sentiment_scores",
        vec![
            ("post_id", strs(&ids)),
            ("created_at", times(&created)),
            (
                "compound",
                Arc::new(Float64Array::from(vec![0.5, -0.5, 0.1, 0.9, 0.2])) as ArrayRef,
            ),
            ("date", Arc::new(Date32Array::from(days)) as ArrayRef),
        ],
    );
    table(
        &ctx,
        "thread_topics",
        vec![
            ("thread_id", strs(&["t1", "t1", "t2"])),
            ("topic_id", strs(&["tag:x", "tag:y", "tag:z"])),
        ],
    );
    ctx
}

/// Runs a sentiment query with the fixture's windows, ordered for comparison.
async fn sentiment_rows(name: &str, columns: &str, order: &str) -> Vec<String> {
    let ctx = sentiment_fixture();
    let q = sql::get(name).unwrap_or_else(|| panic!("no query {name}"));
    let text = q.render(&[
        ("baseline_start_us", ts(BASELINE_START)),
        ("recent_start_us", ts(RECENT_START)),
        ("end_us", ts(END)),
    ]);
    let wrapped = format!("SELECT {columns} FROM ({text}) ORDER BY {order}");
    let batches = murmur_jobs::session::query(&ctx, &wrapped).await.unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    text.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn thread_tags_gives_each_thread_the_tags_of_its_posts_up_to_the_end() {
    // p4's "late" is at the exclusive end; the empty tag is dropped; p5 gives t2 tag x.
    expect(
        sentiment_rows("thread_tags", "*", "thread_id, topic_id").await,
        r"
+-----------+----------+
| thread_id | topic_id |
+-----------+----------+
| t1        | tag:x    |
| t1        | tag:y    |
| t2        | tag:x    |
| t2        | tag:z    |
+-----------+----------+",
    );
}

#[tokio::test]
async fn sentiment_window_gives_one_row_per_post_topic_and_group() {
    expect(
        sentiment_rows(
            "sentiment_window",
            r#"topic_id, "group", author_id, compound, recent, created_us = CAST(to_timestamp_micros(created_us) AS BIGINT) AS us"#,
            r#"topic_id, "group", compound"#,
        )
        .await,
        r#"
+----------+--------+-----------+----------+--------+------+
| topic_id | group  | author_id | compound | recent | us   |
+----------+--------+-----------+----------+--------+------+
| tag:x    | all    | a2        | -0.5     | true   | true |
| tag:x    | all    | a1        | 0.5      | false  | true |
| tag:x    | role=R | a1        | 0.5      | false  | true |
| tag:x    | site=S | a1        | 0.5      | false  | true |
| tag:x    | team=A | a2        | -0.5     | true   | true |
| tag:x    | team=A | a1        | 0.5      | false  | true |
| tag:y    | all    | a2        | -0.5     | true   | true |
| tag:y    | all    | a1        | 0.5      | false  | true |
| tag:y    | role=R | a1        | 0.5      | false  | true |
| tag:y    | site=S | a1        | 0.5      | false  | true |
| tag:y    | team=A | a2        | -0.5     | true   | true |
| tag:y    | team=A | a1        | 0.5      | false  | true |
| tag:z    | all    | a3        | 0.1      | true   | true |
| tag:z    | role=R | a3        | 0.1      | true   | true |
| tag:z    | site=S | a3        | 0.1      | true   | true |
| tag:z    | team=B | a3        | 0.1      | true   | true |
+----------+--------+-----------+----------+--------+------+"#,
    );
}

#[test]
fn every_sql_file_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".sql") {
            assert!(
                sql::get(stem).is_some(),
                "sql/{name} is not in jobs::sql::ALL"
            );
        }
    }
}
