//! One file per job.

pub mod overview;
pub mod rising;
pub mod sentiment_scores;
pub mod sentiment_shift;
