//! The DataFusion session over the lake and the catalog.

use crate::Result;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig};

/// The session type, re-exported so the binary needs no DataFusion dependency of its own.
pub use datafusion::prelude::SessionContext;
use std::path::Path;
use std::sync::Arc;

/// A lake table to register: its name (also its folder) and the schema of its files.
#[derive(Debug, Clone)]
pub struct LakeTable {
    /// Table and folder name.
    pub name: String,
    /// Schema of the data files (without the `date` partition column).
    pub schema: SchemaRef,
}

/// Opens a session with every lake table registered (partition column `date`, a DATE) and,
/// when `catalog` is given, its CSV files (`resources`, `teams`) as tables.
pub async fn open(
    lake: &Path,
    tables: &[LakeTable],
    catalog: Option<&Path>,
) -> Result<SessionContext> {
    // DATAFUSION_* environment variables tune the engine (for example
    // DATAFUSION_EXECUTION_TARGET_PARTITIONS=4 on a bigger machine); the defaults below
    // apply where they are not set.
    let mut config = SessionConfig::from_env()
        .map_err(|e| crate::Error::Invalid {
            what: "DATAFUSION_* environment variables".into(),
            reason: e.to_string().lines().take(3).collect::<Vec<_>>().join(": "),
        })?
        .with_information_schema(true);
    if std::env::var_os("DATAFUSION_EXECUTION_TARGET_PARTITIONS").is_none() {
        config = config.with_target_partitions(2);
    }
    // Strings in files are read as string views (see `string_views`); a CAST to VARCHAR
    // gives a plain string.
    config.options_mut().sql_parser.map_string_types_to_utf8view = false;
    let ctx = SessionContext::new_with_config(config);
    // Local files are read on the calling thread, not handed to tokio's blocking pool
    // (see `local_files`).
    let url = datafusion::execution::object_store::ObjectStoreUrl::local_filesystem();
    ctx.register_object_store(
        url.as_ref(),
        Arc::new(crate::local_files::InlineLocalFiles::new()),
    );
    let root = lake.canonicalize().map_err(|source| crate::Error::Io {
        path: lake.display().to_string(),
        source,
    })?;
    for table in tables {
        let dir = root.join(&table.name);
        std::fs::create_dir_all(&dir).map_err(|source| crate::Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
        register_dated(&ctx, &table.name, &dir, table.schema.clone())?;
    }
    if let Some(dir) = catalog {
        for name in ["resources", "teams"] {
            let file = dir.join(format!("{name}.csv"));
            if file.exists() {
                ctx.register_csv(name, file.display().to_string(), CsvReadOptions::new())
                    .await?;
            }
        }
    }
    Ok(ctx)
}

/// Registers a Parquet file (or a folder of them) as table `name`, replacing any table of
/// that name: for inputs beside the lake, such as a job's derived table read back.
pub async fn register_parquet(ctx: &SessionContext, name: &str, path: &Path) -> Result<()> {
    // Name the missing path rather than leave it to schema inference's message.
    std::fs::metadata(path).map_err(|source| crate::Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    ctx.register_parquet(
        name,
        path.display().to_string(),
        ParquetReadOptions::default(),
    )
    .await?;
    Ok(())
}

/// Registers in-memory rows as table `name`, replacing any table of that name. Strings
/// become string views, like the lake's, so joins with lake tables compare like with like.
pub fn register_batches(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    batches: &[RecordBatch],
) -> Result<()> {
    let views = string_views(&schema);
    let cast = |b: &RecordBatch| -> Result<RecordBatch> {
        let columns = b
            .columns()
            .iter()
            .zip(views.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .and_then(|c| RecordBatch::try_new(views.clone(), c));
        columns.map_err(|e| crate::Error::Query(e.into()))
    };
    let batches = batches.iter().map(cast).collect::<Result<Vec<_>>>()?;
    let table = MemTable::try_new(views.clone(), vec![batches])?;
    ctx.deregister_table(name)?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// Registers a folder of `date=YYYY-MM-DD/*.parquet` files (a lake table or a derived
/// one) as table `name` with the partition column `date` (a DATE). The folder must exist.
pub fn register_dated(
    ctx: &SessionContext,
    name: &str,
    dir: &Path,
    schema: SchemaRef,
) -> Result<()> {
    let url = ListingTableUrl::parse(format!("{}/", dir.display()))?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(vec![("date".to_string(), DataType::Date32)]);
    let config = ListingTableConfig::new(url)
        .with_listing_options(options)
        .with_schema(string_views(&schema));
    let provider = ListingTable::try_new(config)?;
    ctx.register_table(name, Arc::new(provider))?;
    Ok(())
}

/// Runs one SQL statement and collects its rows.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    let df = ctx.sql(sql).await?;
    Ok(df.collect().await?)
}

/// `schema` with its strings (and lists of strings) read as Arrow string views, which
/// DataFusion scans, hashes and compares faster than plain strings: the rising job's SQL
/// took 4.9 s instead of 6.5 s over a million posts (`make bench-rising-sql`). Results
/// then carry views; `crate::columns` reads either.
fn string_views(schema: &SchemaRef) -> SchemaRef {
    let view = |t: &DataType| match t {
        DataType::Utf8 => Some(DataType::Utf8View),
        _ => None,
    };
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                DataType::List(item) => view(item.data_type())
                    .map(|v| DataType::List(Arc::new(item.as_ref().clone().with_data_type(v)))),
                t => view(t),
            };
            f.as_ref()
                .clone()
                .with_data_type(t.unwrap_or_else(|| f.data_type().clone()))
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}
