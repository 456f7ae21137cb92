//! Jobs that turn the lake into answers. Everything reads the lake through its table names
//! and columns (`posts`, `feedback`, `quarantine`, catalog tables) in one DataFusion
//! session, so `murmur query` gives the same numbers the jobs use.

pub mod columns;
pub mod error;
mod fxhash;
pub mod jobs;
pub mod local_files;
pub mod output;
pub mod sentiment;
pub mod session;
pub mod sql;
pub mod text;
pub mod topic_source;
pub mod topics;

pub use error::{Error, Result};
