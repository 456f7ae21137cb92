//! murmur's way in: event contracts, validation, pseudonymisation, ingest and the Parquet lake.
//!
//! Data moves in one direction: raw bytes (a JSONL line, later a Kafka message) are checked
//! against a contract ([`contract`]), author ids are pseudonymised ([`pseudonym`]), accepted
//! events are buffered and written as date-partitioned Parquet files ([`lake`]), and anything
//! that fails goes to the `quarantine` table with its raw bytes and the reason.

pub mod contract;
pub mod error;
pub mod ingest;
pub mod lake;
pub mod pseudonym;

pub use error::{Error, Result};
