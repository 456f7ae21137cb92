//! The `murmur` command: wiring only. The work lives in the `pipeline` and `jobs` crates.

mod commands;
mod config;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of glibc malloc: ingest allocates and frees many small strings per
/// event on several threads, and the writer threads short-lived multi-megabyte buffers
/// (zstd contexts, Parquet pages) that glibc maps and unmaps each time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// murmur: conversation analytics for Learning & Development.
#[derive(Debug, Parser)]
#[command(name = "murmur", version, about, propagate_version = true)]
struct Cli {
    /// Configuration file (default: ./murmur.toml if it exists).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Lake folder (overrides lake.path).
    #[arg(long, global = true, value_name = "DIR")]
    lake: Option<PathBuf>,
    /// Catalog folder (overrides catalog.path).
    #[arg(long, global = true, value_name = "DIR")]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Ingest events into the lake.
    #[command(subcommand)]
    Ingest(IngestCommand),
    /// Publish JSONL events to Kafka (keyed by thread_id / resource_id), for trying murmur out.
    Produce(commands::kafka::ProduceArgs),
    /// Run SQL over the lake tables (posts, feedback, quarantine, catalog tables).
    Query {
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: commands::query::FormatArg,
        /// Also register a Parquet file or folder as table NAME (repeatable; replaces a
        /// table of the same name), e.g. a job's derived table.
        #[arg(long = "table", value_name = "NAME=PATH", value_parser = commands::query::parse_extra_table)]
        tables: Vec<commands::query::ExtraTable>,
        /// Print the row count and the query time (session, planning, execution) to stderr.
        #[arg(long)]
        timing: bool,
        /// Run the statement this many times in one session (the result is printed once);
        /// with --timing, each run's time is printed. Later runs reuse the session's cached
        /// Parquet metadata, as the jobs' later queries do.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        repeat: u32,
        /// The SQL statement.
        sql: String,
    },
    /// Sample data.
    #[command(subcommand)]
    Fixtures(FixturesCommand),
    /// Score lines of text from stdin: one compound sentiment in [-1, 1] per line.
    Sentiment {
        /// Output format: `score` (one number a line) or `json` (parts too).
        #[arg(long, value_enum, default_value = "score")]
        format: commands::sentiment::SentimentFormat,
        /// Extra lexicon file (TSV: word or phrase, TAB, valence) on top of the built-in ones.
        #[arg(long, value_name = "FILE")]
        lexicon: Option<PathBuf>,
        /// Use only the original VADER lexicon and rules (no workplace or French extension).
        #[arg(long)]
        vader_only: bool,
    },
    /// Run a job over the lake and print its result.
    #[command(subcommand)]
    Run(RunCommand),
    /// Configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Generate a sample organisation, ingest it, run the jobs and write ./out/ (no broker).
    Demo {
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        #[command(flatten)]
        sample: SampleArgs,
    },
}

#[derive(Debug, Subcommand)]
enum IngestCommand {
    /// Ingest JSONL files (post/v1 and feedback/v1 may be mixed; `-` reads stdin).
    File {
        /// Files to ingest, or `-` for standard input.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Consume murmur.posts and murmur.feedback as a consumer group, exactly once into the lake.
    Kafka(commands::kafka::IngestKafkaArgs),
}

#[derive(Debug, Subcommand)]
enum RunCommand {
    /// Rising topics: discover topics, score each against its own history for a window
    /// ending at --as-of, and describe the rising ones. Writes derived/rising_topics/.
    Rising(commands::run_rising::RisingArgs),
    /// Tone shifts per topic (and team, site, role): recent window against the baseline,
    /// Mann–Whitney with Benjamini–Hochberg correction. Writes derived/sentiment_shifts/.
    Sentiment(commands::run_sentiment::SentimentArgs),
}

#[derive(Debug, Subcommand)]
enum FixturesCommand {
    /// Write a deterministic sample organisation (events, catalog, truth.json).
    Generate {
        #[command(flatten)]
        sample: SampleArgs,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Size and seed of a sample organisation.
#[derive(Debug, clap::Args)]
struct SampleArgs {
    /// People in the organisation.
    #[arg(long, default_value_t = 400)]
    people: u32,
    /// Weeks of history.
    #[arg(long, default_value_t = 26)]
    weeks: u32,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check the configuration and list every problem at once.
    Check,
    /// Print the effective configuration (secrets left out).
    Show,
}

fn main() -> ExitCode {
    let huge_pages = disable_transparent_huge_pages();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MURMUR_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(
                    "warn,murmur=info,murmur_pipeline=info,murmur_jobs=info",
                )
            }),
        )
        .init();
    if let Err(error) = huge_pages {
        tracing::debug!(%error, "Could not turn transparent huge pages off; going on with them.");
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Turns transparent huge pages off for this process (`prctl(PR_SET_THP_DISABLE)`; all its
/// threads share the setting). mimalloc asks the kernel for huge pages for its arenas, and
/// the kernel then zeroes 2 MiB on the first touch of each, however little of it is used,
/// and again each time mimalloc has given memory back: ~17% of Kafka ingest's CPU. The
/// figures with and without are in docs/kafka.md, "Fifth round".
fn disable_transparent_huge_pages() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    rustix::thread::disable_transparent_huge_pages(true)?;
    Ok(())
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let overrides = config::Overrides {
        lake: cli.lake.clone(),
        catalog: cli.catalog.clone(),
    };
    let load = || {
        config::load(cli.config.as_deref(), &overrides).map_err(|problems| {
            anyhow::anyhow!("invalid configuration:\n  - {}", problems.join("\n  - "))
        })
    };
    match cli.command {
        Command::Config(ConfigCommand::Check) => {
            Ok(commands::config_check(cli.config.as_deref(), &overrides))
        }
        Command::Config(ConfigCommand::Show) => {
            let c = load()?;
            print!("{}", toml::to_string_pretty(&c)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(IngestCommand::File { paths, json }) => {
            commands::ingest::file(&load()?, &paths, json)
        }
        Command::Ingest(IngestCommand::Kafka(args)) => commands::kafka::ingest(&load()?, &args),
        Command::Produce(args) => commands::kafka::produce(&load()?, &args),
        Command::Query {
            format,
            tables,
            timing,
            repeat,
            sql,
        } => commands::query::run(&load()?, &sql, format.into(), &tables, timing, repeat),
        Command::Fixtures(FixturesCommand::Generate { sample, out }) => {
            commands::fixtures::generate(sample.people, sample.weeks, sample.seed, &out)
        }
        Command::Sentiment {
            format,
            lexicon,
            vader_only,
        } => commands::sentiment::run(format, lexicon.as_deref(), vader_only),
        Command::Run(RunCommand::Rising(args)) => commands::run_rising::run(&load()?, &args),
        Command::Run(RunCommand::Sentiment(args)) => commands::run_sentiment::run(&load()?, &args),
        Command::Demo { out, sample } => commands::demo::run(
            cli.config.as_deref(),
            &out,
            sample.people,
            sample.weeks,
            sample.seed,
        ),
    }
}
