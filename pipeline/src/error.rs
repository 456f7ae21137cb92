//! The pipeline's error type.

use std::path::PathBuf;

/// Result with the pipeline's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop the pipeline. Bad *events* are never errors: they go to quarantine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading an input file failed.
    #[error("cannot read {path}: {source}")]
    Input {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Writing or reading the lake failed (disk full, permissions, ...).
    #[error("lake I/O failed at {path}: {source}")]
    LakeIo {
        /// The file or folder in the lake.
        path: String,
        /// What the store said.
        source: std::io::Error,
    },
    /// The object store reported an error.
    #[error("lake store error at {path}: {source}")]
    Store {
        /// The object path.
        path: String,
        /// What the store said.
        source: object_store::Error,
    },
    /// A Parquet file in the lake could not be written or read.
    #[error("parquet error in {path}: {source}")]
    Parquet {
        /// The file.
        path: String,
        /// What the reader/writer said.
        source: parquet::errors::ParquetError,
    },
    /// Building Arrow data failed (a bug: the schema and builders disagree).
    #[error("arrow error while building {table}: {source}")]
    Arrow {
        /// The lake table.
        table: &'static str,
        /// What arrow said.
        source: arrow::error::ArrowError,
    },
    /// Configuration is invalid; every problem is listed.
    #[error("invalid configuration:\n  - {}", .problems.join("\n  - "))]
    Config {
        /// One line per problem, naming the key.
        problems: Vec<String>,
    },
    /// The pseudonymisation key is missing or unusable.
    #[error("pseudonymisation key: {0}")]
    Key(String),
    /// An earlier lake write failed; nothing more is written or recorded until restart, so
    /// no marker can claim offsets whose rows are not in the lake.
    #[error(
        "an earlier lake write failed ({first}); nothing more is recorded until murmur is restarted"
    )]
    Halted {
        /// The first failure, as text.
        first: String,
    },
    /// The Kafka client failed (what it was doing is in `context`).
    #[error("kafka: {context}: {source}")]
    Kafka {
        /// What murmur was doing, naming the topic or broker.
        context: String,
        /// What librdkafka said.
        source: rdkafka::error::KafkaError,
    },
}

impl Error {
    /// Whether trying again later may succeed (a transient I/O condition), as opposed to a
    /// problem a person has to fix first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::LakeIo { source, .. } | Error::Input { source, .. } => matches!(
                source.kind(),
                std::io::ErrorKind::Interrupted
                    | std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::WouldBlock
            ),
            Error::Store { .. } | Error::Kafka { .. } => true,
            _ => false,
        }
    }
}
