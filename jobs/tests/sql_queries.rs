//! Each query in `sql/` on small hand-made tables, with the expected rows written out.

use arrow::array::{ArrayRef, BinaryArray, Int8Array, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
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
    let _ = DataType::Utf8;
    let _ = TimeUnit::Microsecond;
    ctx
}

async fn rows(name: &str) -> Vec<String> {
    let ctx = fixture();
    let q = sql::get(name).unwrap_or_else(|| panic!("no query {name}"));
    let batches = murmur_jobs::session::query(&ctx, &q.render(&[("min_group_size", 5)]))
        .await
        .unwrap();
    let text = arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    text.lines().map(str::to_string).collect()
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
