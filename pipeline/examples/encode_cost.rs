//! What encoding a lake's files costs, by Parquet setting (a measurement, not a test).
//!
//! Reads every posts and feedback file of a lake into memory, then encodes each file's rows
//! again, in memory, with the lake's own settings and with variations of them, on one
//! thread, and prints the time per row and the bytes written. Nothing is written to disk.
//!
//! `cargo run --release -p murmur-pipeline --example encode_cost -- LAKE [ROUNDS]`
//! (docs/kafka.md, "Tenth round").

use arrow::record_batch::RecordBatch;
use murmur_pipeline::lake::{Lake, Table};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder};
use parquet::schema::types::ColumnPath;
use std::path::Path;
use std::time::Instant;

type Settings<'a> = Box<dyn Fn(Table, &RecordBatch) -> WriterPropertiesBuilder + 'a>;

/// Every data file of `table`, one record batch per file (a lake file is one row group, so
/// it is encoded again as one).
fn load(lake: &Lake, table: Table) -> Result<Vec<RecordBatch>, Box<dyn std::error::Error>> {
    let mut batches = Vec::new();
    for path in lake.list_files(table, None)? {
        let reader = ParquetRecordBatchReaderBuilder::try_new(lake.get(&path)?)?
            .with_batch_size(1 << 24)
            .build()?;
        for batch in reader {
            batches.push(batch?);
        }
    }
    Ok(batches)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let root = args
        .next()
        .ok_or("usage: encode_cost LAKE [ROUNDS] (a lake folder with posts/ and feedback/)")?;
    let rounds: usize = match args.next() {
        Some(r) => r
            .parse()
            .map_err(|_| format!("ROUNDS: expected a number, got {r:?}"))?,
        None => 2,
    };
    let root = Path::new(&root);
    // Opening a lake creates its folders; a mistyped path should not.
    if !root.is_dir() {
        return Err(format!("LAKE: {} is not a folder", root.display()).into());
    }
    let lake = Lake::open_local(root)?;
    let mut tables = Vec::new();
    for table in [Table::Posts, Table::Feedback] {
        tables.push((table, load(&lake, table)?));
    }
    let rows: usize = tables
        .iter()
        .flat_map(|(_, b)| b)
        .map(|b| b.num_rows())
        .sum();
    let files: usize = tables.iter().map(|(_, b)| b.len()).sum();
    if rows == 0 {
        return Err(format!(
            "{}: no posts or feedback rows in its Parquet files",
            root.display()
        )
        .into());
    }
    println!("{rows} rows in {files} files of {}", root.display());
    let lake_settings = |t: Table, b: &RecordBatch| lake.writer_properties(t, b).into_builder();
    let variants: Vec<(&str, Settings)> = vec![
        ("the lake's settings", Box::new(lake_settings)),
        (
            "the lake's, body not compressed",
            Box::new(move |t, b| {
                lake_settings(t, b)
                    .set_column_compression(ColumnPath::from("body"), Compression::UNCOMPRESSED)
            }),
        ),
        (
            "the lake's, body at zstd level 1",
            Box::new(move |t, b| {
                lake_settings(t, b).set_column_compression(
                    ColumnPath::from("body"),
                    Compression::ZSTD(ZstdLevel::try_new(1).expect("valid level")),
                )
            }),
        ),
        (
            "the lake's, no statistics",
            Box::new(move |t, b| {
                lake_settings(t, b).set_statistics_enabled(EnabledStatistics::None)
            }),
        ),
        (
            "nothing compressed, Parquet's defaults",
            Box::new(|_, _| WriterProperties::builder()),
        ),
        (
            "nothing compressed, no dictionary, no statistics",
            Box::new(|_, _| {
                WriterProperties::builder()
                    .set_dictionary_enabled(false)
                    .set_statistics_enabled(EnabledStatistics::None)
            }),
        ),
    ];
    for round in 1..=rounds {
        for (name, settings) in &variants {
            let start = Instant::now();
            let mut bytes = 0;
            for (table, batches) in &tables {
                for batch in batches {
                    bytes +=
                        Lake::encode_with(*table, batch, settings(*table, batch).build())?.len();
                }
            }
            let s = start.elapsed().as_secs_f64();
            println!(
                "round {round}  {name:50} {:.3} µs/row  {:>8} KB",
                s * 1e6 / rows as f64,
                bytes / 1024
            );
        }
    }
    Ok(())
}
