//! The topic registry: every topic any run has named, with the terms that define it, so
//! the next run can give the same topic the same id.
//!
//! It lives at `derived/topic_registry.json`. A run at `as_of` only matches against
//! topics first seen at or before `as_of`, so re-running an older date gives the ids it
//! gave the first time even after later runs added topics.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One registered topic.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// Stable id, e.g. `t-3fa91c`.
    pub id: String,
    /// The run date (`as_of`) that first named it.
    pub first_seen: String,
    /// The newest run date that found it.
    pub last_seen: String,
    /// Its label at `last_seen`.
    pub label: String,
    /// Its defining terms and weights (a unit vector over term text) at `last_seen`.
    pub centroid: Vec<(String, f32)>,
}

/// The registry file's content.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    /// Format version (1).
    pub version: u32,
    /// Registered topics, in the order they were first seen.
    pub topics: Vec<Entry>,
}

impl Registry {
    /// The registry's path under a `derived` folder.
    pub fn path(derived: &Path) -> PathBuf {
        derived.join("topic_registry.json")
    }

    /// Loads the registry; a missing file is an empty registry, a damaged one an error
    /// naming the file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Registry {
                    version: 1,
                    topics: Vec::new(),
                });
            }
            Err(source) => {
                return Err(Error::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| Error::Invalid {
            what: path.display().to_string(),
            reason: format!("not a topic registry ({e}); move it away to start topic ids afresh"),
        })
    }

    /// Writes the registry atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("the registry serialises");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Entries a run at `as_of` (YYYY-MM-DD) may match: first seen at or before it.
    pub fn visible(&self, as_of: &str) -> impl Iterator<Item = (usize, &Entry)> {
        let as_of = as_of.to_string();
        self.topics
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.first_seen.as_str() <= as_of.as_str())
    }
}
