//! One module per subcommand.

pub mod demo;
pub mod fixtures;
pub mod ingest;
pub mod kafka;
pub mod query;
pub mod run_rising;
pub mod run_sentiment;
pub mod sentiment;

use crate::config;
use std::path::Path;
use std::process::ExitCode;

/// `murmur config check`: every problem at once, exit 1 if any.
pub fn config_check(file: Option<&Path>, overrides: &config::Overrides) -> ExitCode {
    match config::load(file, overrides) {
        Ok(c) => {
            println!("configuration OK");
            println!("  lake:    {}", c.lake.path.display());
            println!("  catalog: {}", c.catalog.path.display());
            println!(
                "  key:     {}",
                if c.privacy.key.is_some() {
                    "set (privacy.key, not shown)".to_string()
                } else {
                    format!("file {}", c.privacy.key_file.display())
                }
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!("configuration has {} problem(s):", problems.len());
            for p in problems {
                eprintln!("  - {p}");
            }
            ExitCode::from(1)
        }
    }
}

/// Whether stderr is a terminal (progress bars) or not (periodic log lines).
pub fn interactive() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}
