//! The DataFusion session over the lake and the catalog.

use crate::Result;
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
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
    let config = SessionConfig::new()
        .with_information_schema(true)
        .with_target_partitions(2);
    let ctx = SessionContext::new_with_config(config);
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
        .with_schema(schema);
    let provider = ListingTable::try_new(config)?;
    ctx.register_table(name, Arc::new(provider))?;
    Ok(())
}

/// Runs one SQL statement and collects its rows.
pub async fn query(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>> {
    let df = ctx.sql(sql).await?;
    Ok(df.collect().await?)
}
