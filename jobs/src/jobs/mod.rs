//! One file per job.

pub mod overview;
