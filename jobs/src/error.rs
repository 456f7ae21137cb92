//! The jobs' error type.

/// Result with the jobs' [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can stop a job or a query.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SQL failed to plan or run.
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    /// Formatting the result failed.
    #[error("cannot format the result as {format}: {source}")]
    Format {
        /// table, csv or json.
        format: &'static str,
        /// What arrow said.
        source: arrow::error::ArrowError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An input file or setting is not what the job expects.
    #[error("{what}: {reason}")]
    Invalid {
        /// The file or setting.
        what: String,
        /// What was expected.
        reason: String,
    },
    /// A Parquet file could not be read or written.
    #[error("{path}: {source}")]
    Parquet {
        /// The file.
        path: String,
        /// What the Parquet reader or writer said.
        source: datafusion::parquet::errors::ParquetError,
    },
    /// A file or table holds something a job cannot use (a missing column, a wrong type).
    #[error("{path}: field {field}: {message}")]
    Data {
        /// The file or table.
        path: String,
        /// The column or key.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A statistics step (Polars) failed.
    #[error("job {job}: {source}")]
    Stats {
        /// The job.
        job: &'static str,
        /// What Polars said.
        source: polars::error::PolarsError,
    },
}
