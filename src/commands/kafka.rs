//! `murmur ingest kafka` and `murmur produce`.

use crate::config::Config;
use anyhow::Context;
use murmur_pipeline::Error;
use murmur_pipeline::ingest::kafka::{
    KafkaCounters, KafkaOptions, RunControl, duration_text, ingest_kafka, produce_jsonl,
};
use murmur_pipeline::lake::Lake;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Flags of `murmur ingest kafka`; each overrides the `[kafka]` setting of the same name.
#[derive(Debug, clap::Args)]
pub struct IngestKafkaArgs {
    /// Bootstrap brokers, HOST:PORT[,HOST:PORT…] (kafka.brokers).
    #[arg(long, value_name = "HOST:PORT,...")]
    brokers: Option<String>,
    /// Consumer group (kafka.group).
    #[arg(long, value_name = "NAME")]
    group: Option<String>,
    /// Topic of post/v1 events (kafka.posts_topic).
    #[arg(long, value_name = "TOPIC")]
    posts_topic: Option<String>,
    /// Topic of feedback/v1 events (kafka.feedback_topic).
    #[arg(long, value_name = "TOPIC")]
    feedback_topic: Option<String>,
    /// Stop once no message arrived for this long (e.g. `5s`): a one-shot catch-up run.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    exit_when_idle: Option<Duration>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Benchmark baseline: read and drop every message (same client settings), write nothing.
    #[arg(long, hide = true)]
    discard: bool,
}

/// Flags of `murmur produce`.
#[derive(Debug, clap::Args)]
pub struct ProduceArgs {
    /// Bootstrap brokers (kafka.brokers).
    #[arg(long, value_name = "HOST:PORT,...")]
    brokers: Option<String>,
    /// Topic for every line; by default each line goes to kafka.posts_topic or
    /// kafka.feedback_topic according to its `schema`.
    #[arg(long, value_name = "TOPIC")]
    topic: Option<String>,
    /// JSONL files to publish, one message a line.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    duration_text::parse(text)
}

fn options(config: &Config, brokers: &Option<String>) -> KafkaOptions {
    let mut o = config.kafka.clone();
    if let Some(b) = brokers {
        o.brokers = b.clone();
    }
    o
}

/// Stops on SIGTERM or SIGINT (the open batch is closed first).
fn stop_on_signals(stop: Arc<AtomicBool>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the signal listener")?;
    std::thread::Builder::new()
        .name("murmur-signals".into())
        .spawn(move || {
            runtime.block_on(async move {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut term), Ok(mut int)) = (
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                ) else {
                    tracing::warn!("Cannot listen for SIGTERM/SIGINT.");
                    return;
                };
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM received."),
                    _ = int.recv() => tracing::info!("SIGINT received."),
                }
                stop.store(true, Ordering::SeqCst);
            })
        })
        .context("starting the signal listener")?;
    Ok(())
}

/// `murmur ingest kafka`.
pub fn ingest(config: &Config, args: &IngestKafkaArgs) -> anyhow::Result<ExitCode> {
    let mut o = options(config, &args.brokers);
    if let Some(g) = &args.group {
        o.group = g.clone();
    }
    if let Some(t) = &args.posts_topic {
        o.posts_topic = t.clone();
    }
    if let Some(t) = &args.feedback_topic {
        o.feedback_topic = t.clone();
    }
    let lake = Arc::new(Lake::open_local(&config.lake.path)?);
    let pseudo = super::ingest::pseudonymiser(config, &lake)?;
    let control = RunControl {
        stop: Arc::new(AtomicBool::new(false)),
        exit_when_idle: args.exit_when_idle,
        discard: args.discard,
    };
    stop_on_signals(control.stop.clone())?;
    let counters = Arc::new(KafkaCounters::default());
    let summary = match ingest_kafka(
        lake.clone(),
        &pseudo,
        &config.ingest,
        &o,
        &control,
        counters,
    ) {
        Ok(s) => s,
        Err(e) => return Err(explain(e, lake.display())),
    };
    if args.json {
        let mut v = serde_json::to_value(&summary.stats)?;
        v["batches"] = serde_json::json!(summary.batches);
        v["seconds"] = serde_json::json!(summary.seconds);
        v["seconds_to_first_message"] = serde_json::json!(summary.seconds_to_first_message);
        v["seconds_to_last_message"] = serde_json::json!(summary.seconds_to_last_message);
        v["discarded"] = serde_json::json!(summary.discarded);
        v["lake"] = serde_json::json!(lake.display());
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let s = &summary.stats;
        println!(
            "Read {} message(s) from {} and {} into {} in {:.1} s; {} batch(es) made durable",
            s.read + summary.discarded,
            o.posts_topic,
            o.feedback_topic,
            lake.display(),
            summary.seconds,
            summary.batches
        );
        println!(
            "  new: posts {}, feedback {}; duplicates kept once {}; quarantined {}",
            s.accepted.get("posts").copied().unwrap_or(0),
            s.accepted.get("feedback").copied().unwrap_or(0),
            s.duplicates_total(),
            s.quarantined_total()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Turns a fatal error into a message that says what to fix.
fn explain(e: Error, lake: &str) -> anyhow::Error {
    let hint = match &e {
        Error::LakeIo { source, .. } => match source.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => Some(format!(
                "the lake at {lake} is out of space: free some, then start murmur again; it \
                 resumes after the last durable batch"
            )),
            std::io::ErrorKind::FileTooLarge => Some(format!(
                "a file in the lake at {lake} hit this process's file-size limit (ulimit -f / \
                 RLIMIT_FSIZE) or the filesystem's largest file: raise or remove the limit, then \
                 start murmur again; it resumes after the last durable batch"
            )),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                Some(format!(
                    "murmur may not write the lake at {lake}: fix its permissions, then start \
                     murmur again; it resumes after the last durable batch"
                ))
            }
            _ => None,
        },
        _ => None,
    };
    let hint = hint.unwrap_or_else(|| {
        if e.is_retryable() {
            "this may be temporary: start murmur again; it resumes after the last durable batch"
                .to_string()
        } else {
            "nothing after the last durable batch was recorded; fix the cause and start murmur \
             again"
                .to_string()
        }
    });
    anyhow::anyhow!("{e}\n{hint}")
}

/// `murmur produce`.
pub fn produce(config: &Config, args: &ProduceArgs) -> anyhow::Result<ExitCode> {
    for f in &args.files {
        if !f.is_file() {
            anyhow::bail!("input {}: no such file", f.display());
        }
    }
    let o = options(config, &args.brokers);
    let stats = produce_jsonl(&o, args.topic.as_deref(), &args.files)?;
    let total: u64 = stats.sent.values().sum();
    println!(
        "Published {total} message(s) to {} in {:.1} s",
        o.brokers, stats.seconds
    );
    for (topic, n) in &stats.sent {
        println!("  {topic:<20} {n:>9}");
    }
    Ok(ExitCode::SUCCESS)
}
