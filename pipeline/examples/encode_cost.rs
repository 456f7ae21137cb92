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
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesBuilder};
use parquet::schema::types::ColumnPath;
use std::path::Path;
use std::time::Instant;

type Settings<'a> = Box<dyn Fn(Table, &RecordBatch) -> WriterPropertiesBuilder + 'a>;

/// Every Parquet file under `dir`, one record batch per file (files are one row group).
fn load(dir: &Path, out: &mut Vec<RecordBatch>) -> Result<(), Box<dyn std::error::Error>> {
    if !dir.exists() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.is_dir() {
            load(&path, out)?;
        } else if name.ends_with(".parquet") && !name.starts_with('.') {
            let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path)?)?
                .with_batch_size(1 << 24)
                .build()?;
            for batch in reader {
                out.push(batch?);
            }
        }
    }
    Ok(())
}

fn encode(
    batch: &RecordBatch,
    props: WriterProperties,
) -> Result<usize, parquet::errors::ParquetError> {
    let mut buf = Vec::with_capacity(1 << 20);
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))?;
    writer.write(batch)?;
    writer.close()?;
    Ok(buf.len())
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
    let lake = Lake::open_local(root)?;
    let mut tables = Vec::new();
    for table in [Table::Posts, Table::Feedback] {
        let mut batches = Vec::new();
        load(&root.join(table.name()), &mut batches)?;
        tables.push((table, batches));
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
                    bytes += encode(batch, settings(*table, batch).build())?;
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
